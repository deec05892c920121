/* PAD, PADV2 (constant value, or the output zero point) and MIRROR_PAD (REFLECT / SYMMETRIC), every element type. */
#include "shape_common.h"

typedef struct {
  int dynamic;                                /* paddings only known at eval */
  int32_t out_dims[TFL_MAX_RANK];
  int64_t before_after[TFL_MAX_RANK * 2];     /* per dim: elements added before, then after */
} PadData;

static TflStatus pad_shape(TflContext *ctx, TflNode *node, PadData *d) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *p = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK * 2];
  if (p->rank != 2 || p->dims[0] != in->rank || p->dims[1] != 2 || tfl_read_ints(p, v, TFL_MAX_RANK * 2) != 2 * in->rank)
    return tfl_error(ctx, "%s: paddings must be [%d, 2]", name, in->rank);
  int mirror = node->op == TFL_OP_MIRROR_PAD, sym = mirror && tfl_MirrorPadOptions(node).mode == TFL_MIRROR_PAD_SYMMETRIC;
  for (int i = 0; i < in->rank; i++) {
    int64_t lo = v[2 * i], hi = v[2 * i + 1];
    if (lo < 0 || hi < 0) return tfl_error(ctx, "%s: negative padding", name);
    if (lo > INT32_MAX || hi > INT32_MAX) return tfl_error(ctx, "%s: padding too large", name);
    if (mirror) {
      int64_t lim = sym ? in->dims[i] : in->dims[i] - 1;
      if (lo > lim || hi > lim) return tfl_error(ctx, "MIRROR_PAD: padding %lld/%lld too large for dim %d", (long long)lo, (long long)hi, in->dims[i]);
    }
    int64_t o = in->dims[i] + lo + hi;
    if (o > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
    d->out_dims[i] = (int32_t)o;
    d->before_after[2 * i] = lo;
    d->before_after[2 * i + 1] = hi;
  }
  return tfl_resize(ctx, out, in->rank, d->out_dims);
}

static TflStatus pad_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *p = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !p || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  if (!tfl_is_int_type(p->type)) return tfl_error(ctx, "%s: paddings must be int32 or int64", name);
  if (node->op == TFL_OP_PADV2) {
    TflTensor *cv = tfl_input(ctx, node, 2);
    if (cv && (cv->type != in->type || tfl_num_elements(cv) != 1)) return tfl_error(ctx, "PADV2: constant_values must be a scalar of the input type");
  }
  PadData *d = tfl_set_user_data(node, sizeof(PadData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(p))) return TFL_OK;
  return pad_shape(ctx, node, d);
}

static TflStatus pad_eval(TflContext *ctx, TflNode *node) {
  PadData *d = node->user_data;
  if (d->dynamic && pad_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(in->type);
  int R = in->rank;
  int64_t total = tfl_num_elements(out);
  if (total == 0) return TFL_OK;
  char *o = out->data;
  const char *x = in->data;
  int64_t ist[TFL_MAX_RANK + 1];
  row_strides(in->dims, R, ist);
  if (node->op == TFL_OP_MIRROR_PAD) {
    int sym = tfl_MirrorPadOptions(node).mode == TFL_MIRROR_PAD_SYMMETRIC;
    Odometer od; /* output index */
    odo_init(&od, d->out_dims, R, 0, NULL, NULL, NULL, 0);
    for (int64_t k = 0; k < total; k++, odo_next(&od)) {
      int64_t off = 0;
      for (int i = 0; i < R; i++) {
        int64_t j = od.idx[i] - d->before_after[2 * i], n = in->dims[i];
        if (j < 0) j = sym ? -j - 1 : -j;
        else if (j >= n) j = sym ? 2 * n - 1 - j : 2 * n - 2 - j;
        off += j * ist[i];
      }
      memcpy(o + k * es, x + off * es, es);
    }
    return TFL_OK;
  }
  /* fill with the pad value, then copy the interior row by row */
  char pv[16] = {0};
  TflTensor *cv = node->op == TFL_OP_PADV2 ? tfl_input(ctx, node, 2) : NULL;
  if (cv && cv->data) memcpy(pv, cv->data, es);
  else if (out->nq > 0 && out->zero_points) {
    int64_t zp = out->zero_points[0];
    if (out->type == TFL_INT8) { int8_t z = (int8_t)zp; memcpy(pv, &z, 1); }
    else if (out->type == TFL_UINT8) { uint8_t z = (uint8_t)zp; memcpy(pv, &z, 1); }
    else if (out->type == TFL_INT16) { int16_t z = (int16_t)zp; memcpy(pv, &z, 2); }
  }
  int allzero = 1;
  for (size_t i = 0; i < es; i++) allzero &= pv[i] == 0;
  if (allzero) memset(o, 0, (size_t)total * es);
  else
    for (int64_t k = 0; k < total; k++) memcpy(o + k * es, pv, es);
  if (tfl_num_elements(in) == 0) return TFL_OK;
  int64_t ost[TFL_MAX_RANK];
  row_strides(d->out_dims, R, ost);
  if (R == 0) {
    memcpy(o, x, es);
    return TFL_OK;
  }
  int64_t base = 0;
  for (int i = 0; i < R; i++) base += d->before_after[2 * i] * ost[i];
  int64_t inner = in->dims[R - 1], outer = tfl_num_elements(in) / inner;
  Odometer od; /* input rows, tracking their offset in the output */
  odo_init(&od, in->dims, R - 1, 1, ost, NULL, NULL, base);
  for (int64_t k = 0; k < outer; k++, odo_next(&od)) memcpy(o + od.off[0] * es, x + k * inner * es, (size_t)inner * es);
  return TFL_OK;
}

TFL_FOLDING_PREPARE(pad)

const TflKernel tfl_kernels_pad[] = {
    {TFL_OP_PAD, "PAD", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_PADV2, "PADV2", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_MIRROR_PAD, "MIRROR_PAD", 1, 3, pad_prepare, pad_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
