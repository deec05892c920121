/* PAD, PADV2 (constant value, or the output zero point) and MIRROR_PAD (REFLECT / SYMMETRIC), every element type. */
#include "par_range.h"
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

/* Constant padding by output rows: dims [k, R) form a row (k = the innermost padded dim; the dims after it are not
 * padded), dims [0, k) index the rows. A row is the pad value, or pad / one input row / pad. Tasks take row ranges:
 * each output byte is written once, by the same code for any split. */
typedef struct {
  char *o;
  const char *x;
  size_t es;
  char pv[16];
  int allzero, k;
  int64_t orow, irow, before;       /* output / input row elements, pad elements before the input row */
  int32_t odims[TFL_MAX_RANK], idims[TFL_MAX_RANK];
  int64_t lo[TFL_MAX_RANK], ist[TFL_MAX_RANK]; /* per row dim: padding before, input row stride (in rows) */
} PadRows;

static void pad_fill(const PadRows *p, char *o, int64_t n) {
  if (n <= 0) return;
  if (p->allzero) memset(o, 0, (size_t)n * p->es);
  else
    for (int64_t i = 0; i < n; i++) memcpy(o + i * (int64_t)p->es, p->pv, p->es);
}

static void pad_rows(void *arg, int64_t r0, int64_t r1) {
  const PadRows *p = arg;
  const int64_t es = (int64_t)p->es;
  for (int64_t r = r0; r < r1; r++) {
    char *o = p->o + r * p->orow * es;
    int64_t rest = r, src = 0;
    int inside = 1;
    for (int i = p->k - 1; i >= 0; i--) {
      const int64_t j = rest % p->odims[i] - p->lo[i];
      rest /= p->odims[i];
      if (j < 0 || j >= p->idims[i]) inside = 0;
      else src += j * p->ist[i];
    }
    if (!inside) {
      pad_fill(p, o, p->orow);
      continue;
    }
    pad_fill(p, o, p->before);
    if (p->irow) memcpy(o + p->before * es, p->x + src * p->irow * es, (size_t)(p->irow * es));
    pad_fill(p, o + (p->before + p->irow) * es, p->orow - p->before - p->irow);
  }
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
  PadRows p = {.o = o, .x = x, .es = es, .allzero = 1};
  memcpy(p.pv, pv, sizeof pv);
  for (size_t i = 0; i < es; i++) p.allzero &= pv[i] == 0;
  if (R == 0) {
    memcpy(o, x, es);
    return TFL_OK;
  }
  int k = 0; /* innermost padded dim (0 when none is: one row, a copy) */
  for (int i = 0; i < R; i++)
    if (d->before_after[2 * i] || d->before_after[2 * i + 1]) k = i;
  int64_t inner = 1;
  for (int i = k + 1; i < R; i++) inner *= in->dims[i];
  p.k = k;
  p.orow = d->out_dims[k] * inner;
  p.irow = in->dims[k] * inner;
  p.before = d->before_after[2 * k] * inner;
  int64_t rows = 1;
  for (int i = k - 1; i >= 0; i--) {
    p.odims[i] = d->out_dims[i];
    p.idims[i] = in->dims[i];
    p.lo[i] = d->before_after[2 * i];
    p.ist[i] = i == k - 1 ? 1 : p.ist[i + 1] * in->dims[i + 1];
    rows *= d->out_dims[i];
  }
  tfl_parallel_range(ctx, rows, (double)p.orow * (double)es / 4.0, 1, pad_rows, &p);
  return TFL_OK;
}

TFL_FOLDING_PREPARE(pad)

const TflKernel tfl_kernels_pad[] = {
    {TFL_OP_PAD, "PAD", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_PADV2, "PADV2", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_MIRROR_PAD, "MIRROR_PAD", 1, 3, pad_prepare, pad_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
