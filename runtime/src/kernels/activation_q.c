/* Kernel family activation_q: quantized activations, bit-exact with LiteRT's reference kernels.
 *   RELU / RELU6 / RELU_N1_TO_1 / RELU_0_TO_1 (int8, int16 where LiteRT has it): requantize by in_s/out_s
 *     (MultiplyByQuantizedMultiplier), clamp to the quantized activation range.
 *   LEAKY_RELU (int8, int16): identity / alpha multipliers by sign.
 *   LOGISTIC, TANH (int8): 256-entry tables built from float expf / tanhf at prepare.
 *   LOGISTIC, TANH (int16, zero points 0, output scale 2^-15): LiteRT's reference scheme, a 256-entry table of
 *     sigmoid(k/24) in Q0.16 (tanh(x) = 2 sigmoid(2x) - 1) linearly interpolated on |x|; the input is brought to
 *     the table's scale by an integer multiply + rounding shift, or by 3 << shift for power-of-two input scales.
 *   HARD_SWISH (int8): LiteRT's 16-bit fixed-point reference formulation.
 *   SOFTMAX (int8 -> int8): gemmlowp fixed-point exp / reciprocal (the BUILTIN_REF path). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../fixedpoint.h"
#include "../tflrt.h"

typedef struct {
  int32_t type;
  int32_t in_zp, out_zp;
  int32_t m1, m2;
  int s1, s2;
  int32_t lo, hi;
  int8_t lut[256];
  int lut_vbmi; /* the int8 table lookups on zmm byte permutes (tfl_isa() >= avx512 and AVX512-VBMI at prepare) */
  /* hard swish */
  int16_t hs_out_mult, hs_relu_mult;
  int hs_out_exp, hs_relu_exp;
  /* softmax */
  int32_t sm_mult;
  int sm_shift;
  int sm_diff_min;
  int16_t *exp_lut, *recip_lut; /* int16 softmax: 513-entry tables */
  int32_t ls_rev_mult;          /* log softmax: reverse scaling */
  int ls_rev_shift;
  int32_t sig_mult; /* int16 LOGISTIC / TANH: x * sig_mult (+ rounding) >> sig_shift */
  int sig_shift;
  uint16_t sig_table[256]; /* int16 LOGISTIC / TANH: sigmoid(k/24) in Q0.16 */
} ActQ;

static void act_free(void *p) {
  ActQ *d = (ActQ *)p;
  if (!d) return;
  free(d->exp_lut);
  free(d->recip_lut);
  free(d);
}

static double f_exp_d(double x) { return exp(x); }
static double f_recip_d(double x) { return 1.0 / (1.0 + x); }

/* A clamped table entry as int16. NaN (f undefined at a sample, or a zero scale) is undefined behaviour in a C cast;
 * x86 converts it to 0x80000000, whose low half LiteRT's int16 cast keeps: 0. */
static inline int16_t lut_i16(double r) { return r == r ? (int16_t)r : 0; }

/* LiteRT's 513-entry int16 interpolation table (double-precision variant): 512 samples with a midpoint bias
 * correction plus the end point. */
static void lut_populate_i16(double in_s, int32_t in_zp, double out_s, int32_t out_zp, double (*f)(double),
                             int16_t *lut) {
  const double in_min = in_s * (double)(-32768 - in_zp), in_max = in_s * (double)(32767 - in_zp);
  const double out_min = out_s * (double)(-32768 - out_zp), out_max = out_s * (double)(32767 - out_zp);
  const int steps = 512;
  const double step = (in_max - in_min) / steps, half = step / 2;
  const double inv = 65536.0 / (out_max - out_min);
  for (int i = 0; i < steps; ++i) {
    const double v = f(in_min + i * step);
    const double vm = f(in_min + i * step + half);
    const double vn = f(in_min + (i + 1) * step);
    const double sample = round(v * inv);
    const double interp = round((vn * inv + round(v * inv)) / 2);
    const double mid = round(vm * inv);
    const double bias = round((interp - mid) / 2);
    double r = sample - bias;
    r = r < -32768.0 ? -32768.0 : (r > 32767.0 ? 32767.0 : r);
    lut[i] = lut_i16(r);
  }
  double r = round(f(in_max) * inv);
  r = r < -32768.0 ? -32768.0 : (r > 32767.0 ? 32767.0 : r);
  lut[steps] = lut_i16(r);
}

/* Float variant (LUTPopulateInt16<float>), used by the int16 element-wise LUT ops. */
static void lut_populate_i16f(float in_s, int32_t in_zp, float out_s, int32_t out_zp, float (*f)(float), int16_t *lut) {
  const float in_min = in_s * (float)(-32768 - in_zp), in_max = in_s * (float)(32767 - in_zp);
  const float out_min = out_s * (float)(-32768 - out_zp), out_max = out_s * (float)(32767 - out_zp);
  const int steps = 512;
  const float step = (in_max - in_min) / steps, half = step / 2;
  const float inv = 65536.0f / (out_max - out_min);
  for (int i = 0; i < steps; ++i) {
    const float v = f(in_min + i * step);
    const float vm = f(in_min + i * step + half);
    const float vn = f(in_min + (i + 1) * step);
    const float sample = roundf(v * inv);
    const float interp = roundf((vn * inv + roundf(v * inv)) / 2);
    const float mid = roundf(vm * inv);
    const float bias = roundf((interp - mid) / 2);
    float r = sample - bias;
    r = r < -32768.0f ? -32768.0f : (r > 32767.0f ? 32767.0f : r);
    lut[i] = lut_i16(r);
  }
  float r = roundf(f(in_max) * inv);
  r = r < -32768.0f ? -32768.0f : (r > 32767.0f ? 32767.0f : r);
  lut[steps] = lut_i16(r);
}

