/* Kernel family misc_q: AVERAGE_POOL_2D, MAX_POOL_2D, MEAN, SUM, REDUCE_MAX/MIN/PROD and RESIZE_BILINEAR for
 * int8 / int16, bit-exact with LiteRT's reference kernels.
 *   AVERAGE_POOL_2D: integer sum over in-image taps, divided by the tap count rounding half away from zero.
 *   MEAN / SUM: int32 sums; MultiplyByQuantizedMultiplier by in_s/out_s, where MEAN folds 1/count into the multiplier
 *   the way LiteRT's QuantizedMeanOrSum does (shift by floor(log2(count)), integer divide).
 *   REDUCE_PROD: a running product rescaled at every step (and once more at the end) by
 *   in_s / out_s^(1/count) with the int64 MultiplyByQuantizedMultiplier, in increasing input order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixedpoint.h"
#include "../tflrt.h"

static int32_t zp0(const TflTensor *t) { return t->zero_points ? (int32_t)t->zero_points[0] : 0; }
static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
static void plain_free(void *p) { free(p); }

/* ------------------------------------------------------------------------------------------------ pooling */

typedef struct {
  int stride_w, stride_h, fw, fh, pad_w, pad_h;
  int32_t lo, hi;
} PoolQ;

static TflStatus pool_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return TFL_NOT_MINE;
  const int32_t t = in->type;
  if (!(t == TFL_INT8 || t == TFL_INT16) || out->type != t) return TFL_NOT_MINE;
  if (!tfl_is_int_q(out)) return TFL_NOT_MINE;
  const char *name = node->op == TFL_OP_MAX_POOL_2D ? "MAX_POOL_2D" : "AVERAGE_POOL_2D";
  if (in->rank != 4) return tfl_error(ctx, "%s: input must be 4-D", name);
  tfl_release_user_data(node);
  PoolQ *d = (PoolQ *)calloc(1, sizeof(PoolQ));
  if (!d) return tfl_error(ctx, "out of memory");
  node->user_data = d;
  node->free_user_data = plain_free;
  const TflPool2DOptions o = tfl_Pool2DOptions(node);
  const int padding = o.padding, act = o.fused_activation_function;
  d->stride_w = o.stride_w;
  d->stride_h = o.stride_h;
  d->fw = o.filter_width;
  d->fh = o.filter_height;
  if (d->stride_w <= 0 || d->stride_h <= 0 || d->fw <= 0 || d->fh <= 0)
    return tfl_error(ctx, "%s: strides and filter sizes must be positive", name);
  if (padding != 0 && padding != 1) return tfl_error(ctx, "%s: unknown padding %d", name, padding);
  const int oh = tfl_conv_out_size(padding, in->dims[1], d->fh, d->stride_h, 1, &d->pad_h);
  const int ow = tfl_conv_out_size(padding, in->dims[2], d->fw, d->stride_w, 1, &d->pad_w);
  if (oh < 0 || ow < 0) return tfl_error(ctx, "%s: filter larger than the input", name);
  if (!tfl_window_fits(oh, d->fh, d->stride_h, 1) || !tfl_window_fits(ow, d->fw, d->stride_w, 1))
    return tfl_error(ctx, "%s: stride or filter too large for the input", name);
  tfl_act_range_q(act, t, out->scales[0], zp0(out), &d->lo, &d->hi);
  const int32_t dims[4] = {in->dims[0], oh, ow, in->dims[3]};
  return tfl_resize(ctx, out, 4, dims);
}

