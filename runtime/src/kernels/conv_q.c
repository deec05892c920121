/* Kernel family conv_q: CONV_2D and DEPTHWISE_CONV_2D for int8 (per-tensor / per-channel weights) and int16x8
 * (int16 activations, int8 weights, int32 or int64 bias), bit-exact with LiteRT's reference integer kernels:
 *   acc = sum w * (x - zp_in) over in-image taps (+ bias), out = MBQM(acc, mult[c], shift[c]) + zp_out, clamped.
 * Out-of-image taps contribute nothing, which equals padding the input with zp_in and folding -zp_in * (sum of all
 * filter taps) into the bias; the fast paths use that:
 *   CONV_2D int8 (one group, constant filter): the shared GEMM driver (qgemm.h) on im2col rows in its row format,
 *   fused requantization;
 *   DEPTHWISE int8 (multiplier 1, constant filter, AVX2 or up): tap pairs interleaved as int16 for pmaddwd, 16
 *   channels per step (avx2 .. avx512), or tap quads for vpdpbusd, 64 channels per step (avx512_vnni); requantized in
 *   registers. Both split their output rows into tfl_parallel_for tasks. The kernel is chosen from tfl_isa() when the
 *   node is prepared.
 * Everything else (int16x8, groups, depth multiplier > 1, single rounding for depthwise, below AVX2 for depthwise)
 * takes the direct loops below. */
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../fixedpoint.h"
#include "../qgemm.h"
#include "../tflrt.h"

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
  int wsum_ready;
  int bias_folded; /* the fast paths' epilogue bias holds a constant bias already */
  TflQGemm gemm; /* int8 conv with constant filter and one group: packed GEMM weights and epilogue */
  int packed;
  /* int8 depthwise fast path (depth multiplier 1, constant filter, double rounding), chosen at prepare */
  int ref_avx2; /* the direct depthwise loops in their AVX2 build (level >= avx2 at prepare) */
  int dw_fast; /* 0, or the TflIsa level of the kernel: TFL_ISA_AVX2 (pmaddwd) or TFL_ISA_AVX512_VNNI */
  int dw_quads;     /* ceil(taps / 4) (VNNI) */
  int8_t *dw_pack8; /* VNNI: [ceil(C/64)][quads][4 vectors][16 lanes][4 taps] in tfl_rq_lane64 channel order */
  int dw_pairs;     /* ceil(taps / 2) */
  int16_t *dw_pack; /* [ceil(C/16)][pairs][2][16] tap pairs interleaved for unpack + madd; avx512: [ceil(C/32)][pairs]
                     * [2][16][2] for zmm unpack + madd (see dw512_channel) */
  int32_t *dw_pos;  /* avx512: [ceil(C/32) * 32] channel of each vector position (-1 past C), for the bias folding */
  int32_t *dw_tmp;  /* avx512: [2][ceil(C/32) * 32] bias and tap sums in vector order */
  TflRq dw_rq;      /* lane-ordered requantization parameters (perm) */
  TflRq64 dw_rq64;  /* its 64-bit constants (VNNI) */
  /* VNNI, 32 channels, stride 1: two neighbouring output pixels as one 64-channel block (their taps are 32 bytes
   * apart), with weights and requantization repeated for both halves */
  int dw_pair;
  int8_t *dw_pair8; /* [quads][4 vectors][16 lanes][4 taps] */
  TflRq dw_rq2;
  TflRq64 dw_rq2_64;
  int32_t dw_wsum2[64];
  int8_t *dw_zp;    /* [C rounded up to 16] filled with the input zero point (out-of-image taps) */
} ConvQ;

static void conv_free(void *p) {
  ConvQ *d = (ConvQ *)p;
  if (!d) return;
  free(d->mult);
  free(d->shift);
  free(d->wsum);
  tfl_qgemm_release(&d->gemm);
  free(d->dw_pack);
  free(d->dw_pack8);
  free(d->dw_zp);
  free(d->dw_pos);
  free(d->dw_tmp);
  tfl_rq_free(&d->dw_rq);
  tfl_rq64_free(&d->dw_rq64);
  free(d->dw_pair8);
  tfl_rq_free(&d->dw_rq2);
  tfl_rq64_free(&d->dw_rq2_64);
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
  if (!tfl_window_fits(oh, fh, d->stride_h, d->dil_h) || !tfl_window_fits(ow, fw, d->stride_w, d->dil_w))
    return tfl_error(ctx, "%s: stride or dilation too large for the input", opname);
  const int32_t dims[4] = {in->dims[0], oh, ow, cout};
  return tfl_resize(ctx, out, 4, dims);
}

/* ------------------------------------------------------------------------------------------------ CONV_2D */

