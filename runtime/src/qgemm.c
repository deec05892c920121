/* int8 GEMM; see qgemm.h. */
#include "qgemm.h"

#include <stdlib.h>
#include <string.h>

#include "fixedpoint.h"

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
  p->data = (int8_t *)aligned_alloc(64, (n + 63) & ~(size_t)63);
  if (!p->data) return 0;
  memset(p->data, 0, n);
  /* panel j: for each depth pair kp: channels c = 0..15 as (w[c][2kp], w[c][2kp+1]) */
  for (int j = 0; j < p->Np / TFL_QGEMM_NR; ++j) {
    int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
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

static TileFn pick_tile(void) {
  static TileFn fn = NULL;
  if (fn) return fn;
#ifdef TFL_QGEMM_X86
  const char *env = getenv("TFLRT_QGEMM");
  if (env && env[0] == 'c') fn = tile_c;
  else if (env && env[0] == 's') fn = tile_sse2;
  else fn = tfl_q_avx2() ? tile_avx2 : tile_sse2;
#else
  fn = tile_c;
#endif
  return fn;
}

void tfl_qgemm(const TflQPack *p, const int16_t *a, int M, int lda, int32_t *acc) {
  const TileFn tile = pick_tile();
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

/* ---------------------------------------------------------------- driver */

/* int8 multiply-accumulates below which a parallel task is not worth its dispatch */
#define TFL_QMIN_TASK_MACS (512.0 * 1024)

int tfl_qgemm_init(TflQGemm *g, const int8_t *w, int N, int K) {
  memset(g, 0, sizeof(*g));
  g->wsum = (int32_t *)malloc((size_t)(N > 0 ? N : 1) * sizeof(int32_t));
  if (!g->wsum || !tfl_qpack(w, N, K, &g->pack)) {
    tfl_qgemm_release(g);
    return 0;
  }
  for (int n = 0; n < N; ++n) {
    int32_t s = 0;
    for (int k = 0; k < K; ++k) s += w[(size_t)n * K + k];
    g->wsum[n] = s;
  }
  return 1;
}

int tfl_qgemm_set_requant(TflQGemm *g, const int32_t *mult, const int *shift, int32_t zp, int32_t lo, int32_t hi) {
  if (g->has_rq) tfl_rq_free(&g->rq);
  g->has_rq = tfl_rq_init(&g->rq, g->pack.N, mult, shift, zp, lo, hi, 0);
  return g->has_rq;
}

void tfl_qgemm_set_bias(TflQGemm *g, const int32_t *bias, int32_t in_zp) {
  if (g->has_rq) tfl_rq_set_bias(&g->rq, bias, in_zp, g->wsum);
}

void tfl_qgemm_release(TflQGemm *g) {
  free(g->wsum);
  g->wsum = NULL;
  tfl_qpack_free(&g->pack);
  if (g->has_rq) tfl_rq_free(&g->rq);
  g->has_rq = 0;
}

typedef struct {
  const TflQGemm *g;
  int M, MB, nblocks, ntasks;
  int psplit; /* tasks per row block, each taking a share of the panels (int8 output only) */
  TflQRowsFn rows;
  const void *rows_arg;
  int8_t *y;
  int ldy;
  TflQPostFn post;
  const void *post_arg;
  uint8_t *scratch;
  size_t per_thread, a_bytes;
  int fused;
  TflRounding mode;
  TileFn tile;
} QRun;

/* int8 output for one block of rows already in A, panels [j0, j1). */
static void block_i8(const QRun *r, const int16_t *A, int m0, int mb, int j0, int j1) {
  const TflQPack *p = &r->g->pack;
  const TflRq *rq = &r->g->rq;
  for (int j = j0; j < j1; ++j) {
    const int8_t *panel = p->data + (size_t)j * TFL_QGEMM_NR * p->Kp;
    const int n0 = j * TFL_QGEMM_NR;
    const int nvalid = p->N - n0 < TFL_QGEMM_NR ? p->N - n0 : TFL_QGEMM_NR;
    const int step = r->fused ? TFL_QGEMM_MR_I8 : TFL_QGEMM_MR;
    for (int m = 0; m < mb; m += step) {
      const int mr = mb - m < step ? mb - m : step;
      const int16_t *rowp[TFL_QGEMM_MR_I8];
      for (int i = 0; i < step; ++i) rowp[i] = A + (size_t)(m + (i < mr ? i : 0)) * p->Kp;
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

static void run_task(void *arg, int task, int thread) {
  const QRun *r = (const QRun *)arg;
  const TflQPack *p = &r->g->pack;
  uint8_t *base = r->scratch + (size_t)thread * r->per_thread;
  int16_t *A = (int16_t *)base;
  int32_t *acc = (int32_t *)(base + r->a_bytes);
  int b0, b1, j0 = 0, j1 = p->Np / TFL_QGEMM_NR;
  if (r->psplit > 1) { /* one row block, a share of its panels */
    const int q = task % r->psplit, panels = j1;
    b0 = task / r->psplit;
    b1 = b0 + 1;
    j0 = (int)((int64_t)q * panels / r->psplit);
    j1 = (int)((int64_t)(q + 1) * panels / r->psplit);
  } else {
    b0 = (int)((int64_t)task * r->nblocks / r->ntasks);
    b1 = (int)((int64_t)(task + 1) * r->nblocks / r->ntasks);
  }
  for (int b = b0; b < b1; ++b) {
    const int m0 = b * r->MB, mb = r->M - m0 < r->MB ? r->M - m0 : r->MB;
    r->rows(r->rows_arg, m0, mb, A, p->Kp);
    if (p->Kp > p->K)
      for (int i = 0; i < mb; ++i) A[(size_t)i * p->Kp + p->K] = 0;
    if (r->y) {
      block_i8(r, A, m0, mb, j0, j1);
    } else {
      tfl_qgemm(p, A, mb, p->Kp, acc);
      r->post(r->post_arg, m0, mb, acc, p->Np, thread);
    }
  }
}

static int block_rows(const TflQGemm *g) {
  /* A block of about 64 KB (L2), panels of 16 channels from L1 */
  int MB = 32768 / g->pack.Kp;
  MB = MB < 12 ? 12 : (MB > 60 ? 60 : MB);
  return MB - MB % 12; /* whole 6-row (fused) and 4-row tiles */
}

static size_t per_thread_bytes(const TflQGemm *g, int MB, size_t *a_bytes, int int8_out) {
  *a_bytes = ((size_t)MB * g->pack.Kp * sizeof(int16_t) + 63) & ~(size_t)63;
  return *a_bytes + (int8_out ? 0 : (((size_t)MB * g->pack.Np * sizeof(int32_t) + 63) & ~(size_t)63));
}

size_t tfl_qgemm_scratch_size(TflContext *ctx, const TflQGemm *g, int M, int int8_out) {
  (void)M;
  const int nt = tfl_num_threads(ctx);
  size_t a_bytes;
  return per_thread_bytes(g, block_rows(g), &a_bytes, int8_out) * (size_t)(nt > 0 ? nt : 1);
}

TflStatus tfl_qgemm_run(TflContext *ctx, const TflQGemm *g, int M, TflQRowsFn rows, const void *rows_arg, int8_t *y,
                        int ldy, TflQPostFn post, const void *post_arg, void *scratch) {
  if (M <= 0) return TFL_OK;
  QRun r;
  memset(&r, 0, sizeof(r));
  r.g = g;
  r.M = M;
  r.MB = block_rows(g);
  r.nblocks = (M + r.MB - 1) / r.MB;
  const int nt = tfl_num_threads(ctx);
  /* a few tasks per thread (a multiple of the thread count when few), none below TFL_QMIN_TASK_MACS; when there
   * are fewer row blocks than that (late, small layers), int8-output tasks also split the panels of a block */
  r.ntasks = r.psplit = 1;
  if (nt > 1) {
    const double macs = (double)M * g->pack.Kp * g->pack.Np;
    int want = 4 * nt;
    if (macs / TFL_QMIN_TASK_MACS < want) want = (int)(macs / TFL_QMIN_TASK_MACS);
    if (want > nt) want -= want % nt;
    if (want < 1) want = 1;
    const int panels = g->pack.Np / TFL_QGEMM_NR;
    if (r.nblocks >= want || !y) {
      r.ntasks = r.nblocks < want ? r.nblocks : want;
    } else {
      int ps = (want + r.nblocks - 1) / r.nblocks;
      r.psplit = ps < panels ? ps : panels;
      r.ntasks = r.nblocks * r.psplit;
    }
  }
  r.rows = rows;
  r.rows_arg = rows_arg;
  r.y = y;
  r.ldy = ldy;
  r.post = post;
  r.post_arg = post_arg;
  r.mode = tfl_rounding();
  r.tile = pick_tile();
#ifdef TFL_QGEMM_X86
  r.fused = y && r.mode == TFL_ROUND_DOUBLE && tfl_q_avx2() && r.tile != tile_c && r.tile != tile_sse2;
#endif
  r.per_thread = per_thread_bytes(g, r.MB, &r.a_bytes, y != NULL);
  r.scratch = (uint8_t *)(scratch ? scratch : tfl_eval_scratch(ctx, r.per_thread * (size_t)(nt > 0 ? nt : 1)));
  if (!r.scratch) return TFL_ERROR;
  tfl_parallel_for(ctx, r.ntasks, run_task, &r);
  return TFL_OK;
}