static TflStatus pool_eval(TflContext *ctx, TflNode *node) {
  const PoolQ *d = (const PoolQ *)node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2];
  const int is16 = in->type == TFL_INT16;
  const int is_max = node->op == TFL_OP_MAX_POOL_2D;
  int32_t *acc = (int32_t *)tfl_eval_scratch(ctx, (size_t)C * sizeof(int32_t) + 16);
  if (!acc) return tfl_error(ctx, "pool: out of memory");
  for (int n = 0; n < N; ++n) {
    for (int oy = 0; oy < OH; ++oy) {
      const int iy0 = oy * d->stride_h - d->pad_h;
      const int fy0 = iy0 < 0 ? -iy0 : 0;
      const int fy1 = d->fh < H - iy0 ? d->fh : H - iy0;
      for (int ox = 0; ox < OW; ++ox) {
        const int ix0 = ox * d->stride_w - d->pad_w;
        const int fx0 = ix0 < 0 ? -ix0 : 0;
        const int fx1 = d->fw < W - ix0 ? d->fw : W - ix0;
        const int32_t init = is_max ? (is16 ? -32768 : -128) : 0;
        for (int c = 0; c < C; ++c) acc[c] = init;
        int count = 0;
        for (int fy = fy0; fy < fy1; ++fy) {
          for (int fx = fx0; fx < fx1; ++fx) {
            const size_t base = (((size_t)n * H + iy0 + fy) * W + ix0 + fx) * C;
            ++count;
            if (is16) {
              const int16_t *x = (const int16_t *)in->data + base;
              if (is_max) {
                for (int c = 0; c < C; ++c) acc[c] = x[c] > acc[c] ? x[c] : acc[c];
              } else {
                for (int c = 0; c < C; ++c) acc[c] += x[c];
              }
            } else {
              const int8_t *x = (const int8_t *)in->data + base;
              if (is_max) {
                for (int c = 0; c < C; ++c) acc[c] = x[c] > acc[c] ? x[c] : acc[c];
              } else {
                for (int c = 0; c < C; ++c) acc[c] += x[c];
              }
            }
          }
        }
        if (count == 0 && !is_max) return tfl_error(ctx, "AVERAGE_POOL_2D: empty pooling window");
        const size_t obase = (((size_t)n * OH + oy) * OW + ox) * C;
        for (int c = 0; c < C; ++c) {
          int32_t v = acc[c];
          if (!is_max) v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
          v = clamp32(v, d->lo, d->hi);
          if (is16) ((int16_t *)out->data)[obase + c] = (int16_t)v;
          else ((int8_t *)out->data)[obase + c] = (int8_t)v;
        }
      }
    }
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ MEAN / SUM */

typedef struct {
  int32_t mult;
  int shift;
  int32_t in_zp, out_zp;
  int reduced[TFL_MAX_RANK]; /* 1 for reduced input dims */
  int64_t count;             /* elements per output */
} RedQ;

static TflStatus reduce_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *axis = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !axis || !out) return TFL_NOT_MINE;
  const int32_t t = in->type;
  if (!(t == TFL_INT8 || t == TFL_INT16) || out->type != t) return TFL_NOT_MINE;
  if (!tfl_is_int_q(in) || !tfl_is_int_q(out)) return TFL_NOT_MINE;
  const char *name = node->op == TFL_OP_MEAN          ? "MEAN"
                     : node->op == TFL_OP_SUM         ? "SUM"
                     : node->op == TFL_OP_REDUCE_PROD ? "REDUCE_PROD"
                                                  : "REDUCE_MAX/MIN";
  if (axis->type != TFL_INT32 || !axis->data) return tfl_error(ctx, "%s: axis must be a constant int32 tensor", name);
  tfl_release_user_data(node);
  RedQ *d = (RedQ *)calloc(1, sizeof(RedQ));
  if (!d) return tfl_error(ctx, "out of memory");
  node->user_data = d;
  node->free_user_data = plain_free;
  d->in_zp = zp0(in);
  d->out_zp = zp0(out);
  if (t == TFL_INT16 && (d->in_zp || d->out_zp)) return tfl_error(ctx, "%s: int16 needs zero point 0", name);
  const int64_t na = tfl_num_elements(axis);
  const int32_t *ax = (const int32_t *)axis->data;
  for (int64_t i = 0; i < na; ++i) {
    int a = ax[i];
    if (a < -in->rank || a >= in->rank) return tfl_error(ctx, "%s: axis %d out of range for rank %d", name, a, in->rank);
    if (a < 0) a += in->rank;
    d->reduced[a] = 1;
  }
  const int keep = tfl_ReducerOptions(node).keep_dims;
  int32_t dims[TFL_MAX_RANK];
  int r = 0;
  d->count = 1;
  for (int i = 0; i < in->rank; ++i) {
    if (d->reduced[i]) {
      d->count *= in->dims[i];
      if (keep) dims[r++] = 1;
    } else {
      dims[r++] = in->dims[i];
    }
  }
  double real = (double)in->scales[0] / (double)out->scales[0];
  if (node->op == TFL_OP_REDUCE_PROD) {
    /* LiteRT: count = input size / output size (a whole number of reduced elements per output) */
    int64_t nin = 1, nout = 1;
    for (int i = 0; i < in->rank; ++i) nin *= in->dims[i];
    for (int i = 0; i < r; ++i) nout *= dims[i];
    const int64_t cnt = nout > 0 ? nin / nout : 0;
    if (cnt > 0) real = (double)in->scales[0] / pow((double)out->scales[0], 1.0 / (double)cnt);
  }
  tfl_quantize_multiplier(real, &d->mult, &d->shift);
  return tfl_resize(ctx, out, r, dims);
}

