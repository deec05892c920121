/* RANK (the input's rank as an int32 scalar) and BROADCAST_ARGS (the numpy broadcast of two int32/int64 shape
 * vectors), as LiteRT's rank.cc / broadcast_args.cc; both fold at prepare when their inputs are known. */
#include "shape_common.h"

static TflStatus rank_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out || out->type != TFL_INT32) return tfl_error(ctx, "RANK: needs an input and an int32 output");
  return tfl_resize(ctx, out, 0, NULL);
}

static TflStatus rank_eval(TflContext *ctx, TflNode *node) {
  *(int32_t *)tfl_output(ctx, node, 0)->data = tfl_input(ctx, node, 0)->rank;
  return TFL_OK;
}

/* RANK needs no input value: fold whenever the output is writable now. */
static TflStatus rank_prepare(TflContext *ctx, TflNode *node) {
  TflStatus st = rank_prepare_(ctx, node);
  if (st != TFL_OK) return st;
  return tfl_try_fold_ex(ctx, node, rank_eval, 1);
}

static TflStatus broadcast_args_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *s0 = tfl_input(ctx, node, 0), *s1 = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!s0 || !s1 || !out) return tfl_error(ctx, "BROADCAST_ARGS: needs two shapes and an output");
  if (!tfl_is_int_type(s0->type) || s1->type != s0->type || out->type != s0->type)
    return tfl_error(ctx, "BROADCAST_ARGS: shapes and output must be int32 or int64 of one type");
  if (s0->rank != 1 || s1->rank != 1) return tfl_error(ctx, "BROADCAST_ARGS: shapes must be vectors");
  int32_t n = s0->dims[0] > s1->dims[0] ? s0->dims[0] : s1->dims[0];
  return tfl_resize(ctx, out, 1, &n);
}

static TflStatus broadcast_args_eval(TflContext *ctx, TflNode *node) {
  TflTensor *s0 = tfl_input(ctx, node, 0), *s1 = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int64_t n0 = s0->dims[0], n1 = s1->dims[0], n = out->dims[0];
  for (int64_t i = 0; i < n; i++) {
    int64_t i0 = i - (n - n0), i1 = i - (n - n1);
    int64_t a = i0 >= 0 ? int_at(s0, i0) : 1, b = i1 >= 0 ? int_at(s1, i1) : 1, v;
    if (a == b || b == 1) v = a;
    else if (a == 1) v = b;
    else return tfl_error(ctx, "BROADCAST_ARGS: incompatible dimensions %lld and %lld", (long long)a, (long long)b);
    if (out->type == TFL_INT64) ((int64_t *)out->data)[i] = v;
    else ((int32_t *)out->data)[i] = (int32_t)v;
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(broadcast_args)

const TflKernel tfl_kernels_shape_query[] = {
    {TFL_OP_RANK, "RANK", 1, 1, rank_prepare, rank_eval},
    {TFL_OP_BROADCAST_ARGS, "BROADCAST_ARGS", 1, 1, broadcast_args_prepare, broadcast_args_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
