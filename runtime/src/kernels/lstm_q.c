/* Integer UNIDIRECTIONAL_SEQUENCE_LSTM, LiteRT's 8x8->16 kernel (what TF's full-integer quantizer writes): int8 input,
 * weights and output state, int32 gate biases, int16 cell state with a power-of-two scale, five intermediates of
 * which the fifth (the hidden state o * tanh(c)) carries a scale and zero point. Gates are int16 Q3.12 before their
 * activations (no layer norm), the activations are gemmlowp's int16 fixed-point logistic / tanh, and every
 * requantization is MultiplyByQuantizedMultiplier in the runtime's rounding mode, as LiteRT's portable tensor_utils
 * (which its x86 build uses for these functions). Peepholes and layer normalisation are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixedpoint.h"
#include "../tflrt.h"

enum {
  IN_X = 0, W_XI = 1, W_XF = 2, W_XC = 3, W_XO = 4, W_HI = 5, W_HF = 6, W_HC = 7, W_HO = 8, P_I = 9, P_F = 10,
  P_O = 11, B_I = 12, B_F = 13, B_C = 14, B_O = 15, W_PROJ = 16, B_PROJ = 17, S_H = 18, S_C = 19, LN_I = 20,
  LN_F = 21, LN_C = 22, LN_O = 23
};

enum { G_I = 0, G_F = 1, G_C = 2, G_O = 3 };

typedef struct {
  int T, B, I, C, O, time_major, cifg, proj;
  int32_t mx[4], sx[4], mh[4], sh[4]; /* effective input / recurrent scales per gate */
  int32_t *bx[4], *bh[4];              /* effective biases: bias - zp * row sums */
  int32_t *bproj;
  int32_t m_hidden, s_hidden, hidden_zp, m_proj, s_proj, out_zp;
  int cell_scale;
  int16_t cell_clip;
  int8_t proj_clip;
  int32_t mem[];
} LstmQ;

static void lstmq_free(void *p) { free(p); }

