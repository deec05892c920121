/* Kernel family quantize: QUANTIZE and DEQUANTIZE for integer types, as LiteRT's reference kernels:
 *   float -> q:  q = clamp((int32)roundf(x / (float)scale) + zp)                 (per-tensor or per-axis)
 *   q -> q:      q' = clamp(MBQM(q - zp, in_s / out_s) + zp')                     (int8/uint8/int16/int32 combos)
 *   q -> float:  x = (float)((double)scale * (q - zp))                            (int8/uint8/int16/int32)
 * float16 -> float32 DEQUANTIZE belongs to the float kernels (NOT_MINE here). */
#include <math.h>
#include <stdlib.h>

#include "../cpu.h"
#include "../fixedpoint.h"
#include "../tflrt.h"
#include "par_range.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define TFL_QZ_X86 1
#include <immintrin.h>
#endif

typedef struct {
  int32_t mult;
  int shift;
  /* 8-bit inputs (uint8 camera images into an int8 model, int8 outputs to uint8): every result, built at the first
   * eval for the rounding mode then in effect */
  int lut_mode; /* TflRounding of the tables, -1 before */
  uint8_t lut8[256]; /* by the input's raw byte: the result's byte (int8 / uint8 outputs) */
  int16_t lut16[256]; /* or the int16 result */
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
    d->lut_mode = -1;
  }
  return tfl_resize(ctx, out, in->rank, in->dims);
}

/* ---- per-tensor float -> int8 / uint8 / int16 and back, split over threads, vectorized at avx2 / avx512 ----
 * The vector bodies compute what the scalar loops below do, element for element: the same float division, roundf's
 * half-away-from-zero rounding as trunc(v) + [|v - trunc(v)| >= 1/2] sign(v) (v - trunc(v) is exact), NaN as 0, and
 * the clamp to [lo, hi] taken in float on r as [lo - zp, hi - zp] (integers, exact in float), which equals saturating
 * r to int32 and clamping r + zp; DEQUANTIZE's product in double, rounded once to float. */
typedef struct {
  const void *x;
  void *y;
  int32_t type; /* the integer side's type */
  float scale;
  double dscale;
  int32_t zp, lo, hi;
  int isa;
} QzJob;

static void quantize_scalar(const QzJob *j, int64_t b, int64_t e) {
  const float *x = (const float *)j->x;
  for (int64_t i = b; i < e; ++i) {
    int64_t w = (int64_t)tfl_sat_f2i((double)roundf(x[i] / j->scale)) + j->zp;
    const int32_t v = (int32_t)(w < j->lo ? j->lo : (w > j->hi ? j->hi : w));
    if (j->type == TFL_INT8) ((int8_t *)j->y)[i] = (int8_t)v;
    else if (j->type == TFL_UINT8) ((uint8_t *)j->y)[i] = (uint8_t)v;
    else ((int16_t *)j->y)[i] = (int16_t)v;
  }
}

static void dequantize_scalar(const QzJob *j, int64_t b, int64_t e) {
  float *y = (float *)j->y;
  for (int64_t i = b; i < e; ++i) {
    int32_t q;
    if (j->type == TFL_INT8) q = ((const int8_t *)j->x)[i];
    else if (j->type == TFL_UINT8) q = ((const uint8_t *)j->x)[i];
    else q = ((const int16_t *)j->x)[i];
    y[i] = (float)(j->dscale * (double)((int64_t)q - j->zp));
  }
}

#ifdef TFL_QZ_X86
__attribute__((target(TFL_T512))) static int64_t quantize_512(const QzJob *j, int64_t b, int64_t e) {
  const float *x = (const float *)j->x;
  const __m512 s = _mm512_set1_ps(j->scale), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 lo = _mm512_set1_ps((float)(j->lo - j->zp)), hi = _mm512_set1_ps((float)(j->hi - j->zp));
  const __m512i zp = _mm512_set1_epi32(j->zp);
  const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000);
  int64_t i = b;
  for (; i + 16 <= e; i += 16) {
    const __m512 v = _mm512_div_ps(_mm512_loadu_ps(x + i), s);
    __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __mmask16 up = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(v, r)), half, _CMP_GE_OQ);
    const __m512 step = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(_mm512_castps_si512(v), sign),
                                                            _mm512_castps_si512(one)));
    r = _mm512_mask_add_ps(r, up, r, step);
    r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), r); /* NaN -> 0 */
    r = _mm512_min_ps(_mm512_max_ps(r, lo), hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvttps_epi32(r), zp);
    if (j->type == TFL_INT16) _mm256_storeu_si256((__m256i *)((int16_t *)j->y + i), _mm512_cvtepi32_epi16(q));
    else _mm_storeu_si128((__m128i *)((int8_t *)j->y + i), _mm512_cvtepi32_epi8(q)); /* uint8: the low bytes too */
  }
  return i;
}

