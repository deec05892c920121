/* TILE, every element type: each output row along the last dim repeats one input row. */
#include "shape_common.h"

typedef struct {
  int dynamic; /* multiples only known at eval */
  int32_t out_dims[TFL_MAX_RANK];
} TileData;

static TflStatus tile_shape(TflContext *ctx, TflNode *node, TileData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *m = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  if (tfl_read_ints(m, v, TFL_MAX_RANK) != in->rank) return tfl_error(ctx, "TILE: multiples must have %d elements", in->rank);
  for (int i = 0; i < in->rank; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX || (int64_t)in->dims[i] * v[i] > INT32_MAX) return tfl_error(ctx, "TILE: bad multiple");
    d->out_dims[i] = (int32_t)(in->dims[i] * v[i]);
  }
  return tfl_resize(ctx, out, in->rank, d->out_dims);
}

static TflStatus tile_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *m = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !m || !out) return tfl_error(ctx, "TILE: missing operands");
  if (!data_type_ok(in->type) || out->type != in->type) return tfl_error(ctx, "TILE: unsupported or mismatched types");
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  TileData *d = tfl_set_user_data(node, sizeof(TileData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(m))) return TFL_OK;
  return tile_shape(ctx, node, d);
}

static TflStatus tile_eval(TflContext *ctx, TflNode *node) {
  TileData *d = node->user_data;
  if (d->dynamic && tile_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t total = tfl_num_elements(out);
  if (total == 0) return TFL_OK;
  size_t es = tfl_type_size(in->type);
  int R = in->rank;
  if (R == 0) {
    memcpy(out->data, in->data, es);
    return TFL_OK;
  }
  int64_t ist[TFL_MAX_RANK];
  row_strides(in->dims, R, ist);
  /* rows along the last output dim: copy the input row repeatedly */
  int64_t inner = d->out_dims[R - 1], outer = total / inner, idim = in->dims[R - 1];
  Odometer od; /* output rows */
  odo_init(&od, d->out_dims, R - 1, 0, NULL, NULL, NULL, 0);
  char *o = out->data;
  const char *x = in->data;
  for (int64_t k = 0; k < outer; k++, odo_next(&od)) {
    int64_t off = 0;
    for (int i = 0; i < R - 1; i++) off += (od.idx[i] % in->dims[i]) * ist[i];
    for (int64_t j = 0; j < inner; j += idim) memcpy(o + (k * inner + j) * es, x + off * es, (size_t)idim * es);
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(tile)

const TflKernel tfl_kernels_tile[] = {
    {TFL_OP_TILE, "TILE", 1, 3, tile_prepare, tile_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
