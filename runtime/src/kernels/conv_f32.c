/* Float32 convolutions: CONV_2D (1x1 direct GEMM, otherwise blocked im2col + GEMM), DEPTHWISE_CONV_2D
 * (channel-contiguous accumulation) and TRANSPOSE_CONV (GEMM + col2im). Not FMA-contracted, like gemm.c: the sums
 * round exactly as LiteRT's reference kernels do. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "../cpu.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "common_f32.h"
#include "gemm.h"

/* ------------------------------------------------------------------------------------------------ CONV_2D */

typedef struct {
  int n, h, w, cin, oh, ow, cout, kh, kw, sh, sw, dh, dw, pad_t, pad_l;
  int K;
  int direct;       /* 1x1, stride 1, no padding: A is the input itself */
  int block_rows;   /* im2col rows per block */
  int im2col_z32;   /* AVX-512 masked im2col: window rows of at most 32 floats, dilation 1 in x */
  int dunit;        /* rows per tile of the direct (no im2col) path for windows inside the image, 0: none */
  int ox_lo, ox_hi; /* output columns whose windows lie inside the image horizontally */
  float lo, hi;
  float *packed;    /* owned when weights are constant */
  int packed_owned;
  size_t pk_floats; /* packed weights size (eval scratch when the weights are not constant) */
  TflGemmFn gemm;   /* chosen at prepare (ISA level, fast float) */
} ConvData;

static void conv_free(void *p) {
  ConvData *d = p;
  if (!d) return;
  if (d->packed_owned) free(d->packed);
  free(d);
}

static TflStatus conv_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !f || !out) return tfl_error(ctx, "CONV_2D: missing input, filter or output");
  if (tfl_is_f32(in) && !tfl_is_f32(out)) return tfl_error(ctx, "CONV_2D: output must be float32");
  if (!tfl_is_f32(in) || !tfl_is_f32(f)) return TFL_NOT_MINE;
  if (in->rank != 4 || f->rank != 4) return tfl_error(ctx, "CONV_2D: input and filter must be 4-D (got %d, %d)", in->rank, f->rank);
  if (b && (!tfl_is_f32(b) || tfl_num_elements(b) != f->dims[0]))
    return tfl_error(ctx, "CONV_2D: bias must be float32 with %d elements", f->dims[0]);
  if (f->dims[3] != in->dims[3])
    return tfl_error(ctx, "CONV_2D: filter depth %d != input channels %d (grouped conv unsupported)", f->dims[3], in->dims[3]);
  if ((int64_t)f->dims[1] * f->dims[2] * f->dims[3] > INT32_MAX / 64)
    return tfl_error(ctx, "CONV_2D: filter too large");
  if ((int64_t)in->dims[0] * in->dims[1] * in->dims[2] > INT32_MAX) return tfl_error(ctx, "CONV_2D: input too large");
  const TflConv2DOptions o = tfl_Conv2DOptions(node);
  int padding = o.padding, sw = o.stride_w, sh = o.stride_h, act = o.fused_activation_function;
  int dw = o.dilation_w_factor, dh = o.dilation_h_factor;
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1) return tfl_error(ctx, "CONV_2D: strides and dilations must be >= 1");
  if (padding != TFL_PAD_SAME && padding != TFL_PAD_VALID) return tfl_error(ctx, "CONV_2D: unknown padding %d", padding);
  if (act == TFL_ACT_TANH || act > TFL_ACT_TANH) return tfl_error(ctx, "CONV_2D: unsupported fused activation %d", act);
  ConvData *d = tfl_set_user_data(node, sizeof(ConvData));
  node->free_user_data = conv_free;
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->cin = in->dims[3];
  d->cout = f->dims[0]; d->kh = f->dims[1]; d->kw = f->dims[2];
  d->sh = sh; d->sw = sw; d->dh = dh; d->dw = dw;
  d->oh = tfl_conv_out_size(padding, d->h, d->kh, sh, dh);
  d->ow = tfl_conv_out_size(padding, d->w, d->kw, sw, dw);
  d->pad_t = padding == TFL_PAD_SAME ? tfl_conv_pad(d->h, d->oh, d->kh, sh, dh) : 0;
  d->pad_l = padding == TFL_PAD_SAME ? tfl_conv_pad(d->w, d->ow, d->kw, sw, dw) : 0;
  if (!tfl_window_fits(d->oh, d->kh, sh, dh) || !tfl_window_fits(d->ow, d->kw, sw, dw))
    return tfl_error(ctx, "CONV_2D: stride or dilation too large for the input");
  d->K = d->kh * d->kw * d->cin;
  d->gemm = tfl_gemm_kernel(tfl_fast_float(ctx));
  tfl_activation_range_f32(act, &d->lo, &d->hi);
  int32_t od[4] = {d->n, d->oh, d->ow, d->cout};
  if ((int64_t)d->n * d->oh * d->ow > INT32_MAX) return tfl_error(ctx, "CONV_2D: output too large");
  if (tfl_resize(ctx, out, 4, od) != TFL_OK) return TFL_ERROR;
  d->direct = d->kh == 1 && d->kw == 1 && sh == 1 && sw == 1 && d->pad_t == 0 && d->pad_l == 0 && d->oh == d->h && d->ow == d->w;
  size_t pk = tfl_gemm_packed_floats(d->cout, d->K);
  /* im2col rows per block. The AVX-512 GEMMs block K and stream all of B once per call, so deep filters get taller
   * blocks there; the AVX2/SSE2 GEMMs re-read B per 6-row block anyway and run faster on small (L2) blocks. */
  const int kblocked = tfl_isa() >= TFL_ISA_AVX512;
  long br = (kblocked ? 256 * 1024 : 64 * 1024) / ((long)(d->K > 0 ? d->K : 1) * 4);
  const int unit = tfl_gemm_rows_unit(d->gemm); /* whole register tiles per block */
  br = (br / unit) * unit;
  if (br < (kblocked ? 16 : 4) * unit) br = (kblocked ? 16 : 4) * unit;
  d->block_rows = (int)br;
  d->im2col_z32 = TFL_X86_CLONES && kblocked && !d->direct && d->dw == 1 && (int64_t)d->kw * d->cin <= 32;
  d->dunit = !d->direct && d->dw == 1 && d->kw <= d->w && d->kh <= d->h ? tfl_gemm_conv_unit(d->gemm, d->K) : 0;
  /* output columns whose window lies inside the input, in 64 bits: strides and sizes come from the file */
  const int64_t lo = ((int64_t)d->pad_l + sw - 1) / sw, last = (int64_t)d->w - d->kw + d->pad_l;
  int64_t hi = last >= 0 ? last / sw + 1 : 0;
  if (hi > d->ow) hi = d->ow;
  d->ox_lo = (int)(lo < d->ow ? lo : d->ow);
  d->ox_hi = (int)(hi < d->ox_lo ? d->ox_lo : hi);
  if (d->dunit) {
    /* the direct path tiles each output row's interior alone: a 1-2 row remainder (exact mode's 6-row tiles on 14
     * or 26 pixels) runs a few accumulation chains, slower than im2col's full tiles unless rows are long */
    const int width = d->ox_hi - d->ox_lo, rest = width % d->dunit;
    if (rest && rest < 3 && width < 8 * d->dunit) d->dunit = 0;
  }
  if (tfl_value_known(f)) {
    d->packed = malloc(pk * sizeof(float));
    if (!d->packed) return tfl_error(ctx, "CONV_2D: out of memory");
    d->packed_owned = 1;
    tfl_gemm_pack_nk(f->data, d->cout, d->K, d->packed);
  }
  d->pk_floats = pk;
  return TFL_OK;
}

/* n floats from src to dst; short spans (few input channels) inline in 4-float moves instead of a libc call each.
 * NO_MEMCPY_IDIOM: gcc would turn the move loop back into a memcpy call. */
#define NO_MEMCPY_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
NO_MEMCPY_IDIOM static inline void copy_floats(float *restrict dst, const float *restrict src, size_t n) {
#if defined(__SSE2__)
  if (n < 64) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(dst + i, _mm_loadu_ps(src + i));
    switch (n - i) {
      case 3: dst[i + 2] = src[i + 2]; /* fall through */
      case 2: dst[i + 1] = src[i + 1]; /* fall through */
      case 1: dst[i] = src[i]; break;
      default: break;
    }
    return;
  }
#endif
  memcpy(dst, src, n * sizeof(float));
}

