/* int8 GEMM; see qgemm.h. */
#include "qgemm.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "fixedpoint.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TFL_QGEMM_X86 1
#endif

/* panel j: for each depth group g: channels c = 0..15 as (w[c][group * g + i], i < group); zeros past N and K */
static int qpack_group(const int8_t *w, int N, int K, int group, TflQPack *p) {
  p->N = N;
  p->K = K;
  p->group = group;
  p->Np = (N + TFL_QGEMM_NR - 1) / TFL_QGEMM_NR * TFL_QGEMM_NR;
  p->Kp = (K + group - 1) / group * group;
  const size_t n = (size_t)p->Np * (size_t)p->Kp;
  p->data = (int8_t *)aligned_alloc(64, (n + 63) & ~(size_t)63);
  if (!p->data) return 0;
  memset(p->data, 0, n);
  for (int j = 0; j < p->Np / TFL_QGEMM_NR; ++j) {
    int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    for (int kg = 0; kg < p->Kp / group; ++kg)
      for (int c = 0; c < TFL_QGEMM_NR; ++c) {
        const int ch = j * TFL_QGEMM_NR + c;
        if (ch >= N) continue;
        for (int i = 0; i < group; ++i) {
          const int k = group * kg + i;
          panel[((size_t)kg * TFL_QGEMM_NR + c) * group + i] = k < K ? w[(size_t)ch * K + k] : 0;
        }
      }
  }
  return 1;
}

int tfl_qpack(const int8_t *w, int N, int K, TflQPack *p) { return qpack_group(w, N, K, 2, p); }

void tfl_qpack_free(TflQPack *p) {
  free(p->data);
  p->data = NULL;
}

/* ---------------------------------------------------------------- portable micro-kernel */
static void tile_c(const int8_t *panel, int Kp, const int16_t *const *rows, int mr, int32_t *out, int ldo) {
  for (int r = 0; r < mr; ++r) {
    int32_t s[TFL_QGEMM_NR] = {0};
    for (int kp = 0; kp < Kp / 2; ++kp) {
      const int32_t x0 = rows[r][2 * kp], x1 = rows[r][2 * kp + 1];
      const int8_t *wp = panel + (size_t)kp * 2 * TFL_QGEMM_NR;
      for (int c = 0; c < TFL_QGEMM_NR; ++c) s[c] += x0 * wp[2 * c] + x1 * wp[2 * c + 1];
    }
    memcpy(out + (size_t)r * ldo, s, sizeof(s));
  }
}

#ifdef TFL_QGEMM_X86
static inline int32_t load_pair(const int16_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* SSE2: 4 rows x 16 channels, 16 accumulators would exceed the 16 xmm registers, so 4 rows x 8 channels twice. */
static void tile_sse2(const int8_t *panel, int Kp, const int16_t *const *rows, int mr, int32_t *out, int ldo) {
  for (int half = 0; half < 2; ++half) {
    __m128i a00 = _mm_setzero_si128(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const int16_t *r0 = rows[0], *r1 = rows[mr > 1 ? 1 : 0], *r2 = rows[mr > 2 ? 2 : 0], *r3 = rows[mr > 3 ? 3 : 0];
    const int8_t *wp = panel + half * 16;
    for (int kp = 0; kp < Kp / 2; ++kp, wp += 2 * TFL_QGEMM_NR) {
      const __m128i b0 = _mm_loadl_epi64((const __m128i *)wp), b1 = _mm_loadl_epi64((const __m128i *)(wp + 8));
      const __m128i w0 = _mm_srai_epi16(_mm_unpacklo_epi8(b0, b0), 8);
      const __m128i w1 = _mm_srai_epi16(_mm_unpacklo_epi8(b1, b1), 8);
      __m128i x = _mm_set1_epi32(load_pair(r0 + 2 * kp));
      a00 = _mm_add_epi32(a00, _mm_madd_epi16(x, w0));
      a01 = _mm_add_epi32(a01, _mm_madd_epi16(x, w1));
      x = _mm_set1_epi32(load_pair(r1 + 2 * kp));
      a10 = _mm_add_epi32(a10, _mm_madd_epi16(x, w0));
      a11 = _mm_add_epi32(a11, _mm_madd_epi16(x, w1));
      x = _mm_set1_epi32(load_pair(r2 + 2 * kp));
      a20 = _mm_add_epi32(a20, _mm_madd_epi16(x, w0));
      a21 = _mm_add_epi32(a21, _mm_madd_epi16(x, w1));
      x = _mm_set1_epi32(load_pair(r3 + 2 * kp));
      a30 = _mm_add_epi32(a30, _mm_madd_epi16(x, w0));
      a31 = _mm_add_epi32(a31, _mm_madd_epi16(x, w1));
    }
    int32_t *o = out + half * 8;
    _mm_storeu_si128((__m128i *)o, a00);
    _mm_storeu_si128((__m128i *)(o + 4), a01);
    if (mr > 1) {
      _mm_storeu_si128((__m128i *)(o + ldo), a10);
      _mm_storeu_si128((__m128i *)(o + ldo + 4), a11);
    }
    if (mr > 2) {
      _mm_storeu_si128((__m128i *)(o + 2 * ldo), a20);
      _mm_storeu_si128((__m128i *)(o + 2 * ldo + 4), a21);
    }
    if (mr > 3) {
      _mm_storeu_si128((__m128i *)(o + 3 * ldo), a30);
      _mm_storeu_si128((__m128i *)(o + 3 * ldo + 4), a31);
    }
  }
}

/* int32 output; MR is a compile-time constant in each instance, so short row tails (M = 1 for a batch-1
 * FULLY_CONNECTED) do not compute duplicate rows. */
__attribute__((target("avx2"), always_inline)) static inline void tile_avx2_body(const int8_t *panel, int Kp,
                                                                                const int16_t *const *rows,
                                                                                int32_t *out, int ldo, const int MR) {
  __m256i acc[TFL_QGEMM_MR][2];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  const int8_t *wp = panel;
  for (int kp = 0; kp < Kp / 2; ++kp, wp += 2 * TFL_QGEMM_NR) {
    const __m256i w0 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)wp));
    const __m256i w1 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(wp + 16)));
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      const __m256i x = _mm256_set1_epi32(load_pair(rows[r] + 2 * kp));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, w0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, w1));
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_si256((__m256i *)(out + (size_t)r * ldo), acc[r][0]);
    _mm256_storeu_si256((__m256i *)(out + (size_t)r * ldo + 8), acc[r][1]);
  }
}

__attribute__((target("avx2"))) static void tile_avx2(const int8_t *panel, int Kp, const int16_t *const *rows,
                                                        int mr, int32_t *out, int ldo) {
  switch (mr) {
    case 1: tile_avx2_body(panel, Kp, rows, out, ldo, 1); break;
    case 2: tile_avx2_body(panel, Kp, rows, out, ldo, 2); break;
    case 3: tile_avx2_body(panel, Kp, rows, out, ldo, 3); break;
    default: tile_avx2_body(panel, Kp, rows, out, ldo, 4); break;
  }
}
#endif

