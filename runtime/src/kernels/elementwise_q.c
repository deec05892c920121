/* Kernel family elementwise_q: ADD, SUB, MUL, MAXIMUM, MINIMUM for int8 and int16 (general scales), with numpy-style
 * broadcasting, bit-exact with LiteRT's reference integer kernels.
 *   ADD/SUB: inputs shifted left by 20 (15 for int16), each rescaled by s_i / (2 max(s1, s2)), summed, rescaled by
 *            2 max(s1, s2) / (2^shift s_out); every rescale is MultiplyByQuantizedMultiplier.
 *   MUL:     MBQM((x1 - z1)(x2 - z2), s1 s2 / s_out) with the scale product taken in float.
 *   MAX/MIN: on the raw values (LiteRT requires equal quantization). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../fixedpoint.h"
#include "../tflrt.h"
#include "par_range.h"

static int is_comparison(int op) {
  return op == TFL_OP_LESS || op == TFL_OP_GREATER || op == TFL_OP_GREATER_EQUAL || op == TFL_OP_LESS_EQUAL || op == TFL_OP_EQUAL ||
         op == TFL_OP_NOT_EQUAL;
}

typedef struct {
  int op;
  int avx2; /* vector ADD/SUB/MUL allowed (tfl_isa() >= avx2 at prepare) */
  int avx512; /* ... on zmm (tfl_isa() >= avx512 at prepare) */
  int32_t type;
  int32_t z1, z2, zo;
  int left_shift;
  int32_t m1, m2, mo;
  int s1, s2, so;
  int32_t lo, hi;
  int rank;
  int64_t st1[TFL_MAX_RANK], st2[TFL_MAX_RANK];
  int same_shape;
} EwQ;

