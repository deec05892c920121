/* Helpers shared by the data-movement kernel families (reshape, strided_view, concat_split, pad, gather, tile,
 * cast, generate, select): element types copied by size, quantization equality, row-major strides, a multi-index
 * odometer, strided copies, and the deferral of value-dependent output shapes to eval. */
#ifndef TFL_SHAPE_COMMON_H
#define TFL_SHAPE_COMMON_H

#include "common_f32.h"

static inline int data_type_ok(int32_t t) {
  switch (t) {
    case TFL_FLOAT32: case TFL_INT32: case TFL_INT64: case TFL_INT8: case TFL_INT16: case TFL_UINT8: case TFL_BOOL:
    case TFL_FLOAT16: case TFL_UINT16: case TFL_UINT32: case TFL_UINT64: case TFL_FLOAT64:
      return 1;
    default:
      return 0;
  }
}

static inline int same_quant(const TflTensor *a, const TflTensor *b) {
  if (a->nq == 0 && b->nq == 0) return 1;
  if (a->nq != 1 || b->nq != 1) return a->nq == b->nq;
  return a->scales[0] == b->scales[0] && a->zero_points[0] == b->zero_points[0];
}

/* Row-major element strides of dims[0..rank) into st; returns the element count. */
static inline int64_t row_strides(const int32_t *dims, int rank, int64_t *st) {
  int64_t acc = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= dims[i];
  }
  return acc;
}

/* Multi-index over dims[0..rank) (last index fastest) that keeps up to three flat offsets, off[k] = sum over i of
 * idx[i] * stride[k][i], current as it steps; wraps to all zeros after the last index. */
typedef struct {
  int rank, n;
  const int32_t *dims;
  const int64_t *stride[3];
  int64_t off[3];
  int64_t idx[TFL_MAX_RANK];
} Odometer;

static inline void odo_init(Odometer *o, const int32_t *dims, int rank, int n, const int64_t *s0, const int64_t *s1,
                     const int64_t *s2, int64_t base0) {
  o->rank = rank;
  o->n = n;
  o->dims = dims;
  o->stride[0] = s0;
  o->stride[1] = s1;
  o->stride[2] = s2;
  o->off[0] = base0;
  o->off[1] = o->off[2] = 0;
  for (int i = 0; i < rank; i++) o->idx[i] = 0;
}

static inline void odo_next(Odometer *o) {
  for (int i = o->rank - 1; i >= 0; i--) {
    for (int k = 0; k < o->n; k++) o->off[k] += o->stride[k][i];
    if (++o->idx[i] < o->dims[i]) return;
    for (int k = 0; k < o->n; k++) o->off[k] -= o->stride[k][i] * o->dims[i];
    o->idx[i] = 0;
  }
}

/* Copies out[idx] = in[base + sum idx[i]*istride[i]] over vdims (element size es). */
static inline void strided_copy(const char *in, int64_t base, const int64_t *istride, const int32_t *dims, int rank, char *out,
                         size_t es) {
  int64_t total = 1;
  for (int i = 0; i < rank; i++) total *= dims[i];
  if (total == 0) return;
  if (rank == 0) {
    memcpy(out, in + base * es, es);
    return;
  }
  int64_t inner = dims[rank - 1], is = istride[rank - 1];
  int64_t outer = total / inner;
  Odometer od; /* over the outer dims */
  odo_init(&od, dims, rank - 1, 1, istride, NULL, NULL, base);
  for (int64_t o = 0; o < outer; o++, odo_next(&od)) {
    char *dst = out + o * inner * es;
    const char *src = in + od.off[0] * es;
    if (is == 1) {
      memcpy(dst, src, (size_t)inner * es);
    } else {
      switch (es) {
        case 1: for (int64_t i = 0; i < inner; i++) dst[i] = src[i * is]; break;
        case 2: for (int64_t i = 0; i < inner; i++) ((int16_t *)dst)[i] = *(const int16_t *)(src + i * is * 2); break;
        case 4: for (int64_t i = 0; i < inner; i++) ((int32_t *)dst)[i] = *(const int32_t *)(src + i * is * 4); break;
        case 8: for (int64_t i = 0; i < inner; i++) ((int64_t *)dst)[i] = *(const int64_t *)(src + i * is * 8); break;
        default: for (int64_t i = 0; i < inner; i++) memcpy(dst + i * es, src + i * is * (int64_t)es, es);
      }
    }
  }
}

/* Value-dependent inputs: compute the output shape now if they are constant, else mark the output dynamic and
 * compute it in eval (*dynamic records which). Returns 1 when deferred. */
static inline int defer_shape(TflTensor *out, int *dynamic, int known) {
  if (known) return 0;
  *dynamic = 1;
  if (out) out->alloc = TFL_ALLOC_DYNAMIC;
  return 1;
}

/* Element i of an int32 or int64 tensor. */
static inline int64_t int_at(const TflTensor *t, int64_t i) {
  return t->type == TFL_INT64 ? ((const int64_t *)t->data)[i] : ((const int32_t *)t->data)[i];
}

/* A prepare that computes shapes (name##_prepare_) and then folds the node when every input is constant. */
#define TFL_FOLDING_PREPARE(name)                                   \
  static TflStatus name##_prepare(TflContext *ctx, TflNode *node) { \
    TflStatus st = name##_prepare_(ctx, node);                     \
    if (st != TFL_OK) return st;                                   \
    return tfl_try_fold(ctx, node, name##_eval);                   \
  }

#endif