/* Walks the input of a reduction in row-major order, tracking the flat output index each element reduces into. */
typedef struct {
  int rank;
  const int32_t *dims;
  int64_t ostride[TFL_MAX_RANK]; /* output strides over the input dims, 0 on reduced dims */
  int32_t idx[TFL_MAX_RANK];
  int64_t out;
} RedWalk;

static void redwalk_init(RedWalk *w, const RedQ *d, const TflTensor *in) {
  w->rank = in->rank;
  w->dims = in->dims;
  w->out = 0;
  int64_t s = 1;
  for (int i = in->rank - 1; i >= 0; --i) {
    w->idx[i] = 0;
    w->ostride[i] = d->reduced[i] ? 0 : s;
    if (!d->reduced[i]) s *= in->dims[i];
  }
}

static inline void redwalk_next(RedWalk *w) {
  for (int k = w->rank - 1; k >= 0; --k) {
    w->out += w->ostride[k];
    if (++w->idx[k] < w->dims[k]) return;
    w->out -= w->ostride[k] * w->dims[k];
    w->idx[k] = 0;
  }
}

static inline int32_t load_q(const TflTensor *t, int is16, int64_t i) {
  return is16 ? ((const int16_t *)t->data)[i] : ((const int8_t *)t->data)[i];
}

/* REDUCE_PROD: out[o] = MBQM64(p), p = (x0 - zp), then p = MBQM64(p * (xk - zp)) for the following reduced elements in
 * increasing input order. The int64 product fits: |p| < 2^31 and |xk - zp| <= 2^16. */
static TflStatus reduce_prod_eval(TflContext *ctx, const RedQ *d, const TflTensor *in, TflTensor *out) {
  const int is16 = in->type == TFL_INT16;
  const int64_t nout = tfl_num_elements(out), nin = tfl_num_elements(in);
  uint8_t *started = (uint8_t *)tfl_eval_scratch(ctx, (size_t)nout * (sizeof(int32_t) + 1) + 16);
  if (!started) return tfl_error(ctx, "REDUCE_PROD: out of memory");
  int32_t *prod = (int32_t *)started;
  started += (size_t)nout * sizeof(int32_t);
  memset(started, 0, (size_t)nout);
  RedWalk w;
  redwalk_init(&w, d, in);
  for (int64_t i = 0; i < nin; ++i, redwalk_next(&w)) {
    const int32_t v = load_q(in, is16, i) - d->in_zp;
    if (started[w.out]) {
      prod[w.out] = tfl_mbqm64((int64_t)prod[w.out] * v, d->mult, d->shift);
    } else {
      prod[w.out] = v;
      started[w.out] = 1;
    }
  }
  int32_t lo, hi;
  tfl_type_range(in->type, &lo, &hi);
  for (int64_t o = 0; o < nout; ++o) {
    const int32_t v = clamp32(tfl_mbqm64((int64_t)prod[o], d->mult, d->shift) + d->out_zp, lo, hi);
    if (is16) ((int16_t *)out->data)[o] = (int16_t)v;
    else ((int8_t *)out->data)[o] = (int8_t)v;
  }
  return TFL_OK;
}

