/* Reductions MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD (float32, int32, int64), REDUCE_ANY/ALL (bool), and
 * ARG_MAX / ARG_MIN (any numeric type). */
#include <float.h>

#include "../cpu.h"
#include "common_f32.h"
#include "par_range.h"

typedef struct {
  int dynamic;
  int rank; /* collapsed */
  int32_t dims[TFL_MAX_RANK];
  int64_t ostride[TFL_MAX_RANK]; /* 0 on reduced dims */
  int64_t count;                 /* elements reduced into each output */
  int64_t nout;
} RedData;

static TflStatus red_shape(TflContext *ctx, TflNode *node, RedData *d) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t axes[64];
  int na = tfl_read_ints(ax, axes, 64);
  if (na < 0) return tfl_error(ctx, "%s: axis must be an int32 tensor with at most 64 elements", name);
  int red[TFL_MAX_RANK] = {0};
  for (int i = 0; i < na; i++) {
    int a = tfl_norm_axis(axes[i], in->rank);
    if (a < 0) return tfl_error(ctx, "%s: axis %lld out of range for rank %d", name, (long long)axes[i], in->rank);
    red[a] = 1;
  }
  int keep = tfl_ReducerOptions(node).keep_dims;
  int32_t od[TFL_MAX_RANK];
  int orank = 0;
  for (int i = 0; i < in->rank; i++) {
    if (!red[i])
      od[orank++] = in->dims[i];
    else if (keep)
      od[orank++] = 1;
  }
  /* collapse input dims into alternating kept/reduced runs */
  d->rank = 0;
  d->count = 1;
  int prev = -1;
  for (int i = 0; i < in->rank; i++) {
    if (red[i]) d->count *= in->dims[i];
    if (in->dims[i] == 1) continue;
    if (red[i] == prev) {
      const int64_t merged = (int64_t)d->dims[d->rank - 1] * in->dims[i]; /* an empty tensor can have huge dims */
      if (merged > INT32_MAX) return tfl_error(ctx, "%s: input dimensions too large", name);
      d->dims[d->rank - 1] = (int32_t)merged;
    } else {
      d->dims[d->rank] = in->dims[i];
      d->ostride[d->rank] = red[i] ? 0 : 1;
      d->rank++;
      prev = red[i];
    }
  }
  if (d->rank == 0) {
    d->dims[0] = 1;
    d->ostride[0] = 1;
    d->rank = 1;
  }
  int64_t s = 1;
  for (int i = d->rank - 1; i >= 0; i--) {
    if (d->ostride[i]) {
      d->ostride[i] = s;
      s *= d->dims[i];
    }
  }
  d->nout = s;
  return tfl_resize(ctx, out, orank, od);
}

static TflStatus red_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !ax || !out) return tfl_error(ctx, "%s: needs input, axis and output", name);
  int t = in->type;
  if (node->op == TFL_OP_REDUCE_ANY || node->op == TFL_OP_REDUCE_ALL) {
    if (t != TFL_BOOL) return tfl_error(ctx, "%s: input must be bool", name);
  } else if (t != TFL_FLOAT32 && t != TFL_INT32 && t != TFL_INT64) {
    return TFL_NOT_MINE;
  }
  if (out->type != t) return tfl_error(ctx, "%s: output type differs from input", name);
  if (!tfl_is_int_type(ax->type)) return tfl_error(ctx, "%s: axis must be int32", name);
  RedData *d = tfl_set_user_data(node, sizeof(RedData));
  if (!tfl_value_known(ax)) {
    d->dynamic = 1;
    out->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return red_shape(ctx, node, d);
}

/* Accumulation over the input in memory order, restricted to indices [i0, i1) of collapsed kept dim s (s < 0: all):
 * every output sees its inputs in the same order whatever the range, so a split over s equals the serial loop bit for
 * bit. acc is indexed by output; the inner collapsed dim is either kept (stride 1) or reduced. */
