/* Float32 activations: RELU family, ELU, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH, GELU, SOFTMAX, LOG_SOFTMAX,
 * L2_NORMALIZATION. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off") /* the AVX2 clones round like the baseline ones: same bits on every ISA level */
#endif
#include <float.h>

#include "../cpu.h"
#include "common_f32.h"
#include "gemm.h" /* tfl_fast_float */
#include "par_range.h"

typedef struct {
  float p; /* alpha / beta */
  int flag;
  int64_t outer, inner;
  float lo, hi;
  int avx2; /* vector clones chosen at prepare (tfl_isa): 1 AVX2, 2 AVX2 with FMA (experimental_fast_float); LOGISTIC
             * also 3 AVX-512, 4 AVX-512 with FMA */
} ActData;

static TflStatus act_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "activation op %d: missing input or output", node->op);
  if (!tfl_is_f32(in)) return TFL_NOT_MINE;
  if (!tfl_is_f32(out)) return tfl_error(ctx, "activation op %d: output must be float32", node->op);
  ActData *d = tfl_set_user_data(node, sizeof(ActData));
  d->avx2 = tfl_isa() >= TFL_ISA_AVX2 ? 1 + (tfl_fast_float(ctx) != 0) : 0;
  if (node->op == TFL_OP_LOGISTIC && TFL_X86_CLONES && tfl_isa() >= TFL_ISA_AVX512) d->avx2 += 2;
  switch (node->op) {
    case TFL_OP_LEAKY_RELU: d->p = tfl_LeakyReluOptions(node).alpha; break;
    case TFL_OP_GELU: d->flag = tfl_GeluOptions(node).approximate; break;
    case TFL_OP_SOFTMAX: d->p = tfl_SoftmaxOptions(node).beta; break;
    case TFL_OP_L2_NORMALIZATION: {
      int act = tfl_L2NormOptions(node).fused_activation_function;
      if (act >= TFL_ACT_TANH) return tfl_error(ctx, "L2_NORMALIZATION: unsupported fused activation %d", act);
      tfl_activation_range_f32(act, &d->lo, &d->hi);
      break;
    }
  }
  if (node->op == TFL_OP_SOFTMAX || node->op == TFL_OP_LOG_SOFTMAX || node->op == TFL_OP_L2_NORMALIZATION) {
    if (in->rank < 1) return tfl_error(ctx, "activation op %d: input must have rank >= 1", node->op);
    d->inner = in->dims[in->rank - 1];
    d->outer = d->inner ? tfl_num_elements(in) / d->inner : 0;
  }
  return tfl_resize(ctx, out, in->rank, in->dims);
}

#define ACT_LOOP(EXPR)                            \
  do {                                            \
    for (int64_t i = 0; i < n; i++) {             \
      float x = X[i];                             \
      O[i] = (EXPR);                              \
    }                                             \
  } while (0)


/* GELU bit-exact with LiteRT's float kernel (reference_ops::Gelu, Eigen array expressions; the x86 wheels are built
 * without FMA and evaluate 4-float packets). Every multiply-add below is an unfused multiply then add, one statement
 * each so that no compiler contracts them. Eigen's min/max return the first operand when either is NaN. */