static void ew_free(void *p) { free(p); }
static int32_t zp0(const TflTensor *t) { return t->zero_points ? (int32_t)t->zero_points[0] : 0; }
static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static TflStatus ew_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!a || !b || !out) return TFL_NOT_MINE;
  const int32_t t = a->type;
  const int32_t want_out = is_comparison(node->op) ? TFL_BOOL : t;
  if (!(t == TFL_INT8 || t == TFL_INT16) || b->type != t || out->type != want_out) return TFL_NOT_MINE;
  if (is_comparison(node->op) && tfl_is_int_q(a) && tfl_is_int_q(b)) {
    /* comparisons only need quantized inputs */
  } else
  if (!tfl_is_int_q(a) || !tfl_is_int_q(b) || !tfl_is_int_q(out)) return TFL_NOT_MINE; /* plain integer math */
  const int op = node->op;
  int32_t dims[TFL_MAX_RANK], rank;
  if (!tfl_broadcast_shape(a, b, &rank, dims)) return tfl_error(ctx, "op %d: input shapes do not broadcast", op);
  tfl_release_user_data(node);
  EwQ *d = (EwQ *)calloc(1, sizeof(EwQ));
  if (!d) return tfl_error(ctx, "out of memory");
  node->user_data = d;
  node->free_user_data = ew_free;
  d->op = op;
  d->avx2 = tfl_q_avx2();
  d->avx512 = tfl_isa() >= TFL_ISA_AVX512;
  d->type = t;
  d->z1 = zp0(a);
  d->z2 = zp0(b);
  d->zo = is_comparison(op) ? 0 : zp0(out);
  const float s1 = a->scales[0], s2 = b->scales[0], so = is_comparison(op) ? 1.0f : out->scales[0];
  if (is_comparison(op)) {
    d->left_shift = 8;
    tfl_quantize_multiplier((double)s1, &d->m1, &d->s1);
    tfl_quantize_multiplier((double)s2, &d->m2, &d->s2);
  }
  if (t == TFL_INT16 && (op == TFL_OP_ADD || op == TFL_OP_SUB || op == TFL_OP_MUL || op == TFL_OP_DIV) && (d->z1 || d->z2 || d->zo))
    return tfl_error(ctx, "int16 ADD/SUB/MUL need zero points 0");
  int act = 0;
  if (op == TFL_OP_ADD || op == TFL_OP_SUB) {
    act = tfl_arith_activation(node);
    const int pot = op == TFL_OP_ADD ? tfl_AddOptions(node).pot_scale_int16 : tfl_SubOptions(node).pot_scale_int16;
    if (t == TFL_INT16 && pot) {
      /* LiteRT only takes the power-of-two path when all three scales are powers of two. */
      int p1, p2, p3;
      float f1 = frexpf(s1, &p1), f2 = frexpf(s2, &p2), f3 = frexpf(so, &p3);
      if (f1 == 0.5f && f2 == 0.5f && f3 == 0.5f)
        return tfl_error(ctx, "int16 ADD/SUB with pot_scale_int16 and power-of-two scales is not supported");
    }
    d->left_shift = t == TFL_INT16 ? 15 : 20;
    const double twice_max = (double)(2.0f * (s1 > s2 ? s1 : s2));
    const double r1 = (double)s1 / twice_max, r2 = (double)s2 / twice_max;
    const double ro = twice_max / (double)((float)(1 << d->left_shift) * so);
    tfl_quantize_multiplier(r1, &d->m1, &d->s1);
    tfl_quantize_multiplier(r2, &d->m2, &d->s2);
    tfl_quantize_multiplier(ro, &d->mo, &d->so);
  } else if (op == TFL_OP_SQUARED_DIFFERENCE) {
    if (t != TFL_INT8) return TFL_NOT_MINE;
    d->left_shift = 7;
    const double twice_max = (double)(2.0f * (s1 > s2 ? s1 : s2));
    tfl_quantize_multiplier((double)s1 / twice_max, &d->m1, &d->s1);
    tfl_quantize_multiplier((double)s2 / twice_max, &d->m2, &d->s2);
    tfl_quantize_multiplier((twice_max * twice_max) / (double)((float)(1 << 14) * so), &d->mo, &d->so);
  } else if (op == TFL_OP_PRELU) {
    tfl_quantize_multiplier((double)(s1 / so), &d->m1, &d->s1);
    tfl_quantize_multiplier((double)(s1 * s2 / so), &d->m2, &d->s2);
  } else if (op == TFL_OP_DIV) {
    act = tfl_arith_activation(node);
    tfl_quantize_multiplier((double)(s1 / (s2 * so)), &d->mo, &d->so);
  } else if (op == TFL_OP_MUL) {
    act = tfl_arith_activation(node);
    const double real = (double)(s1 * s2 / so);
    tfl_quantize_multiplier(real, &d->mo, &d->so);
  }
  if (is_comparison(op)) {
    d->lo = 0;
    d->hi = 1;
  } else {
    tfl_act_range_q(act, t, so, d->zo, &d->lo, &d->hi);
  }
  d->rank = rank;
  d->same_shape = tfl_same_shape(a, b);
  tfl_broadcast_strides(a, rank, dims, d->st1);
  tfl_broadcast_strides(b, rank, dims, d->st2);
  return tfl_resize(ctx, out, rank, dims);
}

