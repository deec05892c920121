/* Float32 UNIDIRECTIONAL_SEQUENCE_LSTM (24-input layout of LiteRT's lstm kernels): optional CIFG, peepholes,
 * projection, layer normalisation, cell/projection clipping, time-major or batch-major sequences. The output and cell
 * state inputs (18, 19) are variable tensors updated in place. */
#include "common_f32.h"
#include "hybrid_row.h"

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
      acc += tfl_dot_serial(wx + (size_t)r * d->I, xb, d->I);
      acc += tfl_dot_serial(wh + (size_t)r * d->O, hb, d->O);
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

/* ---- hybrid LSTM (dynamic-range quantization): float activations and state, int8 symmetric per-tensor weights,
 * float biases. As LiteRT's LstmStepHybrid: each step quantizes the input row and the output state row to int8
 * (asymmetric with asymmetric_quantize_inputs, NEON rounding as in hybrid.c), gate = bias + (float)(dot - zp *
 * row_sum) * (row_scale * weight_scale) per matrix, then the float cell update and output of the float kernel.
 * A row that is all zeros is not quantized and adds nothing (LiteRT's IsZeroVector skip). Peepholes, projection
 * and layer norm are refused. */
typedef struct {
  LstmData f;
  int asym;
  float ws[8];      /* weight scales: input-to-gate 0..3, recurrent-to-gate 4..7 */
  int32_t *rsum[8]; /* row sums of the same weights */
  int32_t mem[];
} LstmHyb;

static void lstm_hyb_free(void *p) { free(p); }

static int32_t neon_round_h(float v) {
  const double r = (double)(v + (v < 0.0f ? -0.5f : 0.5f));
  return r >= 2147483647.0 ? INT32_MAX : (r <= -2147483648.0 ? INT32_MIN : (int32_t)r);
}