static float eigen_min(float a, float b) { return b < a ? b : a; }
static float eigen_max(float a, float b) { return b > a ? b : a; }
static float mul_add(float a, float b, float c) {
  const float p = a * b;
  return p + c;
}
static float pow2i(int32_t e) {
  const uint32_t bits = (uint32_t)(e + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Eigen's pldexp: y * 2^m in four scalings by 2^floor(m/4) and one by the remainder, so no factor overflows. */
static float eigen_ldexp(float y, float m) {
  const int32_t e = (int32_t)eigen_min(eigen_max(m, -278.0f), 278.0f);
  const int32_t b = (int32_t)floorf((float)e * 0.25f);
  const float c = pow2i(b);
  float out = y * c;
  out = out * c;
  out = out * c;
  return out * pow2i(e - 3 * b);
}

/* Eigen's packet exp for float (pexp_float): m = floor(x log2e + 1/2), Cody-Waite r, degree-6 polynomial. */
static float eigen_exp(float x_in) {
  const float x = eigen_min(x_in, 88.723f);
  const float m = floorf(mul_add(x, 1.44269504088896341f, 0.5f));
  float r = mul_add(m, -0.693359375f, x);
  r = mul_add(m, 2.12194440e-4f, r);
  const float r2 = r * r;
  float p_even = mul_add(r2, 1.37449637986719608306884765625e-3f, 4.166965186595916748046875e-2f);
  const float p_odd = mul_add(r2, 8.36894474923610687255859375e-3f, 0.16666518151760101318359375f);
  p_even = mul_add(r2, p_even, 0.49999988079071044921875f);
  const float p_low = r + 1.0f;
  float y = mul_add(r, p_odd, p_even);
  y = mul_add(r2, y, p_low);
  const float out = eigen_max(eigen_ldexp(y, m), x_in);
  return x_in < -104.0f ? 0.0f : out;
}

/* Eigen's generic_fast_erfc<float>: 1 + x S(x^2) for |x| <= 1, else exp(-x^2) P(1/x^2) / (x Q(1/x^2)) (+2 for x < 0).
 * Eigen's scalar path (the elements after the last whole packet) takes exp from libm instead of its own. */
static float eigen_erfc(float x_in, int packet) {
  static const float s[] = {5.61802298761904239654541015625e-04f, -4.91381669417023658752441406250e-03f,
                            2.67075151205062866210937500000e-02f, -1.12800106406211853027343750000e-01f,
                            3.76122951507568359375000000000e-01f, -1.12837910652160644531250000000e+00f};
  static const float p[] = {1.0208116471767425537109375e-01f, 4.2920666933059692382812500e-01f,
                            3.2379078865051269531250000e-01f, 5.3971976041793823242187500e-02f};
  static const float q[] = {1.7251677811145782470703125e-02f, 3.9137163758277893066406250e-01f,
                            1.0000000000000000000000000e+00f, 6.2173241376876831054687500e-01f,
                            9.5662862062454223632812500e-02f};
  const float x = eigen_min(eigen_max(x_in, -11.0f), 11.0f);
  const float x2 = x * x;
  float sp = s[0];
  for (int i = 1; i < 6; i++) sp = mul_add(sp, x2, s[i]);
  if (!(1.0f < x2)) return mul_add(x, sp, 1.0f);
  /* the rounding error of x*x, exact in double (a 48-bit product), as Eigen's twoprod_low */
  const float x2_lo = (float)((double)x * (double)x - (double)x2);
  const float e = packet ? eigen_exp(-x2) : expf(-x2);
  const float e_lo = e * x2_lo;
  const float z = e - e_lo;
  const float inv = 1.0f / x2;
  float num = p[0];
  for (int i = 1; i < 4; i++) num = mul_add(num, inv, p[i]);
  float den = q[0];
  for (int i = 1; i < 5; i++) den = mul_add(den, inv, q[i]);
  den = x * den;
  const float r = num / den;
  return mul_add(z, r, x < 0.0f ? 2.0f : 0.0f);
}

/* Eigen's fast float tanh (EIGEN_FAST_MATH, no FMA): a [9/8] rational on x clamped to +-7.90738964. */
static float eigen_tanh(float x_in) {
  static const float a[] = {1.394553628e-8f, 2.102733560e-5f, 3.520756727e-3f, 1.340216100e-1f};
  static const float b[] = {8.015776984e-7f, 3.326951409e-4f, 2.597254514e-2f, 4.673548340e-1f, 1.0f};
  const float x = eigen_max(eigen_min(x_in, 7.90738964080810547f), -7.90738964080810547f);
  const float x2 = x * x;
  const float x3 = x2 * x;
  float num = a[0];
  for (int i = 1; i < 4; i++) num = mul_add(num, x2, a[i]);
  float den = b[0];
  for (int i = 1; i < 5; i++) den = mul_add(den, x2, b[i]);
  num = mul_add(x3, num, x);
  return num / den;
}

/* GELU's constants as Eigen rounds them to float: sqrt(2 / pi) (tanh form) and -1 / sqrt(2) (erfc form) */
static const float gelu_sqrt_2_over_pi = (float)(1.12837916709551257390 * 0.70710678118654752440);
static const float gelu_minus_sqrt1_2 = (float)-0.70710678118654752440;

/* One element as LiteRT computes it: packet = within the whole 4-float packets (Eigen's exp), else libm's expf. */
static float gelu1(float x, int approx, int packet) {
  const float half_x = 0.5f * x;
  if (approx) {
    const float cube = (x * x) * x;
    const float scaled_cube = 0.044715f * cube;
    const float inner = x + scaled_cube;
    const float t = eigen_tanh(gelu_sqrt_2_over_pi * inner);
    return half_x * (1.0f + t);
  }
  return half_x * eigen_erfc(x * gelu_minus_sqrt1_2, packet);
}

/* ---- gelu1 on vectors (gelu_lanes.h) */
#pragma GCC diagnostic ignored "-Wpsabi" /* vector arguments of always-inline helpers: no call, no ABI */
/* gelu1 on 8 lanes (compiled for the baseline and as an AVX2 clone) and on 16 (an AVX-512 clone); lanes holding NaN or
 * an infinity are redone by gelu1 (NaN payloads follow the scalar operation order). */
typedef double tfl_v8d __attribute__((vector_size(64)));
#define GL_N 8
#define GL_F tfl_v8f
#define GL_I tfl_v8i
#define GL_D tfl_v8d
#define GL(name) name##8
#include "gelu_lanes.h"
#undef GL_N
#undef GL_F
#undef GL_I
#undef GL_D
#undef GL
#if TFL_X86_CLONES
typedef float tfl_v16f __attribute__((vector_size(64)));
typedef int32_t tfl_v16i __attribute__((vector_size(64)));
typedef double tfl_v16d __attribute__((vector_size(128)));
#define GL_N 16
#define GL_F tfl_v16f
#define GL_I tfl_v16i
#define GL_D tfl_v16d
#define GL(name) name##16
#include "gelu_lanes.h"
#undef GL_N
#undef GL_F
#undef GL_I
#undef GL_D
#undef GL
#endif

/* Elements [0, wholeN) of [0, whole) by whole vectors; returns wholeN. */
static int64_t gelu_default(const float *X, float *O, int64_t whole, int approx) {
  return gelu_body8(X, O, whole, approx);
}
#if TFL_X86_CLONES
TFL_TARGET_AVX2 static int64_t gelu_avx2(const float *X, float *O, int64_t whole, int approx) {
  return gelu_body8(X, O, whole, approx);
}
__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) static int64_t gelu_avx512(const float *X, float *O,
                                                                                          int64_t whole, int approx) {
  const int64_t i = gelu_body16(X, O, whole, approx);
  return i + gelu_body8(X + i, O + i, whole - i, approx);
}
#endif

/* 0.5 x erfc(-x / sqrt 2), or 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), in Eigen's evaluation order. */
static void gelu_f32(const float *X, float *O, int64_t n, int approx, int avx2) {
  const int64_t whole = n - n % 4; /* LiteRT's outputs are 64-byte aligned, so packets start at element 0 */
  int64_t i;
#if TFL_X86_CLONES
  i = avx2 && tfl_isa() >= TFL_ISA_AVX512 ? gelu_avx512(X, O, whole, approx)
      : avx2                               ? gelu_avx2(X, O, whole, approx)
                                           : gelu_default(X, O, whole, approx);
#else
  (void)avx2;
  i = gelu_default(X, O, whole, approx);
#endif
  const int64_t vec_end = i;
  for (; i < n; i++) O[i] = gelu1(X[i], approx, i < whole);
  /* NaN or infinity (exponent all ones) in the vector part: gelu1 for those */
  int special = 0;
  for (int64_t k = 0; k < vec_end; k++) {
    uint32_t b;
    memcpy(&b, X + k, sizeof b);
    special |= (b & 0x7f800000u) == 0x7f800000u;
  }
  if (special)
    for (int64_t k = 0; k < vec_end; k++)
      if (!isfinite(X[k])) O[k] = gelu1(X[k], approx, 1);
}

/* LOGISTIC as LiteRT's reference kernel computes it (libm expf), for tfl_exact_math. */
static float logistic_exact(float x) {
  if (x > 16.619047164916992188f) return 1.0f;
  if (x < -9.0f) return expf(x);
  return 1.0f / (1.0f + expf(-x));
}

/* LOGISTIC with LiteRT's cutoffs: 1 above 16.619, exp(x) below -9, else 1 / (1 + exp(-x)). */
TFL_INLINE void logistic8(const float *restrict x, float *restrict o) {
  const tfl_v8f one = {1, 1, 1, 1, 1, 1, 1, 1};
  const float cut = 16.619047164916992188f;
  const tfl_v8f vcut = {cut, cut, cut, cut, cut, cut, cut, cut};
  const tfl_v8f vneg9 = {-9, -9, -9, -9, -9, -9, -9, -9};
  tfl_v8f v, e;
  TFL_LD8(v, x);
  tfl_v8i low = v < vneg9;
  tfl_v8f arg = TFL_VSEL(low, v, -v);
  tfl_vexp(&e, &arg);
  tfl_v8f s = one / (one + e);
  s = TFL_VSEL(v > vcut, one, s);
  s = TFL_VSEL(low, e, s);
  TFL_ST8(o, s);
}

TFL_INLINE void logistic_body(const float *restrict x, float *restrict o, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) logistic8(x + i, o + i);
  if (i < n) {
    float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t j = i; j < n; j++) buf[j - i] = x[j];
    float res[8];
    logistic8(buf, res);
    for (int64_t j = i; j < n; j++) o[j] = res[j - i];
  }
}