static TflStatus conv_prepare(TflContext *ctx, TflNode *node) {
  ConvQ *d = NULL;
  TflStatus st = conv_common(ctx, node, 0, &d);
  if (st != TFL_OK) return st;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const TflConv2DOptions o = tfl_Conv2DOptions(node);
  const int padding = o.padding, act = o.fused_activation_function;
  d->stride_w = o.stride_w;
  d->stride_h = o.stride_h;
  d->dil_w = o.dilation_w_factor;
  d->dil_h = o.dilation_h_factor;
  const int cin = in->dims[3], fcin = w->dims[3];
  if (fcin <= 0 || cin <= 0 || cin % fcin != 0) return tfl_error(ctx, "CONV_2D: input depth %d not a multiple of filter depth %d",
                                                     cin, fcin);
  d->groups = cin / fcin;
  if (d->channels % d->groups != 0) return tfl_error(ctx, "CONV_2D: %d filters for %d groups", d->channels, d->groups);
  tfl_act_range_q(act, out->type, out->scales[0], d->out_zp, &d->act_lo, &d->act_hi);
  if (!d->is16 && d->groups == 1 && w->data && w->alloc == TFL_ALLOC_CONST && getenv("TFLRT_NO_QGEMM") == NULL) {
    const int K = w->dims[1] * w->dims[2] * w->dims[3];
    if (!tfl_qgemm_prepare(&d->gemm, (const int8_t *)w->data, d->channels, K) ||
        !tfl_qgemm_set_requant(&d->gemm, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi))
      return tfl_error(ctx, "CONV_2D: out of memory");
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

/* int8, one group, packed weights: the shared GEMM driver with im2col rows (out-of-image taps = zp_in, which the
 * bias folding cancels) and the fused requantization. 1x1 stride-1 convolutions widen the input rows directly. */
typedef struct {
  const ConvQ *d;
  const int8_t *x;
  size_t x_len; /* input elements */
  int H, W, C, OH, OW, FH, FW;
  int pointwise;
} ConvRows;

#ifdef TFL_Q_X86
/* dst[0 .. n) = src ^ 0x80 (the uint8 row format), 64 bytes a step, the tail masked (no access past n). */
__attribute__((target(TFL_T512), always_inline)) static inline void flip_copy_512(uint8_t *dst, const int8_t *src,
                                                                                  size_t n) {
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
  if (i < n) {
    const __mmask64 m = (((__mmask64)1 << (n - i)) - 1);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
  }
}

__attribute__((target(TFL_T512), always_inline)) static inline void fill_512(uint8_t *dst, __m512i v, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, v);
  if (i < n) _mm512_mask_storeu_epi8(dst + i, (((__mmask64)1 << (n - i)) - 1), v);
}

/* im2col rows in the uint8 format with inline copies, walking the output pixels without divisions: the generic
 * helpers cost a call per tap row, which dominates when the input has few channels (an image model's first layer). */
__attribute__((target(TFL_T512))) static void conv_rows_u8_512(const ConvRows *r, int m0, int mb,
                                                                      uint8_t *A, int lda) {
  const ConvQ *d = r->d;
  /* everything in locals: the byte stores below may alias any memory, so fields read through pointers would be
   * reloaded after each one */
  const int H = r->H, W = r->W, C = r->C, OH = r->OH, OW = r->OW, FH = r->FH, FW = r->FW;
  const int sh = d->stride_h, sw = d->stride_w, ph = d->pad_h, pw = d->pad_w, dh = d->dil_h, dw = d->dil_w;
  const int8_t *const x = r->x;
  const size_t x_len = r->x_len, run = (size_t)FW * C, img = (size_t)H * W * C;
  const __m512i zpv = _mm512_set1_epi8((char)((uint8_t)d->in_zp ^ 0x80u));
  const __m128i flip = _mm_set1_epi8((char)0x80);
  const size_t tap_step = (size_t)dh * W * C, px_step = (size_t)sw * C;
  int n = m0 / (OH * OW), pix = m0 % (OH * OW), oy = pix / OW, ox = pix % OW;
  for (int i = 0; i < mb; ++i) {
    uint8_t *dst = A + (size_t)i * lda;
    const size_t xoff = (size_t)n * img;
    const int iy0 = oy * sh - ph, ix0 = ox * sw - pw;
    if (run <= 16 && dw == 1 && iy0 >= 0 && iy0 + (FH - 1) * dh < H && ix0 >= 0) {
      /* a run of pixels whose taps are all inside (a stem conv's interior): FH 16-byte copies each, no branches per
       * tap; stops at the row's end, the block's end, the right border or where a 16-byte load would pass x_len */
      size_t at = xoff + ((size_t)iy0 * W + ix0) * C;
      const size_t last = (size_t)(FH - 1) * tap_step + 16;
      int ix = ix0, moved = 0;
      while (i < mb && ox < OW && ix + FW - 1 < W && at + last <= x_len) {
        for (int fy = 0; fy < FH; ++fy)
          _mm_storeu_si128((__m128i *)(dst + (size_t)fy * run),
                           _mm_xor_si128(_mm_loadu_si128((const __m128i *)(x + at + (size_t)fy * tap_step)), flip));
        dst += lda;
        at += px_step;
        ix += sw;
        ++ox;
        ++i;
        moved = 1;
      }
      if (moved) {
        --i; /* the for loop's increment */
        if (ox == OW) {
          ox = 0;
          if (++oy == OH) {
            oy = 0;
            ++n;
          }
        }
        continue;
      }
    }
    const int row_inside = dw == 1 && ix0 >= 0 && ix0 + FW - 1 < W;
    for (int fy = 0; fy < FH; ++fy, dst += run) {
      const int iy = iy0 + fy * dh;
      const size_t at = xoff + ((size_t)iy * W + ix0) * C; /* used only when iy and ix0 are inside */
      if (iy < 0 || iy >= H) {
        fill_512(dst, zpv, run);
      } else if (row_inside && run <= 16 && at + 16 <= x_len) {
        /* a short tap row (few channels): one 16-byte copy; the bytes past it land in the next tap row or row,
         * written later, or in the block's slack (tfl_qgemm scratch keeps 64 bytes after the rows) */
        _mm_storeu_si128((__m128i *)dst, _mm_xor_si128(_mm_loadu_si128((const __m128i *)(x + at)), flip));
      } else if (row_inside) {
        flip_copy_512(dst, x + at, run);
      } else {
        for (int fx = 0; fx < FW; ++fx) {
          const int ix = ix0 + fx * dw;
          if (ix >= 0 && ix < W) flip_copy_512(dst + (size_t)fx * C, x + xoff + ((size_t)iy * W + ix) * C, (size_t)C);
          else fill_512(dst + (size_t)fx * C, zpv, (size_t)C);
        }
      }
    }
    if (++ox == OW) {
      ox = 0;
      if (++oy == OH) {
        oy = 0;
        ++n;
      }
    }
  }
}
#endif

static void conv_rows(const void *arg, int m0, int mb, const TflQRows *o) {
  const ConvRows *r = (const ConvRows *)arg;
  const ConvQ *d = r->d;
  const int H = r->H, W = r->W, C = r->C, OW = r->OW, FH = r->FH, FW = r->FW;
  if (r->pointwise && o->lda == C) { /* rows are consecutive pixels (across the batch as well) */
    tfl_qrows_copy(o, 0, r->x + (size_t)m0 * C, (size_t)mb * C);
    return;
  }
#ifdef TFL_Q_X86
  if (!r->pointwise && o->fmt == TFL_QROW_U8 && o->isa >= TFL_ISA_AVX512) {
    conv_rows_u8_512(r, m0, mb, (uint8_t *)o->A, o->lda);
    return;
  }
#endif
  const int total = r->OH * OW;
  const int8_t zp = (int8_t)d->in_zp;
  for (int i = 0; i < mb; ++i) {
    const int m = m0 + i, n = m / total, pix = m % total;
    const int oy = pix / OW, ox = pix % OW;
    const int8_t *xin = r->x + (size_t)n * H * W * C;
    size_t at = (size_t)i * o->lda;
    if (r->pointwise) {
      tfl_qrows_copy(o, at, xin + (size_t)pix * C, (size_t)C);
      continue;
    }
    const int iy0 = oy * d->stride_h - d->pad_h, ix0 = ox * d->stride_w - d->pad_w;
    const int row_inside = ix0 >= 0 && ix0 + (FW - 1) * d->dil_w < W;
    for (int fy = 0; fy < FH; ++fy) {
      const int iy = iy0 + fy * d->dil_h;
      if (iy < 0 || iy >= H) {
        tfl_qrows_fill(o, at, zp, (size_t)FW * C);
        at += (size_t)FW * C;
        continue;
      }
      if (row_inside && d->dil_w == 1) { /* FW taps of C channels are contiguous in the input row */
        tfl_qrows_copy(o, at, xin + ((size_t)iy * W + ix0) * C, (size_t)FW * C);
        at += (size_t)FW * C;
        continue;
      }
      for (int fx = 0; fx < FW; ++fx, at += (size_t)C) {
        const int ix = ix0 + fx * d->dil_w;
        if (ix >= 0 && ix < W) tfl_qrows_copy(o, at, xin + ((size_t)iy * W + ix) * C, (size_t)C);
        else tfl_qrows_fill(o, at, zp, (size_t)C);
      }
    }
  }
}

static TflStatus conv_eval_gemm(TflContext *ctx, TflNode *node, ConvQ *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  ConvRows r;
  r.d = d;
  r.x = (const int8_t *)in->data;
  r.x_len = (size_t)tfl_num_elements(in);
  r.H = in->dims[1];
  r.W = in->dims[2];
  r.C = in->dims[3];
  r.OH = out->dims[1];
  r.OW = out->dims[2];
  r.FH = w->dims[1];
  r.FW = w->dims[2];
  r.pointwise = r.FH == 1 && r.FW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 && d->pad_w == 0 &&
                r.OH == r.H && r.OW == r.W;
  /* the bias may be a non-constant tensor: then fold it on every eval (one pass over the channels) */
  if (!d->bias_folded) tfl_qgemm_set_bias(&d->gemm, bias ? (const int32_t *)bias->data : NULL, d->in_zp);
  d->bias_folded = !bias || bias->alloc == TFL_ALLOC_CONST;
  const int M = in->dims[0] * r.OH * r.OW;
  if (tfl_qgemm_run_rows(ctx, &d->gemm, M, conv_rows, &r, (int8_t *)out->data, out->dims[3], NULL, NULL, NULL) !=
      TFL_OK)
    return tfl_error(ctx, "CONV_2D: out of memory");
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
                acc = tfl_add_wrap64(acc, b64[oc]);
                r = tfl_mbqm64(acc, d->mult[oc], d->shift[oc]);
              } else {
                int32_t a32 = (int32_t)(uint32_t)(uint64_t)acc; /* int32 accumulator in LiteRT */
                if (b32) a32 = (int32_t)((uint32_t)a32 + (uint32_t)b32[oc]);
                r = tfl_mbqm_mode(a32, d->mult[oc], d->shift[oc], mode);
              }
              ((int16_t *)out->data)[obase + oc] = (int16_t)clamp32(r, d->act_lo, d->act_hi);
            } else {
              /* int32 arithmetic that wraps, as LiteRT's kernels do on every CPU it runs on (a hostile bias near
               * INT32_MAX overflowed here: signed overflow is undefined in C) */
              uint32_t u = (uint32_t)dot_i8((const int8_t *)patch, wr, K) - (uint32_t)d->in_zp * (uint32_t)d->wsum[oc];
              if (b32) u += (uint32_t)b32[oc];
              int32_t r = (int32_t)((uint32_t)tfl_mbqm_mode((int32_t)u, d->mult[oc], d->shift[oc], mode) +
                                    (uint32_t)d->out_zp);
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

/* int8 fast path. Out-of-image taps read a row of zp_in (so they cancel against the bias folding
 * bias - zp_in * sum of all taps, exactly like the reference's skipped taps); pairs of taps are interleaved as int16
 * so one madd covers two taps of 8 channels; accumulators start at the folded bias and are requantized in registers. */
#define DW_MAX_PAIRS 32

/* VNNI: 4 taps per channel in one dword (vpdpbusd), the taps as x + 128 (x ^ 0x80) against the int8 filter, the
 * bias folding taking off (zp_in + 128) * sum of taps; 64 channels per step as four zmm vectors in the order the byte
 * and word unpacks of four tap vectors produce (tfl_rq_lane64), which packing back to bytes undoes. */
static int dw_vnni_prepare(ConvQ *d, const int8_t *w, int C, int taps) {
  const int nblk = (C + 63) / 64, quads = (taps + 3) / 4;
  d->dw_quads = quads;
  d->dw_pack8 = (int8_t *)aligned_alloc(64, (size_t)nblk * quads * 256);
  d->dw_zp = (int8_t *)malloc((size_t)nblk * 64);
  if (!d->dw_pack8 || !d->dw_zp) return 0;
  memset(d->dw_zp, (int8_t)d->in_zp, (size_t)nblk * 64);
  for (int b = 0; b < nblk; ++b)
    for (int q = 0; q < quads; ++q)
      for (int i = 0; i < 64; ++i) {
        const int ch = b * 64 + tfl_rq_lane64(i);
        for (int e = 0; e < 4; ++e) {
          const int tap = 4 * q + e;
          d->dw_pack8[(((size_t)b * quads + q) * 64 + i) * 4 + e] = ch < C && tap < taps ? w[(size_t)tap * C + ch] : 0;
        }
      }
  for (int c = 0; c < C; ++c) {
    int32_t s = 0;
    for (int t = 0; t < taps; ++t) s += w[(size_t)t * C + c];
    d->wsum[c] = s;
  }
  if (!tfl_rq_init(&d->dw_rq, C, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi, 2)) return 0;
  if (!tfl_rq64_init(&d->dw_rq64, &d->dw_rq)) return 0;
  d->dw_fast = TFL_ISA_AVX512_VNNI;
  if (C == 32 && d->stride_w == 1) {
    int32_t mult2[64];
    int shift2[64];
    d->dw_pair8 = (int8_t *)aligned_alloc(64, (size_t)quads * 256);
    if (!d->dw_pair8) return 0;
    for (int q = 0; q < quads; ++q)
      for (int i = 0; i < 64; ++i) {
        const int ch = tfl_rq_lane64(i) & 31;
        for (int e = 0; e < 4; ++e) {
          const int tap = 4 * q + e;
          d->dw_pair8[((size_t)q * 64 + i) * 4 + e] = tap < taps ? w[(size_t)tap * C + ch] : 0;
        }
      }
    for (int v = 0; v < 64; ++v) {
      mult2[v] = d->mult[v & 31];
      shift2[v] = d->shift[v & 31];
      d->dw_wsum2[v] = d->wsum[v & 31];
    }
    if (!tfl_rq_init(&d->dw_rq2, 64, mult2, shift2, d->out_zp, d->act_lo, d->act_hi, 2) ||
        !tfl_rq64_init(&d->dw_rq2_64, &d->dw_rq2))
      return 0;
    /* the pair kernel runs in the form of dw_rq64 (the same multipliers give the same form) */
    d->dw_pair = tfl_rq_form(&d->dw_rq2, &d->dw_rq2_64) == tfl_rq_form(&d->dw_rq, &d->dw_rq64);
  }
  return 1;
}

/* avx512 (no VNNI): the AVX2 kernel's int16 tap pairs on zmm, 32 channels per step. A block's two accumulators come
 * from the lower / upper unpacks of two tap vectors, so vector h, lane i holds channel dw512_channel(h, i); packing
 * the pair (packs_epi32 within 128-bit lanes) restores the natural order. Requantization parameters are laid out in
 * that vector order (positions 32 b + 16 h + i). */
static inline int dw512_channel(int h, int i) { return 8 * (i / 4) + 4 * h + i % 4; }

static int dw512_prepare(ConvQ *d, const int8_t *w, int C, int taps) {
  const int nblk = (C + 31) / 32, pairs = (taps + 1) / 2, np = nblk * 32;
  d->dw_pairs = pairs;
  d->dw_pack = (int16_t *)aligned_alloc(64, (size_t)nblk * pairs * 64 * sizeof(int16_t));
  d->dw_zp = (int8_t *)malloc((size_t)np);
  d->dw_pos = (int32_t *)malloc((size_t)np * sizeof(int32_t));
  d->dw_tmp = (int32_t *)malloc((size_t)np * 2 * sizeof(int32_t));
  int32_t *mult = (int32_t *)malloc((size_t)np * sizeof(int32_t));
  int *shift = (int *)malloc((size_t)np * sizeof(int));
  int ok = d->dw_pack && d->dw_zp && d->dw_pos && d->dw_tmp && mult && shift;
  if (ok) {
    memset(d->dw_zp, (int8_t)d->in_zp, (size_t)np);
    for (int c = 0; c < C; ++c) {
      int32_t sum = 0;
      for (int t = 0; t < taps; ++t) sum += w[(size_t)t * C + c];
      d->wsum[c] = sum;
    }
    for (int b = 0; b < nblk; ++b)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 16; ++i) {
          const int pos = 32 * b + 16 * h + i, ch = 32 * b + dw512_channel(h, i);
          d->dw_pos[pos] = ch < C ? ch : -1;
          mult[pos] = ch < C ? d->mult[ch] : 0;
          shift[pos] = ch < C ? d->shift[ch] : 0;
          for (int p = 0; p < pairs; ++p)
            for (int e = 0; e < 2; ++e) {
              const int tap = 2 * p + e;
              d->dw_pack[((((size_t)b * pairs + p) * 2 + h) * 16 + i) * 2 + e] =
                  ch < C && tap < taps ? w[(size_t)tap * C + ch] : 0;
            }
        }
    ok = tfl_rq_init(&d->dw_rq, np, mult, shift, d->out_zp, d->act_lo, d->act_hi, 0) &&
         tfl_rq64_init(&d->dw_rq64, &d->dw_rq);
  }
  free(mult);
  free(shift);
  if (ok) d->dw_fast = TFL_ISA_AVX512;
  return ok;
}

