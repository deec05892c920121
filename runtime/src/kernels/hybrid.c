/* Kernel family hybrid: dynamic-range FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D (float32 input and output,
 * int8 symmetric weights), following LiteRT's reference hybrid paths:
 *   - the float input is quantized to int8 per batch: symmetric (scale = max|x| / 127) or asymmetric (min/max
 *     widened to include 0, zero point nudged like the converter's);
 *   - FULLY_CONNECTED: out = bias + (float)(dot - offset * rowsum) * (input_scale * weight_scale[c]);
 *     asymmetric when asymmetric_quantize_inputs is set;
 *   - CONV_2D with distinct per-channel scales (or groups): asymmetric inputs, out = acc * w_s[c] * in_s + bias;
 *     otherwise symmetric inputs, out = acc * (in_s * w_s) + bias;
 *   - DEPTHWISE_CONV_2D: asymmetric inputs, out = acc * (w_s[c] * in_s) + bias;
 * then the fused activation clamp. Integer accumulation is exact, so results match LiteRT to float rounding. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixedpoint.h"
#include "../qgemm.h"
#include "../tflrt.h"
#include "par_range.h"

typedef struct {
  int asym;         /* asymmetric input quantization */
  int per_channel;  /* per-channel weight scales are used */
  int batch, depth; /* per-batch quantization blocks */
  int units;
  float lo, hi;
  /* conv geometry */
  int stride_w, stride_h, dil_w, dil_h, pad_w, pad_h, groups;
  int32_t *row_sums; /* FC with non-constant weights: per-unit weight sums */
  TflQGemm gemm;     /* constant weights (FC; conv with one group): the shared int8 GEMM driver, sums in gemm.wsum */
  int packed;
} HybQ;

static void hyb_free(void *p) {
  HybQ *d = (HybQ *)p;
  if (!d) return;
  free(d->row_sums);
  tfl_qgemm_release(&d->gemm);
  free(d);
}

static void act_range_f32(int act, float *lo, float *hi) {
  switch (act) {
    case TFL_ACT_RELU: *lo = 0.0f; *hi = FLT_MAX; break;
    case TFL_ACT_RELU6: *lo = 0.0f; *hi = 6.0f; break;
    case TFL_ACT_RELU_N1_TO_1: *lo = -1.0f; *hi = 1.0f; break;
    default: *lo = -FLT_MAX; *hi = FLT_MAX; break;
  }
}

static inline float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* LiteRT's x86 wheel quantizes hybrid inputs with tensor_utils' NEON versions (NEON_OR_PORTABLE through the
 * NEON_2_SSE translator), not the portable ones: NeonSymmetricQuantizeFloats / NeonAsymmetricQuantizeFloats. Their
 * arithmetic, which we follow exactly (pinned by the per-op hybrid tests and the whole-model tests):
 *   - elements [0, n & ~7) are rounded with RoundToNearest = truncate(v + (v < 0 ? -0.5f : 0.5f)) in float, the tail
 *     with std::round (they differ only at v = +-(0.5 - 2^-25));
 *   - asymmetric: rmax - rmin is a float subtraction, divided by 255 in double; the zero point comes from that double
 *     scale, the inverse scale is (float)(1.0 / (float)scale), and the zero point is added to the rounded integer
 *     (the portable version rounds zp + v * inv, which differs on halves). */
static inline int32_t neon_round(float v) { return tfl_sat_f2i((double)(v + (v < 0.0f ? -0.5f : 0.5f))); }

/* Parallel input quantization: min/max per range (NaNs skipped), folded in range order with the serial loop's
 * strict comparisons from the serial start value (x[0] or 0), which gives the serial result exactly (a NaN start
 * stays NaN, later NaNs are never picked, ties keep the earliest); then the rounding loop over ranges with global
 * indices (the bulk/tail split depends on them). */
typedef struct {
  const float *x;
  int8_t *q;
  int n;
  float inv;
  int32_t zp;
  int asym;
  float mn[256], mx[256]; /* per task: at most 4 x TFL_MAX_THREADS (interp.h) */
  int64_t step;
} QuantJob;

static void q_minmax_task(void *arg, int task, int thread) {
  QuantJob *j = arg;
  (void)thread;
  int64_t b = (int64_t)task * j->step, e = b + j->step < j->n ? b + j->step : j->n;
  float mn = INFINITY, mx = -INFINITY;
  for (int64_t i = b; i < e; ++i) {
    if (j->x[i] < mn) mn = j->x[i];
    if (j->x[i] > mx) mx = j->x[i];
  }
  j->mn[task] = mn;
  j->mx[task] = mx;
}

