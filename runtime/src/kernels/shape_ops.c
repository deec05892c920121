/* Kernel family shape_ops (placeholder until its kernels land). */
#include "tflrt.h"

const TflKernel tfl_kernels_shape_ops[] = {
    {0, NULL, NULL, NULL},
};
