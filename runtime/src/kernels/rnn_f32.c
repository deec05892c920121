/* Float32 UNIDIRECTIONAL_SEQUENCE_RNN (LiteRT's 5-input layout): h_t = act(b + W x_t + R h_{t-1}) per step, summed
 * in LiteRT's order (bias, then the input dot product, then the recurrent one). The hidden state input (4) is a
 * variable tensor updated in place; time-major [T,B,I] or batch-major [B,T,I] sequences. */
#include "common_f32.h"
#include "hybrid_row.h"

enum { IN_X = 0, W_X = 1, W_H = 2, BIAS = 3, S_H = 4 };

typedef struct {
  int T, B, I, U, time_major, act;
} RnnData;

static TflStatus rnn_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0);
  if (!x || !out) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: missing input or output");
  if (x->type != TFL_FLOAT32) return TFL_NOT_MINE;
  TflTensor *wx = tfl_input(ctx, node, W_X), *wh = tfl_input(ctx, node, W_H), *b = tfl_input(ctx, node, BIAS),
            *h = tfl_input(ctx, node, S_H);
  if (!wx || wx->type != TFL_FLOAT32) return TFL_NOT_MINE; /* hybrid weights */
  if (node->ninputs != 5 || !wh || !b || !h) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: expected 5 inputs");
  if (out->type != TFL_FLOAT32 || wh->type != TFL_FLOAT32 || b->type != TFL_FLOAT32 || h->type != TFL_FLOAT32)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: float32 operands expected");
  if (x->rank != 3 || wx->rank != 2 || wh->rank != 2 || b->rank != 1)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: input must be 3-D, weights 2-D, bias 1-D");
  RnnData *d = tfl_set_user_data(node, sizeof(RnnData));
  const TflSequenceRNNOptions o = tfl_SequenceRNNOptions(node);
  d->time_major = o.time_major;
  d->act = o.fused_activation_function;
  if (d->act != TFL_ACT_NONE && d->act != TFL_ACT_RELU && d->act != TFL_ACT_RELU_N1_TO_1 && d->act != TFL_ACT_RELU6 &&
      d->act != TFL_ACT_TANH)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: unsupported activation %d", d->act);
  d->T = d->time_major ? x->dims[0] : x->dims[1];
  d->B = d->time_major ? x->dims[1] : x->dims[0];
  d->I = x->dims[2];
  d->U = wx->dims[0];
  if (wx->dims[1] != d->I || wh->dims[0] != d->U || wh->dims[1] != d->U || b->dims[0] != d->U)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: weights must be [%d,%d], [%d,%d] and bias [%d]", d->U, d->I,
                     d->U, d->U, d->U);
  if (tfl_num_elements(h) != (int64_t)d->B * d->U)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: hidden state must hold [%d,%d]", d->B, d->U);
  int32_t od[3] = {x->dims[0], x->dims[1], d->U};
  return tfl_resize(ctx, out, 3, od);
}

static float rnn_act(int act, float v) {
  switch (act) {
    case TFL_ACT_RELU: return v > 0 ? v : 0;
    case TFL_ACT_RELU_N1_TO_1: return v > 1 ? 1 : (v < -1 ? -1 : v);
    case TFL_ACT_RELU6: return v > 0 ? (v < 6 ? v : 6) : 0;
    case TFL_ACT_TANH: return tanhf(v);
    default: return v;
  }
}

static TflStatus rnn_eval(TflContext *ctx, TflNode *node) {
  const RnnData *d = node->user_data;
  const float *in = tfl_input(ctx, node, IN_X)->data, *wx = tfl_input(ctx, node, W_X)->data,
              *wh = tfl_input(ctx, node, W_H)->data, *bias = tfl_input(ctx, node, BIAS)->data;
  float *h = tfl_input(ctx, node, S_H)->data, *o = tfl_output(ctx, node, 0)->data;
  float *acc = tfl_eval_scratch(ctx, ((size_t)d->U + 1) * sizeof(float));
  if (!acc) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN: out of memory");
  for (int t = 0; t < d->T; t++)
    for (int b = 0; b < d->B; b++) {
      size_t row = d->time_major ? (size_t)t * d->B + b : (size_t)b * d->T + t;
      const float *xb = in + row * d->I;
      float *hb = h + (size_t)b * d->U;
      for (int r = 0; r < d->U; r++) {
        const float v = bias[r] + tfl_dot_serial(wx + (size_t)r * d->I, xb, d->I);
        acc[r] = rnn_act(d->act, v + tfl_dot_serial(wh + (size_t)r * d->U, hb, d->U));
      }
      memcpy(hb, acc, (size_t)d->U * sizeof(float));
      memcpy(o + row * d->U, acc, (size_t)d->U * sizeof(float));
    }
  return TFL_OK;
}

/* ---- hybrid RNN (dynamic-range quantization): int8 per-tensor weights, float input, bias and state; as LiteRT's
 * RnnBatchStep: out = bias, += (float)(dot(W, q(x)) - zp * rowsum) * (sf * w_scale) unless x is all zeros, the same
 * for the hidden state with R, then the activation; rows quantized per batch (asymmetric_quantize_inputs). */
typedef struct {
  RnnData r;
  int asym;
  float sx, sh;
  int32_t *rsx, *rsh;
  int32_t mem[];
} RnnHyb;

static void rnn_hyb_free(void *p) { free(p); }

