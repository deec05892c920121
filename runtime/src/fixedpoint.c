/* Fixed-point primitives; see fixedpoint.h. */
#include "fixedpoint.h"

#include "cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int g_rounding = -1; /* -1: not yet read from the environment */

TflRounding tfl_rounding(void) {
  if (g_rounding < 0) {
    const char *env = getenv("TFLRT_ROUNDING");
    g_rounding = (env && strcmp(env, "single") == 0) ? TFL_ROUND_SINGLE : TFL_ROUND_DOUBLE;
  }
  return (TflRounding)g_rounding;
}

void tfl_set_rounding(TflRounding mode) { g_rounding = (int)mode; }

/* ---------------------------------------------------------------- scalar primitives */



static inline int32_t wrap_shl(int32_t x, int e) { return (int32_t)((uint32_t)x << e); }

int32_t tfl_sat_shl(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  if (exponent >= 31) return x > 0 ? INT32_MAX : (x < 0 ? INT32_MIN : 0);
  const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return wrap_shl(x, exponent);
}

int32_t tfl_mul_pot(int32_t x, int exponent) {
  return exponent >= 0 ? tfl_sat_shl(x, exponent) : tfl_rdbpot(x, -exponent);
}

int16_t tfl_srdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

int16_t tfl_rdbpot16(int16_t x, int exponent) {
  if (exponent <= 0) return x;
  const int32_t mask = (1 << exponent) - 1;
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/* ---------------------------------------------------------------- multipliers */

void tfl_quantize_multiplier_mode(double m, int32_t *q, int *shift, TflRounding mode) {
  if (m == 0.0 || !isfinite(m)) {
    *q = 0;
    *shift = 0;
    return;
  }
  int sh = 0;
  const double frac = frexp(m, &sh);
  int64_t q_fixed = (int64_t)round(frac * (double)(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++sh;
  }
  if (sh < -31) {
    sh = 0;
    q_fixed = 0;
  }
  if (mode == TFL_ROUND_SINGLE && sh > 30) {
    sh = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *q = (int32_t)q_fixed;
  *shift = sh;
}

void tfl_quantize_multiplier(double m, int32_t *q, int *shift) { tfl_quantize_multiplier_mode(m, q, shift, tfl_rounding()); }



int32_t tfl_mbqm(int32_t x, int32_t q, int shift) { return tfl_mbqm_mode(x, q, shift, tfl_rounding()); }

int32_t tfl_mbqm64(int64_t x, int32_t q, int shift) {
  const int32_t reduced = q < 0x7FFF0000 ? ((q + (1 << 15)) >> 16) : 0x7FFF;
  int total_shift = 15 - shift;
  if (total_shift < 1) total_shift = 1;
  if (total_shift > 62) total_shift = 62;
  /* Unsigned arithmetic keeps the (out-of-contract) overflow case defined; LiteRT wraps the same way. */
  const uint64_t prod = (uint64_t)x * (uint64_t)(int64_t)reduced + ((uint64_t)1 << (total_shift - 1));
  return (int32_t)((int64_t)prod >> total_shift);
}

int32_t tfl_mbqm_gt1(int32_t x, int32_t q, int left_shift) {
  if (tfl_rounding() == TFL_ROUND_SINGLE) return tfl_mbqm_single(x, q, left_shift);
  return tfl_srdhm(left_shift >= 32 ? 0 : wrap_shl(x, left_shift), q);
}

/* ---------------------------------------------------------------- float helpers */

float tfl_roundf(float x) { return roundf(x); }

int32_t tfl_sat_f2i(double x) {
  if (x != x) return 0;
  if (x >= 2147483647.0) return INT32_MAX;
  if (x <= -2147483648.0) return INT32_MIN;
  return (int32_t)x;
}

void tfl_type_range(int32_t type, int32_t *lo, int32_t *hi) {
  switch (type) {
    case TFL_INT8: *lo = -128; *hi = 127; break;
    case TFL_UINT8: *lo = 0; *hi = 255; break;
    case TFL_INT16: *lo = -32768; *hi = 32767; break;
    default: *lo = INT32_MIN; *hi = INT32_MAX; break;
  }
}

static int32_t tfl_clamp64(int64_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : (int32_t)v; }

void tfl_act_range_q(int32_t act, int32_t type, float scale, int32_t zp, int32_t *lo, int32_t *hi) {
  int32_t qmin, qmax;
  tfl_type_range(type, &qmin, &qmax);
  /* in int64 and clamped: a tiny scale or an extreme zero point (hostile file) must not overflow int32 */
#define TFL_QF(f) tfl_clamp64((int64_t)zp + tfl_sat_f2i(roundf((float)(f) / scale)), qmin, qmax)
  switch (act) {
    case TFL_ACT_RELU: {
      int32_t a = TFL_QF(0.0f);
      *lo = a > qmin ? a : qmin;
      *hi = qmax;
      break;
    }
    case TFL_ACT_RELU6: {
      int32_t a = TFL_QF(0.0f), b = TFL_QF(6.0f);
      *lo = a > qmin ? a : qmin;
      *hi = b < qmax ? b : qmax;
      break;
    }
    case TFL_ACT_RELU_N1_TO_1: {
      int32_t a = TFL_QF(-1.0f), b = TFL_QF(1.0f);
      *lo = a > qmin ? a : qmin;
      *hi = b < qmax ? b : qmax;
      break;
    }
    default:
      *lo = qmin;
      *hi = qmax;
      break;
  }
#undef TFL_QF
}

/* ---------------------------------------------------------------- gemmlowp transcendental functions */

/* exp(a) for a in [-1/4, 0), a in Q0.31. */
static int32_t exp_on_interval_neg_quarter_0(int32_t a) {
  const int32_t constant_term = 1895147668;    /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 */
  const int32_t x = a + (1 << 28);             /* a + 1/8 */
  const int32_t x2 = tfl_srdhm(x, x);
  const int32_t x3 = tfl_srdhm(x2, x);
  const int32_t x4 = tfl_srdhm(x2, x2);
  const int32_t x4_over_4 = tfl_rdbpot(x4, 2);
  const int32_t poly = tfl_rdbpot(tfl_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + tfl_srdhm(constant_term, x + poly);
}

int32_t tfl_exp_on_negative_values(int32_t a, int integer_bits) {
  const int frac_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)(1u << (frac_bits - 2));
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t result = exp_on_interval_neg_quarter_0(tfl_mul_pot(a_mod_quarter_minus_one_quarter, integer_bits));
  const int32_t remainder = (int32_t)((uint32_t)a_mod_quarter_minus_one_quarter - (uint32_t)a);
  static const int32_t mults[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = 0; k < 7; ++k) {
    const int exponent = k - 2;
    if (integer_bits > exponent) {
      const int shift_amount = frac_bits + exponent;
      if (shift_amount >= 0 && shift_amount < 32 && (remainder & (int32_t)(1u << shift_amount))) {
        result = tfl_srdhm(result, mults[k]);
      }
    }
  }
  if (integer_bits > 5) {
    const int b = 36 - integer_bits;
    const int32_t clamp = b >= 31 ? INT32_MIN : -(int32_t)(1u << b);
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

static int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

int32_t tfl_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX); /* Q0.31 */
  const int32_t c48_17 = 1515870810;                                /* Q2.29 */
  const int32_t cneg32_17 = -1010580540;
  int32_t x = c48_17 + tfl_srdhm(half_denominator, cneg32_17); /* Q2.29 */
  for (int i = 0; i < 3; ++i) {
    const int32_t hdx = tfl_srdhm(half_denominator, x);      /* Q2.29 */
    const int32_t one_minus = (1 << 29) - hdx;              /* Q2.29 */
    x = x + tfl_sat_shl(tfl_srdhm(x, one_minus), 2);         /* Q4.27 -> Q2.29 */
  }
  /* ExactMulByPot<-1>: same raw as Q1.30, then rescale to Q0.31. */
  return tfl_sat_shl(x, 1);
}

static int clz32(uint32_t x) {
  if (x == 0) return 32;
  return __builtin_clz(x);
}

int32_t tfl_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
  const int headroom_plus_one = clz32((uint32_t)x);
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const uint32_t shifted = headroom_plus_one >= 32 ? 0u : ((uint32_t)x << headroom_plus_one);
  const int32_t shifted_sum_minus_one = (int32_t)(shifted - (1u << 31));
  return tfl_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

int tfl_calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits) {
  /* ldexp, not 1LL << shift: a tiny beta * input scale (hostile file) makes the shift negative or >= 64 */
  const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                                    ldexp(1.0, total_signed_bits - input_integer_bits) / ldexp(1.0, input_left_shift);
  /* saturated: beyond INT32_MAX every input difference is within the radius anyway */
  return max_input_rescaled >= (double)INT32_MAX ? INT32_MAX : (int)floor(max_input_rescaled);
}

void tfl_preprocess_softmax_scaling(double beta, double input_scale, int input_integer_bits, int32_t *q, int *left_shift,
                                    TflRounding mode) {
  const double max_real = mode == TFL_ROUND_SINGLE ? (double)(1LL << 30) - 1.0 : (double)(1LL << 31) - 1.0;
  double m = beta * input_scale * (double)(1 << (31 - input_integer_bits));
  if (m > max_real) m = max_real;
  tfl_quantize_multiplier_mode(m, q, left_shift, mode);
}

/* ---------------------------------------------------------------- tensor helpers */

int tfl_q_params(const TflTensor *t, float *scale, int32_t *zp) {
  if (!t || t->nq < 1 || !t->scales) {
    *scale = 0.0f;
    *zp = 0;
    return 0;
  }
  *scale = t->scales[0];
  *zp = t->zero_points ? (int32_t)t->zero_points[0] : 0;
  return 1;
}

int tfl_is_int_q(const TflTensor *t) {
  return t && (t->type == TFL_INT8 || t->type == TFL_UINT8 || t->type == TFL_INT16) && t->nq >= 1 && t->scales;
}

/* ---------------------------------------------------------------- conv helpers */

int tfl_conv_out_size(int padding, int in, int filter, int stride, int dilation, int *pad) {
  if (stride <= 0 || dilation <= 0 || filter <= 0) {
    *pad = 0;
    return -1;
  }
  const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
  int64_t out;
  if (padding == 0) {
    out = ((int64_t)in + stride - 1) / stride;
  } else {
    out = ((int64_t)in + stride - eff) / stride;
    if ((int64_t)in + stride - eff < 0) out = -1;
  }
  int64_t total = (out - 1) * stride + eff - in;
  if (total < 0) total = 0;
  *pad = (int)(total / 2);
  if (out > INT32_MAX) out = -1;
  return (int)out;
}

void tfl_conv_multipliers(const TflTensor *in, const TflTensor *w, const TflTensor *out, int channels, int32_t *mult,
                          int *shift) {
  const float in_s = in->scales[0];
  const float out_s = out->scales[0];
  for (int c = 0; c < channels; ++c) {
    const float ws = w->nq > 1 ? w->scales[c] : w->scales[0];
    const double eff = (double)in_s * (double)ws / (double)out_s;
    tfl_quantize_multiplier(eff, &mult[c], &shift[c]);
  }
}

void tfl_release_user_data(TflNode *node) {
  if (node->user_data && node->free_user_data) node->free_user_data(node->user_data);
  node->user_data = NULL;
  node->free_user_data = NULL;
}

int tfl_broadcast_shape(const TflTensor *a, const TflTensor *b, int32_t *rank, int32_t *dims) {
  const int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; ++i) {
    const int ia = i - (r - a->rank), ib = i - (r - b->rank);
    const int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1) return 0;
    dims[i] = da == 1 ? db : da;
  }
  *rank = r;
  return 1;
}

