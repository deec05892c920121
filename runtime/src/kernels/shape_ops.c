/* Shape and data-movement ops for every element type (copied by element size), plus CAST, FILL, RANGE, SHAPE,
 * ZEROS_LIKE, SELECT/SELECT_V2 and DEQUANTIZE from float16.
 *
 * Ops whose output shape depends on an input's *values* compute it in prepare when that input is constant, and
 * otherwise mark the output dynamic and resize it in eval. */
#include "common_f32.h"

#define MAXAX 16

typedef struct {
  int dynamic;
  int rank;
  int32_t od[TFL_MAX_RANK];
  /* generic strided view for TRANSPOSE/SLICE/STRIDED_SLICE/BROADCAST_TO/REVERSE */
  int64_t base;
  int64_t istride[TFL_MAX_RANK];
  int32_t vdims[TFL_MAX_RANK];
  int vrank;
  /* misc */
  int axis;
  int64_t outer, inner, n;
  int64_t v[TFL_MAX_RANK * 2];
  float fill;
} ShapeData;

static int data_type_ok(int32_t t) {
  switch (t) {
    case TFL_FLOAT32: case TFL_INT32: case TFL_INT64: case TFL_INT8: case TFL_INT16: case TFL_UINT8: case TFL_BOOL:
    case TFL_FLOAT16: case TFL_UINT16: case TFL_UINT32: case TFL_UINT64: case TFL_FLOAT64:
      return 1;
    default:
      return 0;
  }
}

static int same_quant(const TflTensor *a, const TflTensor *b) {
  if (a->nq == 0 && b->nq == 0) return 1;
  if (a->nq != 1 || b->nq != 1) return a->nq == b->nq;
  return a->scales[0] == b->scales[0] && a->zero_points[0] == b->zero_points[0];
}

/* Row-major element strides of dims[0..rank) into st; returns the element count. */
static int64_t row_strides(const int32_t *dims, int rank, int64_t *st) {
  int64_t acc = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= dims[i];
  }
  return acc;
}

/* Multi-index over dims[0..rank) (last index fastest) that keeps up to three flat offsets, off[k] = sum over i of
 * idx[i] * stride[k][i], current as it steps; wraps to all zeros after the last index. */
typedef struct {
  int rank, n;
  const int32_t *dims;
  const int64_t *stride[3];
  int64_t off[3];
  int64_t idx[TFL_MAX_RANK];
} Odometer;

static void odo_init(Odometer *o, const int32_t *dims, int rank, int n, const int64_t *s0, const int64_t *s1,
                     const int64_t *s2, int64_t base0) {
  o->rank = rank;
  o->n = n;
  o->dims = dims;
  o->stride[0] = s0;
  o->stride[1] = s1;
  o->stride[2] = s2;
  o->off[0] = base0;
  o->off[1] = o->off[2] = 0;
  for (int i = 0; i < rank; i++) o->idx[i] = 0;
}

static inline void odo_next(Odometer *o) {
  for (int i = o->rank - 1; i >= 0; i--) {
    for (int k = 0; k < o->n; k++) o->off[k] += o->stride[k][i];
    if (++o->idx[i] < o->dims[i]) return;
    for (int k = 0; k < o->n; k++) o->off[k] -= o->stride[k][i] * o->dims[i];
    o->idx[i] = 0;
  }
}

/* Copies out[idx] = in[base + sum idx[i]*istride[i]] over vdims (element size es). */
static void strided_copy(const char *in, int64_t base, const int64_t *istride, const int32_t *dims, int rank, char *out,
                         size_t es) {
  int64_t total = 1;
  for (int i = 0; i < rank; i++) total *= dims[i];
  if (total == 0) return;
  if (rank == 0) {
    memcpy(out, in + base * es, es);
    return;
  }
  int64_t inner = dims[rank - 1], is = istride[rank - 1];
  int64_t outer = total / inner;
  Odometer od; /* over the outer dims */
  odo_init(&od, dims, rank - 1, 1, istride, NULL, NULL, base);
  for (int64_t o = 0; o < outer; o++, odo_next(&od)) {
    char *dst = out + o * inner * es;
    const char *src = in + od.off[0] * es;
    if (is == 1) {
      memcpy(dst, src, (size_t)inner * es);
    } else {
      switch (es) {
        case 1: for (int64_t i = 0; i < inner; i++) dst[i] = src[i * is]; break;
        case 2: for (int64_t i = 0; i < inner; i++) ((int16_t *)dst)[i] = *(const int16_t *)(src + i * is * 2); break;
        case 4: for (int64_t i = 0; i < inner; i++) ((int32_t *)dst)[i] = *(const int32_t *)(src + i * is * 4); break;
        case 8: for (int64_t i = 0; i < inner; i++) ((int64_t *)dst)[i] = *(const int64_t *)(src + i * is * 8); break;
        default: for (int64_t i = 0; i < inner; i++) memcpy(dst + i * es, src + i * is * (int64_t)es, es);
      }
    }
  }
}

/* Value-dependent inputs: compute now if constant, else defer to eval with a dynamic output. */
static int defer(TflNode *node, TflTensor *out, ShapeData *d, int known) {
  if (known) return 0;
  d->dynamic = 1;
  if (out) out->alloc = TFL_ALLOC_DYNAMIC;
  return 1;
}

/* ------------------------------------------------------------------------- RESHAPE / SQUEEZE / EXPAND_DIMS */