static float g_rsqrt_max; /* int16 RSQRT: value for inputs <= 0 */
static float f_rsqrt16(float x) { return x <= 0.0f ? g_rsqrt_max : 1.0f / sqrtf(x); }

static inline int16_t lut_lookup_i16(int16_t v, const int16_t *lut) {
  const int index = 256 + (v >> 7);
  const int16_t offset = (int16_t)(v & 0x7f);
  const int16_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  const int delta = (slope * offset + 64) >> 7;
  return (int16_t)(base + delta);
}

static void softmax_i16(const ActQ *d, const int16_t *x, int16_t *y, int64_t rows, int cols, TflRounding mode) {
  for (int64_t r = 0; r < rows; ++r) {
    const int16_t *xr = x + r * cols;
    int16_t *yr = y + r * cols;
    int16_t mx = INT16_MIN;
    for (int c = 0; c < cols; ++c)
      if (xr[c] > mx) mx = xr[c];
    int32_t sum = 0;
    for (int c = 0; c < cols; ++c) {
      const int32_t diff = (int32_t)xr[c] - mx;
      const int32_t scaled = tfl_mbqm_mode(diff, d->sm_mult, d->sm_shift, mode) + 32767;
      const int16_t sat = (int16_t)(scaled < -32768 ? -32768 : (scaled > 32767 ? 32767 : scaled));
      yr[c] = lut_lookup_i16(sat, d->exp_lut);
      sum += yr[c];
    }
    const int hp1 = sum == 0 ? 32 : __builtin_clz((uint32_t)sum);
    const int32_t shifted = (int32_t)((((int64_t)sum << (hp1 - 1)) + (1 << 13)) >> 14);
    int32_t sym = shifted + (-((1 << 15) + (1 << 16)));
    sym = sym < -32768 ? -32768 : (sym > 32767 ? 32767 : sym);
    const int16_t recip = lut_lookup_i16((int16_t)sym, d->recip_lut);
    const int right = 31 - hp1;
    const int64_t rnd = right > 0 ? ((int64_t)1 << (right - 1)) : 0;
    for (int c = 0; c < cols; ++c) {
      int64_t v = ((int64_t)yr[c] * (int64_t)recip + rnd) >> right;
      yr[c] = (int16_t)(v < 0 ? 0 : (v > 32767 ? 32767 : v));
    }
  }
}
/* ---- int16 LOGISTIC / TANH ----
 * Table entry k (k < 255) is sigmoid(k/24) in Q0.16, nudged by half the midpoint error of linear interpolation over
 * [k/24, (k+1)/24] (the table LiteRT's integer kernels use; the nudge keeps the interpolant centred on the curve);
 * the last entry is 65535. Every entry is at least 0.004 away from a rounding boundary, so libm ulp differences
 * cannot change it. */
static void sig_table_init(uint16_t *table) {
  const double h = 1.0 / 24.0;
  for (int k = 0; k < 255; ++k) {
    const double v = 65536.0 / (1.0 + exp(-k * h));
    const double vn = 65536.0 / (1.0 + exp(-(k + 1) * h));
    const double vm = 65536.0 / (1.0 + exp(-(k + 0.5) * h));
    const double r = round(v - ((v + vn) / 2 - vm) / 2);
    table[k] = (uint16_t)(r > 65535.0 ? 65535.0 : r);
  }
  table[255] = 65535;
}

/* log2 of x when x is within 1e-3 (in the exponent) of a power of two (LiteRT's CheckedLog2, float arithmetic). */
static int checked_log2(float x, int *out) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  if (!isfinite(r)) { /* x = 0 (a zero scale): LiteRT's fraction is NaN there, so "not a power of two" */
    *out = 0;
    return 0;
  }
  *out = (int)r;
  return fabsf(l - r) < 1e-3f;
}

/* Input rescaling for the int16 sigmoid table: the table wants x * 3 * 2^12 (so |x| = 8 maps to 3 * 2^15) for
 * LOGISTIC and twice that for TANH (tanh(x) = 2 sigmoid(2x) - 1). A power-of-two scale 2^-12 (or 2^-11 for TANH)
 * multiplies by 3 << shift exactly; any other scale uses a truncated multiplier in [2^14, 2^15) and a shift. */
static void sig_input_params(float in_s, int is_tanh, int32_t *mult, int *shift) {
  int l2;
  const int pot = checked_log2(in_s, &l2);
  const int pot_shift = 12 + l2;
  if (pot && (pot_shift == 0 || (is_tanh && pot_shift == 1))) {
    *mult = 3 << pot_shift;
    *shift = 0;
    return;
  }
  double m = (double)in_s * 4096.0 * 3.0;
  int sh = 0;
  while (m <= 32767.0 / 2.0 && sh <= 30) {
    ++sh;
    m *= 2.0;
  }
  /* an absurd scale (>= 2^31 after scaling) gives x86's out-of-range conversion result, INT32_MIN, without UB */
  *mult = m < 2147483648.0 ? (int32_t)m : INT32_MIN;
  *shift = sh;
}

