/* RESHAPE, SQUEEZE, EXPAND_DIMS and BITCAST: the data is copied unchanged (every element type), only the shape
 * changes. A RESHAPE/EXPAND_DIMS shape input that is not constant makes the output dynamic, resized in eval. */
#include "shape_common.h"

typedef struct {
  int dynamic; /* the shape input is only known at eval */
} ReshapeData;

static TflStatus reshape_shape(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *sh = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK + 1];
  int n = -1;
  if (sh && sh->rank == 1 && tfl_is_int_type(sh->type)) {
    n = tfl_read_ints(sh, v, TFL_MAX_RANK + 1);
    if (n < 0 || n > TFL_MAX_RANK) return tfl_error(ctx, "RESHAPE: shape tensor has more than %d elements", TFL_MAX_RANK);
  } else {
    int32_t o[TFL_MAX_RANK + 1];
    n = tfl_opt_int_vec(node, TFL_ReshapeOptions_new_shape, o, TFL_MAX_RANK + 1);
    if (n > TFL_MAX_RANK) return tfl_error(ctx, "RESHAPE: new_shape has more than %d elements", TFL_MAX_RANK);
    if (n < 0) {
      if (out->rank >= 0 && tfl_num_elements(out) == tfl_num_elements(in)) return TFL_OK; /* keep declared shape */
      return tfl_error(ctx, "RESHAPE: no shape input and no new_shape option");
    }
    for (int i = 0; i < n; i++) v[i] = o[i];
  }
  if (n == 1 && v[0] == 0 && tfl_num_elements(in) == 1) n = 0; /* legacy scalar encoding */
  int64_t total = tfl_num_elements(in), known = 1;
  int neg = -1;
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < n; i++) {
    if (v[i] == -1) {
      if (neg >= 0) return tfl_error(ctx, "RESHAPE: more than one -1 in shape");
      neg = i;
      continue;
    }
    if (v[i] < 0 || v[i] > INT32_MAX) return tfl_error(ctx, "RESHAPE: invalid dimension %lld", (long long)v[i]);
    od[i] = (int32_t)v[i];
    if (v[i] != 0 && known > INT64_MAX / v[i]) return tfl_error(ctx, "RESHAPE: shape too large");
    known *= v[i];
  }
  if (neg >= 0) {
    if (known == 0 || total % known != 0) return tfl_error(ctx, "RESHAPE: cannot infer -1 dimension");
    od[neg] = (int32_t)(total / known);
    known = total;
  }
  if (known != total)
    return tfl_error(ctx, "RESHAPE: %lld elements cannot take a shape of %lld", (long long)total, (long long)known);
  return tfl_resize(ctx, out, n, od);
}

static TflStatus squeeze_shape(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int32_t sq[TFL_MAX_RANK + 1];
  int n = tfl_opt_int_vec(node, TFL_SqueezeOptions_squeeze_dims, sq, TFL_MAX_RANK + 1);
  int drop[TFL_MAX_RANK] = {0};
  if (n > TFL_MAX_RANK) return tfl_error(ctx, "SQUEEZE: too many squeeze_dims");
  if (n <= 0) {
    for (int i = 0; i < in->rank; i++) drop[i] = in->dims[i] == 1;
  } else {
    for (int i = 0; i < n; i++) {
      int a = tfl_norm_axis(sq[i], in->rank);
      if (a < 0) return tfl_error(ctx, "SQUEEZE: axis %d out of range", sq[i]);
      if (in->dims[a] != 1) return tfl_error(ctx, "SQUEEZE: dimension %d has size %d, not 1", a, in->dims[a]);
      drop[a] = 1;
    }
  }
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  for (int i = 0; i < in->rank; i++)
    if (!drop[i]) od[r++] = in->dims[i];
  return tfl_resize(ctx, out, r, od);
}