static void q_round_range(void *arg, int64_t b, int64_t e) {
  const QuantJob *j = arg;
  const int bulk = j->n & ~7;
  for (int64_t i = b; i < e; ++i) {
    const float v = j->x[i] * j->inv;
    if (j->asym) {
      const int64_t r = (int64_t)(i < bulk ? neon_round(v) : tfl_sat_f2i((double)roundf(v))) + j->zp;
      j->q[i] = (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
    } else {
      const int32_t r = i < bulk ? neon_round(v) : tfl_sat_f2i((double)roundf(v));
      j->q[i] = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
    }
  }
}

/* min/max of x[0, n) as the serial loops compute them, starting from start_mn / start_mx. */
static void q_minmax(TflContext *ctx, QuantJob *j, float *mn, float *mx) {
  if (j->n <= 0) return; /* an empty input: the starting values stand (and no task of 0 elements divides by 0) */
  int nt = ctx ? tfl_num_threads(ctx) : 1;
  int tasks = nt > 1 ? (int)(j->n / TFL_MIN_RANGE_WORK) : 1;
  if (tasks > 4 * nt) tasks = 4 * nt;
  if (tasks > 256) tasks = 256;
  if (tasks < 1) tasks = 1;
  j->step = ((int64_t)j->n + tasks - 1) / tasks;
  tasks = (int)(((int64_t)j->n + j->step - 1) / j->step);
  if (tasks > 1)
    tfl_parallel_for(ctx, tasks, q_minmax_task, j);
  else
    for (int t = 0; t < tasks; t++) q_minmax_task(j, t, 0);
  for (int t = 0; t < tasks; t++) {
    if (j->mn[t] < *mn) *mn = j->mn[t];
    if (j->mx[t] > *mx) *mx = j->mx[t];
  }
}

static void q_round(TflContext *ctx, QuantJob *j) {
  if (ctx)
    tfl_parallel_range(ctx, j->n, 2.0, TFL_RANGE_ALIGN, q_round_range, j);
  else
    q_round_range(j, 0, j->n);
}

static void quantize_sym_mt(TflContext *ctx, const float *x, int n, int8_t *q, float *scale) {
  QuantJob j = {.x = x, .q = q, .n = n, .asym = 0};
  float mn = n > 0 ? x[0] : 0.0f, mx = mn;
  q_minmax(ctx, &j, &mn, &mx);
  const float range = fabsf(mn) > fabsf(mx) ? fabsf(mn) : fabsf(mx);
  if (range == 0.0f) {
    memset(q, 0, (size_t)n);
    *scale = 1.0f;
    return;
  }
  *scale = range / 127.0f;
  j.inv = 127.0f / range;
  q_round(ctx, &j);
}

static void quantize_asym_mt(TflContext *ctx, const float *x, int n, int8_t *q, float *scale, int32_t *offset) {
  QuantJob j = {.x = x, .q = q, .n = n, .asym = 1};
  float mn = 0.0f, mx = 0.0f;
  q_minmax(ctx, &j, &mn, &mx);
  if (mn == mx) {
    memset(q, 0, (size_t)n);
    *scale = 1.0f;
    *offset = 0;
    return;
  }
  const double qmin = -128.0, qmax = 127.0;
  const double s = (double)(mx - mn) / (qmax - qmin);
  const double zp_from_min = qmin - (double)mn / s;
  const double zp_from_max = qmax - (double)mx / s;
  const double err_min = fabs(qmin) + fabs((double)mn / s);
  const double err_max = fabs(qmax) + fabs((double)mx / s);
  const double zpd = err_min < err_max ? zp_from_min : zp_from_max;
  int32_t zp;
  if (zpd <= qmin) zp = -128;
  else if (zpd >= qmax) zp = 127;
  else if (zpd != zpd) zp = 0; /* inf in the input: LiteRT's int8 cast of NaN is 0 on x86, UB in C */
  else zp = (int32_t)(int8_t)round(zpd);
  *scale = (float)s;
  *offset = zp;
  j.inv = (float)(1.0 / (double)*scale);
  j.zp = zp;
  q_round(ctx, &j);
}

static void quantize_sym(const float *x, int n, int8_t *q, float *scale) { quantize_sym_mt(NULL, x, n, q, scale); }
static void quantize_asym(const float *x, int n, int8_t *q, float *scale, int32_t *offset) {
  quantize_asym_mt(NULL, x, n, q, scale, offset);
}

static int hybrid_types(const TflTensor *in, const TflTensor *w, const TflTensor *out) {
  return in && w && out && in->type == TFL_FLOAT32 && out->type == TFL_FLOAT32 && w->type == TFL_INT8;
}

static TflStatus claim(TflContext *ctx, TflNode *node, HybQ **out_d) {
  tfl_release_user_data(node);
  HybQ *d = (HybQ *)calloc(1, sizeof(HybQ));
  if (!d) return tfl_error(ctx, "hybrid: out of memory");
  node->user_data = d;
  node->free_user_data = hyb_free;
  *out_d = d;
  return TFL_OK;
}

static int distinct_scales(const TflTensor *w) {
  for (int i = 1; i < w->nq; ++i)
    if (w->scales[i] != w->scales[0]) return 1;
  return 0;
}

/* ------------------------------------------------------------------------------------------------ FC */

static TflStatus fc_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!hybrid_types(in, w, out)) return TFL_NOT_MINE;
  if (w->nq < 1 || !w->scales) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): weights need scales");
  if (w->rank != 2) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): weights must be 2-D");
  const int units = w->dims[0], depth = w->dims[1];
  if (units <= 0 || depth <= 0) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): empty weights");
  const int64_t total = tfl_num_elements(in);
  if (total % depth) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): input size not a multiple of %d", depth);
  if (w->nq > 1 && w->nq != units) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): scale count mismatch");
  if (bias && (bias->type != TFL_FLOAT32 || tfl_num_elements(bias) != units))
    return tfl_error(ctx, "FULLY_CONNECTED (hybrid): bias must be float32[%d]", units);
  HybQ *d = NULL;
  TflStatus st = claim(ctx, node, &d);
  if (st != TFL_OK) return st;
  d->units = units;
  d->depth = depth;
  d->batch = (int)(total / depth);
  d->per_channel = w->nq > 1 || units == 1;
  const TflFullyConnectedOptions o = tfl_FullyConnectedOptions(node);
  act_range_f32(o.fused_activation_function, &d->lo, &d->hi);
  d->asym = o.asymmetric_quantize_inputs;
  if (w->data && w->alloc == TFL_ALLOC_CONST && getenv("TFLRT_NO_QGEMM") == NULL) {
    if (!tfl_qgemm_prepare(&d->gemm, (const int8_t *)w->data, units, depth))
      return tfl_error(ctx, "FULLY_CONNECTED (hybrid): out of memory");
    d->packed = 1;
  } else {
    d->row_sums = (int32_t *)calloc((size_t)units, sizeof(int32_t));
    if (!d->row_sums) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): out of memory");
  }
  int32_t dims[TFL_MAX_RANK];
  if (o.keep_num_dims) {
    for (int i = 0; i < in->rank; ++i) dims[i] = in->dims[i];
    dims[in->rank - 1] = units;
    return tfl_resize(ctx, out, in->rank, dims);
  }
  dims[0] = d->batch;
  dims[1] = units;
  return tfl_resize(ctx, out, 2, dims);
}

/* Packed FC: every batch row quantized with its own scale / offset, one GEMM over all rows, then per row
 * bias + (float)(dot - offset * rowsum) * scale as in the reference loop below. */
typedef struct {
  const int8_t *q;
  int K;
} FcRows;

static void fc_rows(const void *arg, int m0, int mb, const TflQRows *o) {
  const FcRows *r = (const FcRows *)arg;
  for (int i = 0; i < mb; ++i) tfl_qrows_copy(o, (size_t)i * o->lda, r->q + (size_t)(m0 + i) * r->K, (size_t)r->K);
}

typedef struct {
  const HybQ *d;
  const float *scales; /* weight scales */
  const float *sf;     /* per row: input scale (times the weight scale unless per-channel) */
  const int32_t *off;  /* per row: input offset */
  const float *bias;
  float *y;
} FcPost;

static void fc_post(const void *arg, int m0, int mb, int n0, int n1, const int32_t *acc, int ldacc,
                    int thread) {
  (void)thread;
  const FcPost *p = (const FcPost *)arg;
  const HybQ *d = p->d;
  const int U = d->units;
  const int32_t *wsum = d->gemm.wsum;
  for (int i = 0; i < mb; ++i) {
    const int b = m0 + i;
    const int32_t *ar = acc + (size_t)i * ldacc;
    const float sf = p->sf[b];
    const uint32_t off = (uint32_t)p->off[b];
    float *yr = p->y + (size_t)b * U;
    for (int u = n0; u < n1; ++u) {
      const int32_t dot = (int32_t)((uint32_t)ar[u] - (uint32_t)wsum[u] * off);
      const float scale = d->per_channel ? p->scales[u] * sf : sf;
      const float v = (p->bias ? p->bias[u] : 0.0f) + (float)dot * scale;
      yr[u] = clampf(v, d->lo, d->hi);
    }
  }
}