static inline int32_t ew_apply(const EwQ *d, int32_t x1, int32_t x2, TflRounding mode) {
  switch (d->op) {
    case TFL_OP_ADD:
    case TFL_OP_SUB: {
      const int32_t a = (int32_t)((uint32_t)(x1 - d->z1) << d->left_shift);
      const int32_t b = (int32_t)((uint32_t)(x2 - d->z2) << d->left_shift);
      const int32_t sa = tfl_mbqm_mode(a, d->m1, d->s1, mode);
      const int32_t sb = tfl_mbqm_mode(b, d->m2, d->s2, mode);
      const int32_t raw = d->op == TFL_OP_ADD ? sa + sb : sa - sb;
      return clamp32(tfl_mbqm_mode(raw, d->mo, d->so, mode) + d->zo, d->lo, d->hi);
    }
    case TFL_OP_SQUARED_DIFFERENCE: {
      const int32_t a = (int32_t)((uint32_t)(x1 - d->z1) << d->left_shift);
      const int32_t b = (int32_t)((uint32_t)(x2 - d->z2) << d->left_shift);
      const int32_t diff = tfl_mbqm_mode(a, d->m1, d->s1, mode) - tfl_mbqm_mode(b, d->m2, d->s2, mode);
      return clamp32(tfl_mbqm_mode(diff * diff, d->mo, d->so, mode) + d->zo, d->lo, d->hi);
    }
    case TFL_OP_PRELU: {
      const int32_t v = x1 - d->z1;
      const int32_t r = v >= 0 ? tfl_mbqm_mode(v, d->m1, d->s1, mode) : tfl_mbqm_mode(v * (x2 - d->z2), d->m2, d->s2, mode);
      return clamp32(r + d->zo, d->lo, d->hi);
    }
    case TFL_OP_DIV: {
      int32_t a = x1 - d->z1, b = x2 - d->z2;
      if (b == 0) return a == 0 ? d->zo : (a > 0 ? d->hi : d->lo); /* LiteRT leaves this undefined */
      if (b < 0) {
        a = -a;
        b = -b;
      }
      int recip_shift;
      const int32_t inv = tfl_get_reciprocal(b, 31, &recip_shift);
      const int headroom = a ? __builtin_clrsb(a) : 31;
      const int32_t q = mode == TFL_ROUND_SINGLE ? tfl_mbqm_single(a, inv, headroom)
                                                 : tfl_srdhm((int32_t)((uint32_t)a << headroom), inv);
      const int total_shift = d->so - recip_shift - headroom;
      const int32_t r = mode == TFL_ROUND_SINGLE ? tfl_mbqm_single(q, d->mo, total_shift)
                                                 : tfl_rdbpot(tfl_srdhm(q, d->mo), -total_shift);
      return clamp32(d->zo + r, d->lo, d->hi);
    }
    case TFL_OP_MUL:
      return clamp32(tfl_mbqm_mode((x1 - d->z1) * (x2 - d->z2), d->mo, d->so, mode) + d->zo, d->lo, d->hi);
    case TFL_OP_LESS:
    case TFL_OP_GREATER:
    case TFL_OP_GREATER_EQUAL:
    case TFL_OP_LESS_EQUAL:
    case TFL_OP_EQUAL:
    case TFL_OP_NOT_EQUAL: {
      const int32_t a = tfl_mbqm_mode((int32_t)((uint32_t)(x1 - d->z1) << 8), d->m1, d->s1, mode);
      const int32_t b = tfl_mbqm_mode((int32_t)((uint32_t)(x2 - d->z2) << 8), d->m2, d->s2, mode);
      switch (d->op) {
        case TFL_OP_LESS: return a < b;
        case TFL_OP_GREATER: return a > b;
        case TFL_OP_GREATER_EQUAL: return a >= b;
        case TFL_OP_LESS_EQUAL: return a <= b;
        case TFL_OP_EQUAL: return a == b;
        default: return a != b;
      }
    }
    case TFL_OP_MAXIMUM:
      return x1 > x2 ? x1 : x2;
    default:
      return x1 < x2 ? x1 : x2;
  }
}


/* int8 ADD/SUB on same-shape operands with double rounding: the scalar ew_apply arithmetic over 16 lanes. */
#ifdef TFL_Q_X86
typedef struct {
  __m256i q, l, r, m, t;
} VMbqm;

__attribute__((target("avx2"))) static VMbqm vmbqm_params(int32_t q, int shift) {
  const int right = shift > 0 ? 0 : (-shift > 31 ? 31 : -shift);
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  VMbqm p = {_mm256_set1_epi32(q), _mm256_set1_epi32(shift > 0 ? shift : 0), _mm256_set1_epi32(right),
             _mm256_set1_epi32(mask), _mm256_set1_epi32(mask >> 1)};
  return p;
}