NO_MEMCPY_IDIOM static void im2col_rows(const ConvData *d, const float *in, long r0, long r1, float *buf) {
  const long hw = (long)d->oh * d->ow;
  const size_t cin = (size_t)d->cin, span = cin * (size_t)d->kw;
  long n = r0 / hw, rem = r0 % hw;
  int oy = (int)(rem / d->ow), ox = (int)(rem % d->ow); /* advanced per row below instead of divided */
  for (long r = r0; r < r1; r++) {
    float *dst = buf + (r - r0) * d->K;
    const float *img = in + (size_t)n * d->h * d->w * cin;
    const int ix0 = ox * d->sw - d->pad_l;
    const int whole = d->dw == 1 && ix0 >= 0 && ix0 + d->kw <= d->w; /* the window row is one contiguous span */
    for (int fy = 0; fy < d->kh; fy++) {
      int iy = oy * d->sh - d->pad_t + fy * d->dh;
      if (whole) {
        if (iy >= 0 && iy < d->h)
          copy_floats(dst, img + ((size_t)iy * d->w + ix0) * cin, span);
        else
          memset(dst, 0, span * sizeof(float));
        dst += span;
        continue;
      }
      for (int fx = 0; fx < d->kw; fx++) {
        int ix = ix0 + fx * d->dw;
        if (iy >= 0 && iy < d->h && ix >= 0 && ix < d->w)
          copy_floats(dst, img + ((size_t)iy * d->w + ix) * cin, cin);
        else
          memset(dst, 0, cin * sizeof(float));
        dst += cin;
      }
    }
    if (++ox == d->ow) {
      ox = 0;
      if (++oy == d->oh) {
        oy = 0;
        n++;
      }
    }
  }
}

#if TFL_X86_CLONES
#include <immintrin.h>
/* im2col when a window row is at most 32 floats (few input channels, e.g. an RGB stem): one or two masked loads and
 * stores per window row (no tail over-read), rows above or below the image stored as masked zeros; only windows cut
 * by the left or right edge take the per-tap path. */
TFL_TARGET_AVX512 static void im2col_rows_z32(const ConvData *d, const float *in, long r0, long r1, float *buf) {
  const long hw = (long)d->oh * d->ow;
  const size_t cin = (size_t)d->cin, span = cin * (size_t)d->kw;
  const __mmask16 m = span >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << span) - 1);
  const __mmask16 m2 = span > 16 ? (__mmask16)((1u << (span - 16)) - 1) : 0; /* floats 16..31 */
  const __m512 zero = _mm512_setzero_ps();
  long n = r0 / hw, rem = r0 % hw;
  int oy = (int)(rem / d->ow), ox = (int)(rem % d->ow);
  for (long r = r0; r < r1; r++) {
    float *dst = buf + (r - r0) * d->K;
    const int ix0 = ox * d->sw - d->pad_l;
    if (ix0 >= 0 && ix0 + d->kw <= d->w) {
      const float *img = in + ((size_t)n * d->h * d->w + ix0) * cin;
      for (int fy = 0; fy < d->kh; fy++) {
        const int iy = oy * d->sh - d->pad_t + fy * d->dh;
        const int in_img = iy >= 0 && iy < d->h;
        const float *src = img + (size_t)(in_img ? iy : 0) * d->w * cin;
        _mm512_mask_storeu_ps(dst + (size_t)fy * span, m, in_img ? _mm512_maskz_loadu_ps(m, src) : zero);
        if (m2)
          _mm512_mask_storeu_ps(dst + (size_t)fy * span + 16, m2, in_img ? _mm512_maskz_loadu_ps(m2, src + 16) : zero);
      }
    } else {
      im2col_rows(d, in, r, r + 1, dst);
    }
    if (++ox == d->ow) {
      ox = 0;
      if (++oy == d->oh) {
        oy = 0;
        n++;
      }
    }
  }
}
#endif

/* Output rows [ra, rb) through im2col into buf and the GEMM; out is column 0 of the task's panels in output row 0. */
static void conv_rows_im2col(const ConvData *d, const float *in, long ra, long rb, float *buf, const float *packed,
                             const float *bias, float *out, int nc) {
#if TFL_X86_CLONES
  if (d->im2col_z32)
    im2col_rows_z32(d, in, ra, rb, buf);
  else
#endif
    im2col_rows(d, in, ra, rb, buf);
  d->gemm((int)(rb - ra), nc, d->K, buf, d->K, packed, bias, d->lo, d->hi, out + ra * d->cout, d->cout);
}

/* Border pixels of the direct path, gathered: their im2col rows go to the front of buf, the GEMM writes them to a
 * scratch block after those rows, then each range is copied to its output rows. One GEMM of whole tiles instead of
 * one call per 1-2 border pixels (a one-row tile runs its 2 accumulation chains at a quarter of the FMA rate). */
typedef struct {
  const ConvData *d;
  const float *in, *packed, *bias;
  float *out, *buf;
  int nc, cap, rows, nr;
  long start[64];
  int count[64];
} ConvBorder;

static void border_flush(ConvBorder *b) {
  const ConvData *d = b->d;
  if (!b->rows) return;
  float *ctmp = b->buf + (size_t)b->cap * d->K;
  d->gemm(b->rows, b->nc, d->K, b->buf, d->K, b->packed, b->bias, d->lo, d->hi, ctmp, b->nc);
  for (int i = 0, row = 0; i < b->nr; i++)
    for (int k = 0; k < b->count[i]; k++, row++)
      memcpy(b->out + (b->start[i] + k) * d->cout, ctmp + (size_t)row * b->nc, (size_t)b->nc * sizeof(float));
  b->rows = b->nr = 0;
}

static void border_add(ConvBorder *b, long ra, long rb) {
  while (ra < rb) {
    if (b->rows == b->cap || b->nr == 64) border_flush(b);
    const long n = rb - ra < b->cap - b->rows ? rb - ra : b->cap - b->rows;
    float *dst = b->buf + (size_t)b->rows * b->d->K;
#if TFL_X86_CLONES
    if (b->d->im2col_z32)
      im2col_rows_z32(b->d, b->in, ra, ra + n, dst);
    else
#endif
      im2col_rows(b->d, b->in, ra, ra + n, dst);
    b->start[b->nr] = ra;
    b->count[b->nr++] = (int)n;
    b->rows += (int)n;
    ra += n;
  }
}

/* Output rows [r0, r1) with the direct path where the window lies inside the image (tfl_gemm_conv_runs reads the
 * input in place: a window row is kw * cin contiguous floats, the window's rows dh * w * cin apart) and gathered
 * im2col rows for the pixels at the borders. buf holds r1 - r0 rows of K + nc floats. */
static void conv_rows_direct(const ConvData *d, const float *in, long r0, long r1, float *buf, const float *packed,
                             const float *bias, float *out, int nc) {
  const long hw = (long)d->oh * d->ow;
  const size_t cin = (size_t)d->cin;
  enum { RUNS = 32 };
  TflConvRun runs[RUNS];
  int nruns = 0;
  ConvBorder b = {d, in, packed, bias, out, buf, nc, (int)(r1 - r0), 0, 0, {0}, {0}};
  for (long r = r0; r < r1;) {
    const long n = r / hw, rem = r % hw;
    const int oy = (int)(rem / d->ow), ox = (int)(rem % d->ow);
    const long end = r + (d->ow - ox) < r1 ? r + (d->ow - ox) : r1; /* this output row's part of the range */
    const int xe = ox + (int)(end - r), iy0 = oy * d->sh - d->pad_t;
    int a = xe, e = xe; /* direct pixels [a, e) */
    if (iy0 >= 0 && iy0 + (int64_t)(d->kh - 1) * d->dh < d->h) {
      a = d->ox_lo < ox ? ox : d->ox_lo < xe ? d->ox_lo : xe;
      e = d->ox_hi < a ? a : d->ox_hi < xe ? d->ox_hi : xe;
    }
    if (a > ox) border_add(&b, r, r + (a - ox));
    if (e > a) {
      runs[nruns].a = in + (((size_t)n * d->h + iy0) * d->w + ((size_t)a * d->sw - d->pad_l)) * cin;
      runs[nruns].c = out + (r + (a - ox)) * d->cout;
      runs[nruns].rows = e - a;
      if (++nruns == RUNS) {
        tfl_gemm_conv_runs(d->gemm, nruns, runs, nc, d->K, d->kw * d->cin, (long)d->dh * d->w * d->cin,
                           (long)d->sw * d->cin, packed, bias, d->lo, d->hi, d->cout);
        nruns = 0;
      }
    }
    if (xe > e) border_add(&b, r + (e - ox), end);
    r = end;
  }
  if (nruns)
    tfl_gemm_conv_runs(d->gemm, nruns, runs, nc, d->K, d->kw * d->cin, (long)d->dh * d->w * d->cin,
                       (long)d->sw * d->cin, packed, bias, d->lo, d->hi, d->cout);
  border_flush(&b);
}