static TflStatus reshape_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *sh = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK + 1];
  int n = -1;
  if (sh && sh->rank == 1 && tfl_is_int_type(sh->type)) {
    n = tfl_read_ints(sh, v, TFL_MAX_RANK + 1);
    if (n < 0) return tfl_error(ctx, "RESHAPE: shape tensor has more than %d elements", TFL_MAX_RANK);
  } else {
    int32_t o[TFL_MAX_RANK + 1];
    n = tfl_opt_int_vec(node, TFL_ReshapeOptions_new_shape, o, TFL_MAX_RANK + 1);
    if (n > TFL_MAX_RANK) return tfl_error(ctx, "RESHAPE: new_shape has more than %d elements", TFL_MAX_RANK);
    if (n < 0) {
      if (out->rank >= 0 && tfl_num_elements(out) == tfl_num_elements(in)) return TFL_OK; /* keep declared shape */
      return tfl_error(ctx, "RESHAPE: no shape input and no new_shape option");
    }
    for (int i = 0; i < n; i++) v[i] = o[i];
  }
  if (n == 1 && v[0] == 0 && tfl_num_elements(in) == 1) n = 0; /* legacy scalar encoding */
  int64_t total = tfl_num_elements(in), known = 1;
  int neg = -1;
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < n; i++) {
    if (v[i] == -1) {
      if (neg >= 0) return tfl_error(ctx, "RESHAPE: more than one -1 in shape");
      neg = i;
      continue;
    }
    if (v[i] < 0 || v[i] > INT32_MAX) return tfl_error(ctx, "RESHAPE: invalid dimension %lld", (long long)v[i]);
    od[i] = (int32_t)v[i];
    if (v[i] != 0 && known > INT64_MAX / v[i]) return tfl_error(ctx, "RESHAPE: shape too large");
    known *= v[i];
  }
  if (neg >= 0) {
    if (known == 0 || total % known != 0) return tfl_error(ctx, "RESHAPE: cannot infer -1 dimension");
    od[neg] = (int32_t)(total / known);
    known = total;
  }
  if (known != total)
    return tfl_error(ctx, "RESHAPE: %lld elements cannot take a shape of %lld", (long long)total, (long long)known);
  return tfl_resize(ctx, out, n, od);
}

static TflStatus squeeze_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int32_t sq[TFL_MAX_RANK + 1];
  int n = tfl_opt_int_vec(node, TFL_SqueezeOptions_squeeze_dims, sq, TFL_MAX_RANK + 1);
  int drop[TFL_MAX_RANK] = {0};
  if (n > TFL_MAX_RANK) return tfl_error(ctx, "SQUEEZE: too many squeeze_dims");
  if (n <= 0) {
    for (int i = 0; i < in->rank; i++) drop[i] = in->dims[i] == 1;
  } else {
    for (int i = 0; i < n; i++) {
      int a = tfl_norm_axis(sq[i], in->rank);
      if (a < 0) return tfl_error(ctx, "SQUEEZE: axis %d out of range", sq[i]);
      if (in->dims[a] != 1) return tfl_error(ctx, "SQUEEZE: dimension %d has size %d, not 1", a, in->dims[a]);
      drop[a] = 1;
    }
  }
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  for (int i = 0; i < in->rank; i++)
    if (!drop[i]) od[r++] = in->dims[i];
  return tfl_resize(ctx, out, r, od);
}

static TflStatus expand_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t a = 0;
  if (tfl_read_ints(ax, &a, 1) != 1) return tfl_error(ctx, "EXPAND_DIMS: axis must be a single int");
  if (in->rank + 1 > TFL_MAX_RANK) return tfl_error(ctx, "EXPAND_DIMS: rank too large");
  if (a < 0) a += in->rank + 1;
  if (a < 0 || a > in->rank) return tfl_error(ctx, "EXPAND_DIMS: axis out of range");
  int32_t od[TFL_MAX_RANK];
  int r = 0;
  for (int i = 0; i < in->rank; i++) {
    if (i == a) od[r++] = 1;
    od[r++] = in->dims[i];
  }
  if (a == in->rank) od[r++] = 1;
  return tfl_resize(ctx, out, r, od);
}

typedef TflStatus (*ShapeFn)(TflContext *, TflNode *, ShapeData *);

static ShapeFn shape_fn_for(int op);

static TflStatus copy_like_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing input or output", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  TflTensor *v = node->op == TFL_OP_SQUEEZE ? NULL : tfl_input(ctx, node, 1);
  if (node->op == TFL_OP_EXPAND_DIMS && !v) return tfl_error(ctx, "EXPAND_DIMS: missing axis input");
  if (defer(node, out, d, !v || tfl_value_known(v) || (node->op == TFL_OP_RESHAPE && !(v->rank == 1 && tfl_is_int_type(v->type)))))
    return TFL_OK;
  return shape_fn_for(node->op)(ctx, node, d);
}

static TflStatus copy_like_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (d->dynamic && shape_fn_for(node->op)(ctx, node, d) != TFL_OK) return TFL_ERROR;
  if (tfl_num_elements(out) != tfl_num_elements(in)) return tfl_error(ctx, "%s: element count changed", tfl_op_name(node->op));
  if (out->data != in->data && in->bytes) memmove(out->data, in->data, in->bytes);
  return TFL_OK;
}

/* BITCAST (tf.bitcast): same bytes, new element type. Equal widths keep the shape; a wider input gains a trailing
 * dimension of in/out width; a narrower one loses its trailing dimension, which must be out/in width. */
static TflStatus bitcast_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "BITCAST: missing input or output");
  size_t si = tfl_type_size(in->type), so = tfl_type_size(out->type);
  if (!si || !so || in->type == TFL_STRING || out->type == TFL_STRING)
    return tfl_error(ctx, "BITCAST: unsupported types %d -> %d", in->type, out->type);
  int32_t od[TFL_MAX_RANK];
  int r = in->rank;
  for (int i = 0; i < r; i++) od[i] = in->dims[i];
  if (si > so) {
    if (si % so || r >= TFL_MAX_RANK) return tfl_error(ctx, "BITCAST: cannot split %zu-byte elements", si);
    od[r++] = (int32_t)(si / so);
  } else if (si < so) {
    if (so % si || r < 1 || (size_t)in->dims[r - 1] != so / si)
      return tfl_error(ctx, "BITCAST: the last dimension must be %zu to make %zu-byte elements", so / si, so);
    r--;
  }
  return tfl_resize(ctx, out, r, od);
}

static TflStatus bitcast_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (out->bytes != in->bytes) return tfl_error(ctx, "BITCAST: byte size changed");
  if (out->data != in->data && in->bytes) memmove(out->data, in->data, in->bytes);
  return TFL_OK;
}

/* ----------------------------------------------------------------------------- generic strided-view ops */

/* TRANSPOSE */
static TflStatus transpose_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
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
    d->od[i] = in->dims[a];
    d->vdims[i] = in->dims[a];
    d->istride[i] = st[a];
  }
  d->vrank = n;
  d->base = 0;
  return tfl_resize(ctx, out, n, d->od);
}