#define RED_ACC(T, ACC_T, COMBINE)                                                                                    \
  do {                                                                                                                \
    const T *X = x_;                                                                                                  \
    ACC_T *acc = acc_;                                                                                                \
    const int64_t os = d->ostride[r - 1], j0 = lo[r - 1], j1 = hi[r - 1];                                             \
    for (;;) {                                                                                                        \
      const T *x = X + xo;                                                                                            \
      ACC_T *a = acc + ob;                                                                                            \
      if (os) {                                                                                                       \
        for (int64_t i = j0; i < j1; i++) {                                                                           \
          ACC_T v = a[i];                                                                                             \
          ACC_T xv = (ACC_T)x[i];                                                                                     \
          a[i] = COMBINE;                                                                                             \
        }                                                                                                             \
      } else {                                                                                                        \
        ACC_T v = a[0];                                                                                               \
        for (int64_t i = j0; i < j1; i++) {                                                                           \
          ACC_T xv = (ACC_T)x[i];                                                                                     \
          v = COMBINE;                                                                                                \
        }                                                                                                             \
        a[0] = v;                                                                                                     \
      }                                                                                                               \
      int i = r - 2;                                                                                                  \
      for (; i >= 0; i--) {                                                                                           \
        idx[i]++;                                                                                                     \
        xo += istr[i];                                                                                                \
        ob += d->ostride[i];                                                                                          \
        if (idx[i] < hi[i]) break;                                                                                    \
        xo -= istr[i] * (hi[i] - lo[i]);                                                                              \
        ob -= d->ostride[i] * (hi[i] - lo[i]);                                                                        \
        idx[i] = lo[i];                                                                                               \
      }                                                                                                               \
      if (i < 0) break;                                                                                               \
    }                                                                                                                 \
  } while (0)

/* Float SUM / MEAN over a collapsed [rows, cols] input, outputs [j0, j1) of the kept dim, each output's inputs added
 * in memory order as RED_ACC does, in the AVX2 clone's vectors: cols kept (MobileNetV2's global average pool,
 * [49, 1280] -> [1280]) row after row across the columns; rows kept (a layer norm's mean, [64, 128] -> [64]) 8 rows at
 * a time in registers, 8 independent chains instead of one. */
TFL_INLINE void sum2d_body(const float *restrict x, float *restrict acc, int64_t rows, int64_t cols, int keep_cols,
                           int64_t j0, int64_t j1) {
  if (keep_cols) {
    /* in memory order (a streaming read; the sums stay in L1), vectorized across the columns */
    for (int64_t r = 0; r < rows; r++) {
      const float *xr = x + r * cols;
      for (int64_t c = j0; c < j1; c++) acc[c] = acc[c] + xr[c];
    }
    return;
  }
  int64_t o = j0;
  for (; o + 8 <= j1; o += 8) {
    float a[8];
    for (int k = 0; k < 8; k++) a[k] = acc[o + k];
    for (int64_t i = 0; i < cols; i++)
      for (int k = 0; k < 8; k++) a[k] = a[k] + x[(o + k) * cols + i];
    for (int k = 0; k < 8; k++) acc[o + k] = a[k];
  }
  for (; o < j1; o++) {
    float a = acc[o];
    for (int64_t i = 0; i < cols; i++) a = a + x[o * cols + i];
    acc[o] = a;
  }
}
static void sum2d(const float *x, float *acc, int64_t rows, int64_t cols, int keep_cols, int64_t j0, int64_t j1) {
  sum2d_body(x, acc, rows, cols, keep_cols, j0, j1);
}
#if TFL_X86_CLONES
TFL_TARGET_AVX2 static void sum2d_avx2(const float *x, float *acc, int64_t rows, int64_t cols, int keep_cols,
                                       int64_t j0, int64_t j1) {
  sum2d_body(x, acc, rows, cols, keep_cols, j0, j1);
}
#endif

