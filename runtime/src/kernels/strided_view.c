/* TRANSPOSE, SLICE, STRIDED_SLICE, BROADCAST_TO and REVERSE_V2 (every element type) as one strided view of the
 * input: out[idx] = in[base + sum idx[i] * stride[i]] over the view's dims. DEPTH_TO_SPACE and SPACE_TO_DEPTH are a
 * rank-6 view of the same kind. */
#include "shape_common.h"

#define MAX_SLICE_SPECS 16 /* STRIDED_SLICE begin/end/strides entries (ellipsis and new axes included) */

typedef struct {
  int dynamic;                   /* perm/begin/size/shape/axis inputs only known at eval */
  int64_t base;                  /* input element of the view's first output element */
  int64_t stride[TFL_MAX_RANK];  /* input element step per view dim (0: broadcast, negative: reversed) */
  int32_t dims[TFL_MAX_RANK];    /* view dims = output dims, new axes included */
  int rank;
} ViewData;

/* TRANSPOSE */
static TflStatus transpose_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *p = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t perm[TFL_MAX_RANK];
  int n = tfl_read_ints(p, perm, TFL_MAX_RANK);
  if (n != in->rank) return tfl_error(ctx, "TRANSPOSE: perm has %d entries for rank %d", n, in->rank);
  int64_t st[TFL_MAX_RANK];
  row_strides(in->dims, in->rank, st);
  int seen[TFL_MAX_RANK] = {0};
  for (int i = 0; i < n; i++) {
    int a = tfl_norm_axis(perm[i], in->rank);
    if (a < 0 || seen[a]) return tfl_error(ctx, "TRANSPOSE: invalid permutation");
    seen[a] = 1;
    d->dims[i] = in->dims[a];
    d->stride[i] = st[a];
  }
  d->rank = n;
  d->base = 0;
  return tfl_resize(ctx, out, n, d->dims);
}

/* SLICE */
static TflStatus slice_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *bt = tfl_input(ctx, node, 1), *st = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  int64_t b[TFL_MAX_RANK], sz[TFL_MAX_RANK];
  if (tfl_read_ints(bt, b, TFL_MAX_RANK) != in->rank || tfl_read_ints(st, sz, TFL_MAX_RANK) != in->rank)
    return tfl_error(ctx, "SLICE: begin and size must have %d elements", in->rank);
  int64_t stride[TFL_MAX_RANK];
  row_strides(in->dims, in->rank, stride);
  d->base = 0;
  for (int i = 0; i < in->rank; i++) {
    int64_t len = sz[i] == -1 ? in->dims[i] - b[i] : sz[i];
    if (b[i] < 0 || b[i] > in->dims[i] || len < 0 || len > in->dims[i] - b[i])
      return tfl_error(ctx, "SLICE: begin %lld size %lld out of range for dim %d of size %d", (long long)b[i],
                       (long long)sz[i], i, in->dims[i]);
    d->dims[i] = (int32_t)len;
    d->stride[i] = stride[i];
    d->base += b[i] * stride[i];
  }
  d->rank = in->rank;
  return tfl_resize(ctx, out, in->rank, d->dims);
}