/* The reduced dims as one block: input = [outer][red][inner] with every reduced dim inside red (dims of size 1 may be
 * on either side). Returns 0 when the reduced dims are not contiguous. */
static int reduce_block(const RedQ *d, const TflTensor *in, int64_t *outer, int64_t *red, int64_t *inner) {
  int first = -1, last = -1;
  for (int i = 0; i < in->rank; ++i)
    if (d->reduced[i] && in->dims[i] != 1) {
      if (first < 0) first = i;
      last = i;
    }
  *outer = *red = *inner = 1;
  for (int i = 0; i < in->rank; ++i) {
    if (first >= 0 && i >= first && i <= last) {
      if (!d->reduced[i] && in->dims[i] != 1) return 0;
      *red *= in->dims[i];
    } else if (first >= 0 && i > last) {
      *inner *= in->dims[i];
    } else {
      *outer *= in->dims[i];
    }
  }
  return 1;
}

/* acc[o][c] (sum, max or min by kind 0/1/2, acc initialized) over x[o][r][c]; rows of inner values, vectorized by the
 * compiler (int32 sums wrap, as the per-element loop). */
TFL_HOT static void reduce_i8_block(const int8_t *x, int32_t *acc, int64_t outer, int64_t red, int64_t inner, int kind) {
  for (int64_t o = 0; o < outer; ++o) {
    int32_t *a = acc + o * inner;
    for (int64_t r = 0; r < red; ++r) {
      const int8_t *xr = x + (o * red + r) * inner;
      if (kind == 0) {
        for (int64_t c = 0; c < inner; ++c) a[c] = (int32_t)((uint32_t)a[c] + (uint32_t)(int32_t)xr[c]);
      } else if (kind == 1) {
        for (int64_t c = 0; c < inner; ++c) a[c] = xr[c] > a[c] ? xr[c] : a[c];
      } else {
        for (int64_t c = 0; c < inner; ++c) a[c] = xr[c] < a[c] ? xr[c] : a[c];
      }
    }
  }
}