void tfl_broadcast_strides(const TflTensor *t, int32_t r, const int32_t *odims, int64_t *strides) {
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int it = i - (r - t->rank);
    const int32_t d = it >= 0 ? t->dims[it] : 1;
    strides[i] = (d == 1 && odims[i] != 1) ? 0 : s;
    s *= d;
  }
}

/* ---------------------------------------------------------------- vectorized requantization */

int tfl_q_avx2(void) {
#if defined(TFL_Q_X86)
  return tfl_isa() >= TFL_ISA_AVX2; /* TFLRT_QGEMM=c|s and TFLRT_DISABLE_AVX2=1 are caps now (cpu.c) */
#else
  return 0;
#endif
}

int tfl_rq_init(TflRq *rq, int n, const int32_t *mult, const int *shift, int32_t zp, int32_t lo, int32_t hi, int perm) {
  memset(rq, 0, sizeof(*rq));
  const int np = perm == 2 ? (n + 63) & ~63 : (n + 15) & ~15;
  int32_t *m = (int32_t *)aligned_alloc(64, (size_t)(np * 6 + ((2 * n + 15) & ~15)) * sizeof(int32_t));
  if (!m) return 0;
  rq->mem = m;
  rq->n = n;
  rq->np = np;
  rq->perm = perm;
  rq->zp = zp;
  rq->lo = lo;
  rq->hi = hi;
  rq->bias = m;
  rq->mult = m + np;
  rq->lsh = m + 2 * np;
  rq->rsh = m + 3 * np;
  rq->mask = m + 4 * np;
  rq->thr = m + 5 * np;
  rq->smult = m + 6 * np;
  rq->sshift = m + 6 * np + n;
  for (int i = 0; i < np; ++i) {
    const int c = tfl_rq_perm(perm, i);
    const int32_t q = c < n ? mult[c] : 0;
    const int sh = c < n ? shift[c] : 0;
    const int right = sh > 0 ? 0 : (-sh > 31 ? 31 : -sh);
    rq->bias[i] = 0;
    rq->mult[i] = q;
    rq->lsh[i] = sh > 0 ? sh : 0;
    rq->rsh[i] = right;
    rq->mask[i] = (int32_t)(((int64_t)1 << right) - 1);
    rq->thr[i] = rq->mask[i] >> 1;
    if (sh > 0) rq->any_left = 1;
  }
  for (int c = 0; c < n; ++c) {
    rq->smult[c] = mult[c];
    rq->sshift[c] = shift[c];
  }
  return 1;
}

