/* Kernel family fc_q: FULLY_CONNECTED (int8, int16x8; per-tensor or per-channel weights) and BATCH_MATMUL (int8),
 * bit-exact with LiteRT's reference integer kernels.
 *
 * FULLY_CONNECTED: current LiteRT reference kernels requantize in floating point,
 *   out = (int32)round((double)acc * ((double)in_s * (double)w_s / (double)out_s)) + zp_out,
 * not with MultiplyByQuantizedMultiplier (tests pin this). FC_REQUANT_FIXED switches to the fixed-point form.
 * BATCH_MATMUL uses MultiplyByQuantizedMultiplier with a multiplier from the float product lhs_s * rhs_s; with an
 * int32 output (int8 operands) it stores the raw sums of products, as LiteRT does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixedpoint.h"
#include "../qgemm.h"
#include "../tflrt.h"

typedef struct {
  int is16, bias64, per_channel;
  int units, depth, batch;
  int32_t in_zp, w_zp, out_zp;
  int32_t act_lo, act_hi;
  double *eff;   /* [units] effective scale for the float requantization */
  int32_t *mult; /* [units] fixed-point multipliers (FC_REQUANT_FIXED and BATCH_MATMUL) */
  int *shift;
  TflQGemm gemm; /* int8 with constant symmetric weights: packed weights, weight sums, epilogue */
  int packed;
} FcQ;

static void fc_free(void *p) {
  FcQ *d = (FcQ *)p;
  if (!d) return;
  free(d->eff);
  free(d->mult);
  free(d->shift);
  tfl_qgemm_release(&d->gemm);
  free(d);
}

static int is_q(const TflTensor *t) { return t && t->nq >= 1 && t->scales; }
static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
/* v + zp wrapping like LiteRT's int32 arithmetic does in practice when v is saturated (defined behaviour in C). */
static inline int32_t add_wrap(int32_t v, int32_t zp) { return (int32_t)((uint32_t)v + (uint32_t)zp); }
static int32_t zp0(const TflTensor *t) { return t->zero_points ? (int32_t)t->zero_points[0] : 0; }

/* Whether FC requantizes with MultiplyByQuantizedMultiplier instead of double-precision round(); env override for
 * experiments: TFLRT_FC_REQUANT=fixed. */
static int fc_fixed_requant(void) {
  static int cached = -1;
  if (cached < 0) {
    const char *e = getenv("TFLRT_FC_REQUANT");
    cached = e && strcmp(e, "fixed") == 0;
  }
  return cached;
}