void tfl_hybrid_quantize_row(const float *x, int n, int asym, int8_t *q, float *sf, int32_t *zp) {
  float mn = asym ? 0.0f : x[0], mx = mn;
  for (int i = 0; i < n; i++) {
    if (x[i] < mn) mn = x[i];
    if (x[i] > mx) mx = x[i];
  }
  *zp = 0;
  float inv;
  if (asym) {
    if (mn == mx) {
      memset(q, 0, (size_t)n);
      *sf = 1.0f;
      return;
    }
    const double s = (double)(mx - mn) / 255.0;
    const double zmin = -128.0 - (double)mn / s, zmax = 127.0 - (double)mx / s;
    const double zpd = 128.0 + fabs((double)mn / s) < 127.0 + fabs((double)mx / s) ? zmin : zmax;
    *zp = zpd <= -128.0 ? -128 : (zpd >= 127.0 ? 127 : (zpd != zpd ? 0 : (int32_t)(int8_t)round(zpd)));
    *sf = (float)s;
    inv = (float)(1.0 / (double)*sf);
  } else {
    const float range = fabsf(mn) > fabsf(mx) ? fabsf(mn) : fabsf(mx);
    if (range == 0.0f) {
      memset(q, 0, (size_t)n);
      *sf = 1.0f;
      return;
    }
    *sf = range / 127.0f;
    inv = 127.0f / range;
  }
  const int bulk = n & ~7;
  for (int i = 0; i < n; i++) {
    const float v = x[i] * inv;
    int64_t r = i < bulk ? neon_round_h(v) : (int64_t)roundf(v);
    if (asym) {
      r += *zp;
      q[i] = (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
    } else {
      q[i] = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
    }
  }
}

static TflStatus lstm_hyb_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0), *wxf = tfl_input(ctx, node, W_XF);
  if (!x || !out || !wxf || x->type != TFL_FLOAT32 || wxf->type != TFL_INT8) return TFL_NOT_MINE;
  const char *op = "UNIDIRECTIONAL_SEQUENCE_LSTM (hybrid)";
  if (node->ninputs < 20) return tfl_error(ctx, "%s: expected 20 or 24 inputs, got %d", op, node->ninputs);
  if (x->rank != 3 || out->type != TFL_FLOAT32) return tfl_error(ctx, "%s: float32 3-D input and output expected", op);
  for (int i = P_I; i <= P_O; i++)
    if (tfl_input(ctx, node, i)) return tfl_error(ctx, "%s: peephole connections are not supported", op);
  if (tfl_input(ctx, node, W_PROJ)) return tfl_error(ctx, "%s: projection is not supported", op);
  for (int i = LN_I; i <= LN_O && i < node->ninputs; i++)
    if (tfl_input(ctx, node, i)) return tfl_error(ctx, "%s: layer normalisation is not supported", op);
  const TflUnidirectionalSequenceLSTMOptions o = tfl_UnidirectionalSequenceLSTMOptions(node);
  const int C = wxf->dims[0], I = x->dims[2];
  const int cifg = tfl_input(ctx, node, W_XI) == NULL;
  TflTensor *whf = tfl_input(ctx, node, W_HF);
  if (wxf->rank != 2 || wxf->dims[1] != I || !whf || whf->rank != 2 || whf->dims[0] != C || whf->dims[1] != C)
    return tfl_error(ctx, "%s: weights must be [%d,%d] and [%d,%d]", op, C, I, C, C);
  LstmHyb *d = calloc(1, sizeof(LstmHyb) + sizeof(int32_t) * 8 * (size_t)C);
  if (!d) return tfl_error(ctx, "%s: out of memory", op);
  node->user_data = d;
  node->free_user_data = lstm_hyb_free;
  LstmData *f = &d->f;
  f->act = o.fused_activation_function;
  if (f->act != TFL_ACT_NONE && f->act != TFL_ACT_RELU && f->act != TFL_ACT_RELU6 && f->act != TFL_ACT_TANH && f->act != 6)
    return tfl_error(ctx, "%s: unsupported activation %d", op, f->act);
  f->cell_clip = o.cell_clip, f->proj_clip = o.proj_clip, f->time_major = o.time_major;
  f->T = f->time_major ? x->dims[0] : x->dims[1];
  f->B = f->time_major ? x->dims[1] : x->dims[0];
  f->I = I, f->C = C, f->O = C, f->cifg = cifg;
  d->asym = o.asymmetric_quantize_inputs;
  static const int wx[] = {W_XI, W_XF, W_XC, W_XO}, wh[] = {W_HI, W_HF, W_HC, W_HO}, bs[] = {B_I, B_F, B_C, B_O};
  for (int g = cifg ? 1 : 0; g < 4; g++) {
    for (int k = 0; k < 2; k++) {
      TflTensor *w = tfl_input(ctx, node, k ? wh[g] : wx[g]);
      const int cols = k ? C : I;
      if (!w || w->type != TFL_INT8 || w->rank != 2 || w->dims[0] != C || w->dims[1] != cols || w->nq != 1 || !w->scales)
        return tfl_error(ctx, "%s: gate %d weights must be int8 [%d,%d] with one scale", op, g, C, cols);
      if (w->alloc != TFL_ALLOC_CONST) return tfl_error(ctx, "%s: gate %d weights must be constant", op, g);
      d->ws[g + 4 * k] = w->scales[0];
      d->rsum[g + 4 * k] = d->mem + (size_t)(g + 4 * k) * C;
      const int8_t *wd = w->data;
      for (int r = 0; r < C; r++) {
        int32_t sum = 0;
        for (int c = 0; c < cols; c++) sum += wd[(size_t)r * cols + c];
        d->rsum[g + 4 * k][r] = sum;
      }
    }
    if (check_f32(ctx, tfl_input(ctx, node, bs[g]), bs[g], 1, C, 0) || !tfl_input(ctx, node, bs[g]))
      return tfl_error(ctx, "%s: gate %d bias must be float32 [%d]", op, g, C);
  }
  TflTensor *sh = tfl_input(ctx, node, S_H), *sc = tfl_input(ctx, node, S_C);
  if (!sh || !sc || sh->type != TFL_FLOAT32 || sc->type != TFL_FLOAT32 || tfl_num_elements(sh) != (int64_t)f->B * C ||
      tfl_num_elements(sc) != (int64_t)f->B * C)
    return tfl_error(ctx, "%s: state tensors must be float32 [%d,%d]", op, f->B, C);
  int32_t od[3] = {x->dims[0], x->dims[1], C};
  return tfl_resize(ctx, out, 3, od);
}