static int dw_fast_prepare(ConvQ *d, const int8_t *w, int C, int taps) {
  if (tfl_isa() >= TFL_ISA_AVX512_VNNI) return dw_vnni_prepare(d, w, C, taps);
  if (tfl_isa() >= TFL_ISA_AVX512) return dw512_prepare(d, w, C, taps);
  const int nblk = (C + 15) / 16, pairs = (taps + 1) / 2;
  d->dw_pairs = pairs;
  d->dw_pack = (int16_t *)aligned_alloc(64, (size_t)nblk * pairs * 32 * sizeof(int16_t));
  d->dw_zp = (int8_t *)malloc((size_t)nblk * 16);
  if (!d->dw_pack || !d->dw_zp) return 0;
  memset(d->dw_zp, (int8_t)d->in_zp, (size_t)nblk * 16);
  for (int b = 0; b < nblk; ++b)
    for (int p = 0; p < pairs; ++p)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 16; ++i) {
          const int ch = b * 16 + (i / 8) * 8 + h * 4 + (i % 8) / 2, tap = 2 * p + (i & 1);
          d->dw_pack[(((size_t)b * pairs + p) * 2 + h) * 16 + i] = ch < C && tap < taps ? w[(size_t)tap * C + ch] : 0;
        }
  for (int c = 0; c < C; ++c) {
    int32_t s = 0;
    for (int t = 0; t < taps; ++t) s += w[(size_t)t * C + c];
    d->wsum[c] = s;
  }
  if (!tfl_rq_init(&d->dw_rq, C, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi, 1)) return 0;
  d->dw_fast = TFL_ISA_AVX2;
  return 1;
}