static TflStatus fc_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !w || !out) return TFL_NOT_MINE;
  const int is8 = in->type == TFL_INT8 && out->type == TFL_INT8;
  const int is16 = in->type == TFL_INT16 && out->type == TFL_INT16;
  if (!(is8 || is16) || w->type != TFL_INT8) return TFL_NOT_MINE;
  if (!is_q(in) || !is_q(w) || !is_q(out)) return tfl_error(ctx, "FULLY_CONNECTED: quantized tensors need scales");
  if (w->rank != 2) return tfl_error(ctx, "FULLY_CONNECTED: weights must be 2-D");
  const int units = w->dims[0], depth = w->dims[1];
  if (units <= 0 || depth <= 0) return tfl_error(ctx, "FULLY_CONNECTED: empty weights");
  const int64_t total = tfl_num_elements(in);
  if (total % depth != 0) return tfl_error(ctx, "FULLY_CONNECTED: input size %lld not a multiple of %d",
                                           (long long)total, depth);
  if (w->nq > 1 && w->nq != units) return tfl_error(ctx, "FULLY_CONNECTED: %d weight scales for %d units", w->nq, units);
  if (bias) {
    if (is8 && bias->type != TFL_INT32) return tfl_error(ctx, "FULLY_CONNECTED: int8 needs an int32 bias");
    if (is16 && bias->type != TFL_INT32 && bias->type != TFL_INT64)
      return tfl_error(ctx, "FULLY_CONNECTED: int16 needs an int32 or int64 bias");
    if (tfl_num_elements(bias) != units) return tfl_error(ctx, "FULLY_CONNECTED: bias size mismatch");
  }
  if (is16 && (zp0(in) != 0 || zp0(out) != 0))
    return tfl_error(ctx, "FULLY_CONNECTED: int16 activations need zero point 0");
  const TflFullyConnectedOptions o = tfl_FullyConnectedOptions(node);
  const int act = o.fused_activation_function, keep = o.keep_num_dims;
  tfl_release_user_data(node);
  FcQ *d = (FcQ *)calloc(1, sizeof(FcQ));
  if (!d) return tfl_error(ctx, "FULLY_CONNECTED: out of memory");
  node->user_data = d;
  node->free_user_data = fc_free;
  d->eff = (double *)calloc((size_t)units, sizeof(double));
  d->mult = (int32_t *)calloc((size_t)units, sizeof(int32_t));
  d->shift = (int *)calloc((size_t)units, sizeof(int));
  if (!d->eff || !d->mult || !d->shift) return tfl_error(ctx, "FULLY_CONNECTED: out of memory");
  d->is16 = is16;
  d->bias64 = bias && bias->type == TFL_INT64;
  d->per_channel = w->nq > 1;
  d->units = units;
  d->depth = depth;
  d->batch = (int)(total / depth);
  d->in_zp = zp0(in);
  d->w_zp = d->per_channel ? 0 : zp0(w);
  d->out_zp = zp0(out);
  const float in_s = in->scales[0], out_s = out->scales[0];
  for (int u = 0; u < units; ++u) {
    const float ws = d->per_channel ? w->scales[u] : w->scales[0];
    d->eff[u] = (double)in_s * (double)ws / (double)out_s;
    if (d->per_channel) {
      tfl_quantize_multiplier(d->eff[u], &d->mult[u], &d->shift[u]);
    } else {
      /* GetQuantizedConvolutionMultipler: product taken in float */
      const double m = (double)(float)(in_s * ws) / (double)out_s;
      tfl_quantize_multiplier(m, &d->mult[u], &d->shift[u]);
    }
  }
  tfl_act_range_q(act, out->type, out_s, d->out_zp, &d->act_lo, &d->act_hi);
  if (is8 && d->w_zp == 0 && w->data && w->alloc == TFL_ALLOC_CONST && getenv("TFLRT_NO_QGEMM") == NULL) {
    if (!tfl_qgemm_prepare(&d->gemm, (const int8_t *)w->data, units, depth))
      return tfl_error(ctx, "FULLY_CONNECTED: out of memory");
    /* the fixed-point form runs the fused epilogue; the default float form post-processes raw sums */
    if (fc_fixed_requant() && !tfl_qgemm_set_requant(&d->gemm, d->mult, d->shift, d->out_zp, d->act_lo, d->act_hi))
      return tfl_error(ctx, "FULLY_CONNECTED: out of memory");
    d->packed = 1;
  }
  int32_t dims[TFL_MAX_RANK];
  if (keep) {
    if (in->dims[in->rank - 1] != depth) return tfl_error(ctx, "FULLY_CONNECTED: keep_num_dims needs last dim %d", depth);
    for (int i = 0; i < in->rank; ++i) dims[i] = in->dims[i];
    dims[in->rank - 1] = units;
    return tfl_resize(ctx, out, in->rank, dims);
  }
  dims[0] = d->batch;
  dims[1] = units;
  return tfl_resize(ctx, out, 2, dims);
}

/* int8, packed weights: the shared GEMM driver; input rows go in its row format (int16, or uint8 for VNNI). */
typedef struct {
  const FcQ *d;
  const int8_t *x;
  int8_t *y;
  const int32_t *b32;
} FcRun;

static void fc_rows(const void *arg, int m0, int mb, const TflQRows *o) {
  const FcRun *r = (const FcRun *)arg;
  const int K = r->d->depth;
  if (o->lda == K) {
    tfl_qrows_copy(o, 0, r->x + (size_t)m0 * K, (size_t)mb * K);
    return;
  }
  for (int i = 0; i < mb; ++i) tfl_qrows_copy(o, (size_t)i * o->lda, r->x + (size_t)(m0 + i) * K, (size_t)K);
}

