/* CAST between the numeric and bool types (float16 and float64 included), and DEQUANTIZE of float16 weights to
 * float32 (expanded once at prepare when constant, like LiteRT). */
#include "shape_common.h"

static TflStatus cast_prepare_(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "CAST: missing operands");
  int ok[2] = {0, 0};
  int32_t ts[2] = {in->type, out->type};
  for (int i = 0; i < 2; i++)
    switch (ts[i]) {
      case TFL_FLOAT32: case TFL_FLOAT64: case TFL_INT32: case TFL_INT64: case TFL_INT8: case TFL_UINT8: case TFL_INT16:
      case TFL_UINT16: case TFL_UINT32: case TFL_BOOL: case TFL_FLOAT16: ok[i] = 1;
    }
  if (!ok[0] || !ok[1]) return tfl_error(ctx, "CAST: unsupported cast from type %d to %d", in->type, out->type);
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static uint16_t float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
  uint32_t man = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
  if (exp >= 31) return (uint16_t)(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return (uint16_t)sign;
    man |= 0x800000;
    int shift = 14 - exp;
    uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1))) h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13);
  uint32_t rem = man & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
  return (uint16_t)h;
}

static double load_num(const void *p, int t, int64_t i, int64_t *iv, int *is_int) {
  *is_int = 1;
  switch (t) {
    case TFL_FLOAT32: *is_int = 0; return ((const float *)p)[i];
    case TFL_FLOAT64: *is_int = 0; return ((const double *)p)[i];
    case TFL_FLOAT16: *is_int = 0; return half_to_float(((const uint16_t *)p)[i]);
    case TFL_INT32: *iv = ((const int32_t *)p)[i]; break;
    case TFL_INT64: *iv = ((const int64_t *)p)[i]; break;
    case TFL_INT8: *iv = ((const int8_t *)p)[i]; break;
    case TFL_UINT8: *iv = ((const uint8_t *)p)[i]; break;
    case TFL_INT16: *iv = ((const int16_t *)p)[i]; break;
    case TFL_UINT16: *iv = ((const uint16_t *)p)[i]; break;
    case TFL_UINT32: *iv = ((const uint32_t *)p)[i]; break;
    case TFL_BOOL: *iv = ((const uint8_t *)p)[i] != 0; break;
  }
  return (double)*iv;
}

static int64_t f2i(double v, double lo, double hi) {
  if (v != v) return 0;
  if (v < lo) return (int64_t)lo;
  if (v > hi) return (int64_t)hi;
  return (int64_t)v; /* truncation, like static_cast */
}

static TflStatus cast_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  int ti = in->type, to = out->type;
  if (ti == TFL_INT32 && to == TFL_FLOAT32) {
    for (int64_t i = 0; i < n; i++) ((float *)out->data)[i] = (float)((const int32_t *)in->data)[i];
    return TFL_OK;
  }
  if (ti == TFL_FLOAT32 && to == TFL_INT32) {
    for (int64_t i = 0; i < n; i++) ((int32_t *)out->data)[i] = (int32_t)f2i(((const float *)in->data)[i], INT32_MIN, INT32_MAX);
    return TFL_OK;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t iv = 0;
    int is_int;
    double v = load_num(in->data, ti, i, &iv, &is_int);
    void *o = out->data;
    switch (to) {
      case TFL_FLOAT32: ((float *)o)[i] = is_int ? (float)iv : (float)v; break;
      case TFL_FLOAT64: ((double *)o)[i] = is_int ? (double)iv : v; break;
      case TFL_FLOAT16: ((uint16_t *)o)[i] = float_to_half(is_int ? (float)iv : (float)v); break;
      case TFL_BOOL: ((uint8_t *)o)[i] = is_int ? iv != 0 : v != 0; break;
      case TFL_INT32: ((int32_t *)o)[i] = is_int ? (int32_t)iv : (int32_t)f2i(v, INT32_MIN, INT32_MAX); break;
      case TFL_INT64: ((int64_t *)o)[i] = is_int ? iv : f2i(v, -9.2e18, 9.2e18); break;
      case TFL_INT8: ((int8_t *)o)[i] = is_int ? (int8_t)iv : (int8_t)f2i(v, -128, 127); break;
      case TFL_UINT8: ((uint8_t *)o)[i] = is_int ? (uint8_t)iv : (uint8_t)f2i(v, 0, 255); break;
      case TFL_INT16: ((int16_t *)o)[i] = is_int ? (int16_t)iv : (int16_t)f2i(v, -32768, 32767); break;
      case TFL_UINT16: ((uint16_t *)o)[i] = is_int ? (uint16_t)iv : (uint16_t)f2i(v, 0, 65535); break;
      case TFL_UINT32: ((uint32_t *)o)[i] = is_int ? (uint32_t)iv : (uint32_t)f2i(v, 0, 4294967295.0); break;
    }
  }
  return TFL_OK;
}

TFL_FOLDING_PREPARE(cast)

/* ----------------------------------------------------------------------------------- DEQUANTIZE (fp16) */

static TflStatus deq_eval(TflContext *ctx, TflNode *node);

static TflStatus deq_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "DEQUANTIZE: missing operands");
  if (in->type != TFL_FLOAT16) return TFL_NOT_MINE;
  if (out->type != TFL_FLOAT32) return tfl_error(ctx, "DEQUANTIZE: float16 input needs a float32 output");
  if (tfl_resize(ctx, out, in->rank, in->dims) != TFL_OK) return TFL_ERROR;
  /* float16 weights: expand once here, like LiteRT, so consumers see constant float32 weights */
  int *folded = tfl_set_user_data(node, sizeof(int));
  if (tfl_value_known(in) && tfl_make_persistent(ctx, out)) {
    deq_eval(ctx, node);
    *folded = 1;
  }
  return TFL_OK;
}

static TflStatus deq_eval(TflContext *ctx, TflNode *node) {
  const int *folded = node->user_data;
  if (folded && *folded) return TFL_OK; /* expanded at prepare */
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  const uint16_t *h = in->data;
  float *o = out->data;
  for (int64_t i = 0; i < n; i++) o[i] = half_to_float(h[i]);
  return TFL_OK;
}

const TflKernel tfl_kernels_cast[] = {
    {TFL_OP_CAST, "CAST", 1, 7, cast_prepare, cast_eval},
    {TFL_OP_DEQUANTIZE, "DEQUANTIZE", 1, 6, deq_prepare, deq_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