static inline int32_t sig_scale_input(int16_t x, int32_t mult, int shift) {
  const int32_t rnd = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  /* 32-bit product as in the reference (wraps only for absurd input scales) */
  const int32_t p = (int32_t)((uint32_t)(int32_t)x * (uint32_t)mult + (uint32_t)rnd);
  return p >> shift;
}

static void logistic_i16(const ActQ *d, const int16_t *x, int16_t *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = sig_scale_input(x[i], d->sig_mult, d->sig_shift);
    const uint32_t a = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    const uint32_t k = a >> 9; /* v is x in units of 1/(3 * 2^12): one table step (1/24) is 2^9 units */
    uint32_t r;
    if (k >= 255) {
      r = 0x7fffu << 10;
    } else {
      const uint32_t lo = d->sig_table[k], hi = d->sig_table[k + 1];
      r = (lo << 9) + (a & 0x1ffu) * (hi - lo);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
    y[i] = (int16_t)(r >> 10);
  }
}

static void tanh_i16(const ActQ *d, const int16_t *x, int16_t *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = sig_scale_input(x[i], d->sig_mult, d->sig_shift);
    const uint32_t a = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    const uint32_t k = a >> 8; /* the table is indexed by 2x: one step is 2^8 units */
    int32_t r;
    if (k >= 255) {
      r = 0xffff << 8;
    } else {
      const uint32_t lo = d->sig_table[k], hi = d->sig_table[k + 1];
      r = (int32_t)((lo << 8) + (a & 0xffu) * (hi - lo));
    }
    /* 2 sigmoid - 1 in Q.24, with the reference's rounding offsets, then down to Q0.15 */
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    y[i] = (int16_t)(r >> 8);
  }
}

static int32_t zp0(const TflTensor *t) { return t->zero_points ? (int32_t)t->zero_points[0] : 0; }
static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static int16_t down_scale_mult(int32_t m) {
  if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
  return (int16_t)((m + (1 << 15)) >> 16);
}

static float f_logistic(float x) { return 1.0f / (1.0f + expf(-x)); }
static float f_tanh(float x) { return tanhf(x); }
static float f_exp(float x) { return expf(x); }
static float f_elu(float x) { return x < 0.0f ? expm1f(x) : x; }
static float g_log_min; /* set right before the table is built (prepare is single-threaded) */
static float f_log(float x) { return x <= 0.0f ? g_log_min : logf(x); }
static float f_gelu(float x) { return 0.5f * x * erfcf(x * (float)(-0.70710678118654752440)); }
static float f_gelu_approx(float x) {
  const float k = (float)(1.12837916709551257390 * 0.70710678118654752440); /* sqrt(2/pi) */
  return 0.5f * x * (1.f + tanhf(k * (x + 0.044715f * x * x * x)));
}

/* GetInvSqrtQuantizedMultiplierExp: 1/sqrt(input) as a multiplier and shift, by gemmlowp fixed-point Newton steps. */
static void inv_sqrt_multiplier(int32_t input, int reverse_shift, int32_t *out_inv, int *out_shift) {
  if (input <= 1) {
    *out_inv = INT32_MAX;
    *out_shift = 0;
    return;
  }
  *out_shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++*out_shift;
  }
  const unsigned max_left_bits = (unsigned)__builtin_clz((uint32_t)input) - 1;
  const unsigned pairs = max_left_bits / 2 - 1;
  *out_shift -= (int)pairs;
  input <<= 2 * pairs;
  const int32_t fp_input = input >> 1;                 /* Q3.28 */
  const int32_t half_input = tfl_rdbpot(fp_input, 1);  /* Q3.28 */
  const int32_t half_three = (1 << 28) + (1 << 27);    /* 1.5 */
  int32_t x = 1 << 28;                                 /* 1.0 */
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = tfl_sat_shl(tfl_srdhm(tfl_srdhm(x, x), x), 6);
    x = tfl_sat_shl(tfl_srdhm(half_three, x) - tfl_srdhm(half_input, x3), 3);
  }
  x = tfl_srdhm(x, 1518500250); /* * sqrt(2)/2 */
  *out_inv = x;
  if (*out_shift < 0) {
    *out_inv = (int32_t)((uint32_t)*out_inv << -*out_shift);
    *out_shift = 0;
  }
  *out_shift *= reverse_shift;
}

static void lut_populate_i8(float in_s, int32_t in_zp, float out_s, int32_t out_zp, float (*f)(float), int8_t *lut) {
  const float inv = 1.0f / out_s;
  for (int32_t v = -128; v <= 127; ++v) {
    const float deq = in_s * (float)(v - in_zp);
    const float tr = f(deq);
    const float rescaled = roundf(tr * inv);
    const int32_t q = tfl_sat_f2i((double)(rescaled + (float)out_zp));
    lut[(uint8_t)(int8_t)v] = (int8_t)clamp32(q, -128, 127);
  }
}