/* LiteRT's float requantization: round((double)acc * eff) per unit. */
static void fc_post(const void *arg, int m0, int mb, int n0, int n1, const int32_t *acc, int ldacc,
                    int thread) {
  (void)thread;
  const FcRun *r = (const FcRun *)arg;
  const FcQ *d = r->d;
  const int U = d->units;
  for (int i = 0; i < mb; ++i) {
    const int32_t *ar = acc + (size_t)i * ldacc;
    int8_t *yr = r->y + (size_t)(m0 + i) * U;
    for (int u = n0; u < n1; ++u) {
      int32_t a = (int32_t)((uint32_t)ar[u] - (uint32_t)d->in_zp * (uint32_t)d->gemm.wsum[u]);
      if (r->b32) a = (int32_t)((uint32_t)a + (uint32_t)r->b32[u]);
      const int32_t v = tfl_sat_f2i(round((double)a * d->eff[u]));
      yr[u] = (int8_t)clamp32(add_wrap(v, d->out_zp), d->act_lo, d->act_hi);
    }
  }
}

static TflStatus fc_eval_gemm(TflContext *ctx, TflNode *node, FcQ *d) {
  TflTensor *in = tfl_input(ctx, node, 0), *bias = tfl_input(ctx, node, 2), *out = tfl_output(ctx, node, 0);
  FcRun r = {d, (const int8_t *)in->data, (int8_t *)out->data, bias ? (const int32_t *)bias->data : NULL};
  TflStatus st;
  if (d->gemm.has_rq) {
    tfl_qgemm_set_bias(&d->gemm, r.b32, d->in_zp);
    st = tfl_qgemm_run_rows(ctx, &d->gemm, d->batch, fc_rows, &r, r.y, d->units, NULL, NULL, NULL);
  } else {
    st = tfl_qgemm_run_rows(ctx, &d->gemm, d->batch, fc_rows, &r, NULL, 0, fc_post, &r, NULL);
  }
  return st == TFL_OK ? TFL_OK : tfl_error(ctx, "FULLY_CONNECTED: out of memory");
}