void tfl_rq_free(TflRq *rq) {
  free(rq->mem);
  memset(rq, 0, sizeof(*rq));
}

void tfl_rq_set_bias(TflRq *rq, const int32_t *b, int32_t in_zp, const int32_t *wsum) {
  for (int i = 0; i < rq->np; ++i) {
    const int c = tfl_rq_perm(rq->perm, i);
    if (c >= rq->n) {
      rq->bias[i] = 0;
      continue;
    }
    const uint32_t bc = b ? (uint32_t)b[c] : 0u, ws = wsum ? (uint32_t)wsum[c] : 0u;
    rq->bias[i] = (int32_t)(bc - (uint32_t)in_zp * ws);
  }
}

#if defined(TFL_Q_X86)
__attribute__((target("avx2"))) static void requant_i8_avx2(const int32_t *acc, const int32_t *add, int n,
                                                             const int32_t *mult, const int *shift, int32_t zp,
                                                             int32_t lo, int32_t hi, int8_t *out) {
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1), k31 = _mm256_set1_epi32(31);
  const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i x = _mm256_loadu_si256((const __m256i *)(acc + i));
    if (add) x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)(add + i)));
    const __m256i q = _mm256_loadu_si256((const __m256i *)(mult + i));
    const __m256i sh = _mm256_loadu_si256((const __m256i *)(shift + i));
    const __m256i left = _mm256_max_epi32(sh, zero);
    const __m256i right = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(zero, sh), zero), k31);
    const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
    __m256i h = tfl_v8_mbqm(x, q, left, right, mask, _mm256_srai_epi32(mask, 1), 1);
    h = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(h, vzp), vlo), vhi);
    const __m256i p16 = _mm256_packs_epi32(h, h);
    const __m256i p8 = _mm256_packs_epi16(p16, p16);
    const int32_t lo4 = _mm256_extract_epi32(p8, 0), hi4 = _mm256_extract_epi32(p8, 4);
    memcpy(out + i, &lo4, 4);
    memcpy(out + i + 4, &hi4, 4);
  }
  for (; i < n; ++i) {
    const int32_t v = tfl_mbqm_double((int32_t)((uint32_t)acc[i] + (uint32_t)(add ? add[i] : 0)), mult[i], shift[i]) + zp;
    out[i] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
  }
}
#endif

void tfl_requant_i8(const int32_t *acc, const int32_t *add, int n, const int32_t *mult, const int *shift, int32_t zp,
                    int32_t lo, int32_t hi, int8_t *out) {
  const TflRounding mode = tfl_rounding();
#if defined(TFL_Q_X86)
  if (mode == TFL_ROUND_DOUBLE && tfl_q_avx2()) {
    requant_i8_avx2(acc, add, n, mult, shift, zp, lo, hi, out);
    return;
  }
#endif
  for (int i = 0; i < n; ++i) {
    const int32_t v =
        tfl_mbqm_mode((int32_t)((uint32_t)acc[i] + (uint32_t)(add ? add[i] : 0)), mult[i], shift[i], mode) + zp;
    out[i] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
  }
}