/* im2col conv task grid: row blocks of at most block_rows (whole GEMM tiles) by panel groups. Each task fills its own
 * thread's im2col buffer with its rows (repeated when a row block is split over panel groups) and runs the GEMM. */
typedef struct {
  const ConvData *d;
  const float *in, *packed, *bias;
  float *out;
  float *im2col; /* one buffer of stride floats per thread */
  size_t stride;
  long M;
  int mchunk, pchunk, np;
  const TflGemmEpilogue *epi; /* a residual ADD run inside the node, or NULL */
} ConvJob;

/* The residual ADD on a finished block of the output (TflGemmEpilogue over a TflFusedAdd). */
typedef struct {
  const TflFusedAdd *fa;
  long ldc;
} ConvAdd;

static void conv_add_block(void *arg, long m0, long m1, long n0, int nc) {
  const ConvAdd *c = arg;
  if (n0 == 0 && nc == c->ldc) {
    tfl_fused_add_run(c->fa, (int64_t)m0 * c->ldc, (int64_t)(m1 - m0) * c->ldc);
    return;
  }
  for (long m = m0; m < m1; m++) tfl_fused_add_run(c->fa, (int64_t)m * c->ldc + n0, nc);
}

static void conv_task(void *arg, int task, int thread) {
  const ConvJob *j = arg;
  const ConvData *d = j->d;
  long r0 = (long)(task / j->np) * j->mchunk, r1 = r0 + j->mchunk < j->M ? r0 + j->mchunk : j->M;
  int p0 = (task % j->np) * j->pchunk;
  int nc = tfl_gemm_panel_cols(d->cout, p0, p0 + j->pchunk);
  if (r1 <= r0 || nc <= 0) return;
  long n0 = (long)p0 * TFL_GEMM_NR;
  float *buf = j->im2col + (size_t)thread * j->stride;
  const float *packed = j->packed + (size_t)n0 * d->K, *bias = j->bias ? j->bias + n0 : NULL;
  if (d->dunit)
    conv_rows_direct(d, j->in, r0, r1, buf, packed, bias, j->out + n0, nc);
  else
    conv_rows_im2col(d, j->in, r0, r1, buf, packed, bias, j->out + n0, nc);
  if (j->epi) j->epi->fn(j->epi->arg, r0, r1, n0, nc);
}

static TflStatus conv_eval(TflContext *ctx, TflNode *node) {
  ConvData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const float *packed = d->packed;
  const float *bias = b ? (const float *)b->data : NULL;
  long M = (long)d->n * d->oh * d->ow;
  if (M <= 0 || d->cout <= 0) return TFL_OK;
  int nt = tfl_num_threads(ctx);
  /* task grid for the im2col path: rows in blocks of at most block_rows, panels split when there are few blocks */
  int mchunk = d->block_rows, pchunk = 0, ntasks = 1;
  int pt = (d->cout + TFL_GEMM_NR - 1) / TFL_GEMM_NR;
  if (!d->direct) {
    int mc, pc;
    const int unit = tfl_gemm_rows_unit(d->gemm);
    int target = tfl_gemm_split_rows((int)M, d->cout, d->K, nt, unit, &mc, &pc);
    if (mc > d->block_rows) {
      mc = d->block_rows < M ? d->block_rows : (int)M;
      long mblocks = (M + mc - 1) / mc;
      if (nt > 1 && mblocks < 8L * nt && (int64_t)d->K * d->cout <= 16 * 1024 && M >= 8L * nt * 16 * unit)
        mblocks = 8L * nt; /* small weights (a stem): short blocks, so a worker that starts late takes fewer */
      if (nt > 1 && mblocks > 1) {
        /* as many row blocks for every thread, all of one size (the stem's 5 full blocks and a short one, or
         * ResNet50's 252 + 252 + 252 + 28 rows, kept one of 2 threads waiting): more, equal blocks of whole tiles,
         * each still at most block_rows */
        if (mblocks % nt) mblocks += nt - mblocks % nt;
        long rows = (M + mblocks - 1) / mblocks;
        mc = (int)((rows + unit - 1) / unit * unit);
        mblocks = (M + mc - 1) / mc;
      }
      int pgroups = mblocks >= target ? 1 : (int)(target / mblocks); /* few row blocks: split the panels too */
      if (pgroups > pt) pgroups = pt;
      pc = (pt + pgroups - 1) / pgroups;
      if (pc % 2 && pc < pt) pc++; /* whole panel pairs */
      ntasks = (int)(mblocks * ((pt + pc - 1) / pc));
    } else {
      ntasks = target;
    }
    mchunk = mc;
    pchunk = pc;
  }
  int nbuf = ntasks > 1 ? nt : 1;
  /* 64-byte aligned per-thread buffers: im2col rows (the direct path: border rows, then their outputs) */
  const size_t row_floats = (size_t)d->K + (d->dunit ? (size_t)pchunk * TFL_GEMM_NR : 0);
  size_t stride = d->direct ? 0 : ((size_t)mchunk * row_floats + 15) / 16 * 16;
  size_t wfl = packed ? 0 : d->pk_floats;
  float *s = NULL;
  if (stride * nbuf + wfl) {
    s = tfl_eval_scratch(ctx, (stride * nbuf + wfl) * sizeof(float));
    if (!s) return tfl_error(ctx, "CONV_2D: out of memory for scratch");
  }
  if (!packed) {
    float *w = s + stride * nbuf;
    tfl_gemm_pack_nk(f->data, d->cout, d->K, w);
    packed = w;
  }
  TflFusedAdd fa;
  const int fused = tfl_take_fused_add(ctx, node, &fa);
  ConvAdd ca = {&fa, d->cout};
  const TflGemmEpilogue epi = {conv_add_block, &ca};
  float *o = fused ? fa.out : out->data;
  if (d->direct) {
    tfl_gemm_f32_mt_ke(ctx, d->gemm, (int)M, d->cout, d->K, in->data, d->K, packed, bias, d->lo, d->hi, o, d->cout,
                       fused ? &epi : NULL);
    return TFL_OK;
  }
  ConvJob j = {d, in->data, packed, bias, o, s, stride, M, mchunk, pchunk, (pt + pchunk - 1) / pchunk,
               fused ? &epi : NULL};
  tfl_parallel_for(ctx, ntasks, conv_task, &j);
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------- DEPTHWISE_CONV_2D */

typedef struct DwData DwData;
struct DwData {
  int n, h, w, cin, oh, ow, cout, mult, kh, kw, sh, sw, dh, dw, pad_t, pad_l;
  float lo, hi;
  void (*fn)(const DwData *d, const float *in, const float *w, const float *bias, float *out, int r0, int r1);
  /* the same over channels [c0, c1) only (c0 a multiple of 16), or NULL: lets small maps split by channels */
  void (*cfn)(const DwData *d, const float *in, const float *w, const float *bias, float *out, int r0, int r1, int c0,
              int c1);
};
typedef void (*DwFn)(const DwData *d, const float *in, const float *w, const float *bias, float *out, int r0, int r1);
typedef void (*DwChFn)(const DwData *d, const float *in, const float *w, const float *bias, float *out, int r0, int r1,
                       int c0, int c1);
static DwFn dw_kernel(int fast);
static DwChFn dw_channel_kernel(int fast, int mult);

static TflStatus dw_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !f || !out) return tfl_error(ctx, "DEPTHWISE_CONV_2D: missing input, filter or output");
  if (tfl_is_f32(in) && !tfl_is_f32(out)) return tfl_error(ctx, "DEPTHWISE_CONV_2D: output must be float32");
  if (!tfl_is_f32(in) || !tfl_is_f32(f)) return TFL_NOT_MINE;
  if (in->rank != 4 || f->rank != 4) return tfl_error(ctx, "DEPTHWISE_CONV_2D: input and filter must be 4-D");
  if (f->dims[0] != 1) return tfl_error(ctx, "DEPTHWISE_CONV_2D: filter dim 0 must be 1, got %d", f->dims[0]);
  const TflDepthwiseConv2DOptions o = tfl_DepthwiseConv2DOptions(node);
  int padding = o.padding, sw = o.stride_w, sh = o.stride_h;
  int act = o.fused_activation_function, dw = o.dilation_w_factor, dh = o.dilation_h_factor;
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1) return tfl_error(ctx, "DEPTHWISE_CONV_2D: strides and dilations must be >= 1");
  if (padding != TFL_PAD_SAME && padding != TFL_PAD_VALID) return tfl_error(ctx, "DEPTHWISE_CONV_2D: unknown padding %d", padding);
  if (act >= TFL_ACT_TANH) return tfl_error(ctx, "DEPTHWISE_CONV_2D: unsupported fused activation %d", act);
  int cin = in->dims[3], cout = f->dims[3];
  if (cin <= 0 || cout % cin != 0)
    return tfl_error(ctx, "DEPTHWISE_CONV_2D: filter channels %d not a multiple of input channels %d", cout, cin);
  if (b && (!tfl_is_f32(b) || tfl_num_elements(b) != cout))
    return tfl_error(ctx, "DEPTHWISE_CONV_2D: bias must be float32 with %d elements", cout);
  if ((int64_t)f->dims[1] * f->dims[2] * cout > INT32_MAX) return tfl_error(ctx, "DEPTHWISE_CONV_2D: filter too large");
  DwData *d = tfl_set_user_data(node, sizeof(DwData));
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->cin = cin; d->cout = cout; d->mult = cout / cin;
  d->kh = f->dims[1]; d->kw = f->dims[2]; d->sh = sh; d->sw = sw; d->dh = dh; d->dw = dw;
  d->oh = tfl_conv_out_size(padding, d->h, d->kh, sh, dh);
  d->ow = tfl_conv_out_size(padding, d->w, d->kw, sw, dw);
  d->pad_t = padding == TFL_PAD_SAME ? tfl_conv_pad(d->h, d->oh, d->kh, sh, dh) : 0;
  d->pad_l = padding == TFL_PAD_SAME ? tfl_conv_pad(d->w, d->ow, d->kw, sw, dw) : 0;
  if (!tfl_window_fits(d->oh, d->kh, sh, dh) || !tfl_window_fits(d->ow, d->kw, sw, dw))
    return tfl_error(ctx, "DEPTHWISE_CONV_2D: stride or dilation too large for the input");
  tfl_activation_range_f32(act, &d->lo, &d->hi);
  d->fn = dw_kernel(tfl_fast_float(ctx));
  d->cfn = dw_channel_kernel(tfl_fast_float(ctx), d->mult);
  if ((int64_t)d->n * d->oh > INT32_MAX) return tfl_error(ctx, "DEPTHWISE_CONV_2D: output too large");
  int32_t od[4] = {d->n, d->oh, d->ow, cout};
  return tfl_resize(ctx, out, 4, od);
}

