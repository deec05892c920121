/* Float32 activations: RELU family, ELU, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH, GELU, SOFTMAX, LOG_SOFTMAX,
 * L2_NORMALIZATION. */
#include <float.h>

#include "common_f32.h"

typedef struct {
  float p; /* alpha / beta */
  int flag;
  int64_t outer, inner;
  float lo, hi;
} ActData;

static TflStatus act_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "activation op %d: missing input or output", node->op);
  if (!tfl_is_f32(in)) return TFL_NOT_MINE;
  if (!tfl_is_f32(out)) return tfl_error(ctx, "activation op %d: output must be float32", node->op);
  ActData *d = tfl_set_user_data(node, sizeof(ActData));
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


static float gelu(float x, int approx) {
  if (approx) return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
  return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
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
  for (int64_t i = 0; i < n; i += 8) {
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
TFL_TARGET_AVX2 static void exp_shift_avx2(const float *x, float *o, int64_t n, float mx, float beta) {
  exp_shift_body(x, o, n, mx, beta);
}
#endif
static void logistic_vec(const float *x, float *o, int64_t n) {
#if TFL_X86_CLONES
  if (tfl_cpu_has_avx2()) {
    logistic_avx2(x, o, n);
    return;
  }
#endif
  logistic_default(x, o, n);
}
static void exp_shift(const float *x, float *o, int64_t n, float mx, float beta) {
#if TFL_X86_CLONES
  if (tfl_cpu_has_avx2()) {
    exp_shift_avx2(x, o, n, mx, beta);
    return;
  }
#endif
  exp_shift_default(x, o, n, mx, beta);
}

static TflStatus act_eval(TflContext *ctx, TflNode *node) {
  const ActData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const float *restrict X = in->data;
  float *restrict O = out->data;
  int64_t n = tfl_num_elements(in);
  switch (node->op) {
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
      if (tfl_exact_math(ctx))
        ACT_LOOP(logistic_exact(x));
      else
        logistic_vec(X, O, n);
      break;
    case TFL_OP_TANH: ACT_LOOP(tanhf(x)); break;
    case TFL_OP_HARD_SWISH: ACT_LOOP(x * fminf(6.0f, fmaxf(0.0f, x + 3.0f)) / 6.0f); break;
    case TFL_OP_GELU: {
      const int ap = d->flag;
      ACT_LOOP(gelu(x, ap));
      break;
    }
    case TFL_OP_SOFTMAX:
    case TFL_OP_LOG_SOFTMAX:
      for (int64_t r = 0; r < d->outer; r++) {
        const float *x = X + r * d->inner;
        float *o = O + r * d->inner;
        float mx = -FLT_MAX;
        for (int64_t i = 0; i < d->inner; i++) mx = x[i] > mx ? x[i] : mx;
        if (node->op == TFL_OP_SOFTMAX) {
          float sum = 0.0f;
          if (tfl_exact_math(ctx))
            for (int64_t i = 0; i < d->inner; i++) o[i] = expf((x[i] - mx) * d->p);
          else
            exp_shift(x, o, d->inner, mx, d->p);
          for (int64_t i = 0; i < d->inner; i++) sum += o[i];
          for (int64_t i = 0; i < d->inner; i++) o[i] /= sum;
        } else {
          float sum = 0.0f;
          for (int64_t i = 0; i < d->inner; i++) sum += expf(x[i] - mx);
          float ls = logf(sum);
          for (int64_t i = 0; i < d->inner; i++) o[i] = (x[i] - mx) - ls;
        }
      }
      break;
    case TFL_OP_L2_NORMALIZATION:
      for (int64_t r = 0; r < d->outer; r++) {
        const float *x = X + r * d->inner;
        float *o = O + r * d->inner;
        float ss = 0.0f;
        for (int64_t i = 0; i < d->inner; i++) ss += x[i] * x[i];
        float norm = sqrtf(ss);
        if (norm < 1e-6f) norm = 1e-6f;
        for (int64_t i = 0; i < d->inner; i++) o[i] = tfl_clampf(x[i] / norm, d->lo, d->hi);
      }
      break;
  }
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
