/* Kernel family conv_q: CONV_2D and DEPTHWISE_CONV_2D for int8 (per-tensor / per-channel weights) and int16x8
 * (int16 activations, int8 weights, int32 or int64 bias), bit-exact with LiteRT's reference integer kernels:
 *   acc = sum w * (x - zp_in) over in-image taps (+ bias), out = MBQM(acc, mult[c], shift[c]) + zp_out, clamped.
 * Out-of-image taps contribute nothing, which equals padding the input with zp_in; the conv uses that to build an
 * im2col patch per output pixel and a plain int8 dot product. */
#include <stdlib.h>
#include <string.h>

#include "../fixedpoint.h"
#include "../qgemm.h"
#include "../tflrt.h"

enum { OP_CONV_2D = 3, OP_DEPTHWISE_CONV_2D = 4, OP_TRANSPOSE_CONV = 67 };

typedef struct {
  int stride_w, stride_h, dil_w, dil_h, pad_w, pad_h;
  int depth_multiplier;
  int groups;
  int32_t act_lo, act_hi;
  int32_t in_zp, out_zp;
  int is16;      /* int16 activations */
  int bias64;    /* bias tensor is int64 */
  int channels;  /* output channels */
  int32_t *mult; /* [channels] */
  int *shift;    /* [channels] */
  int32_t *wsum; /* [channels] sum of the filter taps of each output channel (conv, int8) */
  int32_t *badj; /* [channels] bias - zp_in * wsum (packed conv) */
  int wsum_ready;
  TflQPack pack; /* int8 conv with constant filter and one group: packed GEMM weights */
  int packed;
} ConvQ;

static void conv_free(void *p) {
  ConvQ *d = (ConvQ *)p;
  if (!d) return;
  free(d->mult);
  free(d->shift);
  free(d->wsum);
  free(d->badj);
  tfl_qpack_free(&d->pack);
  free(d);
}

static int is_q(const TflTensor *t, int32_t type) { return t && t->type == type && t->nq >= 1 && t->scales; }

/* Shared operand checks; returns TFL_NOT_MINE when the types are not an integer conv. */
static TflStatus conv_common(TflContext *ctx, TflNode *node, int depthwise, ConvQ **out_d) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !w || !out) return TFL_NOT_MINE;
  const int is8 = in->type == TFL_INT8 && out->type == TFL_INT8;
  const int is16 = in->type == TFL_INT16 && out->type == TFL_INT16;
  if (!(is8 || is16) || w->type != TFL_INT8) return TFL_NOT_MINE;
  const char *opname = depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D";
  if (!is_q(in, in->type) || !is_q(w, TFL_INT8) || !is_q(out, out->type))
    return tfl_error(ctx, "%s: quantized input, filter and output need scales", opname);
  if (in->rank != 4 || w->rank != 4) return tfl_error(ctx, "%s: input and filter must be 4-D", opname);
  const int cout = depthwise ? w->dims[3] : w->dims[0];
  if (cout <= 0) return tfl_error(ctx, "%s: empty filter", opname);
  if (w->nq > 1 && w->nq != cout) return tfl_error(ctx, "%s: %d filter scales for %d channels", opname, w->nq, cout);
  if (w->zero_points) {
    for (int i = 0; i < w->nq; ++i)
      if (w->zero_points[i] != 0) return tfl_error(ctx, "%s: int8 filter must be symmetric", opname);
  }
  if (is16 && ((in->zero_points && in->zero_points[0]) || (out->zero_points && out->zero_points[0])))
    return tfl_error(ctx, "%s: int16 activations need zero point 0", opname);
  if (bias) {
    if (is8 && bias->type != TFL_INT32) return tfl_error(ctx, "%s: int8 conv needs an int32 bias", opname);
    if (is16 && bias->type != TFL_INT32 && bias->type != TFL_INT64)
      return tfl_error(ctx, "%s: int16 conv needs an int32 or int64 bias", opname);
    if (tfl_num_elements(bias) != cout) return tfl_error(ctx, "%s: bias has %lld elements, expected %d", opname,
                                                         (long long)tfl_num_elements(bias), cout);
  }
  tfl_release_user_data(node);
  ConvQ *d = (ConvQ *)calloc(1, sizeof(ConvQ));
  if (!d) return tfl_error(ctx, "%s: out of memory", opname);
  d->mult = (int32_t *)calloc((size_t)cout, sizeof(int32_t));
  d->shift = (int *)calloc((size_t)cout, sizeof(int));
  d->wsum = (int32_t *)calloc((size_t)cout, sizeof(int32_t));
  if (!d->mult || !d->shift || !d->wsum) {
    conv_free(d);
    return tfl_error(ctx, "%s: out of memory", opname);
  }
  node->user_data = d;
  node->free_user_data = conv_free;
  d->channels = cout;
  d->is16 = is16;
  d->bias64 = bias && bias->type == TFL_INT64;
  d->in_zp = in->zero_points ? (int32_t)in->zero_points[0] : 0;
  d->out_zp = out->zero_points ? (int32_t)out->zero_points[0] : 0;
  tfl_conv_multipliers(in, w, out, cout, d->mult, d->shift);
  *out_d = d;
  return TFL_OK;
}

