/* Fixed-point primitives for the integer kernels, written to reproduce LiteRT's reference kernels bit for bit.
 *
 * Requantization comes in two flavours (DESIGN.md §5): "double rounding" (gemmlowp's saturating rounding doubling
 * high multiply followed by a rounding right shift; what LiteRT's reference kernels are built with) and "single
 * rounding" (one 64-bit multiply, add half, shift; TFLITE_SINGLE_ROUNDING builds, XNNPACK, ruy). tfl_mbqm() uses the
 * process-wide mode, which defaults to double rounding and can be switched with the environment variable
 * TFLRT_ROUNDING=single|double (read once) or tfl_set_rounding(); tests use this to pin which one LiteRT uses.
 */
#ifndef TFLRT_FIXEDPOINT_H
#define TFLRT_FIXEDPOINT_H

#include <stdint.h>

#include "tflrt.h"

typedef enum { TFL_ROUND_DOUBLE = 0, TFL_ROUND_SINGLE = 1 } TflRounding;

/* Hot loops are compiled twice (baseline and AVX2) and picked at load time; harmless on CPUs without AVX2. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && defined(__linux__)
#define TFL_HOT __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef TFL_HOT
#define TFL_HOT
#endif

TflRounding tfl_rounding(void);
void tfl_set_rounding(TflRounding mode);

/* ---- gemmlowp-style scalar primitives (int32) ---- */
/* SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +infinity, saturating INT32_MIN^2. */
static inline int32_t tfl_srdhm(int32_t a, int32_t b) {
  if (__builtin_expect(a == b && a == INT32_MIN, 0)) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates toward zero */
}
/* RoundingDivideByPOT: x / 2^exponent rounded half away from zero, exponent in [0, 31]. */
static inline int32_t tfl_rdbpot(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  if (exponent >= 32) return 0; /* |x| / 2^32 < 1/2 (LiteRT aborts on this, e.g. int8 SOFTMAX over >= 512 ties) */
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}
int32_t tfl_sat_shl(int32_t x, int exponent);  /* SaturatingRoundingMultiplyByPOT with exponent > 0 */
int32_t tfl_mul_pot(int32_t x, int exponent);  /* SaturatingRoundingMultiplyByPOT, any sign */
int16_t tfl_srdhm16(int16_t a, int16_t b);
int16_t tfl_rdbpot16(int16_t x, int exponent);

/* ---- multipliers ---- */
/* QuantizeMultiplier: m = q * 2^shift with q in [2^30, 2^31). single != 0 also applies the single-rounding clamp. */
void tfl_quantize_multiplier_mode(double m, int32_t *q, int *shift, TflRounding mode);
void tfl_quantize_multiplier(double m, int32_t *q, int *shift); /* current mode */

/* MultiplyByQuantizedMultiplier (int32 input) in the given mode / current mode. */
static inline int32_t tfl_mbqm_double(int32_t x, int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : (-shift > 31 ? 31 : -shift);
  const int32_t shifted = left >= 32 ? 0 : (int32_t)((uint32_t)x << left);
  return tfl_rdbpot(tfl_srdhm(shifted, q), right);
}
static inline int32_t tfl_mbqm_single(int32_t x, int32_t q, int shift) {
  if (shift > 30) shift = 30;
  if (shift < -31) shift = -31;
  const int total_shift = 31 - shift;
  const int64_t round_ = (int64_t)1 << (total_shift - 1);
  return (int32_t)(((int64_t)x * (int64_t)q + round_) >> total_shift);
}
static inline int32_t tfl_mbqm_mode(int32_t x, int32_t q, int shift, TflRounding mode) {
  return mode == TFL_ROUND_SINGLE ? tfl_mbqm_single(x, q, shift) : tfl_mbqm_double(x, q, shift);
}
int32_t tfl_mbqm(int32_t x, int32_t q, int shift);
/* int64 input overload (16x8 kernels): the multiplier is reduced to 16 bits; identical in both modes. */
int32_t tfl_mbqm64(int64_t x, int32_t q, int shift);
/* acc + bias for int64 accumulators, wrapping as two's complement: an int64 bias near the type's limits (only in a
 * hostile file) must not be signed overflow; in range it is the plain sum LiteRT computes. */
