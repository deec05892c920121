/* Kernel family elementwise_q (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_elementwise_q[] = {
    {0, NULL, NULL, NULL},
};
