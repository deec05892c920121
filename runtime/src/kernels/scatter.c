/* ONE_HOT and SCATTER_ND, as TensorFlow's ops.
 * ONE_HOT: indices (int32/int64) with a `depth` axis inserted at `axis` (-1: last); on_value where the index equals
 * the position on that axis, off_value elsewhere (an out-of-range index gives an all-off row).
 * SCATTER_ND: a zero tensor of `shape` into which each update slice is added at its index tuple (duplicates sum, as
 * TensorFlow and LiteRT; bool updates are or-ed); an index outside `shape` is an error. */
#include "shape_common.h"

typedef struct {
  int dynamic;
} ScatterData;

/* ---------------------------------------------------------------------------------------------------- ONE_HOT */

static int one_hot_value_type(int32_t t) {
  return t == TFL_FLOAT32 || t == TFL_INT32 || t == TFL_INT64 || t == TFL_INT8 || t == TFL_UINT8 || t == TFL_BOOL;
}

static TflStatus one_hot_shape(TflContext *ctx, TflNode *node) {
  TflTensor *ix = tfl_input(ctx, node, 0), *depth = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t dv = 0;
  if (tfl_read_ints(depth, &dv, 1) != 1) return tfl_error(ctx, "ONE_HOT: depth must be one integer");
  if (dv < 0 || dv > INT32_MAX) return tfl_error(ctx, "ONE_HOT: depth must be non-negative");
  int rank = ix->rank + 1;
  if (rank > TFL_MAX_RANK) return tfl_error(ctx, "ONE_HOT: output rank too large");
  int axis = tfl_OneHotOptions(node).axis;
  if (axis == -1) axis = ix->rank;
  if (axis < 0 || axis > ix->rank) return tfl_error(ctx, "ONE_HOT: axis %d out of range", axis);
  int32_t dims[TFL_MAX_RANK];
  for (int i = 0, j = 0; i < rank; i++) dims[i] = i == axis ? (int32_t)dv : ix->dims[j++];
  return tfl_resize(ctx, out, rank, dims);
}

static TflStatus one_hot_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *ix = tfl_input(ctx, node, 0), *depth = tfl_input(ctx, node, 1), *on = tfl_input(ctx, node, 2);
  TflTensor *off = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  if (!ix || !depth || !on || !off || !out) return tfl_error(ctx, "ONE_HOT: missing operands");
  if (!tfl_is_int_type(ix->type) || depth->type != TFL_INT32 || !one_hot_value_type(out->type) || on->type != out->type ||
      off->type != out->type)
    return tfl_error(ctx, "ONE_HOT: unsupported or mismatched types");
  if (tfl_num_elements(on) != 1 || tfl_num_elements(off) != 1) return tfl_error(ctx, "ONE_HOT: on/off values must be scalars");
  ScatterData *d = tfl_set_user_data(node, sizeof(ScatterData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(depth))) return TFL_OK;
  return one_hot_shape(ctx, node);
}