/* SLICE */
static TflStatus slice_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
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
    d->od[i] = (int32_t)len;
    d->vdims[i] = (int32_t)len;
    d->istride[i] = stride[i];
    d->base += b[i] * stride[i];
  }
  d->vrank = in->rank;
  return tfl_resize(ctx, out, in->rank, d->od);
}

/* STRIDED_SLICE (TF semantics: dense spec from sparse spec with ellipsis/new_axis/shrink masks). */
static TflStatus sslice_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *bt = tfl_input(ctx, node, 1), *et = tfl_input(ctx, node, 2);
  TflTensor *stt = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  int64_t b[MAXAX], e[MAXAX], s[MAXAX];
  int n = tfl_read_ints(bt, b, MAXAX);
  if (n < 0 || tfl_read_ints(et, e, MAXAX) != n || tfl_read_ints(stt, s, MAXAX) != n)
    return tfl_error(ctx, "STRIDED_SLICE: begin, end and strides must be int vectors of equal length <= %d", MAXAX);
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
  d->vrank = 0;
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
        d->vdims[d->vrank] = in->dims[full];
        d->istride[d->vrank++] = st[full];
      }
      continue;
    }
    if (nam & (1 << i)) {
      if (orank >= TFL_MAX_RANK) return tfl_error(ctx, "STRIDED_SLICE: output rank too large");
      od[orank++] = 1;
      d->vdims[d->vrank] = 1;
      d->istride[d->vrank++] = 0;
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
    d->vdims[d->vrank] = (int32_t)len;
    d->istride[d->vrank++] = stride * st[full];
    if (len > 0) d->base += bb * st[full];
    full++;
  }
  return tfl_resize(ctx, out, orank, od);
}

/* BROADCAST_TO */
static TflStatus bto_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
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
    d->od[i] = (int32_t)v[i];
    d->vdims[i] = (int32_t)v[i];
    d->istride[i] = (j >= 0 && di != 1) ? st[j] : 0;
  }
  d->vrank = n;
  d->base = 0;
  return tfl_resize(ctx, out, n, d->od);
}

/* REVERSE_V2 */
static TflStatus reverse_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *ax = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t a[TFL_MAX_RANK];
  int n = tfl_read_ints(ax, a, TFL_MAX_RANK);
  if (n < 0) return tfl_error(ctx, "REVERSE_V2: bad axis tensor");
  row_strides(in->dims, in->rank, d->istride);
  memcpy(d->vdims, in->dims, sizeof(int32_t) * (size_t)in->rank);
  d->base = 0;
  for (int i = 0; i < n; i++) {
    int x = tfl_norm_axis(a[i], in->rank);
    if (x < 0) return tfl_error(ctx, "REVERSE_V2: axis out of range");
    if (d->istride[x] > 0 && in->dims[x] > 0) {
      d->base += (int64_t)(in->dims[x] - 1) * d->istride[x];
      d->istride[x] = -d->istride[x];
    }
  }
  d->vrank = in->rank;
  return tfl_resize(ctx, out, in->rank, in->dims);
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
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  if (defer(node, out, d, known)) return TFL_OK;
  return shape_fn_for(node->op)(ctx, node, d);
}

static TflStatus view_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  if (d->dynamic && shape_fn_for(node->op)(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  strided_copy(in->data, d->base, d->istride, d->vdims, d->vrank, out->data, tfl_type_size(in->type));
  return TFL_OK;
}

/* -------------------------------------------------------------------------------- CONCATENATION / PACK */

static TflStatus concat_prepare_(TflContext *ctx, TflNode *node) {
  int pack = node->op == TFL_OP_PACK;
  const char *name = tfl_op_name(node->op);
  TflTensor *in0 = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in0 || !out || node->ninputs < 1) return tfl_error(ctx, "%s: missing inputs or output", name);
  if (!data_type_ok(in0->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in0->type);
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    if (!t) return tfl_error(ctx, "%s: input %d missing", name, i);
    if (t->type != in0->type) return tfl_error(ctx, "%s: input types differ", name);
    if (!same_quant(t, out)) return TFL_NOT_MINE;
  }
  if (out->type != in0->type) return tfl_error(ctx, "%s: output type differs from input", name);
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  int R = in0->rank;
  int orank = pack ? R + 1 : R;
  if (orank > TFL_MAX_RANK || (!pack && R < 1)) return tfl_error(ctx, "%s: bad rank %d", name, R);
  int axis, act = TFL_ACT_NONE;
  if (pack) {
    const TflPackOptions o = tfl_PackOptions(node);
    if (o.values_count != node->ninputs) return tfl_error(ctx, "PACK: values_count %d != %d inputs", o.values_count, node->ninputs);
    axis = o.axis;
  } else {
    const TflConcatenationOptions o = tfl_ConcatenationOptions(node);
    axis = o.axis;
    act = o.fused_activation_function;
  }
  if (axis < 0) axis += orank;
  if (axis < 0 || axis >= orank) return tfl_error(ctx, "%s: axis out of range", name);
  if (act != 0 && (in0->type != TFL_FLOAT32 || act >= TFL_ACT_TANH)) return tfl_error(ctx, "CONCATENATION: unsupported fused activation %d", act);
  d->axis = axis;
  int64_t cat = 0;
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    if (t->rank != R) return tfl_error(ctx, "%s: input ranks differ", name);
    for (int k = 0; k < R; k++) {
      if (!pack && k == axis) continue;
      if (t->dims[k] != in0->dims[k]) return tfl_error(ctx, "%s: input %d dim %d is %d, expected %d", name, i, k, t->dims[k], in0->dims[k]);
    }
    cat += pack ? 1 : t->dims[axis];
  }
  if (cat > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
  int32_t od[TFL_MAX_RANK];
  for (int k = 0, j = 0; k < orank; k++) {
    if (k == axis) od[k] = (int32_t)cat;
    else od[k] = in0->dims[j];
    if (k != axis || !pack) j++;
  }
  d->outer = tfl_prod(od, 0, axis);
  d->n = act;
  return tfl_resize(ctx, out, orank, od);
}