static void red_range(const RedData *d, int op, int type, const void *x_, void *acc_, int s, int64_t i0, int64_t i1) {
  const int r = d->rank;
  if (type == TFL_FLOAT32 && (op == TFL_OP_MEAN || op == TFL_OP_SUM) && r == 2 &&
      (d->ostride[0] == 0) != (d->ostride[1] == 0)) {
    const int keep_cols = d->ostride[1] != 0, k = keep_cols ? 1 : 0;
    const int64_t j0 = s == k ? i0 : 0, j1 = s == k ? i1 : d->dims[k];
#if TFL_X86_CLONES
    if (tfl_isa() >= TFL_ISA_AVX2) {
      sum2d_avx2(x_, acc_, d->dims[0], d->dims[1], keep_cols, j0, j1);
      return;
    }
#endif
    sum2d(x_, acc_, d->dims[0], d->dims[1], keep_cols, j0, j1);
    return;
  }
  int64_t istr[TFL_MAX_RANK], lo[TFL_MAX_RANK], hi[TFL_MAX_RANK], idx[TFL_MAX_RANK];
  int64_t xo = 0, ob = 0;
  istr[r - 1] = 1;
  for (int i = r - 2; i >= 0; i--) istr[i] = istr[i + 1] * d->dims[i + 1];
  for (int i = 0; i < r; i++) {
    lo[i] = i == s ? i0 : 0;
    hi[i] = i == s ? i1 : d->dims[i];
    if (hi[i] <= lo[i]) return; /* nothing to reduce (an empty dim, or an empty range) */
    idx[i] = lo[i];
    if (i < r - 1) {
      xo += lo[i] * istr[i];
      ob += lo[i] * d->ostride[i];
    }
  }
  if (type == TFL_FLOAT32) {
    switch (op) {
      case TFL_OP_MEAN:
      case TFL_OP_SUM: RED_ACC(float, float, v + xv); break;
      case TFL_OP_REDUCE_PROD: RED_ACC(float, float, v * xv); break;
      case TFL_OP_REDUCE_MAX: RED_ACC(float, float, xv > v ? xv : v); break;
      case TFL_OP_REDUCE_MIN: RED_ACC(float, float, xv < v ? xv : v); break;
    }
  } else if (type == TFL_INT32) {
    switch (op) {
      case TFL_OP_MEAN: RED_ACC(int32_t, int64_t, v + xv); break;
      case TFL_OP_SUM: RED_ACC(int32_t, int32_t, (int32_t)((uint32_t)v + (uint32_t)xv)); break;
      case TFL_OP_REDUCE_PROD: RED_ACC(int32_t, int32_t, (int32_t)((uint32_t)v * (uint32_t)xv)); break;
      case TFL_OP_REDUCE_MAX: RED_ACC(int32_t, int32_t, xv > v ? xv : v); break;
      case TFL_OP_REDUCE_MIN: RED_ACC(int32_t, int32_t, xv < v ? xv : v); break;
    }
  } else if (type == TFL_INT64) {
    switch (op) {
      case TFL_OP_MEAN: RED_ACC(int64_t, int64_t, v + xv); break;
      case TFL_OP_SUM: RED_ACC(int64_t, int64_t, (int64_t)((uint64_t)v + (uint64_t)xv)); break;
      case TFL_OP_REDUCE_PROD: RED_ACC(int64_t, int64_t, (int64_t)((uint64_t)v * (uint64_t)xv)); break;
      case TFL_OP_REDUCE_MAX: RED_ACC(int64_t, int64_t, xv > v ? xv : v); break;
      case TFL_OP_REDUCE_MIN: RED_ACC(int64_t, int64_t, xv < v ? xv : v); break;
    }
  } else if (op == TFL_OP_REDUCE_ANY) {
    RED_ACC(uint8_t, uint8_t, (uint8_t)(v | (xv != 0)));
  } else {
    RED_ACC(uint8_t, uint8_t, (uint8_t)(v & (xv != 0)));
  }
}
#undef RED_ACC

typedef struct {
  const RedData *d;
  int op, type, s, ntasks;
  const void *x;
  void *acc;
} RedJob;