static TflStatus act_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return TFL_NOT_MINE;
  const int op = node->op;
  const int32_t t = in->type;
  if (!(t == TFL_INT8 || t == TFL_INT16) || out->type != t) return TFL_NOT_MINE;
  if (!tfl_is_int_q(in) || !tfl_is_int_q(out)) return TFL_NOT_MINE;
  const int int16_ok = op == TFL_OP_RELU || op == TFL_OP_RELU6 || op == TFL_OP_LEAKY_RELU || op == TFL_OP_SOFTMAX || op == TFL_OP_EXP ||
                       op == TFL_OP_LOG || op == TFL_OP_GELU || op == TFL_OP_RSQRT || op == TFL_OP_ABS || op == TFL_OP_LOGISTIC ||
                       op == TFL_OP_TANH;
  if (t == TFL_INT16 && !int16_ok) return TFL_NOT_MINE; /* an int16 kernel elsewhere, or unsupported */
  tfl_release_user_data(node);
  ActQ *d = (ActQ *)calloc(1, sizeof(ActQ));
  if (!d) return tfl_error(ctx, "out of memory");
  node->user_data = d;
  node->free_user_data = act_free;
  d->type = t;
  d->in_zp = zp0(in);
  d->out_zp = zp0(out);
#ifdef TFL_Q_X86
  d->lut_vbmi = tfl_isa() >= TFL_ISA_AVX512 && __builtin_cpu_supports("avx512vbmi");