/* STRIDED_SLICE (TF semantics: dense spec from sparse spec with ellipsis/new_axis/shrink masks). */
static TflStatus sslice_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *bt = tfl_input(ctx, node, 1), *et = tfl_input(ctx, node, 2);
  TflTensor *stt = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  int64_t b[MAX_SLICE_SPECS], e[MAX_SLICE_SPECS], s[MAX_SLICE_SPECS];
  int n = tfl_read_ints(bt, b, MAX_SLICE_SPECS);
  if (n < 0 || tfl_read_ints(et, e, MAX_SLICE_SPECS) != n || tfl_read_ints(stt, s, MAX_SLICE_SPECS) != n)
    return tfl_error(ctx, "STRIDED_SLICE: begin, end and strides must be int vectors of equal length <= %d", MAX_SLICE_SPECS);
  const TflStridedSliceOptions o = tfl_StridedSliceOptions(node);
  int bm = o.begin_mask, em = o.end_mask, elm = o.ellipsis_mask;
  int nam = o.new_axis_mask, sam = o.shrink_axis_mask, offset = o.offset;
  int R = in->rank;
  int64_t st[TFL_MAX_RANK];
  row_strides(in->dims, R, st);
  /* does the sparse spec contain an ellipsis? if not, an implicit one follows the last entry */
  int has_ell = 0;
  for (int i = 0; i < n; i++)
    if (elm & (1 << i)) has_ell = 1;
  int nspec = has_ell ? n : n + 1;
  int full = 0, orank = 0;
  int32_t od[TFL_MAX_RANK];
  d->base = 0;
  d->rank = 0;
  for (int i = 0; i < nspec; i++) {
    int is_ell = (i == n) || (elm & (1 << i));
    if (is_ell) {
      /* the ellipsis covers every dim not consumed by the specs after it */
      int consume = 0;
      for (int j = i + 1; j < n; j++)
        if (!(nam & (1 << j)) && !(elm & (1 << j))) consume++;
      int next = R - consume;
      if (next < full) return tfl_error(ctx, "STRIDED_SLICE: too many indices for rank %d", R);
      for (; full < next; full++) {
        if (orank >= TFL_MAX_RANK) return tfl_error(ctx, "STRIDED_SLICE: output rank too large");
        od[orank++] = in->dims[full];
        d->dims[d->rank] = in->dims[full];
        d->stride[d->rank++] = st[full];
      }
      continue;
    }
    if (nam & (1 << i)) {
      if (orank >= TFL_MAX_RANK) return tfl_error(ctx, "STRIDED_SLICE: output rank too large");
      od[orank++] = 1;
      d->dims[d->rank] = 1;
      d->stride[d->rank++] = 0;
      continue;
    }
    if (full >= R) return tfl_error(ctx, "STRIDED_SLICE: too many indices for rank %d", R);
    int64_t dim = in->dims[full], stride = s[i];
    if (stride == 0) return tfl_error(ctx, "STRIDED_SLICE: stride must be non-zero");
    if (stride > INT32_MAX || stride < -INT32_MAX || b[i] > INT32_MAX || b[i] < -INT32_MAX || e[i] > INT32_MAX ||
        e[i] < -INT32_MAX)
      return tfl_error(ctx, "STRIDED_SLICE: begin/end/stride out of int32 range");
    int64_t bb = b[i], ee = offset ? b[i] + e[i] : e[i];
    if (sam & (1 << i)) {
      if (bb < 0) bb += dim;
      if (bb < 0 || bb >= dim) return tfl_error(ctx, "STRIDED_SLICE: index %lld out of range for dim %d", (long long)b[i], full);
      d->base += bb * st[full];
      full++;
      continue;
    }
    if (bm & (1 << i)) {
      bb = stride > 0 ? 0 : dim - 1;
    } else {
      if (bb < 0) bb += dim;
      if (stride > 0) bb = bb < 0 ? 0 : (bb > dim ? dim : bb);
      else bb = bb < -1 ? -1 : (bb > dim - 1 ? dim - 1 : bb);
    }
    if (em & (1 << i)) {
      ee = stride > 0 ? dim : -1;
    } else {
      if (ee < 0) ee += dim;
      if (stride > 0) ee = ee < 0 ? 0 : (ee > dim ? dim : ee);
      else ee = ee < -1 ? -1 : (ee > dim - 1 ? dim - 1 : ee);
    }
    int64_t len = stride > 0 ? (ee - bb + stride - 1) / stride : (bb - ee + (-stride) - 1) / (-stride);
    if (len < 0) len = 0;
    if (orank >= TFL_MAX_RANK) return tfl_error(ctx, "STRIDED_SLICE: output rank too large");
    od[orank++] = (int32_t)len;
    d->dims[d->rank] = (int32_t)len;
    d->stride[d->rank++] = stride * st[full];
    if (len > 0) d->base += bb * st[full];
    full++;
  }
  return tfl_resize(ctx, out, orank, od);
}