typedef void (*TileFn)(const int8_t *, int, const int16_t *const *, int, int32_t *, int);

/* int32-output tile for int16 rows at the given level (the zmm kernels below take the avx512 levels in the driver). */
static TileFn pick_tile(int isa) {
#ifdef TFL_QGEMM_X86
  if (isa >= TFL_ISA_AVX2) return tile_avx2;
  if (isa >= TFL_ISA_SSE2) return tile_sse2;
#endif
  (void)isa;
  return tile_c;
}

void tfl_qgemm(const TflQPack *p, const int16_t *a, int M, int lda, int32_t *acc) {
  const TileFn tile = pick_tile(tfl_isa());
  const int panels = p->Np / TFL_QGEMM_NR;
  for (int j = 0; j < panels; ++j) {
    const int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    for (int m = 0; m < M; m += TFL_QGEMM_MR) {
      const int mr = M - m < TFL_QGEMM_MR ? M - m : TFL_QGEMM_MR;
      const int16_t *rows[TFL_QGEMM_MR];
      for (int r = 0; r < TFL_QGEMM_MR; ++r) rows[r] = a + (size_t)(m + (r < mr ? r : 0)) * lda;
      tile(panel, p->Kp, rows, mr, acc + (size_t)m * p->Np + (size_t)j * TFL_QGEMM_NR, p->Np);
    }
  }
}

/* ---------------------------------------------------------------- widening */

#ifdef TFL_QGEMM_X86
__attribute__((target("avx2"))) static void widen_avx2(const int8_t *src, int16_t *dst, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
  for (; i < n; ++i) dst[i] = src[i];
}
#endif

void tfl_widen_i8(const int8_t *src, int16_t *dst, size_t n) {
#ifdef TFL_QGEMM_X86
  if (tfl_q_avx2()) {
    widen_avx2(src, dst, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) dst[i] = src[i];
}

/* ---------------------------------------------------------------- fused int8 epilogue */

#ifdef TFL_QGEMM_X86
/* MR (1..6) rows x 8 * NH (NH = 1 or 2) channels of a panel; the accumulators start at the epilogue bias and the
 * requantized int8 results go straight to out (row stride ldo); only the first nvalid channels are stored. MR, NH
 * and with_left are compile-time constants at every call, so each instance keeps its accumulators in registers. */
#define TFL_AVX2_BODY __attribute__((target("avx2"), always_inline)) static inline
TFL_AVX2_BODY void tile_i8_body(const int8_t *panel, int Kp, const int16_t *const *rows, const TflRq *rq, int n0,
                                int nvalid, int8_t *out, int ldo, const int MR, const int NH, const int with_left) {
  __m256i acc[TFL_QGEMM_MR_I8][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int h = 0; h < NH; ++h) acc[r][h] = _mm256_load_si256((const __m256i *)(rq->bias + n0 + 8 * h));
  const int8_t *wp = panel;
  for (int kp = 0; kp < Kp / 2; ++kp, wp += 2 * TFL_QGEMM_NR) {
    const __m256i w0 = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)wp));
    const __m256i w1 = NH == 2 ? _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(wp + 16))) : w0;
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256i x = _mm256_set1_epi32(load_pair(rows[r] + 2 * kp));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, w0));
      if (NH == 2) acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, w1));
    }
  }
  const __m256i zp = _mm256_set1_epi32(rq->zp), lo = _mm256_set1_epi32(rq->lo), hi = _mm256_set1_epi32(rq->hi);
#pragma GCC unroll 2
  for (int h = 0; h < NH; ++h) {
    const int i = n0 + 8 * h;
    const __m256i q = _mm256_load_si256((const __m256i *)(rq->mult + i));
    const __m256i l = with_left ? _mm256_load_si256((const __m256i *)(rq->lsh + i)) : _mm256_setzero_si256();
    const __m256i sh = _mm256_load_si256((const __m256i *)(rq->rsh + i));
    const __m256i m = _mm256_load_si256((const __m256i *)(rq->mask + i));
    const __m256i t = _mm256_load_si256((const __m256i *)(rq->thr + i));
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256i v = _mm256_add_epi32(tfl_v8_mbqm(acc[r][h], q, l, sh, m, t, with_left), zp);
      acc[r][h] = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    const __m128i v = tfl_v16_pack_i8(acc[r][0], NH == 2 ? acc[r][1] : acc[r][0]);
    int8_t *o = out + (size_t)r * ldo;
    if (nvalid == 16) {
      _mm_storeu_si128((__m128i *)o, v);
    } else if (nvalid == 8) {
      _mm_storel_epi64((__m128i *)o, v);
    } else {
      int8_t tmp[16];
      _mm_storeu_si128((__m128i *)tmp, v);
      memcpy(o, tmp, (size_t)nvalid);
    }
  }
}

#define TFL_TILE_I8(MR, NH)                                                                                     \
  __attribute__((target("avx2"))) static void tile_i8_##MR##x##NH(const int8_t *panel, int Kp,                  \
                                                                  const int16_t *const *rows, const TflRq *rq,  \
                                                                  int n0, int nvalid, int8_t *out, int ldo) {   \
    if (rq->any_left) tile_i8_body(panel, Kp, rows, rq, n0, nvalid, out, ldo, MR, NH, 1);                       \
    else tile_i8_body(panel, Kp, rows, rq, n0, nvalid, out, ldo, MR, NH, 0);                                    \
  }
TFL_TILE_I8(1, 1)
TFL_TILE_I8(2, 1)
TFL_TILE_I8(3, 1)
TFL_TILE_I8(4, 1)
TFL_TILE_I8(1, 2)
TFL_TILE_I8(2, 2)
TFL_TILE_I8(3, 2)
TFL_TILE_I8(4, 2)
TFL_TILE_I8(5, 1)
TFL_TILE_I8(6, 1)
TFL_TILE_I8(5, 2)
TFL_TILE_I8(6, 2)
#undef TFL_TILE_I8

typedef void (*TileI8Fn)(const int8_t *, int, const int16_t *const *, const TflRq *, int, int, int8_t *, int);
static const TileI8Fn tile_i8_fns[2][TFL_QGEMM_MR_I8] = {
    {tile_i8_1x1, tile_i8_2x1, tile_i8_3x1, tile_i8_4x1, tile_i8_5x1, tile_i8_6x1},
    {tile_i8_1x2, tile_i8_2x2, tile_i8_3x2, tile_i8_4x2, tile_i8_5x2, tile_i8_6x2}};

