/* Float32 UNIDIRECTIONAL_SEQUENCE_LSTM (24-input layout of LiteRT's lstm kernels): optional CIFG, peepholes,
 * projection, layer normalisation, cell/projection clipping, time-major or batch-major sequences. The output and cell
 * state inputs (18, 19) are variable tensors updated in place. */
#include "common_f32.h"

enum {
  IN_X = 0, W_XI = 1, W_XF = 2, W_XC = 3, W_XO = 4, W_HI = 5, W_HF = 6, W_HC = 7, W_HO = 8, P_I = 9, P_F = 10,
  P_O = 11, B_I = 12, B_F = 13, B_C = 14, B_O = 15, W_PROJ = 16, B_PROJ = 17, S_H = 18, S_C = 19, LN_I = 20,
  LN_F = 21, LN_C = 22, LN_O = 23
};

typedef struct {
  int T, B, I, C, O; /* steps, batch, input, cells, output units */
  int time_major, act, cifg, peep, proj, ln;
  float cell_clip, proj_clip;
} LstmData;

static TflStatus check_f32(TflContext *ctx, TflTensor *t, int idx, int rank, int d0, int d1) {
  if (!t) return TFL_OK;
  if (t->type != TFL_FLOAT32) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: input %d must be float32", idx);
  if (t->rank != rank || t->dims[0] != d0 || (rank == 2 && t->dims[1] != d1))
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: input %d has the wrong shape", idx);
  return TFL_OK;
}

static TflStatus lstm_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0);
  if (!x || !out) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: missing input or output");
  if (x->type != TFL_FLOAT32) return TFL_NOT_MINE;
  if (out->type != TFL_FLOAT32) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: output must be float32");
  TflTensor *wxf = tfl_input(ctx, node, W_XF);
  if (!wxf || wxf->type != TFL_FLOAT32) return TFL_NOT_MINE; /* hybrid / quantized weights */
  if (node->ninputs < 20) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: expected 20 or 24 inputs, got %d", node->ninputs);
  if (x->rank != 3) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: input must be 3-D");
  LstmData *d = tfl_set_user_data(node, sizeof(LstmData));
  const TflUnidirectionalSequenceLSTMOptions o = tfl_UnidirectionalSequenceLSTMOptions(node);
  d->act = o.fused_activation_function;
  d->cell_clip = o.cell_clip;
  d->proj_clip = o.proj_clip;
  d->time_major = o.time_major;
  if (d->act != TFL_ACT_NONE && d->act != TFL_ACT_RELU && d->act != TFL_ACT_RELU6 && d->act != TFL_ACT_TANH &&
      d->act != 6 /* SIGN_BIT is unused; 6 = sigmoid in the kernel's enum */)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: unsupported activation %d", d->act);
  d->T = d->time_major ? x->dims[0] : x->dims[1];
  d->B = d->time_major ? x->dims[1] : x->dims[0];
  d->I = x->dims[2];
  if (wxf->rank != 2 || wxf->dims[1] != d->I) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: input_to_forget_weights must be [n_cell, %d]", d->I);
  d->C = wxf->dims[0];
  TflTensor *whf = tfl_input(ctx, node, W_HF);
  if (!whf || whf->rank != 2 || whf->dims[0] != d->C) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: bad recurrent_to_forget_weights");
  d->O = whf->dims[1];
  d->cifg = tfl_input(ctx, node, W_XI) == NULL;
  d->peep = tfl_input(ctx, node, P_F) != NULL;
  d->proj = tfl_input(ctx, node, W_PROJ) != NULL;
  d->ln = node->ninputs >= 24 && tfl_input(ctx, node, LN_F) != NULL;
  if (!d->proj && d->O != d->C) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: n_output %d != n_cell %d without projection", d->O, d->C);
  static const int wx[] = {W_XI, W_XF, W_XC, W_XO}, wh[] = {W_HI, W_HF, W_HC, W_HO}, bs[] = {B_I, B_F, B_C, B_O};
  for (int g = 0; g < 4; g++) {
    if (g == 0 && d->cifg) {
      if (tfl_input(ctx, node, W_HI) || tfl_input(ctx, node, B_I)) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: CIFG with input-gate tensors");
      continue;
    }
    TflTensor *a = tfl_input(ctx, node, wx[g]), *b = tfl_input(ctx, node, wh[g]), *c = tfl_input(ctx, node, bs[g]);
    if (!a || !b || !c) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: gate %d misses weights or bias", g);
    if (check_f32(ctx, a, wx[g], 2, d->C, d->I) || check_f32(ctx, b, wh[g], 2, d->C, d->O) || check_f32(ctx, c, bs[g], 1, d->C, 0))
      return TFL_ERROR;
  }
  if (d->peep) {
    if ((!d->cifg && !tfl_input(ctx, node, P_I)) || !tfl_input(ctx, node, P_O)) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: incomplete peepholes");
    for (int i = P_I; i <= P_O; i++)
      if (check_f32(ctx, tfl_input(ctx, node, i), i, 1, d->C, 0)) return TFL_ERROR;
  }
  if (d->proj) {
    if (check_f32(ctx, tfl_input(ctx, node, W_PROJ), W_PROJ, 2, d->O, d->C) ||
        check_f32(ctx, tfl_input(ctx, node, B_PROJ), B_PROJ, 1, d->O, 0))
      return TFL_ERROR;
  }
  if (d->ln)
    for (int i = LN_I; i <= LN_O; i++) {
      if (i == LN_I && d->cifg) continue;
      TflTensor *t = tfl_input(ctx, node, i);
      if (!t) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: missing layer norm coefficients %d", i);
      if (check_f32(ctx, t, i, 1, d->C, 0)) return TFL_ERROR;
    }
  TflTensor *sh = tfl_input(ctx, node, S_H), *sc = tfl_input(ctx, node, S_C);
  if (!sh || !sc) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: missing state tensors");
  if (sh->type != TFL_FLOAT32 || sc->type != TFL_FLOAT32 || tfl_num_elements(sh) != (int64_t)d->B * d->O ||
      tfl_num_elements(sc) != (int64_t)d->B * d->C)
    return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: state tensors must be float32 [%d,%d] and [%d,%d]", d->B, d->O, d->B, d->C);
  int32_t od[3] = {x->dims[0], x->dims[1], d->O};
  return tfl_resize(ctx, out, 3, od);
}

