/* GATHER (axis, batch_dims) and GATHER_ND, every element type; indices int32 or int64, checked at eval. */
#include "shape_common.h"

typedef struct {
  int64_t batches;       /* GATHER: product of the batch dims */
  int64_t outer;         /* GATHER: product of the params dims between the batch dims and the axis */
  int64_t axis_size;     /* GATHER: params dim along the axis */
  int64_t indices;       /* GATHER: indices per batch; GATHER_ND: index tuples */
  int64_t slice;         /* elements copied per index */
  int index_depth;       /* GATHER_ND: components per index tuple */
} GatherData;

static TflStatus gather_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *p = tfl_input(ctx, node, 0), *ix = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const char *name = tfl_op_name(node->op);
  if (!p || !ix || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(p->type)) return tfl_error(ctx, "%s: unsupported params type %d", name, p->type);
  if (!tfl_is_int_type(ix->type)) return tfl_error(ctx, "%s: indices must be int32 or int64", name);
  if (out->type != p->type) return tfl_error(ctx, "%s: output type differs from params", name);
  if (!same_quant(p, out)) return TFL_NOT_MINE;
  GatherData *d = tfl_set_user_data(node, sizeof(GatherData));
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  if (node->op == TFL_OP_GATHER) {
    const TflGatherOptions o = tfl_GatherOptions(node);
    int axis = o.axis, bd = o.batch_dims;
    if (axis < 0) axis += p->rank;
    if (bd < 0) bd += ix->rank;
    if (axis < 0 || axis >= p->rank) return tfl_error(ctx, "GATHER: axis out of range");
    if (bd < 0 || bd > ix->rank || bd > axis) return tfl_error(ctx, "GATHER: batch_dims out of range");
    for (int i = 0; i < bd; i++)
      if (p->dims[i] != ix->dims[i]) return tfl_error(ctx, "GATHER: batch dims of params and indices differ");
    if (p->rank - 1 + ix->rank - bd > TFL_MAX_RANK) return tfl_error(ctx, "GATHER: output rank too large");
    for (int i = 0; i < axis; i++) od[r++] = p->dims[i];
    for (int i = bd; i < ix->rank; i++) od[r++] = ix->dims[i];
    for (int i = axis + 1; i < p->rank; i++) od[r++] = p->dims[i];
    d->batches = tfl_prod(p->dims, 0, bd);
    d->outer = tfl_prod(p->dims, bd, axis);
    d->axis_size = p->dims[axis];
    d->slice = tfl_prod(p->dims, axis + 1, p->rank);
    d->indices = tfl_prod(ix->dims, bd, ix->rank);
  } else {
    if (ix->rank < 1) return tfl_error(ctx, "GATHER_ND: indices must have rank >= 1");
    int k = ix->dims[ix->rank - 1];
    if (k > p->rank || k < 0) return tfl_error(ctx, "GATHER_ND: index depth %d exceeds params rank %d", k, p->rank);
    if (ix->rank - 1 + p->rank - k > TFL_MAX_RANK) return tfl_error(ctx, "GATHER_ND: output rank too large");
    for (int i = 0; i < ix->rank - 1; i++) od[r++] = ix->dims[i];
    for (int i = k; i < p->rank; i++) od[r++] = p->dims[i];
    d->index_depth = k;
    d->slice = tfl_prod(p->dims, k, p->rank);
    d->indices = tfl_prod(ix->dims, 0, ix->rank - 1);
  }
  return tfl_resize(ctx, out, r, od);
}

static TflStatus gather_eval(TflContext *ctx, TflNode *node) {
  const GatherData *d = node->user_data;
  TflTensor *p = tfl_input(ctx, node, 0), *ix = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(p->type);
  const char *x = p->data;
  char *o = out->data;
  size_t slice = (size_t)d->slice * es;
  if (node->op == TFL_OP_GATHER) {
    const int64_t nix = d->indices;
    for (int64_t b = 0; b < d->batches; b++)
      for (int64_t ou = 0; ou < d->outer; ou++)
        for (int64_t j = 0; j < nix; j++) {
          int64_t k = int_at(ix, b * nix + j);
          if (k < 0 || k >= d->axis_size)
            return tfl_error(ctx, "GATHER: index %lld out of range [0, %lld)", (long long)k, (long long)d->axis_size);
          memcpy(o, x + ((b * d->outer + ou) * d->axis_size + k) * slice, slice);
          o += slice;
        }
    return TFL_OK;
  }
  const int k = d->index_depth;
  for (int64_t j = 0; j < d->indices; j++) {
    int64_t off = 0;
    for (int q = 0; q < k; q++) {
      int64_t v = int_at(ix, j * k + q);
      if (v < 0 || v >= p->dims[q]) return tfl_error(ctx, "GATHER_ND: index %lld out of range for dim %d", (long long)v, q);
      off = off * p->dims[q] + v;
    }
    memcpy(o + j * slice, x + off * slice, slice);
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(gather)

const TflKernel tfl_kernels_gather[] = {
    {TFL_OP_GATHER, "GATHER", 1, 7, gather_prepare, gather_eval},
    {TFL_OP_GATHER_ND, "GATHER_ND", 1, 5, gather_prepare, gather_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