__attribute__((target("avx2"))) static inline __m256i add8(const EwQ *d, __m128i xa, __m128i xb, const VMbqm *p1,
                                                            const VMbqm *p2, const VMbqm *po) {
  const __m256i a = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_cvtepi8_epi32(xa), _mm256_set1_epi32(d->z1)),
                                      d->left_shift);
  const __m256i b = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_cvtepi8_epi32(xb), _mm256_set1_epi32(d->z2)),
                                      d->left_shift);
  const __m256i sa = tfl_v8_mbqm(a, p1->q, p1->l, p1->r, p1->m, p1->t, 1);
  const __m256i sb = tfl_v8_mbqm(b, p2->q, p2->l, p2->r, p2->m, p2->t, 1);
  const __m256i raw = d->op == TFL_OP_ADD ? _mm256_add_epi32(sa, sb) : _mm256_sub_epi32(sa, sb);
  __m256i v = _mm256_add_epi32(tfl_v8_mbqm(raw, po->q, po->l, po->r, po->m, po->t, 1), _mm256_set1_epi32(d->zo));
  return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(d->lo)), _mm256_set1_epi32(d->hi));
}

/* MUL: MBQM((x1 - z1)(x2 - z2)) + zo, clamped (the product of two 9-bit values fits easily) */
__attribute__((target("avx2"))) static inline __m256i mul8(const EwQ *d, __m128i xa, __m128i xb, const VMbqm *po) {
  const __m256i a = _mm256_sub_epi32(_mm256_cvtepi8_epi32(xa), _mm256_set1_epi32(d->z1));
  const __m256i b = _mm256_sub_epi32(_mm256_cvtepi8_epi32(xb), _mm256_set1_epi32(d->z2));
  const __m256i p = _mm256_mullo_epi32(a, b);
  __m256i v = _mm256_add_epi32(tfl_v8_mbqm(p, po->q, po->l, po->r, po->m, po->t, 1), _mm256_set1_epi32(d->zo));
  return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(d->lo)), _mm256_set1_epi32(d->hi));
}

/* int8 ADD/SUB/MUL (double rounding) over n outputs reading a[i * sa], b[i * sb] with strides 0 (broadcast) or 1;
 * returns how many outputs it wrote (whole blocks of 16; the caller finishes the tail). The op and the strides are
 * compile-time constants in each instance (ew_i8_avx2 picks one), so the loop carries no selects. */
__attribute__((target("avx2"), always_inline)) static inline int64_t ew_i8_avx2_body(const EwQ *d, const int8_t *a,
                                                                                    const int8_t *b, int8_t *y,
                                                                                    int64_t n, const int mul,
                                                                                    const int sa, const int sb) {
  const VMbqm p1 = vmbqm_params(d->m1, d->s1), p2 = vmbqm_params(d->m2, d->s2), po = vmbqm_params(d->mo, d->so);
  const __m128i ba = _mm_set1_epi8(a[0]), bb = _mm_set1_epi8(b[0]);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i xa = sa ? _mm_loadu_si128((const __m128i *)(a + i)) : ba;
    const __m128i xb = sb ? _mm_loadu_si128((const __m128i *)(b + i)) : bb;
    const __m128i xa2 = _mm_srli_si128(xa, 8), xb2 = _mm_srli_si128(xb, 8);
    const __m256i lo = mul ? mul8(d, xa, xb, &po) : add8(d, xa, xb, &p1, &p2, &po);
    const __m256i hi = mul ? mul8(d, xa2, xb2, &po) : add8(d, xa2, xb2, &p1, &p2, &po);
    _mm_storeu_si128((__m128i *)(y + i), tfl_v16_pack_i8(lo, hi));
  }
  return i;
}