static TflStatus reduce_eval(TflContext *ctx, TflNode *node) {
  const RedQ *d = (const RedQ *)node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int is16 = in->type == TFL_INT16;
  const int64_t nout = tfl_num_elements(out), nin = tfl_num_elements(in);
  int32_t lo, hi;
  tfl_type_range(in->type, &lo, &hi);
  if (nin == 0) {
    memset(out->data, 0, out->bytes);
    return TFL_OK;
  }
  if (node->op == TFL_OP_REDUCE_PROD) return reduce_prod_eval(ctx, d, in, out);
  int32_t *sum = (int32_t *)tfl_eval_scratch(ctx, (size_t)nout * sizeof(int32_t) + 16);
  if (!sum) return tfl_error(ctx, "reduce: out of memory");
  const int is_max = node->op == TFL_OP_REDUCE_MAX, is_min = node->op == TFL_OP_REDUCE_MIN;
  if (is_max || is_min) {
    for (int64_t o = 0; o < nout; ++o) sum[o] = is_max ? lo : hi;
  } else {
    memset(sum, 0, (size_t)nout * sizeof(int32_t));
  }
  int64_t outer, red, inner;
  if (!is16 && reduce_block(d, in, &outer, &red, &inner)) {
    reduce_i8_block((const int8_t *)in->data, sum, outer, red, inner, is_max ? 1 : is_min ? 2 : 0);
  } else {
    RedWalk w;
    redwalk_init(&w, d, in);
    for (int64_t i = 0; i < nin; ++i, redwalk_next(&w)) {
      const int32_t v = load_q(in, is16, i);
      int32_t *acc = &sum[w.out];
      if (is_max) *acc = v > *acc ? v : *acc;
      else if (is_min) *acc = v < *acc ? v : *acc;
      else *acc = (int32_t)((uint32_t)*acc + (uint32_t)v); /* int32 sums wrap (a hostile count could overflow) */
    }
  }
  if (is_max || is_min) { /* same quantization in and out: raw values */
    for (int64_t o = 0; o < nout; ++o) {
      if (is16) ((int16_t *)out->data)[o] = (int16_t)sum[o];
      else ((int8_t *)out->data)[o] = (int8_t)sum[o];
    }
    return TFL_OK;
  }
  int32_t mult = d->mult;
  int shift = d->shift;
  const int64_t cnt = d->count;
  if (node->op == TFL_OP_MEAN && cnt > 0) {
    int sh = 63 - __builtin_clzll((unsigned long long)cnt);
    if (sh > 32) sh = 32;
    if (sh > 31 + shift) sh = 31 + shift;
    if (sh < 0) sh = 0;
    mult = (int32_t)(((int64_t)mult << sh) / cnt);
    shift = shift - sh;
  }
  const TflRounding mode = tfl_rounding();
  for (int64_t o = 0; o < nout; ++o) {
    const int32_t shifted = (int32_t)((uint32_t)sum[o] - (uint32_t)d->in_zp * (uint32_t)cnt);
    const int32_t v = clamp32(tfl_mbqm_mode(shifted, mult, shift, mode) + d->out_zp, lo, hi);
    if (is16) ((int16_t *)out->data)[o] = (int16_t)v;
    else ((int8_t *)out->data)[o] = (int8_t)v;
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ RESIZE_BILINEAR */

/* LiteRT's ResizeBilinearInteger: 10-bit fixed-point source coordinates, 20-bit weights, round half away from
 * zero. Input and output share quantization, so this works on the raw values. */
typedef struct {
  int align_corners, half_pixel;
} ResizeQ;

static TflStatus resize_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *size = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !size || !out) return TFL_NOT_MINE;
  if (!(in->type == TFL_INT8 || in->type == TFL_INT16) || out->type != in->type) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "RESIZE_BILINEAR: input must be 4-D");
  if (size->type != TFL_INT32 || tfl_num_elements(size) != 2 || !size->data)
    return tfl_error(ctx, "RESIZE_BILINEAR: size must be a constant int32[2]");
  tfl_release_user_data(node);
  ResizeQ *d = (ResizeQ *)calloc(1, sizeof(ResizeQ));
  if (!d) return tfl_error(ctx, "out of memory");
  node->user_data = d;
  node->free_user_data = plain_free;
  const TflResizeBilinearOptions o = tfl_ResizeBilinearOptions(node);
  d->align_corners = o.align_corners;
  d->half_pixel = o.half_pixel_centers;
  if (d->align_corners && d->half_pixel)
    return tfl_error(ctx, "RESIZE_BILINEAR: half_pixel_centers and align_corners are exclusive");
  const int32_t *sz = (const int32_t *)size->data;
  if (sz[0] <= 0 || sz[1] <= 0) return tfl_error(ctx, "RESIZE_BILINEAR: output size must be positive");
  /* 10-bit fixed-point coordinates: (1 << 10) * size must fit in int32, and an empty input has nothing to sample */
  if (sz[0] > (1 << 20) || sz[1] > (1 << 20) || in->dims[1] > (1 << 20) || in->dims[2] > (1 << 20))
    return tfl_error(ctx, "RESIZE_BILINEAR: sizes above %d are not supported", 1 << 20);
  if (in->dims[1] <= 0 || in->dims[2] <= 0) return tfl_error(ctx, "RESIZE_BILINEAR: empty input");
  const int32_t dims[4] = {in->dims[0], sz[0], sz[1], in->dims[3]};
  return tfl_resize(ctx, out, 4, dims);
}

