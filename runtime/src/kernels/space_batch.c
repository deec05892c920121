/* SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, every element type: input [batch, spatial (M dims), rest...] moved between
 * the batch and the M spatial dims in blocks, as TensorFlow's ops. SPACE_TO_BATCH_ND pads the spatial dims first (with
 * the output's zero point when quantized, else 0); BATCH_TO_SPACE_ND crops them after. The block shape and the
 * paddings/crops are read at prepare when known, else at eval. */
#include "shape_common.h"

typedef struct {
  int dynamic;
  int m;                             /* spatial dims */
  int64_t block[TFL_MAX_RANK];       /* block_shape */
  int64_t lo[TFL_MAX_RANK];          /* pad (space to batch) or crop (batch to space) at the start of each dim */
  int32_t out_dims[TFL_MAX_RANK];
} SpaceBatchData;

static int space_to_batch(const TflNode *node) { return node->op == TFL_OP_SPACE_TO_BATCH_ND; }

static TflStatus sb_shape(TflContext *ctx, TflNode *node, SpaceBatchData *d) {
  const char *name = space_to_batch(node) ? "SPACE_TO_BATCH_ND" : "BATCH_TO_SPACE_ND";
  TflTensor *in = tfl_input(ctx, node, 0), *bs = tfl_input(ctx, node, 1), *pc = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  int64_t b[TFL_MAX_RANK], p[2 * TFL_MAX_RANK];
  int m = tfl_read_ints(bs, b, TFL_MAX_RANK);
  if (m < 1 || m > in->rank - 1 || bs->rank != 1) return tfl_error(ctx, "%s: block_shape must have 1 to rank-1 elements", name);
  if (tfl_read_ints(pc, p, 2 * TFL_MAX_RANK) != 2 * m || pc->rank != 2) return tfl_error(ctx, "%s: paddings/crops must be [%d, 2]", name, m);
  int64_t prod = 1;
  for (int i = 0; i < m; i++) {
    if (b[i] < 1 || b[i] > INT32_MAX || p[2 * i] < 0 || p[2 * i + 1] < 0) return tfl_error(ctx, "%s: bad block shape or paddings", name);
    prod *= b[i];
    if (prod > INT32_MAX) return tfl_error(ctx, "%s: block too large", name);
  }
  d->m = m;
  int32_t dims[TFL_MAX_RANK];
  memcpy(dims, in->dims, sizeof dims);
  for (int i = 0; i < m; i++) {
    d->block[i] = b[i];
    d->lo[i] = p[2 * i];
    int64_t s = in->dims[i + 1];
    if (space_to_batch(node)) {
      s += p[2 * i] + p[2 * i + 1];
      if (s % b[i]) return tfl_error(ctx, "%s: padded dim %d is not a multiple of the block", name, i + 1);
      s /= b[i];
    } else {
      s = s * b[i] - p[2 * i] - p[2 * i + 1];
      if (s < 0) return tfl_error(ctx, "%s: crops larger than dim %d", name, i + 1);
    }
    if (s > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
    dims[i + 1] = (int32_t)s;
  }
  if (space_to_batch(node)) {
    if ((int64_t)in->dims[0] * prod > INT32_MAX) return tfl_error(ctx, "%s: output batch too large", name);
    dims[0] = (int32_t)(in->dims[0] * prod);
  } else {
    if (in->dims[0] % prod) return tfl_error(ctx, "%s: batch %d is not a multiple of the block size", name, in->dims[0]);
    dims[0] = (int32_t)(in->dims[0] / prod);
  }
  memcpy(d->out_dims, dims, sizeof dims);
  return tfl_resize(ctx, out, in->rank, dims);
}

static TflStatus sb_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *bs = tfl_input(ctx, node, 1), *pc = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !bs || !pc || !out) return tfl_error(ctx, "%s: missing operands", tfl_op_name(node->op));
  if (!data_type_ok(in->type) || out->type != in->type || !tfl_is_int_type(bs->type) || !tfl_is_int_type(pc->type))
    return tfl_error(ctx, "%s: unsupported or mismatched types", tfl_op_name(node->op));
  if (!same_quant(in, out)) return tfl_error(ctx, "%s: input and output quantization differ", tfl_op_name(node->op));
  if (in->rank < 2) return tfl_error(ctx, "%s: input rank must be at least 2", tfl_op_name(node->op));
  SpaceBatchData *d = tfl_set_user_data(node, sizeof(SpaceBatchData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(bs) && tfl_value_known(pc))) return TFL_OK;
  return sb_shape(ctx, node, d);
}