/* Rows not in the tile (mr < 6) and channels past nvalid (<= 8) are not computed at all. */
static void tile_i8_avx2(const int8_t *panel, int Kp, const int16_t *const *rows, int mr, const TflRq *rq, int n0,
                         int nvalid, int8_t *out, int ldo) {
  tile_i8_fns[nvalid > 8][mr - 1](panel, Kp, rows, rq, n0, nvalid, out, ldo);
}
#endif

/* ---------------------------------------------------------------- row formats */

/* x + 128 as uint8 (the vpdpbusd rows); plain loop, vectorized by the compiler at the baseline level */
static void flip_u8(uint8_t *dst, const int8_t *src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = (uint8_t)src[i] ^ 0x80u;
}

#ifdef TFL_QGEMM_X86
__attribute__((target("avx512f,avx512bw"))) static void flip_u8_512(uint8_t *dst, const int8_t *src, size_t n) {
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
  if (i < n) {
    const __mmask64 m = ((__mmask64)1 << (n - i)) - 1;
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
  }
}
#endif

void tfl_qrows_copy(const TflQRows *o, size_t at, const int8_t *src, size_t n) {
#ifdef TFL_QGEMM_X86
  if (o->fmt == TFL_QROW_U8 && o->isa >= TFL_ISA_AVX512) {
    flip_u8_512((uint8_t *)o->A + at, src, n);
    return;
  }
#endif
  if (o->fmt == TFL_QROW_U8) flip_u8((uint8_t *)o->A + at, src, n);
  else tfl_widen_i8(src, (int16_t *)o->A + at, n);
}

void tfl_qrows_fill(const TflQRows *o, size_t at, int8_t v, size_t n) {
  if (o->fmt == TFL_QROW_U8) {
    memset((uint8_t *)o->A + at, (uint8_t)v ^ 0x80u, n);
  } else {
    int16_t *d = (int16_t *)o->A + at;
    for (size_t i = 0; i < n; ++i) d[i] = v;
  }
}

/* ---------------------------------------------------------------- TflRq64 */

int tfl_rq64_init(TflRq64 *e, const TflRq *rq) {
  const int nb = (rq->np + 15) / 16;
  e->rm1 = NULL;
  e->ez = NULL;
  e->fast_zp = 0;
  e->e = (int64_t *)aligned_alloc(64, (size_t)(nb > 0 ? nb : 1) * 48 * sizeof(int64_t));
  if (!e->e) return 0;
  int fast = 1, zp_ok = !rq->any_left, fast_zp = 1;
  for (int i = 0; i < nb * 16; ++i) {
    const int r = i < rq->np ? rq->rsh[i] : 0;
    int64_t *b = e->e + (size_t)(i / 16) * 48 + (i & 1) * 8 + (i & 15) / 2;
    b[0] = ((int64_t)1 << 30) + (r >= 1 ? (int64_t)1 << (30 + r) : 0);
    b[16] = r >= 1 ? (int64_t)1 << 31 : 0;
    b[32] = 31 + r;
    if (i < rq->np && r < 1 && rq->mult[i] != 0) fast = 0; /* a zero multiplier gives 0 in either form */
    if (i < rq->np && (r < 1 || r > 23)) zp_ok = 0;
    if (i < rq->np && r < 2 && rq->mult[i] != 0) fast_zp = 0;
  }
  if (zp_ok) {
    e->ez = (int64_t *)aligned_alloc(64, (size_t)(nb > 0 ? nb : 1) * 48 * sizeof(int64_t));
    if (!e->ez) {
      tfl_rq64_free(e);
      return 0;
    }
    memcpy(e->ez, e->e, (size_t)(nb > 0 ? nb : 1) * 48 * sizeof(int64_t));
    for (int i = 0; i < nb * 16; ++i) { /* padding positions (r = 0, zero multiplier) give zp: never stored */
      int64_t *b = e->ez + (size_t)(i / 16) * 48 + (i & 1) * 8 + (i & 15) / 2;
      b[0] += (int64_t)rq->zp * ((int64_t)1 << b[32]);
    }
  }
  if (fast) {
    e->rm1 = (int32_t *)aligned_alloc(64, (size_t)(nb > 0 ? nb : 1) * 16 * sizeof(int32_t));
    if (!e->rm1) {
      tfl_rq64_free(e);
      return 0;
    }
    for (int i = 0; i < nb * 16; ++i) e->rm1[i] = i < rq->np && rq->rsh[i] >= 1 ? rq->rsh[i] - 1 : 0;
    e->fast_zp = fast_zp;
  }
  return 1;
}

void tfl_rq64_free(TflRq64 *e) {
  free(e->e);
  free(e->ez);
  free(e->rm1);
  e->e = NULL;
  e->ez = NULL;
  e->rm1 = NULL;
}

/* ---------------------------------------------------------------- AVX-512 and VNNI micro-kernels */

#ifdef TFL_QGEMM_X86
static inline int32_t load_quad(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Requantizes the zmm kernel's accumulators in place in the given form (a constant): NF full panels and, with HALF,
 * the ymm half panel after them (zero-extended into acc[r][NF]). */
__attribute__((target(TFL_T512), always_inline)) static inline void zmm_rq_panels(__m512i (*acc)[4], __m256i *acch,
                                                                                  const TflRq *rq, const TflRq64 *e,
                                                                                  int n0, const int MR, const int NF,
                                                                                  const int HALF, const int form) {
  /* a barrier per panel keeps its constants' loads beside its rows: hoisted together they spill to the stack */
#pragma GCC unroll 4
  for (int j = 0; j < NF; ++j) {
    __asm__ volatile("" ::: "memory");
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) acc[r][j] = tfl_v16_rqx(acc[r][j], rq, e, n0 + 16 * j, form);
  }
  if (HALF)
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) acc[r][NF] = _mm512_zextsi256_si512(tfl_v8_rqx(acch[r], rq, e, n0 + 16 * NF, form));
}

/* tfl_v64_pack_rq for results that already hold the zero point (TFL_RQ_ZP): the saturating packs and the clamp. */
__attribute__((target(TFL_T512), always_inline)) static inline __m512i pack_rq_z(__m512i a0, __m512i a1, __m512i a2,
                                                                                 __m512i a3, const TflRq *rq) {
  const __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(a0, a1), _mm512_packs_epi32(a2, a3));
  return _mm512_min_epi8(_mm512_max_epi8(b, _mm512_set1_epi8((char)rq->lo)), _mm512_set1_epi8((char)rq->hi));
}

/* zmm micro-kernel: MR (1..6) rows x NP (1..4) panels of 16 channels, one zmm accumulator per (row, panel), started
 * at init[channel] (the epilogue bias, or the uint8 rows' correction for raw sums). Per depth group the rows
 * contribute a broadcast 4-byte word: a depth quad of uint8 (vpdpbusd against the [16][4] int8 panel row) or a depth
 * pair of int16 (vpmaddwd against the [16][2] panel row sign-extended to int16, AVX-512BW without VNNI).
 * init and out point at the group's first channel; rq (indexed from channel n0) != NULL: int8 results for the first
 * nvalid channels at out (row stride ldo), packed 64 to a row and put in channel order with one dword permute; else
 * int32 sums (all NP * 16). */