/* o[i] = exp((x[i] - mx) * beta) */
TFL_INLINE void exp_shift_body(const float *restrict x, float *restrict o, int64_t n, float mx, float beta) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) { /* whole vectors in place: per lane the same subtraction and product as below */
    tfl_v8f v, e;
    TFL_LD8(v, x + i);
    v = (v - mx) * beta;
    tfl_vexp(&e, &v);
    TFL_ST8(o + i, e);
  }
  for (; i < n; i += 8) {
    float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t m = n - i < 8 ? n - i : 8;
    for (int64_t j = 0; j < m; j++) buf[j] = (x[i + j] - mx) * beta;
    tfl_v8f v, e;
    TFL_LD8(v, buf);
    tfl_vexp(&e, &v);
    TFL_ST8(buf, e);
    memcpy(o + i, buf, (size_t)m * sizeof(float));
  }
}

static void logistic_default(const float *x, float *o, int64_t n) { logistic_body(x, o, n); }
static void exp_shift_default(const float *x, float *o, int64_t n, float mx, float beta) { exp_shift_body(x, o, n, mx, beta); }
#if TFL_X86_CLONES
TFL_TARGET_AVX2 static void logistic_avx2(const float *x, float *o, int64_t n) { logistic_body(x, o, n); }
/* experimental_fast_float: the same body with FMA contraction (the polynomial's multiply-adds fused) */
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) static void logistic_avx2_fma(const float *x, float *o,
                                                                                                 int64_t n) {
  logistic_body(x, o, n);
}
TFL_TARGET_AVX2 static void exp_shift_avx2(const float *x, float *o, int64_t n, float mx, float beta) {
  exp_shift_body(x, o, n, mx, beta);
}
#endif
#if TFL_X86_CLONES
#include <immintrin.h>
/* logistic8 and tfl_vexp on 16 lanes, the same operations in the same order on each lane (compares and blends through
 * mask registers, a separate multiply and add unless fma), so exact mode gives the AVX2 clone's bits. */
