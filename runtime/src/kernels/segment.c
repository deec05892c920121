/* SEGMENT_SUM and UNSORTED_SEGMENT_{SUM, MAX, MIN, PROD}, float32 and int32, as TensorFlow's ops: rows of `data` (the
 * dims segment_ids covers) are reduced into output row segment_ids[i]. SEGMENT_SUM takes sorted ids starting at 0
 * without gaps (LiteRT refuses a gap, which TensorFlow fills with zeros) and has max(id) + 1 rows; the unsorted ops have num_segments rows and skip negative ids. An empty segment holds 0 (sum),
 * 1 (prod), the lowest value (max) or the highest (min). An id out of range is an error. */
#include "shape_common.h"

#include <float.h>

typedef struct {
  int dynamic;
} SegmentData;

static int is_sorted_op(const TflNode *node) { return node->op == TFL_OP_SEGMENT_SUM; }

static TflStatus segment_shape(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *data = tfl_input(ctx, node, 0), *ids = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t rows;
  if (is_sorted_op(node)) {
    int64_t n = tfl_num_elements(ids), prev = 0;
    rows = 0;
    for (int64_t i = 0; i < n; i++) {
      int64_t v = int_at(ids, i);
      if (v - prev != 0 && v - prev != 1) return tfl_error(ctx, "%s: segment ids must be 0, 1, 2, ... sorted, without gaps", name);
      prev = v;
      rows = v + 1;
    }
  } else {
    int64_t k = 0;
    if (tfl_read_ints(tfl_input(ctx, node, 2), &k, 1) != 1 || k < 0) return tfl_error(ctx, "%s: bad num_segments", name);
    rows = k;
  }
  if (rows > INT32_MAX) return tfl_error(ctx, "%s: too many segments", name);
  int32_t dims[TFL_MAX_RANK];
  dims[0] = (int32_t)rows;
  for (int i = ids->rank; i < data->rank; i++) dims[1 + i - ids->rank] = data->dims[i];
  return tfl_resize(ctx, out, 1 + data->rank - ids->rank, dims);
}

static TflStatus segment_prepare(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *data = tfl_input(ctx, node, 0), *ids = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  TflTensor *num = is_sorted_op(node) ? NULL : tfl_input(ctx, node, 2);
  if (!data || !ids || !out || (!is_sorted_op(node) && !num)) return tfl_error(ctx, "%s: missing operands", name);
  if ((data->type != TFL_FLOAT32 && data->type != TFL_INT32) || out->type != data->type || ids->type != TFL_INT32 ||
      (num && num->type != TFL_INT32))
    return tfl_error(ctx, "%s: unsupported or mismatched types", name);
  if (is_sorted_op(node) ? ids->rank != 1 : ids->rank < 1) return tfl_error(ctx, "%s: bad segment_ids rank", name);
  if (ids->rank > data->rank) return tfl_error(ctx, "%s: segment_ids rank exceeds data rank", name);
  for (int i = 0; i < ids->rank; i++)
    if (ids->dims[i] != data->dims[i]) return tfl_error(ctx, "%s: segment_ids shape is not a prefix of data's", name);
  SegmentData *d = tfl_set_user_data(node, sizeof(SegmentData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(ids) && (!num || tfl_value_known(num)))) return TFL_OK;
  return segment_shape(ctx, node);
}

#define SEGMENT_LOOP(T, LOWEST, HIGHEST)                                                                         \
  do {                                                                                                          \
    T *o = out->data;                                                                                           \
    const T *x = data->data;                                                                                    \
    T init = op == TFL_OP_UNSORTED_SEGMENT_PROD ? (T)1                                                          \
             : op == TFL_OP_UNSORTED_SEGMENT_MAX ? LOWEST                                                       \
             : op == TFL_OP_UNSORTED_SEGMENT_MIN ? HIGHEST : (T)0;                                              \
    for (int64_t i = 0; i < total; i++) o[i] = init;                                                            \
    for (int64_t r = 0; r < n; r++) {                                                                           \
      int64_t s = int_at(ids, r);                                                                               \
      if (s < 0 && !is_sorted_op(node)) continue;                                                               \
      if (s < 0 || s >= rows) return tfl_error(ctx, "%s: segment id %lld out of range", tfl_op_name(op), (long long)s); \
      T *dst = o + s * inner;                                                                                   \
      const T *src = x + r * inner;                                                                             \
      for (int64_t j = 0; j < inner; j++) {                                                                     \
        switch (op) {                                                                                           \
          case TFL_OP_UNSORTED_SEGMENT_MAX: dst[j] = src[j] > dst[j] ? src[j] : dst[j]; break;                  \
          case TFL_OP_UNSORTED_SEGMENT_MIN: dst[j] = src[j] < dst[j] ? src[j] : dst[j]; break;                  \
          case TFL_OP_UNSORTED_SEGMENT_PROD: dst[j] = (T)(dst[j] * src[j]); break;                              \
          default: dst[j] = (T)(dst[j] + src[j]);                                                               \
        }                                                                                                       \
      }                                                                                                         \
    }                                                                                                           \
  } while (0)

static TflStatus segment_eval(TflContext *ctx, TflNode *node) {
  SegmentData *d = node->user_data;
  if (d->dynamic && segment_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *data = tfl_input(ctx, node, 0), *ids = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int32_t op = node->op;
  int64_t n = tfl_num_elements(ids), rows = out->dims[0], total = tfl_num_elements(out);
  int64_t inner = rows ? total / rows : 0;
  if (data->type == TFL_FLOAT32)
    SEGMENT_LOOP(float, -FLT_MAX, FLT_MAX);
  else
    SEGMENT_LOOP(int32_t, INT32_MIN, INT32_MAX);
  return TFL_OK;
}

const TflKernel tfl_kernels_segment[] = {
    {TFL_OP_SEGMENT_SUM, "SEGMENT_SUM", 1, 1, segment_prepare, segment_eval},
    {TFL_OP_UNSORTED_SEGMENT_SUM, "UNSORTED_SEGMENT_SUM", 1, 1, segment_prepare, segment_eval},
    {TFL_OP_UNSORTED_SEGMENT_MAX, "UNSORTED_SEGMENT_MAX", 1, 1, segment_prepare, segment_eval},
    {TFL_OP_UNSORTED_SEGMENT_MIN, "UNSORTED_SEGMENT_MIN", 1, 1, segment_prepare, segment_eval},
    {TFL_OP_UNSORTED_SEGMENT_PROD, "UNSORTED_SEGMENT_PROD", 1, 1, segment_prepare, segment_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