#define TFL_ZMM_KERNEL(NAME, TARGET, GROUP, LOADW, DOT)                                                                \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_body(                                      \
      const int8_t *panel, size_t pstride, int ngroups, const uint8_t *const *rows, const int32_t *init,               \
      const TflRq *rq, int n0, int nvalid, void *out, int ldo, const int MR, const int NP, const int HALF) {          \
    /* HALF: panel NP - 1 has at most 8 valid channels and runs on ymm (its channels 0-7, int8 output only) */       \
    const int NF = NP - HALF;                                                                                          \
    __m512i acc[6][4];                                                                                                 \
    __m256i acch[6];                                                                                                   \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                             \
      _Pragma("GCC unroll 4") for (int j = 0; j < NF; ++j) acc[r][j] = _mm512_load_si512(init + 16 * j);          \
      if (HALF) acch[r] = _mm256_load_si256((const __m256i *)(init + 16 * NF));                                       \
    }                                                                                                                  \
    for (int g = 0; g < ngroups; ++g) {                                                                                \
      __m512i w[4];                                                                                                    \
      __m256i wh = _mm256_setzero_si256();                                                                             \
      _Pragma("GCC unroll 4") for (int j = 0; j < NF; ++j) w[j] = LOADW(panel + j * pstride + (size_t)g * 16 * GROUP); \
      if (HALF) wh = LOADW##_H(panel + NF * pstride + (size_t)g * 16 * GROUP);                                        \
      _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                           \
        const int32_t q = load_quad(rows[r] + 4 * (size_t)g);                                                          \
        const __m512i x = _mm512_set1_epi32(q);                                                                        \
        _Pragma("GCC unroll 4") for (int j = 0; j < NF; ++j) acc[r][j] = DOT(acc[r][j], x, w[j]);                      \
        if (HALF) acch[r] = DOT##_H(acch[r], _mm512_castsi512_si256(x), wh);                                          \
      }                                                                                                                \
    }                                                                                                                  \
    if (!rq) {                                                                                                         \
      _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r)                                                             \
        _Pragma("GCC unroll 4") for (int j = 0; j < NF; ++j)                                                           \
          _mm512_storeu_si512((int32_t *)out + (size_t)r * ldo + 16 * j, acc[r][j]);                                   \
      return;                                                                                                          \
    }                                                                                                                  \
    /* rq is always the rq member of a TflQGemm (block_wide) */                                                       \
    const TflRq64 *rq64 = &((const TflQGemm *)((const char *)rq - offsetof(TflQGemm, rq)))->rq64;                      \
    /* the 64-bit form (the fast one is no quicker here); the plain ReLU-clamped one is the common case */            \
    /* zp in the shift's constants (TFL_RQ_ZP) when they allow it: the packs then add nothing */                       \
    const int wz = rq64->ez != NULL;                                                                                   \
    const int form = (rq->any_left ? TFL_RQ_LEFT : wz ? TFL_RQ_ZP : TFL_RQ_PLAIN) | tfl_rq_relu(rq);                 \
    if (form == (TFL_RQ_ZP | TFL_RQ_RELU)) zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_ZP | TFL_RQ_RELU); \
    else if (form == TFL_RQ_ZP) zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_ZP);                      \
    else if (form == (TFL_RQ_PLAIN | TFL_RQ_RELU))                                                                     \
      zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_PLAIN | TFL_RQ_RELU);                                \
    else if (form == TFL_RQ_PLAIN) zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_PLAIN);                \
    else if (form == TFL_RQ_LEFT) zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_LEFT);                  \
    else zmm_rq_panels(acc, acch, rq, rq64, n0, MR, NF, HALF, TFL_RQ_LEFT | TFL_RQ_RELU);                              \
    const int32_t zpa = wz ? 0 : rq->zp; /* the zero point still to add */                                            \
    if (NP == 1) { /* one vector a row: clamp(x, lo - zp, hi - zp) + zp in int32 (the pack below gives the same) */   \
      const __m512i zp = _mm512_set1_epi32(zpa), lo = _mm512_set1_epi32(rq->lo - zpa);                               \
      const __m512i hi = _mm512_set1_epi32(rq->hi - zpa);                                                              \
      const __mmask16 m16 = nvalid >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nvalid) - 1);                        \
      _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                           \
        __m512i v = _mm512_min_epi32(_mm512_max_epi32(acc[r][0], lo), hi);                                             \
        if (!wz) v = _mm512_add_epi32(v, zp);                                                                          \
        _mm_mask_storeu_epi8((int8_t *)out + (size_t)r * ldo, m16, _mm512_cvtepi32_epi8(v));                          \
      }                                                                                                                \
      return;                                                                                                          \
    }                                                                                                                  \
    const __mmask64 m = nvalid >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nvalid) - 1);                                 \
    const __m512i perm = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);                       \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                             \
      const __m512i b = wz ? pack_rq_z(acc[r][0], acc[r][NP > 1 ? 1 : 0], acc[r][NP > 2 ? 2 : 0],                    \
                                       acc[r][NP > 3 ? 3 : 0], rq)                                                     \
                           : tfl_v64_pack_rq(acc[r][0], acc[r][NP > 1 ? 1 : 0], acc[r][NP > 2 ? 2 : 0],               \
                                             acc[r][NP > 3 ? 3 : 0], rq);                                              \
      _mm512_mask_storeu_epi8((int8_t *)out + (size_t)r * ldo, m, _mm512_permutexvar_epi32(perm, b));                  \
    }                                                                                                                  \
  }

#define TFL_LOADW_VNNI(p) _mm512_load_si512(p)
#define TFL_DOT_VNNI(a, x, w) _mm512_dpbusd_epi32(a, x, w)
#define TFL_LOADW_VNNI_H(p) _mm256_load_si256((const __m256i *)(p))
#define TFL_DOT_VNNI_H(a, x, w) _mm256_dpbusd_epi32(a, x, w)
#define TFL_LOADW_I16(p) _mm512_cvtepi8_epi16(_mm256_load_si256((const __m256i *)(p)))
#define TFL_DOT_I16(a, x, w) _mm512_add_epi32(a, _mm512_madd_epi16(x, w))
#define TFL_LOADW_I16_H(p) _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(p)))
#define TFL_DOT_I16_H(a, x, w) _mm256_add_epi32(a, _mm256_madd_epi16(x, w))
TFL_ZMM_KERNEL(zmm_vnni, TFL_T512_VNNI, 4, TFL_LOADW_VNNI, TFL_DOT_VNNI)
TFL_ZMM_KERNEL(zmm_i16, TFL_T512, 2, TFL_LOADW_I16, TFL_DOT_I16)