/* BROADCAST_TO */
static TflStatus bto_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *sh = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  int n = tfl_read_ints(sh, v, TFL_MAX_RANK);
  if (n < 0 || n < in->rank) return tfl_error(ctx, "BROADCAST_TO: shape must be an int vector of rank >= input rank");
  int64_t st[TFL_MAX_RANK];
  row_strides(in->dims, in->rank, st);
  for (int i = 0; i < n; i++) {
    int j = i - (n - in->rank);
    int32_t di = j >= 0 ? in->dims[j] : 1;
    if (v[i] < 0 || v[i] > INT32_MAX || (di != v[i] && di != 1))
      return tfl_error(ctx, "BROADCAST_TO: input dim %d does not broadcast to %lld", di, (long long)v[i]);
    d->dims[i] = (int32_t)v[i];
    d->stride[i] = (j >= 0 && di != 1) ? st[j] : 0;
  }
  d->rank = n;
  d->base = 0;
  return tfl_resize(ctx, out, n, d->dims);
}

/* REVERSE_V2 */
static TflStatus reverse_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t a[TFL_MAX_RANK];
  int n = tfl_read_ints(ax, a, TFL_MAX_RANK);
  if (n < 0) return tfl_error(ctx, "REVERSE_V2: bad axis tensor");
  row_strides(in->dims, in->rank, d->stride);
  memcpy(d->dims, in->dims, sizeof(int32_t) * (size_t)in->rank);
  d->base = 0;
  for (int i = 0; i < n; i++) {
    int x = tfl_norm_axis(a[i], in->rank);
    if (x < 0) return tfl_error(ctx, "REVERSE_V2: axis out of range");
    if (d->stride[x] > 0 && in->dims[x] > 0) {
      d->base += (int64_t)(in->dims[x] - 1) * d->stride[x];
      d->stride[x] = -d->stride[x];
    }
  }
  d->rank = in->rank;
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus view_shape(TflContext *ctx, TflNode *node, ViewData *d) {
  switch (node->op) {
    case TFL_OP_TRANSPOSE: return transpose_shape(ctx, node, d);
    case TFL_OP_SLICE: return slice_shape(ctx, node, d);
    case TFL_OP_STRIDED_SLICE: return sslice_shape(ctx, node, d);
    case TFL_OP_BROADCAST_TO: return bto_shape(ctx, node, d);
    default: return reverse_shape(ctx, node, d);
  }
}

static TflStatus view_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing input or output", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  int nv = node->op == TFL_OP_STRIDED_SLICE ? 3 : node->op == TFL_OP_SLICE ? 2 : 1;
  int known = 1;
  for (int i = 1; i <= nv; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    if (!t) return tfl_error(ctx, "%s: missing input %d", name, i);
    if (!tfl_is_int_type(t->type)) return tfl_error(ctx, "%s: input %d must be int32 or int64", name, i);
    known &= tfl_value_known(t);
  }
  ViewData *d = tfl_set_user_data(node, sizeof(ViewData));
  if (defer_shape(out, &d->dynamic, known)) return TFL_OK;
  return view_shape(ctx, node, d);
}

