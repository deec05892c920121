/* MATRIX_DIAG and MATRIX_SET_DIAG, every element type (copied by size), main diagonal only as LiteRT:
 * MATRIX_DIAG turns diagonal [..., N] into [..., N, N] zeros with that diagonal; MATRIX_SET_DIAG replaces the main
 * diagonal of input [..., M, N] by diagonal [..., min(M, N)]. */
#include "shape_common.h"

static TflStatus diag_prepare(TflContext *ctx, TflNode *node) {
  int set = node->op == TFL_OP_MATRIX_SET_DIAG;
  const char *name = set ? "MATRIX_SET_DIAG" : "MATRIX_DIAG";
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  TflTensor *diag = set ? tfl_input(ctx, node, 1) : in;
  if (!in || !diag || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type) || out->type != in->type || diag->type != in->type)
    return tfl_error(ctx, "%s: unsupported or mismatched types", name);
  if (!same_quant(in, out) || !same_quant(diag, out)) return tfl_error(ctx, "%s: quantization differs", name);
  if (set) {
    if (in->rank < 2 || diag->rank != in->rank - 1) return tfl_error(ctx, "%s: bad ranks", name);
    int m = in->dims[in->rank - 2], n = in->dims[in->rank - 1];
    for (int i = 0; i < in->rank - 2; i++)
      if (diag->dims[i] != in->dims[i]) return tfl_error(ctx, "%s: batch dims differ", name);
    if (diag->dims[diag->rank - 1] != (m < n ? m : n)) return tfl_error(ctx, "%s: diagonal length must be min(M, N)", name);
    return tfl_resize(ctx, out, in->rank, in->dims);
  }
  if (in->rank < 1 || in->rank + 1 > TFL_MAX_RANK) return tfl_error(ctx, "%s: bad input rank", name);
  if (out->nq == 1 && out->zero_points[0] != 0) return tfl_error(ctx, "%s: nonzero zero point unsupported", name);
  int32_t dims[TFL_MAX_RANK];
  memcpy(dims, in->dims, sizeof(int32_t) * (size_t)in->rank);
  dims[in->rank] = in->dims[in->rank - 1];
  return tfl_resize(ctx, out, in->rank + 1, dims);
}

static TflStatus diag_eval(TflContext *ctx, TflNode *node) {
  int set = node->op == TFL_OP_MATRIX_SET_DIAG;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  TflTensor *diag = set ? tfl_input(ctx, node, 1) : in;
  size_t es = tfl_type_size(out->type);
  int m = out->dims[out->rank - 2], n = out->dims[out->rank - 1], len = m < n ? m : n;
  int64_t batches = m && n ? tfl_num_elements(out) / ((int64_t)m * n) : 0;
  char *o = out->data;
  const char *d = diag->data;
  if (set)
    memcpy(o, in->data, (size_t)tfl_num_elements(out) * es);
  else
    memset(o, 0, (size_t)tfl_num_elements(out) * es); /* zero for every type; a quantized zero point is refused above */
  for (int64_t b = 0; b < batches; b++)
    for (int i = 0; i < len; i++)
      memcpy(o + ((b * m + i) * (int64_t)n + i) * (int64_t)es, d + (b * len + i) * (int64_t)es, es);
  return TFL_OK;
}

const TflKernel tfl_kernels_matrix_diag[] = {
    {TFL_OP_MATRIX_DIAG, "MATRIX_DIAG", 1, 1, diag_prepare, diag_eval},
    {TFL_OP_MATRIX_SET_DIAG, "MATRIX_SET_DIAG", 1, 1, diag_prepare, diag_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