#define LZ_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), always_inline)) static inline
LZ_T __m512 lz_madd(__m512 a, __m512 b, __m512 c, const int fma) {
  return fma ? _mm512_fmadd_ps(a, b, c) : _mm512_add_ps(_mm512_mul_ps(a, b), c);
}
LZ_T __m512 lz_logistic16(__m512 v, const int fma) {
  const __m512 one = _mm512_set1_ps(1.0f), magic = _mm512_set1_ps(12582912.0f);
  const __mmask16 low = _mm512_cmp_ps_mask(v, _mm512_set1_ps(-9.0f), _CMP_LT_OQ);
  __m512 x = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u)));
  x = _mm512_mask_blend_ps(low, x, v); /* low ? v : -v */
  x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(88.0f), _CMP_GT_OQ), x, _mm512_set1_ps(88.0f));
  x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_LT_OQ), x, _mm512_set1_ps(-87.3f));
  const __m512 t = lz_madd(x, _mm512_set1_ps(1.44269504088896341f), magic, fma);
  const __m512 n = _mm512_sub_ps(t, magic);
  __m512 r, p;
  if (fma) {
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  } else {
    r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(-2.12194440e-4f)));
  }
  p = lz_madd(r, _mm512_set1_ps(1.9875691500e-4f), _mm512_set1_ps(1.3981999507e-3f), fma);
  p = lz_madd(p, r, _mm512_set1_ps(8.3334519073e-3f), fma);
  p = lz_madd(p, r, _mm512_set1_ps(4.1665795894e-2f), fma);
  p = lz_madd(p, r, _mm512_set1_ps(1.6666665459e-1f), fma);
  p = lz_madd(p, r, _mm512_set1_ps(5.0000001201e-1f), fma);
  p = _mm512_add_ps(lz_madd(_mm512_mul_ps(p, r), r, r, fma), one); /* p * r * r + r + 1 */
  const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
  const __m512 e = _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
  __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
  s = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_set1_ps(16.619047164916992188f), _CMP_GT_OQ), s, one);
  return _mm512_mask_blend_ps(low, s, e);
}
LZ_T void lz_logistic_body(const float *x, float *o, int64_t n, const int fma) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(o + i, lz_logistic16(_mm512_loadu_ps(x + i), fma));
  if (i < n) {
    const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(o + i, m, lz_logistic16(_mm512_maskz_loadu_ps(m, x + i), fma));
  }
}
TFL_TARGET_AVX512 static void logistic_avx512(const float *x, float *o, int64_t n) { lz_logistic_body(x, o, n, 0); }
TFL_TARGET_AVX512 static void logistic_avx512_fma(const float *x, float *o, int64_t n) { lz_logistic_body(x, o, n, 1); }
#endif

