/* SELECT and SELECT_V2 (every element type): out = cond ? x : y with numpy broadcasting; SELECT v1's vector
 * condition picks whole rows. */
#include "shape_common.h"

typedef struct {
  int rank;
  int32_t od[TFL_MAX_RANK];
  int64_t sc[TFL_MAX_RANK], sx[TFL_MAX_RANK], sy[TFL_MAX_RANK];
} SelData;

static void bstrides(const TflTensor *t, const int32_t *od, int r, int64_t *s) {
  int64_t acc = 1;
  for (int i = r - 1; i >= 0; i--) {
    int j = i - (r - t->rank);
    int32_t dm = j >= 0 ? t->dims[j] : 1;
    s[i] = dm == 1 ? 0 : acc;
    acc *= dm;
  }
}

static TflStatus select_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *c = tfl_input(ctx, node, 0), *x = tfl_input(ctx, node, 1), *y = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!c || !x || !y || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (c->type != TFL_BOOL) return tfl_error(ctx, "%s: condition must be bool", name);
  if (x->type != y->type || out->type != x->type || !data_type_ok(x->type)) return tfl_error(ctx, "%s: type mismatch", name);
  if (!same_quant(x, out) || !same_quant(y, out)) return TFL_NOT_MINE;
  SelData *d = tfl_set_user_data(node, sizeof(SelData));
  int32_t t[TFL_MAX_RANK];
  int r = tfl_broadcast_shape(x, y, t);
  if (r < 0) return tfl_error(ctx, "%s: x and y shapes do not broadcast", name);
  TflTensor tt = *x;
  tt.rank = r;
  memcpy(tt.dims, t, sizeof t);
  TflTensor cc = *c;
  if (node->op == TFL_OP_SELECT && c->rank == 1 && r > 1 && c->dims[0] == t[0]) {
    /* SELECT v1: a vector condition picks whole rows */
    cc.rank = r;
    for (int i = 1; i < r; i++) cc.dims[i] = 1;
  }
  r = tfl_broadcast_shape(&cc, &tt, d->od);
  if (r < 0) return tfl_error(ctx, "%s: condition does not broadcast", name);
  d->rank = r;
  bstrides(&cc, d->od, r, d->sc);
  bstrides(x, d->od, r, d->sx);
  bstrides(y, d->od, r, d->sy);
  return tfl_resize(ctx, out, r, d->od);
}

static TflStatus select_eval(TflContext *ctx, TflNode *node) {
  SelData *d = node->user_data;
  TflTensor *c = tfl_input(ctx, node, 0), *x = tfl_input(ctx, node, 1), *y = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(x->type);
  int64_t n = tfl_num_elements(out);
  const uint8_t *cd = c->data;
  const char *xd = x->data, *yd = y->data;
  char *o = out->data;
  Odometer od; /* offsets of condition, x and y */
  odo_init(&od, d->od, d->rank, 3, d->sc, d->sx, d->sy, 0);
  for (int64_t k = 0; k < n; k++, odo_next(&od))
    memcpy(o + k * es, cd[od.off[0]] ? xd + od.off[1] * es : yd + od.off[2] * es, es);
  return TFL_OK;
}

TFL_FOLDING_PREPARE(select)

const TflKernel tfl_kernels_select[] = {
    {TFL_OP_SELECT, "SELECT", 1, 4, select_prepare, select_eval},
    {TFL_OP_SELECT_V2, "SELECT_V2", 1, 2, select_prepare, select_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