typedef struct {
  const ConvQ *d;
  const int8_t *x;
  int8_t *y;
  int H, W, C, OH, OW, FH, FW;
  int rows, ntasks;
  int cblocks, csplit; /* channel blocks of the kernel in use; tasks per row range, each a share of the blocks */
} DwRun;

/* Offsets (bytes) of each tap from a window's first input pixel, for windows inside the image. */
static void dw_tap_offsets(const DwRun *r, size_t *toff) {
  for (int fy = 0; fy < r->FH; ++fy)
    for (int fx = 0; fx < r->FW; ++fx)
      toff[fy * r->FW + fx] = ((size_t)fy * r->d->dil_h * r->W + (size_t)fx * r->d->dil_w) * r->C;
}

/* Points tp[t] at the channels of each tap of the window starting at (iy0, ix0) of image xin (taps outside the image
 * read the row of zp_in); rows_inside: the window's rows are all in the image. Returns whether the whole window is. */
static inline int dw_taps(const DwRun *r, const int8_t *xin, int iy0, int ix0, int rows_inside, const size_t *toff,
                          const int8_t **tp) {
  const ConvQ *d = r->d;
  if (rows_inside && ix0 >= 0 && ix0 + (r->FW - 1) * d->dil_w < r->W) {
    const int8_t *base = xin + ((size_t)iy0 * r->W + ix0) * r->C;
    for (int t = 0; t < r->FH * r->FW; ++t) tp[t] = base + toff[t];
    return 1;
  }
  for (int fy = 0; fy < r->FH; ++fy) {
    const int iy = iy0 + fy * d->dil_h;
    for (int fx = 0; fx < r->FW; ++fx) {
      const int ix = ix0 + fx * d->dil_w;
      tp[fy * r->FW + fx] =
          iy >= 0 && iy < r->H && ix >= 0 && ix < r->W ? xin + ((size_t)iy * r->W + ix) * r->C : d->dw_zp;
    }
  }
  return 0;
}

#ifdef TFL_Q_X86
/* 16 channels of one output pixel; tp[t] point at the channel block of each tap (2 * pairs entries). */
__attribute__((target("avx2"), always_inline)) static inline __m128i dw_block16(const int8_t *const *tp, size_t off, int pairs,
                                                                  const int16_t *wp, const TflRq *rq, int i0,
                                                                  const int with_left) {
  __m256i a = _mm256_loadu_si256((const __m256i *)(rq->bias + i0));
  __m256i b = _mm256_loadu_si256((const __m256i *)(rq->bias + i0 + 8));
  for (int p = 0; p < pairs; ++p, wp += 32) {
    const __m256i t0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(tp[2 * p] + off)));
    const __m256i t1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(tp[2 * p + 1] + off)));
    a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_unpacklo_epi16(t0, t1), _mm256_load_si256((const __m256i *)wp)));
    b = _mm256_add_epi32(b, _mm256_madd_epi16(_mm256_unpackhi_epi16(t0, t1),
                                              _mm256_load_si256((const __m256i *)(wp + 16))));
  }
  a = tfl_v8_rq(rq, i0, a, with_left); /* channels 0-3 | 8-11 */
  b = tfl_v8_rq(rq, i0 + 8, b, with_left); /* channels 4-7 | 12-15 */
  const __m256i p16 = _mm256_packs_epi32(a, b); /* 0-7 | 8-15 */
  return _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
}

__attribute__((target("avx2"), always_inline)) static inline void dw_rows_body(const DwRun *r, int row0, int row1,
                                                                                int cb0, int cb1, const int with_left,
                                                                                const int pairs) {
  const ConvQ *d = r->d;
  const int H = r->H, W = r->W, C = r->C, OH = r->OH, OW = r->OW, FH = r->FH, FW = r->FW;
  const int taps = FH * FW, nfull = C / 16;
  const TflRq *rq = &d->dw_rq;
  const int8_t *tp[2 * DW_MAX_PAIRS];
  size_t toff[2 * DW_MAX_PAIRS];
  dw_tap_offsets(r, toff);
  for (int t = taps; t < 2 * pairs; ++t) tp[t] = d->dw_zp;
  for (int row = row0; row < row1; ++row) {
    const int n = row / OH, oy = row % OH;
    const int8_t *xin = r->x + (size_t)n * H * W * C;
    int8_t *yrow = r->y + (size_t)row * OW * C;
    const int iy0 = oy * d->stride_h - d->pad_h;
    const int rows_inside = iy0 >= 0 && iy0 + (FH - 1) * d->dil_h < H;
    for (int ox = 0; ox < OW; ++ox) {
      const int ix0 = ox * d->stride_w - d->pad_w;
      dw_taps(r, xin, iy0, ix0, rows_inside, toff, tp);
      int8_t *yo = yrow + (size_t)ox * C;
      const int16_t *wp = d->dw_pack + (size_t)cb0 * pairs * 32;
      for (int cb = cb0; cb < (cb1 < nfull ? cb1 : nfull); ++cb, wp += (size_t)pairs * 32)
        _mm_storeu_si128((__m128i *)(yo + cb * 16), dw_block16(tp, (size_t)cb * 16, pairs, wp, rq, cb * 16, with_left));
      if (C % 16 && cb1 > nfull) { /* last partial block: copy the taps so no load crosses the end of the input */
        const int rem = C % 16;
        int8_t buf[2 * DW_MAX_PAIRS][16];
        const int8_t *bp[2 * DW_MAX_PAIRS];
        for (int t = 0; t < 2 * pairs; ++t) {
          memset(buf[t], 0, 16);
          memcpy(buf[t], tp[t] + (size_t)nfull * 16, (size_t)rem);
          bp[t] = buf[t];
        }
        int8_t res[16];
        _mm_storeu_si128((__m128i *)res, dw_block16(bp, 0, pairs, wp, rq, nfull * 16, with_left));
        memcpy(yo + (size_t)nfull * 16, res, (size_t)rem);
      }
    }
  }
}