static float act_apply(int act, float v) {
  switch (act) {
    case TFL_ACT_RELU: return v > 0 ? v : 0;
    case TFL_ACT_RELU6: return v > 0 ? (v < 6 ? v : 6) : 0;
    case TFL_ACT_TANH: return tanhf(v);
    case 6: return 1.0f / (1.0f + expf(-v));
    default: return v;
  }
}

static float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

/* gate[b, :] = (ln ? 0 : bias) + W_x x_b + W_h h_b (+ peephole), then layer norm, activation */
static void gate(const LstmData *d, const float *wx, const float *wh, const float *bias, const float *peep,
                 const float *lnc, const float *xt, long xstride, const float *h, const float *c, float *g, int sig) {
  for (int b = 0; b < d->B; b++) {
    const float *xb = xt + b * xstride, *hb = h + (size_t)b * d->O, *cb = c + (size_t)b * d->C;
    float *gb = g + (size_t)b * d->C;
    for (int r = 0; r < d->C; r++) {
      float acc = d->ln ? 0.0f : bias[r];
      float s = 0.0f;
      const float *w = wx + (size_t)r * d->I;
      for (int k = 0; k < d->I; k++) s += w[k] * xb[k];
      acc += s;
      s = 0.0f;
      w = wh + (size_t)r * d->O;
      for (int k = 0; k < d->O; k++) s += w[k] * hb[k];
      acc += s;
      if (peep) acc += peep[r] * cb[r];
      gb[r] = acc;
    }
    if (d->ln) {
      float sum = 0.0f;
      for (int r = 0; r < d->C; r++) sum += gb[r];
      float mean = sum / d->C, sq = 0.0f;
      for (int r = 0; r < d->C; r++) sq += (gb[r] - mean) * (gb[r] - mean);
      float inv = 1.0f / sqrtf(sq / d->C + 1e-8f);
      for (int r = 0; r < d->C; r++) gb[r] = (gb[r] - mean) * inv * lnc[r] + bias[r];
    }
    for (int r = 0; r < d->C; r++) gb[r] = sig ? sigmoid(gb[r]) : act_apply(d->act, gb[r]);
  }
}

