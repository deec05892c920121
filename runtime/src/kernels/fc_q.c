/* Kernel family fc_q (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_fc_q[] = {
    {0, NULL, NULL, NULL},
};