__attribute__((target("avx2"))) static void dw_rows_avx2(const DwRun *r, int row0, int row1, int cb0, int cb1) {
  /* 3x3 filters (5 tap pairs) get a fully unrolled copy */
  const int pairs = r->d->dw_pairs;
  if (r->d->dw_rq.any_left) dw_rows_body(r, row0, row1, cb0, cb1, 1, pairs);
  else if (pairs == 5) dw_rows_body(r, row0, row1, cb0, cb1, 0, 5);
  else dw_rows_body(r, row0, row1, cb0, cb1, 0, pairs);
}

/* Output zero point (int16 lanes) and clamp range (int8 lanes) of the VNNI depthwise pack. */
typedef struct {
  __m512i zp, lo, hi;
} DwPackK;

/* 64 channels of one output pixel (VNNI); tp[t] point at the channel block of each tap (4 * quads entries), lmask
 * selects the channels present (the rest load as 0 and meet zero weights). */
__attribute__((target(TFL_T512_VNNI), always_inline)) static inline __m512i dw_block64(const int8_t *const *tp,
                                                                                       size_t off, __mmask64 lmask,
                                                                                       int quads, const int8_t *wp,
                                                                                       const TflRq *rq,
                                                                                       const TflRq64 *e, int i0,
                                                                                       const int form,
                                                                                       const int tail1,
                                                                                       const DwPackK *pk) {
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  __m512i a0 = _mm512_load_si512(rq->bias + i0), a1 = _mm512_load_si512(rq->bias + i0 + 16);
  __m512i a2 = _mm512_load_si512(rq->bias + i0 + 32), a3 = _mm512_load_si512(rq->bias + i0 + 48);
  for (int q = 0; q < quads - tail1; ++q, wp += 256) {
    const __m512i t0 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(lmask, tp[4 * q] + off), flip);
    const __m512i t1 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(lmask, tp[4 * q + 1] + off), flip);
    const __m512i t2 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(lmask, tp[4 * q + 2] + off), flip);
    const __m512i t3 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(lmask, tp[4 * q + 3] + off), flip);
    const __m512i lo01 = _mm512_unpacklo_epi8(t0, t1), hi01 = _mm512_unpackhi_epi8(t0, t1);
    const __m512i lo23 = _mm512_unpacklo_epi8(t2, t3), hi23 = _mm512_unpackhi_epi8(t2, t3);
    a0 = _mm512_dpbusd_epi32(a0, _mm512_unpacklo_epi16(lo01, lo23), _mm512_load_si512(wp));
    a1 = _mm512_dpbusd_epi32(a1, _mm512_unpackhi_epi16(lo01, lo23), _mm512_load_si512(wp + 64));
    a2 = _mm512_dpbusd_epi32(a2, _mm512_unpacklo_epi16(hi01, hi23), _mm512_load_si512(wp + 128));
    a3 = _mm512_dpbusd_epi32(a3, _mm512_unpackhi_epi16(hi01, hi23), _mm512_load_si512(wp + 192));
  }
  if (tail1) { /* a last quad with one tap: its bytes zero-extended to the dwords of each vector (one vpshufb each) */
    const __m512i t = _mm512_xor_si512(_mm512_maskz_loadu_epi8(lmask, tp[4 * (quads - 1)] + off), flip);
    const int z = (int)0x80808000;
    a0 = _mm512_dpbusd_epi32(a0, _mm512_shuffle_epi8(t, _mm512_set4_epi32(z | 3, z | 2, z | 1, z)), _mm512_load_si512(wp));
    a1 = _mm512_dpbusd_epi32(a1, _mm512_shuffle_epi8(t, _mm512_set4_epi32(z | 7, z | 6, z | 5, z | 4)),
                             _mm512_load_si512(wp + 64));
    a2 = _mm512_dpbusd_epi32(a2, _mm512_shuffle_epi8(t, _mm512_set4_epi32(z | 11, z | 10, z | 9, z | 8)),
                             _mm512_load_si512(wp + 128));
    a3 = _mm512_dpbusd_epi32(a3, _mm512_shuffle_epi8(t, _mm512_set4_epi32(z | 15, z | 14, z | 13, z | 12)),
                             _mm512_load_si512(wp + 192));
  }
  a0 = tfl_v16_rqx(a0, rq, e, i0, form);
  a1 = tfl_v16_rqx(a1, rq, e, i0 + 16, form);
  a2 = tfl_v16_rqx(a2, rq, e, i0 + 32, form);
  a3 = tfl_v16_rqx(a3, rq, e, i0 + 48, form);
  /* as tfl_v64_pack_rq, with the constants hoisted out of the pixel loop */
  /* (TFL_RQ_ZP: the values hold the zero point already) */
  __m512i p01 = _mm512_packs_epi32(a0, a1), p23 = _mm512_packs_epi32(a2, a3);
  if (!(form & TFL_RQ_ZP)) {
    p01 = _mm512_adds_epi16(p01, pk->zp);
    p23 = _mm512_adds_epi16(p23, pk->zp);
  }
  return _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(p01, p23), pk->lo), pk->hi);
}

/* The same for a last block of at most 32 channels, on ymm: vector k's first 8 dwords (lanes 0-1) are contiguous in
 * the 64-channel layouts of the weights and of rq, so this reads the same data as dw_block64. */