/* ---- gemmlowp fixed-point on int16 raw values (FixedPoint<int16_t, k>) ---- */
static inline int16_t w16(int32_t v) { return (int16_t)v; } /* two's-complement wrap, as gemmlowp's int16 Add/Sub/Neg */
static inline int16_t const16(int32_t raw32) { return (int16_t)tfl_rdbpot(raw32, 16); }
static inline int16_t sat_add16(int16_t a, int16_t b) {
  int32_t s = (int32_t)a + b;
  return (int16_t)(s > INT16_MAX ? INT16_MAX : (s < INT16_MIN ? INT16_MIN : s));
}
static int16_t rounding_half_sum16(int16_t a, int16_t b) {
  const int32_t sum = (int32_t)a + b;
  return (int16_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}
/* SaturatingRoundingMultiplyByPOT<exponent> on int16. */
static int16_t mul_pot16(int16_t x, int exponent) {
  if (exponent < 0) return tfl_rdbpot16(x, -exponent);
  if (exponent == 0) return x;
  const int32_t threshold = (1 << (15 - exponent)) - 1;
  if (x > threshold) return INT16_MAX;
  if (x < -threshold) return INT16_MIN;
  return w16((int32_t)((uint32_t)(int32_t)x << exponent));
}

static int16_t exp_neg_quarter16(int16_t a) {
  const int16_t c = const16(1895147668), third = const16(715827883);
  const int16_t x = w16(a + (1 << 12));
  const int16_t x2 = tfl_srdhm16(x, x), x3 = tfl_srdhm16(x2, x), x4 = tfl_srdhm16(x2, x2);
  const int16_t x4_4 = tfl_rdbpot16(x4, 2);
  const int16_t poly = tfl_rdbpot16(w16(tfl_srdhm16(w16(x4_4 + x3), third) + x2), 1);
  return sat_add16(c, tfl_srdhm16(c, w16(x + poly)));
}

/* exp(a) for a <= 0 in FixedPoint<int16, k>, result Q0.15. */
static int16_t exp_neg16(int16_t a, int k) {
  const int frac = 15 - k;
  const int16_t quarter = (int16_t)(1 << (frac - 2)), mask = (int16_t)(quarter - 1);
  const int16_t amod = w16((a & mask) - quarter);
  int16_t result = exp_neg_quarter16(mul_pot16(amod, k));
  const int16_t remainder = w16(amod - a);
  static const int32_t mults[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int e = -2; e <= 4; e++)
    if (k > e && (remainder & w16(1 << (frac + e)))) result = tfl_srdhm16(result, const16(mults[e + 2]));
  if (k > 5 && a < const16(-(1 << (36 - k)))) result = 0;
  if (a == 0) result = INT16_MAX;
  return result;
}

/* Newton-Raphson 1/(1+x) (minus_one = 0) or (1-x)/(1+x) (minus_one = 1) for x in [0, 1], Q0.15. */
static int16_t nr_div16(int16_t a, int minus_one) {
  const int16_t half_den = rounding_half_sum16(a, INT16_MAX);
  int16_t x = w16(const16(1515870810) + tfl_srdhm16(half_den, const16(-1010580540)));
  for (int i = 0; i < 3; i++) {
    const int16_t one_minus = w16((1 << 13) - tfl_srdhm16(half_den, x));
    x = w16(x + mul_pot16(tfl_srdhm16(x, one_minus), 2));
  }
  return minus_one ? mul_pot16(w16(x - (1 << 13)), 2) : mul_pot16(x, 1);
}

static int16_t logistic16(int16_t a, int k) {
  if (a == 0) return const16(1 << 30);
  const int16_t abs_a = a > 0 ? a : w16(-a);
  const int16_t pos = nr_div16(exp_neg16(w16(-abs_a), k), 0);
  return a > 0 ? pos : w16(INT16_MAX - pos);
}

static int16_t tanh16(int16_t a, int k) {
  if (a == 0) return 0;
  const int16_t n = a < 0 ? a : w16(-a);
  const int16_t t = nr_div16(exp_neg16(n, k + 1), 1);
  return a < 0 ? w16(-t) : t;
}

/* ---- LiteRT's portable tensor_utils integer steps ---- */
/* out[b, r] = sat16(out + MBQM(bias[r] + W[r] . x_b, m, s)) */
static void mbvma16(const int8_t *x, const int32_t *bias, const int8_t *w, int32_t m, int32_t s, int nb, int ni, int no,
                    int16_t *out) {
  for (int b = 0; b < nb; b++)
    for (int r = 0; r < no; r++) {
      int32_t acc = bias[r];
      const int8_t *wr = w + (size_t)r * ni, *xb = x + (size_t)b * ni;
      for (int k = 0; k < ni; k++) acc += (int32_t)xb[k] * wr[k];
      acc = tfl_mbqm(acc, m, s) + out[(size_t)b * no + r];
      out[(size_t)b * no + r] = (int16_t)(acc > INT16_MAX ? INT16_MAX : (acc < INT16_MIN ? INT16_MIN : acc));
    }
}

static TflStatus lstmq_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *x = tfl_input(ctx, node, IN_X), *out = tfl_output(ctx, node, 0);
  TflTensor *wxf = tfl_input(ctx, node, W_XF);
  if (!x || !out || !wxf || x->type != TFL_INT8 || wxf->type != TFL_INT8) return TFL_NOT_MINE;
  const char *op = "UNIDIRECTIONAL_SEQUENCE_LSTM (int8)";
  if (node->ninputs < 20) return tfl_error(ctx, "%s: expected 20 or 24 inputs, got %d", op, node->ninputs);
  if (x->rank != 3) return tfl_error(ctx, "%s: input must be 3-D", op);
  if (out->type != TFL_INT8) return tfl_error(ctx, "%s: output must be int8", op);
  for (int i = P_I; i <= P_O; i++)
    if (tfl_input(ctx, node, i)) return tfl_error(ctx, "%s: peephole connections are not supported", op);
  for (int i = LN_I; i <= LN_O && i < node->ninputs; i++)
    if (tfl_input(ctx, node, i)) return tfl_error(ctx, "%s: layer normalisation is not supported", op);
  if (node->nintermediates != 5) return tfl_error(ctx, "%s: needs the 5 intermediates of the 8x8_16 kernel", op);
  TflTensor *hid = tfl_tensor(ctx, node, node->intermediates[4]);
  float hid_s;
  int32_t hid_zp;
  if (!hid || !tfl_q_params(hid, &hid_s, &hid_zp)) return tfl_error(ctx, "%s: hidden intermediate is not quantized", op);
  const TflUnidirectionalSequenceLSTMOptions o = tfl_UnidirectionalSequenceLSTMOptions(node);
  if (o.fused_activation_function != TFL_ACT_TANH)
    return tfl_error(ctx, "%s: the integer kernel computes tanh; activation %d", op, o.fused_activation_function);
  const int T = o.time_major ? x->dims[0] : x->dims[1], B = o.time_major ? x->dims[1] : x->dims[0], I = x->dims[2];
  if (wxf->rank != 2 || wxf->dims[1] != I) return tfl_error(ctx, "%s: input_to_forget_weights must be [n_cell, %d]", op, I);
  const int C = wxf->dims[0];
  TflTensor *whf = tfl_input(ctx, node, W_HF);
  if (!whf || whf->rank != 2 || whf->dims[0] != C) return tfl_error(ctx, "%s: bad recurrent_to_forget_weights", op);
  const int O = whf->dims[1];
  const int cifg = tfl_input(ctx, node, W_XI) == NULL, proj = tfl_input(ctx, node, W_PROJ) != NULL;
  if (!proj && O != C) return tfl_error(ctx, "%s: n_output %d != n_cell %d without projection", op, O, C);
  TflTensor *sh = tfl_input(ctx, node, S_H), *sc = tfl_input(ctx, node, S_C);
  float in_s, out_s, sh_s, sc_s, o_s;
  int32_t in_zp, sh_zp, sc_zp, o_zp;
  if (!sh || !sc || sh->type != TFL_INT8 || sc->type != TFL_INT16 || tfl_num_elements(sh) != (int64_t)B * O ||
      tfl_num_elements(sc) != (int64_t)B * C)
    return tfl_error(ctx, "%s: states must be int8 [%d,%d] and int16 [%d,%d]", op, B, O, B, C);
  if (!tfl_q_params(x, &in_s, &in_zp) || !tfl_q_params(sh, &sh_s, &sh_zp) || !tfl_q_params(sc, &sc_s, &sc_zp) ||
      !tfl_q_params(out, &o_s, &o_zp))
    return tfl_error(ctx, "%s: input, states and output need quantization parameters", op);
  (void)out_s;
  /* CheckedLog2 of the cell scale, computed in float as LiteRT */
  const float l2 = logf(sc_s) * (1.0f / logf(2.0f)), l2r = roundf(l2);
  if (fabsf(l2 - l2r) >= 1e-3f) return tfl_error(ctx, "%s: cell state scale %g is not a power of two", op, sc_s);
  const int cell_scale = (int)l2r;
  /* tanh of the cell state takes 15 + cell_scale integer bits, which LiteRT computes for 0..6 only (outside it
   * leaves the buffer unwritten: the output would be garbage) */
  if (15 + cell_scale < 0 || 15 + cell_scale > 6)
    return tfl_error(ctx, "%s: cell state scale 2^%d is outside LiteRT's range [2^-15, 2^-9]", op, cell_scale);
  const int wx[] = {W_XI, W_XF, W_XC, W_XO}, wh[] = {W_HI, W_HF, W_HC, W_HO}, bs[] = {B_I, B_F, B_C, B_O};
  int nbias = 0;
  for (int g = cifg ? 1 : 0; g < 4; g++) nbias += 2 * C;
  LstmQ *d = calloc(1, sizeof(LstmQ) + sizeof(int32_t) * ((size_t)nbias + (proj ? (size_t)O : 0)));
  if (!d) return tfl_error(ctx, "%s: out of memory", op);
  node->user_data = d;
  node->free_user_data = lstmq_free;
  d->T = T, d->B = B, d->I = I, d->C = C, d->O = O, d->time_major = o.time_major, d->cifg = cifg, d->proj = proj;
  d->cell_scale = cell_scale;
  d->out_zp = sh_zp;
  d->hidden_zp = hid_zp;
  const float inter = (float)pow(2, -12); /* Q3.12 gates without layer norm */
  int32_t *mem = d->mem;
  for (int g = cifg ? 1 : 0; g < 4; g++) {
    TflTensor *a = tfl_input(ctx, node, wx[g]), *r = tfl_input(ctx, node, wh[g]), *b = tfl_input(ctx, node, bs[g]);
    float as, rs, bsc;
    int32_t az, rz, bz;
    if (!a || !r || !b) return tfl_error(ctx, "%s: gate %d misses weights or bias", op, g);
    if (a->type != TFL_INT8 || r->type != TFL_INT8 || b->type != TFL_INT32)
      return tfl_error(ctx, "%s: gate %d weights must be int8 and bias int32", op, g);
    if (a->rank != 2 || a->dims[0] != C || a->dims[1] != I || r->rank != 2 || r->dims[0] != C || r->dims[1] != O ||
        tfl_num_elements(b) != C)
      return tfl_error(ctx, "%s: gate %d weights must be [%d,%d], [%d,%d] and bias [%d]", op, g, C, I, C, O, C);
    if (!tfl_q_params(a, &as, &az) || !tfl_q_params(r, &rs, &rz) || a->nq > 1 || r->nq > 1)
      return tfl_error(ctx, "%s: gate %d weights need one scale each", op, g);
    if (a->alloc != TFL_ALLOC_CONST || r->alloc != TFL_ALLOC_CONST || b->alloc != TFL_ALLOC_CONST)
      return tfl_error(ctx, "%s: gate %d weights and bias must be constant", op, g); /* row sums are precomputed */
    (void)tfl_q_params(b, &bsc, &bz);
    int sx, sh_;
    tfl_quantize_multiplier((double)(float)(as * in_s / inter), &d->mx[g], &sx);
    tfl_quantize_multiplier((double)(float)(rs * sh_s / inter), &d->mh[g], &sh_);
    d->sx[g] = sx, d->sh[g] = sh_;
    d->bx[g] = mem, d->bh[g] = mem + C;
    mem += 2 * C;
    const int8_t *aw = a->data, *rw = r->data;
    const int32_t *bias = b->data;
    for (int c = 0; c < C; c++) {
      int32_t sa = 0, sr = 0;
      for (int k = 0; k < I; k++) sa += aw[(size_t)c * I + k];
      for (int k = 0; k < O; k++) sr += rw[(size_t)c * O + k];
      d->bx[g][c] = (int32_t)((uint32_t)bias[c] + (uint32_t)((int64_t)sa * -(int64_t)in_zp));
      d->bh[g][c] = (int32_t)(uint32_t)((int64_t)sr * -(int64_t)sh_zp);
    }
  }
  int s;
  tfl_quantize_multiplier((double)(float)(pow(2, -15) / (double)hid_s * pow(2, -15)), &d->m_hidden, &s);
  d->s_hidden = s;
  if (proj) {
    TflTensor *wp = tfl_input(ctx, node, W_PROJ), *bp = tfl_input(ctx, node, B_PROJ);
    float ps;
    int32_t pz;
    if (wp->alloc != TFL_ALLOC_CONST || (bp && bp->alloc != TFL_ALLOC_CONST))
      return tfl_error(ctx, "%s: projection weights and bias must be constant", op);
    if (wp->type != TFL_INT8 || wp->rank != 2 || wp->dims[0] != O || wp->dims[1] != C || !tfl_q_params(wp, &ps, &pz) ||
        wp->nq > 1)
      return tfl_error(ctx, "%s: projection weights must be int8 [%d,%d] with one scale", op, O, C);
    if (bp && (bp->type != TFL_INT32 || tfl_num_elements(bp) != O))
      return tfl_error(ctx, "%s: projection bias must be int32 [%d]", op, O);
    tfl_quantize_multiplier((double)(float)(ps * hid_s / sh_s), &d->m_proj, &s);
    d->s_proj = s;
    d->bproj = mem;
    const int8_t *pw = wp->data;
    for (int r = 0; r < O; r++) {
      int32_t sum = 0;
      for (int k = 0; k < C; k++) sum += pw[(size_t)r * C + k];
      d->bproj[r] = (int32_t)((uint32_t)(bp ? ((const int32_t *)bp->data)[r] : 0) + (uint32_t)((int64_t)sum * hid_zp));
    }
  }
  d->cell_clip = o.cell_clip > 0 ? (int16_t)fminf(fmaxf(o.cell_clip / sc_s, -32768.0f), 32767.0f) : 0;
  d->proj_clip = o.proj_clip > 0 ? (int8_t)fminf(fmaxf(o.proj_clip / sh_s, -128.0f), 127.0f) : 0;
  int32_t od[3] = {x->dims[0], x->dims[1], O};
  return tfl_resize(ctx, out, 3, od);
}