__attribute__((target("avx2"))) static int64_t ew_i8_avx2(const EwQ *d, const int8_t *a, int64_t sa, const int8_t *b,
                                                           int64_t sb, int8_t *y, int64_t n) {
  if (n < 16 || (!sa && !sb)) return 0; /* both broadcast: inner extent 1, nothing for vectors */
  const int mul = d->op == TFL_OP_MUL;
  if (sa && sb) return mul ? ew_i8_avx2_body(d, a, b, y, n, 1, 1, 1) : ew_i8_avx2_body(d, a, b, y, n, 0, 1, 1);
  if (sa) return mul ? ew_i8_avx2_body(d, a, b, y, n, 1, 1, 0) : ew_i8_avx2_body(d, a, b, y, n, 0, 1, 0);
  return mul ? ew_i8_avx2_body(d, a, b, y, n, 1, 0, 1) : ew_i8_avx2_body(d, a, b, y, n, 0, 0, 1);
}
#endif

#ifdef TFL_Q_X86
/* One per-tensor MBQM on 16 lanes in the 64-bit form of qgemm.h's tfl_v16_rq64 (exact for every int32 x), its
 * constants broadcast in registers. */
typedef struct {
  __m512i q, l, k, c, s;
} V16Rq;

__attribute__((target(TFL_T512))) static V16Rq v16rq_params(int32_t q, int shift) {
  const int r = shift > 0 ? 0 : (-shift > 31 ? 31 : -shift);
  V16Rq p = {_mm512_set1_epi64(q), _mm512_set1_epi32(shift > 0 ? shift : 0),
             _mm512_set1_epi64(((int64_t)1 << 30) + (r >= 1 ? (int64_t)1 << (30 + r) : 0)),
             _mm512_set1_epi64(r >= 1 ? (int64_t)1 << 31 : 0), _mm512_set1_epi64(31 + r)};
  return p;
}

__attribute__((target(TFL_T512), always_inline)) static inline __m512i v16rq(__m512i x, const V16Rq *p) {
  x = _mm512_sllv_epi32(x, p->l);
  const __m512i xo = _mm512_srli_epi64(x, 32);
  __m512i pe = _mm512_mul_epi32(x, p->q), po = _mm512_mul_epi32(xo, p->q);
  /* [P < 0] c from the factors' sign bits, without mask registers (see tfl_v16_rq64) */
  pe = _mm512_sub_epi64(_mm512_add_epi64(pe, p->k), _mm512_ternarylogic_epi64(x, p->q, p->c, 0x28));
  po = _mm512_sub_epi64(_mm512_add_epi64(po, p->k), _mm512_ternarylogic_epi64(xo, p->q, p->c, 0x28));
  pe = _mm512_srav_epi64(pe, p->s);
  po = _mm512_srav_epi64(po, p->s);
  return _mm512_permutex2var_epi32(pe, _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0), po);
}

/* ADD/SUB input rescale MBQM((x - z) << 20, q, shift) in 32-bit lanes, for 9-bit v = x - z, right shifts r = -shift
 * in 0..19: with m = mh 2^11 + ml (ml < 2^11), the 64-bit form (tfl_v16_rq64) divided by 2^20 is
 *   (v mh + ((v ml + 2^10 + [r >= 1] (2^(10 + r) - [v < 0] 2^11)) >> 11)) >> r     (nested floors)
 * where every term fits int32 (|v mh| < 2^28). */
typedef struct {
  __m512i mh, ml, k, c;
  __m128i r;
} V16In;

__attribute__((target(TFL_T512))) static V16In v16in_params(int32_t q, int shift) {
  const int r = -shift;
  V16In p = {_mm512_set1_epi32(q >> 11), _mm512_set1_epi32(q & 2047),
             _mm512_set1_epi32((1 << 10) + (r >= 1 ? 1 << (10 + r) : 0)), _mm512_set1_epi32(r >= 1 ? 1 << 11 : 0),
             _mm_cvtsi32_si128(r)};
  return p;
}

