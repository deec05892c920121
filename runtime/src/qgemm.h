/* int8 x int8 -> int32 GEMM for the integer kernels (conv_q, fc_q, hybrid).
 *
 * Two weight layouts, chosen when a node is prepared from tfl_isa() (cpu.h):
 *   int16 rows (scalar, sse2, avx2, avx512): panels of 16 output channels with depth pairs interleaved (sign-extended
 *     to int16 as they are loaded), so one pmaddwd of a broadcast input pair against a panel row yields partial dot
 *     products for 8 (ymm) or 16 (zmm) channels; no horizontal reductions.
 *   uint8 rows (avx2_vnni, avx512_vnni): panels of 16 channels with depth quads interleaved ([K/4][16][4]) for
 *     vpdpbusd, which multiplies unsigned by signed bytes: the rows hold x + 128 (x ^ 0x80) and 128 * sum_k w[n][k] is
 *     taken off through the accumulators' start value (folded into the bias).
 * Results are exact int32 sums (the caller requantizes), so every level gives identical numbers. */
#ifndef TFLRT_QGEMM_H
#define TFLRT_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "fixedpoint.h"
#include "tflrt.h"

#define TFL_QGEMM_NR 16 /* channels per panel */
#define TFL_QGEMM_MR 4  /* rows per micro-tile */
#define TFL_QGEMM_MR_I8 6 /* rows per micro-tile of the fused int8-output AVX2 kernel */

/* ---- leaner exact requantization for the zmm kernels ----
 * MBQM(a, q, shift) with right shift r = min(max(-shift, 0), 31) and P = (a << left) * q in int64 equals
 *   (P + 2^30 + [r >= 1] 2^(30 + r) - [r >= 1][P < 0] 2^31) >> (31 + r)     (arithmetic shift)
 * for every int32 a: SRDHM is (P + 2^30) >> 31, and RDBPOT's half-away-from-zero rounding of h = SRDHM adds
 * 2^(r-1) - [h < 0], where [h < 0] may be replaced by [P < 0] (for -2^30 <= P < 0 both give 0), and that by
 * [a q < 0] from the factors' signs (for P = 0 the term changes nothing). The result fits int32,
 * so no step can overflow (|P| < 2^62). TflRq64 holds, per block of 16 vector positions of a TflRq, the 64-bit
 * constants for the even and the odd positions: k (2^30 + ...), c (the 2^31 taken off negative P) and s (31 + r).
 * Fast form, when every position has r >= 1 (or a zero multiplier; no left shifts): the two roundings one after the
 * other on 32-bit lanes, h = (a q + 2^30) >> 31 from the 64-bit products (it fits int32: |h| <= 2^31 - 2), then
 * RDBPOT(h, r) = (h - [h < 0] + 2^(r-1)) >> r = ((t >> (r - 1)) + 1) >> 1 with t = h - [h < 0] (nested floors; t >=
 * -2^31 and the + 1 cannot overflow), which needs only r - 1 per position besides the multipliers. */
typedef struct {
  int64_t *e;   /* [np / 16][k even, k odd, c even, c odd, s even, s odd][8] */
  int64_t *ez;  /* e with zp 2^s added to k (the zero point added by the shift; TFL_RQ_ZP), or NULL unless every
                 * position has 1 <= r <= 23 and no left shift (then zp + the result fits int32 and the sums int64) */
  int32_t *rm1; /* fast form: [np] r - 1 per vector position; NULL when some position needs the general form */
  int fast_zp;  /* fast form with zp in its last rounding (TFL_RQ_ZP) allowed: every position has r >= 2 (or a zero
                 * multiplier), so (t >> (r - 1)) + 1 + 2 zp fits int32 */
} TflRq64;
/* Returns 0 on allocation failure. */
int tfl_rq64_init(TflRq64 *e, const TflRq *rq);
void tfl_rq64_free(TflRq64 *e);
/* How a kernel requantizes with a TflRq64 (a compile-time argument of the kernels' bodies). TFL_RQ_RELU may be or-ed
 * into a form when lo >= zp (tfl_rq_relu): every negative MBQM result then clamps to lo, and so does the result
 * without the correction for negative products (the nudges are below one unit of the last shift: it is <= 0 for a
 * negative product as well), so that correction is skipped. */
