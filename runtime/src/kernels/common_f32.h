/* Helpers shared by the float32 and shape kernel families (header-only, static inline). */
#ifndef TFL_COMMON_F32_H
#define TFL_COMMON_F32_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tflrt.h"

/* Runtime-dispatched AVX2+FMA clones (FMA only where a file allows contraction; gemm.c and conv_f32.c do not): the same C body compiled twice, chosen by CPUID at run time, so the build
 * never needs -mavx2 and still runs on any x86-64. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TFL_X86_CLONES 1
#define TFL_TARGET_AVX2 __attribute__((target("avx2,fma")))
static inline int tfl_cpu_has_avx2(void) {
  static int has = -1;
  if (has < 0) {
    /* TFLRT_DISABLE_AVX2=1 forces the baseline clones (used by the tests to cover them) */
    const char *env = getenv("TFLRT_DISABLE_AVX2");
    __builtin_cpu_init();
    has = !(env && env[0] == '1') && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return has;
}
#else
#define TFL_X86_CLONES 0
#define TFL_TARGET_AVX2
static inline int tfl_cpu_has_avx2(void) { return 0; }
#endif
#define TFL_INLINE static inline __attribute__((always_inline))

/* 8-lane float vectors (GCC vector extension): one ymm register in the AVX2 clones, two xmm otherwise. */
typedef float tfl_v8f __attribute__((vector_size(32)));
typedef int32_t tfl_v8i __attribute__((vector_size(32)));
#define TFL_LD8(v, p) memcpy(&(v), (p), sizeof(tfl_v8f))
#define TFL_ST8(p, v) memcpy((p), &(v), sizeof(tfl_v8f))
/* Vector expf: Cody-Waite reduction by ln2 and a degree-6 polynomial, within ~2 ulp of libm's expf on
 * [-87.3, 88]; inputs are clamped to that range (so larger arguments give 1.65e38, smaller ~1.6e-38). */
TFL_INLINE void tfl_vexp(tfl_v8f *restrict y, const tfl_v8f *restrict xp) {
  const tfl_v8f hi = {88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f};
  const tfl_v8f lo = {-87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f};
  tfl_v8f x = *xp;
  x = (tfl_v8f)(((x > hi) & (tfl_v8i)hi) | (~(x > hi) & (tfl_v8i)x));
  x = (tfl_v8f)(((x < lo) & (tfl_v8i)lo) | (~(x < lo) & (tfl_v8i)x));
  const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
  tfl_v8f t = x * 1.44269504088896341f + magic;
  tfl_v8f n = t - magic;
  tfl_v8f r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  tfl_v8f p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  tfl_v8i ni = __builtin_convertvector(n, tfl_v8i);
  tfl_v8i bits = (ni + 127) << 23;
  *y = p * (tfl_v8f)bits;
}

/* lane-wise m ? a : b for a mask m from a vector comparison */
#define TFL_VSEL(m, a, b) ((tfl_v8f)(((m) & (tfl_v8i)(a)) | (~(m) & (tfl_v8i)(b))))

static inline int tfl_is_f32(const TflTensor *t) { return t && t->type == TFL_FLOAT32; }

static inline int64_t tfl_prod(const int32_t *d, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; i++) p *= d[i];
  return p;
}

/* Output size and leading padding for one spatial dimension (tflite/kernels/padding.h). */
static inline int tfl_conv_out_size(int padding, int in, int f, int s, int d) {
  int64_t eff = ((int64_t)f - 1) * d + 1;
  if (s <= 0 || in < 0) return 0;
  if (padding == TFL_PAD_SAME) return (int)(((int64_t)in + s - 1) / s);
  return in >= eff ? (int)(((int64_t)in + s - eff) / s) : 0;
}
static inline int tfl_conv_pad(int in, int out, int f, int s, int d) {
  int64_t eff = ((int64_t)f - 1) * d + 1;
  int64_t total = ((int64_t)out - 1) * s + eff - in;
  if (total > INT32_MAX) total = INT32_MAX;
  return total > 0 ? (int)(total / 2) : 0;
}

