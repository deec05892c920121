/* Kernel family quantize (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_quantize[] = {
    {0, NULL, NULL, NULL},
};
