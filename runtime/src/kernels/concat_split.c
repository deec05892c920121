/* CONCATENATION and PACK join inputs along an axis; UNPACK, SPLIT and SPLIT_V cut one input along an axis (every
 * element type, rows copied with memcpy). */
#include "shape_common.h"

typedef struct {
  int64_t outer;      /* rows: product of the output dims before the axis */
  int32_t activation; /* CONCATENATION's fused activation (float32 only) */
} ConcatData;

typedef struct {
  int dynamic; /* axis or size_splits only known at eval */
  int axis;
  int64_t outer, inner; /* products of the input dims before and after the axis */
} SplitData;

static TflStatus concat_prepare_(TflContext *ctx, TflNode *node) {
  int pack = node->op == TFL_OP_PACK;
  const char *name = tfl_op_name(node->op);
  TflTensor *in0 = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in0 || !out || node->ninputs < 1) return tfl_error(ctx, "%s: missing inputs or output", name);
  if (!data_type_ok(in0->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in0->type);
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    if (!t) return tfl_error(ctx, "%s: input %d missing", name, i);
    if (t->type != in0->type) return tfl_error(ctx, "%s: input types differ", name);
    if (!same_quant(t, out)) return TFL_NOT_MINE;
  }
  if (out->type != in0->type) return tfl_error(ctx, "%s: output type differs from input", name);
  ConcatData *d = tfl_set_user_data(node, sizeof(ConcatData));
  int R = in0->rank;
  int orank = pack ? R + 1 : R;
  if (orank > TFL_MAX_RANK || (!pack && R < 1)) return tfl_error(ctx, "%s: bad rank %d", name, R);
  int axis, act = TFL_ACT_NONE;
  if (pack) {
    const TflPackOptions o = tfl_PackOptions(node);
    if (o.values_count != node->ninputs) return tfl_error(ctx, "PACK: values_count %d != %d inputs", o.values_count, node->ninputs);
    axis = o.axis;
  } else {
    const TflConcatenationOptions o = tfl_ConcatenationOptions(node);
    axis = o.axis;
    act = o.fused_activation_function;
  }
  if (axis < 0) axis += orank;
  if (axis < 0 || axis >= orank) return tfl_error(ctx, "%s: axis out of range", name);
  if (act != 0 && (in0->type != TFL_FLOAT32 || act >= TFL_ACT_TANH)) return tfl_error(ctx, "CONCATENATION: unsupported fused activation %d", act);
  int64_t cat = 0;
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    if (t->rank != R) return tfl_error(ctx, "%s: input ranks differ", name);
    for (int k = 0; k < R; k++) {
      if (!pack && k == axis) continue;
      if (t->dims[k] != in0->dims[k]) return tfl_error(ctx, "%s: input %d dim %d is %d, expected %d", name, i, k, t->dims[k], in0->dims[k]);
    }
    cat += pack ? 1 : t->dims[axis];
  }
  if (cat > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
  int32_t od[TFL_MAX_RANK];
  for (int k = 0, j = 0; k < orank; k++) {
    if (k == axis) od[k] = (int32_t)cat;
    else od[k] = in0->dims[j];
    if (k != axis || !pack) j++;
  }
  d->outer = tfl_prod(od, 0, axis);
  d->activation = act;
  return tfl_resize(ctx, out, orank, od);
}