static inline float tfl_clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* sum_k w[k] x[k] in order, from 0 (the reference kernels' serial dot products: LSTM / RNN gates) */
static inline float tfl_dot_serial(const float *w, const float *x, int n) {
  float s = 0.0f;
  for (int k = 0; k < n; k++) s += w[k] * x[k];
  return s;
}

/* Reads a 1-D integer tensor (int32 or int64) into out; returns element count or -1. */
static inline int tfl_read_ints(const TflTensor *t, int64_t *out, int cap) {
  if (!t || !t->data) return -1;
  int64_t n = tfl_num_elements(t);
  if (n > cap) return -1;
  if (t->type == TFL_INT32) {
    for (int64_t i = 0; i < n; i++) out[i] = ((const int32_t *)t->data)[i];
  } else if (t->type == TFL_INT64) {
    for (int64_t i = 0; i < n; i++) out[i] = ((const int64_t *)t->data)[i];
  } else {
    return -1;
  }
  return (int)n;
}
static inline int tfl_is_int_type(int32_t type) { return type == TFL_INT32 || type == TFL_INT64; }
/* The value of t is fixed for the model's lifetime (constant buffer). */
static inline int tfl_is_const(const TflTensor *t) { return t && t->data && t->alloc == TFL_ALLOC_CONST; }
/* The value of t is known at prepare time: a constant, or a persistent tensor folded at prepare (shape math). */
static inline int tfl_value_known(const TflTensor *t) {
  return t && t->data && !t->is_variable && (t->alloc == TFL_ALLOC_CONST || t->alloc == TFL_ALLOC_PERSISTENT);
}

/* Constant folding of small integer shape computations at prepare (as LiteRT does for SHAPE and friends): when every
 * input value is known and every output is a small int32/int64/bool tensor, the outputs become persistent tensors
 * filled right away by eval(), so ops consuming them (RESHAPE, ...) get static shapes instead of dynamic ones.
 * Call at the end of a successful prepare (output shapes already set). Returns TFL_OK also when nothing was folded. */
#define TFL_FOLD_MAX_ELEMENTS 4096
/* Makes output o a persistent tensor holding its current shape, with its buffer allocated now. Returns 1 on success. */
static inline int tfl_make_persistent(TflContext *ctx, TflTensor *o) {
  int32_t dims[TFL_MAX_RANK], rank = o->rank, zero = 0;
  memcpy(dims, o->dims, sizeof dims);
  int32_t prev = o->alloc;
  o->alloc = TFL_ALLOC_PERSISTENT;
  /* resizing to a different shape first makes the interpreter (re)allocate the persistent buffer */
  if (tfl_resize(ctx, o, 1, &zero) != TFL_OK || tfl_resize(ctx, o, rank, dims) != TFL_OK) return 0;
  if (!o->data && o->bytes) {
    o->alloc = prev == TFL_ALLOC_PERSISTENT ? TFL_ALLOC_ARENA : prev;
    return 0;
  }
  return 1;
}

static inline TflStatus tfl_try_fold_ex(TflContext *ctx, TflNode *node, TflStatus (*eval)(TflContext *, TflNode *),
                                        int shape_only) {
  for (int i = 0; i < node->ninputs && !shape_only; i++) {
    if (node->inputs[i] < 0) continue;
    if (!tfl_value_known(tfl_input(ctx, node, i))) return TFL_OK;
  }
  if (node->noutputs < 1) return TFL_OK;
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    if (!o || (o->type != TFL_INT32 && o->type != TFL_INT64 && o->type != TFL_BOOL)) return TFL_OK;
    if (o->alloc != TFL_ALLOC_ARENA && o->alloc != TFL_ALLOC_PERSISTENT && o->alloc != TFL_ALLOC_NONE) return TFL_OK;
    if (tfl_num_elements(o) > TFL_FOLD_MAX_ELEMENTS) return TFL_OK;
  }
  for (int i = 0; i < node->noutputs; i++)
    if (!tfl_make_persistent(ctx, tfl_output(ctx, node, i))) return TFL_OK;
  if (tfl_check_fold_work(ctx, node) != TFL_OK) return TFL_ERROR;
  return eval(ctx, node);
}
static inline TflStatus tfl_try_fold(TflContext *ctx, TflNode *node, TflStatus (*eval)(TflContext *, TflNode *)) {
  return tfl_try_fold_ex(ctx, node, eval, 0);
}

