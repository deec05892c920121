/* Kernel family matmul_q16: BATCH_MATMUL with int16 activations on both sides (16x8 quantization of attention
 * blocks, where both operands are activations), bit-exact with LiteRT's reference kernel.
 *
 * Zero points must be 0 (as LiteRT requires). Products are accumulated in int64 and requantized with the int64
 * MultiplyByQuantizedMultiplier (multiplier rounded to 16 bits, tfl_mbqm64); the real multiplier is
 * (double)(float)(lhs_s * rhs_s) / out_s. No fused activation: outputs clamp to the int16 range. Batch dimensions
 * broadcast (ranks 2..5). The int8 kernel lives in fc_q.c; this one claims only int16 x int16 -> int16. */
#include <stdlib.h>

#include "../fixedpoint.h"
#include "../tflrt.h"

enum { OP_BATCH_MATMUL = 126 };

typedef struct {
  int32_t mult;
  int shift;
  int adj_x, adj_y;
  int rank;
  int M, N, K;
  int64_t nbatch;
} Bmm16;

static int has_scale(const TflTensor *t) { return t->nq >= 1 && t->scales; }
static int has_nonzero_zp(const TflTensor *t) {
  for (int i = 0; i < t->nq; ++i)
    if (t->zero_points && t->zero_points[i]) return 1;
  return 0;
}

static TflStatus bmm16_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *l = tfl_input(ctx, node, 0), *r = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!l || !r || !out) return TFL_NOT_MINE;
  if (!(l->type == TFL_INT16 && r->type == TFL_INT16 && out->type == TFL_INT16)) return TFL_NOT_MINE;
  if (!has_scale(l) || !has_scale(r) || !has_scale(out))
    return tfl_error(ctx, "BATCH_MATMUL: int16 tensors need quantization scales");
  if (has_nonzero_zp(l) || has_nonzero_zp(r) || has_nonzero_zp(out))
    return tfl_error(ctx, "BATCH_MATMUL: int16 operands need zero point 0");
  if (l->rank < 2 || r->rank < 2 || l->rank > 5 || r->rank > 5) return tfl_error(ctx, "BATCH_MATMUL: rank 2..5 only");
  tfl_release_user_data(node);
  Bmm16 *d = (Bmm16 *)calloc(1, sizeof(Bmm16));
  if (!d) return tfl_error(ctx, "BATCH_MATMUL: out of memory");
  node->user_data = d;
  node->free_user_data = free;
  d->adj_x = tfl_opt_bool(node, 0, 0);
  d->adj_y = tfl_opt_bool(node, 1, 0);
  const double m = (double)(float)(l->scales[0] * r->scales[0]) / (double)out->scales[0];
  tfl_quantize_multiplier(m, &d->mult, &d->shift);
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

static TflStatus bmm16_eval(TflContext *ctx, TflNode *node) {
  const Bmm16 *d = (const Bmm16 *)node->user_data;
  TflTensor *l = tfl_input(ctx, node, 0), *r = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int orank = d->rank, nb = orank - 2;
  const int M = d->M, N = d->N, K = d->K;
  /* element strides of row / contraction index in each operand, whatever the adjoint flags */
  const int64_t l_row = d->adj_x ? 1 : K, l_k = d->adj_x ? M : 1;
  const int64_t r_col = d->adj_y ? K : 1, r_k = d->adj_y ? 1 : N;
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
  const int16_t *ld = (const int16_t *)l->data, *rd = (const int16_t *)r->data;
  int16_t *od = (int16_t *)out->data;
  for (int64_t bi = 0; bi < d->nbatch; ++bi) {
    int64_t rem = bi, lo = 0, ro = 0;
    for (int i = nb - 1; i >= 0; --i) {
      const int32_t dim = out->dims[i];
      const int64_t c = rem % dim;
      rem /= dim;
      lo += c * ls[i];
      ro += c * rs[i];
    }
    const int16_t *lm = ld + lo * (int64_t)M * K, *rm = rd + ro * (int64_t)K * N;
    int16_t *om = od + bi * (int64_t)M * N;
    for (int i = 0; i < M; ++i) {
      const int16_t *li = lm + i * l_row;
      for (int j = 0; j < N; ++j) {
        const int16_t *rj = rm + j * r_col;
        int64_t acc = 0;
        for (int k = 0; k < K; ++k) acc += (int32_t)li[k * l_k] * (int32_t)rj[k * r_k];
        int32_t v = tfl_mbqm64(acc, d->mult, d->shift);
        v = v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
        om[(size_t)i * N + j] = (int16_t)v;
      }
    }
  }
  (void)ctx;
  return TFL_OK;
}

const TflKernel tfl_kernels_matmul_q16[] = {
    {OP_BATCH_MATMUL, "BATCH_MATMUL (int16)", bmm16_prepare, bmm16_eval},
    {0, NULL, NULL, NULL},
};
