/* Ops that generate their output from shapes or scalars: FILL, RANGE (float32, int32, int64), SHAPE, ZEROS_LIKE.
 * FILL and RANGE outputs whose size depends on non-constant inputs are dynamic, resized in eval. */
#include "shape_common.h"

typedef struct {
  int dynamic; /* FILL dims / RANGE operands only known at eval */
} GenerateData;

static TflStatus fill_shape(TflContext *ctx, TflNode *node) {
  TflTensor *dims = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  int n = tfl_read_ints(dims, v, TFL_MAX_RANK);
  if (n < 0) return tfl_error(ctx, "FILL: dims must be an int vector of at most %d elements", TFL_MAX_RANK);
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < n; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX) return tfl_error(ctx, "FILL: negative or huge dimension");
    od[i] = (int32_t)v[i];
  }
  return tfl_resize(ctx, out, n, od);
}

static TflStatus range_shape(TflContext *ctx, TflNode *node) {
  TflTensor *s = tfl_input(ctx, node, 0), *l = tfl_input(ctx, node, 1), *dl = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  int64_t n;
  if (s->type == TFL_FLOAT32) {
    float a = *(const float *)s->data, b = *(const float *)l->data, c = *(const float *)dl->data;
    if (c == 0 || (b > a && c < 0) || (b < a && c > 0)) return tfl_error(ctx, "RANGE: bad delta");
    double q = ceil(fabs(((double)b - a) / c));
    if (!(q >= 0 && q <= INT32_MAX)) return tfl_error(ctx, "RANGE: too many elements");
    n = (int64_t)q;
  } else {
    int64_t a = int_at(s, 0), b = int_at(l, 0), c = int_at(dl, 0);
    if (c == 0 || (b > a && c < 0) || (b < a && c > 0)) return tfl_error(ctx, "RANGE: bad delta");
    if (a > INT32_MAX || a < -INT32_MAX || b > INT32_MAX || b < -INT32_MAX || c > INT32_MAX || c < -INT32_MAX)
      return tfl_error(ctx, "RANGE: operands out of range");
    int64_t span = b > a ? b - a : a - b, ad = c > 0 ? c : -c;
    n = (span + ad - 1) / ad;
    if (n > INT32_MAX) return tfl_error(ctx, "RANGE: too many elements");
  }
  int32_t od[1] = {(int32_t)n};
  return tfl_resize(ctx, out, 1, od);
}

static TflStatus gen_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *out = tfl_output(ctx, node, 0), *in = tfl_input(ctx, node, 0);
  if (!out || !in) return tfl_error(ctx, "%s: missing operands", name);
  GenerateData *d = tfl_set_user_data(node, sizeof(GenerateData));
  switch (node->op) {
    case TFL_OP_SHAPE: {
      if (out->type != TFL_INT32 && out->type != TFL_INT64) return tfl_error(ctx, "SHAPE: output must be int32 or int64");
      int32_t od[1] = {in->rank};
      return tfl_resize(ctx, out, 1, od);
    }
    case TFL_OP_ZEROS_LIKE:
      if (out->type != in->type) return tfl_error(ctx, "ZEROS_LIKE: output type differs");
      return tfl_resize(ctx, out, in->rank, in->dims);
    case TFL_OP_FILL: {
      TflTensor *v = tfl_input(ctx, node, 1);
      if (!v || tfl_num_elements(v) != 1 || v->type != out->type || !data_type_ok(v->type))
        return tfl_error(ctx, "FILL: value must be a scalar of the output type");
      if (!tfl_is_int_type(in->type)) return tfl_error(ctx, "FILL: dims must be int32 or int64");
      if (defer_shape(out, &d->dynamic, tfl_value_known(in))) return TFL_OK;
      return fill_shape(ctx, node);
    }
    default: { /* RANGE */
      TflTensor *l = tfl_input(ctx, node, 1), *dl = tfl_input(ctx, node, 2);
      if (!l || !dl) return tfl_error(ctx, "RANGE: needs start, limit and delta");
      int t = in->type;
      if ((t != TFL_FLOAT32 && t != TFL_INT32 && t != TFL_INT64) || l->type != t || dl->type != t || out->type != t)
        return tfl_error(ctx, "RANGE: start, limit, delta and output must share a type (float32, int32, int64)");
      if (tfl_num_elements(in) != 1 || tfl_num_elements(l) != 1 || tfl_num_elements(dl) != 1)
        return tfl_error(ctx, "RANGE: start, limit and delta must be scalars");
      if (defer_shape(out, &d->dynamic, tfl_value_known(in) && tfl_value_known(l) && tfl_value_known(dl))) return TFL_OK;
      return range_shape(ctx, node);
    }
  }
}

static TflStatus gen_eval(TflContext *ctx, TflNode *node) {
  const GenerateData *d = node->user_data;
  TflTensor *out = tfl_output(ctx, node, 0), *in = tfl_input(ctx, node, 0);
  switch (node->op) {
    case TFL_OP_SHAPE:
      for (int i = 0; i < in->rank; i++) {
        if (out->type == TFL_INT64) ((int64_t *)out->data)[i] = in->dims[i];
        else ((int32_t *)out->data)[i] = in->dims[i];
      }
      return TFL_OK;
    case TFL_OP_ZEROS_LIKE:
      if (out->bytes) memset(out->data, 0, out->bytes);
      return TFL_OK;
    case TFL_OP_FILL: {
      if (d->dynamic && fill_shape(ctx, node) != TFL_OK) return TFL_ERROR;
      TflTensor *v = tfl_input(ctx, node, 1);
      size_t es = tfl_type_size(v->type);
      int64_t n = tfl_num_elements(out);
      for (int64_t i = 0; i < n; i++) memcpy((char *)out->data + i * es, v->data, es);
      return TFL_OK;
    }
    default: {
      if (d->dynamic && range_shape(ctx, node) != TFL_OK) return TFL_ERROR;
      TflTensor *dl = tfl_input(ctx, node, 2);
      int64_t n = tfl_num_elements(out);
      if (in->type == TFL_FLOAT32) {
        float a = *(const float *)in->data, c = *(const float *)dl->data;
        for (int64_t i = 0; i < n; i++) ((float *)out->data)[i] = a + (float)i * c;
      } else if (in->type == TFL_INT32) {
        int32_t a = *(const int32_t *)in->data, c = *(const int32_t *)dl->data;
        for (int64_t i = 0; i < n; i++) ((int32_t *)out->data)[i] = (int32_t)(a + i * c);
      } else {
        int64_t a = *(const int64_t *)in->data, c = *(const int64_t *)dl->data;
        for (int64_t i = 0; i < n; i++) ((int64_t *)out->data)[i] = a + i * c;
      }
      return TFL_OK;
    }
  }
}

static TflStatus gen_prepare(TflContext *ctx, TflNode *node) {
  TflStatus st = gen_prepare_(ctx, node);
  if (st != TFL_OK) return st;
  return tfl_try_fold_ex(ctx, node, gen_eval, node->op == TFL_OP_SHAPE);
}

const TflKernel tfl_kernels_generate[] = {
    {TFL_OP_FILL, "FILL", 1, 4, gen_prepare, gen_eval},
    {TFL_OP_RANGE, "RANGE", 1, 2, gen_prepare, gen_eval},
    {TFL_OP_SHAPE, "SHAPE", 1, 1, gen_prepare, gen_eval},
    {TFL_OP_ZEROS_LIKE, "ZEROS_LIKE", 1, 1, gen_prepare, gen_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
