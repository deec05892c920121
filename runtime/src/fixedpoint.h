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