static TflStatus conv_geometry(TflContext *ctx, TflNode *node, ConvQ *d, int padding, int fh, int fw, int cout,
                               const char *opname) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (d->stride_w <= 0 || d->stride_h <= 0 || d->dil_w <= 0 || d->dil_h <= 0)
    return tfl_error(ctx, "%s: strides and dilations must be positive", opname);
  if (padding != 0 && padding != 1) return tfl_error(ctx, "%s: unknown padding %d", opname, padding);
  const int oh = tfl_conv_out_size(padding, in->dims[1], fh, d->stride_h, d->dil_h, &d->pad_h);
  const int ow = tfl_conv_out_size(padding, in->dims[2], fw, d->stride_w, d->dil_w, &d->pad_w);
  if (oh < 0 || ow < 0) return tfl_error(ctx, "%s: filter larger than the input", opname);
  const int32_t dims[4] = {in->dims[0], oh, ow, cout};
  return tfl_resize(ctx, out, 4, dims);
}

/* ------------------------------------------------------------------------------------------------ CONV_2D */

static TflStatus conv_prepare(TflContext *ctx, TflNode *node) {
  ConvQ *d = NULL;
  TflStatus st = conv_common(ctx, node, 0, &d);
  if (st != TFL_OK) return st;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int padding = tfl_opt_int(node, 0, 0);
  d->stride_w = tfl_opt_int(node, 1, 1);
  d->stride_h = tfl_opt_int(node, 2, 1);
  const int act = tfl_opt_int(node, 3, 0);
  d->dil_w = tfl_opt_int(node, 4, 1);
  d->dil_h = tfl_opt_int(node, 5, 1);
  const int cin = in->dims[3], fcin = w->dims[3];
  if (fcin <= 0 || cin <= 0 || cin % fcin != 0) return tfl_error(ctx, "CONV_2D: input depth %d not a multiple of filter depth %d",
                                                     cin, fcin);
  d->groups = cin / fcin;
  if (d->channels % d->groups != 0) return tfl_error(ctx, "CONV_2D: %d filters for %d groups", d->channels, d->groups);
  tfl_act_range_q(act, out->type, out->scales[0], d->out_zp, &d->act_lo, &d->act_hi);
  if (!d->is16 && d->groups == 1 && w->data && w->alloc == TFL_ALLOC_CONST && getenv("TFLRT_NO_QGEMM") == NULL) {
    const int K = w->dims[1] * w->dims[2] * w->dims[3];
    if (!tfl_qpack((const int8_t *)w->data, d->channels, K, &d->pack)) return tfl_error(ctx, "CONV_2D: out of memory");
    d->packed = 1;
  }
  return conv_geometry(ctx, node, d, padding, w->dims[1], w->dims[2], d->channels, "CONV_2D");
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, int n) {
  int32_t s = 0;
  for (int i = 0; i < n; ++i) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

static int64_t dot_i16_i8(const int16_t *a, const int8_t *b, int n) {
  int64_t s = 0;
  for (int i = 0; i < n; ++i) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* int8, one group, packed weights: im2col blocks of output pixels as int16 rows, then the int8 GEMM. */
TFL_HOT static TflStatus conv_eval_gemm(TflContext *ctx, TflNode *node, ConvQ *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int FH = w->dims[1], FW = w->dims[2];
  const int K = FH * FW * C, Kp = d->pack.Kp, Np = d->pack.Np;
  int MB = 32768 / Kp;
  MB = MB < 4 ? 4 : (MB > 64 ? 64 : MB);
  MB &= ~3;
  const size_t a_bytes = ((size_t)MB * Kp * sizeof(int16_t) + 63) & ~(size_t)63;
  uint8_t *scratch = (uint8_t *)tfl_eval_scratch(ctx, a_bytes + (size_t)MB * Np * sizeof(int32_t) + 64);
  if (!scratch) return tfl_error(ctx, "CONV_2D: out of memory");
  int16_t *A = (int16_t *)scratch;
  int32_t *acc = (int32_t *)(scratch + a_bytes);
  const int32_t *b32 = bias ? (const int32_t *)bias->data : NULL;
  if (!d->badj) {
    d->badj = (int32_t *)malloc((size_t)OC * sizeof(int32_t));
    if (!d->badj) return tfl_error(ctx, "CONV_2D: out of memory");
  }
  if (!d->wsum_ready || bias) { /* the bias may be a non-constant tensor */
    const int8_t *wd = (const int8_t *)w->data;
    for (int oc = 0; oc < OC; ++oc) {
      if (!d->wsum_ready) {
        int32_t sum = 0;
        for (int k = 0; k < K; ++k) sum += wd[(size_t)oc * K + k];
        d->wsum[oc] = sum;
      }
      d->badj[oc] = (int32_t)((uint32_t)(b32 ? b32[oc] : 0) - (uint32_t)(d->in_zp * d->wsum[oc]));
    }
    d->wsum_ready = 1;
  }
  const int pointwise = FH == 1 && FW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 && d->pad_w == 0;
  const int16_t zp = (int16_t)d->in_zp;
  const int total = OH * OW;
  for (int n = 0; n < N; ++n) {
    const int8_t *xin = (const int8_t *)in->data + (size_t)n * H * W * C;
    int8_t *yout = (int8_t *)out->data + (size_t)n * total * OC;
    for (int p0 = 0; p0 < total; p0 += MB) {
      const int mb = total - p0 < MB ? total - p0 : MB;
      for (int i = 0; i < mb; ++i) {
        const int oy = (p0 + i) / OW, ox = (p0 + i) % OW;
        int16_t *row = A + (size_t)i * Kp;
        if (pointwise) {
          const int8_t *src = xin + ((size_t)oy * W + ox) * C;
          for (int c = 0; c < C; ++c) row[c] = src[c];
        } else {
          const int iy0 = oy * d->stride_h - d->pad_h, ix0 = ox * d->stride_w - d->pad_w;
          int16_t *dst = row;
          for (int fy = 0; fy < FH; ++fy) {
            const int iy = iy0 + fy * d->dil_h;
            for (int fx = 0; fx < FW; ++fx, dst += C) {
              const int ix = ix0 + fx * d->dil_w;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                const int8_t *src = xin + ((size_t)iy * W + ix) * C;
                for (int c = 0; c < C; ++c) dst[c] = src[c];
              } else {
                for (int c = 0; c < C; ++c) dst[c] = zp;
              }
            }
          }
        }
        if (Kp > K) row[K] = 0;
      }
      tfl_qgemm(&d->pack, A, mb, Kp, acc);
      for (int i = 0; i < mb; ++i)
        tfl_requant_i8(acc + (size_t)i * Np, d->badj, OC, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi,
                       yout + (size_t)(p0 + i) * OC);
    }
  }
  return TFL_OK;
}

static TflStatus conv_eval(TflContext *ctx, TflNode *node) {
  ConvQ *d = (ConvQ *)node->user_data;
  if (d->packed) return conv_eval_gemm(ctx, node, d);
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int FH = w->dims[1], FW = w->dims[2], FC = w->dims[3];
  const int K = FH * FW * FC;
  const int groups = d->groups, per_group = OC / groups;
  const int8_t *wd = (const int8_t *)w->data;
  const TflRounding mode = tfl_rounding();
  const size_t esz = d->is16 ? 2 : 1;
  uint8_t *patch = (uint8_t *)tfl_eval_scratch(ctx, (size_t)K * esz + 16);
  if (!patch && K > 0) return tfl_error(ctx, "CONV_2D: out of memory");
  if (!d->is16 && !d->wsum_ready) {
    for (int oc = 0; oc < OC; ++oc) {
      int32_t s = 0;
      for (int k = 0; k < K; ++k) s += wd[(size_t)oc * K + k];
      d->wsum[oc] = s;
    }
    d->wsum_ready = w->alloc == TFL_ALLOC_CONST;
  }
  const int32_t *b32 = bias && !d->bias64 ? (const int32_t *)bias->data : NULL;
  const int64_t *b64 = bias && d->bias64 ? (const int64_t *)bias->data : NULL;
  for (int n = 0; n < N; ++n) {
    for (int oy = 0; oy < OH; ++oy) {
      const int iy0 = oy * d->stride_h - d->pad_h;
      for (int ox = 0; ox < OW; ++ox) {
        const int ix0 = ox * d->stride_w - d->pad_w;
        for (int g = 0; g < groups; ++g) {
          /* im2col patch for this group: [FH][FW][FC], out-of-image taps = zp_in (contributes zero) */
          for (int fy = 0; fy < FH; ++fy) {
            const int iy = iy0 + fy * d->dil_h;
            for (int fx = 0; fx < FW; ++fx) {
              const int ix = ix0 + fx * d->dil_w;
              const size_t po = ((size_t)fy * FW + fx) * FC;
              const int inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              if (d->is16) {
                int16_t *p = (int16_t *)patch + po;
                if (inside)
                  memcpy(p, (const int16_t *)in->data + (((size_t)n * H + iy) * W + ix) * C + (size_t)g * FC,
                         (size_t)FC * 2);
                else
                  memset(p, 0, (size_t)FC * 2);
              } else {
                int8_t *p = (int8_t *)patch + po;
                if (inside)
                  memcpy(p, (const int8_t *)in->data + (((size_t)n * H + iy) * W + ix) * C + (size_t)g * FC, (size_t)FC);
                else
                  memset(p, (int8_t)d->in_zp, (size_t)FC);
              }
            }
          }
          const size_t obase = (((size_t)n * OH + oy) * OW + ox) * OC;
          for (int oc = g * per_group; oc < (g + 1) * per_group; ++oc) {
            const int8_t *wr = wd + (size_t)oc * K;
            if (d->is16) {
              int64_t acc = dot_i16_i8((const int16_t *)patch, wr, K);
              int32_t r;
              if (b64) {
                acc += b64[oc];
                r = tfl_mbqm64(acc, d->mult[oc], d->shift[oc]);
              } else {
                int32_t a32 = (int32_t)(uint32_t)(uint64_t)acc; /* int32 accumulator in LiteRT */
                if (b32) a32 = (int32_t)((uint32_t)a32 + (uint32_t)b32[oc]);
                r = tfl_mbqm_mode(a32, d->mult[oc], d->shift[oc], mode);
              }
              ((int16_t *)out->data)[obase + oc] = (int16_t)clamp32(r, d->act_lo, d->act_hi);
            } else {
              int32_t acc = dot_i8((const int8_t *)patch, wr, K) - d->in_zp * d->wsum[oc];
              if (b32) acc += b32[oc];
              int32_t r = tfl_mbqm_mode(acc, d->mult[oc], d->shift[oc], mode) + d->out_zp;
              ((int8_t *)out->data)[obase + oc] = (int8_t)clamp32(r, d->act_lo, d->act_hi);
            }
          }
        }
      }
    }
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ DEPTHWISE */

static TflStatus dw_prepare(TflContext *ctx, TflNode *node) {
  ConvQ *d = NULL;
  TflStatus st = conv_common(ctx, node, 1, &d);
  if (st != TFL_OK) return st;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int padding = tfl_opt_int(node, 0, 0);
  d->stride_w = tfl_opt_int(node, 1, 1);
  d->stride_h = tfl_opt_int(node, 2, 1);
  d->depth_multiplier = tfl_opt_int(node, 3, 1);
  const int act = tfl_opt_int(node, 4, 0);
  d->dil_w = tfl_opt_int(node, 5, 1);
  d->dil_h = tfl_opt_int(node, 6, 1);
  const int cin = in->dims[3], cout = w->dims[3];
  if (w->dims[0] != 1) return tfl_error(ctx, "DEPTHWISE_CONV_2D: filter dim 0 must be 1");
  if (cin <= 0 || cout % cin != 0)
    return tfl_error(ctx, "DEPTHWISE_CONV_2D: %d output channels not a multiple of %d input channels", cout, cin);
  d->depth_multiplier = cout / cin; /* LiteRT derives it from the shapes as well */
  tfl_act_range_q(act, out->type, out->scales[0], d->out_zp, &d->act_lo, &d->act_hi);
  return conv_geometry(ctx, node, d, padding, w->dims[1], w->dims[2], cout, "DEPTHWISE_CONV_2D");
}

TFL_HOT static TflStatus dw_eval(TflContext *ctx, TflNode *node) {
  ConvQ *d = (ConvQ *)node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int FH = w->dims[1], FW = w->dims[2];
  const int M = d->depth_multiplier;
  const int8_t *wd = (const int8_t *)w->data;
  const TflRounding mode = tfl_rounding();
  int64_t *acc = (int64_t *)tfl_eval_scratch(ctx, (size_t)OC * sizeof(int64_t) + 16);
  if (!acc) return tfl_error(ctx, "DEPTHWISE_CONV_2D: out of memory");
  int32_t *acc32 = (int32_t *)acc;
  const int32_t *b32 = bias && !d->bias64 ? (const int32_t *)bias->data : NULL;
  const int64_t *b64 = bias && d->bias64 ? (const int64_t *)bias->data : NULL;
  for (int n = 0; n < N; ++n) {
    for (int oy = 0; oy < OH; ++oy) {
      const int iy0 = oy * d->stride_h - d->pad_h;
      for (int ox = 0; ox < OW; ++ox) {
        const int ix0 = ox * d->stride_w - d->pad_w;
        const size_t obase = (((size_t)n * OH + oy) * OW + ox) * OC;
        if (d->is16) {
          memset(acc, 0, (size_t)OC * sizeof(int64_t));
        } else {
          memset(acc32, 0, (size_t)OC * sizeof(int32_t));
        }
        for (int fy = 0; fy < FH; ++fy) {
          const int iy = iy0 + fy * d->dil_h;
          if (iy < 0 || iy >= H) continue;
          for (int fx = 0; fx < FW; ++fx) {
            const int ix = ix0 + fx * d->dil_w;
            if (ix < 0 || ix >= W) continue;
            const int8_t *wr = wd + ((size_t)fy * FW + fx) * OC;
            const size_t ibase = (((size_t)n * H + iy) * W + ix) * C;
            if (d->is16) {
              const int16_t *x = (const int16_t *)in->data + ibase;
              if (M == 1) {
                for (int c = 0; c < OC; ++c) acc[c] += (int32_t)x[c] * wr[c];
              } else {
                for (int ic = 0; ic < C; ++ic)
                  for (int m = 0; m < M; ++m) acc[ic * M + m] += (int32_t)x[ic] * wr[ic * M + m];
              }
            } else {
              const int8_t *x = (const int8_t *)in->data + ibase;
              const int32_t zp = d->in_zp;
              if (M == 1) {
                for (int c = 0; c < OC; ++c) acc32[c] += ((int32_t)x[c] - zp) * wr[c];
              } else {
                for (int ic = 0; ic < C; ++ic)
                  for (int m = 0; m < M; ++m) acc32[ic * M + m] += ((int32_t)x[ic] - zp) * wr[ic * M + m];
              }
            }
          }
        }
        if (!d->is16) {
          tfl_requant_i8(acc32, b32, OC, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi,
                         (int8_t *)out->data + obase);
          continue;
        }
        for (int oc = 0; oc < OC; ++oc) {
          if (d->is16) {
            int32_t r;
            if (b64 || !b32) {
              int64_t a = acc[oc] + (b64 ? b64[oc] : 0);
              r = tfl_mbqm64(a, d->mult[oc], d->shift[oc]);
            } else {
              int32_t a32 = (int32_t)((uint32_t)(uint64_t)acc[oc] + (uint32_t)b32[oc]);
              r = tfl_mbqm_mode(a32, d->mult[oc], d->shift[oc], mode);
            }
            ((int16_t *)out->data)[obase + oc] = (int16_t)clamp32(r, d->act_lo, d->act_hi);
          } else {
            int32_t a = acc32[oc] + (b32 ? b32[oc] : 0);
            int32_t r = tfl_mbqm_mode(a, d->mult[oc], d->shift[oc], mode) + d->out_zp;
            ((int8_t *)out->data)[obase + oc] = (int8_t)clamp32(r, d->act_lo, d->act_hi);
          }
        }
      }
    }
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ TRANSPOSE_CONV */

/* Inputs: output_shape (int32[4]), weights [OC, KH, KW, IC], input, optional bias. Scatter-accumulate
 * (x - zp_in) * w into an int32 (int64 for int16 with int64 bias) buffer, then the conv requantization. */
static TflStatus tconv_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *shape = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2);
  TflTensor *bias = node->ninputs > 3 ? tfl_input(ctx, node, 3) : NULL, *out = tfl_output(ctx, node, 0);
  if (!shape || !w || !in || !out) return TFL_NOT_MINE;
  const int is8 = in->type == TFL_INT8 && out->type == TFL_INT8;
  const int is16 = in->type == TFL_INT16 && out->type == TFL_INT16;
  if (!(is8 || is16) || w->type != TFL_INT8) return TFL_NOT_MINE;
  if (!is_q(in, in->type) || !is_q(w, TFL_INT8) || !is_q(out, out->type))
    return tfl_error(ctx, "TRANSPOSE_CONV: quantized tensors need scales");
  if (shape->type != TFL_INT32 || tfl_num_elements(shape) != 4 || !shape->data)
    return tfl_error(ctx, "TRANSPOSE_CONV: output_shape must be a constant int32[4]");
  if (in->rank != 4 || w->rank != 4) return tfl_error(ctx, "TRANSPOSE_CONV: input and weights must be 4-D");
  const int32_t *os = (const int32_t *)shape->data;
  const int cout = w->dims[0];
  if (w->dims[3] != in->dims[3]) return tfl_error(ctx, "TRANSPOSE_CONV: weight depth %d != input depth %d",
                                                   w->dims[3], in->dims[3]);
  if (os[0] != in->dims[0] || os[3] != cout || os[1] <= 0 || os[2] <= 0)
    return tfl_error(ctx, "TRANSPOSE_CONV: bad output_shape");
  if (w->nq > 1 && w->nq != cout) return tfl_error(ctx, "TRANSPOSE_CONV: scale count mismatch");
  if (bias && tfl_num_elements(bias) != cout) return tfl_error(ctx, "TRANSPOSE_CONV: bias size mismatch");
  if (bias && !(bias->type == TFL_INT32 || (is16 && bias->type == TFL_INT64)))
    return tfl_error(ctx, "TRANSPOSE_CONV: unsupported bias type");
  tfl_release_user_data(node);
  ConvQ *d = (ConvQ *)calloc(1, sizeof(ConvQ));
  if (!d) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory");
  node->user_data = d;
  node->free_user_data = conv_free;
  d->mult = (int32_t *)calloc((size_t)cout, sizeof(int32_t));
  d->shift = (int *)calloc((size_t)cout, sizeof(int));
  if (!d->mult || !d->shift) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory");
  d->channels = cout;
  d->is16 = is16;
  d->bias64 = bias && bias->type == TFL_INT64;
  d->in_zp = in->zero_points ? (int32_t)in->zero_points[0] : 0;
  d->out_zp = out->zero_points ? (int32_t)out->zero_points[0] : 0;
  tfl_conv_multipliers(in, w, out, cout, d->mult, d->shift);
  const int padding = tfl_opt_int(node, 0, 0);
  d->stride_w = tfl_opt_int(node, 1, 1);
  d->stride_h = tfl_opt_int(node, 2, 1);
  const int act = tfl_opt_int(node, 3, 0);
  if (d->stride_w <= 0 || d->stride_h <= 0) return tfl_error(ctx, "TRANSPOSE_CONV: strides must be positive");
  if (padding != 0 && padding != 1) return tfl_error(ctx, "TRANSPOSE_CONV: unknown padding");
  /* LiteRT pads as if the output were the input of a forward convolution */
  tfl_conv_out_size(padding, os[1], w->dims[1], d->stride_h, 1, &d->pad_h);
  tfl_conv_out_size(padding, os[2], w->dims[2], d->stride_w, 1, &d->pad_w);
  tfl_act_range_q(act, out->type, out->scales[0], d->out_zp, &d->act_lo, &d->act_hi);
  return tfl_resize(ctx, out, 4, os);
}

static TflStatus tconv_eval(TflContext *ctx, TflNode *node) {
  ConvQ *d = (ConvQ *)node->user_data;
  TflTensor *w = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2);
  TflTensor *bias = node->ninputs > 3 ? tfl_input(ctx, node, 3) : NULL, *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int FH = w->dims[1], FW = w->dims[2];
  const int64_t total = tfl_num_elements(out);
  const int wide = d->is16 && (d->bias64 || !bias);
  int64_t *acc64 = NULL;
  int32_t *acc32 = NULL;
  void *buf = tfl_eval_scratch(ctx, (size_t)total * (wide ? 8 : 4) + 16);
  if (!buf) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory");
  if (wide) acc64 = (int64_t *)buf;
  else acc32 = (int32_t *)buf;
  memset(buf, 0, (size_t)total * (wide ? 8 : 4));
  const int8_t *wd = (const int8_t *)w->data;
  for (int n = 0; n < N; ++n) {
    for (int iy = 0; iy < H; ++iy) {
      for (int ix = 0; ix < W; ++ix) {
        const int oy0 = iy * d->stride_h - d->pad_h, ox0 = ix * d->stride_w - d->pad_w;
        for (int ic = 0; ic < C; ++ic) {
          const size_t ii = (((size_t)n * H + iy) * W + ix) * C + ic;
          const int32_t xv = d->is16 ? ((const int16_t *)in->data)[ii] : (int32_t)((const int8_t *)in->data)[ii] - d->in_zp;
          for (int fy = 0; fy < FH; ++fy) {
            const int oy = oy0 + fy;
            if (oy < 0 || oy >= OH) continue;
            for (int fx = 0; fx < FW; ++fx) {
              const int ox = ox0 + fx;
              if (ox < 0 || ox >= OW) continue;
              const size_t ob = (((size_t)n * OH + oy) * OW + ox) * OC;
              const int8_t *wr = wd + ((size_t)fy * FW + fx) * C + ic;
              const size_t wstride = (size_t)FH * FW * C;
              if (wide) {
                for (int oc = 0; oc < OC; ++oc) acc64[ob + oc] += (int64_t)xv * wr[oc * wstride];
              } else {
                for (int oc = 0; oc < OC; ++oc)
                  acc32[ob + oc] = (int32_t)((uint32_t)acc32[ob + oc] + (uint32_t)(xv * wr[oc * wstride]));
              }
            }
          }
        }
      }
    }
  }
  const TflRounding mode = tfl_rounding();
  const int32_t *b32 = bias && bias->type == TFL_INT32 ? (const int32_t *)bias->data : NULL;
  const int64_t *b64 = bias && bias->type == TFL_INT64 ? (const int64_t *)bias->data : NULL;
  for (int64_t i = 0; i < total; ++i) {
    const int oc = (int)(i % OC);
    int32_t r;
    if (wide) {
      r = tfl_mbqm64(acc64[i] + (b64 ? b64[oc] : 0), d->mult[oc], d->shift[oc]);
    } else {
      const int32_t a = (int32_t)((uint32_t)acc32[i] + (uint32_t)(b32 ? b32[oc] : 0));
      r = tfl_mbqm_mode(a, d->mult[oc], d->shift[oc], mode);
    }
    r = clamp32(r + d->out_zp, d->act_lo, d->act_hi);
    if (d->is16) ((int16_t *)out->data)[i] = (int16_t)r;
    else ((int8_t *)out->data)[i] = (int8_t)r;
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_conv_q[] = {
    {OP_TRANSPOSE_CONV, "TRANSPOSE_CONV (int8/int16x8)", tconv_prepare, tconv_eval},
    {OP_CONV_2D, "CONV_2D (int8/int16x8)", conv_prepare, conv_eval},
    {OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D (int8/int16x8)", dw_prepare, dw_eval},
    {0, NULL, NULL, NULL},
};
