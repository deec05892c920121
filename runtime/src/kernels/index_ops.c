/* Index ops (LiteRT's bucketize.cc, where.cc, sparse_to_dense.cc):
 *   BUCKETIZE        the number of boundaries <= x (upper bound), int32, for float32/float64/int32/int64 x;
 *   WHERE            the int64 coordinates of the nonzero (true) elements in row-major order; the output's row
 *                    count depends on the values, so it is a dynamic tensor unless the input is known at prepare;
 *   SPARSE_TO_DENSE  output_shape filled with default_value, values written at the index rows (bounds checked);
 *   UNIQUE           the distinct elements of a vector in order of first occurrence (a dynamic length) and each
 *                    element's index into them (int32 or int64). */
#include "shape_common.h"

/* ---- BUCKETIZE ---- */
typedef struct {
  int n;
  float boundaries[];
} BucketizeData;

static TflStatus bucketize_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "BUCKETIZE: needs an input and an output");
  if (in->type != TFL_FLOAT32 && in->type != TFL_FLOAT64 && in->type != TFL_INT32 && in->type != TFL_INT64)
    return tfl_error(ctx, "BUCKETIZE: unsupported input type %s", tfl_type_name(in->type));
  if (out->type != TFL_INT32) return tfl_error(ctx, "BUCKETIZE: output must be int32");
  int n = tfl_opt_int_vec(node, TFL_BucketizeOptions_boundaries, NULL, 0);
  if (n < 0) n = 0;
  BucketizeData *d = tfl_set_user_data(node, sizeof(BucketizeData) + sizeof(float) * (size_t)n);
  if (!d) return tfl_error(ctx, "BUCKETIZE: out of memory");
  d->n = n;
  if (n) {
    int32_t *bits = malloc(sizeof(int32_t) * (size_t)n);
    if (!bits) return tfl_error(ctx, "BUCKETIZE: out of memory");
    tfl_opt_int_vec(node, TFL_BucketizeOptions_boundaries, bits, n);
    memcpy(d->boundaries, bits, sizeof(float) * (size_t)n); /* the vector holds IEEE floats */
    free(bits);
  }
  for (int i = 1; i < n; i++)
    if (d->boundaries[i] < d->boundaries[i - 1]) return tfl_error(ctx, "BUCKETIZE: boundaries must be sorted");
  return tfl_resize(ctx, out, in->rank, in->dims);
}

#define BUCKETS(T)                                                       \
  for (int64_t i = 0; i < total; i++) {                                  \
    const double v = (double)((const T *)in->data)[i];                   \
    int lo = 0, hi = d->n; /* first boundary > v */                      \
    while (lo < hi) {                                                    \
      int mid = lo + (hi - lo) / 2;                                      \
      if ((double)d->boundaries[mid] <= v) lo = mid + 1; else hi = mid;  \
    }                                                                    \
    o[i] = lo;                                                           \
  }

static TflStatus bucketize_eval(TflContext *ctx, TflNode *node) {
  const BucketizeData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t total = tfl_num_elements(in);
  int32_t *o = out->data;
  switch (in->type) {
    case TFL_FLOAT32: BUCKETS(float) break;
    case TFL_FLOAT64: BUCKETS(double) break;
    case TFL_INT32: BUCKETS(int32_t) break;
    default: BUCKETS(int64_t) break;
  }
  return TFL_OK;
}
#undef BUCKETS

/* ---- WHERE ---- */
typedef struct {
  int dynamic;
} WhereData;

static int where_nonzero(const TflTensor *t, int64_t i) {
  switch (t->type) {
    case TFL_BOOL: return ((const uint8_t *)t->data)[i] != 0;
    case TFL_FLOAT32: return ((const float *)t->data)[i] != 0.0f;
    case TFL_INT8: return ((const int8_t *)t->data)[i] != 0;
    case TFL_UINT8: return ((const uint8_t *)t->data)[i] != 0;
    case TFL_INT32: return ((const int32_t *)t->data)[i] != 0;
    case TFL_UINT32: return ((const uint32_t *)t->data)[i] != 0;
    default: return ((const int64_t *)t->data)[i] != 0;
  }
}