static void red_task(void *arg, int task, int thread) {
  const RedJob *j = arg;
  (void)thread;
  const int64_t ext = j->d->dims[j->s];
  red_range(j->d, j->op, j->type, j->x, j->acc, j->s, task * ext / j->ntasks, (task + 1) * ext / j->ntasks);
}

/* Large reductions with a kept dim split over threads by ranges of the longest kept collapsed dim. */
static void red_accumulate(TflContext *ctx, const RedData *d, int op, int type, const void *x, void *acc,
                           int64_t total) {
  int s = -1;
  for (int i = 0; i < d->rank; i++)
    if (d->ostride[i] && (s < 0 || d->dims[i] > d->dims[s])) s = i;
  const int nt = tfl_num_threads(ctx);
  int64_t want = 4 * (int64_t)nt;
  if ((double)total / TFL_MIN_RANGE_WORK < want) want = (int64_t)((double)total / TFL_MIN_RANGE_WORK);
  if (s >= 0 && want > d->dims[s]) want = d->dims[s];
  if (want > nt) want -= want % nt; /* equal shares (3 tasks on 2 threads left one idle a third of the time) */
  if (nt <= 1 || s < 0 || want < 2) {
    red_range(d, op, type, x, acc, -1, 0, 0);
    return;
  }
  RedJob j = {d, op, type, s, (int)want, x, acc};
  tfl_parallel_for(ctx, j.ntasks, red_task, &j);
}

#define RED_RUN(T, ACC_T, INIT, FINAL)                                                                                \
  do {                                                                                                                \
    T *O = out->data;                                                                                                 \
    ACC_T *acc = malloc(sizeof(ACC_T) * (size_t)(d->nout ? d->nout : 1));                                             \
    if (!acc) return tfl_error(ctx, "%s: out of memory", tfl_op_name(op));                                            \
    for (int64_t i = 0; i < d->nout; i++) acc[i] = (INIT);                                                            \
    if (total > 0) red_accumulate(ctx, d, op, in->type, in->data, acc, total);                                        \
    for (int64_t i = 0; i < d->nout; i++) {                                                                           \
      ACC_T v = acc[i];                                                                                               \
      O[i] = (T)(FINAL);                                                                                              \
    }                                                                                                                 \
    free(acc);                                                                                                        \
  } while (0)