static TflStatus concat_eval(TflContext *ctx, TflNode *node) {
  const ConcatData *d = node->user_data;
  TflTensor *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(out->type);
  size_t orow = (size_t)(d->outer ? tfl_num_elements(out) / d->outer : 0) * es;
  char *o = out->data;
  size_t off = 0;
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    size_t row = (size_t)(d->outer ? tfl_num_elements(t) / d->outer : 0) * es;
    const char *x = t->data;
    for (int64_t k = 0; k < d->outer; k++) memcpy(o + k * orow + off, x + k * row, row);
    off += row;
  }
  if (d->activation) {
    float lo, hi;
    tfl_activation_range_f32(d->activation, &lo, &hi);
    float *f = out->data;
    for (int64_t i = 0, n = tfl_num_elements(out); i < n; i++) f[i] = tfl_clampf(f[i], lo, hi);
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(concat)

static TflStatus split_common(TflContext *ctx, TflNode *node, SplitData *d, TflTensor *in, int axis_in,
                              const int64_t *sizes, int nout, int drop_axis) {
  const char *name = tfl_op_name(node->op);
  int axis = tfl_norm_axis(axis_in, in->rank);
  if (axis < 0) return tfl_error(ctx, "%s: axis %d out of range", name, axis_in);
  if (nout != node->noutputs) return tfl_error(ctx, "%s: %d pieces but %d outputs", name, nout, node->noutputs);
  int64_t tot = 0;
  for (int i = 0; i < nout; i++) tot += sizes[i];
  if (tot != in->dims[axis]) return tfl_error(ctx, "%s: pieces sum to %lld, dim is %d", name, (long long)tot, in->dims[axis]);
  d->axis = axis;
  d->outer = tfl_prod(in->dims, 0, axis);
  d->inner = tfl_prod(in->dims, axis + 1, in->rank);
  for (int i = 0; i < nout; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    if (!o) return tfl_error(ctx, "%s: output %d missing", name, i);
    if (o->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
    int32_t od[TFL_MAX_RANK];
    int r = 0;
    for (int k = 0; k < in->rank; k++) {
      if (k == axis) {
        if (!drop_axis) od[r++] = (int32_t)sizes[i];
      } else {
        od[r++] = in->dims[k];
      }
    }
    if (tfl_resize(ctx, o, r, od) != TFL_OK) return TFL_ERROR;
  }
  return TFL_OK;
}

static TflStatus split_shape(TflContext *ctx, TflNode *node, SplitData *d) {
  int op = node->op;
  TflTensor *in = tfl_input(ctx, node, op == TFL_OP_SPLIT ? 1 : 0);
  int64_t sizes[1024];
  if (op == TFL_OP_UNPACK) {
    const TflUnpackOptions o = tfl_UnpackOptions(node);
    int axis = o.axis;
    int a = tfl_norm_axis(axis, in->rank);
    if (a < 0) return tfl_error(ctx, "UNPACK: axis out of range");
    int num = o.num;
    if (num != in->dims[a] || num > 1024) return tfl_error(ctx, "UNPACK: num %d != dim %d", num, in->dims[a]);
    for (int i = 0; i < num; i++) sizes[i] = 1;
    return split_common(ctx, node, d, in, axis, sizes, num, 1);
  }
  if (op == TFL_OP_SPLIT) {
    int64_t a = 0;
    if (tfl_read_ints(tfl_input(ctx, node, 0), &a, 1) != 1) return tfl_error(ctx, "SPLIT: axis must be a single int");
    int ax = tfl_norm_axis(a, in->rank);
    if (ax < 0) return tfl_error(ctx, "SPLIT: axis out of range");
    int ns = tfl_SplitOptions(node).num_splits;
    if (ns <= 0 || ns > 1024 || in->dims[ax] % ns != 0) return tfl_error(ctx, "SPLIT: dim %d not divisible into %d", in->dims[ax], ns);
    for (int i = 0; i < ns; i++) sizes[i] = in->dims[ax] / ns;
    return split_common(ctx, node, d, in, ax, sizes, ns, 0);
  }
  int n = tfl_read_ints(tfl_input(ctx, node, 1), sizes, 1024);
  int64_t a = 0;
  if (n < 0 || tfl_read_ints(tfl_input(ctx, node, 2), &a, 1) != 1) return tfl_error(ctx, "SPLIT_V: bad size_splits or axis");
  int ax = tfl_norm_axis(a, in->rank);
  if (ax < 0) return tfl_error(ctx, "SPLIT_V: axis out of range");
  int neg = -1;
  int64_t sum = 0;
  for (int i = 0; i < n; i++) {
    if (sizes[i] == -1) {
      if (neg >= 0) return tfl_error(ctx, "SPLIT_V: more than one -1");
      neg = i;
    } else if (sizes[i] < 0 || sizes[i] > in->dims[ax]) {
      return tfl_error(ctx, "SPLIT_V: size %lld out of range", (long long)sizes[i]);
    } else {
      sum += sizes[i];
    }
  }
  if (neg >= 0) {
    if (sum > in->dims[ax]) return tfl_error(ctx, "SPLIT_V: sizes exceed dimension %d", in->dims[ax]);
    sizes[neg] = in->dims[ax] - sum;
  }
  return split_common(ctx, node, d, in, ax, sizes, n, 0);
}

static TflStatus split_prepare_(TflContext *ctx, TflNode *node) {
  int op = node->op;
  const char *name = tfl_op_name(op);
  TflTensor *in = tfl_input(ctx, node, op == TFL_OP_SPLIT ? 1 : 0);
  if (!in || node->noutputs < 1) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    if (!o) return tfl_error(ctx, "%s: output %d missing", name, i);
    if (!same_quant(in, o)) return TFL_NOT_MINE;
  }
  SplitData *d = tfl_set_user_data(node, sizeof(SplitData));
  int known = 1;
  if (op == TFL_OP_SPLIT) known = tfl_value_known(tfl_input(ctx, node, 0));
  if (op == TFL_OP_SPLIT_V) known = tfl_value_known(tfl_input(ctx, node, 1)) && tfl_value_known(tfl_input(ctx, node, 2));
  if (!known) {
    d->dynamic = 1;
    for (int i = 0; i < node->noutputs; i++) tfl_output(ctx, node, i)->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return split_shape(ctx, node, d);
}

static TflStatus split_eval(TflContext *ctx, TflNode *node) {
  SplitData *d = node->user_data;
  if (d->dynamic && split_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, node->op == TFL_OP_SPLIT ? 1 : 0);
  size_t es = tfl_type_size(in->type);
  size_t irow = (size_t)in->dims[d->axis] * d->inner * es;
  size_t off = 0;
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    size_t row = (size_t)(d->outer ? tfl_num_elements(o) / d->outer : 0) * es;
    for (int64_t k = 0; k < d->outer; k++) memcpy((char *)o->data + k * row, (const char *)in->data + k * irow + off, row);
    off += row;
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(split)

const TflKernel tfl_kernels_concat_split[] = {
    {TFL_OP_CONCATENATION, "CONCATENATION", 1, 4, concat_prepare, concat_eval},
    {TFL_OP_PACK, "PACK", 1, 4, concat_prepare, concat_eval},
    {TFL_OP_UNPACK, "UNPACK", 1, 4, split_prepare, split_eval},
    {TFL_OP_SPLIT, "SPLIT", 1, 4, split_prepare, split_eval},
    {TFL_OP_SPLIT_V, "SPLIT_V", 1, 2, split_prepare, split_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