static TflStatus where_fill(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t total = tfl_num_elements(in);
  int64_t count = 0;
  for (int64_t i = 0; i < total; i++) count += where_nonzero(in, i);
  if (count > INT32_MAX) return tfl_error(ctx, "WHERE: too many true elements");
  int32_t od[2] = {(int32_t)count, in->rank};
  if (tfl_resize(ctx, out, 2, od) != TFL_OK) return TFL_ERROR;
  int64_t *o = out->data, st[TFL_MAX_RANK];
  row_strides(in->dims, in->rank, st);
  for (int64_t i = 0, row = 0; i < total; i++) {
    if (!where_nonzero(in, i)) continue;
    for (int k = 0; k < in->rank; k++) o[row * in->rank + k] = (i / st[k]) % in->dims[k];
    row++;
  }
  return TFL_OK;
}

static TflStatus where_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "WHERE: needs an input and an output");
  switch (in->type) {
    case TFL_BOOL: case TFL_FLOAT32: case TFL_INT8: case TFL_UINT8: case TFL_INT32: case TFL_UINT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "WHERE: unsupported input type %s", tfl_type_name(in->type));
  }
  if (out->type != TFL_INT64) return tfl_error(ctx, "WHERE: output must be int64");
  WhereData *d = tfl_set_user_data(node, sizeof(WhereData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(in))) return TFL_OK;
  return where_fill(ctx, node);
}

static TflStatus where_eval(TflContext *ctx, TflNode *node) {
  const WhereData *d = node->user_data;
  return d->dynamic ? where_fill(ctx, node) : TFL_OK;
}

/* ---- SPARSE_TO_DENSE ---- */
typedef struct {
  int dynamic;
} SparseToDenseData;

static TflStatus sparse_to_dense_shape(TflContext *ctx, TflNode *node) {
  TflTensor *shape = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  int r = tfl_read_ints(shape, v, TFL_MAX_RANK);
  if (r < 0 || shape->rank != 1) return tfl_error(ctx, "SPARSE_TO_DENSE: output_shape must be a vector of rank <= %d", TFL_MAX_RANK);
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < r; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX) return tfl_error(ctx, "SPARSE_TO_DENSE: bad output dimension %lld", (long long)v[i]);
    od[i] = (int32_t)v[i];
  }
  return tfl_resize(ctx, out, r, od);
}

static TflStatus sparse_to_dense_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *idx = tfl_input(ctx, node, 0), *shape = tfl_input(ctx, node, 1), *values = tfl_input(ctx, node, 2);
  TflTensor *def = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  if (!idx || !shape || !values || !def || !out) return tfl_error(ctx, "SPARSE_TO_DENSE: needs 4 inputs and an output");
  if (!tfl_is_int_type(idx->type) || !tfl_is_int_type(shape->type)) return tfl_error(ctx, "SPARSE_TO_DENSE: indices and shape must be int32 or int64");
  switch (values->type) {
    case TFL_FLOAT32: case TFL_INT8: case TFL_UINT8: case TFL_INT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "SPARSE_TO_DENSE: unsupported value type %s", tfl_type_name(values->type));
  }
  if (def->type != values->type || out->type != values->type || tfl_num_elements(def) != 1)
    return tfl_error(ctx, "SPARSE_TO_DENSE: default_value must be a scalar of the values' type");
  if (idx->rank > 2 || values->rank > 1) return tfl_error(ctx, "SPARSE_TO_DENSE: indices rank <= 2, values rank <= 1");
  SparseToDenseData *d = tfl_set_user_data(node, sizeof(SparseToDenseData));
  if (defer_shape(out, &d->dynamic, tfl_value_known(shape))) return TFL_OK;
  return sparse_to_dense_shape(ctx, node);
}

