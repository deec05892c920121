/* Float32 FULLY_CONNECTED and BATCH_MATMUL on the blocked GEMM. */
#include "common_f32.h"
#include "gemm.h"

/* ------------------------------------------------------------------------------------------ FULLY_CONNECTED */

typedef struct {
  int M, N, K;
  float lo, hi;
  float *packed; /* owned */
  int dynamic_weights;
  TflGemmFn gemm; /* chosen at prepare (ISA level, fast float) */
} FcData;

static void fc_free(void *p) {
  FcData *d = p;
  if (!d) return;
  free(d->packed);
  free(d);
}

static TflStatus fc_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!in || !w || !out) return tfl_error(ctx, "FULLY_CONNECTED: missing input, weights or output");
  if (tfl_is_f32(in) && !tfl_is_f32(out)) return tfl_error(ctx, "FULLY_CONNECTED: output must be float32");
  if (!tfl_is_f32(in) || !tfl_is_f32(w)) return TFL_NOT_MINE;
  if (w->rank != 2) return tfl_error(ctx, "FULLY_CONNECTED: weights must be 2-D, got rank %d", w->rank);
  const TflFullyConnectedOptions o = tfl_FullyConnectedOptions(node);
  int act = o.fused_activation_function, fmt = o.weights_format, keep = o.keep_num_dims;
  if (fmt != 0) return tfl_error(ctx, "FULLY_CONNECTED: weights_format %d unsupported for float32", fmt);
  if (act >= TFL_ACT_TANH) return tfl_error(ctx, "FULLY_CONNECTED: unsupported fused activation %d", act);
  int N = w->dims[0], K = w->dims[1];
  if (in->rank < 1) return tfl_error(ctx, "FULLY_CONNECTED: input must have rank >= 1");
  int64_t total = tfl_num_elements(in);
  if (K <= 0 || total % K != 0)
    return tfl_error(ctx, "FULLY_CONNECTED: input size %lld not a multiple of weights depth %d", (long long)total, K);
  if (b && (!tfl_is_f32(b) || tfl_num_elements(b) != N))
    return tfl_error(ctx, "FULLY_CONNECTED: bias must be float32 with %d elements", N);
  if (total / K > INT32_MAX) return tfl_error(ctx, "FULLY_CONNECTED: input too large");
  FcData *d = tfl_set_user_data(node, sizeof(FcData));
  node->free_user_data = fc_free;
  d->M = (int)(total / K);
  d->N = N;
  d->K = K;
  d->gemm = tfl_gemm_kernel(tfl_fast_float(ctx));
  tfl_activation_range_f32(act, &d->lo, &d->hi);
  int32_t od[TFL_MAX_RANK];
  int rank;
  if (keep) {
    if (in->dims[in->rank - 1] != K)
      return tfl_error(ctx, "FULLY_CONNECTED: keep_num_dims needs last input dim %d == %d", in->dims[in->rank - 1], K);
    rank = in->rank;
    memcpy(od, in->dims, sizeof(int32_t) * rank);
    od[rank - 1] = N;
  } else {
    rank = 2;
    od[0] = d->M;
    od[1] = N;
  }
  if (tfl_resize(ctx, out, rank, od) != TFL_OK) return TFL_ERROR;
  d->packed = malloc(tfl_gemm_packed_floats(N, K) * sizeof(float));
  if (!d->packed) return tfl_error(ctx, "FULLY_CONNECTED: out of memory");
  d->dynamic_weights = !tfl_value_known(w);
  if (!d->dynamic_weights) tfl_gemm_pack_nk(w->data, N, K, d->packed);
  return TFL_OK;
}

static TflStatus fc_eval(TflContext *ctx, TflNode *node) {
  FcData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *w = tfl_input(ctx, node, 1), *b = tfl_input(ctx, node, 2);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (d->dynamic_weights) tfl_gemm_pack_nk(w->data, d->N, d->K, d->packed);
  tfl_gemm_f32_mt_k(ctx, d->gemm, d->M, d->N, d->K, in->data, d->K, d->packed, b ? (const float *)b->data : NULL,
                    d->lo, d->hi, out->data, d->N);
  return TFL_OK;
}

/* --------------------------------------------------------------------------------------------- BATCH_MATMUL */

