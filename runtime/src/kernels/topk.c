/* TOPK_V2: the k largest entries of every row along the last dimension, in descending order, a tie going to the lower
 * index first (tf.math.top_k / LiteRT's topk_v2). Values float32, uint8, int8, int16, int32, int64 (quantized values
 * are copied, so int8 is bit-exact); k an int32 or int16 scalar; indices int32 or int16 (version 3).
 * Each row is ranked by a stable merge sort of its indices, which keeps equal values in index order. */
#include "shape_common.h"

typedef struct {
  int dynamic; /* k is only known at eval */
} TopKData;

static TflStatus topk_shape(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *kt = tfl_input(ctx, node, 1);
  const int64_t k = kt->type == TFL_INT16 ? *(const int16_t *)kt->data : *(const int32_t *)kt->data;
  const int32_t last = in->dims[in->rank - 1];
  if (k < 0 || k > last) return tfl_error(ctx, "TOPK_V2: k = %lld outside [0, %d], the last dimension", (long long)k, last);
  int32_t od[TFL_MAX_RANK];
  memcpy(od, in->dims, sizeof(int32_t) * (size_t)in->rank);
  od[in->rank - 1] = (int32_t)k;
  for (int i = 0; i < 2; i++)
    if (tfl_resize(ctx, tfl_output(ctx, node, i), in->rank, od) != TFL_OK) return TFL_ERROR;
  return TFL_OK;
}

static TflStatus topk_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *kt = tfl_input(ctx, node, 1);
  TflTensor *values = tfl_output(ctx, node, 0), *indices = tfl_output(ctx, node, 1);
  if (!in || !kt || !values || !indices) return tfl_error(ctx, "TOPK_V2: needs input and k, values and indices");
  switch (in->type) {
    case TFL_FLOAT32: case TFL_UINT8: case TFL_INT8: case TFL_INT16: case TFL_INT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "TOPK_V2: unsupported input type %s", tfl_type_name(in->type));
  }
  if (values->type != in->type) return tfl_error(ctx, "TOPK_V2: values must have the input's type");
  if (indices->type != TFL_INT32 && indices->type != TFL_INT16) return tfl_error(ctx, "TOPK_V2: indices must be int32 or int16");
  if ((kt->type != TFL_INT32 && kt->type != TFL_INT16) || tfl_num_elements(kt) != 1)
    return tfl_error(ctx, "TOPK_V2: k must be an int32 or int16 scalar");
  if (in->rank < 1) return tfl_error(ctx, "TOPK_V2: input must have rank >= 1");
  if (indices->type == TFL_INT16 && in->dims[in->rank - 1] > INT16_MAX + 1)
    return tfl_error(ctx, "TOPK_V2: int16 indices cannot address a last dimension of %d", in->dims[in->rank - 1]);
  TopKData *d = tfl_set_user_data(node, sizeof(TopKData));
  if (!tfl_value_known(kt)) {
    d->dynamic = 1;
    values->alloc = indices->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return topk_shape(ctx, node);
}

/* Sorts order[0..n) (indices into row) by row value, descending; stable, so equal values keep index order. */
#define DEFINE_RANK_ROW(NAME, T)                                                            \
  static void NAME(const T *row, int32_t *order, int32_t *tmp, int32_t n) {                 \
    for (int32_t i = 0; i < n; i++) order[i] = i;                                           \
    for (int32_t width = 1; width < n; width *= 2) {                                        \
      for (int32_t lo = 0; lo < n; lo += 2 * width) {                                       \
        int32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n; \
        int32_t a = lo, b = mid, o = lo;                                                    \
        while (a < mid && b < hi) tmp[o++] = row[order[b]] > row[order[a]] ? order[b++] : order[a++]; \
        while (a < mid) tmp[o++] = order[a++];                                              \
        while (b < hi) tmp[o++] = order[b++];                                               \
      }                                                                                     \
      memcpy(order, tmp, sizeof(int32_t) * (size_t)n);                                      \
    }                                                                                       \
  }
DEFINE_RANK_ROW(rank_f32, float)
DEFINE_RANK_ROW(rank_u8, uint8_t)
DEFINE_RANK_ROW(rank_i8, int8_t)
DEFINE_RANK_ROW(rank_i16, int16_t)
DEFINE_RANK_ROW(rank_i32, int32_t)
DEFINE_RANK_ROW(rank_i64, int64_t)
#undef DEFINE_RANK_ROW

static TflStatus topk_eval(TflContext *ctx, TflNode *node) {
  const TopKData *d = node->user_data;
  if (d->dynamic && topk_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *values = tfl_output(ctx, node, 0), *indices = tfl_output(ctx, node, 1);
  const int32_t n = in->dims[in->rank - 1], k = values->dims[values->rank - 1];
  const int64_t rows = n ? tfl_num_elements(in) / n : 0;
  const size_t es = tfl_type_size(in->type);
  int32_t *order = tfl_eval_scratch(ctx, sizeof(int32_t) * 2 * (size_t)(n ? n : 1));
  if (!order) return tfl_error(ctx, "TOPK_V2: out of memory");
  for (int64_t r = 0; r < rows; r++) {
    const char *row = (const char *)in->data + (size_t)r * (size_t)n * es;
    switch (in->type) {
      case TFL_FLOAT32: rank_f32((const float *)row, order, order + n, n); break;
      case TFL_UINT8: rank_u8((const uint8_t *)row, order, order + n, n); break;
      case TFL_INT8: rank_i8((const int8_t *)row, order, order + n, n); break;
      case TFL_INT16: rank_i16((const int16_t *)row, order, order + n, n); break;
      case TFL_INT32: rank_i32((const int32_t *)row, order, order + n, n); break;
      default: rank_i64((const int64_t *)row, order, order + n, n); break;
    }
    char *vout = (char *)values->data + (size_t)r * (size_t)k * es;
    for (int32_t j = 0; j < k; j++) {
      memcpy(vout + (size_t)j * es, row + (size_t)order[j] * es, es);
      if (indices->type == TFL_INT16) ((int16_t *)indices->data)[r * k + j] = (int16_t)order[j];
      else ((int32_t *)indices->data)[r * k + j] = order[j];
    }
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_topk[] = {
    {TFL_OP_TOPK_V2, "TOPK_V2", 1, 3, topk_prepare, topk_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