static TflStatus concat_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  TflTensor *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(out->type);
  size_t orow = (size_t)(d->outer ? tfl_num_elements(out) / d->outer : 0) * es;
  char *o = out->data;
  size_t off = 0;
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    size_t row = (size_t)(d->outer ? tfl_num_elements(t) / d->outer : 0) * es;
    const char *x = t->data;
    for (int64_t k = 0; k < d->outer; k++) memcpy(o + k * orow + off, x + k * row, row);
    off += row;
  }
  if (d->n) {
    float lo, hi;
    tfl_activation_range_f32((int)d->n, &lo, &hi);
    float *f = out->data;
    for (int64_t i = 0, n = tfl_num_elements(out); i < n; i++) f[i] = tfl_clampf(f[i], lo, hi);
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------ UNPACK / SPLIT / SPLIT_V */

static TflStatus split_common(TflContext *ctx, TflNode *node, ShapeData *d, TflTensor *in, int axis_in,
                              const int64_t *sizes, int nout, int drop_axis) {
  const char *name = tfl_op_name(node->op);
  int axis = tfl_norm_axis(axis_in, in->rank);
  if (axis < 0) return tfl_error(ctx, "%s: axis %d out of range", name, axis_in);
  if (nout != node->noutputs) return tfl_error(ctx, "%s: %d pieces but %d outputs", name, nout, node->noutputs);
  int64_t tot = 0;
  for (int i = 0; i < nout; i++) tot += sizes[i];
  if (tot != in->dims[axis]) return tfl_error(ctx, "%s: pieces sum to %lld, dim is %d", name, (long long)tot, in->dims[axis]);
  d->axis = axis;
  d->outer = tfl_prod(in->dims, 0, axis);
  d->inner = tfl_prod(in->dims, axis + 1, in->rank);
  for (int i = 0; i < nout; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    if (!o) return tfl_error(ctx, "%s: output %d missing", name, i);
    if (o->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
    int32_t od[TFL_MAX_RANK];
    int r = 0;
    for (int k = 0; k < in->rank; k++) {
      if (k == axis) {
        if (!drop_axis) od[r++] = (int32_t)sizes[i];
      } else {
        od[r++] = in->dims[k];
      }
    }
    if (tfl_resize(ctx, o, r, od) != TFL_OK) return TFL_ERROR;
  }
  return TFL_OK;
}

static TflStatus split_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  int op = node->op;
  TflTensor *in = tfl_input(ctx, node, op == TFL_OP_SPLIT ? 1 : 0);
  int64_t sizes[1024];
  if (op == TFL_OP_UNPACK) {
    const TflUnpackOptions o = tfl_UnpackOptions(node);
    int axis = o.axis;
    int a = tfl_norm_axis(axis, in->rank);
    if (a < 0) return tfl_error(ctx, "UNPACK: axis out of range");
    int num = o.num;
    if (num != in->dims[a] || num > 1024) return tfl_error(ctx, "UNPACK: num %d != dim %d", num, in->dims[a]);
    for (int i = 0; i < num; i++) sizes[i] = 1;
    return split_common(ctx, node, d, in, axis, sizes, num, 1);
  }
  if (op == TFL_OP_SPLIT) {
    int64_t a = 0;
    if (tfl_read_ints(tfl_input(ctx, node, 0), &a, 1) != 1) return tfl_error(ctx, "SPLIT: axis must be a single int");
    int ax = tfl_norm_axis(a, in->rank);
    if (ax < 0) return tfl_error(ctx, "SPLIT: axis out of range");
    int ns = tfl_SplitOptions(node).num_splits;
    if (ns <= 0 || ns > 1024 || in->dims[ax] % ns != 0) return tfl_error(ctx, "SPLIT: dim %d not divisible into %d", in->dims[ax], ns);
    for (int i = 0; i < ns; i++) sizes[i] = in->dims[ax] / ns;
    return split_common(ctx, node, d, in, ax, sizes, ns, 0);
  }
  int n = tfl_read_ints(tfl_input(ctx, node, 1), sizes, 1024);
  int64_t a = 0;
  if (n < 0 || tfl_read_ints(tfl_input(ctx, node, 2), &a, 1) != 1) return tfl_error(ctx, "SPLIT_V: bad size_splits or axis");
  int ax = tfl_norm_axis(a, in->rank);
  if (ax < 0) return tfl_error(ctx, "SPLIT_V: axis out of range");
  int neg = -1;
  int64_t sum = 0;
  for (int i = 0; i < n; i++) {
    if (sizes[i] == -1) {
      if (neg >= 0) return tfl_error(ctx, "SPLIT_V: more than one -1");
      neg = i;
    } else if (sizes[i] < 0 || sizes[i] > in->dims[ax]) {
      return tfl_error(ctx, "SPLIT_V: size %lld out of range", (long long)sizes[i]);
    } else {
      sum += sizes[i];
    }
  }
  if (neg >= 0) {
    if (sum > in->dims[ax]) return tfl_error(ctx, "SPLIT_V: sizes exceed dimension %d", in->dims[ax]);
    sizes[neg] = in->dims[ax] - sum;
  }
  return split_common(ctx, node, d, in, ax, sizes, n, 0);
}

static TflStatus split_prepare_(TflContext *ctx, TflNode *node) {
  int op = node->op;
  const char *name = tfl_op_name(op);
  TflTensor *in = tfl_input(ctx, node, op == TFL_OP_SPLIT ? 1 : 0);
  if (!in || node->noutputs < 1) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    if (!o) return tfl_error(ctx, "%s: output %d missing", name, i);
    if (!same_quant(in, o)) return TFL_NOT_MINE;
  }
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  int known = 1;
  if (op == TFL_OP_SPLIT) known = tfl_value_known(tfl_input(ctx, node, 0));
  if (op == TFL_OP_SPLIT_V) known = tfl_value_known(tfl_input(ctx, node, 1)) && tfl_value_known(tfl_input(ctx, node, 2));
  if (!known) {
    d->dynamic = 1;
    for (int i = 0; i < node->noutputs; i++) tfl_output(ctx, node, i)->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return split_shape(ctx, node, d);
}

static TflStatus split_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  if (d->dynamic && split_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, node->op == TFL_OP_SPLIT ? 1 : 0);
  size_t es = tfl_type_size(in->type);
  size_t irow = (size_t)in->dims[d->axis] * d->inner * es;
  size_t off = 0;
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *o = tfl_output(ctx, node, i);
    size_t row = (size_t)(d->outer ? tfl_num_elements(o) / d->outer : 0) * es;
    for (int64_t k = 0; k < d->outer; k++) memcpy((char *)o->data + k * row, (const char *)in->data + k * irow + off, row);
    off += row;
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------- PAD / PADV2 / MIRROR_PAD */

static TflStatus pad_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *p = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK * 2];
  if (p->rank != 2 || p->dims[0] != in->rank || p->dims[1] != 2 || tfl_read_ints(p, v, TFL_MAX_RANK * 2) != 2 * in->rank)
    return tfl_error(ctx, "%s: paddings must be [%d, 2]", name, in->rank);
  int mirror = node->op == TFL_OP_MIRROR_PAD, sym = mirror && tfl_MirrorPadOptions(node).mode == TFL_MIRROR_PAD_SYMMETRIC;
  for (int i = 0; i < in->rank; i++) {
    int64_t lo = v[2 * i], hi = v[2 * i + 1];
    if (lo < 0 || hi < 0) return tfl_error(ctx, "%s: negative padding", name);
    if (lo > INT32_MAX || hi > INT32_MAX) return tfl_error(ctx, "%s: padding too large", name);
    if (mirror) {
      int64_t lim = sym ? in->dims[i] : in->dims[i] - 1;
      if (lo > lim || hi > lim) return tfl_error(ctx, "MIRROR_PAD: padding %lld/%lld too large for dim %d", (long long)lo, (long long)hi, in->dims[i]);
    }
    int64_t o = in->dims[i] + lo + hi;
    if (o > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
    d->od[i] = (int32_t)o;
    d->v[2 * i] = lo;
    d->v[2 * i + 1] = hi;
  }
  d->rank = in->rank;
  return tfl_resize(ctx, out, in->rank, d->od);
}