typedef struct {
  int M, N, K, adj_x, adj_y;
  int rank;
  int32_t od[TFL_MAX_RANK];
  int64_t nbatch;
  int64_t xs[TFL_MAX_RANK], ys[TFL_MAX_RANK]; /* batch strides in matrices, 0 where broadcast */
  size_t pk, xt; /* eval scratch floats */
  TflGemmFn gemm;
} BmmData;

static TflStatus bmm_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, 0), *y = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!x || !y || !out) return tfl_error(ctx, "BATCH_MATMUL: missing operands");
  if (tfl_is_f32(x) && !tfl_is_f32(out)) return tfl_error(ctx, "BATCH_MATMUL: output must be float32");
  if (!tfl_is_f32(x) || !tfl_is_f32(y)) return TFL_NOT_MINE;
  if (x->rank < 2 || y->rank < 2 || x->rank > 6 || y->rank > 6)
    return tfl_error(ctx, "BATCH_MATMUL: operand ranks must be in [2,6] (got %d, %d)", x->rank, y->rank);
  BmmData *d = tfl_set_user_data(node, sizeof(BmmData));
  const TflBatchMatMulOptions o = tfl_BatchMatMulOptions(node);
  d->adj_x = o.adj_x;
  d->adj_y = o.adj_y;
  int xr = x->rank, yr = y->rank;
  int M = d->adj_x ? x->dims[xr - 1] : x->dims[xr - 2];
  int Kx = d->adj_x ? x->dims[xr - 2] : x->dims[xr - 1];
  int Ky = d->adj_y ? y->dims[yr - 1] : y->dims[yr - 2];
  int N = d->adj_y ? y->dims[yr - 2] : y->dims[yr - 1];
  if (Kx != Ky) return tfl_error(ctx, "BATCH_MATMUL: contraction dims differ (%d vs %d)", Kx, Ky);
  d->M = M; d->N = N; d->K = Kx;
  d->gemm = tfl_gemm_kernel(tfl_fast_float(ctx));
  int br = (xr > yr ? xr : yr) - 2;
  d->rank = br + 2;
  int64_t cx = (int64_t)x->dims[xr - 1] * x->dims[xr - 2], cy = (int64_t)y->dims[yr - 1] * y->dims[yr - 2];
  d->nbatch = 1;
  for (int i = br - 1; i >= 0; i--) {
    int ix = i - (br - (xr - 2)), iy = i - (br - (yr - 2));
    int dx = ix >= 0 ? x->dims[ix] : 1, dy = iy >= 0 ? y->dims[iy] : 1;
    if (dx != dy && dx != 1 && dy != 1) return tfl_error(ctx, "BATCH_MATMUL: batch dims %d and %d do not broadcast", dx, dy);
    d->od[i] = dx > dy ? dx : dy;
    if (dx == 0 || dy == 0) d->od[i] = 0;
    d->xs[i] = dx == 1 ? 0 : cx;
    d->ys[i] = dy == 1 ? 0 : cy;
    cx *= dx;
    cy *= dy;
    d->nbatch *= d->od[i];
  }
  if (d->nbatch * M > INT32_MAX) return tfl_error(ctx, "BATCH_MATMUL: output too large");
  d->od[br] = M;
  d->od[br + 1] = N;
  if (tfl_resize(ctx, out, d->rank, d->od) != TFL_OK) return TFL_ERROR;
  size_t pk = tfl_gemm_packed_floats(N, d->K), xt = d->adj_x ? (size_t)M * d->K : 0;
  d->pk = pk;
  d->xt = xt;
  return TFL_OK;
}

/* Offsets (in floats) of batch bi's x and y matrices. */
static void bmm_offsets(const BmmData *d, int64_t bi, int64_t *ox, int64_t *oy) {
  *ox = 0;
  *oy = 0;
  for (int i = d->rank - 3; i >= 0; i--) {
    int64_t k = bi % d->od[i];
    bi /= d->od[i];
    *ox += k * d->xs[i];
    *oy += k * d->ys[i];
  }
}