static TflStatus sparse_to_dense_eval(TflContext *ctx, TflNode *node) {
  const SparseToDenseData *d = node->user_data;
  if (d->dynamic && sparse_to_dense_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *idx = tfl_input(ctx, node, 0), *values = tfl_input(ctx, node, 2), *def = tfl_input(ctx, node, 3);
  TflTensor *out = tfl_output(ctx, node, 0);
  const size_t es = tfl_type_size(out->type);
  const int64_t total = tfl_num_elements(out);
  char *o = out->data;
  for (int64_t i = 0; i < total; i++) memcpy(o + (size_t)i * es, def->data, es);
  /* indices: a scalar (one index of a vector), a vector (N indices of a vector), or an N x rank matrix */
  const int64_t n = idx->rank == 0 ? 1 : idx->dims[0];
  const int width = idx->rank == 2 ? idx->dims[1] : 1;
  if (width != (out->rank ? out->rank : 1) || (idx->rank < 2 && out->rank != 1))
    return tfl_error(ctx, "SPARSE_TO_DENSE: index rows of %d do not address a rank-%d output", width, out->rank);
  const int64_t nv = tfl_num_elements(values);
  if (nv != 1 && nv != n) return tfl_error(ctx, "SPARSE_TO_DENSE: %lld values for %lld indices", (long long)nv, (long long)n);
  int64_t st[TFL_MAX_RANK];
  row_strides(out->dims, out->rank, st);
  for (int64_t r = 0; r < n; r++) {
    int64_t off = 0;
    for (int k = 0; k < width; k++) {
      const int64_t c = int_at(idx, r * width + k);
      if (c < 0 || c >= out->dims[k]) return tfl_error(ctx, "SPARSE_TO_DENSE: index %lld out of bounds", (long long)c);
      off += c * st[k];
    }
    memcpy(o + (size_t)off * es, (const char *)values->data + (size_t)(nv == 1 ? 0 : r) * es, es);
  }
  return TFL_OK;
}

/* ---- UNIQUE ---- */
static TflStatus unique_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0), *idx = tfl_output(ctx, node, 1);
  if (!in || !out || !idx) return tfl_error(ctx, "UNIQUE: needs an input and two outputs");
  switch (in->type) {
    case TFL_FLOAT32: case TFL_INT8: case TFL_UINT8: case TFL_INT16: case TFL_INT32: case TFL_INT64: break;
    default: return tfl_error(ctx, "UNIQUE: unsupported type %s", tfl_type_name(in->type));
  }
  if (out->type != in->type || !tfl_is_int_type(idx->type)) return tfl_error(ctx, "UNIQUE: bad output types");
  if (in->rank != 1) return tfl_error(ctx, "UNIQUE: input must be a vector");
  out->alloc = TFL_ALLOC_DYNAMIC;
  return tfl_resize(ctx, idx, 1, in->dims);
}

static TflStatus unique_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0), *idx = tfl_output(ctx, node, 1);
  const int32_t n = in->dims[0];
  const size_t es = tfl_type_size(in->type);
  int32_t *first = tfl_eval_scratch(ctx, sizeof(int32_t) * (size_t)(n ? n : 1)); /* position of each distinct value */
  if (!first) return tfl_error(ctx, "UNIQUE: out of memory");
  const char *x = in->data;
  int32_t count = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t k = 0;
    if (in->type == TFL_FLOAT32) { /* by value: -0 equals 0 */
      const float v = ((const float *)x)[i];
      while (k < count && ((const float *)x)[first[k]] != v) k++;
    } else {
      while (k < count && memcmp(x + (size_t)first[k] * es, x + (size_t)i * es, es) != 0) k++;
    }
    if (k == count) first[count++] = i;
    if (idx->type == TFL_INT64) ((int64_t *)idx->data)[i] = k;
    else ((int32_t *)idx->data)[i] = k;
  }
  if (tfl_resize(ctx, out, 1, &count) != TFL_OK) return TFL_ERROR;
  for (int32_t k = 0; k < count; k++) memcpy((char *)out->data + (size_t)k * es, x + (size_t)first[k] * es, es);
  return TFL_OK;
}

const TflKernel tfl_kernels_index_ops[] = {
    {TFL_OP_UNIQUE, "UNIQUE", 1, 1, unique_prepare, unique_eval},
    {TFL_OP_BUCKETIZE, "BUCKETIZE", 1, 1, bucketize_prepare, bucketize_eval},
    {TFL_OP_WHERE, "WHERE", 1, 2, where_prepare, where_eval},
    {TFL_OP_SPARSE_TO_DENSE, "SPARSE_TO_DENSE", 1, 3, sparse_to_dense_prepare, sparse_to_dense_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