static void logistic_vec(const float *x, float *o, int64_t n, int avx2) {
#if TFL_X86_CLONES
  if (avx2 >= 3) {
    (avx2 == 4 ? logistic_avx512_fma : logistic_avx512)(x, o, n);
    return;
  }
  if (avx2 == 2) {
    logistic_avx2_fma(x, o, n);
    return;
  }
  if (avx2) {
    logistic_avx2(x, o, n);
    return;
  }
#endif
  logistic_default(x, o, n);
}
/* SOFTMAX's row reductions. The max: the serial loop's `x > mx ? x : mx` on each of 8 lanes (vmaxps returns its
 * second operand unless the first is greater, so a NaN never wins), then over the lanes and the tail the same way;
 * the maximum of the values does not depend on their order (of +0 and -0 either may be kept, and exp(x - mx) is the
 * same for both). The sum: in order (exact mode), or in 8 lanes (experimental_fast_float, a different rounding).
 * The division per element, as the scalar loop's. */
#if TFL_X86_CLONES
TFL_TARGET_AVX2 static float row_max_avx2(const float *x, int64_t n) {
  __m256 m = _mm256_set1_ps(-FLT_MAX);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
  float lane[8], mx = -FLT_MAX;
  _mm256_storeu_ps(lane, m);
  for (int k = 0; k < 8; k++) mx = lane[k] > mx ? lane[k] : mx;
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  return mx;
}
TFL_TARGET_AVX2 static float row_sum8_avx2(const float *o, int64_t n) {
  __m256 s = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(o + i));
  float lane[8], sum = 0.0f;
  _mm256_storeu_ps(lane, s);
  for (int k = 0; k < 8; k++) sum += lane[k];
  for (; i < n; i++) sum += o[i];
  return sum;
}
TFL_TARGET_AVX2 static void row_div_avx2(float *o, int64_t n, float sum) {
  for (int64_t i = 0; i < n; i++) o[i] /= sum;
}
#endif
static float row_max(const float *x, int64_t n, int avx2) {
#if TFL_X86_CLONES
  if (avx2) return row_max_avx2(x, n);
#endif
  (void)avx2;
  float mx = -FLT_MAX;
  for (int64_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  return mx;
}
static float row_sum(const float *o, int64_t n, int lanes8) {
#if TFL_X86_CLONES
  if (lanes8) return row_sum8_avx2(o, n);
#endif
  (void)lanes8;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; i++) sum += o[i];
  return sum;
}
static void row_div(float *o, int64_t n, float sum, int avx2) {
#if TFL_X86_CLONES
  if (avx2) {
    row_div_avx2(o, n, sum);
    return;
  }
#endif
  (void)avx2;
  for (int64_t i = 0; i < n; i++) o[i] /= sum;
}