static TflStatus pad_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *p = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !p || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type)) return tfl_error(ctx, "%s: unsupported type %d", name, in->type);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  if (!tfl_is_int_type(p->type)) return tfl_error(ctx, "%s: paddings must be int32 or int64", name);
  if (node->op == TFL_OP_PADV2) {
    TflTensor *cv = tfl_input(ctx, node, 2);
    if (cv && (cv->type != in->type || tfl_num_elements(cv) != 1)) return tfl_error(ctx, "PADV2: constant_values must be a scalar of the input type");
  }
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  if (defer(node, out, d, tfl_value_known(p))) return TFL_OK;
  return pad_shape(ctx, node, d);
}

static TflStatus pad_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  if (d->dynamic && pad_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(in->type);
  int R = in->rank;
  int64_t total = tfl_num_elements(out);
  if (total == 0) return TFL_OK;
  char *o = out->data;
  const char *x = in->data;
  int64_t ist[TFL_MAX_RANK + 1];
  row_strides(in->dims, R, ist);
  if (node->op == TFL_OP_MIRROR_PAD) {
    int sym = tfl_MirrorPadOptions(node).mode == TFL_MIRROR_PAD_SYMMETRIC;
    Odometer od; /* output index */
    odo_init(&od, d->od, R, 0, NULL, NULL, NULL, 0);
    for (int64_t k = 0; k < total; k++, odo_next(&od)) {
      int64_t off = 0;
      for (int i = 0; i < R; i++) {
        int64_t j = od.idx[i] - d->v[2 * i], n = in->dims[i];
        if (j < 0) j = sym ? -j - 1 : -j;
        else if (j >= n) j = sym ? 2 * n - 1 - j : 2 * n - 2 - j;
        off += j * ist[i];
      }
      memcpy(o + k * es, x + off * es, es);
    }
    return TFL_OK;
  }
  /* fill with the pad value, then copy the interior row by row */
  char pv[16] = {0};
  TflTensor *cv = node->op == TFL_OP_PADV2 ? tfl_input(ctx, node, 2) : NULL;
  if (cv && cv->data) memcpy(pv, cv->data, es);
  else if (out->nq > 0 && out->zero_points) {
    int64_t zp = out->zero_points[0];
    if (out->type == TFL_INT8) { int8_t z = (int8_t)zp; memcpy(pv, &z, 1); }
    else if (out->type == TFL_UINT8) { uint8_t z = (uint8_t)zp; memcpy(pv, &z, 1); }
    else if (out->type == TFL_INT16) { int16_t z = (int16_t)zp; memcpy(pv, &z, 2); }
  }
  int allzero = 1;
  for (size_t i = 0; i < es; i++) allzero &= pv[i] == 0;
  if (allzero) memset(o, 0, (size_t)total * es);
  else
    for (int64_t k = 0; k < total; k++) memcpy(o + k * es, pv, es);
  if (tfl_num_elements(in) == 0) return TFL_OK;
  int64_t ost[TFL_MAX_RANK];
  row_strides(d->od, R, ost);
  if (R == 0) {
    memcpy(o, x, es);
    return TFL_OK;
  }
  int64_t base = 0;
  for (int i = 0; i < R; i++) base += d->v[2 * i] * ost[i];
  int64_t inner = in->dims[R - 1], outer = tfl_num_elements(in) / inner;
  Odometer od; /* input rows, tracking their offset in the output */
  odo_init(&od, in->dims, R - 1, 1, ost, NULL, NULL, base);
  for (int64_t k = 0; k < outer; k++, odo_next(&od)) memcpy(o + od.off[0] * es, x + k * inner * es, (size_t)inner * es);
  return TFL_OK;
}

/* ---------------------------------------------------------------------------------------- GATHER / ND */