#endif
  const float in_s = in->scales[0], out_s = out->scales[0];
  if (t == TFL_INT16 && (d->in_zp || d->out_zp)) return tfl_error(ctx, "int16 activations need zero point 0");
  int32_t qmin, qmax;
  tfl_type_range(t, &qmin, &qmax);
  if (t == TFL_INT16 && (op == TFL_OP_LOGISTIC || op == TFL_OP_TANH)) {
    int l2; /* LiteRT: TANH accepts a scale within 1e-3 (in log2) of 2^-15, LOGISTIC wants it exactly */
    if (!checked_log2(out_s, &l2) || l2 != -15 || (op == TFL_OP_LOGISTIC && out_s != 1.0f / 32768))
      return tfl_error(ctx, "%s: int16 output scale must be 2^-15", op == TFL_OP_TANH ? "TANH" : "LOGISTIC");
    sig_table_init(d->sig_table);
    sig_input_params(in_s, op == TFL_OP_TANH, &d->sig_mult, &d->sig_shift);
    return tfl_resize(ctx, out, in->rank, in->dims);
  }
  if (t == TFL_INT16 && (op == TFL_OP_EXP || op == TFL_OP_LOG || op == TFL_OP_GELU || op == TFL_OP_RSQRT)) {
    /* a zero scale makes LiteRT's table 0 * inf = NaN entries: undefined, so refused */
    if (!(in_s > 0.0f) || !(out_s > 0.0f)) return tfl_error(ctx, "%s: int16 input and output scales must be positive", tfl_op_name(op));
    d->exp_lut = (int16_t *)malloc(513 * sizeof(int16_t));
    if (!d->exp_lut) return tfl_error(ctx, "out of memory");
    float (*f)(float) = f_exp;
    if (op == TFL_OP_LOG) {
      g_log_min = (float)(-32768 - d->out_zp) * out_s;
      f = f_log;
    } else if (op == TFL_OP_GELU) {
      f = tfl_GeluOptions(node).approximate ? f_gelu_approx : f_gelu;
    } else if (op == TFL_OP_RSQRT) {
      g_rsqrt_max = 32767.0f * out_s;
      f = f_rsqrt16;
    }
    lut_populate_i16f(in_s, d->in_zp, out_s, d->out_zp, f, d->exp_lut);
    return tfl_resize(ctx, out, in->rank, in->dims);
  }
  switch (op) {
    case TFL_OP_RELU:
    case TFL_OP_RELU6:
    case TFL_OP_RELU_N1_TO_1:
    case TFL_OP_RELU_0_TO_1: {
      tfl_quantize_multiplier((double)(in_s / out_s), &d->m1, &d->s1);
      const float amin = op == TFL_OP_RELU_N1_TO_1 ? -1.0f : 0.0f;
      const float amax = op == TFL_OP_RELU6 ? 6.0f : (op == TFL_OP_RELU ? INFINITY : 1.0f);
      /* in 64 bits: a tiny output scale saturates the quotient (make fuzz: int overflow) */
      const int64_t a = (int64_t)d->out_zp + tfl_sat_f2i(roundf(amin / out_s));
      d->lo = a > qmin ? (int32_t)(a < INT32_MAX ? a : INT32_MAX) : qmin;
      if (isinf(amax)) {
        d->hi = qmax;
      } else {
        const int64_t b = (int64_t)d->out_zp + tfl_sat_f2i(roundf(amax / out_s));
        d->hi = b < qmax ? (int32_t)(b > INT32_MIN ? b : INT32_MIN) : qmax;
      }
      break;
    }
    case TFL_OP_LEAKY_RELU: {
      const float alpha = tfl_LeakyReluOptions(node).alpha;
      tfl_quantize_multiplier((double)(in_s * alpha / out_s), &d->m2, &d->s2);
      tfl_quantize_multiplier((double)(in_s / out_s), &d->m1, &d->s1);
      d->lo = qmin;
      d->hi = qmax;
      break;
    }
    case TFL_OP_LOGISTIC:
      if (out_s != 1.0f / 256) return tfl_error(ctx, "LOGISTIC: int8 output scale must be 1/256");
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, f_logistic, d->lut);
      break;
    case TFL_OP_TANH:
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, f_tanh, d->lut);
      break;
    case TFL_OP_EXP:
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, f_exp, d->lut);
      break;
    case TFL_OP_ELU:
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, f_elu, d->lut);
      break;
    case TFL_OP_L2_NORMALIZATION:
      if (in->rank < 1) return tfl_error(ctx, "L2_NORMALIZATION: input must have rank >= 1");
      break;
    case TFL_OP_LOG:
      g_log_min = (float)(-128 - d->out_zp) * out_s;
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, f_log, d->lut);
      break;
    case TFL_OP_ABS:
      d->lo = in_s != out_s; /* needs rescale */
      if (d->lo) tfl_quantize_multiplier((double)(in_s / out_s), &d->m1, &d->s1);
      break;
    case TFL_OP_SQRT:
      break;
    case TFL_OP_GELU:
      lut_populate_i8(in_s, d->in_zp, out_s, d->out_zp, tfl_GeluOptions(node).approximate ? f_gelu_approx : f_gelu, d->lut);
      break;
    case TFL_OP_RSQRT: {
      const float den = sqrtf(in_s) * out_s;
      tfl_quantize_multiplier(1. / (double)den, &d->m1, &d->s1);
      break;
    }
    case TFL_OP_HARD_SWISH: {
      const float hires = (1.0f / 128.0f) * in_s;
      const float reluish_scale = 3.0f / 32768.0f;
      const float om = hires / out_s;
      int32_t q;
      tfl_quantize_multiplier((double)om, &q, &d->hs_out_exp);
      d->hs_out_mult = down_scale_mult(q);
      if (d->hs_out_exp > 0) return tfl_error(ctx, "HARD_SWISH: output multiplier exponent must be <= 0");
      const float rm = hires / reluish_scale;
      tfl_quantize_multiplier((double)rm, &q, &d->hs_relu_exp);
      d->hs_relu_mult = down_scale_mult(q);
      break;
    }
    case TFL_OP_LOG_SOFTMAX: {
      if (in->rank < 1) return tfl_error(ctx, "LOG_SOFTMAX: input must have rank >= 1");
      if (out_s != 16.0f / 256 || d->out_zp != 127)
        return tfl_error(ctx, "LOG_SOFTMAX: int8 output must have scale 16/256 and zero point 127");
      tfl_preprocess_softmax_scaling(1.0, (double)in_s, 5, &d->sm_mult, &d->sm_shift, tfl_rounding());
      if (d->sm_shift < 0 || d->sm_shift > 31 || d->sm_mult <= 0)
        return tfl_error(ctx, "LOG_SOFTMAX: input scale out of range");
      int rev_shift;
      tfl_quantize_multiplier((double)(1LL << (31 - d->sm_shift)) / (double)d->sm_mult, &d->ls_rev_mult, &rev_shift);
      d->ls_rev_shift = rev_shift;
      d->sm_diff_min = -tfl_calculate_input_radius(5, d->sm_shift, 31);
      break;
    }
    case TFL_OP_SOFTMAX: {
      if (in->rank < 1) return tfl_error(ctx, "SOFTMAX: input must have rank >= 1");
      if (t == TFL_INT16) {
        if (fabsf(out_s - 1.0f / 32768) > 0.001f * (1.0f / 32768))
          return tfl_error(ctx, "SOFTMAX: int16 output must have scale 1/32768 and zero point 0");
        const float beta16 = tfl_SoftmaxOptions(node).beta;
        d->exp_lut = (int16_t *)malloc(513 * sizeof(int16_t));
        d->recip_lut = (int16_t *)malloc(513 * sizeof(int16_t));
        if (!d->exp_lut || !d->recip_lut) return tfl_error(ctx, "SOFTMAX: out of memory");
        const double range = 65535.0;
        lut_populate_i16(10.0 / range, 32767, 2.0 / range, 0, f_exp_d, d->exp_lut);
        lut_populate_i16(1.0 / range, -32768, 2.0 / range, 0, f_recip_d, d->recip_lut);
        tfl_quantize_multiplier((double)(in_s * beta16) / (10.0 / 65535.0), &d->sm_mult, &d->sm_shift);
        break;
      }
      if (d->out_zp != -128 || fabsf(out_s - 1.0f / 256) > 0.001f * (1.0f / 256))
        return tfl_error(ctx, "SOFTMAX: int8 output must have scale 1/256 and zero point -128");
      const float beta = tfl_SoftmaxOptions(node).beta;
      tfl_preprocess_softmax_scaling((double)beta, (double)in_s, 5, &d->sm_mult, &d->sm_shift, tfl_rounding());
      /* the kernel left-shifts by sm_shift: negative (beta * scale below 2^-27) or >= 32 would be undefined */
      if (d->sm_shift < 0 || d->sm_shift > 31 || d->sm_mult < 0)
        return tfl_error(ctx, "SOFTMAX: beta * input scale out of range");
      d->sm_diff_min = -tfl_calculate_input_radius(5, d->sm_shift, 31);
      break;
    }
    default:
      return TFL_NOT_MINE;
  }
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static inline int16_t sat_shl16(int16_t v, int amount) {
  int64_t r = (int64_t)v * ((int64_t)1 << amount);
  if (r > INT16_MAX) r = INT16_MAX;
  if (r < INT16_MIN) r = INT16_MIN;
  return (int16_t)r;
}

static inline int16_t sat_dhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  return (int16_t)(ab / (1 << 15));
}

/* gemmlowp's RoundingDivideByPOT on int16 values builds its mask in int16, so for exponents >= 16 the mask is all ones
 * and the result is 1 for x >= 0 and -1 for x < 0 (not 0). LiteRT's reference HARD_SWISH hits this for tiny input
 * scales (reluish multiplier below 2^-16). */