static void exp_shift(const float *x, float *o, int64_t n, float mx, float beta, int avx2) {
#if TFL_X86_CLONES
  if (avx2) {
    exp_shift_avx2(x, o, n, mx, beta);
    return;
  }
#endif
  exp_shift_default(x, o, n, mx, beta);
}

typedef struct {
  const ActData *d;
  const float *X;
  float *O;
  int op, exact;
} ActJob;

/* Elementwise activations over elements [b, e). */
static void act_range(void *arg, int64_t b, int64_t e) {
  const ActJob *j = arg;
  const ActData *d = j->d;
  const float *restrict X = j->X + b;
  float *restrict O = j->O + b;
  const int64_t n = e - b;
  switch (j->op) {
    case TFL_OP_RELU: ACT_LOOP(x > 0.0f ? x : 0.0f); break;
    case TFL_OP_RELU6: ACT_LOOP(x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f); break;
    case TFL_OP_RELU_N1_TO_1: ACT_LOOP(x > -1.0f ? (x < 1.0f ? x : 1.0f) : -1.0f); break;
    case TFL_OP_RELU_0_TO_1: ACT_LOOP(x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f); break;
    case TFL_OP_ELU: ACT_LOOP(x < 0.0f ? expm1f(x) : x); break;
    case TFL_OP_LEAKY_RELU: {
      const float a = d->p;
      ACT_LOOP(x > 0.0f ? x : a * x);
      break;
    }
    case TFL_OP_LOGISTIC:
      if (j->exact)
        ACT_LOOP(logistic_exact(x));
      else
        logistic_vec(X, O, n, d->avx2);
      break;
    case TFL_OP_TANH: ACT_LOOP(tanhf(x)); break;
    case TFL_OP_HARD_SWISH: ACT_LOOP(x * fminf(6.0f, fmaxf(0.0f, x + 3.0f)) / 6.0f); break;
    case TFL_OP_GELU: gelu_f32(X, O, n, d->flag, d->avx2); break;
  }
}

