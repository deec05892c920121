/* Sequence and slice updates (LiteRT's reverse_sequence.cc, dynamic_update_slice.cc):
 *   REVERSE_SEQUENCE      for batch b, the first seq_lengths[b] elements along seq_dim reversed, the rest copied;
 *   DYNAMIC_UPDATE_SLICE  operand with update written at start_indices, each start clamped to
 *                         [0, operand dim - update dim] as XLA's DynamicUpdateSlice. */
#include "shape_common.h"

static TflStatus reverse_sequence_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *len = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !len || !out) return tfl_error(ctx, "REVERSE_SEQUENCE: needs input, seq_lengths and an output");
  switch (in->type) {
    case TFL_FLOAT32: case TFL_UINT8: case TFL_INT16: case TFL_INT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "REVERSE_SEQUENCE: unsupported type %s", tfl_type_name(in->type));
  }
  if (out->type != in->type || !tfl_is_int_type(len->type)) return tfl_error(ctx, "REVERSE_SEQUENCE: bad types");
  const TflReverseSequenceOptions o = tfl_ReverseSequenceOptions(node);
  if (o.seq_dim < 0 || o.seq_dim >= in->rank || o.batch_dim < 0 || o.batch_dim >= in->rank || o.seq_dim == o.batch_dim)
    return tfl_error(ctx, "REVERSE_SEQUENCE: bad seq_dim %d / batch_dim %d for rank %d", o.seq_dim, o.batch_dim, in->rank);
  if (len->rank != 1 || len->dims[0] != in->dims[o.batch_dim])
    return tfl_error(ctx, "REVERSE_SEQUENCE: seq_lengths must have one entry per batch");
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus reverse_sequence_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *len = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const TflReverseSequenceOptions o = tfl_ReverseSequenceOptions(node);
  const size_t es = tfl_type_size(in->type);
  const int64_t total = tfl_num_elements(in);
  for (int64_t b = 0; b < in->dims[o.batch_dim]; b++) {
    const int64_t n = int_at(len, b);
    if (n < 0 || n > in->dims[o.seq_dim]) return tfl_error(ctx, "REVERSE_SEQUENCE: seq_lengths[%lld] = %lld out of range", (long long)b, (long long)n);
  }
  int64_t st[TFL_MAX_RANK];
  row_strides(in->dims, in->rank, st);
  const char *x = in->data;
  char *y = out->data;
  for (int64_t i = 0; i < total; i++) {
    const int64_t b = (i / st[o.batch_dim]) % in->dims[o.batch_dim], s = (i / st[o.seq_dim]) % in->dims[o.seq_dim];
    const int64_t n = int_at(len, b);
    const int64_t src = s < n ? i + (n - 1 - 2 * s) * st[o.seq_dim] : i;
    memcpy(y + (size_t)i * es, x + (size_t)src * es, es);
  }
  return TFL_OK;
}

static TflStatus dynamic_update_slice_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *upd = tfl_input(ctx, node, 1), *idx = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !upd || !idx || !out) return tfl_error(ctx, "DYNAMIC_UPDATE_SLICE: needs operand, update, indices and an output");
  switch (in->type) {
    case TFL_FLOAT32: case TFL_BOOL: case TFL_INT8: case TFL_INT16: case TFL_INT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "DYNAMIC_UPDATE_SLICE: unsupported type %s", tfl_type_name(in->type));
  }
  if (upd->type != in->type || out->type != in->type || !tfl_is_int_type(idx->type))
    return tfl_error(ctx, "DYNAMIC_UPDATE_SLICE: bad types");
  if (upd->rank != in->rank || idx->rank != 1 || idx->dims[0] != in->rank)
    return tfl_error(ctx, "DYNAMIC_UPDATE_SLICE: update and indices must match the operand's rank");
  for (int i = 0; i < in->rank; i++)
    if (upd->dims[i] > in->dims[i]) return tfl_error(ctx, "DYNAMIC_UPDATE_SLICE: update larger than the operand");
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus dynamic_update_slice_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *upd = tfl_input(ctx, node, 1), *idx = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const size_t es = tfl_type_size(in->type);
  if (out->data != in->data) memcpy(out->data, in->data, (size_t)tfl_num_elements(in) * es);
  if (tfl_num_elements(upd) == 0) return TFL_OK;
  int64_t st[TFL_MAX_RANK], ust[TFL_MAX_RANK], base = 0;
  row_strides(in->dims, in->rank, st);
  row_strides(upd->dims, upd->rank, ust);
  for (int k = 0; k < in->rank; k++) {
    int64_t s = int_at(idx, k), hi = in->dims[k] - upd->dims[k];
    s = s < 0 ? 0 : s > hi ? hi : s;
    base += s * st[k];
  }
  /* write the update into the output through the output's strides */
  Odometer od;
  odo_init(&od, upd->dims, upd->rank, 1, st, NULL, NULL, base);
  const int64_t total = tfl_num_elements(upd);
  for (int64_t i = 0; i < total; i++, odo_next(&od))
    memcpy((char *)out->data + (size_t)od.off[0] * es, (const char *)upd->data + (size_t)i * es, es);
  return TFL_OK;
}

const TflKernel tfl_kernels_sequence[] = {
    {TFL_OP_REVERSE_SEQUENCE, "REVERSE_SEQUENCE", 1, 1, reverse_sequence_prepare, reverse_sequence_eval},
    {TFL_OP_DYNAMIC_UPDATE_SLICE, "DYNAMIC_UPDATE_SLICE", 1, 4, dynamic_update_slice_prepare, dynamic_update_slice_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