__attribute__((target(TFL_T512_VNNI), always_inline)) static inline __m256i dw_block32(const int8_t *const *tp,
                                                                                       size_t off, __mmask32 lmask,
                                                                                       int quads, const int8_t *wp,
                                                                                       const TflRq *rq,
                                                                                       const TflRq64 *e, int i0,
                                                                                       const int form,
                                                                                       const int tail1,
                                                                                       const DwPackK *pk) {
  const __m256i flip = _mm256_set1_epi8((char)0x80);
  __m256i a0 = _mm256_load_si256((const __m256i *)(rq->bias + i0));
  __m256i a1 = _mm256_load_si256((const __m256i *)(rq->bias + i0 + 16));
  __m256i a2 = _mm256_load_si256((const __m256i *)(rq->bias + i0 + 32));
  __m256i a3 = _mm256_load_si256((const __m256i *)(rq->bias + i0 + 48));
#define DW_W(o) _mm256_load_si256((const __m256i *)(wp + (o)))
  for (int q = 0; q < quads - tail1; ++q, wp += 256) {
    const __m256i t0 = _mm256_xor_si256(_mm256_maskz_loadu_epi8(lmask, tp[4 * q] + off), flip);
    const __m256i t1 = _mm256_xor_si256(_mm256_maskz_loadu_epi8(lmask, tp[4 * q + 1] + off), flip);
    const __m256i t2 = _mm256_xor_si256(_mm256_maskz_loadu_epi8(lmask, tp[4 * q + 2] + off), flip);
    const __m256i t3 = _mm256_xor_si256(_mm256_maskz_loadu_epi8(lmask, tp[4 * q + 3] + off), flip);
    const __m256i lo01 = _mm256_unpacklo_epi8(t0, t1), hi01 = _mm256_unpackhi_epi8(t0, t1);
    const __m256i lo23 = _mm256_unpacklo_epi8(t2, t3), hi23 = _mm256_unpackhi_epi8(t2, t3);
    a0 = _mm256_dpbusd_epi32(a0, _mm256_unpacklo_epi16(lo01, lo23), DW_W(0));
    a1 = _mm256_dpbusd_epi32(a1, _mm256_unpackhi_epi16(lo01, lo23), DW_W(64));
    a2 = _mm256_dpbusd_epi32(a2, _mm256_unpacklo_epi16(hi01, hi23), DW_W(128));
    a3 = _mm256_dpbusd_epi32(a3, _mm256_unpackhi_epi16(hi01, hi23), DW_W(192));
  }
  if (tail1) {
    const __m256i t = _mm256_xor_si256(_mm256_maskz_loadu_epi8(lmask, tp[4 * (quads - 1)] + off), flip);
    const int z = (int)0x80808000;
    a0 = _mm256_dpbusd_epi32(a0, _mm256_shuffle_epi8(t, _mm256_set_epi32(z | 3, z | 2, z | 1, z, z | 3, z | 2, z | 1, z)),
                             DW_W(0));
    a1 = _mm256_dpbusd_epi32(a1, _mm256_shuffle_epi8(t, _mm256_set_epi32(z | 7, z | 6, z | 5, z | 4, z | 7, z | 6, z | 5,
                                                                         z | 4)),
                             DW_W(64));
    a2 = _mm256_dpbusd_epi32(a2, _mm256_shuffle_epi8(t, _mm256_set_epi32(z | 11, z | 10, z | 9, z | 8, z | 11, z | 10,
                                                                         z | 9, z | 8)),
                             DW_W(128));
    a3 = _mm256_dpbusd_epi32(a3, _mm256_shuffle_epi8(t, _mm256_set_epi32(z | 15, z | 14, z | 13, z | 12, z | 15, z | 14,
                                                                         z | 13, z | 12)),
                             DW_W(192));
  }
#undef DW_W
  a0 = tfl_v8_rqx(a0, rq, e, i0, form);
  a1 = tfl_v8_rqx(a1, rq, e, i0 + 16, form);
  a2 = tfl_v8_rqx(a2, rq, e, i0 + 32, form);
  a3 = tfl_v8_rqx(a3, rq, e, i0 + 48, form);
  __m256i p01 = _mm256_packs_epi32(a0, a1), p23 = _mm256_packs_epi32(a2, a3);
  if (!(form & TFL_RQ_ZP)) {
    p01 = _mm256_adds_epi16(p01, _mm512_castsi512_si256(pk->zp));
    p23 = _mm256_adds_epi16(p23, _mm512_castsi512_si256(pk->zp));
  }
  return _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(p01, p23), _mm512_castsi512_si256(pk->lo)),
                         _mm512_castsi512_si256(pk->hi));
}

__attribute__((target(TFL_T512_VNNI), always_inline)) static inline void dw_rows_vnni_body(const DwRun *r, int row0,
                                                                                           int row1, int cb0, int cb1,
                                                                                           const int quads,
                                                                                           const int form,
                                                                                           const int tail1) {
  const ConvQ *d = r->d;
  const int H = r->H, W = r->W, C = r->C, OH = r->OH, OW = r->OW, FH = r->FH, FW = r->FW;
  const int taps = FH * FW, nblk = (C + 63) / 64;
  const __mmask64 last = C % 64 ? (((__mmask64)1 << (C % 64)) - 1) : ~(__mmask64)0;
  const int small_last = C % 64 != 0 && C % 64 <= 32;
  const TflRq *rq = &d->dw_rq;
  const TflRq64 *e = &d->dw_rq64;
  DwPackK pk;
  pk.zp = _mm512_set1_epi16((int16_t)rq->zp);
  pk.lo = _mm512_set1_epi8((char)rq->lo);
  pk.hi = _mm512_set1_epi8((char)rq->hi);
  const int8_t *tp[2 * DW_MAX_PAIRS];
  size_t toff[2 * DW_MAX_PAIRS];
  dw_tap_offsets(r, toff);
  for (int t = taps; t < 4 * quads; ++t) tp[t] = d->dw_zp;
  for (int row = row0; row < row1; ++row) {
    const int n = row / OH, oy = row % OH;
    const int8_t *xin = r->x + (size_t)n * H * W * C;
    int8_t *yrow = r->y + (size_t)row * OW * C;
    const int iy0 = oy * d->stride_h - d->pad_h;
    const int rows_inside = iy0 >= 0 && iy0 + (FH - 1) * d->dil_h < H;
    for (int ox = 0; ox < OW; ++ox) {
      const int ix0 = ox * d->stride_w - d->pad_w;
      dw_taps(r, xin, iy0, ix0, rows_inside, toff, tp);
      int8_t *yo = yrow + (size_t)ox * C;
      if (d->dw_pair && rows_inside && ox + 1 < OW && ix0 >= 0 && ix0 + 1 + (FW - 1) * d->dil_w < W) {
        /* this pixel and the next: every tap's 64 bytes hold both pixels' 32 channels */
        _mm512_storeu_si512(yo, dw_block64(tp, 0, ~(__mmask64)0, quads, d->dw_pair8, &d->dw_rq2, &d->dw_rq2_64, 0,
                                           form, tail1, &pk));
        ++ox;
        continue;
      }
      const int8_t *wp = d->dw_pack8 + (size_t)cb0 * quads * 256;
      for (int cb = cb0; cb < cb1; ++cb, wp += (size_t)quads * 256) {
        const __mmask64 m = cb == nblk - 1 ? last : ~(__mmask64)0;
        if (cb == nblk - 1 && small_last) { /* at most 32 channels left: half the work on ymm */
          const __m256i v = dw_block32(tp, (size_t)cb * 64, (__mmask32)m, quads, wp, rq, e, cb * 64, form, tail1, &pk);
          _mm256_mask_storeu_epi8(yo + (size_t)cb * 64, (__mmask32)m, v);
          break;
        }
        _mm512_mask_storeu_epi8(yo + (size_t)cb * 64, m,
                                dw_block64(tp, (size_t)cb * 64, m, quads, wp, rq, e, cb * 64, form, tail1, &pk));
      }
    }
  }
}