/* Rows [b, e) of SOFTMAX, LOG_SOFTMAX and L2_NORMALIZATION (each row's reductions run serially, in order). */
static void act_rows(void *arg, int64_t b, int64_t e) {
  const ActJob *j = arg;
  const ActData *d = j->d;
  for (int64_t r = b; r < e; r++) {
    const float *x = j->X + r * d->inner;
    float *o = j->O + r * d->inner;
    if (j->op == TFL_OP_L2_NORMALIZATION) {
      float ss = 0.0f;
      for (int64_t i = 0; i < d->inner; i++) ss += x[i] * x[i];
      float norm = sqrtf(ss);
      if (norm < 1e-6f) norm = 1e-6f;
      for (int64_t i = 0; i < d->inner; i++) o[i] = tfl_clampf(x[i] / norm, d->lo, d->hi);
      continue;
    }
    const float mx = row_max(x, d->inner, d->avx2);
    if (j->op == TFL_OP_SOFTMAX) {
      if (j->exact)
        for (int64_t i = 0; i < d->inner; i++) o[i] = expf((x[i] - mx) * d->p);
      else
        exp_shift(x, o, d->inner, mx, d->p, d->avx2);
      row_div(o, d->inner, row_sum(o, d->inner, d->avx2 == 2 && !j->exact), d->avx2);
    } else {
      float sum = 0.0f;
      for (int64_t i = 0; i < d->inner; i++) sum += expf(x[i] - mx);
      float ls = logf(sum);
      for (int64_t i = 0; i < d->inner; i++) o[i] = (x[i] - mx) - ls;
    }
  }
}

static TflStatus act_eval(TflContext *ctx, TflNode *node) {
  const ActData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  ActJob j = {d, in->data, out->data, node->op, tfl_exact_math(ctx)};
  const int op = node->op;
  if (op == TFL_OP_SOFTMAX || op == TFL_OP_LOG_SOFTMAX || op == TFL_OP_L2_NORMALIZATION) {
    tfl_parallel_range(ctx, d->outer, 16.0 * (double)d->inner, 1, act_rows, &j);
    return TFL_OK;
  }
  const int cheap = op == TFL_OP_RELU || op == TFL_OP_RELU6 || op == TFL_OP_RELU_N1_TO_1 || op == TFL_OP_RELU_0_TO_1 ||
                    op == TFL_OP_LEAKY_RELU || op == TFL_OP_HARD_SWISH;
  tfl_parallel_range(ctx, tfl_num_elements(in), cheap ? 1.0 : 16.0, TFL_RANGE_ALIGN, act_range, &j);
  return TFL_OK;
}

#define ACT(OP, NAME, MINV, MAXV) {OP, NAME, MINV, MAXV, act_prepare, act_eval}
const TflKernel tfl_kernels_activation_f32[] = {
    ACT(TFL_OP_RELU, "RELU", 1, 3), ACT(TFL_OP_RELU6, "RELU6", 1, 3), ACT(TFL_OP_RELU_N1_TO_1, "RELU_N1_TO_1", 1, 1),
    ACT(TFL_OP_RELU_0_TO_1, "RELU_0_TO_1", 1, 1), ACT(TFL_OP_ELU, "ELU", 1, 1), ACT(TFL_OP_LEAKY_RELU, "LEAKY_RELU", 1, 2),
    ACT(TFL_OP_LOGISTIC, "LOGISTIC", 1, 3), ACT(TFL_OP_TANH, "TANH", 1, 3), ACT(TFL_OP_HARD_SWISH, "HARD_SWISH", 1, 1), ACT(TFL_OP_GELU, "GELU", 1, 2),
    ACT(TFL_OP_SOFTMAX, "SOFTMAX", 1, 3), ACT(TFL_OP_LOG_SOFTMAX, "LOG_SOFTMAX", 1, 2), ACT(TFL_OP_L2_NORMALIZATION, "L2_NORMALIZATION", 1, 2),
    {0, NULL, 0, 0, NULL, NULL},
};