static inline int16_t rdbpot16_lanes(int16_t x, int exponent) {
  if (exponent < 16) return tfl_rdbpot16(x, exponent);
  return (int16_t)(x >= 0 ? 1 : -1);
}

static int8_t hard_swish_i8(const ActQ *d, int8_t x) {
  const int16_t iv = (int16_t)((int32_t)x - d->in_zp);
  const int16_t hires = (int16_t)(iv * (1 << 7));
  const int16_t pre_out = tfl_srdhm16(hires, d->hs_out_mult);
  int16_t relu = hires;
  if (d->hs_relu_exp > 0) relu = sat_shl16(relu, d->hs_relu_exp - 1);
  relu = tfl_srdhm16(relu, d->hs_relu_mult);
  if (d->hs_relu_exp > 0) relu = sat_shl16(relu, 1);
  if (d->hs_relu_exp < 0) relu = rdbpot16_lanes(relu, -d->hs_relu_exp);
  relu = (int16_t)(((int32_t)relu + (1 << 15)) >> 1);
  const int16_t pre = sat_dhm16(relu, pre_out);
  int16_t o = rdbpot16_lanes(pre, -d->hs_out_exp);
  o = (int16_t)(o + d->out_zp);
  if (o > 127) o = 127;
  if (o < -128) o = -128;
  return (int8_t)o;
}

static int32_t sat_add32(int32_t a, int32_t b) {
  const int64_t v = (int64_t)a + b;
  return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

/* log(x) for x >= 1: x is FixedPoint<int32, in_bits>, result FixedPoint<int32, out_bits> (TFLite common.h). */
static int32_t log_x_ge_1(int32_t x, int in_bits, int out_bits) {
  const int acc_bits = out_bits + 1;
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250, one_quarter = 536870912;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = tfl_rdbpot(one_quarter, acc_bits);
  const int32_t z_a = x;
  const int hp1 = z_a == 0 ? 32 : __builtin_clz((uint32_t)z_a);
  const int32_t r_a_tmp = tfl_sat_shl(z_a, hp1 - 1);
  const int32_t r_a = tfl_sat_shl(tfl_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t za_adj = sat_add32(tfl_sat_shl(in_bits - hp1, 31 - acc_bits), shifted_quarter);
  const int32_t z_b = tfl_srdhm(z_a, sqrt_half);
  const int zb_head = (z_b == 0 ? 32 : __builtin_clz((uint32_t)z_b)) - 1;
  const int32_t r_b = tfl_sat_shl(z_a, zb_head);
  const int32_t zb_adj = sat_add32(tfl_sat_shl(in_bits - zb_head, 31 - acc_bits), -shifted_quarter);
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t z_adj = za_adj > zb_adj ? za_adj : zb_adj;
  const int64_t hs = (int64_t)r + sqrt_sqrt_half;
  const int32_t p = (int32_t)((hs + (hs >= 0 ? 1 : -1)) / 2);
  int32_t q = (int32_t)((uint32_t)r - (uint32_t)sqrt_sqrt_half);
  q = (int32_t)((uint32_t)q + (uint32_t)q);
  const int32_t common_sq = tfl_srdhm(q, q);
  const int32_t num = (int32_t)((uint32_t)tfl_srdhm(q, r) + (uint32_t)tfl_srdhm(tfl_srdhm(q, common_sq), alpha_n));
  const int32_t inner = (int32_t)((uint32_t)alpha_i + (uint32_t)q + (uint32_t)tfl_srdhm(alpha_d, common_sq));
  const int32_t denom_m1 = (int32_t)((uint32_t)tfl_srdhm(p, inner) + (uint32_t)tfl_srdhm(alpha_f, q));
  const int32_t recip = tfl_one_over_one_plus_x_for_x_in_0_1(denom_m1);
  const int32_t num_scaled = tfl_rdbpot(num, acc_bits);
  const int32_t sum = (int32_t)((uint32_t)tfl_srdhm(z_adj, log_2) + (uint32_t)tfl_srdhm(num_scaled, recip));
  return tfl_mul_pot(sum, acc_bits - out_bits);
}

static void log_softmax_i8(const ActQ *d, const int8_t *x, int8_t *y, int64_t rows, int cols, TflRounding mode) {
  for (int64_t r = 0; r < rows; ++r) {
    const int8_t *xr = x + r * cols;
    int8_t *yr = y + r * cols;
    int32_t mx = -128;
    for (int c = 0; c < cols; ++c)
      if (xr[c] > mx) mx = xr[c];
    int32_t sum = 0; /* Q12 */
    for (int c = 0; c < cols; ++c) {
      const int32_t diff = (int32_t)xr[c] - mx;
      if (diff >= d->sm_diff_min) {
        const int32_t q5 = tfl_mbqm_mode(diff, d->sm_mult, d->sm_shift, mode);
        sum = (int32_t)((uint32_t)sum + (uint32_t)tfl_rdbpot(tfl_exp_on_negative_values(q5, 5), 12));
      }
    }
    const int32_t log_sum = log_x_ge_1(sum, 12, 5);
    const int32_t shifted = (int32_t)((uint32_t)log_sum + (uint32_t)INT32_MIN);
    const int32_t rev = tfl_mbqm_mode(shifted, d->ls_rev_mult, d->ls_rev_shift, mode);
    const int32_t adj_min = d->sm_diff_min - 1 > rev ? d->sm_diff_min - 1 : rev;
    for (int c = 0; c < cols; ++c) {
      const int32_t diff = (int32_t)xr[c] - mx;
      if (diff > adj_min) {
        const int32_t q5 = tfl_mbqm_mode(diff, d->sm_mult, d->sm_shift, mode);
        const int32_t o = tfl_rdbpot(q5 - log_sum, 31 - 5 - 4) + 127;
        yr[c] = (int8_t)clamp32(o, -128, 127);
      } else {
        yr[c] = -128;
      }
    }
  }
}

static void softmax_i8(const ActQ *d, const int8_t *x, int8_t *y, int64_t rows, int cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const int8_t *xr = x + r * cols;
    int8_t *yr = y + r * cols;
    int32_t mx = -128;
    for (int c = 0; c < cols; ++c)
      if (xr[c] > mx) mx = xr[c];
    int32_t sum = 0; /* Q12.19 */
    for (int c = 0; c < cols; ++c) {
      const int32_t diff = (int32_t)xr[c] - mx;
      if (diff >= d->sm_diff_min) {
        const int32_t scaled = tfl_mbqm_gt1(diff, d->sm_mult, d->sm_shift);
        sum += tfl_rdbpot(tfl_exp_on_negative_values(scaled, 5), 12);
      }
    }
    int nbits;
    const int32_t shifted_scale = tfl_get_reciprocal(sum, 12, &nbits);
    for (int c = 0; c < cols; ++c) {
      const int32_t diff = (int32_t)xr[c] - mx;
      if (diff >= d->sm_diff_min) {
        const int32_t scaled = tfl_mbqm_gt1(diff, d->sm_mult, d->sm_shift);
        const int32_t e = tfl_exp_on_negative_values(scaled, 5);
        const int32_t u = tfl_rdbpot(tfl_srdhm(shifted_scale, e), nbits + 31 - 8);
        yr[c] = (int8_t)clamp32(u - 128, -128, 127);
      } else {
        yr[c] = -128;
      }
    }
  }
}

#ifdef TFL_Q_X86
/* y[i] = lut[(uint8_t)x[i]], 64 bytes a step: two 128-entry byte permutes, picked by the index's top bit; the tail is
 * masked (no access past n). */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void lut_i8_vbmi(const int8_t *lut, const int8_t *x,
                                                                                 int8_t *y, int64_t n) {
  const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
  const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 m = n - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (n - i)) - 1);
    const __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1), hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
}
#endif