static void hyb_gate(const LstmHyb *d, TflContext *ctx, TflNode *node, int g, const int8_t *qx, float xsf, int32_t xzp,
                     int xzero, const int8_t *qh, float hsf, int32_t hzp, int hzero, float *out, int sig) {
  static const int wx[] = {W_XI, W_XF, W_XC, W_XO}, wh[] = {W_HI, W_HF, W_HC, W_HO}, bs[] = {B_I, B_F, B_C, B_O};
  const int C = d->f.C, I = d->f.I;
  const float *bias = tfl_input(ctx, node, bs[g])->data;
  const int8_t *a = tfl_input(ctx, node, wx[g])->data, *r = tfl_input(ctx, node, wh[g])->data;
  const float sx = xsf * d->ws[g], sh = hsf * d->ws[g + 4];
  for (int i = 0; i < C; i++) {
    float v = bias[i];
    if (!xzero) {
      int32_t dot = 0;
      for (int k = 0; k < I; k++) dot += (int32_t)a[(size_t)i * I + k] * qx[k];
      if (d->asym) dot -= d->rsum[g][i] * xzp;
      v += (float)dot * sx;
    }
    if (!hzero) {
      int32_t dot = 0;
      for (int k = 0; k < C; k++) dot += (int32_t)r[(size_t)i * C + k] * qh[k];
      if (d->asym) dot -= d->rsum[g + 4][i] * hzp;
      v += (float)dot * sh;
    }
    out[i] = sig ? sigmoid(v) : act_apply(d->f.act, v);
  }
}

static int all_zero(const float *v, int n) {
  for (int i = 0; i < n; i++)
    if (v[i] != 0.0f) return 0;
  return 1;
}

static TflStatus lstm_hyb_eval(TflContext *ctx, TflNode *node) {
  const LstmHyb *d = node->user_data;
  const LstmData *f = &d->f;
  const int C = f->C, I = f->I;
  const float *in = tfl_input(ctx, node, IN_X)->data;
  float *o = tfl_output(ctx, node, 0)->data, *hs = tfl_input(ctx, node, S_H)->data, *cs = tfl_input(ctx, node, S_C)->data;
  float *scratch = tfl_eval_scratch(ctx, (size_t)C * 5 * sizeof(float) + (size_t)(I + C) + 64);
  if (!scratch) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM (hybrid): out of memory");
  float *gi = scratch, *gf = gi + C, *gc = gf + C, *go = gc + C, *hc = go + C;
  int8_t *qx = (int8_t *)(hc + C), *qh = qx + I;
  for (int b = 0; b < f->B; b++)
    for (int t = 0; t < f->T; t++) {
      const size_t row = f->time_major ? (size_t)t * f->B + b : (size_t)b * f->T + t;
      const float *x = in + row * I;
      float *h = hs + (size_t)b * C, *c = cs + (size_t)b * C;
      float xsf = 1.0f, hsf = 1.0f;
      int32_t xzp = 0, hzp = 0;
      const int xzero = all_zero(x, I), hzero = all_zero(h, C);
      if (!xzero) tfl_hybrid_quantize_row(x, I, d->asym, qx, &xsf, &xzp);
      if (!hzero) tfl_hybrid_quantize_row(h, C, d->asym, qh, &hsf, &hzp);
      if (!f->cifg) hyb_gate(d, ctx, node, 0, qx, xsf, xzp, xzero, qh, hsf, hzp, hzero, gi, 1);
      hyb_gate(d, ctx, node, 1, qx, xsf, xzp, xzero, qh, hsf, hzp, hzero, gf, 1);
      hyb_gate(d, ctx, node, 2, qx, xsf, xzp, xzero, qh, hsf, hzp, hzero, gc, 0);
      for (int i = 0; i < C; i++) { /* c = f * c, then c += g * i (two roundings, as LiteRT) */
        float v = gf[i] * c[i];
        const float ig = f->cifg ? 1.0f - gf[i] : gi[i];
        v = v + gc[i] * ig;
        if (f->cell_clip > 0) v = tfl_clampf(v, -f->cell_clip, f->cell_clip);
        c[i] = v;
      }
      hyb_gate(d, ctx, node, 3, qx, xsf, xzp, xzero, qh, hsf, hzp, hzero, go, 1);
      for (int i = 0; i < C; i++) h[i] = go[i] * act_apply(f->act, c[i]);
      memcpy(o + row * C, h, (size_t)C * sizeof(float));
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_lstm_f32[] = {
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", 1, 3, lstm_prepare, lstm_eval},
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", 1, 4, lstm_hyb_prepare, lstm_hyb_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
