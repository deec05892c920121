/* Kernel family conv_f32 (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_conv_f32[] = {
    {0, NULL, NULL, NULL},
};