static TflStatus gather_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *p = tfl_input(ctx, node, 0), *ix = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const char *name = tfl_op_name(node->op);
  if (!p || !ix || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(p->type)) return tfl_error(ctx, "%s: unsupported params type %d", name, p->type);
  if (!tfl_is_int_type(ix->type)) return tfl_error(ctx, "%s: indices must be int32 or int64", name);
  if (out->type != p->type) return tfl_error(ctx, "%s: output type differs from params", name);
  if (!same_quant(p, out)) return TFL_NOT_MINE;
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
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
    d->axis = axis;
    d->v[0] = bd;
    d->v[1] = tfl_prod(p->dims, 0, bd);                 /* batch */
    d->outer = tfl_prod(p->dims, bd, axis);             /* outer per batch */
    d->n = p->dims[axis];                               /* axis size */
    d->inner = tfl_prod(p->dims, axis + 1, p->rank);    /* slice */
    d->v[2] = tfl_prod(ix->dims, bd, ix->rank);         /* indices per batch */
  } else {
    if (ix->rank < 1) return tfl_error(ctx, "GATHER_ND: indices must have rank >= 1");
    int k = ix->dims[ix->rank - 1];
    if (k > p->rank || k < 0) return tfl_error(ctx, "GATHER_ND: index depth %d exceeds params rank %d", k, p->rank);
    if (ix->rank - 1 + p->rank - k > TFL_MAX_RANK) return tfl_error(ctx, "GATHER_ND: output rank too large");
    for (int i = 0; i < ix->rank - 1; i++) od[r++] = ix->dims[i];
    for (int i = k; i < p->rank; i++) od[r++] = p->dims[i];
    d->axis = k;
    d->inner = tfl_prod(p->dims, k, p->rank);
    d->n = tfl_prod(ix->dims, 0, ix->rank - 1);
  }
  return tfl_resize(ctx, out, r, od);
}

static int64_t ival(const TflTensor *t, int64_t i) {
  return t->type == TFL_INT64 ? ((const int64_t *)t->data)[i] : ((const int32_t *)t->data)[i];
}

static TflStatus gather_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
  TflTensor *p = tfl_input(ctx, node, 0), *ix = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(p->type);
  const char *x = p->data;
  char *o = out->data;
  size_t slice = (size_t)d->inner * es;
  if (node->op == TFL_OP_GATHER) {
    int64_t batch = d->v[1], nix = d->v[2];
    for (int64_t b = 0; b < batch; b++)
      for (int64_t ou = 0; ou < d->outer; ou++)
        for (int64_t j = 0; j < nix; j++) {
          int64_t k = ival(ix, b * nix + j);
          if (k < 0 || k >= d->n) return tfl_error(ctx, "GATHER: index %lld out of range [0, %lld)", (long long)k, (long long)d->n);
          memcpy(o, x + ((b * d->outer + ou) * d->n + k) * slice, slice);
          o += slice;
        }
    return TFL_OK;
  }
  int k = d->axis;
  for (int64_t j = 0; j < d->n; j++) {
    int64_t off = 0;
    for (int q = 0; q < k; q++) {
      int64_t v = ival(ix, j * k + q);
      if (v < 0 || v >= p->dims[q]) return tfl_error(ctx, "GATHER_ND: index %lld out of range for dim %d", (long long)v, q);
      off = off * p->dims[q] + v;
    }
    memcpy(o + j * slice, x + off * slice, slice);
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ TILE */

static TflStatus tile_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *m = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  if (tfl_read_ints(m, v, TFL_MAX_RANK) != in->rank) return tfl_error(ctx, "TILE: multiples must have %d elements", in->rank);
  for (int i = 0; i < in->rank; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX || (int64_t)in->dims[i] * v[i] > INT32_MAX) return tfl_error(ctx, "TILE: bad multiple");
    d->od[i] = (int32_t)(in->dims[i] * v[i]);
  }
  return tfl_resize(ctx, out, in->rank, d->od);
}

static TflStatus tile_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *m = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !m || !out) return tfl_error(ctx, "TILE: missing operands");
  if (!data_type_ok(in->type) || out->type != in->type) return tfl_error(ctx, "TILE: unsupported or mismatched types");
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  if (defer(node, out, d, tfl_value_known(m))) return TFL_OK;
  return tile_shape(ctx, node, d);
}

static TflStatus tile_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
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
  int64_t inner = d->od[R - 1], outer = total / inner, idim = in->dims[R - 1];
  Odometer od; /* output rows */
  odo_init(&od, d->od, R - 1, 0, NULL, NULL, NULL, 0);
  char *o = out->data;
  const char *x = in->data;
  for (int64_t k = 0; k < outer; k++, odo_next(&od)) {
    int64_t off = 0;
    for (int i = 0; i < R - 1; i++) off += (od.idx[i] % in->dims[i]) * ist[i];
    for (int64_t j = 0; j < inner; j += idim) memcpy(o + (k * inner + j) * es, x + off * es, (size_t)idim * es);
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ CAST */

static TflStatus cast_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "CAST: missing operands");
  int ok[2] = {0, 0};
  int32_t ts[2] = {in->type, out->type};
  for (int i = 0; i < 2; i++)
    switch (ts[i]) {
      case TFL_FLOAT32: case TFL_FLOAT64: case TFL_INT32: case TFL_INT64: case TFL_INT8: case TFL_UINT8: case TFL_INT16:
      case TFL_UINT16: case TFL_UINT32: case TFL_BOOL: case TFL_FLOAT16: ok[i] = 1;
    }
  if (!ok[0] || !ok[1]) return tfl_error(ctx, "CAST: unsupported cast from type %d to %d", in->type, out->type);
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static uint16_t float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
  uint32_t man = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
  if (exp >= 31) return (uint16_t)(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return (uint16_t)sign;
    man |= 0x800000;
    int shift = 14 - exp;
    uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1))) h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13);
  uint32_t rem = man & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
  return (uint16_t)h;
}

static double load_num(const void *p, int t, int64_t i, int64_t *iv, int *is_int) {
  *is_int = 1;
  switch (t) {
    case TFL_FLOAT32: *is_int = 0; return ((const float *)p)[i];
    case TFL_FLOAT64: *is_int = 0; return ((const double *)p)[i];
    case TFL_FLOAT16: *is_int = 0; return half_to_float(((const uint16_t *)p)[i]);
    case TFL_INT32: *iv = ((const int32_t *)p)[i]; break;
    case TFL_INT64: *iv = ((const int64_t *)p)[i]; break;
    case TFL_INT8: *iv = ((const int8_t *)p)[i]; break;
    case TFL_UINT8: *iv = ((const uint8_t *)p)[i]; break;
    case TFL_INT16: *iv = ((const int16_t *)p)[i]; break;
    case TFL_UINT16: *iv = ((const uint16_t *)p)[i]; break;
    case TFL_UINT32: *iv = ((const uint32_t *)p)[i]; break;
    case TFL_BOOL: *iv = ((const uint8_t *)p)[i] != 0; break;
  }
  return (double)*iv;
}