/* numpy broadcasting of two shapes; returns rank or -1 when incompatible. */
static inline int tfl_broadcast_shape(const TflTensor *a, const TflTensor *b, int32_t *out) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else
      return -1;
  }
  return r;
}

/* Broadcast iteration plan: outer index space over dims[0..r-2], inner contiguous run over the last dim. */
typedef struct {
  int rank; /* >= 1 */
  int32_t dims[TFL_MAX_RANK];
  int64_t sa[TFL_MAX_RANK], sb[TFL_MAX_RANK]; /* element strides, 0 where broadcast */
} TflBcast;

static inline void tfl_bcast_plan(const TflTensor *a, const TflTensor *b, const int32_t *od, int r, TflBcast *p) {
  /* collapse adjacent dims with the same broadcast pattern */
  int32_t dims[TFL_MAX_RANK];
  int64_t sa[TFL_MAX_RANK], sb[TFL_MAX_RANK];
  int64_t ca = 1, cb = 1;
  for (int i = r - 1; i >= 0; i--) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    dims[i] = od[i];
    sa[i] = (da == 1 && od[i] != 1) ? 0 : ca;
    sb[i] = (db == 1 && od[i] != 1) ? 0 : cb;
    ca *= da;
    cb *= db;
  }
  int n = 0;
  for (int i = 0; i < r; i++) {
    if (dims[i] == 1) continue;
    if (n > 0 && ((sa[i] == 0) == (p->sa[n - 1] == 0)) && ((sb[i] == 0) == (p->sb[n - 1] == 0))) {
      p->dims[n - 1] *= dims[i];
      p->sa[n - 1] = sa[i];
      p->sb[n - 1] = sb[i];
      continue;
    }
    p->dims[n] = dims[i];
    p->sa[n] = sa[i];
    p->sb[n] = sb[i];
    n++;
  }
  if (n == 0) {
    p->dims[0] = 1;
    p->sa[0] = 0;
    p->sb[0] = 0;
    n = 1;
  }
  p->rank = n;
}

/* Calls fn(ctxp, offset_a, offset_b, offset_out, inner_count, inner_stride_a, inner_stride_b) per inner run. */
typedef void (*TflBcastRowFn)(void *ctxp, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb);
static inline void tfl_bcast_run(const TflBcast *p, TflBcastRowFn fn, void *ctxp) {
  int r = p->rank;
  int64_t inner = p->dims[r - 1];
  int64_t outer = 1;
  for (int i = 0; i < r - 1; i++) outer *= p->dims[i];
  int64_t idx[TFL_MAX_RANK] = {0};
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < outer; o++) {
    fn(ctxp, oa, ob, o * inner, inner, p->sa[r - 1], p->sb[r - 1]);
    for (int i = r - 2; i >= 0; i--) {
      idx[i]++;
      oa += p->sa[i];
      ob += p->sb[i];
      if (idx[i] < p->dims[i]) break;
      oa -= p->sa[i] * p->dims[i];
      ob -= p->sb[i] * p->dims[i];
      idx[i] = 0;
    }
  }
}

static inline void *tfl_zalloc(size_t n) { return calloc(1, n ? n : 1); }

/* Stores a malloc'ed user_data with plain free(). */
static inline void *tfl_set_user_data(TflNode *node, size_t bytes) {
  if (node->user_data && node->free_user_data) node->free_user_data(node->user_data);
  node->user_data = tfl_zalloc(bytes);
  node->free_user_data = free;
  return node->user_data;
}

/* Normalizes an axis against rank; returns -1 when out of range. */
static inline int tfl_norm_axis(int64_t axis, int rank) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return -1;
  return (int)axis;
}

#endif