enum { TFL_RQ_PLAIN = 0, TFL_RQ_LEFT = 1, TFL_RQ_FAST = 2, TFL_RQ_RELU = 4, TFL_RQ_ZP = 8 };
static inline int tfl_rq_form(const TflRq *rq, const TflRq64 *e) {
  return e->rm1 ? TFL_RQ_FAST : rq->any_left ? TFL_RQ_LEFT : TFL_RQ_PLAIN;
}
static inline int tfl_rq_relu(const TflRq *rq) { return rq->lo >= rq->zp ? TFL_RQ_RELU : 0; }

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* Fast form of 16 lanes at vector positions i .. i + 15 (i a multiple of 16). */
static inline __attribute__((target(TFL_T512), always_inline)) __m512i tfl_v16_rq_fast(__m512i x, const TflRq *rq,
                                                                                        const TflRq64 *e, int i,
                                                                                        const int relu,
                                                                                        const int with_zp) {
  const __m512i half = _mm512_set1_epi64((int64_t)1 << 30), one = _mm512_set1_epi32(1);
  __m512i pe = _mm512_mul_epi32(x, _mm512_load_si512(rq->mult + i));
  /* odd multipliers from a load one element on (mult is followed by lsh in the same block, so it stays inside) */
  __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_loadu_si512(rq->mult + i + 1));
  pe = _mm512_srli_epi64(_mm512_add_epi64(pe, half), 31); /* h of the even positions in the low dwords */
  po = _mm512_slli_epi64(_mm512_add_epi64(po, half), 1);  /* and of the odd ones in the high dwords */
  __m512i h = _mm512_mask_blend_epi32(0xAAAA, pe, po);
  if (!relu) h = _mm512_mask_sub_epi32(h, _mm512_movepi32_mask(h), h, one);
  h = _mm512_srav_epi32(h, _mm512_load_si512(e->rm1 + i));
  /* with_zp: floor((v + 1 + 2 zp) / 2) = floor((v + 1) / 2) + zp */
  return _mm512_srai_epi32(_mm512_add_epi32(h, with_zp ? _mm512_set1_epi32(1 + 2 * rq->zp) : one), 1);
}
/* The same for 8 lanes at vector positions i .. i + 7 (i a multiple of 8). */
static inline __attribute__((target(TFL_T512), always_inline)) __m256i tfl_v8_rq_fast(__m256i x, const TflRq *rq,
                                                                                       const TflRq64 *e, int i,
                                                                                       const int relu,
                                                                                       const int with_zp) {
  const __m256i half = _mm256_set1_epi64x((int64_t)1 << 30), one = _mm256_set1_epi32(1);
  __m256i pe = _mm256_mul_epi32(x, _mm256_load_si256((const __m256i *)(rq->mult + i)));
  __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_loadu_si256((const __m256i *)(rq->mult + i + 1)));
  pe = _mm256_srli_epi64(_mm256_add_epi64(pe, half), 31);
  po = _mm256_slli_epi64(_mm256_add_epi64(po, half), 1);
  __m256i h = _mm256_blend_epi32(pe, po, 0xAA);
  if (!relu) h = _mm256_mask_sub_epi32(h, _mm256_movepi32_mask(h), h, one);
  h = _mm256_srav_epi32(h, _mm256_load_si256((const __m256i *)(e->rm1 + i)));
  return _mm256_srai_epi32(_mm256_add_epi32(h, with_zp ? _mm256_set1_epi32(1 + 2 * rq->zp) : one), 1);
}
/* 16 lanes of MBQM(x) for the TflRq vector positions i .. i + 15 (i a multiple of 16); lanes in vector order. */
static inline __attribute__((target(TFL_T512), always_inline)) __m512i tfl_v16_rq64(__m512i x, const TflRq *rq,
                                                                                     const TflRq64 *e, int i,
                                                                                     int with_left, const int relu,
                                                                                     const int with_zp) {
  const int64_t *b = (with_zp ? e->ez : e->e) + (size_t)(i / 16) * 48;
  if (with_left) x = _mm512_sllv_epi32(x, _mm512_load_si512(rq->lsh + i));
  const __m512i xo = _mm512_srli_epi64(x, 32), qe = _mm512_load_si512(rq->mult + i);
  /* odd multipliers from a load one element on (mult is followed by lsh in the same block, so it stays inside) */
  const __m512i qo = _mm512_loadu_si512(rq->mult + i + 1);
  __m512i pe = _mm512_mul_epi32(x, qe), po = _mm512_mul_epi32(xo, qo);
  /* [P < 0] c without mask registers: c is 0 or 2^31, and bit 31 of each 64-bit lane of the factors holds their signs,
   * so (a ^ q) & c (ternary logic 0x28) is c when a q < 0 (when P = 0 either value of the term gives 0) */
  pe = _mm512_add_epi64(pe, _mm512_load_si512(b));
  po = _mm512_add_epi64(po, _mm512_load_si512(b + 8));
  if (!relu) {
    pe = _mm512_sub_epi64(pe, _mm512_ternarylogic_epi64(x, qe, _mm512_load_si512(b + 16), 0x28));
    po = _mm512_sub_epi64(po, _mm512_ternarylogic_epi64(xo, qo, _mm512_load_si512(b + 24), 0x28));
  }
  pe = _mm512_srav_epi64(pe, _mm512_load_si512(b + 32));
  po = _mm512_srav_epi64(po, _mm512_load_si512(b + 40));
  const __m512i idx = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
  return _mm512_permutex2var_epi32(pe, idx, po);
}
/* The same for 8 lanes at vector positions i .. i + 7 (i a multiple of 16: the first half of a block). */
static inline __attribute__((target(TFL_T512), always_inline)) __m256i tfl_v8_rq64(__m256i x, const TflRq *rq,
                                                                                    const TflRq64 *e, int i,
                                                                                    int with_left, const int relu,
                                                                                    const int with_zp) {
  const int64_t *b = (with_zp ? e->ez : e->e) + (size_t)(i / 16) * 48;
  if (with_left) x = _mm256_sllv_epi32(x, _mm256_load_si256((const __m256i *)(rq->lsh + i)));
  const __m256i xo = _mm256_srli_epi64(x, 32), qe = _mm256_load_si256((const __m256i *)(rq->mult + i));
  const __m256i qo = _mm256_loadu_si256((const __m256i *)(rq->mult + i + 1));
  __m256i pe = _mm256_mul_epi32(x, qe), po = _mm256_mul_epi32(xo, qo);
  pe = _mm256_add_epi64(pe, _mm256_load_si256((const __m256i *)b));
  po = _mm256_add_epi64(po, _mm256_load_si256((const __m256i *)(b + 8)));
  if (!relu) {
    pe = _mm256_sub_epi64(pe, _mm256_ternarylogic_epi64(x, qe, _mm256_load_si256((const __m256i *)(b + 16)), 0x28));
    po = _mm256_sub_epi64(po, _mm256_ternarylogic_epi64(xo, qo, _mm256_load_si256((const __m256i *)(b + 24)), 0x28));
  }
  pe = _mm256_srav_epi64(pe, _mm256_load_si256((const __m256i *)(b + 32)));
  po = _mm256_srav_epi64(po, _mm256_load_si256((const __m256i *)(b + 40)));
  return _mm256_permutex2var_epi32(pe, _mm256_set_epi32(14, 6, 12, 4, 10, 2, 8, 0), po);
}
/* MBQM of 16 / 8 lanes in the given form (TFL_RQ_*, a constant at every call). */
static inline __attribute__((target(TFL_T512), always_inline)) __m512i tfl_v16_rqx(__m512i x, const TflRq *rq,
                                                                                    const TflRq64 *e, int i,
                                                                                    const int form) {
  const int kind = form & 3, relu = (form & TFL_RQ_RELU) != 0;
  return kind == TFL_RQ_FAST ? tfl_v16_rq_fast(x, rq, e, i, relu, (form & TFL_RQ_ZP) != 0) : tfl_v16_rq64(x, rq, e, i, kind == TFL_RQ_LEFT, relu,
                                                                                       (form & TFL_RQ_ZP) != 0);
}
static inline __attribute__((target(TFL_T512), always_inline)) __m256i tfl_v8_rqx(__m256i x, const TflRq *rq,
                                                                                   const TflRq64 *e, int i,
                                                                                   const int form) {
  const int kind = form & 3, relu = (form & TFL_RQ_RELU) != 0;
  return kind == TFL_RQ_FAST ? tfl_v8_rq_fast(x, rq, e, i, relu, (form & TFL_RQ_ZP) != 0) : tfl_v8_rq64(x, rq, e, i, kind == TFL_RQ_LEFT, relu,
                                                                                     (form & TFL_RQ_ZP) != 0);
}
#endif

