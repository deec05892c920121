/* Float32 UNIDIRECTIONAL_SEQUENCE_RNN (LiteRT's 5-input layout): h_t = act(b + W x_t + R h_{t-1}) per step, summed
 * in LiteRT's order (bias, then the input dot product, then the recurrent one). The hidden state input (4) is a
 * variable tensor updated in place; time-major [T,B,I] or batch-major [B,T,I] sequences. */
#include "common_f32.h"

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
        float v = bias[r], s = 0.0f;
        const float *w = wx + (size_t)r * d->I;
        for (int k = 0; k < d->I; k++) s += w[k] * xb[k];
        v += s;
        s = 0.0f;
        w = wh + (size_t)r * d->U;
        for (int k = 0; k < d->U; k++) s += w[k] * hb[k];
        acc[r] = rnn_act(d->act, v + s);
      }
      memcpy(hb, acc, (size_t)d->U * sizeof(float));
      memcpy(o + row * d->U, acc, (size_t)d->U * sizeof(float));
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_rnn_f32[] = {
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_RNN, "UNIDIRECTIONAL_SEQUENCE_RNN", 1, 1, rnn_prepare, rnn_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
