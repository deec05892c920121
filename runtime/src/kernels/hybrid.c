/* Kernel family hybrid (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_hybrid[] = {
    {0, NULL, NULL, NULL},
};