/* One batch: pack y (when it is not already in packed), transpose x if adjoint, GEMM. */
static void bmm_batch(const BmmData *d, const float *xm, const float *ym, float *packed, float *xt, float *o,
                      TflContext *mt_ctx) {
  if (ym) {
    if (d->adj_y) /* y is [N,K] */
      tfl_gemm_pack_nk(ym, d->N, d->K, packed);
    else /* y is [K,N] */
      tfl_gemm_pack_kn(ym, d->N, d->K, d->N, 1, packed);
  }
  const float *a = xm;
  if (d->adj_x) { /* x is [K,M] */
    for (int m = 0; m < d->M; m++)
      for (int k = 0; k < d->K; k++) xt[(size_t)m * d->K + k] = xm[(size_t)k * d->M + m];
    a = xt;
  }
  if (mt_ctx)
    tfl_gemm_f32_mt_k(mt_ctx, d->gemm, d->M, d->N, d->K, a, d->K, packed, NULL, -INFINITY, INFINITY, o, d->N);
  else
    d->gemm(d->M, d->N, d->K, a, d->K, packed, NULL, -INFINITY, INFINITY, o, d->N);
}

/* Batches split over threads: each thread packs into its own scratch. */
typedef struct {
  const BmmData *d;
  const float *x, *y;
  float *out, *scratch;
  size_t stride;
  int64_t chunk;
} BmmJob;

static void bmm_task(void *arg, int task, int thread) {
  const BmmJob *j = arg;
  const BmmData *d = j->d;
  float *packed = j->scratch + (size_t)thread * j->stride, *xt = packed + d->pk;
  int64_t b0 = task * j->chunk, b1 = b0 + j->chunk < d->nbatch ? b0 + j->chunk : d->nbatch;
  int64_t last_oy = -1;
  for (int64_t bi = b0; bi < b1; bi++) {
    int64_t ox, oy;
    bmm_offsets(d, bi, &ox, &oy);
    bmm_batch(d, j->x + ox, oy != last_oy ? j->y + oy : NULL, packed, xt, j->out + bi * (int64_t)d->M * d->N, NULL);
    last_oy = oy;
  }
}

static TflStatus bmm_eval(TflContext *ctx, TflNode *node) {
  BmmData *d = node->user_data;
  TflTensor *x = tfl_input(ctx, node, 0), *y = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const float *xd = x->data, *yd = y->data;
  float *o = out->data;
  int nt = tfl_num_threads(ctx);
  double work = (double)d->M * d->N * d->K;
  /* many batches of small products: one task per group of batches; otherwise threads inside each product */
  if (nt > 1 && d->nbatch >= 2 && work * d->nbatch >= 2.0 * TFL_MIN_TASK_MACS &&
      work < (double)TFL_MIN_TASK_MACS * 4 * nt) {
    int64_t want = 4 * nt, maxt = (int64_t)(work * d->nbatch / TFL_MIN_TASK_MACS);
    if (maxt < want) want = maxt;
    if (want > d->nbatch) want = d->nbatch;
    int64_t chunk = (d->nbatch + want - 1) / want;
    size_t stride = (d->pk + d->xt + 16) / 16 * 16;
    float *s = tfl_eval_scratch(ctx, stride * nt * sizeof(float));
    if (!s) return tfl_error(ctx, "BATCH_MATMUL: out of memory for scratch");
    BmmJob j = {d, xd, yd, o, s, stride, chunk};
    tfl_parallel_for(ctx, (int)((d->nbatch + chunk - 1) / chunk), bmm_task, &j);
    return TFL_OK;
  }
  float *packed = tfl_eval_scratch(ctx, (d->pk + d->xt + 1) * sizeof(float));
  if (!packed) return tfl_error(ctx, "BATCH_MATMUL: out of memory for scratch");
  float *xt = packed + d->pk;
  int64_t last_oy = -1;
  for (int64_t bi = 0; bi < d->nbatch; bi++) {
    int64_t ox, oy;
    bmm_offsets(d, bi, &ox, &oy);
    bmm_batch(d, xd + ox, oy != last_oy ? yd + oy : NULL, packed, xt, o + bi * (int64_t)d->M * d->N, ctx);
    last_oy = oy;
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_fc_f32[] = {
    {TFL_OP_FULLY_CONNECTED, "FULLY_CONNECTED", 1, 12, fc_prepare, fc_eval},
    {TFL_OP_BATCH_MATMUL, "BATCH_MATMUL", 1, 4, bmm_prepare, bmm_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