static TflStatus fc_eval(TflContext *ctx, TflNode *node) {
  FcQ *d = (FcQ *)node->user_data;
  if (d->packed) return fc_eval_gemm(ctx, node, d);
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *bias = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  const int units = d->units, depth = d->depth, batch = d->batch;
  const int8_t *wd = (const int8_t *)w->data;
  const int32_t *b32 = bias && !d->bias64 ? (const int32_t *)bias->data : NULL;
  const int64_t *b64 = bias && d->bias64 ? (const int64_t *)bias->data : NULL;
  const int fixed = fc_fixed_requant();
  const TflRounding mode = tfl_rounding();
  const int32_t in_off = -d->in_zp, w_off = -d->w_zp;
  for (int b = 0; b < batch; ++b) {
    for (int u = 0; u < units; ++u) {
      const int8_t *wr = wd + (size_t)u * depth;
      int64_t acc = 0;
      if (d->is16) {
        const int16_t *x = (const int16_t *)in->data + (size_t)b * depth;
        for (int k = 0; k < depth; ++k) acc += (int64_t)(wr[k] + w_off) * (x[k] + in_off);
      } else {
        const int8_t *x = (const int8_t *)in->data + (size_t)b * depth;
        int32_t a = 0;
        if (w_off == 0) {
          for (int k = 0; k < depth; ++k) a += (int32_t)wr[k] * ((int32_t)x[k] + in_off);
        } else {
          for (int k = 0; k < depth; ++k) a += ((int32_t)wr[k] + w_off) * ((int32_t)x[k] + in_off);
        }
        acc = a;
      }
      /* LiteRT's accumulator has the bias type: int32 unless the bias is int64. */
      if (!d->bias64) {
        int32_t a32 = (int32_t)(uint32_t)(uint64_t)acc;
        if (b32) a32 = (int32_t)((uint32_t)a32 + (uint32_t)b32[u]);
        acc = a32;
      } else if (b64) {
        acc = tfl_add_wrap64(acc, b64[u]);
      }
      int32_t r;
      if (fixed) {
        r = d->bias64 ? tfl_mbqm64(acc, d->mult[u], d->shift[u]) : tfl_mbqm_mode((int32_t)acc, d->mult[u], d->shift[u], mode);
      } else {
        r = tfl_sat_f2i(round((double)acc * d->eff[u]));
      }
      r = clamp32(add_wrap(r, d->out_zp), d->act_lo, d->act_hi);
      if (d->is16)
        ((int16_t *)out->data)[(size_t)b * units + u] = (int16_t)r;
      else
        ((int8_t *)out->data)[(size_t)b * units + u] = (int8_t)r;
    }
  }
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------ BATCH_MATMUL */

/* int8 (any zero points, int32 sums, the pinned rounding) or int16 (16x8 attention: zero points 0, int64 sums,
 * LiteRT's int64 MultiplyByQuantizedMultiplier with a 16-bit multiplier, no fused activation), or int8 x int8 ->
 * int32 (TF's BatchMatMulV3 Tout=int32): LiteRT stores the raw int32 sum of products, zero points and scales unused. */
typedef struct {
  int32_t mult;
  int shift;
  int adj_x, adj_y;
  int32_t lzp, rzp, ozp;
  int is16;
  int raw32; /* int8 x int8 -> int32: plain products, no requantization */
  int rank;
  int M, N, K;
  int64_t nbatch;
} BmmQ;

static void bmm_free(void *p) { free(p); }

static TflStatus bmm_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *l = tfl_input(ctx, node, 0), *r = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!l || !r || !out) return TFL_NOT_MINE;
  const int t = l->type;
  const int raw32 = t == TFL_INT8 && r->type == TFL_INT8 && out->type == TFL_INT32;
  if (!raw32 && !((t == TFL_INT8 || t == TFL_INT16) && r->type == t && out->type == t)) return TFL_NOT_MINE;
  if (!raw32 && (!is_q(l) || !is_q(r) || !is_q(out)))
    return tfl_error(ctx, "BATCH_MATMUL: quantized tensors need scales");
  if (t == TFL_INT16 && (zp0(l) || zp0(r) || zp0(out)))
    return tfl_error(ctx, "BATCH_MATMUL: int16 operands need zero point 0");
  if (l->rank < 2 || r->rank < 2 || l->rank > 5 || r->rank > 5) return tfl_error(ctx, "BATCH_MATMUL: rank 2..5 only");
  tfl_release_user_data(node);
  BmmQ *d = (BmmQ *)calloc(1, sizeof(BmmQ));
  if (!d) return tfl_error(ctx, "BATCH_MATMUL: out of memory");
  node->user_data = d;
  node->free_user_data = bmm_free;
  const TflBatchMatMulOptions o = tfl_BatchMatMulOptions(node);
  d->adj_x = o.adj_x;
  d->adj_y = o.adj_y;
  d->is16 = t == TFL_INT16;
  d->raw32 = raw32;
  if (!raw32) {
    d->lzp = zp0(l);
    d->rzp = zp0(r);
    d->ozp = zp0(out);
    const double m = (double)(float)(l->scales[0] * r->scales[0]) / (double)out->scales[0];
    tfl_quantize_multiplier(m, &d->mult, &d->shift);
  }
  const int lr = l->rank, rr = r->rank;
  d->M = d->adj_x ? l->dims[lr - 1] : l->dims[lr - 2];
  d->K = d->adj_x ? l->dims[lr - 2] : l->dims[lr - 1];
  const int rk = d->adj_y ? r->dims[rr - 1] : r->dims[rr - 2];
  d->N = d->adj_y ? r->dims[rr - 2] : r->dims[rr - 1];
  if (rk != d->K) return tfl_error(ctx, "BATCH_MATMUL: contraction sizes %d and %d differ", d->K, rk);
  const int orank = lr > rr ? lr : rr;
  int32_t dims[TFL_MAX_RANK];
  d->nbatch = 1;
  for (int i = 0; i < orank - 2; ++i) {
    const int il = i - (orank - lr), ir = i - (orank - rr);
    const int32_t dl = il >= 0 ? l->dims[il] : 1, dr = ir >= 0 ? r->dims[ir] : 1;
    if (dl != dr && dl != 1 && dr != 1) return tfl_error(ctx, "BATCH_MATMUL: batch dims do not broadcast");
    dims[i] = dl == 1 ? dr : dl;
    d->nbatch *= dims[i];
  }
  dims[orank - 2] = d->M;
  dims[orank - 1] = d->N;
  d->rank = orank;
  return tfl_resize(ctx, out, orank, dims);
}