static TflStatus red_eval(TflContext *ctx, TflNode *node) {
  RedData *d = node->user_data;
  if (d->dynamic && red_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t total = tfl_num_elements(in);
  int op = node->op;
  float cnt = (float)d->count;
  if (in->type == TFL_FLOAT32) {
    switch (op) {
      case TFL_OP_MEAN: RED_RUN(float, float, 0.0f, d->count ? v / cnt : NAN); break;
      case TFL_OP_SUM: RED_RUN(float, float, 0.0f, v); break;
      case TFL_OP_REDUCE_PROD: RED_RUN(float, float, 1.0f, v); break;
      case TFL_OP_REDUCE_MAX: RED_RUN(float, float, -INFINITY, v); break;
      case TFL_OP_REDUCE_MIN: RED_RUN(float, float, INFINITY, v); break;
    }
  } else if (in->type == TFL_INT32) {
    switch (op) {
      case TFL_OP_MEAN: RED_RUN(int32_t, int64_t, 0, d->count ? v / d->count : 0); break;
      case TFL_OP_SUM: RED_RUN(int32_t, int32_t, 0, v); break;
      case TFL_OP_REDUCE_PROD: RED_RUN(int32_t, int32_t, 1, v); break;
      case TFL_OP_REDUCE_MAX: RED_RUN(int32_t, int32_t, INT32_MIN, v); break;
      case TFL_OP_REDUCE_MIN: RED_RUN(int32_t, int32_t, INT32_MAX, v); break;
    }
  } else if (in->type == TFL_INT64) {
    switch (op) {
      case TFL_OP_MEAN: RED_RUN(int64_t, int64_t, 0, d->count ? v / d->count : 0); break;
      case TFL_OP_SUM: RED_RUN(int64_t, int64_t, 0, v); break;
      case TFL_OP_REDUCE_PROD: RED_RUN(int64_t, int64_t, 1, v); break;
      case TFL_OP_REDUCE_MAX: RED_RUN(int64_t, int64_t, INT64_MIN, v); break;
      case TFL_OP_REDUCE_MIN: RED_RUN(int64_t, int64_t, INT64_MAX, v); break;
    }
  } else {
    if (op == TFL_OP_REDUCE_ANY)
      RED_RUN(uint8_t, uint8_t, 0, v);
    else
      RED_RUN(uint8_t, uint8_t, 1, v);
  }
  return TFL_OK;
}

static TflStatus red_prepare(TflContext *ctx, TflNode *node) {
  TflStatus st = red_prepare_(ctx, node);
  return st == TFL_OK ? tfl_try_fold(ctx, node, red_eval) : st;
}

/* ---------------------------------------------------------------------------------------- ARG_MAX/ARG_MIN */

typedef struct {
  int dynamic;
  int64_t outer, n, inner;
} ArgData;

static TflStatus arg_shape(TflContext *ctx, TflNode *node, ArgData *d) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t a = 0;
  if (tfl_read_ints(ax, &a, 1) != 1) return tfl_error(ctx, "%s: axis must hold exactly one int", name);
  int axis = tfl_norm_axis(a, in->rank);
  if (axis < 0) return tfl_error(ctx, "%s: axis %lld out of range", name, (long long)a);
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  for (int i = 0; i < in->rank; i++)
    if (i != axis) od[r++] = in->dims[i];
  d->outer = tfl_prod(in->dims, 0, axis);
  d->n = in->dims[axis];
  d->inner = tfl_prod(in->dims, axis + 1, in->rank);
  if (d->n <= 0) return tfl_error(ctx, "%s: reduced axis is empty", name);
  return tfl_resize(ctx, out, r, od);
}

static TflStatus arg_prepare(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !ax || !out) return tfl_error(ctx, "%s: needs input, axis and output", name);
  switch (in->type) {
    case TFL_FLOAT32: case TFL_INT32: case TFL_INT64: case TFL_INT8: case TFL_UINT8: case TFL_INT16: case TFL_BOOL: break;
    default: return tfl_error(ctx, "%s: unsupported input type %d", name, in->type);
  }
  if (out->type != TFL_INT32 && out->type != TFL_INT64) return tfl_error(ctx, "%s: output must be int32 or int64", name);
  ArgData *d = tfl_set_user_data(node, sizeof(ArgData));
  if (!tfl_value_known(ax)) {
    d->dynamic = 1;
    out->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return arg_shape(ctx, node, d);
}

#define ARG_RUN(T)                                                              \
  do {                                                                        \
    const T *X = in->data;                                                    \
    for (int64_t o = 0; o < d->outer; o++)                                    \
      for (int64_t j = 0; j < d->inner; j++) {                                \
        const T *x = X + o * d->n * d->inner + j;                             \
        T best = x[0];                                                        \
        int64_t bi = 0;                                                       \
        for (int64_t k = 1; k < d->n; k++) {                                  \
          T v = x[k * d->inner];                                              \
          if (is_max ? v > best : v < best) {                                 \
            best = v;                                                         \
            bi = k;                                                           \
          }                                                                   \
        }                                                                     \
        if (o64)                                                              \
          ((int64_t *)out->data)[o * d->inner + j] = bi;                      \
        else                                                                  \
          ((int32_t *)out->data)[o * d->inner + j] = (int32_t)bi;             \
      }                                                                       \
  } while (0)