/* Channel tiles of 16 (two 8-lane vectors) accumulated in registers over the taps, then bias and clamp. */
TFL_INLINE void dw_body(const DwData *d, const float *restrict in, const float *restrict w, const float *restrict bias,
                        float *restrict out, int row0, int row1) {
  const int C = d->cout, mult = d->mult;
  const tfl_v8f vlo = {d->lo, d->lo, d->lo, d->lo, d->lo, d->lo, d->lo, d->lo};
  const tfl_v8f vhi = {d->hi, d->hi, d->hi, d->hi, d->hi, d->hi, d->hi, d->hi};
  const int C16 = mult == 1 ? C - C % 16 : 0;
  for (int r = row0; r < row1; r++) {
      int n = r / d->oh, oy = r % d->oh;
      int iy0 = oy * d->sh - d->pad_t;
      int fy0 = 0, fy1 = d->kh;
      while (fy0 < d->kh && iy0 + fy0 * d->dh < 0) fy0++;
      while (fy1 > fy0 && iy0 + (fy1 - 1) * d->dh >= d->h) fy1--;
      for (int ox = 0; ox < d->ow; ox++) {
        float *o = out + (((size_t)n * d->oh + oy) * d->ow + ox) * C;
        int ix0 = ox * d->sw - d->pad_l;
        int fx0 = 0, fx1 = d->kw;
        while (fx0 < d->kw && ix0 + fx0 * d->dw < 0) fx0++;
        while (fx1 > fx0 && ix0 + (fx1 - 1) * d->dw >= d->w) fx1--;
        const float *ibase = in + ((size_t)n * d->h * d->w) * d->cin;
        for (int c = 0; c < C16; c += 16) {
          tfl_v8f a0 = {0}, a1 = {0};
          for (int fy = fy0; fy < fy1; fy++) {
            const float *irow = ibase + ((size_t)(iy0 + fy * d->dh) * d->w) * C + c;
            const float *wrow = w + (size_t)fy * d->kw * C + c;
            for (int fx = fx0; fx < fx1; fx++) {
              const float *ip = irow + (size_t)(ix0 + fx * d->dw) * C;
              const float *wp = wrow + (size_t)fx * C;
              tfl_v8f x0, x1, w0, w1;
              TFL_LD8(x0, ip);
              TFL_LD8(x1, ip + 8);
              TFL_LD8(w0, wp);
              TFL_LD8(w1, wp + 8);
              a0 += x0 * w0;
              a1 += x1 * w1;
            }
          }
          tfl_v8f b0 = {0}, b1 = {0};
          if (bias) {
            TFL_LD8(b0, bias + c);
            TFL_LD8(b1, bias + c + 8);
          }
          a0 += b0;
          a1 += b1;
          a0 = TFL_VSEL(a0 < vlo, vlo, a0);
          a1 = TFL_VSEL(a1 < vlo, vlo, a1);
          a0 = TFL_VSEL(a0 > vhi, vhi, a0);
          a1 = TFL_VSEL(a1 > vhi, vhi, a1);
          TFL_ST8(o + c, a0);
          TFL_ST8(o + c + 8, a1);
        }
        for (int c = C16; c < C; c++) {
          float acc = 0.0f;
          const float *ic = ibase + c / mult;
          for (int fy = fy0; fy < fy1; fy++)
            for (int fx = fx0; fx < fx1; fx++)
              acc += ic[((size_t)(iy0 + fy * d->dh) * d->w + (ix0 + fx * d->dw)) * d->cin] *
                     w[((size_t)fy * d->kw + fx) * C + c];
          float v = acc + (bias ? bias[c] : 0.0f);
          v = v < d->lo ? d->lo : v;
          o[c] = v > d->hi ? d->hi : v;
        }
      }
    }
}

/* 3x3, dilation 1, multiplier 1: per 8-channel tile the nine weight vectors stay in registers while the output row
 * is swept; border pixels take the generic path. */
TFL_INLINE void dw3x3_body(const DwData *d, const float *restrict in, const float *restrict w, const float *restrict bias,
                           float *restrict out, int row0, int row1) {
  const int C = d->cout, H = d->h, W = d->w, sw = d->sw;
  const tfl_v8f vlo = {d->lo, d->lo, d->lo, d->lo, d->lo, d->lo, d->lo, d->lo};
  const tfl_v8f vhi = {d->hi, d->hi, d->hi, d->hi, d->hi, d->hi, d->hi, d->hi};
  const int C8 = C - C % 8;
  /* interior output columns: ix0 >= 0 and ix0 + 2 < W */
  int ox_lo = (int)(((int64_t)d->pad_l + sw - 1) / sw), ox_hi = d->ow; /* 64-bit: strides come from the file */
  while (ox_hi > ox_lo && (int64_t)(ox_hi - 1) * sw - d->pad_l + 2 >= W) ox_hi--;
  for (int r = row0; r < row1; r++) {
      int n = r / d->oh, oy = r % d->oh;
      int iy0 = oy * d->sh - d->pad_t;
      float *orow = out + ((size_t)n * d->oh + oy) * d->ow * C;
      const float *ib = in + (size_t)n * H * W * C;
      int rows_ok = iy0 >= 0 && iy0 + 2 < H;
      for (int c = 0; c < C8; c += 8) {
        tfl_v8f w0, w1, w2, w3, w4, w5, w6, w7, w8, b = {0};
        TFL_LD8(w0, w + 0 * C + c); TFL_LD8(w1, w + 1 * C + c); TFL_LD8(w2, w + 2 * C + c);
        TFL_LD8(w3, w + 3 * C + c); TFL_LD8(w4, w + 4 * C + c); TFL_LD8(w5, w + 5 * C + c);
        TFL_LD8(w6, w + 6 * C + c); TFL_LD8(w7, w + 7 * C + c); TFL_LD8(w8, w + 8 * C + c);
        if (bias) TFL_LD8(b, bias + c);
        int lo = rows_ok ? ox_lo : d->ow, hi = rows_ok ? ox_hi : d->ow;
        const float *top = ib + (rows_ok ? (size_t)iy0 * W * C : 0) + c; /* input row iy0 (when inside) */
        for (int ox = 0; ox < d->ow; ox++) {
          int ix0 = ox * sw - d->pad_l;
          tfl_v8f acc = {0};
          if (ox >= lo && ox < hi) {
            const float *r0 = top + (size_t)ix0 * C, *r1 = r0 + (size_t)W * C, *r2 = r1 + (size_t)W * C;
            tfl_v8f x;
            TFL_LD8(x, r0); acc += x * w0; TFL_LD8(x, r0 + C); acc += x * w1; TFL_LD8(x, r0 + 2 * C); acc += x * w2;
            TFL_LD8(x, r1); acc += x * w3; TFL_LD8(x, r1 + C); acc += x * w4; TFL_LD8(x, r1 + 2 * C); acc += x * w5;
            TFL_LD8(x, r2); acc += x * w6; TFL_LD8(x, r2 + C); acc += x * w7; TFL_LD8(x, r2 + 2 * C); acc += x * w8;
          } else {
            for (int fy = 0; fy < 3; fy++) {
              int iy = iy0 + fy;
              if (iy < 0 || iy >= H) continue;
              for (int fx = 0; fx < 3; fx++) {
                int ix = ix0 + fx;
                if (ix < 0 || ix >= W) continue;
                tfl_v8f x, wv;
                TFL_LD8(x, ib + ((size_t)iy * W + ix) * C + c);
                TFL_LD8(wv, w + (size_t)(fy * 3 + fx) * C + c);
                acc += x * wv;
              }
            }
          }
          acc += b;
          acc = TFL_VSEL(acc < vlo, vlo, acc);
          acc = TFL_VSEL(acc > vhi, vhi, acc);
          TFL_ST8(orow + (size_t)ox * C + c, acc);
        }
      }
      for (int c = C8; c < C; c++)
        for (int ox = 0; ox < d->ow; ox++) {
          int ix0 = ox * sw - d->pad_l;
          float acc = 0.0f;
          for (int fy = 0; fy < 3; fy++) {
            int iy = iy0 + fy;
            if (iy < 0 || iy >= H) continue;
            for (int fx = 0; fx < 3; fx++) {
              int ix = ix0 + fx;
              if (ix < 0 || ix >= W) continue;
              acc += ib[((size_t)iy * W + ix) * C + c] * w[(size_t)(fy * 3 + fx) * C + c];
            }
          }
          float v = acc + (bias ? bias[c] : 0.0f);
          v = v < d->lo ? d->lo : v;
          orow[(size_t)ox * C + c] = v > d->hi ? d->hi : v;
        }
    }
}