/* Whether v16in gives the MBQM of both inputs of this node. */
static int ew_in32(const EwQ *d) {
  return d->left_shift == 20 && d->m1 >= 0 && d->m2 >= 0 && d->s1 <= 0 && d->s1 >= -19 && d->s2 <= 0 && d->s2 >= -19;
}

__attribute__((target(TFL_T512), always_inline)) static inline __m512i v16in(__m512i v, const V16In *p) {
  __m512i t = _mm512_add_epi32(_mm512_mullo_epi32(v, p->ml), p->k);
  t = _mm512_mask_sub_epi32(t, _mm512_movepi32_mask(v), t, p->c);
  return _mm512_sra_epi32(_mm512_add_epi32(_mm512_mullo_epi32(v, p->mh), _mm512_srai_epi32(t, 11)), p->r);
}

/* ew_i8_avx2 on zmm: 16 outputs a step; kind (0 ADD, 1 SUB, 2 MUL) and the strides are compile-time constants. */
__attribute__((target(TFL_T512), always_inline)) static inline int64_t ew_i8_512_body(const EwQ *d, const int8_t *a,
                                                                                    const int8_t *b, int8_t *y,
                                                                                    int64_t n, const int kind,
                                                                                    const int sa, const int sb,
                                                                                    const int in32) {
  const V16Rq p1 = v16rq_params(d->m1, d->s1), p2 = v16rq_params(d->m2, d->s2), po = v16rq_params(d->mo, d->so);
  const V16In i1 = v16in_params(d->m1, in32 ? d->s1 : 0), i2 = v16in_params(d->m2, in32 ? d->s2 : 0);
  const __m512i z1 = _mm512_set1_epi32(d->z1), z2 = _mm512_set1_epi32(d->z2), zo = _mm512_set1_epi32(d->zo);
  const __m512i lo = _mm512_set1_epi32(d->lo), hi = _mm512_set1_epi32(d->hi);
  const __m512i ba = _mm512_set1_epi32(a[0]), bb = _mm512_set1_epi32(b[0]);
  const unsigned ls = (unsigned)d->left_shift;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i xa = _mm512_sub_epi32(sa ? _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(a + i))) : ba, z1);
    const __m512i xb = _mm512_sub_epi32(sb ? _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + i))) : bb, z2);
    __m512i raw;
    if (kind == 2) {
      raw = _mm512_mullo_epi32(xa, xb);
    } else if (in32) {
      const __m512i va = v16in(xa, &i1), vb = v16in(xb, &i2);
      raw = kind == 0 ? _mm512_add_epi32(va, vb) : _mm512_sub_epi32(va, vb);
    } else {
      const __m512i va = v16rq(_mm512_slli_epi32(xa, ls), &p1), vb = v16rq(_mm512_slli_epi32(xb, ls), &p2);
      raw = kind == 0 ? _mm512_add_epi32(va, vb) : _mm512_sub_epi32(va, vb);
    }
    const __m512i v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v16rq(raw, &po), zo), lo), hi);
    _mm_storeu_si128((__m128i *)(y + i), _mm512_cvtsepi32_epi8(v));
  }
  return i;
}

#define EW512_KINDS(SA, SB)                                                                                            \
  (kind == 0 && in32   ? ew_i8_512_body(d, a, b, y, n, 0, SA, SB, 1)                                                   \
   : kind == 0         ? ew_i8_512_body(d, a, b, y, n, 0, SA, SB, 0)                                                   \
   : kind == 1 && in32 ? ew_i8_512_body(d, a, b, y, n, 1, SA, SB, 1)                                                   \
   : kind == 1         ? ew_i8_512_body(d, a, b, y, n, 1, SA, SB, 0)                                                   \
                       : ew_i8_512_body(d, a, b, y, n, 2, SA, SB, 0))