static const float *fdata(TflContext *ctx, TflNode *node, int i) {
  TflTensor *t = tfl_input(ctx, node, i);
  return t ? (const float *)t->data : NULL;
}

static TflStatus lstm_eval(TflContext *ctx, TflNode *node) {
  const LstmData *d = node->user_data;
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0);
  float *h = tfl_input(ctx, node, S_H)->data, *c = tfl_input(ctx, node, S_C)->data;
  size_t gsz = (size_t)d->B * d->C;
  float *scratch = tfl_eval_scratch(ctx, (gsz * 5 + 1) * sizeof(float));
  if (!scratch) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM: out of memory");
  float *gi = scratch, *gf = gi + gsz, *gc = gf + gsz, *go = gc + gsz, *hc = go + gsz;
  const float *in = x->data;
  float *o = out->data;
  int lni = d->ln && !d->cifg;
  for (int t = 0; t < d->T; t++) {
    /* x_t row b: time-major [T,B,I] or batch-major [B,T,I] */
    const float *xt = d->time_major ? in + (size_t)t * d->B * d->I : in + (size_t)t * d->I;
    long xs = d->time_major ? d->I : (long)d->T * d->I;
    if (!d->cifg)
      gate(d, fdata(ctx, node, W_XI), fdata(ctx, node, W_HI), fdata(ctx, node, B_I), d->peep ? fdata(ctx, node, P_I) : NULL,
           lni ? fdata(ctx, node, LN_I) : NULL, xt, xs, h, c, gi, 1);
    gate(d, fdata(ctx, node, W_XF), fdata(ctx, node, W_HF), fdata(ctx, node, B_F), d->peep ? fdata(ctx, node, P_F) : NULL,
         d->ln ? fdata(ctx, node, LN_F) : NULL, xt, xs, h, c, gf, 1);
    gate(d, fdata(ctx, node, W_XC), fdata(ctx, node, W_HC), fdata(ctx, node, B_C), NULL,
         d->ln ? fdata(ctx, node, LN_C) : NULL, xt, xs, h, c, gc, 0);
    for (size_t i = 0; i < gsz; i++) {
      float ig = d->cifg ? 1.0f - gf[i] : gi[i];
      float v = c[i] * gf[i] + ig * gc[i];
      if (d->cell_clip > 0) v = tfl_clampf(v, -d->cell_clip, d->cell_clip);
      c[i] = v;
    }
    gate(d, fdata(ctx, node, W_XO), fdata(ctx, node, W_HO), fdata(ctx, node, B_O), d->peep ? fdata(ctx, node, P_O) : NULL,
         d->ln ? fdata(ctx, node, LN_O) : NULL, xt, xs, h, c, go, 1);
    for (size_t i = 0; i < gsz; i++) hc[i] = go[i] * act_apply(d->act, c[i]);
    if (d->proj) {
      const float *wp = fdata(ctx, node, W_PROJ), *bp = fdata(ctx, node, B_PROJ);
      for (int b = 0; b < d->B; b++)
        for (int r = 0; r < d->O; r++) {
          float s = 0.0f;
          for (int k = 0; k < d->C; k++) s += wp[(size_t)r * d->C + k] * hc[(size_t)b * d->C + k];
          float v = (bp ? bp[r] : 0.0f) + s;
          if (d->proj_clip > 0) v = tfl_clampf(v, -d->proj_clip, d->proj_clip);
          h[(size_t)b * d->O + r] = v;
        }
    } else {
      memcpy(h, hc, gsz * sizeof(float));
    }
    for (int b = 0; b < d->B; b++) {
      float *ob = d->time_major ? o + ((size_t)t * d->B + b) * d->O : o + ((size_t)b * d->T + t) * d->O;
      memcpy(ob, h + (size_t)b * d->O, (size_t)d->O * sizeof(float));
    }
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_lstm_f32[] = {
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", 1, 3, lstm_prepare, lstm_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