__attribute__((target(TFL_T512_VNNI))) static void dw_rows_vnni(const DwRun *r, int row0, int row1, int cb0,
                                                               int cb1) {
  /* 3x3 filters (two tap quads and a single tap) get a fully unrolled copy */
  const int quads = r->d->dw_quads, tail1 = r->FH * r->FW % 4 == 1;
  const int form = tfl_rq_form(&r->d->dw_rq, &r->d->dw_rq64), relu = tfl_rq_relu(&r->d->dw_rq);
  /* the pair kernel's dw_rq2_64 has the same multipliers, so the same fast_zp */
  const int zp = r->d->dw_rq64.fast_zp ? TFL_RQ_ZP : 0;
  if (form == TFL_RQ_LEFT) dw_rows_vnni_body(r, row0, row1, cb0, cb1, quads, TFL_RQ_LEFT, tail1);
  else if (form == TFL_RQ_PLAIN) dw_rows_vnni_body(r, row0, row1, cb0, cb1, quads, TFL_RQ_PLAIN, tail1);
  else if (quads == 3 && tail1 && relu && zp)
    dw_rows_vnni_body(r, row0, row1, cb0, cb1, 3, TFL_RQ_FAST | TFL_RQ_RELU | TFL_RQ_ZP, 1);
  else if (quads == 3 && tail1 && zp) dw_rows_vnni_body(r, row0, row1, cb0, cb1, 3, TFL_RQ_FAST | TFL_RQ_ZP, 1);
  else if (quads == 3 && tail1 && relu) dw_rows_vnni_body(r, row0, row1, cb0, cb1, 3, TFL_RQ_FAST | TFL_RQ_RELU, 1);
  else if (quads == 3 && tail1) dw_rows_vnni_body(r, row0, row1, cb0, cb1, 3, TFL_RQ_FAST, 1);
  else if (relu) dw_rows_vnni_body(r, row0, row1, cb0, cb1, quads, TFL_RQ_FAST | TFL_RQ_RELU, tail1);
  else dw_rows_vnni_body(r, row0, row1, cb0, cb1, quads, TFL_RQ_FAST, tail1);
}
#endif

#ifdef TFL_Q_X86
__attribute__((target(TFL_T512), always_inline)) static inline void dw_rows_512_body(const DwRun *r, int row0,
                                                                                    int row1, int cb0, int cb1,
                                                                                    const int form,
                                                                                    const int pairs) {
  const ConvQ *d = r->d;
  const int H = r->H, W = r->W, C = r->C, OH = r->OH, OW = r->OW, FH = r->FH, FW = r->FW;
  const int taps = FH * FW, nblk = (C + 31) / 32;
  const __mmask32 last = C % 32 ? (((__mmask32)1 << (C % 32)) - 1) : ~(__mmask32)0;
  const TflRq *rq = &d->dw_rq;
  const TflRq64 *e = &d->dw_rq64;
  const __m512i zp = _mm512_set1_epi16((int16_t)rq->zp), lo = _mm512_set1_epi16((int16_t)rq->lo);
  const __m512i hi = _mm512_set1_epi16((int16_t)rq->hi);
  const int8_t *tp[2 * DW_MAX_PAIRS];
  size_t toff[2 * DW_MAX_PAIRS];
  dw_tap_offsets(r, toff);
  for (int t = taps; t < 2 * pairs; ++t) tp[t] = d->dw_zp;
  for (int row = row0; row < row1; ++row) {
    const int n = row / OH, oy = row % OH;
    const int8_t *xin = r->x + (size_t)n * H * W * C;
    int8_t *yrow = r->y + (size_t)row * OW * C;
    const int iy0 = oy * d->stride_h - d->pad_h;
    const int rows_inside = iy0 >= 0 && iy0 + (FH - 1) * d->dil_h < H;
    for (int ox = 0; ox < OW; ++ox) {
      const int ix0 = ox * d->stride_w - d->pad_w;
      dw_taps(r, xin, iy0, ix0, rows_inside, toff, tp);
      int8_t *yo = yrow + (size_t)ox * C;
      const int16_t *wp = d->dw_pack + (size_t)cb0 * pairs * 64;
      for (int cb = cb0; cb < cb1; ++cb, wp += (size_t)pairs * 64) {
        const __mmask32 m = cb == nblk - 1 ? last : ~(__mmask32)0; /* channels present; the rest load as 0 */
        const size_t off = (size_t)cb * 32;
        __m512i a = _mm512_load_si512(rq->bias + 32 * cb), b = _mm512_load_si512(rq->bias + 32 * cb + 16);
        for (int p = 0; p < pairs; ++p) {
          const __m512i t0 = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, tp[2 * p] + off));
          const __m512i t1 = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, tp[2 * p + 1] + off));
          a = _mm512_add_epi32(a, _mm512_madd_epi16(_mm512_unpacklo_epi16(t0, t1), _mm512_load_si512(wp + p * 64)));
          b = _mm512_add_epi32(b, _mm512_madd_epi16(_mm512_unpackhi_epi16(t0, t1), _mm512_load_si512(wp + p * 64 + 32)));
        }
        a = tfl_v16_rqx(a, rq, e, 32 * cb, form);
        b = tfl_v16_rqx(b, rq, e, 32 * cb + 16, form);
        /* packs within 128-bit lanes give channels 8 L .. 8 L + 7 in lane L: natural order; the clamp after the
         * saturating steps equals clamping the int32 values (as tfl_v64_pack_rq) */
        const __m512i v = _mm512_min_epi16(_mm512_max_epi16(_mm512_adds_epi16(_mm512_packs_epi32(a, b), zp), lo), hi);
        _mm256_mask_storeu_epi8(yo + off, m, _mm512_cvtepi16_epi8(v));
      }
    }
  }
}

__attribute__((target(TFL_T512))) static void dw_rows_512(const DwRun *r, int row0, int row1, int cb0, int cb1) {
  const int pairs = r->d->dw_pairs, form = tfl_rq_form(&r->d->dw_rq, &r->d->dw_rq64);
  const int relu = tfl_rq_relu(&r->d->dw_rq);
  if (form == TFL_RQ_LEFT) dw_rows_512_body(r, row0, row1, cb0, cb1, TFL_RQ_LEFT, pairs);
  else if (form == TFL_RQ_PLAIN) dw_rows_512_body(r, row0, row1, cb0, cb1, TFL_RQ_PLAIN, pairs);
  else if (pairs == 5 && relu) dw_rows_512_body(r, row0, row1, cb0, cb1, TFL_RQ_FAST | TFL_RQ_RELU, 5);
  else if (pairs == 5) dw_rows_512_body(r, row0, row1, cb0, cb1, TFL_RQ_FAST, 5);
  else dw_rows_512_body(r, row0, row1, cb0, cb1, TFL_RQ_FAST, pairs);
}
#endif

static void dw_task(void *arg, int task, int thread) {
  (void)thread;
  const DwRun *r = (const DwRun *)arg;
  const int rtasks = r->ntasks / r->csplit, rt = task / r->csplit, ct = task % r->csplit;
  const int row0 = (int)((int64_t)rt * r->rows / rtasks), row1 = (int)((int64_t)(rt + 1) * r->rows / rtasks);
  const int cb0 = ct * r->cblocks / r->csplit, cb1 = (ct + 1) * r->cblocks / r->csplit;
#ifdef TFL_Q_X86
  if (r->d->dw_fast == TFL_ISA_AVX512_VNNI) dw_rows_vnni(r, row0, row1, cb0, cb1);
  else if (r->d->dw_fast == TFL_ISA_AVX512) dw_rows_512(r, row0, row1, cb0, cb1);
  else dw_rows_avx2(r, row0, row1, cb0, cb1);
#else
  (void)row0;
  (void)row1;
  (void)cb0;
  (void)cb1;
#endif
}