/* Element format of the A rows the kernels read. */
typedef enum { TFL_QROW_I16 = 0, TFL_QROW_U8 = 1 } TflQRowFmt;

typedef struct {
  int N, K;   /* logical sizes */
  int Np, Kp; /* N rounded up to TFL_QGEMM_NR, K rounded up to the depth group (2, or 4 for uint8 rows) */
  int group;  /* 2 or 4 */
  int8_t *data; /* [Np / 16][Kp / group][16][group] */
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
 * Zero points: pass rows of raw int8 values and fold -in_zp * wsum[n] into the bias (tfl_qgemm_set_bias, which adds
 * the uint8 rows' offset itself); pad out-of-image taps with in_zp so they cancel. Raw sums handed to post() are
 * sum_k x * w in every row format. */
typedef struct {
  TflQPack pack;
  int32_t *wsum; /* [N] sum over k of W[n][k] */
  int32_t *corr; /* [Np] start of raw sums in the zmm/VNNI kernels: -128 * wsum for uint8 rows, else 0; or NULL */
  TflRq rq;      /* int8 epilogue (tfl_qgemm_set_requant) */
  TflRq64 rq64;  /* its 64-bit constants (zmm kernels) */
  int has_rq;
  int isa;        /* TflIsa level the kernels were chosen for (at init) */
  TflQRowFmt fmt; /* rows the kernels read */
} TflQGemm;

/* Fills rows m0 .. m0 + mb - 1 of A: row i at A + i * lda, K values (the driver zeroes the padding entry). */
typedef void (*TflQRowsFn)(const void *arg, int m0, int mb, int16_t *A, int lda);

/* Rows in the GEMM's own format (tfl_qgemm_prepare): kernels write int8 values with the helpers below, addressing
 * element `at` = i * lda + k of the block. */
typedef struct {
  void *A;
  int lda;
  TflQRowFmt fmt;
  int isa; /* the GEMM's level (the copies use it too) */
} TflQRows;
/* A[at .. at + n) = src[0 .. n) in the row format (widened, or flipped to x + 128). */
void tfl_qrows_copy(const TflQRows *o, size_t at, const int8_t *src, size_t n);
/* A[at .. at + n) = v in the row format. */
void tfl_qrows_fill(const TflQRows *o, size_t at, int8_t v, size_t n);
typedef void (*TflQFillFn)(const void *arg, int m0, int mb, const TflQRows *o);
/* Receives raw sums of rows m0 .. m0 + mb - 1 and channels n0 .. n1 - 1 (a task's share of them): acc[i * ldacc + n];
 * thread indexes per-thread buffers. */
typedef void (*TflQPostFn)(const void *arg, int m0, int mb, int n0, int n1, const int32_t *acc, int ldacc,
                           int thread);

/* Packs w ([N][K] int8) and computes the weight sums for int16 rows (tfl_qgemm_run); 0 on allocation failure. */
int tfl_qgemm_init(TflQGemm *g, const int8_t *w, int N, int K);
/* The same with the fastest kernels for tfl_isa() now, whose rows come through tfl_qgemm_run_rows. */
int tfl_qgemm_prepare(TflQGemm *g, const int8_t *w, int N, int K);
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
/* tfl_qgemm_run for a GEMM from tfl_qgemm_prepare: rows() fills its block through the TflQRows helpers. */
TflStatus tfl_qgemm_run_rows(TflContext *ctx, const TflQGemm *g, int M, TflQFillFn rows, const void *rows_arg,
                             int8_t *y, int ldy, TflQPostFn post, const void *post_arg, void *scratch);

#endif
