/* Kernel family fc_f32 (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_fc_f32[] = {
    {0, NULL, NULL, NULL},
};