static TflStatus fc_eval(TflContext *ctx, TflNode *node) {
  HybQ *d = (HybQ *)node->user_data;
  if (d->packed) {
    TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
    TflTensor *out = tfl_output(ctx, node, 0);
    const int B = d->batch, K = d->depth, U = d->units;
    const float *x = (const float *)in->data;
    const float *bd = bias ? (const float *)bias->data : NULL;
    float *y = (float *)out->data;
    int all_zero = 1;
    for (int64_t i = 0; i < (int64_t)B * K && all_zero; ++i) all_zero = x[i] == 0.0f;
    if (all_zero) {
      for (int b = 0; b < B; ++b)
        for (int u = 0; u < U; ++u) y[(size_t)b * U + u] = clampf(bd ? bd[u] : 0.0f, d->lo, d->hi);
      return TFL_OK;
    }
    const size_t q_bytes = ((size_t)B * K + 63) & ~(size_t)63;
    const size_t s_bytes = ((size_t)B * (sizeof(float) + sizeof(int32_t)) + 63) & ~(size_t)63;
    uint8_t *scratch = (uint8_t *)tfl_eval_scratch(ctx, q_bytes + s_bytes + tfl_qgemm_scratch_size(ctx, &d->gemm, B, 0));
    if (!scratch) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): out of memory");
    int8_t *q = (int8_t *)scratch;
    float *sfs = (float *)(void *)(scratch + q_bytes);
    int32_t *offs = (int32_t *)(void *)(sfs + B);
    for (int b = 0; b < B; ++b) {
      float sf;
      int32_t off = 0;
      if (d->asym) quantize_asym(x + (size_t)b * K, K, q + (size_t)b * K, &sf, &off);
      else quantize_sym(x + (size_t)b * K, K, q + (size_t)b * K, &sf);
      if (!d->per_channel) sf *= w->scales[0];
      sfs[b] = sf;
      offs[b] = off;
    }
    FcRows r = {q, K};
    FcPost p = {d, w->scales, sfs, offs, bd, y};
    if (tfl_qgemm_run_rows(ctx, &d->gemm, B, fc_rows, &r, NULL, 0, fc_post, &p, scratch + q_bytes + s_bytes) != TFL_OK)
      return tfl_error(ctx, "FULLY_CONNECTED (hybrid): out of memory");
    return TFL_OK;
  }
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int B = d->batch, K = d->depth, U = d->units;
  const float *x = (const float *)in->data;
  const float *bd = bias ? (const float *)bias->data : NULL;
  const int8_t *wd = (const int8_t *)w->data;
  float *y = (float *)out->data;
  int8_t *q = (int8_t *)tfl_eval_scratch(ctx, (size_t)K + 16);
  if (!q) return tfl_error(ctx, "FULLY_CONNECTED (hybrid): out of memory");
  for (int u = 0; u < U; ++u) {
    int32_t s = 0;
    for (int k = 0; k < K; ++k) s += wd[(size_t)u * K + k];
    d->row_sums[u] = s;
  }
  int all_zero = 1;
  for (int64_t i = 0; i < (int64_t)B * K && all_zero; ++i) all_zero = x[i] == 0.0f;
  for (int b = 0; b < B; ++b) {
    float *yr = y + (size_t)b * U;
    for (int u = 0; u < U; ++u) yr[u] = bd ? bd[u] : 0.0f;
    if (all_zero) {
      for (int u = 0; u < U; ++u) yr[u] = clampf(yr[u], d->lo, d->hi);
      continue;
    }
    float sf;
    int32_t off = 0;
    if (d->asym) quantize_asym(x + (size_t)b * K, K, q, &sf, &off);
    else quantize_sym(x + (size_t)b * K, K, q, &sf);
    if (!d->per_channel) sf *= w->scales[0];
    for (int u = 0; u < U; ++u) {
      const int8_t *wr = wd + (size_t)u * K;
      int32_t dot = 0;
      for (int k = 0; k < K; ++k) dot += (int32_t)wr[k] * (int32_t)q[k];
      dot -= d->row_sums[u] * off;
      const float scale = d->per_channel ? w->scales[u] * sf : sf;
      yr[u] += (float)dot * scale;
    }
  }
  if (!all_zero)
    for (int64_t i = 0; i < (int64_t)B * U; ++i) y[i] = clampf(y[i], d->lo, d->hi);
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ CONV / DW */

static TflStatus conv_like_prepare(TflContext *ctx, TflNode *node, int depthwise) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!hybrid_types(in, w, out)) return TFL_NOT_MINE;
  const char *name = depthwise ? "DEPTHWISE_CONV_2D (hybrid)" : "CONV_2D (hybrid)";
  if (w->nq < 1 || !w->scales) return tfl_error(ctx, "%s: weights need scales", name);
  if (in->rank != 4 || w->rank != 4) return tfl_error(ctx, "%s: input and filter must be 4-D", name);
  const int cout = depthwise ? w->dims[3] : w->dims[0];
  if (cout <= 0) return tfl_error(ctx, "%s: empty filter", name);
  if (w->nq > 1 && w->nq != cout) return tfl_error(ctx, "%s: scale count mismatch", name);
  if (bias && (bias->type != TFL_FLOAT32 || tfl_num_elements(bias) != cout))
    return tfl_error(ctx, "%s: bias must be float32[%d]", name, cout);
  HybQ *d = NULL;
  TflStatus st = claim(ctx, node, &d);
  if (st != TFL_OK) return st;
  int padding, act;
  if (depthwise) {
    const TflDepthwiseConv2DOptions o = tfl_DepthwiseConv2DOptions(node);
    padding = o.padding;
    act = o.fused_activation_function;
    d->stride_w = o.stride_w;
    d->stride_h = o.stride_h;
    d->dil_w = o.dilation_w_factor;
    d->dil_h = o.dilation_h_factor;
    if (w->dims[0] != 1 || in->dims[3] <= 0 || cout % in->dims[3])
      return tfl_error(ctx, "%s: bad filter shape", name);
    d->groups = 1;
    d->asym = 1;
    d->per_channel = 1;
  } else {
    const TflConv2DOptions o = tfl_Conv2DOptions(node);
    padding = o.padding;
    act = o.fused_activation_function;
    d->stride_w = o.stride_w;
    d->stride_h = o.stride_h;
    d->dil_w = o.dilation_w_factor;
    d->dil_h = o.dilation_h_factor;
    if (w->dims[3] <= 0 || in->dims[3] <= 0 || in->dims[3] % w->dims[3]) return tfl_error(ctx, "%s: bad filter depth", name);
    d->groups = in->dims[3] / w->dims[3];
    if (cout % d->groups) return tfl_error(ctx, "%s: filters not divisible into groups", name);
    d->per_channel = distinct_scales(w) || d->groups != 1;
    d->asym = d->per_channel;
  }
  act_range_f32(act, &d->lo, &d->hi);
  if (!depthwise && d->groups == 1 && w->data && w->alloc == TFL_ALLOC_CONST && getenv("TFLRT_NO_QGEMM") == NULL) {
    const int K = w->dims[1] * w->dims[2] * w->dims[3];
    if (!tfl_qgemm_prepare(&d->gemm, (const int8_t *)w->data, cout, K)) return tfl_error(ctx, "%s: out of memory", name);
    d->packed = 1;
  }
  if (d->stride_w <= 0 || d->stride_h <= 0 || d->dil_w <= 0 || d->dil_h <= 0)
    return tfl_error(ctx, "%s: strides and dilations must be positive", name);
  if (padding != 0 && padding != 1) return tfl_error(ctx, "%s: unknown padding", name);
  const int oh = tfl_conv_out_size(padding, in->dims[1], w->dims[1], d->stride_h, d->dil_h, &d->pad_h);
  const int ow = tfl_conv_out_size(padding, in->dims[2], w->dims[2], d->stride_w, d->dil_w, &d->pad_w);
  if (oh < 0 || ow < 0) return tfl_error(ctx, "%s: filter larger than the input", name);
  if (!tfl_window_fits(oh, w->dims[1], d->stride_h, d->dil_h) || !tfl_window_fits(ow, w->dims[2], d->stride_w, d->dil_w))
    return tfl_error(ctx, "%s: stride or dilation too large for the input", name);
  d->batch = in->dims[0];
  const int32_t dims[4] = {in->dims[0], oh, ow, cout};
  return tfl_resize(ctx, out, 4, dims);
}

