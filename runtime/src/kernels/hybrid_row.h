/* Per-row int8 quantization of float activations for the hybrid recurrent kernels (lstm_f32.c, rnn_f32.c), as
 * LiteRT's x86 wheel does it (NEON versions through NEON_2_SSE, like hybrid.c): symmetric max|x| / 127, or
 * asymmetric (range widened to include 0, zero point nudged from the end with the smaller error); elements
 * [0, n & ~7) rounded half away from zero in float, the tail with roundf. An all-zero range gives scale 1. */
#ifndef TFLRT_HYBRID_ROW_H
#define TFLRT_HYBRID_ROW_H

#include <stdint.h>

void tfl_hybrid_quantize_row(const float *x, int n, int asym, int8_t *q, float *sf, int32_t *zp);

#endif