static inline int64_t tfl_add_wrap64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
/* MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0). */
int32_t tfl_mbqm_gt1(int32_t x, int32_t q, int left_shift);

/* ---- float helpers ---- */
/* TfLiteRound: round half away from zero (roundf / round). */
float tfl_roundf(float x);
/* float -> int32 with saturation (std::round result assumed integral; NaN -> 0). */
int32_t tfl_sat_f2i(double x);

/* CalculateActivationRangeQuantized for an output of the given type/scale/zero point. */
void tfl_act_range_q(int32_t act, int32_t type, float scale, int32_t zp, int32_t *lo, int32_t *hi);
/* Integer limits of a quantized type (INT8, UINT8, INT16, INT32). */
void tfl_type_range(int32_t type, int32_t *lo, int32_t *hi);

/* ---- gemmlowp fixed-point transcendental functions (raw int32 values) ---- */
/* exp(x) for x <= 0 given as FixedPoint<int32, integer_bits>; result is FixedPoint<int32, 0>. */
int32_t tfl_exp_on_negative_values(int32_t a, int integer_bits);
/* 1/(1+x) for x in [0,1], Q0.31 in and out. */
int32_t tfl_one_over_one_plus_x_for_x_in_0_1(int32_t a);
/* GetReciprocal: reciprocal of a FixedPoint<int32, x_integer_digits> value. */
int32_t tfl_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit);
int tfl_calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits);
void tfl_preprocess_softmax_scaling(double beta, double input_scale, int input_integer_bits, int32_t *q, int *left_shift,
                                    TflRounding mode);

/* ---- shared quantized-kernel helpers ---- */
/* Returns non-zero when t has per-tensor or per-axis affine quantization; *scale / *zp read entry 0. */
int tfl_q_params(const TflTensor *t, float *scale, int32_t *zp);
int tfl_is_int_q(const TflTensor *t); /* int8/uint8/int16 with quantization */


/* ---- vector requantization (double rounding, the pinned LiteRT mode) ----
 * MBQM(x, q, shift) = RDBPOT(SRDHM(x << left, q), right) with left = max(shift, 0), right = min(max(-shift, 0), 31).
 * SRDHM(a, q) equals (a * q + 2^30) >> 31 (arithmetic) for every a when q >= 0 (gemmlowp's negative nudge and
 * truncating division give the same floor), and RDBPOT(h, r) = (h >> r) + ((h & mask) - (h < 0) > mask >> 1) with
 * mask = 2^r - 1, which cannot overflow. TflRq holds per-channel parameters in that form. */
typedef struct {
  int n, np;           /* channels, and the array length (n rounded up to 16, or 64 for perm 2) */
  int perm;            /* vector arrays in depthwise lane order (see tfl_rq_lane / tfl_rq_lane64) */
  int any_left;        /* some channel has a left shift */
  int32_t zp, lo, hi;  /* output zero point and clamp range */
  int32_t *bias;       /* [np] added to the raw accumulators (wrapping), vector order */
  int32_t *mult, *lsh, *rsh, *mask, *thr; /* [np] vector order */
  int32_t *smult, *sshift;                /* [n] natural order, for the scalar (any rounding mode) path */
  void *mem;
} TflRq;

/* perm == 1: within each block of 16 channels, vector position i holds channel tfl_rq_lane(i) (the order of
 * _mm256_unpacklo/hi_epi16 followed by _mm256_madd_epi16, as used by the AVX2 depthwise kernel).
 * perm == 2: blocks of 64 channels in the order of the VNNI depthwise kernel's four zmm vectors (byte then word
 * unpacks within 128-bit lanes): vector k, lane L, element e holds channel 16 L + 4 k + e; n is rounded up to 64. */