__attribute__((target("avx2"))) static int64_t quantize_avx2(const QzJob *j, int64_t b, int64_t e) {
  const float *x = (const float *)j->x;
  const __m256 s = _mm256_set1_ps(j->scale), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256 lo = _mm256_set1_ps((float)(j->lo - j->zp)), hi = _mm256_set1_ps((float)(j->hi - j->zp));
  const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int32_t)0x80000000));
  const __m256i zp = _mm256_set1_epi32(j->zp);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) {
    const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
    __m256 r = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 up = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(v, r)), half, _CMP_GE_OQ);
    r = _mm256_add_ps(r, _mm256_and_ps(up, _mm256_or_ps(_mm256_and_ps(v, sign), one)));
    r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
    r = _mm256_min_ps(_mm256_max_ps(r, lo), hi);
    const __m256i q = _mm256_add_epi32(_mm256_cvttps_epi32(r), zp);
    /* in range already: the saturating packs only narrow */
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    if (j->type == TFL_INT16) _mm_storeu_si128((__m128i *)((int16_t *)j->y + i), p16);
    else if (j->type == TFL_UINT8) _mm_storel_epi64((__m128i *)((uint8_t *)j->y + i), _mm_packus_epi16(p16, p16));
    else _mm_storel_epi64((__m128i *)((int8_t *)j->y + i), _mm_packs_epi16(p16, p16));
  }
  return i;
}

__attribute__((target(TFL_T512))) static int64_t dequantize_512(const QzJob *j, int64_t b, int64_t e) {
  float *y = (float *)j->y;
  const __m512d s = _mm512_set1_pd(j->dscale);
  const __m512i zp = _mm512_set1_epi32(j->zp);
  int64_t i = b;
  for (; i + 16 <= e; i += 16) {
    __m512i q;
    if (j->type == TFL_INT8) q = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)((const int8_t *)j->x + i)));
    else if (j->type == TFL_UINT8) q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)((const uint8_t *)j->x + i)));
    else q = _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)((const int16_t *)j->x + i)));
    q = _mm512_sub_epi32(q, zp);
    const __m256 a = _mm512_cvtpd_ps(_mm512_mul_pd(s, _mm512_cvtepi32_pd(_mm512_castsi512_si256(q))));
    const __m256 c = _mm512_cvtpd_ps(_mm512_mul_pd(s, _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(q, 1))));
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + 8, c);
  }
  return i;
}

__attribute__((target("avx2"))) static int64_t dequantize_avx2(const QzJob *j, int64_t b, int64_t e) {
  float *y = (float *)j->y;
  const __m256d s = _mm256_set1_pd(j->dscale);
  const __m256i zp = _mm256_set1_epi32(j->zp);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) {
    __m256i q;
    if (j->type == TFL_INT8) q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)((const int8_t *)j->x + i)));
    else if (j->type == TFL_UINT8) q = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)((const uint8_t *)j->x + i)));
    else q = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)((const int16_t *)j->x + i)));
    q = _mm256_sub_epi32(q, zp);
    const __m128 a = _mm256_cvtpd_ps(_mm256_mul_pd(s, _mm256_cvtepi32_pd(_mm256_castsi256_si128(q))));
    const __m128 c = _mm256_cvtpd_ps(_mm256_mul_pd(s, _mm256_cvtepi32_pd(_mm256_extracti128_si256(q, 1))));
    _mm_storeu_ps(y + i, a);
    _mm_storeu_ps(y + i + 4, c);
  }
  return i;
}
#endif

#ifdef TFL_QZ_X86
/* Zero points of real models are small; the vector bodies take differences with them in int32 and float, exact for
 * |zp| <= 2^16 (a hostile file's larger ones take the scalar loops). */