static int64_t f2i(double v, double lo, double hi) {
  if (v != v) return 0;
  if (v < lo) return (int64_t)lo;
  if (v > hi) return (int64_t)hi;
  return (int64_t)v; /* truncation, like static_cast */
}

static TflStatus cast_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  int ti = in->type, to = out->type;
  if (ti == TFL_INT32 && to == TFL_FLOAT32) {
    for (int64_t i = 0; i < n; i++) ((float *)out->data)[i] = (float)((const int32_t *)in->data)[i];
    return TFL_OK;
  }
  if (ti == TFL_FLOAT32 && to == TFL_INT32) {
    for (int64_t i = 0; i < n; i++) ((int32_t *)out->data)[i] = (int32_t)f2i(((const float *)in->data)[i], INT32_MIN, INT32_MAX);
    return TFL_OK;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t iv = 0;
    int is_int;
    double v = load_num(in->data, ti, i, &iv, &is_int);
    void *o = out->data;
    switch (to) {
      case TFL_FLOAT32: ((float *)o)[i] = is_int ? (float)iv : (float)v; break;
      case TFL_FLOAT64: ((double *)o)[i] = is_int ? (double)iv : v; break;
      case TFL_FLOAT16: ((uint16_t *)o)[i] = float_to_half(is_int ? (float)iv : (float)v); break;
      case TFL_BOOL: ((uint8_t *)o)[i] = is_int ? iv != 0 : v != 0; break;
      case TFL_INT32: ((int32_t *)o)[i] = is_int ? (int32_t)iv : (int32_t)f2i(v, INT32_MIN, INT32_MAX); break;
      case TFL_INT64: ((int64_t *)o)[i] = is_int ? iv : f2i(v, -9.2e18, 9.2e18); break;
      case TFL_INT8: ((int8_t *)o)[i] = is_int ? (int8_t)iv : (int8_t)f2i(v, -128, 127); break;
      case TFL_UINT8: ((uint8_t *)o)[i] = is_int ? (uint8_t)iv : (uint8_t)f2i(v, 0, 255); break;
      case TFL_INT16: ((int16_t *)o)[i] = is_int ? (int16_t)iv : (int16_t)f2i(v, -32768, 32767); break;
      case TFL_UINT16: ((uint16_t *)o)[i] = is_int ? (uint16_t)iv : (uint16_t)f2i(v, 0, 65535); break;
      case TFL_UINT32: ((uint32_t *)o)[i] = is_int ? (uint32_t)iv : (uint32_t)f2i(v, 0, 4294967295.0); break;
    }
  }
  return TFL_OK;
}

/* ----------------------------------------------------------------------------------- DEQUANTIZE (fp16) */

static TflStatus deq_eval(TflContext *ctx, TflNode *node);

static TflStatus deq_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "DEQUANTIZE: missing operands");
  if (in->type != TFL_FLOAT16) return TFL_NOT_MINE;
  if (out->type != TFL_FLOAT32) return tfl_error(ctx, "DEQUANTIZE: float16 input needs a float32 output");
  if (tfl_resize(ctx, out, in->rank, in->dims) != TFL_OK) return TFL_ERROR;
  /* float16 weights: expand once here, like LiteRT, so consumers see constant float32 weights */
  int *folded = tfl_set_user_data(node, sizeof(int));
  if (tfl_value_known(in) && tfl_make_persistent(ctx, out)) {
    deq_eval(ctx, node);
    *folded = 1;
  }
  return TFL_OK;
}

static TflStatus deq_eval(TflContext *ctx, TflNode *node) {
  const int *folded = node->user_data;
  if (folded && *folded) return TFL_OK; /* expanded at prepare */
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  const uint16_t *h = in->data;
  float *o = out->data;
  for (int64_t i = 0; i < n; i++) o[i] = half_to_float(h[i]);
  return TFL_OK;
}

/* ------------------------------------------------------------------------------ FILL / RANGE / SHAPE / ZEROS */

static TflStatus fill_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
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

static TflStatus range_shape(TflContext *ctx, TflNode *node, ShapeData *d) {
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
    int64_t a = ival(s, 0), b = ival(l, 0), c = ival(dl, 0);
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
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
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
      if (defer(node, out, d, tfl_value_known(in))) return TFL_OK;
      return fill_shape(ctx, node, d);
    }
    default: { /* RANGE */
      TflTensor *l = tfl_input(ctx, node, 1), *dl = tfl_input(ctx, node, 2);
      if (!l || !dl) return tfl_error(ctx, "RANGE: needs start, limit and delta");
      int t = in->type;
      if ((t != TFL_FLOAT32 && t != TFL_INT32 && t != TFL_INT64) || l->type != t || dl->type != t || out->type != t)
        return tfl_error(ctx, "RANGE: start, limit, delta and output must share a type (float32, int32, int64)");
      if (tfl_num_elements(in) != 1 || tfl_num_elements(l) != 1 || tfl_num_elements(dl) != 1)
        return tfl_error(ctx, "RANGE: start, limit and delta must be scalars");
      if (defer(node, out, d, tfl_value_known(in) && tfl_value_known(l) && tfl_value_known(dl))) return TFL_OK;
      return range_shape(ctx, node, d);
    }
  }
}