static TflStatus one_hot_eval(TflContext *ctx, TflNode *node) {
  ScatterData *d = node->user_data;
  if (d->dynamic && one_hot_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *ix = tfl_input(ctx, node, 0), *on = tfl_input(ctx, node, 2), *off = tfl_input(ctx, node, 3);
  TflTensor *out = tfl_output(ctx, node, 0);
  int axis = tfl_OneHotOptions(node).axis;
  if (axis == -1) axis = ix->rank;
  int64_t depth = out->dims[axis], prefix = 1, suffix = 1;
  for (int i = 0; i < axis; i++) prefix *= ix->dims[i];
  for (int i = axis; i < ix->rank; i++) suffix *= ix->dims[i];
  size_t es = tfl_type_size(out->type);
  char *o = out->data;
  for (int64_t p = 0; p < prefix; p++)
    for (int64_t k = 0; k < depth; k++)
      for (int64_t s = 0; s < suffix; s++, o += es) {
        int64_t v = int_at(ix, p * suffix + s);
        memcpy(o, v == k ? on->data : off->data, es);
      }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(one_hot)

/* ------------------------------------------------------------------------------------------------- SCATTER_ND */

static TflStatus scatter_nd_shape(TflContext *ctx, TflNode *node) {
  TflTensor *ix = tfl_input(ctx, node, 0), *up = tfl_input(ctx, node, 1), *shape = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  int64_t s[TFL_MAX_RANK];
  int rank = tfl_read_ints(shape, s, TFL_MAX_RANK);
  if (rank < 1 || shape->rank != 1) return tfl_error(ctx, "SCATTER_ND: shape must be a vector of 1 to %d elements", TFL_MAX_RANK);
  int k = ix->dims[ix->rank - 1];
  if (k < 1 || k > rank) return tfl_error(ctx, "SCATTER_ND: index depth %d does not fit shape rank %d", k, rank);
  /* updates: indices' outer dims followed by shape[k:] */
  if (up->rank != ix->rank - 1 + rank - k) return tfl_error(ctx, "SCATTER_ND: updates have the wrong rank");
  for (int i = 0; i < ix->rank - 1; i++)
    if (up->dims[i] != ix->dims[i]) return tfl_error(ctx, "SCATTER_ND: updates and indices disagree on dim %d", i);
  int32_t dims[TFL_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    if (s[i] < 0 || s[i] > INT32_MAX) return tfl_error(ctx, "SCATTER_ND: bad shape");
    dims[i] = (int32_t)s[i];
    if (i >= k && up->dims[ix->rank - 1 + i - k] != dims[i]) return tfl_error(ctx, "SCATTER_ND: updates do not match shape");
  }
  return tfl_resize(ctx, out, rank, dims);
}

static TflStatus scatter_nd_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *ix = tfl_input(ctx, node, 0), *up = tfl_input(ctx, node, 1), *shape = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!ix || !up || !shape || !out) return tfl_error(ctx, "SCATTER_ND: missing operands");
  if (!tfl_is_int_type(ix->type) || ix->type != shape->type || out->type != up->type ||
      !(up->type == TFL_FLOAT32 || up->type == TFL_INT32 || up->type == TFL_INT64 || up->type == TFL_INT8 ||
        up->type == TFL_UINT8 || up->type == TFL_BOOL))
    return tfl_error(ctx, "SCATTER_ND: unsupported or mismatched types");
  if (ix->rank < 1) return tfl_error(ctx, "SCATTER_ND: indices must have rank >= 1");
  ScatterData *d = tfl_set_user_data(node, sizeof(ScatterData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(shape))) return TFL_OK;
  return scatter_nd_shape(ctx, node);
}

static TflStatus scatter_nd_eval(TflContext *ctx, TflNode *node) {
  ScatterData *d = node->user_data;
  if (d->dynamic && scatter_nd_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *ix = tfl_input(ctx, node, 0), *up = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(out->type);
  memset(out->data, 0, (size_t)tfl_num_elements(out) * es);
  int k = ix->dims[ix->rank - 1];
  int64_t n = tfl_num_elements(ix) / (k ? k : 1), slice = 1, ost[TFL_MAX_RANK];
  row_strides(out->dims, out->rank, ost);
  for (int i = k; i < out->rank; i++) slice *= out->dims[i];
  for (int64_t t = 0; t < n; t++) {
    int64_t off = 0;
    for (int i = 0; i < k; i++) {
      int64_t v = int_at(ix, t * k + i);
      if (v < 0 || v >= out->dims[i]) return tfl_error(ctx, "SCATTER_ND: index %lld out of range for dim %d", (long long)v, i);
      off += v * ost[i];
    }
    const char *u = (const char *)up->data + t * slice * (int64_t)es;
    char *o = (char *)out->data + off * (int64_t)es;
    for (int64_t j = 0; j < slice; j++) {
      switch (out->type) {
        case TFL_FLOAT32: ((float *)o)[j] += ((const float *)u)[j]; break;
        case TFL_INT32: ((int32_t *)o)[j] = (int32_t)((uint32_t)((int32_t *)o)[j] + (uint32_t)((const int32_t *)u)[j]); break;
        case TFL_INT64: ((int64_t *)o)[j] = (int64_t)((uint64_t)((int64_t *)o)[j] + (uint64_t)((const int64_t *)u)[j]); break;
        case TFL_INT8: ((int8_t *)o)[j] = (int8_t)(((int8_t *)o)[j] + ((const int8_t *)u)[j]); break;
        case TFL_UINT8: ((uint8_t *)o)[j] = (uint8_t)(((uint8_t *)o)[j] + ((const uint8_t *)u)[j]); break;
        default: ((uint8_t *)o)[j] = (uint8_t)(((uint8_t *)o)[j] | ((const uint8_t *)u)[j]); break; /* bool */
      }
    }
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(scatter_nd)

const TflKernel tfl_kernels_scatter[] = {
    {TFL_OP_ONE_HOT, "ONE_HOT", 1, 1, one_hot_prepare, one_hot_eval},
    {TFL_OP_SCATTER_ND, "SCATTER_ND", 1, 1, scatter_nd_prepare, scatter_nd_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