static int zp_small(int32_t zp) { return zp >= -65536 && zp <= 65536; }
#endif

static void quantize_range(void *arg, int64_t b, int64_t e) {
  const QzJob *j = (const QzJob *)arg;
#ifdef TFL_QZ_X86
  if (zp_small(j->zp) && j->isa >= TFL_ISA_AVX512) b = quantize_512(j, b, e);
  else if (zp_small(j->zp) && j->isa >= TFL_ISA_AVX2) b = quantize_avx2(j, b, e);
#endif
  quantize_scalar(j, b, e);
}

static void dequantize_range(void *arg, int64_t b, int64_t e) {
  const QzJob *j = (const QzJob *)arg;
#ifdef TFL_QZ_X86
  if (zp_small(j->zp) && j->isa >= TFL_ISA_AVX512) b = dequantize_512(j, b, e);
  else if (zp_small(j->zp) && j->isa >= TFL_ISA_AVX2) b = dequantize_avx2(j, b, e);
#endif
  dequantize_scalar(j, b, e);
}

static int narrow_type(int32_t t) { return t == TFL_INT8 || t == TFL_UINT8 || t == TFL_INT16; }

/* Integer QUANTIZE of one value: clamp(MBQM(q - izp) + ozp). */
static int32_t requant1(const QuantQ *d, int32_t q, int32_t izp, int32_t ozp, int32_t lo, int32_t hi,
                        TflRounding mode) {
  const int64_t w = (int64_t)tfl_mbqm_mode((int32_t)((uint32_t)q - (uint32_t)izp), d->mult, d->shift, mode) + ozp;
  return (int32_t)(w < lo ? lo : (w > hi ? hi : w));
}

static TflStatus quantize_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(in);
  int32_t lo, hi;
  tfl_type_range(out->type, &lo, &hi);
  if (in->type == TFL_FLOAT32 && out->nq == 1 && narrow_type(out->type)) {
    const QzJob j = {in->data, out->data, out->type, out->scales[0], 0.0,
                     out->zero_points ? (int32_t)out->zero_points[0] : 0, lo, hi, tfl_isa()};
    tfl_parallel_range(ctx, n, 4.0, TFL_RANGE_ALIGN, quantize_range, (void *)&j);
    return TFL_OK;
  }
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
  QuantQ *d = (QuantQ *)node->user_data;
  const TflRounding mode = tfl_rounding();
  const int32_t izp = in->zero_points ? (int32_t)in->zero_points[0] : 0;
  const int32_t ozp = out->zero_points ? (int32_t)out->zero_points[0] : 0;
  const int byte_in = in->type == TFL_INT8 || in->type == TFL_UINT8;
  if (byte_in) {
    if (d->lut_mode != (int)mode) {
      for (int b = 0; b < 256; ++b) {
        const int32_t r = requant1(d, in->type == TFL_INT8 ? (int32_t)(int8_t)b : b, izp, ozp, lo, hi, mode);
        d->lut8[b] = (uint8_t)r;
        d->lut16[b] = (int16_t)r;
      }
      d->lut_mode = (int)mode;
    }
    const uint8_t *x = (const uint8_t *)in->data;
    if (out->type == TFL_INT8 || out->type == TFL_UINT8) {
      uint8_t *y = (uint8_t *)out->data;
      for (int64_t i = 0; i < n; ++i) y[i] = d->lut8[x[i]];
      return TFL_OK;
    }
    if (out->type == TFL_INT16) {
      int16_t *y = (int16_t *)out->data;
      for (int64_t i = 0; i < n; ++i) y[i] = d->lut16[x[i]];
      return TFL_OK;
    }
  }
  for (int64_t i = 0; i < n; ++i) store_int(out, i, requant1(d, load_int(in, i), izp, ozp, lo, hi, mode));
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
  if (in->nq == 1 && narrow_type(in->type)) {
    const QzJob j = {in->data, out->data, in->type, 0.0f, (double)in->scales[0],
                     in->zero_points ? (int32_t)in->zero_points[0] : 0, 0, 0, tfl_isa()};
    tfl_parallel_range(ctx, n, 2.0, TFL_RANGE_ALIGN, dequantize_range, (void *)&j);
    return TFL_OK;
  }
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
