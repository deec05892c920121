/* Kernel family quantize: QUANTIZE and DEQUANTIZE for integer types, as LiteRT's reference kernels:
 *   float -> q:  q = clamp((int32)roundf(x / (float)scale) + zp)                 (per-tensor or per-axis)
 *   q -> q:      q' = clamp(MBQM(q - zp, in_s / out_s) + zp')                     (int8/uint8/int16/int32 combos)
 *   q -> float:  x = (float)((double)scale * (q - zp))                            (int8/uint8/int16/int32)
 * float16 -> float32 DEQUANTIZE belongs to the float kernels (NOT_MINE here). */
#include <math.h>
#include <stdlib.h>

#include "../fixedpoint.h"
#include "../tflrt.h"

typedef struct {
  int32_t mult;
  int shift;
} QuantQ;

static void plain_free(void *p) { free(p); }

static int int_type(int32_t t) { return t == TFL_INT8 || t == TFL_UINT8 || t == TFL_INT16 || t == TFL_INT32; }

static int32_t load_int(const TflTensor *t, int64_t i) {
  switch (t->type) {
    case TFL_INT8: return ((const int8_t *)t->data)[i];
    case TFL_UINT8: return ((const uint8_t *)t->data)[i];
    case TFL_INT16: return ((const int16_t *)t->data)[i];
    default: return ((const int32_t *)t->data)[i];
  }
}

static void store_int(TflTensor *t, int64_t i, int32_t v) {
  switch (t->type) {
    case TFL_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case TFL_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    case TFL_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    default: ((int32_t *)t->data)[i] = v; break;
  }
}

/* Per-axis parameters: index of the quantization entry for flat element i. */
static int64_t axis_inner(const TflTensor *t) {
  int64_t inner = 1;
  for (int k = t->qdim + 1; k < t->rank; ++k) inner *= t->dims[k];
  return inner;
}

static TflStatus quantize_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return TFL_NOT_MINE;
  if (!(out->type == TFL_INT8 || out->type == TFL_UINT8 || out->type == TFL_INT16 || out->type == TFL_INT32))
    return TFL_NOT_MINE;
  if (!(in->type == TFL_FLOAT32 || int_type(in->type))) return TFL_NOT_MINE;
  if (out->nq < 1 || !out->scales) return tfl_error(ctx, "QUANTIZE: output has no quantization parameters");
  if (out->nq > 1) {
    if (in->type != TFL_FLOAT32) return tfl_error(ctx, "QUANTIZE: per-axis output needs a float input");
    if (out->qdim < 0 || out->qdim >= in->rank || in->dims[out->qdim] != out->nq)
      return tfl_error(ctx, "QUANTIZE: per-axis parameters do not match the input shape");
  }
  tfl_release_user_data(node);
  if (in->type != TFL_FLOAT32) {
    if (in->nq < 1 || !in->scales) return tfl_error(ctx, "QUANTIZE: integer input has no quantization parameters");
    if (in->type == TFL_INT32 && out->type == TFL_INT32) return tfl_error(ctx, "QUANTIZE: int32 -> int32 unsupported");
    QuantQ *d = (QuantQ *)calloc(1, sizeof(QuantQ));
    if (!d) return tfl_error(ctx, "out of memory");
    node->user_data = d;
    node->free_user_data = plain_free;
    tfl_quantize_multiplier((double)in->scales[0] / (double)out->scales[0], &d->mult, &d->shift);
  }
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus quantize_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(in);
  int32_t lo, hi;
  tfl_type_range(out->type, &lo, &hi);
  if (in->type == TFL_FLOAT32) {
    const float *x = (const float *)in->data;
    const int64_t inner = out->nq > 1 ? axis_inner(out) : n;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t qi = out->nq > 1 ? (i / inner) % out->nq : 0;
      const float scale = out->scales[qi];
      const int32_t zp = out->zero_points ? (int32_t)out->zero_points[qi] : 0;
      int32_t v = tfl_sat_f2i((double)roundf(x[i] / scale));
      int64_t w = (int64_t)v + zp;
      if (w < lo) w = lo;
      if (w > hi) w = hi;
      store_int(out, i, (int32_t)w);
    }
    return TFL_OK;
  }
  const QuantQ *d = (const QuantQ *)node->user_data;
  const TflRounding mode = tfl_rounding();
  const int32_t izp = in->zero_points ? (int32_t)in->zero_points[0] : 0;
  const int32_t ozp = out->zero_points ? (int32_t)out->zero_points[0] : 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = tfl_mbqm_mode((int32_t)((uint32_t)load_int(in, i) - (uint32_t)izp), d->mult, d->shift, mode);
    int64_t w = (int64_t)v + ozp;
    if (w < lo) w = lo;
    if (w > hi) w = hi;
    store_int(out, i, (int32_t)w);
  }
  return TFL_OK;
}

static TflStatus dequantize_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return TFL_NOT_MINE;
  if (!int_type(in->type) || out->type != TFL_FLOAT32) return TFL_NOT_MINE;
  if (in->nq < 1 || !in->scales) return tfl_error(ctx, "DEQUANTIZE: input has no quantization parameters");
  if (in->nq > 1 && (in->qdim < 0 || in->qdim >= in->rank || in->dims[in->qdim] != in->nq))
    return tfl_error(ctx, "DEQUANTIZE: per-axis parameters do not match the input shape");
  tfl_release_user_data(node);
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus dequantize_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(in);
  float *y = (float *)out->data;
  const int64_t inner = in->nq > 1 ? axis_inner(in) : n;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t qi = in->nq > 1 ? (i / inner) % in->nq : 0;
    const double scale = in->scales[qi];
    const int32_t zp = in->zero_points ? (int32_t)in->zero_points[qi] : 0;
    y[i] = (float)(scale * (double)((int64_t)load_int(in, i) - zp));
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_quantize[] = {
    {TFL_OP_QUANTIZE, "QUANTIZE (integer)", 1, 4, quantize_prepare, quantize_eval},
    {TFL_OP_DEQUANTIZE, "DEQUANTIZE (integer)", 1, 6, dequantize_prepare, dequantize_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