static void interp_values(int32_t v, int32_t scale10, int half_pixel, int32_t in_size, int32_t *scaled, int32_t *lo,
                          int32_t *hi) {
  *scaled = half_pixel ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
  const int32_t l = *scaled / (1 << 10);
  /* LiteRT leaves lo unclamped above; with a rounded-up scale (large upsampling) it can pass the last row */
  *lo = l > 0 ? (l < in_size - 1 ? l : in_size - 1) : 0;
  const int32_t h = (*scaled + (1 << 10) - 1) / (1 << 10);
  *hi = h < in_size - 1 ? h : in_size - 1;
}

static TflStatus resize_eval(TflContext *ctx, TflNode *node) {
  const ResizeQ *d = (const ResizeQ *)node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int B = in->dims[0], IH = in->dims[1], IW = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2];
  const int is16 = in->type == TFL_INT16;
  int32_t hs = ((1 << 10) * IH + OH / 2) / OH, ws = ((1 << 10) * IW + OW / 2) / OW;
  if (d->align_corners && OH > 1) hs = ((1 << 10) * (IH - 1) + (OH - 1) / 2) / (OH - 1);
  if (d->align_corners && OW > 1) ws = ((1 << 10) * (IW - 1) + (OW - 1) / 2) / (OW - 1);
#define AT(b, y, x, c) \
  (is16 ? (int64_t)((const int16_t *)in->data)[(((size_t)(b) * IH + (y)) * IW + (x)) * C + (c)] \
        : (int64_t)((const int8_t *)in->data)[(((size_t)(b) * IH + (y)) * IW + (x)) * C + (c)])
  for (int b = 0; b < B; ++b) {
    for (int y = 0; y < OH; ++y) {
      int32_t iy, y0, y1;
      interp_values(y, hs, d->half_pixel, IH, &iy, &y0, &y1);
      const int64_t fy = iy - (1 << 10) * y0;
      for (int x = 0; x < OW; ++x) {
        int32_t ix, x0, x1;
        interp_values(x, ws, d->half_pixel, IW, &ix, &x0, &x1);
        const int64_t fx = ix - (1 << 10) * x0;
        for (int c = 0; c < C; ++c) {
          const int64_t v = AT(b, y0, x0, c) * ((1 << 10) - fy) * ((1 << 10) - fx) +
                            AT(b, y1, x0, c) * fy * ((1 << 10) - fx) + AT(b, y0, x1, c) * ((1 << 10) - fy) * fx +
                            AT(b, y1, x1, c) * fy * fx;
          const int64_t rnd = v > 0 ? (1 << 19) : -(1 << 19);
          const int64_t r = (v + rnd) / (1 << 20);
          const size_t o = (((size_t)b * OH + y) * OW + x) * C + c;
          if (is16) ((int16_t *)out->data)[o] = (int16_t)r;
          else ((int8_t *)out->data)[o] = (int8_t)r;
        }
      }
    }
  }
#undef AT
  return TFL_OK;
}

const TflKernel tfl_kernels_misc_q[] = {
    {TFL_OP_RESIZE_BILINEAR, "RESIZE_BILINEAR (int8/int16)", 1, 4, resize_prepare, resize_eval},
    {TFL_OP_AVERAGE_POOL_2D, "AVERAGE_POOL_2D (int8/int16)", 1, 3, pool_prepare, pool_eval},
    {TFL_OP_MAX_POOL_2D, "MAX_POOL_2D (int8/int16)", 1, 3, pool_prepare, pool_eval},
    {TFL_OP_MEAN, "MEAN (int8/int16)", 1, 3, reduce_prepare, reduce_eval},
    {TFL_OP_SUM, "SUM (int8/int16)", 1, 2, reduce_prepare, reduce_eval},
    {TFL_OP_REDUCE_MAX, "REDUCE_MAX (int8/int16)", 1, 3, reduce_prepare, reduce_eval},
    {TFL_OP_REDUCE_MIN, "REDUCE_MIN (int8/int16)", 1, 3, reduce_prepare, reduce_eval},
    {TFL_OP_REDUCE_PROD, "REDUCE_PROD (int8/int16)", 1, 2, reduce_prepare, reduce_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