static TflStatus rnn_hyb_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0), *wx = tfl_input(ctx, node, W_X),
            *wh = tfl_input(ctx, node, W_H), *b = tfl_input(ctx, node, BIAS), *h = tfl_input(ctx, node, S_H);
  if (!x || !out || !wx || x->type != TFL_FLOAT32 || wx->type != TFL_INT8) return TFL_NOT_MINE;
  const char *op = "UNIDIRECTIONAL_SEQUENCE_RNN (hybrid)";
  if (node->ninputs != 5 || !wh || !b || !h) return tfl_error(ctx, "%s: expected 5 inputs", op);
  if (wh->type != TFL_INT8 || wx->nq != 1 || wh->nq != 1 || !wx->scales || !wh->scales)
    return tfl_error(ctx, "%s: weights must be int8 with one scale each", op);
  if (out->type != TFL_FLOAT32 || b->type != TFL_FLOAT32 || h->type != TFL_FLOAT32)
    return tfl_error(ctx, "%s: input, bias, state and output must be float32", op);
  if (wx->alloc != TFL_ALLOC_CONST || wh->alloc != TFL_ALLOC_CONST)
    return tfl_error(ctx, "%s: weights must be constant (row sums are precomputed)", op);
  if (x->rank != 3 || wx->rank != 2 || wh->rank != 2 || b->rank != 1)
    return tfl_error(ctx, "%s: input must be 3-D, weights 2-D, bias 1-D", op);
  const TflSequenceRNNOptions o = tfl_SequenceRNNOptions(node);
  const int U = wx->dims[0], I = x->dims[2];
  RnnHyb *d = calloc(1, sizeof(RnnHyb) + sizeof(int32_t) * 2 * (size_t)U);
  if (!d) return tfl_error(ctx, "%s: out of memory", op);
  node->user_data = d;
  node->free_user_data = rnn_hyb_free;
  RnnData *r = &d->r;
  r->time_major = o.time_major;
  r->act = o.fused_activation_function;
  if (r->act != TFL_ACT_NONE && r->act != TFL_ACT_RELU && r->act != TFL_ACT_RELU_N1_TO_1 && r->act != TFL_ACT_RELU6 &&
      r->act != TFL_ACT_TANH)
    return tfl_error(ctx, "%s: unsupported activation %d", op, r->act);
  r->T = r->time_major ? x->dims[0] : x->dims[1];
  r->B = r->time_major ? x->dims[1] : x->dims[0];
  r->I = I, r->U = U;
  if (wx->dims[1] != I || wh->dims[0] != U || wh->dims[1] != U || b->dims[0] != U)
    return tfl_error(ctx, "%s: weights must be [%d,%d], [%d,%d] and bias [%d]", op, U, I, U, U, U);
  if (tfl_num_elements(h) != (int64_t)r->B * U) return tfl_error(ctx, "%s: hidden state must hold [%d,%d]", op, r->B, U);
  d->asym = o.asymmetric_quantize_inputs;
  d->sx = wx->scales[0], d->sh = wh->scales[0];
  d->rsx = d->mem, d->rsh = d->mem + U;
  const int8_t *a = wx->data, *c = wh->data;
  for (int u = 0; u < U; u++) {
    int32_t s1 = 0, s2 = 0;
    for (int k = 0; k < I; k++) s1 += a[(size_t)u * I + k];
    for (int k = 0; k < U; k++) s2 += c[(size_t)u * U + k];
    d->rsx[u] = s1, d->rsh[u] = s2;
  }
  int32_t od[3] = {x->dims[0], x->dims[1], U};
  return tfl_resize(ctx, out, 3, od);
}

static TflStatus rnn_hyb_eval(TflContext *ctx, TflNode *node) {
  const RnnHyb *d = node->user_data;
  const RnnData *r = &d->r;
  const float *in = tfl_input(ctx, node, IN_X)->data, *bias = tfl_input(ctx, node, BIAS)->data;
  const int8_t *wx = tfl_input(ctx, node, W_X)->data, *wh = tfl_input(ctx, node, W_H)->data;
  float *h = tfl_input(ctx, node, S_H)->data, *o = tfl_output(ctx, node, 0)->data;
  int8_t *q = tfl_eval_scratch(ctx, (size_t)(r->I > r->U ? r->I : r->U) + 64);
  if (!q) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_RNN (hybrid): out of memory");
  for (int b = 0; b < r->B; b++)
    for (int t = 0; t < r->T; t++) {
      const size_t row = r->time_major ? (size_t)t * r->B + b : (size_t)b * r->T + t;
      const float *xb = in + row * r->I;
      float *hb = h + (size_t)b * r->U, *ob = o + row * r->U;
      for (int u = 0; u < r->U; u++) ob[u] = bias[u];
      for (int pass = 0; pass < 2; pass++) { /* input, then the hidden state */
        const float *v = pass ? hb : xb;
        const int n = pass ? r->U : r->I;
        int zero = 1;
        for (int k = 0; k < n && zero; k++) zero = v[k] == 0.0f;
        if (zero) continue;
        float sf;
        int32_t zp;
        tfl_hybrid_quantize_row(v, n, d->asym, q, &sf, &zp);
        sf *= pass ? d->sh : d->sx;
        const int8_t *w = pass ? wh : wx;
        const int32_t *rs = pass ? d->rsh : d->rsx;
        for (int u = 0; u < r->U; u++) {
          int32_t dot = 0;
          for (int k = 0; k < n; k++) dot += (int32_t)w[(size_t)u * n + k] * q[k];
          if (d->asym) dot -= rs[u] * zp;
          ob[u] += (float)dot * sf;
        }
      }
      for (int u = 0; u < r->U; u++) ob[u] = rnn_act(r->act, ob[u]);
      memcpy(hb, ob, (size_t)r->U * sizeof(float));
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_rnn_f32[] = {
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_RNN, "UNIDIRECTIONAL_SEQUENCE_RNN", 1, 1, rnn_prepare, rnn_eval},
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_RNN, "UNIDIRECTIONAL_SEQUENCE_RNN", 2, 3, rnn_hyb_prepare, rnn_hyb_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