/* Fills n elements of size es with the pad value (0, or the zero point of a quantized tensor). */
static void fill_pad(char *dst, int64_t n, size_t es, const TflTensor *t) {
  memset(dst, 0, (size_t)n * es);
  if (t->nq != 1 || t->zero_points[0] == 0) return;
  int64_t z = t->zero_points[0];
  for (int64_t i = 0; i < n; i++) {
    if (t->type == TFL_INT8) ((int8_t *)dst)[i] = (int8_t)z;
    else if (t->type == TFL_UINT8) ((uint8_t *)dst)[i] = (uint8_t)z;
    else if (t->type == TFL_INT16) ((int16_t *)dst)[i] = (int16_t)z;
  }
}

static TflStatus sb_eval(TflContext *ctx, TflNode *node) {
  SpaceBatchData *d = node->user_data;
  if (d->dynamic && sb_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int R = in->rank, m = d->m;
  size_t es = tfl_type_size(in->type);
  int64_t inner = 1; /* elements per [batch, spatial...] position */
  for (int i = m + 1; i < R; i++) inner *= in->dims[i];
  if (tfl_num_elements(out) == 0) return TFL_OK;
  int64_t ist[TFL_MAX_RANK];
  row_strides(in->dims, R, ist);
  int s2b = space_to_batch(node);
  int64_t in_batch = in->dims[0], out_batch = d->out_dims[0];
  const char *x = in->data;
  char *o = out->data;
  /* walk the output's [batch, spatial...] positions in order; each is `inner` contiguous elements */
  int64_t pos[TFL_MAX_RANK] = {0};
  int64_t npos = out_batch;
  for (int i = 0; i < m; i++) npos *= d->out_dims[i + 1];
  for (int64_t k = 0; k < npos; k++, o += inner * (int64_t)es) {
    /* pos[0] = output batch, pos[1..m] = output spatial index (row-major, last fastest) */
    int64_t rem = k;
    for (int i = m; i >= 1; i--) {
      pos[i] = rem % d->out_dims[i];
      rem /= d->out_dims[i];
    }
    pos[0] = rem;
    int64_t off = 0;
    int inside = 1;
    if (s2b) {
      /* output batch = block offset (row-major over the block dims) * in_batch + input batch */
      int64_t b = pos[0] % in_batch, blk = pos[0] / in_batch;
      off = b * ist[0];
      for (int i = m - 1; i >= 0; i--) {
        int64_t oi = blk % d->block[i];
        blk /= d->block[i];
        int64_t src = pos[i + 1] * d->block[i] + oi - d->lo[i];
        if (src < 0 || src >= in->dims[i + 1]) inside = 0;
        off += src * ist[i + 1];
      }
    } else {
      int64_t blk = 0;
      for (int i = 0; i < m; i++) {
        int64_t full = pos[i + 1] + d->lo[i];
        blk = blk * d->block[i] + full % d->block[i];
        off += (full / d->block[i]) * ist[i + 1];
      }
      off += (blk * out_batch + pos[0]) * ist[0];
    }
    if (inside)
      memcpy(o, x + off * (int64_t)es, (size_t)inner * es);
    else
      fill_pad(o, inner, es, out);
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(sb)

const TflKernel tfl_kernels_space_batch[] = {
    {TFL_OP_SPACE_TO_BATCH_ND, "SPACE_TO_BATCH_ND", 1, 4, sb_prepare, sb_eval},
    {TFL_OP_BATCH_TO_SPACE_ND, "BATCH_TO_SPACE_ND", 1, 4, sb_prepare, sb_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