static TflStatus conv_prepare(TflContext *ctx, TflNode *node) { return conv_like_prepare(ctx, node, 0); }
static TflStatus dw_prepare(TflContext *ctx, TflNode *node) { return conv_like_prepare(ctx, node, 1); }

/* Packed path: im2col rows of the quantized input (out-of-image taps = the input offset, i.e. real zero) through
 * the shared GEMM driver (multi-threaded over row blocks), then acc - offset * filter_sum, which equals the
 * reference's sum over in-image taps of w * (q - offset). */
typedef struct {
  const HybQ *d;
  const int8_t *q; /* one quantized batch */
  int H, W, C, OW, FH, FW;
  int pointwise;
  int8_t off;
} ConvRows;

/* Rows in the GEMM's own format (int16, or x + 128 for the VNNI kernels) through the tfl_qrows helpers. */
static void conv_rows(const void *arg, int m0, int mb, const TflQRows *o) {
  const ConvRows *r = (const ConvRows *)arg;
  const HybQ *d = r->d;
  const int H = r->H, W = r->W, C = r->C, OW = r->OW, FH = r->FH, FW = r->FW;
  const int8_t off = r->off;
  if (r->pointwise) {
    if (o->lda == C) tfl_qrows_copy(o, 0, r->q + (size_t)m0 * C, (size_t)mb * C);
    else
      for (int i = 0; i < mb; ++i) tfl_qrows_copy(o, (size_t)i * o->lda, r->q + (size_t)(m0 + i) * C, (size_t)C);
    return;
  }
  for (int i = 0; i < mb; ++i) {
    const int m = m0 + i, oy = m / OW, ox = m % OW;
    size_t at = (size_t)i * o->lda;
    const int iy0 = oy * d->stride_h - d->pad_h, ix0 = ox * d->stride_w - d->pad_w;
    const int row_inside = ix0 >= 0 && ix0 + (FW - 1) * d->dil_w < W;
    for (int fy = 0; fy < FH; ++fy) {
      const int iy = iy0 + fy * d->dil_h;
      if (iy < 0 || iy >= H) {
        tfl_qrows_fill(o, at, off, (size_t)FW * C);
        at += (size_t)FW * C;
        continue;
      }
      if (row_inside && d->dil_w == 1) { /* FW taps of C channels are contiguous in the input row */
        tfl_qrows_copy(o, at, r->q + ((size_t)iy * W + ix0) * C, (size_t)FW * C);
        at += (size_t)FW * C;
        continue;
      }
      for (int fx = 0; fx < FW; ++fx, at += (size_t)C) {
        const int ix = ix0 + fx * d->dil_w;
        if (ix >= 0 && ix < W) tfl_qrows_copy(o, at, r->q + ((size_t)iy * W + ix) * C, (size_t)C);
        else tfl_qrows_fill(o, at, off, (size_t)C);
      }
    }
  }
}

typedef struct {
  const HybQ *d;
  const float *scales; /* weight scales */
  int nq, OC;
  float sf, sfw;
  int32_t off;
  const float *bias;
  float *y; /* this batch's output */
} ConvPost;

static void conv_post(const void *arg, int m0, int mb, int n0, int n1, const int32_t *acc, int ldacc,
                      int thread) {
  (void)thread;
  const ConvPost *p = (const ConvPost *)arg;
  const HybQ *d = p->d;
  const int OC = p->OC;
  const int32_t *wsum = d->gemm.wsum;
  const uint32_t off = (uint32_t)p->off;
  const float sf = p->sf, sfw = p->sfw;
  for (int i = 0; i < mb; ++i) {
    const int32_t *ar = acc + (size_t)i * ldacc;
    float *yr = p->y + (size_t)(m0 + i) * OC;
    for (int oc = n0; oc < n1; ++oc) {
      const int32_t a = (int32_t)((uint32_t)ar[oc] - off * (uint32_t)wsum[oc]);
      float v;
      if (d->per_channel) v = (float)a * p->scales[p->nq > 1 ? oc : 0] * sf;
      else v = 0.0f + (float)a * sfw;
      if (p->bias) v += p->bias[oc];
      yr[oc] = clampf(v, d->lo, d->hi);
    }
  }
}

