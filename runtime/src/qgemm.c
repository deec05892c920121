/* int8 GEMM; see qgemm.h. */
#include "qgemm.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TFL_QGEMM_X86 1
#endif

int tfl_qpack(const int8_t *w, int N, int K, TflQPack *p) {
  p->N = N;
  p->K = K;
  p->Np = (N + TFL_QGEMM_NR - 1) / TFL_QGEMM_NR * TFL_QGEMM_NR;
  p->Kp = (K + 1) & ~1;
  const size_t n = (size_t)p->Np * (size_t)p->Kp;
  p->data = (int16_t *)aligned_alloc(64, (n * sizeof(int16_t) + 63) & ~(size_t)63);
  if (!p->data) return 0;
  memset(p->data, 0, n * sizeof(int16_t));
  /* panel j: for each depth pair kp: channels c = 0..15 as (w[c][2kp], w[c][2kp+1]) */
  for (int j = 0; j < p->Np / TFL_QGEMM_NR; ++j) {
    int16_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    for (int kp = 0; kp < p->Kp / 2; ++kp) {
      for (int c = 0; c < TFL_QGEMM_NR; ++c) {
        const int ch = j * TFL_QGEMM_NR + c;
        if (ch >= N) continue;
        const int k0 = 2 * kp, k1 = 2 * kp + 1;
        panel[(size_t)kp * 2 * TFL_QGEMM_NR + 2 * c] = w[(size_t)ch * K + k0];
        panel[(size_t)kp * 2 * TFL_QGEMM_NR + 2 * c + 1] = k1 < K ? w[(size_t)ch * K + k1] : 0;
      }
    }
  }
  return 1;
}

void tfl_qpack_free(TflQPack *p) {
  free(p->data);
  p->data = NULL;
}

/* ---------------------------------------------------------------- portable micro-kernel */
static void tile_c(const int16_t *panel, int Kp, const int16_t *const *rows, int mr, int32_t *out, int ldo) {
  for (int r = 0; r < mr; ++r) {
    int32_t s[TFL_QGEMM_NR] = {0};
    for (int kp = 0; kp < Kp / 2; ++kp) {
      const int32_t x0 = rows[r][2 * kp], x1 = rows[r][2 * kp + 1];
      const int16_t *wp = panel + (size_t)kp * 2 * TFL_QGEMM_NR;
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
static void tile_sse2(const int16_t *panel, int Kp, const int16_t *const *rows, int mr, int32_t *out, int ldo) {
  for (int half = 0; half < 2; ++half) {
    __m128i a00 = _mm_setzero_si128(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const int16_t *r0 = rows[0], *r1 = rows[mr > 1 ? 1 : 0], *r2 = rows[mr > 2 ? 2 : 0], *r3 = rows[mr > 3 ? 3 : 0];
    const int16_t *wp = panel + half * 16;
    for (int kp = 0; kp < Kp / 2; ++kp, wp += 2 * TFL_QGEMM_NR) {
      const __m128i w0 = _mm_load_si128((const __m128i *)wp);
      const __m128i w1 = _mm_load_si128((const __m128i *)(wp + 8));
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

__attribute__((target("avx2"))) static void tile_avx2(const int16_t *panel, int Kp, const int16_t *const *rows,
                                                        int mr, int32_t *out, int ldo) {
  __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  const int16_t *r0 = rows[0], *r1 = rows[mr > 1 ? 1 : 0], *r2 = rows[mr > 2 ? 2 : 0], *r3 = rows[mr > 3 ? 3 : 0];
  const int16_t *wp = panel;
  for (int kp = 0; kp < Kp / 2; ++kp, wp += 2 * TFL_QGEMM_NR) {
    const __m256i w0 = _mm256_load_si256((const __m256i *)wp);
    const __m256i w1 = _mm256_load_si256((const __m256i *)(wp + 16));
    __m256i x = _mm256_set1_epi32(load_pair(r0 + 2 * kp));
    a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(x, w0));
    a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(x, w1));
    x = _mm256_set1_epi32(load_pair(r1 + 2 * kp));
    a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(x, w0));
    a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(x, w1));
    x = _mm256_set1_epi32(load_pair(r2 + 2 * kp));
    a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(x, w0));
    a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(x, w1));
    x = _mm256_set1_epi32(load_pair(r3 + 2 * kp));
    a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(x, w0));
    a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(x, w1));
  }
  _mm256_storeu_si256((__m256i *)out, a00);
  _mm256_storeu_si256((__m256i *)(out + 8), a01);
  if (mr > 1) {
    _mm256_storeu_si256((__m256i *)(out + ldo), a10);
    _mm256_storeu_si256((__m256i *)(out + ldo + 8), a11);
  }
  if (mr > 2) {
    _mm256_storeu_si256((__m256i *)(out + 2 * ldo), a20);
    _mm256_storeu_si256((__m256i *)(out + 2 * ldo + 8), a21);
  }
  if (mr > 3) {
    _mm256_storeu_si256((__m256i *)(out + 3 * ldo), a30);
    _mm256_storeu_si256((__m256i *)(out + 3 * ldo + 8), a31);
  }
}
#endif

typedef void (*TileFn)(const int16_t *, int, const int16_t *const *, int, int32_t *, int);

static TileFn pick_tile(void) {
  static TileFn fn = NULL;
  if (fn) return fn;
#ifdef TFL_QGEMM_X86
  const char *env = getenv("TFLRT_QGEMM");
  if (env && env[0] == 'c') fn = tile_c;
  else if (env && env[0] == 's') fn = tile_sse2;
  else {
    __builtin_cpu_init();
    fn = __builtin_cpu_supports("avx2") ? tile_avx2 : tile_sse2;
  }
#else
  fn = tile_c;
#endif
  return fn;
}

void tfl_qgemm(const TflQPack *p, const int16_t *a, int M, int lda, int32_t *acc) {
  const TileFn tile = pick_tile();
  const int panels = p->Np / TFL_QGEMM_NR;
  for (int j = 0; j < panels; ++j) {
    const int16_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    for (int m = 0; m < M; m += TFL_QGEMM_MR) {
      const int mr = M - m < TFL_QGEMM_MR ? M - m : TFL_QGEMM_MR;
      const int16_t *rows[TFL_QGEMM_MR];
      for (int r = 0; r < TFL_QGEMM_MR; ++r) rows[r] = a + (size_t)(m + (r < mr ? r : 0)) * lda;
      tile(panel, p->Kp, rows, mr, acc + (size_t)m * p->Np + (size_t)j * TFL_QGEMM_NR, p->Np);
    }
  }
}