static TflStatus view_eval(TflContext *ctx, TflNode *node) {
  ViewData *d = node->user_data;
  if (d->dynamic && view_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  strided_copy(in->data, d->base, d->stride, d->dims, d->rank, out->data, tfl_type_size(in->type));
  return TFL_OK;
}

TFL_FOLDING_PREPARE(view)

/* --------------------------------------------------------------------------- DEPTH_TO_SPACE / SPACE_TO_DEPTH */

typedef struct {
  int block_size;
} DepthSpaceData;

static TflStatus d2s_prepare(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type) || out->type != in->type) return tfl_error(ctx, "%s: bad types", name);
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "%s: input must be 4-D", name);
  int bs = node->op == TFL_OP_DEPTH_TO_SPACE ? tfl_DepthToSpaceOptions(node).block_size : tfl_SpaceToDepthOptions(node).block_size;
  if (bs < 1) return tfl_error(ctx, "%s: block_size must be >= 1", name);
  DepthSpaceData *d = tfl_set_user_data(node, sizeof(DepthSpaceData));
  d->block_size = bs;
  int32_t od[4];
  int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  /* bs * bs first: with both factors below 2^31, bs * bs * C fits int64 only once bs * bs is bounded */
  if ((int64_t)bs * bs > INT32_MAX || (int64_t)bs * bs * C > INT32_MAX || (int64_t)H * bs > INT32_MAX ||
      (int64_t)W * bs > INT32_MAX)
    return tfl_error(ctx, "%s: block_size too large", name);
  if (node->op == TFL_OP_DEPTH_TO_SPACE) {
    if (C % (bs * bs)) return tfl_error(ctx, "DEPTH_TO_SPACE: depth %d not divisible by %d", C, bs * bs);
    od[0] = N; od[1] = H * bs; od[2] = W * bs; od[3] = C / (bs * bs);
  } else {
    if (H % bs || W % bs) return tfl_error(ctx, "SPACE_TO_DEPTH: spatial dims not divisible by %d", bs);
    od[0] = N; od[1] = H / bs; od[2] = W / bs; od[3] = C * bs * bs;
  }
  return tfl_resize(ctx, out, 4, od);
}

static TflStatus d2s_eval(TflContext *ctx, TflNode *node) {
  const DepthSpaceData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(in->type);
  int bs = d->block_size;
  /* express as a strided view of the *input* producing output order */
  int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  int32_t vd[6];
  int64_t st[6];
  if (node->op == TFL_OP_DEPTH_TO_SPACE) {
    int oc = C / (bs * bs);
    /* out[n, h, by, w, bx, c] = in[n, h, w, (by*bs + bx)*oc + c] */
    vd[0] = N; st[0] = (int64_t)H * W * C;
    vd[1] = H; st[1] = (int64_t)W * C;
    vd[2] = bs; st[2] = (int64_t)bs * oc;
    vd[3] = W; st[3] = C;
    vd[4] = bs; st[4] = oc;
    vd[5] = oc; st[5] = 1;
  } else {
    int oh = H / bs, ow = W / bs;
    (void)ow;
    /* out[n, oh, ow, by, bx, c] = in[n, oh*bs + by, ow*bs + bx, c] */
    vd[0] = N; st[0] = (int64_t)H * W * C;
    vd[1] = oh; st[1] = (int64_t)bs * W * C;
    vd[2] = W / bs; st[2] = (int64_t)bs * C;
    vd[3] = bs; st[3] = (int64_t)W * C;
    vd[4] = bs; st[4] = C;
    vd[5] = C; st[5] = 1;
  }
  strided_copy(in->data, 0, st, vd, 6, out->data, es);
  return TFL_OK;
}

const TflKernel tfl_kernels_strided_view[] = {
    {TFL_OP_TRANSPOSE, "TRANSPOSE", 1, 6, view_prepare, view_eval},
    {TFL_OP_SLICE, "SLICE", 1, 6, view_prepare, view_eval},
    {TFL_OP_STRIDED_SLICE, "STRIDED_SLICE", 1, 8, view_prepare, view_eval},
    {TFL_OP_BROADCAST_TO, "BROADCAST_TO", 2, 3, view_prepare, view_eval},
    {TFL_OP_REVERSE_V2, "REVERSE_V2", 1, 3, view_prepare, view_eval},
    {TFL_OP_DEPTH_TO_SPACE, "DEPTH_TO_SPACE", 1, 2, d2s_prepare, d2s_eval},
    {TFL_OP_SPACE_TO_DEPTH, "SPACE_TO_DEPTH", 1, 2, d2s_prepare, d2s_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