TFL_HOT static TflStatus conv_eval_packed(TflContext *ctx, TflNode *node, HybQ *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int64_t per_batch = (int64_t)H * W * C;
  const int total = OH * OW;
  const size_t q_bytes = ((size_t)per_batch + 63) & ~(size_t)63;
  uint8_t *scratch = (uint8_t *)tfl_eval_scratch(ctx, q_bytes + tfl_qgemm_scratch_size(ctx, &d->gemm, total, 0));
  if (!scratch) return tfl_error(ctx, "CONV_2D (hybrid): out of memory");
  int8_t *q = (int8_t *)scratch;
  const float *x = (const float *)in->data;
  float *y = (float *)out->data;
  ConvRows r;
  r.d = d;
  r.q = q;
  r.H = H;
  r.W = W;
  r.C = C;
  r.OW = OW;
  r.FH = w->dims[1];
  r.FW = w->dims[2];
  r.pointwise = r.FH == 1 && r.FW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 && d->pad_w == 0 &&
                OH == H && OW == W;
  ConvPost p;
  p.d = d;
  p.scales = w->scales;
  p.nq = w->nq;
  p.OC = OC;
  p.bias = bias ? (const float *)bias->data : NULL;
  for (int n = 0; n < N; ++n) {
    float sf;
    int32_t off = 0;
    if (d->asym) quantize_asym_mt(ctx, x + n * per_batch, (int)per_batch, q, &sf, &off);
    else quantize_sym_mt(ctx, x + n * per_batch, (int)per_batch, q, &sf);
    r.off = (int8_t)off; /* an int8 zero point (quantize_asym clamps it to [-128, 127]) */
    p.sf = sf;
    p.sfw = d->per_channel ? sf : sf * w->scales[0];
    p.off = off;
    p.y = y + (size_t)n * total * OC;
    if (tfl_qgemm_run_rows(ctx, &d->gemm, total, conv_rows, &r, NULL, 0, conv_post, &p, scratch + q_bytes) != TFL_OK)
      return tfl_error(ctx, "CONV_2D (hybrid): out of memory");
  }
  return TFL_OK;
}

/* Direct path (depthwise, grouped or non-constant filters): output rows of one batch split over tfl_parallel_for,
 * each thread accumulating into its own OC int32 block. */
typedef struct {
  const HybQ *d;
  const TflTensor *w;
  const int8_t *q; /* one quantized batch */
  int32_t *acc;    /* [threads][acc_stride] */
  size_t acc_stride;
  int depthwise, H, W, C, OH, OW, OC, FH, FW;
  int32_t off;
  float sf, sfw;
  const float *bias;
  float *y; /* this batch's output */
} DirectRun;

static void direct_row(void *arg, int oy, int thread) {
  const DirectRun *r = (const DirectRun *)arg;
  const HybQ *d = r->d;
  const TflTensor *w = r->w;
  const int H = r->H, W = r->W, C = r->C, OW = r->OW, OC = r->OC, FH = r->FH, FW = r->FW;
  const int8_t *wd = (const int8_t *)w->data;
  const int8_t *q = r->q;
  const int32_t off = r->off;
  const float sf = r->sf, sfw = r->sfw;
  const float *bd = r->bias;
  int32_t *acc = r->acc + (size_t)thread * r->acc_stride;
  const int iy0 = oy * d->stride_h - d->pad_h;
  for (int ox = 0; ox < OW; ++ox) {
    const int ix0 = ox * d->stride_w - d->pad_w;
    memset(acc, 0, (size_t)OC * sizeof(int32_t));
    if (r->depthwise) {
      const int M = OC / C;
      for (int fy = 0; fy < FH; ++fy) {
        const int iy = iy0 + fy * d->dil_h;
        if (iy < 0 || iy >= H) continue;
        for (int fx = 0; fx < FW; ++fx) {
          const int ix = ix0 + fx * d->dil_w;
          if (ix < 0 || ix >= W) continue;
          const int8_t *xr = q + ((size_t)iy * W + ix) * C;
          const int8_t *wr = wd + ((size_t)fy * FW + fx) * OC;
          if (M == 1)
            for (int ic = 0; ic < C; ++ic) acc[ic] += (int32_t)wr[ic] * ((int32_t)xr[ic] - off);
          else
            for (int ic = 0; ic < C; ++ic)
              for (int m = 0; m < M; ++m) acc[ic * M + m] += (int32_t)wr[ic * M + m] * ((int32_t)xr[ic] - off);
        }
      }
    } else {
      const int FC = w->dims[3], per_group = OC / d->groups;
      for (int oc = 0; oc < OC; ++oc) {
        const int g = oc / per_group;
        int32_t a = 0;
        for (int fy = 0; fy < FH; ++fy) {
          const int iy = iy0 + fy * d->dil_h;
          if (iy < 0 || iy >= H) continue;
          for (int fx = 0; fx < FW; ++fx) {
            const int ix = ix0 + fx * d->dil_w;
            if (ix < 0 || ix >= W) continue;
            const int8_t *xr = q + ((size_t)iy * W + ix) * C + (size_t)g * FC;
            const int8_t *wr = wd + (((size_t)oc * FH + fy) * FW + fx) * FC;
            for (int c = 0; c < FC; ++c) a += (int32_t)wr[c] * ((int32_t)xr[c] - off);
          }
        }
        acc[oc] = a;
      }
    }
    float *yr = r->y + ((size_t)oy * OW + ox) * OC;
    for (int oc = 0; oc < OC; ++oc) {
      float v;
      if (r->depthwise) v = (float)acc[oc] * (w->scales[w->nq > 1 ? oc : 0] * sf);
      else if (d->per_channel) v = (float)acc[oc] * w->scales[w->nq > 1 ? oc : 0] * sf;
      else v = 0.0f + (float)acc[oc] * sfw;
      if (bd) v += bd[oc];
      yr[oc] = clampf(v, d->lo, d->hi);
    }
  }
}

static TflStatus conv_like_eval(TflContext *ctx, TflNode *node, int depthwise) {
  HybQ *d = (HybQ *)node->user_data;
  if (!depthwise && d->packed) return conv_eval_packed(ctx, node, d);
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int OH = out->dims[1], OW = out->dims[2], OC = out->dims[3];
  const int64_t per_batch = (int64_t)H * W * C;
  const float *x = (const float *)in->data;
  float *y = (float *)out->data;
  const int nt = tfl_num_threads(ctx) > 0 ? tfl_num_threads(ctx) : 1;
  const size_t q_bytes = ((size_t)per_batch + 63) & ~(size_t)63;
  const size_t acc_stride = ((size_t)OC + 15) & ~(size_t)15;
  int8_t *q = (int8_t *)tfl_eval_scratch(ctx, q_bytes + (size_t)nt * acc_stride * sizeof(int32_t));
  if (!q) return tfl_error(ctx, "conv (hybrid): out of memory");
  DirectRun r;
  r.d = d;
  r.w = w;
  r.q = q;
  r.acc = (int32_t *)(void *)(q + q_bytes);
  r.acc_stride = acc_stride;
  r.depthwise = depthwise;
  r.H = H;
  r.W = W;
  r.C = C;
  r.OH = OH;
  r.OW = OW;
  r.OC = OC;
  r.FH = w->dims[1];
  r.FW = w->dims[2];
  r.bias = bias ? (const float *)bias->data : NULL;
  for (int n = 0; n < N; ++n) {
    float sf;
    int32_t off = 0;
    if (d->asym) quantize_asym_mt(ctx, x + n * per_batch, (int)per_batch, q, &sf, &off);
    else quantize_sym_mt(ctx, x + n * per_batch, (int)per_batch, q, &sf);
    r.off = off;
    r.sf = sf;
    r.sfw = d->per_channel ? sf : sf * w->scales[0];
    r.y = y + (size_t)n * OH * OW * OC;
    tfl_parallel_for(ctx, OH, direct_row, &r);
  }
  return TFL_OK;
}