static int dw_is_3x3(const DwData *d) { return d->kh == 3 && d->kw == 3 && d->dh == 1 && d->dw == 1 && d->mult == 1; }

/* Baseline-ISA depthwise: fixed 16-channel blocks in plain C loops, which gcc keeps in four SSE registers. */
static void dw_default(const DwData *d, const float *restrict in, const float *restrict w, const float *restrict bias,
                       float *restrict out, int row0, int row1) {
  if (d->mult != 1) {
    dw_body(d, in, w, bias, out, row0, row1);
    return;
  }
  const int C = d->cout, C16 = C - C % 16;
  for (int r = row0; r < row1; r++) {
      int n = r / d->oh, oy = r % d->oh;
      int iy0 = oy * d->sh - d->pad_t;
      for (int ox = 0; ox < d->ow; ox++) {
        float *o = out + (((size_t)n * d->oh + oy) * d->ow + ox) * C;
        int ix0 = ox * d->sw - d->pad_l;
        for (int c0 = 0; c0 < C; c0 += 16) {
          int cb = c0 < C16 ? 16 : C - c0;
          float acc[16] = {0};
          for (int fy = 0; fy < d->kh; fy++) {
            int iy = iy0 + fy * d->dh;
            if (iy < 0 || iy >= d->h) continue;
            for (int fx = 0; fx < d->kw; fx++) {
              int ix = ix0 + fx * d->dw;
              if (ix < 0 || ix >= d->w) continue;
              const float *ip = in + (((size_t)n * d->h + iy) * d->w + ix) * C + c0;
              const float *wp = w + ((size_t)fy * d->kw + fx) * C + c0;
              if (cb == 16)
                for (int j = 0; j < 16; j++) acc[j] += ip[j] * wp[j];
              else
                for (int j = 0; j < cb; j++) acc[j] += ip[j] * wp[j];
            }
          }
          for (int j = 0; j < cb; j++) {
            float v = acc[j] + (bias ? bias[c0 + j] : 0.0f);
            v = v < d->lo ? d->lo : v;
            o[c0 + j] = v > d->hi ? d->hi : v;
          }
        }
      }
    }
}
#if TFL_X86_CLONES
#include <immintrin.h>

TFL_TARGET_AVX2 static void dw_avx2(const DwData *d, const float *in, const float *w, const float *bias, float *out, int r0,
                                    int r1) {
  if (dw_is_3x3(d))
    dw3x3_body(d, in, w, bias, out, r0, r1);
  else
    dw_body(d, in, w, bias, out, r0, r1);
}

/* AVX-512 depthwise, multiplier 1: 16-channel zmm tiles (the last one masked) swept along each output row, the 3x3
 * weights held in registers. Every output still sees acc = 0, acc += x * w over the valid taps in (fy, fx) order,
 * + bias, clamp: exact mode a separate multiply and add, fast mode an FMA. */
#define ZDW_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), always_inline)) static inline
ZDW_T __m512 zdw_mac(__m512 acc, __m512 x, __m512 w, const int fma) {
  return fma ? _mm512_fmadd_ps(x, w, acc) : _mm512_add_ps(acc, _mm512_mul_ps(x, w));
}
/* Four outputs of a 3x3 window (dilation 1) whose three columns are inside the image, over nfy window rows from r0
 * (the valid ones: all three inside the image, fewer in its top and bottom rows) with their weights w in one pass:
 * four independent accumulation chains in flight instead of one chain per output, and with stride 1 the six input
 * vectors of a window row are loaded once for all four outputs. Each output still sums its taps in (fy, fx) order
 * from 0. */
ZDW_T void zdw_quad(const float *r0, size_t rs, int sw, int C, __mmask16 m, const __m512 *w, __m512 *acc, int nfy,
                    const int fma) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int fy = 0; fy < nfy; fy++) {
    const float *rp = r0 + (size_t)fy * rs;
    const __m512 wa = w[3 * fy], wb = w[3 * fy + 1], wc = w[3 * fy + 2];
    if (sw == 1) {
      const __m512 x0 = _mm512_maskz_loadu_ps(m, rp), x1 = _mm512_maskz_loadu_ps(m, rp + C);
      const __m512 x2 = _mm512_maskz_loadu_ps(m, rp + 2 * C), x3 = _mm512_maskz_loadu_ps(m, rp + 3 * C);
      const __m512 x4 = _mm512_maskz_loadu_ps(m, rp + 4 * C), x5 = _mm512_maskz_loadu_ps(m, rp + 5 * C);
      a0 = zdw_mac(a0, x0, wa, fma); a1 = zdw_mac(a1, x1, wa, fma);
      a2 = zdw_mac(a2, x2, wa, fma); a3 = zdw_mac(a3, x3, wa, fma);
      a0 = zdw_mac(a0, x1, wb, fma); a1 = zdw_mac(a1, x2, wb, fma);
      a2 = zdw_mac(a2, x3, wb, fma); a3 = zdw_mac(a3, x4, wb, fma);
      a0 = zdw_mac(a0, x2, wc, fma); a1 = zdw_mac(a1, x3, wc, fma);
      a2 = zdw_mac(a2, x4, wc, fma); a3 = zdw_mac(a3, x5, wc, fma);
    } else {
      const size_t ps = (size_t)sw * C;
      const float *p0 = rp, *p1 = rp + ps, *p2 = rp + 2 * ps, *p3 = rp + 3 * ps;
      a0 = zdw_mac(a0, _mm512_maskz_loadu_ps(m, p0), wa, fma); a1 = zdw_mac(a1, _mm512_maskz_loadu_ps(m, p1), wa, fma);
      a2 = zdw_mac(a2, _mm512_maskz_loadu_ps(m, p2), wa, fma); a3 = zdw_mac(a3, _mm512_maskz_loadu_ps(m, p3), wa, fma);
      a0 = zdw_mac(a0, _mm512_maskz_loadu_ps(m, p0 + C), wb, fma);
      a1 = zdw_mac(a1, _mm512_maskz_loadu_ps(m, p1 + C), wb, fma);
      a2 = zdw_mac(a2, _mm512_maskz_loadu_ps(m, p2 + C), wb, fma);
      a3 = zdw_mac(a3, _mm512_maskz_loadu_ps(m, p3 + C), wb, fma);
      a0 = zdw_mac(a0, _mm512_maskz_loadu_ps(m, p0 + 2 * C), wc, fma);
      a1 = zdw_mac(a1, _mm512_maskz_loadu_ps(m, p1 + 2 * C), wc, fma);
      a2 = zdw_mac(a2, _mm512_maskz_loadu_ps(m, p2 + 2 * C), wc, fma);
      a3 = zdw_mac(a3, _mm512_maskz_loadu_ps(m, p3 + 2 * C), wc, fma);
    }
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}
ZDW_T __m512 zdw_finish(__m512 acc, __m512 b, __m512 vlo, __m512 vhi) {
  acc = _mm512_add_ps(acc, b);
  acc = _mm512_mask_mov_ps(acc, _mm512_cmp_ps_mask(acc, vlo, _CMP_LT_OQ), vlo);
  return _mm512_mask_mov_ps(acc, _mm512_cmp_ps_mask(acc, vhi, _CMP_GT_OQ), vhi);
}
/* Rows [row0, row1) over channels [c0, c1). The loops run pixel groups outermost and 16-channel blocks inside them:
 * every input and output vector is then read or written next to the previous one along the channels, where sweeping
 * one block along a row read pixels a row stride apart (on Intel's AVX-512 cores 1.2-1.4x slower on MobileNetV2's
 * 14x14 to 112x112 maps). */
