/* Kernel family activation_q (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_activation_q[] = {
    {0, NULL, NULL, NULL},
};