static TflStatus conv_eval(TflContext *ctx, TflNode *node) { return conv_like_eval(ctx, node, 0); }
static TflStatus dw_eval(TflContext *ctx, TflNode *node) { return conv_like_eval(ctx, node, 1); }


/* ------------------------------------------------------------------------------------------------ BATCH_MATMUL */

/* Hybrid BATCH_MATMUL (float32 lhs, int8 rhs; version 4 adds asymmetric_quantize_inputs), as LiteRT's reference
 * kernel computes it: after its rank-compression of an rhs [..., 1, K, N], the rhs becomes the "filter" [..., N, K]
 * (transposed unless adj_y), every lhs row of K (after the adj_x transpose) is quantized on its own, and LiteRT's
 * 5-D loop runs with its own pointer arithmetic (per-row scales and weight row sums advance by one row block per
 * batch index of each dimension, which we follow for bit-exactness), out[j][i] = 0 + scale * (float)acc with
 * acc = (int32)((float)dot - (float)rowsum * offset). */
typedef struct {
  int adj_x, adj_y, asym;
  int lr, fr;                    /* ranks of the (compressed) input and filter */
  int32_t ld[TFL_MAX_RANK];      /* input shape as LiteRT sees it: [..., M, K] */
  int32_t fd[TFL_MAX_RANK];      /* filter shape: [..., N, K] */
  int M, N, K;
  int64_t in_elems, f_elems, f_rows;
  int8_t *filter;                /* transposed weights (constant rhs), else NULL */
  int32_t *row_sums;             /* f_rows + slack entries */
  int64_t row_sums_len;
  const float *scales;           /* per-channel weight scales, or NULL */
  float wscale;
} HybBmm;

static void bmm_free(void *p) {
  HybBmm *d = (HybBmm *)p;
  if (!d) return;
  free(d->filter);
  free(d->row_sums);
  free(d);
}

static void bmm_filter(const HybBmm *d, const int8_t *rhs, int8_t *dst) {
  const int N = d->N, K = d->K;
  const int64_t nk = (int64_t)N * K;
  const int64_t mats = nk ? d->f_elems / nk : 0; /* an empty filter has nothing to transpose */
  for (int64_t b = 0; b < mats; ++b) {
    const int8_t *src = rhs + b * N * K;
    int8_t *o = dst + b * N * K;
    if (d->adj_y) memcpy(o, src, (size_t)N * K);
    else
      for (int n = 0; n < N; ++n)
        for (int k = 0; k < K; ++k) o[(size_t)n * K + k] = src[(size_t)k * N + n];
  }
}

static void bmm_row_sums(HybBmm *d, const int8_t *filter) {
  memset(d->row_sums, 0, (size_t)d->row_sums_len * sizeof(int32_t));
  for (int64_t r = 0; r < d->f_rows; ++r) {
    int32_t s = 0;
    for (int k = 0; k < d->K; ++k) s += filter[r * d->K + k];
    d->row_sums[r] = s;
  }
}

static TflStatus bmm_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, 0), *y = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!hybrid_types(x, y, out)) return TFL_NOT_MINE;
  if (x->rank < 2 || x->rank > 5 || y->rank < 2 || y->rank > 5)
    return tfl_error(ctx, "BATCH_MATMUL (hybrid): operand ranks must be in [2,5] (got %d, %d)", x->rank, y->rank);
  if (y->nq < 1 || !y->scales) return tfl_error(ctx, "BATCH_MATMUL (hybrid): int8 rhs needs scales");
  tfl_release_user_data(node);
  HybBmm *d = (HybBmm *)calloc(1, sizeof(HybBmm));
  if (!d) return tfl_error(ctx, "BATCH_MATMUL (hybrid): out of memory");
  node->user_data = d;
  node->free_user_data = bmm_free;
  const TflBatchMatMulOptions o = tfl_BatchMatMulOptions(node);
  d->adj_x = o.adj_x;
  d->adj_y = o.adj_y;
  d->asym = o.asymmetric_quantize_inputs;
  int xr = x->rank, yr = y->rank;
  /* output shape from the original operands (broadcast batch dims, then M x N) */
  const int orank = xr > yr ? xr : yr;
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < orank - 2; ++i) {
    const int ix = i - (orank - xr), iy = i - (orank - yr);
    const int dx = ix >= 0 ? x->dims[ix] : 1, dy = iy >= 0 ? y->dims[iy] : 1;
    if (dx != dy && dx != 1 && dy != 1)
      return tfl_error(ctx, "BATCH_MATMUL (hybrid): batch dims %d and %d do not broadcast", dx, dy);
    od[i] = dx != dy && dx == 1 ? dy : dx;
  }
  const int M = d->adj_x ? x->dims[xr - 1] : x->dims[xr - 2];
  const int Kx = d->adj_x ? x->dims[xr - 2] : x->dims[xr - 1];
  const int Ky = d->adj_y ? y->dims[yr - 1] : y->dims[yr - 2];
  const int N = d->adj_y ? y->dims[yr - 2] : y->dims[yr - 1];
  if (Kx != Ky) return tfl_error(ctx, "BATCH_MATMUL (hybrid): contraction dims differ (%d vs %d)", Kx, Ky);
  od[orank - 2] = M;
  od[orank - 1] = N;
  d->M = M;
  d->N = N;
  d->K = Kx;
  /* LiteRT's compression: rhs [..., 1, X, Y] with lhs [..., Q, R, S] -> rhs [..., X, Y], lhs [..., Q*R, S] */
  int32_t xd[TFL_MAX_RANK], yd[TFL_MAX_RANK];
  memcpy(xd, x->dims, sizeof xd);
  memcpy(yd, y->dims, sizeof yd);
  if (!d->adj_x && yr > 2 && xr > 2 && yd[yr - 3] == 1) {
    xd[xr - 3] = xd[xr - 3] * xd[xr - 2];
    xd[xr - 2] = xd[xr - 1];
    yd[yr - 3] = yd[yr - 2];
    yd[yr - 2] = yd[yr - 1];
    --xr;
    --yr;
  }
  d->lr = xr;
  d->fr = yr;
  for (int i = 0; i < xr - 2; ++i) d->ld[i] = xd[i];
  d->ld[xr - 2] = d->adj_x ? xd[xr - 1] : xd[xr - 2];
  d->ld[xr - 1] = d->K;
  for (int i = 0; i < yr - 2; ++i) d->fd[i] = yd[i];
  d->fd[yr - 2] = N;
  d->fd[yr - 1] = d->K;
  d->in_elems = tfl_num_elements(x);
  d->f_elems = tfl_num_elements(y);
  d->f_rows = d->K ? d->f_elems / d->K : 0;
  if (y->nq > 1) {
    if (y->nq != N) return tfl_error(ctx, "BATCH_MATMUL (hybrid): %d scales for %d columns", y->nq, N);
    d->scales = y->scales;
  } else {
    d->wscale = y->scales[0];
  }
  /* slack for LiteRT's per-dimension row-block offsets (b0 + b1 + b2 blocks at most) */
  d->row_sums_len = d->f_rows + 3 * (int64_t)N * (1 + (d->f_rows / (N ? N : 1)));
  d->row_sums = (int32_t *)calloc((size_t)d->row_sums_len + 1, sizeof(int32_t));
  if (!d->row_sums) return tfl_error(ctx, "BATCH_MATMUL (hybrid): out of memory");
  if (y->data && y->alloc == TFL_ALLOC_CONST) {
    d->filter = (int8_t *)malloc((size_t)d->f_elems + 1);
    if (!d->filter) return tfl_error(ctx, "BATCH_MATMUL (hybrid): out of memory");
    bmm_filter(d, (const int8_t *)y->data, d->filter);
    bmm_row_sums(d, d->filter);
  }
  return tfl_resize(ctx, out, orank, od);
}