ZDW_T void zdw_body(const DwData *d, const float *restrict in, const float *restrict w, const float *restrict bias,
                    float *restrict out, int row0, int row1, int c0, int c1, const int fma) {
  const int C = d->cout, H = d->h, W = d->w, KW = d->kw, KH = d->kh, OW = d->ow, OH = d->oh;
  const int sw = d->sw, sh = d->sh, dwx = d->dw, dhy = d->dh, pad_t = d->pad_t, pad_l = d->pad_l;
  const __m512 vlo = _mm512_set1_ps(d->lo), vhi = _mm512_set1_ps(d->hi);
  const int is3 = KH == 3 && KW == 3 && dhy == 1 && dwx == 1;
  /* interior output columns (3x3): ix0 >= 0 and ix0 + 2 < W */
  int ox_lo = (int)(((int64_t)pad_l + sw - 1) / sw), ox_hi = OW; /* 64-bit: strides come from the file */
  while (ox_hi > ox_lo && (int64_t)(ox_hi - 1) * sw - pad_l + 2 >= W) ox_hi--;
  /* interior output columns of any window (every tap inside): the generic path's four-pixel blocks */
  int gx_hi = OW;
  while (gx_hi > ox_lo && (int64_t)(gx_hi - 1) * sw - pad_l + (int64_t)(KW - 1) * dwx >= W) gx_hi--;
  /* the lanes and bias of the 16-channel block at c */
#define ZDW_BLOCK                                                                                                     \
  const __mmask16 m = c1 - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (c1 - c)) - 1);                            \
  const __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + c) : _mm512_setzero_ps();
#define ZDW_LD(p) _mm512_maskz_loadu_ps(m, (p))
  for (int r = row0; r < row1; r++) {
    int n = r / OH, oy = r % OH;
    int iy0 = oy * sh - pad_t;
    int fy0 = 0, fy1 = KH;
    while (fy0 < KH && iy0 + fy0 * dhy < 0) fy0++;
    while (fy1 > fy0 && iy0 + (fy1 - 1) * dhy >= H) fy1--;
    const float *ib = in + (size_t)n * H * W * C;
    float *orow = out + ((size_t)n * OH + oy) * OW * C;
    const int rows_ok = is3 && iy0 >= 0 && iy0 + 2 < H, nfy = fy1 - fy0;
    /* 3x3 outputs whose window columns are inside: in groups of four over the valid window rows (all three, or
     * two at the top and bottom of the map), a single one with all nine taps unrolled */
    const int lo = is3 && nfy > 0 ? ox_lo : OW, hi = is3 && nfy > 0 ? ox_hi : OW;
    for (int ox = 0; ox < OW; ox++) {
      const int ix0 = ox * sw - pad_l;
      float *op = orow + (size_t)ox * C;
      if (ox >= lo && ox + 4 <= hi) { /* four pixels of a 3x3 window, their columns inside */
        const float *ra = ib + ((size_t)(iy0 + fy0) * W + ix0) * C, *wa = w + (size_t)(3 * fy0) * C;
        /* the row count a constant in each loop, so the weights and accumulators stay in registers */
#define ZDW_QUADS(NFY)                                                                                                \
  for (int c = c0; c < c1; c += 16) {                                                                                 \
    ZDW_BLOCK                                                                                                         \
    __m512 wv[9], q[4];                                                                                               \
    for (int t = 0; t < 3 * (NFY); t++) wv[t] = ZDW_LD(wa + (size_t)t * C + c);                                      \
    zdw_quad(ra + c, (size_t)W * C, sw, C, m, wv, q, (NFY), fma);                                                     \
    for (int k = 0; k < 4; k++) _mm512_mask_storeu_ps(op + (size_t)k * C + c, m, zdw_finish(q[k], b, vlo, vhi));     \
  }
        if (nfy == 3) {
          ZDW_QUADS(3)
        } else if (nfy == 2) {
          ZDW_QUADS(2)
        } else {
          ZDW_QUADS(1)
        }
#undef ZDW_QUADS
        ox += 3;
        continue;
      }
      if (rows_ok && ox >= lo && ox < hi) {
        const float *r0 = ib + ((size_t)iy0 * W + ix0) * C, *r1 = r0 + (size_t)W * C, *r2 = r1 + (size_t)W * C;
        for (int c = c0; c < c1; c += 16) { /* one interior pixel of a 3x3 window */
          ZDW_BLOCK
          const float *wc = w + c;
          __m512 acc = _mm512_setzero_ps();
          acc = zdw_mac(acc, ZDW_LD(r0 + c), ZDW_LD(wc), fma);
          acc = zdw_mac(acc, ZDW_LD(r0 + C + c), ZDW_LD(wc + C), fma);
          acc = zdw_mac(acc, ZDW_LD(r0 + 2 * C + c), ZDW_LD(wc + 2 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r1 + c), ZDW_LD(wc + 3 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r1 + C + c), ZDW_LD(wc + 4 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r1 + 2 * C + c), ZDW_LD(wc + 5 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r2 + c), ZDW_LD(wc + 6 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r2 + C + c), ZDW_LD(wc + 7 * C), fma);
          acc = zdw_mac(acc, ZDW_LD(r2 + 2 * C + c), ZDW_LD(wc + 8 * C), fma);
          _mm512_mask_storeu_ps(op + c, m, zdw_finish(acc, b, vlo, vhi));
        }
        continue;
      }
      if (fy0 == 0 && fy1 == KH && ox >= ox_lo && ox + 4 <= gx_hi) {
        /* four interior pixels of any window (EfficientNet's 5x5): four accumulation chains instead of one
         * KH*KW-deep chain, each weight vector loaded once for the four; each output's taps still in order */
        const size_t ps = (size_t)sw * C;
        for (int c = c0; c < c1; c += 16) {
          ZDW_BLOCK
          __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
          for (int fy = 0; fy < KH; fy++) {
            const float *irow = ib + ((size_t)(iy0 + fy * dhy) * W + ix0) * C + c;
            const float *wrow = w + (size_t)fy * KW * C + c;
            for (int fx = 0; fx < KW; fx++) {
              const __m512 wt = ZDW_LD(wrow + (size_t)fx * C);
              const float *ip = irow + (size_t)fx * dwx * C;
              a0 = zdw_mac(a0, ZDW_LD(ip), wt, fma);
              a1 = zdw_mac(a1, ZDW_LD(ip + ps), wt, fma);
              a2 = zdw_mac(a2, ZDW_LD(ip + 2 * ps), wt, fma);
              a3 = zdw_mac(a3, ZDW_LD(ip + 3 * ps), wt, fma);
            }
          }
          _mm512_mask_storeu_ps(op + c, m, zdw_finish(a0, b, vlo, vhi));
          _mm512_mask_storeu_ps(op + C + c, m, zdw_finish(a1, b, vlo, vhi));
          _mm512_mask_storeu_ps(op + 2 * (size_t)C + c, m, zdw_finish(a2, b, vlo, vhi));
          _mm512_mask_storeu_ps(op + 3 * (size_t)C + c, m, zdw_finish(a3, b, vlo, vhi));
        }
        ox += 3;
        continue;
      }
      /* one pixel at an edge (or of a window that is not 3x3): its valid taps in order */
      int fx0 = 0, fx1 = KW;
      while (fx0 < KW && ix0 + fx0 * dwx < 0) fx0++;
      while (fx1 > fx0 && ix0 + (fx1 - 1) * dwx >= W) fx1--;
      if (is3) {
        /* 3x3: the valid taps listed once for the pixel in (fy, fx) order (pointers formed only to valid taps: ix0
         * itself is -1 at a left edge), then every channel block runs them unrolled for the usual counts (6 at an
         * edge, 4 at a corner) with no per-block index work */
        const float *tp[9], *tw[9];
        int nt = 0;
        for (int fy = fy0; fy < fy1; fy++)
          for (int fx = fx0; fx < fx1; fx++, nt++) {
            tp[nt] = ib + ((size_t)(iy0 + fy) * W + (size_t)(ix0 + fx)) * C;
            tw[nt] = w + (size_t)(3 * fy + fx) * C;
          }
#define ZDW_TAP(t) acc = zdw_mac(acc, ZDW_LD(tp[t] + c), ZDW_LD(tw[t] + c), fma)
        if (nt == 6) {
          for (int c = c0; c < c1; c += 16) {
            ZDW_BLOCK
            __m512 acc = _mm512_setzero_ps();
            ZDW_TAP(0); ZDW_TAP(1); ZDW_TAP(2); ZDW_TAP(3); ZDW_TAP(4); ZDW_TAP(5);
            _mm512_mask_storeu_ps(op + c, m, zdw_finish(acc, b, vlo, vhi));
          }
        } else if (nt == 4) {
          for (int c = c0; c < c1; c += 16) {
            ZDW_BLOCK
            __m512 acc = _mm512_setzero_ps();
            ZDW_TAP(0); ZDW_TAP(1); ZDW_TAP(2); ZDW_TAP(3);
            _mm512_mask_storeu_ps(op + c, m, zdw_finish(acc, b, vlo, vhi));
          }
        } else {
          for (int c = c0; c < c1; c += 16) {
            ZDW_BLOCK
            __m512 acc = _mm512_setzero_ps();
            for (int t = 0; t < nt; t++) ZDW_TAP(t);
            _mm512_mask_storeu_ps(op + c, m, zdw_finish(acc, b, vlo, vhi));
          }
        }
#undef ZDW_TAP
        continue;
      }
      for (int c = c0; c < c1; c += 16) {
        ZDW_BLOCK
        __m512 acc = _mm512_setzero_ps();
        for (int fy = fy0; fy < fy1; fy++) {
          const float *irow = ib + (size_t)(iy0 + fy * dhy) * W * C + c;
          const float *wrow = w + (size_t)fy * KW * C + c;
          for (int fx = fx0; fx < fx1; fx++)
            acc = zdw_mac(acc, ZDW_LD(irow + (size_t)(ix0 + fx * dwx) * C), ZDW_LD(wrow + (size_t)fx * C), fma);
        }
        _mm512_mask_storeu_ps(op + c, m, zdw_finish(acc, b, vlo, vhi));
      }
    }
  }