static TflStatus arg_eval(TflContext *ctx, TflNode *node) {
  ArgData *d = node->user_data;
  if (d->dynamic && arg_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int is_max = node->op == TFL_OP_ARG_MAX, o64 = out->type == TFL_INT64;
  switch (in->type) {
    case TFL_FLOAT32: ARG_RUN(float); break;
    case TFL_INT32: ARG_RUN(int32_t); break;
    case TFL_INT64: ARG_RUN(int64_t); break;
    case TFL_INT8: ARG_RUN(int8_t); break;
    case TFL_INT16: ARG_RUN(int16_t); break;
    default: ARG_RUN(uint8_t); break;
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ CUMSUM */

typedef struct {
  int64_t outer, n, inner;
  int exclusive, reverse;
} CumData;

static TflStatus cum_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !ax || !out) return tfl_error(ctx, "CUMSUM: needs input, axis and output");
  if (in->type != TFL_FLOAT32 && in->type != TFL_INT32 && in->type != TFL_INT64) return TFL_NOT_MINE;
  if (out->type != in->type) return tfl_error(ctx, "CUMSUM: output type differs from input");
  int64_t a = 0;
  if (!tfl_value_known(ax) || tfl_read_ints(ax, &a, 1) != 1) return tfl_error(ctx, "CUMSUM: axis must be a constant int");
  int axis = tfl_norm_axis(a, in->rank);
  if (axis < 0) return tfl_error(ctx, "CUMSUM: axis %lld out of range", (long long)a);
  CumData *d = tfl_set_user_data(node, sizeof(CumData));
  d->outer = tfl_prod(in->dims, 0, axis);
  d->n = in->dims[axis];
  d->inner = tfl_prod(in->dims, axis + 1, in->rank);
  const TflCumsumOptions o = tfl_CumsumOptions(node);
  d->exclusive = o.exclusive;
  d->reverse = o.reverse;
  return tfl_resize(ctx, out, in->rank, in->dims);
}

#define CUM_RUN(T)                                                                       \
  do {                                                                                   \
    const T *X = in->data;                                                               \
    T *O = out->data;                                                                    \
    for (int64_t o = 0; o < d->outer; o++)                                               \
      for (int64_t j = 0; j < d->inner; j++) {                                           \
        T acc = 0;                                                                       \
        for (int64_t k0 = 0; k0 < d->n; k0++) {                                          \
          int64_t k = d->reverse ? d->n - 1 - k0 : k0;                                   \
          int64_t idx = (o * d->n + k) * d->inner + j;                                   \
          if (d->exclusive) {                                                            \
            O[idx] = acc;                                                                \
            acc += X[idx];                                                               \
          } else {                                                                       \
            acc += X[idx];                                                               \
            O[idx] = acc;                                                                \
          }                                                                              \
        }                                                                                \
      }                                                                                  \
  } while (0)

static TflStatus cum_eval(TflContext *ctx, TflNode *node) {
  const CumData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (in->type == TFL_FLOAT32) CUM_RUN(float);
  else if (in->type == TFL_INT32) CUM_RUN(int32_t);
  else CUM_RUN(int64_t);
  return TFL_OK;
}

const TflKernel tfl_kernels_reduce_f32[] = {
    {TFL_OP_CUMSUM, "CUMSUM", 1, 1, cum_prepare, cum_eval},
    {TFL_OP_MEAN, "MEAN", 1, 3, red_prepare, red_eval},
    {TFL_OP_SUM, "SUM", 1, 2, red_prepare, red_eval},
    {TFL_OP_REDUCE_MAX, "REDUCE_MAX", 1, 3, red_prepare, red_eval},
    {TFL_OP_REDUCE_MIN, "REDUCE_MIN", 1, 3, red_prepare, red_eval},
    {TFL_OP_REDUCE_PROD, "REDUCE_PROD", 1, 2, red_prepare, red_eval},
    {TFL_OP_REDUCE_ANY, "REDUCE_ANY", 1, 1, red_prepare, red_eval},
    {TFL_OP_REDUCE_ALL, "REDUCE_ALL", 1, 1, red_prepare, red_eval},
    {TFL_OP_ARG_MAX, "ARG_MAX", 1, 3, arg_prepare, arg_eval},
    {TFL_OP_ARG_MIN, "ARG_MIN", 1, 3, arg_prepare, arg_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