/* LiteRT's batch_matmul::extent: 0 for a broadcast (size-1) dimension, else the product of the dims after it. */
static int64_t bmm_extent(const int32_t *dims5, int i) {
  if (dims5[i] == 1) return 0;
  int64_t p = 1;
  for (int k = i + 1; k < 5; ++k) p *= dims5[k];
  return p;
}

static TflStatus bmm_eval(TflContext *ctx, TflNode *node) {
  HybBmm *d = (HybBmm *)node->user_data;
  TflTensor *x = tfl_input(ctx, node, 0), *y = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int M = d->M, N = d->N, K = d->K;
  const int64_t rows = K ? d->in_elems / K : 0;
  const size_t q_bytes = ((size_t)d->in_elems + 63) & ~(size_t)63;
  const size_t f_bytes = d->filter ? 0 : (((size_t)d->f_elems + 63) & ~(size_t)63);
  const size_t t_bytes = d->adj_x ? (((size_t)d->in_elems * sizeof(float) + 63) & ~(size_t)63) : 0;
  uint8_t *scratch =
      (uint8_t *)tfl_eval_scratch(ctx, q_bytes + f_bytes + t_bytes + (size_t)rows * (sizeof(float) + sizeof(int32_t)) + 64);
  if (!scratch) return tfl_error(ctx, "BATCH_MATMUL (hybrid): out of memory");
  int8_t *q = (int8_t *)scratch;
  int8_t *filter = d->filter;
  if (!filter) {
    filter = (int8_t *)(scratch + q_bytes);
    bmm_filter(d, (const int8_t *)y->data, filter);
    bmm_row_sums(d, filter);
  }
  const float *xin = (const float *)x->data;
  if (d->adj_x) { /* rows of K: transpose each [K, M] lhs matrix */
    float *t = (float *)(void *)(scratch + q_bytes + f_bytes);
    const int64_t mats = rows / (M ? M : 1);
    for (int64_t b = 0; b < mats; ++b)
      for (int m = 0; m < M; ++m)
        for (int k = 0; k < K; ++k) t[(b * M + m) * K + k] = xin[(b * K + k) * M + m];
    xin = t;
  }
  float *sf = (float *)(void *)(scratch + q_bytes + f_bytes + t_bytes);
  int32_t *off = (int32_t *)(void *)(sf + rows);
  for (int64_t r = 0; r < rows; ++r) {
    off[r] = 0;
    if (d->asym) quantize_asym(xin + r * K, K, q + r * K, &sf[r], &off[r]);
    else quantize_sym(xin + r * K, K, q + r * K, &sf[r]);
    if (!d->scales) sf[r] *= d->wscale;
  }
  /* LiteRT's reference loop over the 5-D extended shapes: "lhs" = filter [.., N, K], "rhs" = input [.., K, M]. */
  int32_t fe[5], ie[5];
  for (int i = 0; i < 5; ++i) fe[i] = ie[i] = 1;
  for (int i = 0; i < d->fr; ++i) fe[5 - d->fr + i] = d->fd[i];
  for (int i = 0; i < d->lr - 2; ++i) ie[5 - d->lr + i] = d->ld[i];
  ie[3] = K;
  ie[4] = d->ld[d->lr - 2];
  int bd[3];
  int64_t fx[3], ix[3], io[3], wo[3];
  for (int i = 0; i < 3; ++i) {
    bd[i] = fe[i] == ie[i] ? fe[i] : (fe[i] == 1 ? ie[i] : fe[i]);
    fx[i] = bmm_extent(fe, i);
    ix[i] = bmm_extent(ie, i);
    io[i] = ix[i] == 0 ? 0 : ie[4];
    wo[i] = fx[i] == 0 ? 0 : fe[3];
  }
  const int lrows = fe[3], rcols = ie[4], depth = fe[4];
  float *o = (float *)out->data;
  const int64_t out_elems = tfl_num_elements(out);
  for (int64_t i = 0; i < out_elems; ++i) o[i] = 0.0f;
  for (int b0 = 0; b0 < bd[0]; ++b0)
    for (int b1 = 0; b1 < bd[1]; ++b1)
      for (int b2 = 0; b2 < bd[2]; ++b2) {
        const int8_t *fp = filter + b0 * fx[0] + b1 * fx[1] + b2 * fx[2];
        const int8_t *ip = q + b0 * ix[0] + b1 * ix[1] + b2 * ix[2];
        const int64_t ioff = b0 * io[0] + b1 * io[1] + b2 * io[2];
        const int32_t *ws = d->row_sums + b0 * wo[0] + b1 * wo[1] + b2 * wo[2];
        float *op = o + (((int64_t)b0 * bd[1] * bd[2]) + (int64_t)b1 * bd[2] + b2) * lrows * rcols;
        for (int j = 0; j < rcols; ++j) {
          const float bsf = sf[ioff + j];
          const float boff = (float)off[ioff + j];
          const int8_t *ir = ip + (int64_t)j * depth;
          for (int i = 0; i < lrows; ++i) {
            const int8_t *fr = fp + (int64_t)i * depth;
            int32_t total = 0;
            for (int k = 0; k < depth; ++k) total += (int32_t)fr[k] * (int32_t)ir[k];
            total = (int32_t)((float)total - (float)ws[i] * boff);
            float scale = bsf;
            if (d->scales) scale *= d->scales[i];
            op[(int64_t)lrows * j + i] += scale * (float)total;
          }
        }
      }
  (void)N;
  return TFL_OK;
}