__attribute__((target(TFL_T512))) static int64_t ew_i8_512(const EwQ *d, const int8_t *a, int64_t sa, const int8_t *b,
                                                           int64_t sb, int8_t *y, int64_t n) {
  if (n < 16 || (!sa && !sb)) return 0;
  const int kind = d->op == TFL_OP_ADD ? 0 : d->op == TFL_OP_SUB ? 1 : 2, in32 = ew_in32(d);
  if (sa && sb) return EW512_KINDS(1, 1);
  if (sa) return EW512_KINDS(1, 0);
  return EW512_KINDS(0, 1);
}
#undef EW512_KINDS
#endif

/* Whether ew_i8_avx2 / ew_i8_512 compute this node now. */
static int ew_vector(const EwQ *d, TflRounding mode) {
  return d->type == TFL_INT8 && (d->op == TFL_OP_ADD || d->op == TFL_OP_SUB || d->op == TFL_OP_MUL) &&
         mode == TFL_ROUND_DOUBLE && d->avx2;
}

#ifdef TFL_Q_X86
static int64_t ew_i8_run(const EwQ *d, const int8_t *a, int64_t sa, const int8_t *b, int64_t sb, int8_t *y, int64_t n) {
  return d->avx512 ? ew_i8_512(d, a, sa, b, sb, y, n) : ew_i8_avx2(d, a, sa, b, sb, y, n);
}
#endif

/* One eval's operands; ranges of it run on worker threads (tfl_parallel_range): every element is computed by the same
 * code whichever task runs it, so outputs do not depend on the thread count. */
typedef struct {
  const EwQ *d;
  const TflTensor *a, *b, *out;
  TflRounding mode;
  int32_t inner; /* broadcast: output row length */
} EwJob;

#define LD(t, i) (is16 ? (int32_t)((const int16_t *)(t)->data)[i] : (int32_t)((const int8_t *)(t)->data)[i])
#define ST(i, v)                                                                                                      \
  do {                                                                                                                \
    if (outb) ((uint8_t *)out->data)[i] = (uint8_t)(v);                                                               \
    else if (is16) ((int16_t *)out->data)[i] = (int16_t)(v);                                                          \
    else ((int8_t *)out->data)[i] = (int8_t)(v);                                                                      \
  } while (0)

/* Same-shape operands: elements [e0, e1). */
static void ew_same_range(void *arg, int64_t e0, int64_t e1) {
  const EwJob *job = (const EwJob *)arg;
  const EwQ *d = job->d;
  const TflTensor *a = job->a, *b = job->b, *out = job->out;
  const int is16 = d->type == TFL_INT16, outb = is_comparison(d->op);
  int64_t i = e0;
#ifdef TFL_Q_X86
  if (ew_vector(d, job->mode))
    i += ew_i8_run(d, (const int8_t *)a->data + e0, 1, (const int8_t *)b->data + e0, 1, (int8_t *)out->data + e0,
                   e1 - e0);
#endif
  for (; i < e1; ++i) ST(i, ew_apply(d, LD(a, i), LD(b, i), job->mode));
}