static TflStatus act_eval(TflContext *ctx, TflNode *node) {
  const ActQ *d = (const ActQ *)node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(in);
  const TflRounding mode = tfl_rounding();
  const int is16 = d->type == TFL_INT16;
  const int8_t *x8 = (const int8_t *)in->data;
  int8_t *y8 = (int8_t *)out->data;
  const int16_t *x16 = (const int16_t *)in->data;
  int16_t *y16 = (int16_t *)out->data;
  if (is16 && d->exp_lut && node->op != TFL_OP_SOFTMAX) {
    for (int64_t i = 0; i < n; ++i) {
      if (node->op == TFL_OP_RSQRT && x16[i] < d->in_zp) return tfl_error(ctx, "RSQRT is only defined for positive values");
      y16[i] = lut_lookup_i16(x16[i], d->exp_lut);
    }
    return TFL_OK;
  }
  if (is16 && node->op == TFL_OP_LOGISTIC) {
    logistic_i16(d, x16, y16, n);
    return TFL_OK;
  }
  if (is16 && node->op == TFL_OP_TANH) {
    tanh_i16(d, x16, y16, n);
    return TFL_OK;
  }
  if (is16 && node->op == TFL_OP_ABS) {
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = (int32_t)x16[i] - d->in_zp;
      v = v < 0 ? -v : v;
      const int32_t o = (d->lo ? tfl_mbqm_mode(v, d->m1, d->s1, mode) : v) + d->out_zp;
      y16[i] = (int16_t)clamp32(o, -32768, 32767);
    }
    return TFL_OK;
  }
  switch (node->op) {
    case TFL_OP_RELU:
    case TFL_OP_RELU6:
    case TFL_OP_RELU_N1_TO_1:
    case TFL_OP_RELU_0_TO_1:
      for (int64_t i = 0; i < n; ++i) {
        const int32_t v = is16 ? x16[i] : x8[i];
        const int32_t r = clamp32(d->out_zp + tfl_mbqm_mode(v - d->in_zp, d->m1, d->s1, mode), d->lo, d->hi);
        if (is16) y16[i] = (int16_t)r;
        else y8[i] = (int8_t)r;
      }
      break;
    case TFL_OP_LEAKY_RELU:
      for (int64_t i = 0; i < n; ++i) {
        const int32_t v = (is16 ? x16[i] : x8[i]) - d->in_zp;
        const int32_t r = v >= 0 ? tfl_mbqm_mode(v, d->m1, d->s1, mode) : tfl_mbqm_mode(v, d->m2, d->s2, mode);
        const int32_t o = clamp32(d->out_zp + r, d->lo, d->hi);
        if (is16) y16[i] = (int16_t)o;
        else y8[i] = (int8_t)o;
      }
      break;
    case TFL_OP_ABS:
      for (int64_t i = 0; i < n; ++i) {
        int32_t v = (int32_t)x8[i] - d->in_zp;
        v = v < 0 ? -v : v;
        const int32_t o = (d->lo ? tfl_mbqm_mode(v, d->m1, d->s1, mode) : v) + d->out_zp;
        y8[i] = (int8_t)clamp32(o, -128, 127);
      }
      break;
    case TFL_OP_SQRT: {
      const float in_s = in->scales[0], out_s = out->scales[0];
      for (int64_t i = 0; i < n; ++i) {
        const float deq = in_s * (float)((int32_t)x8[i] - d->in_zp);
        if (deq < 0.0f) return tfl_error(ctx, "SQRT is only defined for non-negative values");
        const int32_t o = tfl_sat_f2i((double)(sqrtf(deq) / out_s)) + d->out_zp;
        y8[i] = (int8_t)clamp32(o, -128, 127);
      }
      break;
    }
    case TFL_OP_L2_NORMALIZATION: {
      const int depth = in->dims[in->rank - 1];
      if (depth <= 0) break;
      for (int64_t r = 0; r < n / depth; ++r) {
        const int8_t *xr = x8 + r * depth;
        int32_t acc = 0;
        for (int c = 0; c < depth; ++c) acc += ((int32_t)xr[c] - d->in_zp) * ((int32_t)xr[c] - d->in_zp);
        int32_t m;
        int sh;
        inv_sqrt_multiplier(acc, -1, &m, &sh);
        for (int c = 0; c < depth; ++c)
          y8[r * depth + c] = (int8_t)clamp32(tfl_mbqm_mode((int32_t)xr[c] - d->in_zp, m, sh + 7, mode), -128, 127);
      }
      break;
    }
    case TFL_OP_LOGISTIC:
    case TFL_OP_TANH:
    case TFL_OP_EXP:
    case TFL_OP_ELU:
    case TFL_OP_LOG:
    case TFL_OP_GELU:
#ifdef TFL_Q_X86
      if (d->lut_vbmi) {
        lut_i8_vbmi(d->lut, x8, y8, n);
        break;
      }
#endif
      for (int64_t i = 0; i < n; ++i) y8[i] = d->lut[(uint8_t)x8[i]];
      break;
    case TFL_OP_RSQRT:
      for (int64_t i = 0; i < n; ++i) {
        const int32_t v = (int32_t)x8[i] - d->in_zp;
        if (v < 0) return tfl_error(ctx, "RSQRT is only defined for positive values");
        if (v == 0) {
          y8[i] = 127;
          continue;
        }
        int32_t m;
        int sh;
        inv_sqrt_multiplier(v, -1, &m, &sh);
        const int32_t data = tfl_mbqm_mode(1, m, sh + 20, mode);
        const int32_t o = tfl_mbqm_mode(data, d->m1, d->s1 - 20, mode) + d->out_zp;
        y8[i] = (int8_t)clamp32(o, -128, 127);
      }
      break;
    case TFL_OP_HARD_SWISH:
      for (int64_t i = 0; i < n; ++i) y8[i] = hard_swish_i8(d, x8[i]);
      break;
    case TFL_OP_SOFTMAX: {
      const int cols = in->dims[in->rank - 1];
      if (cols <= 0) break;
      if (is16) softmax_i16(d, x16, y16, n / cols, cols, mode);
      else softmax_i8(d, x8, y8, n / cols, cols);
      break;
    }
    case TFL_OP_LOG_SOFTMAX: {
      const int cols = in->dims[in->rank - 1];
      if (cols > 0) log_softmax_i8(d, x8, y8, n / cols, cols, mode);
      break;
    }
    default:
      return tfl_error(ctx, "activation_q: unexpected op %d", node->op);
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_activation_q[] = {
    {TFL_OP_RELU, "RELU (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_RELU6, "RELU6 (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_RELU_N1_TO_1, "RELU_N1_TO_1 (int8)", 1, 1, act_prepare, act_eval},
    {TFL_OP_RELU_0_TO_1, "RELU_0_TO_1 (int8)", 1, 1, act_prepare, act_eval},
    {TFL_OP_LEAKY_RELU, "LEAKY_RELU (int8/int16)", 1, 2, act_prepare, act_eval},
    {TFL_OP_LOGISTIC, "LOGISTIC (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_TANH, "TANH (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_HARD_SWISH, "HARD_SWISH (int8)", 1, 1, act_prepare, act_eval},
    {TFL_OP_SOFTMAX, "SOFTMAX (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_GELU, "GELU (int8/int16)", 1, 2, act_prepare, act_eval},
    {TFL_OP_LOG_SOFTMAX, "LOG_SOFTMAX (int8)", 1, 2, act_prepare, act_eval},
    {TFL_OP_RSQRT, "RSQRT (int8/int16)", 1, 3, act_prepare, act_eval},
    {TFL_OP_EXP, "EXP (int8/int16)", 1, 2, act_prepare, act_eval},
    {TFL_OP_ELU, "ELU (int8)", 1, 1, act_prepare, act_eval},
    {TFL_OP_L2_NORMALIZATION, "L2_NORMALIZATION (int8)", 1, 2, act_prepare, act_eval},
    {TFL_OP_LOG, "LOG (int8/int16)", 1, 2, act_prepare, act_eval},
    {TFL_OP_ABS, "ABS (int8/int16)", 1, 5, act_prepare, act_eval},
    {TFL_OP_SQRT, "SQRT (int8)", 1, 2, act_prepare, act_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