static TflStatus bmm_eval(TflContext *ctx, TflNode *node) {
  BmmQ *d = (BmmQ *)node->user_data;
  TflTensor *l = tfl_input(ctx, node, 0), *r = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int orank = d->rank, nb = orank - 2;
  const int M = d->M, N = d->N, K = d->K;
  const TflRounding mode = tfl_rounding();
  /* batch strides (in matrices) for both operands */
  int64_t ls[TFL_MAX_RANK], rs[TFL_MAX_RANK];
  int64_t sl = 1, sr = 1;
  for (int i = nb - 1; i >= 0; --i) {
    const int il = i - (orank - l->rank), ir = i - (orank - r->rank);
    const int32_t dl = il >= 0 ? l->dims[il] : 1, dr = ir >= 0 ? r->dims[ir] : 1;
    ls[i] = dl == 1 ? 0 : sl;
    rs[i] = dr == 1 ? 0 : sr;
    sl *= dl;
    sr *= dr;
  }
  const size_t es = d->is16 ? 2 : 1, oes = d->raw32 ? 4 : es;
  const char *ld = (const char *)l->data, *rd = (const char *)r->data;
  char *od = (char *)out->data;
  for (int64_t bi = 0; bi < d->nbatch; ++bi) {
    int64_t rem = bi, lo = 0, ro = 0;
    for (int i = nb - 1; i >= 0; --i) {
      const int32_t dim = out->dims[i];
      const int64_t c = rem % dim;
      rem /= dim;
      lo += c * ls[i];
      ro += c * rs[i];
    }
    const void *lm = ld + (size_t)(lo * M * K) * es, *rm = rd + (size_t)(ro * K * N) * es;
    void *om = od + (size_t)(bi * M * N) * oes;
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < N; ++j) {
        const size_t ia = d->adj_x ? (size_t)i : (size_t)i * K, sa = d->adj_x ? (size_t)M : 1;
        const size_t jb = d->adj_y ? (size_t)j * K : (size_t)j, sb = d->adj_y ? 1 : (size_t)N;
        if (d->is16) {
          const int16_t *a = (const int16_t *)lm + ia, *b = (const int16_t *)rm + jb;
          int64_t acc = 0;
          for (int k = 0; k < K; ++k) acc += (int32_t)a[k * sa] * (int32_t)b[k * sb];
          ((int16_t *)om)[(size_t)i * N + j] = (int16_t)clamp32(tfl_mbqm64(acc, d->mult, d->shift), -32768, 32767);
        } else if (d->raw32) {
          const int8_t *a = (const int8_t *)lm + ia, *b = (const int8_t *)rm + jb;
          uint32_t acc = 0; /* unsigned: LiteRT's int32 sum wraps past 2^31 (K > 131072) instead of being UB here */
          for (int k = 0; k < K; ++k) acc += (uint32_t)((int32_t)a[k * sa] * (int32_t)b[k * sb]);
          ((int32_t *)om)[(size_t)i * N + j] = (int32_t)acc;
        } else {
          const int8_t *a = (const int8_t *)lm + ia, *b = (const int8_t *)rm + jb;
          int32_t acc = 0;
          for (int k = 0; k < K; ++k) acc += (a[k * sa] - d->lzp) * (b[k * sb] - d->rzp);
          const int32_t v = tfl_mbqm_mode(acc, d->mult, d->shift, mode) + d->ozp;
          ((int8_t *)om)[(size_t)i * N + j] = (int8_t)clamp32(v, -128, 127);
        }
      }
    }
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_fc_q[] = {
    {TFL_OP_FULLY_CONNECTED, "FULLY_CONNECTED (int8/int16x8)", 1, 12, fc_prepare, fc_eval},
    {TFL_OP_BATCH_MATMUL, "BATCH_MATMUL (int8/int16, int8->int32)", 1, 4, bmm_prepare, bmm_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