typedef void (*ZmmFn)(const int8_t *, size_t, int, const uint8_t *const *, const int32_t *, const TflRq *, int, int,
                      void *, int);
#define TFL_ZMM_INST(NAME, TARGET, MR, NP)                                                                            \
  __attribute__((target(TARGET))) static void NAME##_##MR##x##NP(const int8_t *panel, size_t pstride, int ngroups,   \
                                                                 const uint8_t *const *rows, const int32_t *init,    \
                                                                 const TflRq *rq, int n0, int nvalid, void *out,     \
                                                                 int ldo) {                                          \
    NAME##_body(panel, pstride, ngroups, rows, init, rq, n0, nvalid, out, ldo, MR, NP, 0);                            \
  }                                                                                                                    \
  __attribute__((target(TARGET), unused)) static void NAME##_##MR##x##NP##h(                                          \
      const int8_t *panel, size_t pstride, int ngroups, const uint8_t *const *rows, const int32_t *init,              \
      const TflRq *rq, int n0, int nvalid, void *out, int ldo) {                                                       \
    NAME##_body(panel, pstride, ngroups, rows, init, rq, n0, nvalid, out, ldo, MR, NP, NP > 1);                        \
  }
#define TFL_ZMM_ROWS(NAME, TARGET, NP)                                                                                 \
  TFL_ZMM_INST(NAME, TARGET, 1, NP)                                                                                    \
  TFL_ZMM_INST(NAME, TARGET, 2, NP)                                                                                    \
  TFL_ZMM_INST(NAME, TARGET, 3, NP)                                                                                    \
  TFL_ZMM_INST(NAME, TARGET, 4, NP)                                                                                    \
  TFL_ZMM_INST(NAME, TARGET, 5, NP)                                                                                    \
  TFL_ZMM_INST(NAME, TARGET, 6, NP)