#undef ZDW_BLOCK
#undef ZDW_LD
}
TFL_TARGET_AVX512 static void dw_avx512(const DwData *d, const float *in, const float *w, const float *bias, float *out,
                                        int r0, int r1) {
  if (d->mult == 1)
    zdw_body(d, in, w, bias, out, r0, r1, 0, d->cout, 0);
  else
    dw_body(d, in, w, bias, out, r0, r1);
}
TFL_TARGET_AVX512 static void dw_avx512_fma(const DwData *d, const float *in, const float *w, const float *bias,
                                            float *out, int r0, int r1) {
  if (d->mult == 1)
    zdw_body(d, in, w, bias, out, r0, r1, 0, d->cout, 1);
  else
    dw_body(d, in, w, bias, out, r0, r1);
}
TFL_TARGET_AVX512 static void dw_avx512_ch(const DwData *d, const float *in, const float *w, const float *bias,
                                           float *out, int r0, int r1, int c0, int c1) {
  zdw_body(d, in, w, bias, out, r0, r1, c0, c1, 0);
}
TFL_TARGET_AVX512 static void dw_avx512_fma_ch(const DwData *d, const float *in, const float *w, const float *bias,
                                               float *out, int r0, int r1, int c0, int c1) {
  zdw_body(d, in, w, bias, out, r0, r1, c0, c1, 1);
}
#endif

static DwChFn dw_channel_kernel(int fast, int mult) {
#if TFL_X86_CLONES
  if (tfl_isa() >= TFL_ISA_AVX512 && mult == 1) return fast ? dw_avx512_fma_ch : dw_avx512_ch;
#endif
  (void)fast;
  (void)mult;
  return NULL;
}

/* The depthwise kernel for the ISA level in effect at prepare. */
static DwFn dw_kernel(int fast) {
#if TFL_X86_CLONES
  const TflIsa isa = tfl_isa();
  if (isa >= TFL_ISA_AVX512) return fast ? dw_avx512_fma : dw_avx512;
  if (isa >= TFL_ISA_AVX2) return dw_avx2;
#endif
  (void)fast;
  return dw_default;
}

/* Tasks are blocks of output rows (over batch x height), or (cgroups > 0) groups of 16-channel blocks over all rows. */
typedef struct {
  const DwData *d;
  const float *in, *w, *bias;
  float *out;
  int rows, ntasks, cgroups;
  DwFn fn;
} DwJob;

static void dw_task(void *arg, int task, int thread) {
  const DwJob *j = arg;
  (void)thread;
  if (j->cgroups) {
    const int blocks = (j->d->cout + 15) / 16;
    const int c0 = (int)((int64_t)task * blocks / j->cgroups) * 16;
    const int c1 = (int)((int64_t)(task + 1) * blocks / j->cgroups) * 16;
    j->d->cfn(j->d, j->in, j->w, j->bias, j->out, 0, j->rows, c0, c1 < j->d->cout ? c1 : j->d->cout);
    return;
  }
  int r0 = (int)((int64_t)task * j->rows / j->ntasks), r1 = (int)((int64_t)(task + 1) * j->rows / j->ntasks);
  j->fn(j->d, j->in, j->w, j->bias, j->out, r0, r1);
}

/* How many tasks to cut `rows` output rows of `row_work` operations each into (task t gets rows
 * [t * rows / n, (t + 1) * rows / n)). */
static int row_tasks(TflContext *ctx, int rows, double row_work) {
  int nt = tfl_num_threads(ctx), want = 4 * nt;
  double maxt = rows * row_work / TFL_MIN_TASK_MACS;
  if (maxt < want) want = (int)maxt;
  if (want > nt) want -= want % nt; /* few tasks: a multiple of the threads keeps them evenly loaded */
  if (want > rows) want = rows;
  if (nt <= 1 || want < 1) return rows > 0 ? 1 : 0;
  if (nt <= 4 && want >= nt) {
    /* the task count, up to the rows, whose uneven row counts share out best over the threads as tfl_parallel_for
     * hands them out (14 rows in 8 tasks of 1-2 rows gave one of 2 threads 8 rows): fewest rows on the busiest */
    int best = want;
    double best_most = 1e300;
    for (int n = nt; n <= want; n++) {
      double cost[16];
      for (int t = 0; t < n; t++) cost[t] = (double)((int64_t)(t + 1) * rows / n - (int64_t)t * rows / n);
      const double most = tfl_share_makespan(cost, n, nt);
      if (most <= best_most) { /* ties: more tasks, for claiming around a slow core */
        best_most = most;
        best = n;
      }
    }
    return best;
  }
  return want;
}

static TflStatus dw_eval(TflContext *ctx, TflNode *node) {
  const DwData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const float *bias = b ? (const float *)b->data : NULL;
  DwJob j = {d, in->data, f->data, bias, out->data, d->n * d->oh, 1, 0, d->fn};
  if (j.rows <= 0) return TFL_OK;
  /* a depthwise MAC costs about 4 GEMM MACs in time (memory-bound, no reuse of the input across channels): weighted
   * so that small maps (MobileNetV2's 7x7x960) are still split across threads */
  j.ntasks = row_tasks(ctx, j.rows, 4.0 * d->ow * d->cout * d->kh * d->kw);
  const int nt = tfl_num_threads(ctx), blocks = (d->cout + 15) / 16;
  if (d->cfn && j.ntasks >= nt && nt > 1 && (int64_t)j.rows * d->ow <= 28 * 28 && blocks % nt == 0) {
    /* small maps: one even share per thread (more row tasks of a 7x7 or 14x14 map each redid the row setup and
     * re-read the input rows next to their own). By rows when they divide evenly: a thread then reads the rows it
     * wrote in the 1x1 convolution before (row splits) and writes those the next one reads, where a channel split
     * read half of each from the other core's cache (14x14x576: 34 -> 29 us, 28x28x192: 37 -> 31 us at 2 threads);
     * by channel blocks otherwise (7x7) */
    j.ntasks = nt;
    if (j.rows % nt) j.cgroups = nt;
  }
  tfl_parallel_for(ctx, j.ntasks, dw_task, &j);
  return TFL_OK;
}

