/* int8 x int8 -> int32 GEMM for the integer kernels (conv_q, fc_q).
 *
 * Weights [N][K] are packed once into int8 panels of 16 output channels with depth pairs interleaved (sign-extended
 * to int16 as they are loaded), so that one pmaddwd of a broadcast input pair against a panel row yields partial dot
 * products for 8 channels at a time; no horizontal reductions. SSE2 (baseline x86-64) with an AVX2 variant chosen at
 * run time; portable C elsewhere.
 * Results are exact int32 sums (the caller requantizes), so every code path gives identical numbers. */
#ifndef TFLRT_QGEMM_H
#define TFLRT_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "fixedpoint.h"
#include "tflrt.h"

#define TFL_QGEMM_NR 16 /* channels per panel */
#define TFL_QGEMM_MR 4  /* rows per micro-tile */
#define TFL_QGEMM_MR_I8 6 /* rows per micro-tile of the fused int8-output AVX2 kernel */

typedef struct {
  int N, K;   /* logical sizes */
  int Np, Kp; /* N rounded up to TFL_QGEMM_NR, K rounded up to 2 */
  int8_t *data; /* [Np / 16][Kp / 2][16][2] */
} TflQPack;

/* Packs w ([N][K] int8, row stride K). Returns 0 on allocation failure. */
int tfl_qpack(const int8_t *w, int N, int K, TflQPack *p);
void tfl_qpack_free(TflQPack *p);
/* acc[m * Np + n] = sum_k a[m * lda + k] * w[n][k] for m < M, n < Np (padded channels give 0).
 * a holds int16 values with lda >= Kp; entries K..Kp-1 of each row must be zero. */
void tfl_qgemm(const TflQPack *p, const int16_t *a, int M, int lda, int32_t *acc);
/* dst[i] = src[i] widened to int16 (vectorized). */
void tfl_widen_i8(const int8_t *src, int16_t *dst, size_t n);

/* ---- shared int8 GEMM driver for CONV_2D / FULLY_CONNECTED / hybrid kernels ----
 * Y[m][n] = requant(sum_k A[m][k] * W[n][k] + bias[n]) for m < M, n < N, where the kernel supplies the rows of A
 * (int8 values widened to int16: im2col patches, FC input rows) block by block through a callback, and the driver
 * owns packing, weight sums, per-thread scratch (tfl_eval_scratch), the split into tasks (tfl_parallel_for over
 * disjoint row blocks, so results do not depend on the thread count) and the epilogue:
 *   - int8 output: fused requantization (TflRq; AVX2 in-register epilogue for double rounding, scalar otherwise);
 *   - raw int32 sums handed to a callback per row block (float / hybrid requantization).
 * Zero points: pass rows of raw int8 values and fold -in_zp * wsum[n] into the bias (tfl_qgemm_set_bias); pad
 * out-of-image taps with in_zp so they cancel. */
typedef struct {
  TflQPack pack;
  int32_t *wsum; /* [N] sum over k of W[n][k] */
  TflRq rq;      /* int8 epilogue (tfl_qgemm_set_requant) */
  int has_rq;
} TflQGemm;

/* Fills rows m0 .. m0 + mb - 1 of A: row i at A + i * lda, K values (the driver zeroes the padding entry). */
typedef void (*TflQRowsFn)(const void *arg, int m0, int mb, int16_t *A, int lda);
/* Receives raw sums of rows m0 .. m0 + mb - 1: acc[i * ldacc + n]; thread indexes per-thread buffers. */
typedef void (*TflQPostFn)(const void *arg, int m0, int mb, const int32_t *acc, int ldacc, int thread);

/* Packs w ([N][K] int8) and computes the weight sums; 0 on allocation failure. */
int tfl_qgemm_init(TflQGemm *g, const int8_t *w, int N, int K);
/* Per-channel multipliers (tfl_quantize_multiplier form), output zero point and clamp range for the int8 epilogue. */
int tfl_qgemm_set_requant(TflQGemm *g, const int32_t *mult, const int *shift, int32_t zp, int32_t lo, int32_t hi);
/* Epilogue bias: bias[n] - in_zp * wsum[n] (bias may be NULL). Call on every eval if the bias is not constant. */
void tfl_qgemm_set_bias(TflQGemm *g, const int32_t *bias, int32_t in_zp);
void tfl_qgemm_release(TflQGemm *g);
/* Scratch bytes tfl_qgemm_run needs for M rows (all threads); int8_out selects the int8 epilogue (no int32 block). */
size_t tfl_qgemm_scratch_size(TflContext *ctx, const TflQGemm *g, int M, int int8_out);
/* Runs the product for M rows. y != NULL: int8 output at y[m * ldy + n] (needs set_requant/set_bias).
 * y == NULL: post() gets the raw sums. rows() and post() run on worker threads (must only write their own rows /
 * per-thread memory). scratch: tfl_qgemm_scratch_size bytes, 64-byte aligned, or NULL to take tfl_eval_scratch
 * (pass your own when the kernel keeps other data in the eval scratch, e.g. a quantized copy of its input).
 * Returns TFL_ERROR when scratch cannot be allocated. */
TflStatus tfl_qgemm_run(TflContext *ctx, const TflQGemm *g, int M, TflQRowsFn rows, const void *rows_arg, int8_t *y,
                        int ldy, TflQPostFn post, const void *post_arg, void *scratch);

#endif