#define TFL_ZMM_ALL(NAME, TARGET)                                                                                      \
  TFL_ZMM_ROWS(NAME, TARGET, 1) TFL_ZMM_ROWS(NAME, TARGET, 2) TFL_ZMM_ROWS(NAME, TARGET, 3)                           \
  TFL_ZMM_ROWS(NAME, TARGET, 4)                                                                                        \
  static const ZmmFn NAME##_fns[4][6] = {                                                                              \
      {NAME##_1x1, NAME##_2x1, NAME##_3x1, NAME##_4x1, NAME##_5x1, NAME##_6x1},                                        \
      {NAME##_1x2, NAME##_2x2, NAME##_3x2, NAME##_4x2, NAME##_5x2, NAME##_6x2},                                        \
      {NAME##_1x3, NAME##_2x3, NAME##_3x3, NAME##_4x3, NAME##_5x3, NAME##_6x3},                                        \
      {NAME##_1x4, NAME##_2x4, NAME##_3x4, NAME##_4x4, NAME##_5x4, NAME##_6x4}};                                     \
  /* [np - 2]: the last of np panels half (8 channels) */                                                             \
  static const ZmmFn NAME##_half_fns[3][6] = {                                                                         \
      {NAME##_1x2h, NAME##_2x2h, NAME##_3x2h, NAME##_4x2h, NAME##_5x2h, NAME##_6x2h},                                  \
      {NAME##_1x3h, NAME##_2x3h, NAME##_3x3h, NAME##_4x3h, NAME##_5x3h, NAME##_6x3h},                                  \
      {NAME##_1x4h, NAME##_2x4h, NAME##_3x4h, NAME##_4x4h, NAME##_5x4h, NAME##_6x4h}};
TFL_ZMM_ALL(zmm_vnni, TFL_T512_VNNI)
TFL_ZMM_ALL(zmm_i16, TFL_T512)

/* ymm VNNI micro-kernel (avx2_vnni): MR (1..6) rows x one panel, the 64-byte [16][4] panel row as two ymm halves
 * (channels 0-7, 8-15); the same uint8 rows and start values as the zmm kernel, AVX2 requantization. Compiled twice:
 * VEX (AVX-VNNI) and EVEX (AVX512-VNNI with VL, for CPUs that have only that). */
#define TFL_YMM_KERNEL(NAME, TARGET, DOT)                                                                              \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_body(                                      \
      const int8_t *panel, int ngroups, const uint8_t *const *rows, const int32_t *init, const TflRq *rq, int n0,      \
      int nvalid, void *out, int ldo, const int MR) {                                                                  \
    __m256i acc[6][2];                                                                                                 \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                             \
      acc[r][0] = _mm256_load_si256((const __m256i *)init);                                                     \
      acc[r][1] = _mm256_load_si256((const __m256i *)(init + 8));                                                 \
    }                                                                                                                  \
    for (int g = 0; g < ngroups; ++g) {                                                                                \
      const __m256i w0 = _mm256_load_si256((const __m256i *)(panel + (size_t)g * 64));                                 \
      const __m256i w1 = _mm256_load_si256((const __m256i *)(panel + (size_t)g * 64 + 32));                            \
      _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                           \
        const __m256i x = _mm256_set1_epi32(load_quad(rows[r] + 4 * (size_t)g));                                      \
        acc[r][0] = DOT(acc[r][0], x, w0);                                                                             \
        acc[r][1] = DOT(acc[r][1], x, w1);                                                                             \
      }                                                                                                                \
    }                                                                                                                  \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; ++r) {                                                             \
      if (!rq) {                                                                                                       \
        _mm256_storeu_si256((__m256i *)((int32_t *)out + (size_t)r * ldo), acc[r][0]);                                 \
        _mm256_storeu_si256((__m256i *)((int32_t *)out + (size_t)r * ldo + 8), acc[r][1]);                             \
        continue;                                                                                                      \
      }                                                                                                                \
      const __m128i v = tfl_v16_pack_i8(tfl_v8_rq(rq, n0, acc[r][0], 1), tfl_v8_rq(rq, n0 + 8, acc[r][1], 1));         \
      int8_t *o = (int8_t *)out + (size_t)r * ldo;                                                                     \
      if (nvalid >= 16) {                                                                                              \
        _mm_storeu_si128((__m128i *)o, v);                                                                             \
      } else {                                                                                                         \
        int8_t tmp[16];                                                                                                \
        _mm_storeu_si128((__m128i *)tmp, v);                                                                           \
        memcpy(o, tmp, (size_t)nvalid);                                                                                \
      }                                                                                                                \
    }                                                                                                                  \
  }
TFL_YMM_KERNEL(ymm_vex, "avx2,avxvnni", _mm256_dpbusd_avx_epi32)
TFL_YMM_KERNEL(ymm_evex, "avx2,avx512f,avx512vl,avx512vnni", _mm256_dpbusd_epi32)

typedef void (*YmmFn)(const int8_t *, int, const uint8_t *const *, const int32_t *, const TflRq *, int, int, void *,
                      int);
#define TFL_YMM_INST(NAME, TARGET, MR)                                                                                 \
  __attribute__((target(TARGET))) static void NAME##_##MR(const int8_t *panel, int ngroups,                          \
                                                          const uint8_t *const *rows, const int32_t *init,            \
                                                          const TflRq *rq, int n0, int nvalid, void *out, int ldo) {  \
    NAME##_body(panel, ngroups, rows, init, rq, n0, nvalid, out, ldo, MR);                                            \
  }
#define TFL_YMM_ALL(NAME, TARGET)                                                                                      \
  TFL_YMM_INST(NAME, TARGET, 1)                                                                                        \
  TFL_YMM_INST(NAME, TARGET, 2)                                                                                        \
  TFL_YMM_INST(NAME, TARGET, 3)                                                                                        \
  TFL_YMM_INST(NAME, TARGET, 4)                                                                                        \
  TFL_YMM_INST(NAME, TARGET, 5)                                                                                        \
  TFL_YMM_INST(NAME, TARGET, 6)                                                                                        \
  static const YmmFn NAME##_fns[6] = {NAME##_1, NAME##_2, NAME##_3, NAME##_4, NAME##_5, NAME##_6};
TFL_YMM_ALL(ymm_vex, "avx2,avxvnni")
TFL_YMM_ALL(ymm_evex, "avx2,avx512f,avx512vl,avx512vnni")
#endif

/* ---------------------------------------------------------------- driver */

/* int8 multiply-accumulates below which a parallel task is not worth its dispatch */
#define TFL_QMIN_TASK_MACS (512.0 * 1024)

static int qgemm_setup(TflQGemm *g, const int8_t *w, int N, int K, int isa, TflQRowFmt fmt) {
  memset(g, 0, sizeof(*g));
  g->isa = isa;
  g->fmt = fmt;
  g->wsum = (int32_t *)malloc((size_t)(N > 0 ? N : 1) * sizeof(int32_t));
  if (!g->wsum || !qpack_group(w, N, K, fmt == TFL_QROW_U8 ? 4 : 2, &g->pack)) {
    tfl_qgemm_release(g);
    return 0;
  }
  for (int n = 0; n < N; ++n) {
    int32_t s = 0;
    for (int k = 0; k < K; ++k) s += w[(size_t)n * K + k];
    g->wsum[n] = s;
  }
  if (isa >= TFL_ISA_AVX2_VNNI) { /* start of raw sums: -128 * wsum for uint8 rows (so they are sum x * w), else 0 */
    g->corr = (int32_t *)aligned_alloc(64, (size_t)g->pack.Np * sizeof(int32_t));
    if (!g->corr) {
      tfl_qgemm_release(g);
      return 0;
    }
    for (int n = 0; n < g->pack.Np; ++n) g->corr[n] = n < N && fmt == TFL_QROW_U8 ? (int32_t)(0u - 128u * (uint32_t)g->wsum[n]) : 0;
  }
  return 1;
}

int tfl_qgemm_init(TflQGemm *g, const int8_t *w, int N, int K) {
  int isa = tfl_isa();
  if (isa == TFL_ISA_AVX512_VNNI) isa = TFL_ISA_AVX512; /* int16 rows: pmaddwd kernels only */
  if (isa == TFL_ISA_AVX2_VNNI) isa = TFL_ISA_AVX2;
  return qgemm_setup(g, w, N, K, isa, TFL_QROW_I16);
}

int tfl_qgemm_prepare(TflQGemm *g, const int8_t *w, int N, int K) {
  const int isa = tfl_isa();
  return qgemm_setup(g, w, N, K, isa,
                     isa == TFL_ISA_AVX512_VNNI || isa == TFL_ISA_AVX2_VNNI ? TFL_QROW_U8 : TFL_QROW_I16);
}

int tfl_qgemm_set_requant(TflQGemm *g, const int32_t *mult, const int *shift, int32_t zp, int32_t lo, int32_t hi) {
  if (g->has_rq) tfl_rq_free(&g->rq);
  tfl_rq64_free(&g->rq64);
  g->has_rq = tfl_rq_init(&g->rq, g->pack.N, mult, shift, zp, lo, hi, 0);
  if (g->has_rq && !tfl_rq64_init(&g->rq64, &g->rq)) {
    tfl_rq_free(&g->rq);
    g->has_rq = 0;
  }
  return g->has_rq;
}

void tfl_qgemm_set_bias(TflQGemm *g, const int32_t *bias, int32_t in_zp) {
  /* uint8 rows hold x + 128: their sums exceed sum x * w by 128 * wsum */
  const int32_t off = g->fmt == TFL_QROW_U8 ? (int32_t)((uint32_t)in_zp + 128u) : in_zp;
  if (g->has_rq) tfl_rq_set_bias(&g->rq, bias, off, g->wsum);
}

void tfl_qgemm_release(TflQGemm *g) {
  free(g->wsum);
  g->wsum = NULL;
  free(g->corr);
  g->corr = NULL;
  tfl_qpack_free(&g->pack);
  tfl_rq64_free(&g->rq64);
  if (g->has_rq) tfl_rq_free(&g->rq);
  g->has_rq = 0;
}

typedef struct {
  const TflQGemm *g;
  int M, MB, ntasks;
  int rtasks; /* row ranges (whole 6-row tiles, balanced), each done in blocks of at most MB rows */
  int psplit; /* tasks per row range, each taking a share of the panels */
  TflQRowsFn rows;
  TflQFillFn fill;
  const void *rows_arg;
  int8_t *y;
  int ldy;
  TflQPostFn post;
  const void *post_arg;
  uint8_t *scratch;
  size_t per_thread, a_bytes;
  int fused; /* in-register double-rounding epilogue */
  TflRounding mode;
  TileFn tile;
} QRun;

#ifdef TFL_QGEMM_X86
/* zmm (avx512, avx512_vnni) or ymm VNNI (avx2_vnni) kernels over panels [j0, j1) of mb rows of A (row_bytes
 * apart). Channel n starts at init[n - col0]; rq != NULL: int8 results to y[m * ldy + n] (col0 = 0); else int32 sums
 * to acc[m * ldacc + n - col0]. */
static void block_wide(const TflQGemm *g, const uint8_t *A, size_t row_bytes, int mb, int j0, int j1, int col0,
                       const int32_t *init, const TflRq *rq, int8_t *y, int ldy, int32_t *acc, int ldacc) {
  const TflQPack *p = &g->pack;
  const size_t pstride = (size_t)TFL_QGEMM_NR * p->Kp;
  const int ngroups = p->Kp / p->group;
  const int zmm = g->isa >= TFL_ISA_AVX512, np_max = zmm ? 4 : 1;
  const YmmFn *yfns = tfl_cpu_has_avx_vnni() ? ymm_vex_fns : ymm_evex_fns;
  const ZmmFn(*zfns)[6] = g->isa == TFL_ISA_AVX512_VNNI ? zmm_vnni_fns : zmm_i16_fns;
  const ZmmFn(*hfns)[6] = g->isa == TFL_ISA_AVX512_VNNI ? zmm_vnni_half_fns : zmm_i16_half_fns;
  for (int j = j0; j < j1; j += np_max) {
    const int np = j1 - j < np_max ? j1 - j : np_max, n0 = j * TFL_QGEMM_NR;
    const int nvalid = p->N - n0 < np * TFL_QGEMM_NR ? p->N - n0 : np * TFL_QGEMM_NR;
    /* int8 output whose last panel has <= 8 valid channels (24, 40, 56 of them): that panel on ymm */
    const int half = zmm && rq && np > 1 && nvalid <= (np - 1) * TFL_QGEMM_NR + 8;
    const int8_t *panel = p->data + (size_t)j * pstride;
    for (int m = 0; m < mb; m += 6) {
      const int mr = mb - m < 6 ? mb - m : 6;
      const uint8_t *rowp[6];
      for (int i = 0; i < 6; ++i) rowp[i] = A + (size_t)(m + (i < mr ? i : 0)) * row_bytes;
      void *out = rq ? (void *)(y + (size_t)m * ldy + n0) : (void *)(acc + (size_t)m * ldacc + (n0 - col0));
      const int ldo = rq ? ldy : ldacc;
      const int32_t *in0 = init + (n0 - col0);
      if (half) hfns[np - 2][mr - 1](panel, pstride, ngroups, rowp, in0, rq, n0, nvalid, out, ldo);
      else if (zmm) zfns[np - 1][mr - 1](panel, pstride, ngroups, rowp, in0, rq, n0, nvalid, out, ldo);
      else yfns[mr - 1](panel, ngroups, rowp, in0, rq, n0, nvalid, out, ldo);
    }
  }
}
#endif

/* int8 output for one block of rows already in A, panels [j0, j1). */
static void block_i8(const QRun *r, const uint8_t *A, int m0, int mb, int j0, int j1) {
  const TflQGemm *g = r->g;
  const TflQPack *p = &g->pack;
  const TflRq *rq = &g->rq;
#ifdef TFL_QGEMM_X86
  if (g->isa >= TFL_ISA_AVX2_VNNI) {
    const size_t row_bytes = (size_t)p->Kp * (g->fmt == TFL_QROW_U8 ? 1 : 2);
    if (r->fused) {
      block_wide(g, A, row_bytes, mb, j0, j1, 0, rq->bias, rq, r->y + (size_t)m0 * r->ldy, r->ldy, NULL, 0);
      return;
    }
    /* other rounding: sums (bias included) of up to 6 rows x 64 channels, requantized one by one */
    int32_t acc[6 * 64];
    for (int m = 0; m < mb; m += 6) {
      const int mr = mb - m < 6 ? mb - m : 6;
      for (int j = j0; j < j1; j += 4) {
        const int j2 = j1 - j < 4 ? j1 : j + 4, n0 = j * TFL_QGEMM_NR;
        block_wide(g, A + (size_t)m * row_bytes, row_bytes, mr, j, j2, n0, rq->bias + n0, NULL, NULL, 0, acc, 64);
        const int nv = (p->N < j2 * TFL_QGEMM_NR ? p->N : j2 * TFL_QGEMM_NR) - n0;
        for (int i = 0; i < mr; ++i)
          for (int c = 0; c < nv; ++c)
            r->y[(size_t)(m0 + m + i) * r->ldy + n0 + c] = tfl_rq_scalar(rq, n0 + c, acc[i * 64 + c], r->mode);
      }
    }
    return;
  }
#endif
  const int16_t *A16 = (const int16_t *)A;
  for (int j = j0; j < j1; ++j) {
    const int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    const int n0 = j * TFL_QGEMM_NR;
    const int nvalid = p->N - n0 < TFL_QGEMM_NR ? p->N - n0 : TFL_QGEMM_NR;
    const int step = r->fused ? TFL_QGEMM_MR_I8 : TFL_QGEMM_MR;
    for (int m = 0; m < mb; m += step) {
      const int mr = mb - m < step ? mb - m : step;
      const int16_t *rowp[TFL_QGEMM_MR_I8];
      for (int i = 0; i < step; ++i) rowp[i] = A16 + (size_t)(m + (i < mr ? i : 0)) * p->Kp;
      int8_t *out = r->y + (size_t)(m0 + m) * r->ldy + n0;
#ifdef TFL_QGEMM_X86
      if (r->fused) {
        tile_i8_avx2(panel, p->Kp, rowp, mr, rq, n0, nvalid, out, r->ldy);
        continue;
      }
#endif
      int32_t acc[TFL_QGEMM_MR * TFL_QGEMM_NR];
      r->tile(panel, p->Kp, rowp, mr, acc, TFL_QGEMM_NR);
      for (int i = 0; i < mr; ++i)
        for (int c = 0; c < nvalid; ++c)
          out[(size_t)i * r->ldy + c] = tfl_rq_scalar(
              rq, n0 + c, (int32_t)((uint32_t)acc[i * TFL_QGEMM_NR + c] + (uint32_t)rq->bias[n0 + c]), r->mode);
    }
  }
}

/* Raw sums sum_k x * w of one block of rows and panels [j0, j1) into acc (row stride Np, channel n at column n). */
static void block_raw(const QRun *r, const uint8_t *A, int mb, int j0, int j1, int32_t *acc) {
  const TflQGemm *g = r->g;
  const TflQPack *p = &g->pack;
#ifdef TFL_QGEMM_X86
  if (g->isa >= TFL_ISA_AVX2_VNNI) {
    const size_t row_bytes = (size_t)p->Kp * (g->fmt == TFL_QROW_U8 ? 1 : 2);
    block_wide(g, A, row_bytes, mb, j0, j1, 0, g->corr, NULL, NULL, 0, acc, p->Np);
    return;
  }
#endif
  const int16_t *A16 = (const int16_t *)A;
  for (int j = j0; j < j1; ++j) {
    const int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    for (int m = 0; m < mb; m += TFL_QGEMM_MR) {
      const int mr = mb - m < TFL_QGEMM_MR ? mb - m : TFL_QGEMM_MR;
      const int16_t *rows[TFL_QGEMM_MR];
      for (int i = 0; i < TFL_QGEMM_MR; ++i) rows[i] = A16 + (size_t)(m + (i < mr ? i : 0)) * p->Kp;
      r->tile(panel, p->Kp, rows, mr, acc + (size_t)m * p->Np + (size_t)j * TFL_QGEMM_NR, p->Np);
    }
  }
}

static void run_task(void *arg, int task, int thread) {
  const QRun *r = (const QRun *)arg;
  const TflQPack *p = &r->g->pack;
  uint8_t *base = r->scratch + (size_t)thread * r->per_thread;
  int32_t *acc = (int32_t *)(base + r->a_bytes);
  const int u8 = r->g->fmt == TFL_QROW_U8;
  const int rt = task / r->psplit, q = task % r->psplit, panels = p->Np / TFL_QGEMM_NR;
  const int j0 = (int)((int64_t)q * panels / r->psplit), j1 = (int)((int64_t)(q + 1) * panels / r->psplit);
  const int tiles = (r->M + 5) / 6;
  const int t0 = (int)((int64_t)rt * tiles / r->rtasks), t1 = (int)((int64_t)(rt + 1) * tiles / r->rtasks);
  const int row1 = 6 * t1 < r->M ? 6 * t1 : r->M;
  for (int m0 = 6 * t0; m0 < row1; m0 += r->MB) {
    const int mb = row1 - m0 < r->MB ? row1 - m0 : r->MB;
    if (r->fill) {
      const TflQRows o = {base, p->Kp, r->g->fmt, r->g->isa};
      r->fill(r->rows_arg, m0, mb, &o);
    } else {
      r->rows(r->rows_arg, m0, mb, (int16_t *)base, p->Kp);
    }
    for (int i = 0; i < mb && p->Kp > p->K; ++i) { /* depth padding (< 4 entries): zero weights, but defined values */
      for (int k = p->K; k < p->Kp; ++k) {
        if (u8) base[(size_t)i * p->Kp + k] = 0;
        else ((int16_t *)base)[(size_t)i * p->Kp + k] = 0;
      }
    }
    if (r->y) {
      block_i8(r, base, m0, mb, j0, j1);
    } else {
      block_raw(r, base, mb, j0, j1, acc);
      const int n1 = j1 * TFL_QGEMM_NR < p->N ? j1 * TFL_QGEMM_NR : p->N;
      r->post(r->post_arg, m0, mb, j0 * TFL_QGEMM_NR, n1, acc, p->Np, thread);
    }
  }
}

static int block_rows(const TflQGemm *g) {
  /* A block of about 64 KB (L2), panels of 16 channels from L1 */
  int MB = 32768 * (g->fmt == TFL_QROW_U8 ? 2 : 1) / g->pack.Kp;
  MB = MB < 12 ? 12 : (MB > 60 ? 60 : MB);
  return MB - MB % 12; /* whole 6-row (fused) and 4-row tiles */
}

static size_t per_thread_bytes(const TflQGemm *g, int MB, size_t *a_bytes, int int8_out) {
  const size_t esz = g->fmt == TFL_QROW_U8 ? 1 : sizeof(int16_t);
  /* 64 bytes of slack after the rows: row fillers may store whole vectors past a row's end */
  *a_bytes = (((size_t)MB * g->pack.Kp * esz + 63) & ~(size_t)63) + 64;
  return *a_bytes + (int8_out ? 0 : (((size_t)MB * g->pack.Np * sizeof(int32_t) + 63) & ~(size_t)63));
}

size_t tfl_qgemm_scratch_size(TflContext *ctx, const TflQGemm *g, int M, int int8_out) {
  (void)M;
  const int nt = tfl_num_threads(ctx);
  size_t a_bytes;
  return per_thread_bytes(g, block_rows(g), &a_bytes, int8_out) * (size_t)(nt > 0 ? nt : 1);
}

static TflStatus qgemm_run(TflContext *ctx, const TflQGemm *g, int M, TflQRowsFn rows, TflQFillFn fill,
                           const void *rows_arg, int8_t *y, int ldy, TflQPostFn post, const void *post_arg,
                           void *scratch) {
  if (M <= 0) return TFL_OK;
  QRun r;
  memset(&r, 0, sizeof(r));
  r.g = g;
  r.M = M;
  r.MB = block_rows(g);
  const int nt = tfl_num_threads(ctx);
  /* a few tasks per thread (a multiple of the thread count when few), none below TFL_QMIN_TASK_MACS, each a balanced
   * range of whole 6-row tiles. Products of at most one block of rows (late, small layers: M = 49 on 7x7 maps, batch-1
   * FULLY_CONNECTED) split the panels instead, into exactly nt shares: every task would otherwise stream all the
   * weights, and each share fills the block's rows again. */
  r.ntasks = r.rtasks = r.psplit = 1;
  if (nt > 1) {
    const double macs = (double)M * g->pack.Kp * g->pack.Np;
    const int panels = g->pack.Np / TFL_QGEMM_NR, tiles = (M + 5) / 6;
    int want = 4 * nt;
    if (macs / TFL_QMIN_TASK_MACS < want) want = (int)(macs / TFL_QMIN_TASK_MACS);
    if (want > nt) want -= want % nt;
    if (want < 1) want = 1;
    if (M <= r.MB && want > 1 && panels >= nt) {
      r.psplit = nt;
    } else {
      r.rtasks = tiles < want ? tiles : want;
    }
    r.ntasks = r.rtasks * r.psplit;
  }
  r.rows = rows;
  r.fill = fill;
  r.rows_arg = rows_arg;
  r.y = y;
  r.ldy = ldy;
  r.post = post;
  r.post_arg = post_arg;
  r.mode = tfl_rounding();
  r.tile = pick_tile(g->isa);
  r.fused = y && r.mode == TFL_ROUND_DOUBLE && g->isa >= TFL_ISA_AVX2;
  r.per_thread = per_thread_bytes(g, r.MB, &r.a_bytes, y != NULL);
  r.scratch = (uint8_t *)(scratch ? scratch : tfl_eval_scratch(ctx, r.per_thread * (size_t)(nt > 0 ? nt : 1)));
  if (!r.scratch) return TFL_ERROR;
  tfl_parallel_for(ctx, r.ntasks, run_task, &r);
  return TFL_OK;
}

TflStatus tfl_qgemm_run(TflContext *ctx, const TflQGemm *g, int M, TflQRowsFn rows, const void *rows_arg, int8_t *y,
                        int ldy, TflQPostFn post, const void *post_arg, void *scratch) {
  if (g->fmt != TFL_QROW_I16) return TFL_ERROR; /* uint8-row GEMMs take tfl_qgemm_run_rows */
  return qgemm_run(ctx, g, M, rows, NULL, rows_arg, y, ldy, post, post_arg, scratch);
}

TflStatus tfl_qgemm_run_rows(TflContext *ctx, const TflQGemm *g, int M, TflQFillFn rows, const void *rows_arg,
                             int8_t *y, int ldy, TflQPostFn post, const void *post_arg, void *scratch) {
  return qgemm_run(ctx, g, M, NULL, rows, rows_arg, y, ldy, post, post_arg, scratch);
}