static inline int tfl_rq_lane(int i) { return (i & ~15) + ((i & 8) ? 4 : 0) + ((i & 4) ? 8 : 0) + (i & 3); }
static inline int tfl_rq_lane64(int i) { return (i & ~63) + ((i >> 2) & 3) * 16 + ((i >> 4) & 3) * 4 + (i & 3); }
static inline int tfl_rq_perm(int perm, int i) { return perm == 2 ? tfl_rq_lane64(i) : perm ? tfl_rq_lane(i) : i; }
/* Returns 0 on allocation failure. bias starts as zero. */
int tfl_rq_init(TflRq *rq, int n, const int32_t *mult, const int *shift, int32_t zp, int32_t lo, int32_t hi, int perm);
void tfl_rq_free(TflRq *rq);
/* bias[c] = b[c] (0 when b is NULL) - in_zp * wsum[c] (wsum may be NULL), wrapping like LiteRT's int32 sums. */
void tfl_rq_set_bias(TflRq *rq, const int32_t *b, int32_t in_zp, const int32_t *wsum);
/* Scalar requantization of channel c (natural order) in the current rounding mode, with zp and clamp. */
static inline int8_t tfl_rq_scalar(const TflRq *rq, int c, int32_t acc, TflRounding mode) {
  const int32_t v = tfl_mbqm_mode(acc, rq->smult[c], rq->sshift[c], mode) + rq->zp;
  return (int8_t)(v < rq->lo ? rq->lo : (v > rq->hi ? rq->hi : v));
}
/* Whether the AVX2 integer kernels may run now: tfl_isa() >= avx2 (kernels with a per-node choice read it at prepare). */
int tfl_q_avx2(void);

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TFL_Q_X86 1
#define TFL_AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))
/* 8 lanes of MBQM (double rounding); with_left is a compile-time constant at the call sites. */
TFL_AVX2_INLINE __m256i tfl_v8_mbqm(__m256i x, __m256i q, __m256i lsh, __m256i rsh, __m256i mask, __m256i thr,
                                    int with_left) {
  const __m256i half = _mm256_set1_epi64x((int64_t)1 << 30);
  if (with_left) x = _mm256_sllv_epi32(x, lsh);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, q), half);
  const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(q, 32)), half);
  const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i rem = _mm256_add_epi32(_mm256_and_si256(h, mask), _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
  return _mm256_sub_epi32(_mm256_srav_epi32(h, rsh), _mm256_cmpgt_epi32(rem, thr));
}
/* Requantizes 8 accumulators (bias already added) with the TflRq entries at vector position i; int32 result
 * clamped to [lo, hi] (zero point added). */
TFL_AVX2_INLINE __m256i tfl_v8_rq(const TflRq *rq, int i, __m256i acc, int with_left) {
  const __m256i q = _mm256_loadu_si256((const __m256i *)(rq->mult + i));
  const __m256i l = with_left ? _mm256_loadu_si256((const __m256i *)(rq->lsh + i)) : _mm256_setzero_si256();
  const __m256i r = _mm256_loadu_si256((const __m256i *)(rq->rsh + i));
  const __m256i m = _mm256_loadu_si256((const __m256i *)(rq->mask + i));
  const __m256i t = _mm256_loadu_si256((const __m256i *)(rq->thr + i));
  __m256i h = _mm256_add_epi32(tfl_v8_mbqm(acc, q, l, r, m, t, with_left), _mm256_set1_epi32(rq->zp));
  return _mm256_min_epi32(_mm256_max_epi32(h, _mm256_set1_epi32(rq->lo)), _mm256_set1_epi32(rq->hi));
}
#define TFL_T512 "avx512f,avx512bw,avx512vl,avx512dq"
#define TFL_T512_VNNI "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"
/* 16 lanes of MBQM(x) with the TflRq entries at vector position i (64-byte aligned): tfl_v8_mbqm on zmm. */
static inline __attribute__((target(TFL_T512), always_inline)) __m512i tfl_v16_mbqm(__m512i x, const TflRq *rq, int i,
                                                                                     int with_left) {
  const __m512i half = _mm512_set1_epi64((int64_t)1 << 30);
  const __m512i q = _mm512_load_si512(rq->mult + i);
  if (with_left) x = _mm512_sllv_epi32(x, _mm512_load_si512(rq->lsh + i));
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, q), half);
  /* odd multipliers from a load one element on (mult is followed by lsh in the same block, so it stays inside) */
  const __m512i qo = _mm512_loadu_si512(rq->mult + i + 1);
  const __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), qo), half);
  const __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  const __m512i rem = _mm512_add_epi32(_mm512_and_si512(h, _mm512_load_si512(rq->mask + i)), _mm512_srai_epi32(h, 31));
  const __m512i v = _mm512_srav_epi32(h, _mm512_load_si512(rq->rsh + i));
  return _mm512_mask_add_epi32(v, _mm512_cmpgt_epi32_mask(rem, _mm512_load_si512(rq->thr + i)), v,
                               _mm512_set1_epi32(1));
}
/* Four vectors of MBQM results -> 64 int8 with the zero point added and [lo, hi] applied after the saturating packs
 * (equal to clamping the int32 sums: the packs only saturate values the clamp would cut anyway). Byte 16 L + 4 k + e
 * comes from vector k, element 4 L + e (the packs work within 128-bit lanes). */
