/* Kernel family conv_q (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_conv_q[] = {
    {0, NULL, NULL, NULL},
};
