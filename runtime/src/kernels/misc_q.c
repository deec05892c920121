/* Kernel family misc_q (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_misc_q[] = {
    {0, NULL, NULL, NULL},
};