static inline __attribute__((target(TFL_T512), always_inline)) __m512i tfl_v64_pack_rq(__m512i a0, __m512i a1,
                                                                                        __m512i a2, __m512i a3,
                                                                                        const TflRq *rq) {
  const __m512i zp = _mm512_set1_epi16((int16_t)rq->zp);
  const __m512i p01 = _mm512_adds_epi16(_mm512_packs_epi32(a0, a1), zp);
  const __m512i p23 = _mm512_adds_epi16(_mm512_packs_epi32(a2, a3), zp);
  const __m512i b = _mm512_packs_epi16(p01, p23);
  return _mm512_min_epi8(_mm512_max_epi8(b, _mm512_set1_epi8((char)rq->lo)), _mm512_set1_epi8((char)rq->hi));
}
/* Two 8-lane int32 vectors (values within int8 range) -> 16 int8 in order a0..a7, b0..b7. */
TFL_AVX2_INLINE __m128i tfl_v16_pack_i8(__m256i a, __m256i b) {
  const __m256i p = _mm256_packs_epi32(a, b); /* a0-3 b0-3 | a4-7 b4-7 */
  const __m128i r = _mm_packs_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
  return _mm_shuffle_epi32(r, 0xD8);
}
#endif
#endif

/* ---- convolution geometry (TFLite ComputePaddingHeightWidth) ---- */
/* padding: 0 = SAME, 1 = VALID. Returns the output size (may be <= 0 for invalid geometry) and the leading pad. */
int tfl_conv_out_size(int padding, int in, int filter, int stride, int dilation, int *pad);

/* Per-output-channel multipliers for conv-like ops: eff[c] = (double)in_s * (double)w_s[c or 0] / (double)out_s. */
void tfl_conv_multipliers(const TflTensor *in, const TflTensor *w, const TflTensor *out, int channels, int32_t *mult,
                          int *shift);

/* Frees node->user_data from an earlier prepare (re-prepare after a resize) before a kernel claims the node. */
void tfl_release_user_data(TflNode *node);
/* Element-wise broadcasting of up to TFL_MAX_RANK dims: fills the output shape; returns 0 when incompatible. */
int tfl_broadcast_shape(const TflTensor *a, const TflTensor *b, int32_t *rank, int32_t *dims);
/* Strides (in elements) of t aligned to an output of rank r: 0 on broadcast dimensions. */
void tfl_broadcast_strides(const TflTensor *t, int32_t r, const int32_t *odims, int64_t *strides);

/* Vectorized requantization of n int32 accumulators to int8 with per-channel (mult, shift) arrays, current mode:
 * out[i] = clamp(MBQM(acc[i] + add[i], mult[i], shift[i]) + zp, lo, hi). add may be NULL. */
void tfl_requant_i8(const int32_t *acc, const int32_t *add, int n, const int32_t *mult, const int *shift, int32_t zp,
                    int32_t lo, int32_t hi, int8_t *out);