static TflStatus expand_shape(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t a = 0;
  if (tfl_read_ints(ax, &a, 1) != 1) return tfl_error(ctx, "EXPAND_DIMS: axis must be a single int");
  if (in->rank + 1 > TFL_MAX_RANK) return tfl_error(ctx, "EXPAND_DIMS: rank too large");
  if (a < 0) a += in->rank + 1;
  if (a < 0 || a > in->rank) return tfl_error(ctx, "EXPAND_DIMS: axis out of range");
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  for (int i = 0; i < in->rank; i++) {
    if (i == a) od[r++] = 1;
    od[r++] = in->dims[i];
  }
  if (a == in->rank) od[r++] = 1;
  return tfl_resize(ctx, out, r, od);
}

static TflStatus output_shape(TflContext *ctx, TflNode *node) {
  switch (node->op) {
    case TFL_OP_RESHAPE: return reshape_shape(ctx, node);
    case TFL_OP_SQUEEZE: return squeeze_shape(ctx, node);
    default: return expand_shape(ctx, node);
  }
}

static TflStatus reshape_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing input or output", name);
  const int complex_data = in->type == TFL_COMPLEX64 || in->type == TFL_COMPLEX128; /* LiteRT reshapes any type */
  if (!data_type_ok(in->type) && !complex_data) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  ReshapeData *d = tfl_set_user_data(node, sizeof(ReshapeData));
  TflTensor *v = node->op == TFL_OP_SQUEEZE ? NULL : tfl_input(ctx, node, 1);
  if (node->op == TFL_OP_EXPAND_DIMS && !v) return tfl_error(ctx, "EXPAND_DIMS: missing axis input");
  if (defer_shape(out, &d->dynamic, !v || tfl_value_known(v) || (node->op == TFL_OP_RESHAPE && !(v->rank == 1 && tfl_is_int_type(v->type)))))
    return TFL_OK;
  return output_shape(ctx, node);
}

static TflStatus reshape_eval(TflContext *ctx, TflNode *node) {
  const ReshapeData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (d->dynamic && output_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  if (tfl_num_elements(out) != tfl_num_elements(in)) return tfl_error(ctx, "%s: element count changed", tfl_op_name(node->op));
  if (out->data != in->data && in->bytes) memmove(out->data, in->data, in->bytes);
  return TFL_OK;
}

/* BITCAST (tf.bitcast): same bytes, new element type. Equal widths keep the shape; a wider input gains a trailing
 * dimension of in/out width; a narrower one loses its trailing dimension, which must be out/in width. */
static TflStatus bitcast_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "BITCAST: missing input or output");
  size_t si = tfl_type_size(in->type), so = tfl_type_size(out->type);
  if (!si || !so || in->type == TFL_STRING || out->type == TFL_STRING)
    return tfl_error(ctx, "BITCAST: unsupported types %d -> %d", in->type, out->type);
  int32_t od[TFL_MAX_RANK];
  int r = in->rank;
  for (int i = 0; i < r; i++) od[i] = in->dims[i];
  if (si > so) {
    if (si % so || r >= TFL_MAX_RANK) return tfl_error(ctx, "BITCAST: cannot split %zu-byte elements", si);
    od[r++] = (int32_t)(si / so);
  } else if (si < so) {
    if (so % si || r < 1 || (size_t)in->dims[r - 1] != so / si)
      return tfl_error(ctx, "BITCAST: the last dimension must be %zu to make %zu-byte elements", so / si, so);
    r--;
  }
  return tfl_resize(ctx, out, r, od);
}

static TflStatus bitcast_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (out->bytes != in->bytes) return tfl_error(ctx, "BITCAST: byte size changed");
  if (out->data != in->data && in->bytes) memmove(out->data, in->data, in->bytes);
  return TFL_OK;
}

TFL_FOLDING_PREPARE(reshape)

const TflKernel tfl_kernels_reshape[] = {
    {TFL_OP_RESHAPE, "RESHAPE", 1, 1, reshape_prepare, reshape_eval},
    {TFL_OP_SQUEEZE, "SQUEEZE", 1, 2, reshape_prepare, reshape_eval},
    {TFL_OP_EXPAND_DIMS, "EXPAND_DIMS", 1, 1, reshape_prepare, reshape_eval},
    {TFL_OP_BITCAST, "BITCAST", 1, 1, bitcast_prepare, bitcast_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