/* Broadcasting operands: output rows [r0, r1) of `inner` elements. */
static void ew_bcast_rows(void *arg, int64_t r0, int64_t r1) {
  const EwJob *job = (const EwJob *)arg;
  const EwQ *d = job->d;
  const TflTensor *a = job->a, *b = job->b, *out = job->out;
  const int is16 = d->type == TFL_INT16, outb = is_comparison(d->op);
  const int r = d->rank;
  const int32_t inner = job->inner;
  const int64_t sa = d->st1[r - 1], sb = d->st2[r - 1];
  int32_t idx[TFL_MAX_RANK] = {0};
  for (int64_t k = r - 2, rem = r0; k >= 0; --k) { /* the index of row r0 */
    idx[k] = (int32_t)(rem % out->dims[k]);
    rem /= out->dims[k];
  }
  for (int64_t row = r0; row < r1; ++row) {
    const int64_t o = row * inner;
    int64_t ia = 0, ib = 0;
    for (int k = 0; k < r - 1; ++k) {
      ia += idx[k] * d->st1[k];
      ib += idx[k] * d->st2[k];
    }
    int32_t j = 0;
#ifdef TFL_Q_X86
    if (ew_vector(d, job->mode) && (sa == 0 || sa == 1) && (sb == 0 || sb == 1))
      j = (int32_t)ew_i8_run(d, (const int8_t *)a->data + ia, sa, (const int8_t *)b->data + ib, sb,
                             (int8_t *)out->data + o, inner);
#endif
    for (; j < inner; ++j) ST(o + j, ew_apply(d, LD(a, ia + j * sa), LD(b, ib + j * sb), job->mode));
    for (int k = r - 2; k >= 0; --k) {
      if (++idx[k] < out->dims[k]) break;
      idx[k] = 0;
    }
  }
}

static TflStatus ew_eval(TflContext *ctx, TflNode *node) {
  const EwQ *d = (const EwQ *)node->user_data;
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(out);
  const int r = d->rank;
  const int is16 = d->type == TFL_INT16;
  const int outb = is_comparison(d->op); /* bool output, one byte */
  EwJob job = {d, a, b, out, tfl_rounding(), 0};
  /* ~4 units of work per element in the vector bodies (more in the scalar ones) */
  if (d->same_shape) {
    tfl_parallel_range(ctx, n, 4.0, TFL_RANGE_ALIGN, ew_same_range, &job);
    return TFL_OK;
  }
  if (r == 0) {
    ST(0, ew_apply(d, LD(a, 0), LD(b, 0), job.mode));
    return TFL_OK;
  }
  job.inner = out->dims[r - 1];
  if (job.inner > 0) tfl_parallel_range(ctx, n / job.inner, 4.0 * job.inner, 1, ew_bcast_rows, &job);
  return TFL_OK;
}
#undef LD
#undef ST

const TflKernel tfl_kernels_elementwise_q[] = {
    {TFL_OP_ADD, "ADD (int8/int16)", 1, 5, ew_prepare, ew_eval},
    {TFL_OP_SUB, "SUB (int8/int16)", 1, 5, ew_prepare, ew_eval},
    {TFL_OP_MUL, "MUL (int8/int16)", 1, 7, ew_prepare, ew_eval},
    {TFL_OP_DIV, "DIV (int8/int16)", 1, 2, ew_prepare, ew_eval},
    {TFL_OP_PRELU, "PRELU (int8/int16)", 1, 1, ew_prepare, ew_eval},
    {TFL_OP_MAXIMUM, "MAXIMUM (int8/int16)", 1, 4, ew_prepare, ew_eval},
    {TFL_OP_MINIMUM, "MINIMUM (int8/int16)", 1, 4, ew_prepare, ew_eval},
    {TFL_OP_SQUARED_DIFFERENCE, "SQUARED_DIFFERENCE (int8)", 1, 2, ew_prepare, ew_eval},
    {TFL_OP_LESS, "LESS (quantized)", 1, 3, ew_prepare, ew_eval},
    {TFL_OP_LESS_EQUAL, "LESS_EQUAL (quantized)", 1, 2, ew_prepare, ew_eval},
    {TFL_OP_GREATER, "GREATER (quantized)", 1, 2, ew_prepare, ew_eval},
    {TFL_OP_GREATER_EQUAL, "GREATER_EQUAL (quantized)", 1, 3, ew_prepare, ew_eval},
    {TFL_OP_EQUAL, "EQUAL (quantized)", 1, 4, ew_prepare, ew_eval},
    {TFL_OP_NOT_EQUAL, "NOT_EQUAL (quantized)", 1, 3, ew_prepare, ew_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