/* ----------------------------------------------------------------------------------------- TRANSPOSE_CONV */

typedef struct {
  int n, h, w, cin, oh, ow, cout, kh, kw, sh, sw, pad_t, pad_l;
  int block;      /* input pixels per GEMM block */
  float lo, hi;
  float *packed;  /* [(fy,fx,oc)] x cin, owned */
  int dynamic_weights;
  TflGemmFn gemm;
} TConvData;

static void tconv_free(void *p) {
  TConvData *d = p;
  if (!d) return;
  free(d->packed);
  free(d);
}

/* weights [cout,kh,kw,cin] -> rows (fy,fx,oc) of cin, packed for the GEMM */
static void tconv_pack(const TConvData *d, const float *w, float *tmp, float *packed) {
  int N = d->kh * d->kw * d->cout;
  for (int oc = 0; oc < d->cout; oc++)
    for (int t = 0; t < d->kh * d->kw; t++)
      memcpy(tmp + ((size_t)t * d->cout + oc) * d->cin, w + ((size_t)oc * d->kh * d->kw + t) * d->cin,
             (size_t)d->cin * sizeof(float));
  tfl_gemm_pack_nk(tmp, N, d->cin, packed);
}

static TflStatus tconv_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *os = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2);
  TflTensor *b = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  if (!os || !f || !in || !out) return tfl_error(ctx, "TRANSPOSE_CONV: missing operands");
  if (tfl_is_f32(in) && !tfl_is_f32(out)) return tfl_error(ctx, "TRANSPOSE_CONV: output must be float32");
  if (!tfl_is_f32(in) || !tfl_is_f32(f)) return TFL_NOT_MINE;
  if (in->rank != 4 || f->rank != 4) return tfl_error(ctx, "TRANSPOSE_CONV: input and filter must be 4-D");
  if (f->dims[3] != in->dims[3]) return tfl_error(ctx, "TRANSPOSE_CONV: filter depth %d != input channels %d", f->dims[3], in->dims[3]);
  if (b && (!tfl_is_f32(b) || tfl_num_elements(b) != f->dims[0])) return tfl_error(ctx, "TRANSPOSE_CONV: bad bias");
  int64_t shp[8];
  if (!tfl_value_known(os) || tfl_read_ints(os, shp, 8) != 4)
    return tfl_error(ctx, "TRANSPOSE_CONV: output_shape must be a constant int32[4]");
  if (shp[0] != in->dims[0] || shp[3] != f->dims[0] || shp[1] <= 0 || shp[2] <= 0 || shp[1] > INT32_MAX ||
      shp[2] > INT32_MAX)
    return tfl_error(ctx, "TRANSPOSE_CONV: output_shape inconsistent with input/filter");
  const TflTransposeConvOptions o = tfl_TransposeConvOptions(node);
  int padding = o.padding, sw = o.stride_w, sh = o.stride_h, act = o.fused_activation_function;
  if (sw < 1 || sh < 1) return tfl_error(ctx, "TRANSPOSE_CONV: strides must be >= 1");
  if (act >= TFL_ACT_TANH) return tfl_error(ctx, "TRANSPOSE_CONV: unsupported fused activation %d", act);
  if ((int64_t)f->dims[0] * f->dims[1] * f->dims[2] > INT32_MAX / 64 || (int64_t)f->dims[3] > INT32_MAX / 64)
    return tfl_error(ctx, "TRANSPOSE_CONV: filter too large");
  if ((int64_t)in->dims[0] * in->dims[1] * in->dims[2] > INT32_MAX) return tfl_error(ctx, "TRANSPOSE_CONV: input too large");
  TConvData *d = tfl_set_user_data(node, sizeof(TConvData));
  node->free_user_data = tconv_free;
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->cin = in->dims[3];
  d->cout = f->dims[0]; d->kh = f->dims[1]; d->kw = f->dims[2]; d->sh = sh; d->sw = sw;
  d->oh = (int)shp[1]; d->ow = (int)shp[2];
  d->gemm = tfl_gemm_kernel(tfl_fast_float(ctx));
  int uh = tfl_conv_out_size(padding, d->oh, d->kh, sh, 1), uw = tfl_conv_out_size(padding, d->ow, d->kw, sw, 1);
  d->pad_t = tfl_conv_pad(d->oh, uh, d->kh, sh, 1);
  d->pad_l = tfl_conv_pad(d->ow, uw, d->kw, sw, 1);
  if (!tfl_window_fits(d->h, d->kh, sh, 1) || !tfl_window_fits(d->w, d->kw, sw, 1) || !tfl_window_fits(uh, d->kh, sh, 1) ||
      !tfl_window_fits(uw, d->kw, sw, 1))
    return tfl_error(ctx, "TRANSPOSE_CONV: stride too large for the output");
  tfl_activation_range_f32(act, &d->lo, &d->hi);
  int32_t od[4] = {d->n, d->oh, d->ow, d->cout};
  if (tfl_resize(ctx, out, 4, od) != TFL_OK) return TFL_ERROR;
  int N = d->kh * d->kw * d->cout;
  size_t pk = tfl_gemm_packed_floats(N, d->cin);
  long blk = (256 * 1024) / ((long)(N > 0 ? N : 1) * 4);
  if (blk < TFL_GEMM_MR) blk = TFL_GEMM_MR;
  d->block = (int)blk;
  size_t wt = (size_t)N * d->cin;
  d->packed = malloc(pk * sizeof(float));
  if (!d->packed) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory");
  d->dynamic_weights = !tfl_value_known(f);
  if (!d->dynamic_weights) {
    float *tmp = malloc(wt * sizeof(float) + 1);
    if (!tmp) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory");
    tconv_pack(d, f->data, tmp, d->packed);
    free(tmp);
  }
  return TFL_OK;
}

static TflStatus tconv_eval(TflContext *ctx, TflNode *node) {
  TConvData *d = node->user_data;
  TflTensor *f = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2), *b = tfl_input(ctx, node, 3);
  TflTensor *out = tfl_output(ctx, node, 0);
  int N = d->kh * d->kw * d->cout;
  size_t colf = (size_t)d->block * N, wt = (size_t)N * d->cin;
  float *col = tfl_eval_scratch(ctx, (colf + (d->dynamic_weights ? wt : 0) + 1) * sizeof(float));
  if (!col) return tfl_error(ctx, "TRANSPOSE_CONV: out of memory for scratch");
  if (d->dynamic_weights) tconv_pack(d, f->data, col + colf, d->packed);
  const float *x = in->data;
  float *o = out->data;
  size_t total = (size_t)d->n * d->oh * d->ow * d->cout;
  memset(o, 0, total * sizeof(float));
  long M = (long)d->n * d->h * d->w;
  for (long r0 = 0; r0 < M; r0 += d->block) {
    long r1 = r0 + d->block < M ? r0 + d->block : M;
    tfl_gemm_f32_mt_k(ctx, d->gemm, (int)(r1 - r0), N, d->cin, x + r0 * d->cin, d->cin, d->packed, NULL, -INFINITY, INFINITY, col, N);
    for (long r = r0; r < r1; r++) {
      long n = r / ((long)d->h * d->w), rem = r % ((long)d->h * d->w);
      int iy = (int)(rem / d->w), ix = (int)(rem % d->w);
      const float *cr = col + (r - r0) * N;
      for (int fy = 0; fy < d->kh; fy++) {
        int oy = iy * d->sh - d->pad_t + fy;
        if (oy < 0 || oy >= d->oh) continue;
        for (int fx = 0; fx < d->kw; fx++) {
          int ox = ix * d->sw - d->pad_l + fx;
          if (ox < 0 || ox >= d->ow) continue;
          float *restrict op = o + (((size_t)n * d->oh + oy) * d->ow + ox) * d->cout;
          const float *restrict cp = cr + ((size_t)fy * d->kw + fx) * d->cout;
          for (int c = 0; c < d->cout; c++) op[c] += cp[c];
        }
      }
    }
  }
  const float *bias = b ? (const float *)b->data : NULL;
  for (size_t i = 0; i < total; i += d->cout)
    for (int c = 0; c < d->cout; c++) {
      float v = o[i + c] + (bias ? bias[c] : 0.0f);
      v = v < d->lo ? d->lo : v;
      o[i + c] = v > d->hi ? d->hi : v;
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_conv_f32[] = {
    {TFL_OP_CONV_2D, "CONV_2D", 1, 8, conv_prepare, conv_eval},
    {TFL_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 1, 7, dw_prepare, dw_eval},
    {TFL_OP_TRANSPOSE_CONV, "TRANSPOSE_CONV", 1, 5, tconv_prepare, tconv_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