static TflStatus gen_eval(TflContext *ctx, TflNode *node) {
  ShapeData *d = node->user_data;
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
      if (d->dynamic && fill_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
      TflTensor *v = tfl_input(ctx, node, 1);
      size_t es = tfl_type_size(v->type);
      int64_t n = tfl_num_elements(out);
      for (int64_t i = 0; i < n; i++) memcpy((char *)out->data + i * es, v->data, es);
      return TFL_OK;
    }
    default: {
      if (d->dynamic && range_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
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

/* ------------------------------------------------------------------------------------- SELECT / SELECT_V2 */

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

/* --------------------------------------------------------------------------- DEPTH_TO_SPACE / SPACE_TO_DEPTH */

static TflStatus d2s_prepare(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (!data_type_ok(in->type) || out->type != in->type) return tfl_error(ctx, "%s: bad types", name);
  if (!same_quant(in, out)) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "%s: input must be 4-D", name);
  int bs = node->op == TFL_OP_DEPTH_TO_SPACE ? tfl_DepthToSpaceOptions(node).block_size : tfl_SpaceToDepthOptions(node).block_size;
  if (bs < 1) return tfl_error(ctx, "%s: block_size must be >= 1", name);
  ShapeData *d = tfl_set_user_data(node, sizeof(ShapeData));
  d->n = bs;
  int32_t od[4];
  int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  if ((int64_t)bs * bs * C > INT32_MAX || (int64_t)H * bs > INT32_MAX || (int64_t)W * bs > INT32_MAX)
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
  ShapeData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  size_t es = tfl_type_size(in->type);
  int bs = (int)d->n;
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

static ShapeFn shape_fn_for(int op) {
  switch (op) {
    case TFL_OP_RESHAPE: return reshape_shape;
    case TFL_OP_SQUEEZE: return squeeze_shape;
    case TFL_OP_EXPAND_DIMS: return expand_shape;
    case TFL_OP_TRANSPOSE: return transpose_shape;
    case TFL_OP_SLICE: return slice_shape;
    case TFL_OP_STRIDED_SLICE: return sslice_shape;
    case TFL_OP_BROADCAST_TO: return bto_shape;
    default: return reverse_shape;
  }
}

/* Each op's prepare: the shape computation above, then constant folding when every input is constant. */
#define FOLDING_PREPARE(name)                                      \
  static TflStatus name##_prepare(TflContext *ctx, TflNode *node) { \
    TflStatus st = name##_prepare_(ctx, node);                     \
    if (st != TFL_OK) return st;                                   \
    return tfl_try_fold(ctx, node, name##_eval);                   \
  }
FOLDING_PREPARE(copy_like)
FOLDING_PREPARE(view)
FOLDING_PREPARE(concat)
FOLDING_PREPARE(split)
FOLDING_PREPARE(gather)
FOLDING_PREPARE(cast)
FOLDING_PREPARE(tile)
FOLDING_PREPARE(select)
FOLDING_PREPARE(pad)
#undef FOLDING_PREPARE

static TflStatus gen_prepare(TflContext *ctx, TflNode *node) {
  TflStatus st = gen_prepare_(ctx, node);
  if (st != TFL_OK) return st;
  return tfl_try_fold_ex(ctx, node, gen_eval, node->op == TFL_OP_SHAPE);
}

const TflKernel tfl_kernels_shape_ops[] = {
    {TFL_OP_RESHAPE, "RESHAPE", 1, 1, copy_like_prepare, copy_like_eval},
    {TFL_OP_SQUEEZE, "SQUEEZE", 1, 2, copy_like_prepare, copy_like_eval},
    {TFL_OP_EXPAND_DIMS, "EXPAND_DIMS", 1, 1, copy_like_prepare, copy_like_eval},
    {TFL_OP_TRANSPOSE, "TRANSPOSE", 1, 6, view_prepare, view_eval},
    {TFL_OP_SLICE, "SLICE", 1, 6, view_prepare, view_eval},
    {TFL_OP_STRIDED_SLICE, "STRIDED_SLICE", 1, 8, view_prepare, view_eval},
    {TFL_OP_BROADCAST_TO, "BROADCAST_TO", 2, 3, view_prepare, view_eval},
    {TFL_OP_REVERSE_V2, "REVERSE_V2", 1, 3, view_prepare, view_eval},
    {TFL_OP_CONCATENATION, "CONCATENATION", 1, 4, concat_prepare, concat_eval},
    {TFL_OP_PACK, "PACK", 1, 4, concat_prepare, concat_eval},
    {TFL_OP_UNPACK, "UNPACK", 1, 4, split_prepare, split_eval},
    {TFL_OP_SPLIT, "SPLIT", 1, 4, split_prepare, split_eval},
    {TFL_OP_SPLIT_V, "SPLIT_V", 1, 2, split_prepare, split_eval},
    {TFL_OP_PAD, "PAD", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_PADV2, "PADV2", 1, 4, pad_prepare, pad_eval},
    {TFL_OP_MIRROR_PAD, "MIRROR_PAD", 1, 3, pad_prepare, pad_eval},
    {TFL_OP_GATHER, "GATHER", 1, 7, gather_prepare, gather_eval},
    {TFL_OP_GATHER_ND, "GATHER_ND", 1, 5, gather_prepare, gather_eval},
    {TFL_OP_TILE, "TILE", 1, 3, tile_prepare, tile_eval},
    {TFL_OP_CAST, "CAST", 1, 7, cast_prepare, cast_eval},
    {TFL_OP_DEQUANTIZE, "DEQUANTIZE", 1, 6, deq_prepare, deq_eval},
    {TFL_OP_FILL, "FILL", 1, 4, gen_prepare, gen_eval},
    {TFL_OP_RANGE, "RANGE", 1, 2, gen_prepare, gen_eval},
    {TFL_OP_SHAPE, "SHAPE", 1, 1, gen_prepare, gen_eval},
    {TFL_OP_ZEROS_LIKE, "ZEROS_LIKE", 1, 1, gen_prepare, gen_eval},
    {TFL_OP_SELECT, "SELECT", 1, 4, select_prepare, select_eval},
    {TFL_OP_SELECT_V2, "SELECT_V2", 1, 2, select_prepare, select_eval},
    {TFL_OP_DEPTH_TO_SPACE, "DEPTH_TO_SPACE", 1, 2, d2s_prepare, d2s_eval},
    {TFL_OP_SPACE_TO_DEPTH, "SPACE_TO_DEPTH", 1, 2, d2s_prepare, d2s_eval},
    {TFL_OP_BITCAST, "BITCAST", 1, 1, bitcast_prepare, bitcast_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