static TflStatus dw_eval_fast(TflContext *ctx, TflNode *node, ConvQ *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  DwRun r;
  r.d = d;
  r.x = (const int8_t *)in->data;
  r.y = (int8_t *)out->data;
  r.H = in->dims[1];
  r.W = in->dims[2];
  r.C = in->dims[3];
  r.OH = out->dims[1];
  r.OW = out->dims[2];
  r.FH = w->dims[1];
  r.FW = w->dims[2];
  r.rows = in->dims[0] * r.OH;
  if (r.rows <= 0 || r.OW <= 0) return TFL_OK;
  /* a few tasks per thread, a multiple of the thread count, none below ~64K multiply-accumulates (a task costs ~1 us
   * to hand out), preferring a count that divides the rows (equal tasks). Maps whose rows no such count divides (7x7
   * on 2 threads) split the channel blocks instead when there are enough of them to share out evenly, each task all
   * rows (or an equal share of them) of its channels and weights. */
  const int nt = tfl_num_threads(ctx);
  const double macs = (double)r.rows * r.OW * r.C * r.FH * r.FW;
  const int unit = d->dw_fast == TFL_ISA_AVX512_VNNI ? 64 : d->dw_fast == TFL_ISA_AVX512 ? 32 : 16;
  r.cblocks = (r.C + unit - 1) / unit;
  r.csplit = 1;
  r.ntasks = 1;
  int want = 4 * nt;
  if (macs / (64.0 * 1024) < want) want = (int)(macs / (64.0 * 1024));
  if (nt > 1 && want >= nt) {
    want -= want % nt;
    int even = 0;
    for (int k = want; k >= nt && !even; k -= nt)
      if (r.rows % k == 0) even = k;
    if (even) {
      r.ntasks = even;
    } else if (!d->dw_pair && (r.cblocks % nt == 0 || r.cblocks >= 4 * nt)) {
      int rtasks = want / nt;
      while (rtasks > 1 && r.rows % rtasks != 0) --rtasks;
      r.csplit = nt;
      r.ntasks = nt * rtasks;
    } else {
      r.ntasks = want < r.rows ? want : r.rows;
    }
  }
  /* the VNNI taps are x + 128: take 128 * sum of taps off as well */
  const int32_t off = d->dw_fast == TFL_ISA_AVX512_VNNI ? (int32_t)((uint32_t)d->in_zp + 128u) : d->in_zp;
  if (!d->bias_folded && d->dw_fast == TFL_ISA_AVX512) { /* parameters in vector order */
    const int np = d->dw_rq.np;
    for (int i = 0; i < np; ++i) {
      const int ch = d->dw_pos[i];
      d->dw_tmp[i] = ch >= 0 && bias ? ((const int32_t *)bias->data)[ch] : 0;
      d->dw_tmp[np + i] = ch >= 0 ? d->wsum[ch] : 0;
    }
    tfl_rq_set_bias(&d->dw_rq, d->dw_tmp, off, d->dw_tmp + np);
  } else if (!d->bias_folded) {
    tfl_rq_set_bias(&d->dw_rq, bias ? (const int32_t *)bias->data : NULL, off, d->wsum);
    if (d->dw_pair) {
      int32_t b2[64];
      for (int v = 0; v < 64; ++v) b2[v] = bias ? ((const int32_t *)bias->data)[v & 31] : 0;
      tfl_rq_set_bias(&d->dw_rq2, b2, off, d->dw_wsum2);
    }
  }
  d->bias_folded = !bias || bias->alloc == TFL_ALLOC_CONST;
  tfl_parallel_for(ctx, r.ntasks, dw_task, &r);
  return TFL_OK;
}

static TflStatus dw_prepare(TflContext *ctx, TflNode *node) {
  ConvQ *d = NULL;
  TflStatus st = conv_common(ctx, node, 1, &d);
  if (st != TFL_OK) return st;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const TflDepthwiseConv2DOptions o = tfl_DepthwiseConv2DOptions(node);
  const int padding = o.padding, act = o.fused_activation_function;
  d->stride_w = o.stride_w;
  d->stride_h = o.stride_h;
  d->dil_w = o.dilation_w_factor;
  d->dil_h = o.dilation_h_factor;
  const int cin = in->dims[3], cout = w->dims[3];
  if (w->dims[0] != 1) return tfl_error(ctx, "DEPTHWISE_CONV_2D: filter dim 0 must be 1");
  if (cin <= 0 || cout % cin != 0)
    return tfl_error(ctx, "DEPTHWISE_CONV_2D: %d output channels not a multiple of %d input channels", cout, cin);
  d->depth_multiplier = cout / cin; /* LiteRT derives it from the shapes as well */
  tfl_act_range_q(act, out->type, out->scales[0], d->out_zp, &d->act_lo, &d->act_hi);
  const int taps = w->dims[1] * w->dims[2];
  d->ref_avx2 = tfl_isa() >= TFL_ISA_AVX2;
  if (!d->is16 && d->depth_multiplier == 1 && w->data && w->alloc == TFL_ALLOC_CONST && taps <= 2 * DW_MAX_PAIRS &&
      d->ref_avx2 && getenv("TFLRT_NO_QGEMM") == NULL) {
    if (!dw_fast_prepare(d, (const int8_t *)w->data, cout, taps)) return tfl_error(ctx, "DEPTHWISE_CONV_2D: out of memory");
  }
  return conv_geometry(ctx, node, d, padding, w->dims[1], w->dims[2], cout, "DEPTHWISE_CONV_2D");
}

/* The direct loops, compiled for the baseline and (vectorized by the compiler) for AVX2; dw_eval picks by the level
 * stored at prepare. */
__attribute__((always_inline)) static inline TflStatus dw_eval_ref(TflContext *ctx, TflNode *node, ConvQ *d) {
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
              int64_t a = tfl_add_wrap64(acc[oc], b64 ? b64[oc] : 0);
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

#ifdef TFL_Q_X86
__attribute__((target("avx2"))) static TflStatus dw_eval_ref_avx2(TflContext *ctx, TflNode *node, ConvQ *d) {
  return dw_eval_ref(ctx, node, d);
}
#endif

static TflStatus dw_eval(TflContext *ctx, TflNode *node) {
  ConvQ *d = (ConvQ *)node->user_data;
  if (d->dw_fast && tfl_rounding() == TFL_ROUND_DOUBLE) return dw_eval_fast(ctx, node, d);
#ifdef TFL_Q_X86
  if (d->ref_avx2) return dw_eval_ref_avx2(ctx, node, d);
#endif
  return dw_eval_ref(ctx, node, d);
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
  const TflTransposeConvOptions o = tfl_TransposeConvOptions(node);
  const int padding = o.padding, act = o.fused_activation_function;
  d->stride_w = o.stride_w;
  d->stride_h = o.stride_h;
  if (d->stride_w <= 0 || d->stride_h <= 0) return tfl_error(ctx, "TRANSPOSE_CONV: strides must be positive");
  if (padding != 0 && padding != 1) return tfl_error(ctx, "TRANSPOSE_CONV: unknown padding");
  if (!tfl_window_fits(in->dims[1], w->dims[1], d->stride_h, 1) || !tfl_window_fits(in->dims[2], w->dims[2], d->stride_w, 1))
    return tfl_error(ctx, "TRANSPOSE_CONV: stride too large for the input");
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
      r = tfl_mbqm64(tfl_add_wrap64(acc64[i], b64 ? b64[oc] : 0), d->mult[oc], d->shift[oc]);
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
    {TFL_OP_TRANSPOSE_CONV, "TRANSPOSE_CONV (int8/int16x8)", 1, 5, tconv_prepare, tconv_eval},
    {TFL_OP_CONV_2D, "CONV_2D (int8/int16x8)", 1, 8, conv_prepare, conv_eval},
    {TFL_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D (int8/int16x8)", 1, 7, dw_prepare, dw_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
