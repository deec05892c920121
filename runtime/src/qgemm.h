/* int8 x int8 -> int32 GEMM for the integer kernels (conv_q, fc_q).
 *
 * Weights [N][K] are packed once into int16 panels of 16 output channels with depth pairs interleaved, so that one
 * pmaddwd of a broadcast input pair against a panel row yields partial dot products for 8 channels at a time; no
 * horizontal reductions. SSE2 (baseline x86-64) with an AVX2 variant chosen at run time; portable C elsewhere.
 * Results are exact int32 sums (the caller requantizes), so every code path gives identical numbers. */
#ifndef TFLRT_QGEMM_H
#define TFLRT_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#define TFL_QGEMM_NR 16 /* channels per panel */
#define TFL_QGEMM_MR 4  /* rows per micro-tile */

typedef struct {
  int N, K;   /* logical sizes */
  int Np, Kp; /* N rounded up to TFL_QGEMM_NR, K rounded up to 2 */
  int16_t *data;
} TflQPack;

/* Packs w ([N][K] int8, row stride K). Returns 0 on allocation failure. */
int tfl_qpack(const int8_t *w, int N, int K, TflQPack *p);
void tfl_qpack_free(TflQPack *p);
/* acc[m * Np + n] = sum_k a[m * lda + k] * w[n][k] for m < M, n < Np (padded channels give 0).
 * a holds int16 values with lda >= Kp; entries K..Kp-1 of each row must be zero. */
void tfl_qgemm(const TflQPack *p, const int16_t *a, int M, int lda, int32_t *acc);

#endif