static void gate(const LstmQ *d, TflContext *ctx, TflNode *node, int g, const int8_t *x, const int8_t *h, int16_t *out,
                 int sigmoid) {
  static const int wx[] = {W_XI, W_XF, W_XC, W_XO}, wh[] = {W_HI, W_HF, W_HC, W_HO};
  const size_t n = (size_t)d->C;
  memset(out, 0, n * sizeof(int16_t));
  mbvma16(x, d->bx[g], tfl_input(ctx, node, wx[g])->data, d->mx[g], d->sx[g], 1, d->I, d->C, out);
  mbvma16(h, d->bh[g], tfl_input(ctx, node, wh[g])->data, d->mh[g], d->sh[g], 1, d->O, d->C, out);
  for (size_t i = 0; i < n; i++) out[i] = sigmoid ? logistic16(out[i], 3) : tanh16(out[i], 3);
}

/* One step for one batch row (LiteRT runs batch-major sequences row by row; every step is row-wise). */
static void step(const LstmQ *d, TflContext *ctx, TflNode *node, const int8_t *x, int8_t *h, int16_t *c, int8_t *out,
                 int16_t *scratch) {
  const int C = d->C;
  int16_t *gi = scratch, *gf = gi + C, *gc = gf + C, *go = gc + C, *th = go + C;
  int8_t *hid = (int8_t *)(th + C);
  if (!d->cifg) gate(d, ctx, node, G_I, x, h, gi, 1);
  gate(d, ctx, node, G_F, x, h, gf, 1);
  gate(d, ctx, node, G_C, x, h, gc, 0);
  for (int i = 0; i < C; i++) { /* c = f * c >> 15 + (i or 1 - f) * g >> (30 + cell_scale), clipped */
    const int16_t fc = (int16_t)tfl_rdbpot((int32_t)gf[i] * c[i], 15);
    const int16_t ig = d->cifg ? (int16_t)(32767 - gf[i]) : gi[i];
    const int16_t icg = (int16_t)tfl_rdbpot((int32_t)ig * gc[i], 30 + d->cell_scale);
    int32_t v = (int32_t)fc + icg;
    v = v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v);
    if (d->cell_clip > 0) v = v > d->cell_clip ? d->cell_clip : (v < -d->cell_clip ? -d->cell_clip : v);
    c[i] = (int16_t)v;
  }
  gate(d, ctx, node, G_O, x, h, go, 1);
  for (int i = 0; i < C; i++) th[i] = tanh16(c[i], 15 + d->cell_scale);
  if (d->proj) {
    for (int i = 0; i < C; i++) { /* LiteRT passes -hidden_zp here (its b/246629213) */
      int32_t v = tfl_mbqm((int32_t)go[i] * th[i], d->m_hidden, d->s_hidden) - d->hidden_zp;
      hid[i] = (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
    }
    const int8_t *wp = tfl_input(ctx, node, W_PROJ)->data;
    for (int r = 0; r < d->O; r++) {
      int32_t acc = d->bproj[r];
      for (int k = 0; k < C; k++) acc += (int32_t)hid[k] * wp[(size_t)r * C + k];
      acc = tfl_mbqm(acc, d->m_proj, d->s_proj) + d->out_zp;
      acc = acc > 127 ? 127 : (acc < -128 ? -128 : acc);
      if (d->proj_clip > 0) acc = acc > d->proj_clip ? d->proj_clip : (acc < -d->proj_clip ? -d->proj_clip : acc);
      h[r] = (int8_t)acc;
    }
  } else {
    for (int i = 0; i < C; i++) {
      int32_t v = tfl_mbqm((int32_t)go[i] * th[i], d->m_hidden, d->s_hidden) + d->hidden_zp;
      h[i] = (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
    }
  }
  memcpy(out, h, (size_t)d->O);
}

static TflStatus lstmq_eval(TflContext *ctx, TflNode *node) {
  const LstmQ *d = node->user_data;
  const int8_t *in = tfl_input(ctx, node, IN_X)->data;
  int8_t *o = tfl_output(ctx, node, 0)->data, *h = tfl_input(ctx, node, S_H)->data;
  int16_t *c = tfl_input(ctx, node, S_C)->data;
  int16_t *scratch = tfl_eval_scratch(ctx, (size_t)d->C * 6 * sizeof(int16_t) + 64);
  if (!scratch) return tfl_error(ctx, "UNIDIRECTIONAL_SEQUENCE_LSTM (int8): out of memory");
  for (int b = 0; b < d->B; b++)
    for (int t = 0; t < d->T; t++) {
      const size_t row = d->time_major ? (size_t)t * d->B + b : (size_t)b * d->T + t;
      step(d, ctx, node, in + row * d->I, h + (size_t)b * d->O, c + (size_t)b * d->C, o + row * d->O, scratch);
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_lstm_q[] = {
    {TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", 1, 4, lstmq_prepare, lstmq_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