/* ------------------------------------------------------------------------------------------------ TRANSPOSE_CONV */

/* Hybrid TRANSPOSE_CONV (float32 input, int8 filter [O, H, W, I]; version 2), as LiteRT's reference kernel: each batch
 * image quantized asymmetrically as a whole, then a scatter over input elements, every contribution added in float
 * to a zeroed output as (float)((q - offset) * w) * w_scale[c] * in_scale, then bias and the activation clamp. */
typedef struct {
  int n, h, w, cin, cout, kh, kw, sh, sw, oh, ow, pad_t, pad_l;
  float lo, hi;
} HybTConv;

static TflStatus tconv_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *os = tfl_input(ctx, node, 0), *f = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2);
  TflTensor *b = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  if (!os || !hybrid_types(in, f, out)) return TFL_NOT_MINE;
  if (in->rank != 4 || f->rank != 4) return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): input and filter must be 4-D");
  if (f->dims[3] != in->dims[3])
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): filter depth %d != input channels %d", f->dims[3], in->dims[3]);
  if (f->nq < 1 || !f->scales || (f->nq > 1 && f->nq != f->dims[0]))
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): filter needs 1 or %d scales", f->dims[0]);
  if (b && (b->type != TFL_FLOAT32 || tfl_num_elements(b) != f->dims[0]))
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): bias must be float32[%d]", f->dims[0]);
  int64_t shp[4];
  const int known = os->data && !os->is_variable && (os->alloc == TFL_ALLOC_CONST || os->alloc == TFL_ALLOC_PERSISTENT);
  if (!known || os->type != TFL_INT32 || tfl_num_elements(os) != 4)
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): output_shape must be a constant int32[4]");
  for (int i = 0; i < 4; ++i) shp[i] = ((const int32_t *)os->data)[i];
  if (shp[0] != in->dims[0] || shp[3] != f->dims[0] || shp[1] <= 0 || shp[2] <= 0 || shp[1] > INT32_MAX ||
      shp[2] > INT32_MAX)
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): output_shape inconsistent with input/filter");
  const TflTransposeConvOptions o = tfl_TransposeConvOptions(node);
  if (o.stride_w < 1 || o.stride_h < 1) return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): strides must be >= 1");
  if (o.fused_activation_function >= TFL_ACT_TANH)
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): unsupported fused activation %d", o.fused_activation_function);
  tfl_release_user_data(node);
  HybTConv *d = (HybTConv *)calloc(1, sizeof(HybTConv));
  if (!d) return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): out of memory");
  node->user_data = d;
  node->free_user_data = free;
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->cin = in->dims[3];
  d->cout = f->dims[0]; d->kh = f->dims[1]; d->kw = f->dims[2]; d->sh = o.stride_h; d->sw = o.stride_w;
  d->oh = (int)shp[1]; d->ow = (int)shp[2];
  /* LiteRT's ComputePaddingHeightWidth over the output size (the transposed conv's "input") */
  if (tfl_conv_out_size(o.padding, d->oh, d->kh, d->sh, 1, &d->pad_t) < 0 ||
      tfl_conv_out_size(o.padding, d->ow, d->kw, d->sw, 1, &d->pad_l) < 0)
    return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): filter larger than the output");
  act_range_f32(o.fused_activation_function, &d->lo, &d->hi);
  int32_t od[4] = {d->n, d->oh, d->ow, d->cout};
  return tfl_resize(ctx, out, 4, od);
}

static TflStatus tconv_eval(TflContext *ctx, TflNode *node) {
  const HybTConv *d = (const HybTConv *)node->user_data;
  TflTensor *f = tfl_input(ctx, node, 1), *in = tfl_input(ctx, node, 2), *b = tfl_input(ctx, node, 3);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int64_t per_batch = (int64_t)d->h * d->w * d->cin;
  int8_t *q = (int8_t *)tfl_eval_scratch(ctx, (size_t)(per_batch * d->n) + 64);
  if (!q) return tfl_error(ctx, "TRANSPOSE_CONV (hybrid): out of memory");
  const float *x = (const float *)in->data;
  const int8_t *w = (const int8_t *)f->data;
  const float *bias = b ? (const float *)b->data : NULL;
  float *y = (float *)out->data;
  const int64_t out_elems = (int64_t)d->n * d->oh * d->ow * d->cout;
  for (int64_t i = 0; i < out_elems; ++i) y[i] = 0.0f;
  for (int n = 0; n < d->n; ++n) {
    float sf;
    int32_t off;
    int8_t *qb = q + n * per_batch;
    quantize_asym_mt(ctx, x + n * per_batch, (int)per_batch, qb, &sf, &off);
    float *yb = y + (int64_t)n * d->oh * d->ow * d->cout;
    for (int iy = 0; iy < d->h; ++iy)
      for (int ix = 0; ix < d->w; ++ix)
        for (int ic = 0; ic < d->cin; ++ic) {
          const int32_t v = (int32_t)qb[((int64_t)iy * d->w + ix) * d->cin + ic] - off;
          const int oy0 = iy * d->sh - d->pad_t, ox0 = ix * d->sw - d->pad_l;
          for (int fy = 0; fy < d->kh; ++fy) {
            const int oy = oy0 + fy;
            if (oy < 0 || oy >= d->oh) continue;
            for (int fx = 0; fx < d->kw; ++fx) {
              const int ox = ox0 + fx;
              if (ox < 0 || ox >= d->ow) continue;
              float *yo = yb + ((int64_t)oy * d->ow + ox) * d->cout;
              for (int oc = 0; oc < d->cout; ++oc) {
                const int32_t acc = v * (int32_t)w[(((int64_t)oc * d->kh + fy) * d->kw + fx) * d->cin + ic];
                const float ws = f->scales[f->nq > 1 ? oc : 0];
                yo[oc] += (float)acc * ws * sf;
              }
            }
          }
        }
  }
  for (int64_t i = 0; i < out_elems; ++i) {
    const float v = y[i] + (bias ? bias[i % d->cout] : 0.0f);
    y[i] = clampf(v, d->lo, d->hi);
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_hybrid[] = {
    {TFL_OP_FULLY_CONNECTED, "FULLY_CONNECTED (hybrid)", 1, 12, fc_prepare, fc_eval},
    {TFL_OP_CONV_2D, "CONV_2D (hybrid)", 1, 8, conv_prepare, conv_eval},
    {TFL_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D (hybrid)", 1, 7, dw_prepare, dw_eval},
    {TFL_OP_BATCH_MATMUL, "BATCH_MATMUL (hybrid)", 1, 4, bmm_prepare, bmm_eval},
    {TFL_OP_TRANSPOSE_CONV, "TRANSPOSE_CONV (hybrid)", 1, 5, tconv_prepare, tconv_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
