/* Blocked float32 GEMM: 6x16 register tiles written with GCC vector extensions, compiled once for the baseline ISA
 * and once for AVX2+FMA (chosen at run time), so gcc -O3 vectorizes without CPU-specific build flags. The sum over k
 * runs in order from 0 (as LiteRT's reference kernels), then the bias is added, then the activation clamp.
 * No FMA contraction: acc + a * b rounds twice exactly like the reference kernels, so float convolutions and fully
 * connected layers agree with BUILTIN_REF bit for bit, and hybrid ops downstream quantize the same floats (an FMA's
 * 1-ulp differences flipped their on-the-fly input quantization: 8.5e-3 error on dynamic-range MobileNetV2). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "gemm.h"

#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "kernels/common_f32.h"

typedef tfl_v8f v8f;

#define NR TFL_GEMM_NR
#define MR TFL_GEMM_MR

size_t tfl_gemm_packed_floats(int N, int K) {
  size_t panels = ((size_t)N + NR - 1) / NR;
  return panels * NR * (size_t)(K > 0 ? K : 1);
}

void tfl_gemm_pack_nk(const float *w, int N, int K, float *packed) {
  int panels = (N + NR - 1) / NR;
  for (int p = 0; p < panels; p++) {
    float *dst = packed + (size_t)p * NR * K;
    for (int k = 0; k < K; k++)
      for (int j = 0; j < NR; j++) {
        int n = p * NR + j;
        dst[(size_t)k * NR + j] = n < N ? w[(size_t)n * K + k] : 0.0f;
      }
  }
}

void tfl_gemm_pack_kn(const float *b, int N, int K, long ldb, long cs, float *packed) {
  int panels = (N + NR - 1) / NR;
  for (int p = 0; p < panels; p++) {
    float *dst = packed + (size_t)p * NR * K;
    for (int k = 0; k < K; k++) {
      const float *row = b + (size_t)k * ldb;
      for (int j = 0; j < NR; j++) {
        int n = p * NR + j;
        dst[(size_t)k * NR + j] = n < N ? row[(size_t)n * cs] : 0.0f;
      }
    }
  }
}

#define VSEL TFL_VSEL
#define LD8(v, p) memcpy(&(v), (p), sizeof(v8f))

/* One MR x NR tile. a[r] are row pointers (unused rows point at a valid row), bp the K x NR panel. */
/* rows (a compile-time constant at each call) limits the FMAs to the live rows of a partial tile. */
TFL_INLINE void tile_body(int K, const float *const *a, const float *restrict bp, const float *bias16, float lo,
                          float hi, float *const *c, int mr, int nc, const int rows) {
  v8f c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  v8f c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  const float *restrict a0 = a[0], *restrict a1 = a[1], *restrict a2 = a[2];
  const float *restrict a3 = a[3], *restrict a4 = a[4], *restrict a5 = a[5];
  /* Unrolled by 2 (same per-element order of operations): fewer loop-control ops per k. Without FMA the loop issues
   * a separate multiply and add per product, so it is bound by dispatch width and the FP pipes together and the
   * saved ops show (~3-5% on ResNet50's GEMM shapes, no spills: 12 accumulators + 2 B + broadcast + product). */
#pragma GCC unroll 2
  for (int k = 0; k < K; k++) {
    v8f b0, b1;
    LD8(b0, bp);
    LD8(b1, bp + 8);
    bp += NR;
    float s;
    s = a0[k]; c00 += s * b0; c01 += s * b1;
    if (rows > 1) { s = a1[k]; c10 += s * b0; c11 += s * b1; }
    if (rows > 2) { s = a2[k]; c20 += s * b0; c21 += s * b1; }
    if (rows > 3) { s = a3[k]; c30 += s * b0; c31 += s * b1; }
    if (rows > 4) { s = a4[k]; c40 += s * b0; c41 += s * b1; }
    if (rows > 5) { s = a5[k]; c50 += s * b0; c51 += s * b1; }
  }
  v8f acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  v8f bb0, bb1;
  LD8(bb0, bias16);
  LD8(bb1, bias16 + 8);
  v8f vlo = {lo, lo, lo, lo, lo, lo, lo, lo}, vhi = {hi, hi, hi, hi, hi, hi, hi, hi};
  for (int r = 0; r < mr; r++) {
    v8f t0 = acc[r][0] + bb0, t1 = acc[r][1] + bb1;
    t0 = VSEL(t0 < vlo, vlo, t0);
    t1 = VSEL(t1 < vlo, vlo, t1);
    t0 = VSEL(t0 > vhi, vhi, t0);
    t1 = VSEL(t1 > vhi, vhi, t1);
    if (nc == NR) {
      memcpy(c[r], &t0, sizeof t0);
      memcpy(c[r] + 8, &t1, sizeof t1);
    } else {
      float out[NR];
      memcpy(out, &t0, sizeof t0);
      memcpy(out + 8, &t1, sizeof t1);
      memcpy(c[r], out, (size_t)nc * sizeof(float));
    }
  }
}

/* Baseline-ISA tile (SSE2: 16 xmm registers): 3 rows x 16 columns in 12 four-lane accumulators. */
typedef float v4f __attribute__((vector_size(16)));
#define LD4(v, p) memcpy(&(v), (p), sizeof(v4f))
#define ST4(p, v) memcpy((p), &(v), sizeof(v4f))
TFL_INLINE void tile3_body(int K, const float *restrict a0, const float *restrict a1, const float *restrict a2,
                           const float *restrict bp, const float *bias16, float lo, float hi, float *const *c, int mr,
                           int nc) {
  v4f c00 = {0}, c01 = {0}, c02 = {0}, c03 = {0}, c10 = {0}, c11 = {0}, c12 = {0}, c13 = {0};
  v4f c20 = {0}, c21 = {0}, c22 = {0}, c23 = {0};
  for (int k = 0; k < K; k++) {
    v4f b0, b1, b2, b3;
    LD4(b0, bp);
    LD4(b1, bp + 4);
    LD4(b2, bp + 8);
    LD4(b3, bp + 12);
    bp += NR;
    float s = a0[k];
    c00 += s * b0; c01 += s * b1; c02 += s * b2; c03 += s * b3;
    s = a1[k];
    c10 += s * b0; c11 += s * b1; c12 += s * b2; c13 += s * b3;
    s = a2[k];
    c20 += s * b0; c21 += s * b1; c22 += s * b2; c23 += s * b3;
  }
  float out[3][NR];
  ST4(out[0], c00); ST4(out[0] + 4, c01); ST4(out[0] + 8, c02); ST4(out[0] + 12, c03);
  ST4(out[1], c10); ST4(out[1] + 4, c11); ST4(out[1] + 8, c12); ST4(out[1] + 12, c13);
  ST4(out[2], c20); ST4(out[2] + 4, c21); ST4(out[2] + 8, c22); ST4(out[2] + 12, c23);
  for (int r = 0; r < mr; r++) {
    for (int j = 0; j < NR; j++) {
      float v = out[r][j] + bias16[j];
      v = v < lo ? lo : v;
      out[r][j] = v > hi ? hi : v;
    }
    memcpy(c[r], out[r], (size_t)nc * sizeof(float));
  }
}

TFL_INLINE void gemm_body(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias,
                          float lo, float hi, float *C, long ldc, int wide) {
  int panels = (N + NR - 1) / NR;
  /* rows per block so that the A block stays in L2 while all panels stream over it */
  long mc = (long)(96 * 1024) / ((long)(K > 0 ? K : 1) * 4);
  mc = (mc / MR) * MR;
  if (mc < MR) mc = MR;
  for (long m0 = 0; m0 < M; m0 += mc) {
    long m1 = m0 + mc < M ? m0 + mc : M;
    for (int p = 0; p < panels; p++) {
      const float *bp = packed + (size_t)p * NR * K;
      int n0 = p * NR, nc = N - n0 < NR ? N - n0 : NR;
      float bias16[NR];
      for (int j = 0; j < NR; j++) bias16[j] = (bias && j < nc) ? bias[n0 + j] : 0.0f;
      for (long m = m0; m < m1; m += MR) {
        int mr = m1 - m < MR ? (int)(m1 - m) : MR;
        const float *ap[MR];
        float *cp[MR];
        for (int r = 0; r < MR; r++) {
          long row = m + (r < mr ? r : 0);
          ap[r] = A + row * lda;
          cp[r] = C + row * ldc + n0;
        }
        if (wide) {
          switch (mr) {
            case 1: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 1); break;
            case 2: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 2); break;
            case 3: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 3); break;
            case 4: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 4); break;
            case 5: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 5); break;
            default: tile_body(K, ap, bp, bias16, lo, hi, cp, mr, nc, 6); break;
          }
        } else {
          tile3_body(K, ap[0], ap[1], ap[2], bp, bias16, lo, hi, cp, mr < 3 ? mr : 3, nc);
          if (mr > 3) tile3_body(K, ap[3], ap[4], ap[5], bp, bias16, lo, hi, cp + 3, mr - 3, nc);
        }
      }
    }
  }
}

static void gemm_default(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias,
                         float lo, float hi, float *C, long ldc) {
  gemm_body(M, N, K, A, lda, packed, bias, lo, hi, C, ldc, 0);
}

#if TFL_X86_CLONES
#include <immintrin.h>

TFL_TARGET_AVX2 static void gemm_avx2(int M, int N, int K, const float *A, long lda, const float *packed,
                                      const float *bias, float lo, float hi, float *C, long ldc) {
  gemm_body(M, N, K, A, lda, packed, bias, lo, hi, C, ldc, 1);
}

/* ---- AVX-512 tiles: up to 6 rows x 2 panels (32 columns), B streamed from two adjacent panels. Fast mode (z_tile):
 * 12 zmm accumulators started from the bias, one FMA per product. Exact mode (y_tile): acc = 0, acc += a[k] * b[k]
 * for k = 0.. in order with a separate multiply and add (the pragma above keeps gcc from fusing them), + bias, in 24
 * ymm accumulators, faster than zmm on this AMD EPYC (Zen 4 splits 512-bit operations: measured 72 vs 99 GFLOP/s on
 * a 196x512x4608 product, FMA 104). The clamp is max(lo, t) then min(hi, t): with t as the second operand these
 * return t when t is NaN and when both are zeros, so they equal the compare-and-blend of the vector-extension kernels
 * bit for bit (NaN kept, -0 kept).
 * Each tile function runs `ntiles` consecutive tiles of `rows` rows (A rows lda apart, C rows ldc apart): one call per
 * panel pair and row block instead of one per tile. */
#define Z_INLINE __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), always_inline)) static inline
#define Z_CLAMP(t) _mm512_min_ps(vhi, _mm512_max_ps(vlo, (t)))
#define Y_CLAMP(t) _mm256_min_ps(yhi, _mm256_max_ps(ylo, (t)))

/* Software prefetch of the next panel pair's K block into L2 while this pair's tiles run (pf: its first panel, pfs:
 * the distance to its second, 0 if none; pf NULL: no next pair): one line per k step, the first panel during tile 0,
 * the second during tile 1 (both during tile 0 when there is one tile). In a model the weights of the 7x7 layers come
 * from memory (other layers' activations evict them), and the demand loads of each pair's first tile waited for them. */
Z_INLINE void z_prefetch_panels(const float *pf, long pfs, int t, int ntiles, const float **pa, const float **pb) {
  *pa = *pb = NULL;
  if (!pf) return;
  if (t == 0) {
    *pa = pf;
    if (ntiles == 1 && pfs) *pb = pf + pfs;
  } else if (t == 1 && pfs) {
    *pa = pf + pfs;
  }
}

/* The k loop of z_tile and y_tile. K comes in segments of span values (one for a plain GEMM): row r's values of
 * segment s start at A_t + r * lda + s * ss, so a_r (declared by ROWS, a TILE_A per row after the first) is offset by
 * s * (ss - span) to be indexed by k itself. The prefetching tiles get their own loop, so the others' k loop carries
 * no extra instructions. STEP is one k of the tile. */
#define TILE_A(r) const float *restrict a##r = a0 + (rows > r) * r * lda;
#define TILE_K_LOOP(ROWS, STEP)                                                                                       \
  {                                                                                                                   \
    long sof = 0;                                                                                                     \
    for (int k = 0; k < K; sof += ss - span) {                                                                        \
      const int ke = k + span < K ? k + span : K;                                                                     \
      const float *restrict a0 = A_t + sof;                                                                           \
      ROWS                                                                                                            \
      if (pa)                                                                                                         \
        for (; k < ke; k++) {                                                                                         \
          _mm_prefetch((const char *)(pa + (long)k * NR), _MM_HINT_T1);                                               \
          if (pb) _mm_prefetch((const char *)(pb + (long)k * NR), _MM_HINT_T1);                                       \
          STEP                                                                                                        \
        }                                                                                                             \
      for (; k < ke; k++) STEP                                                                                        \
    }                                                                                                                 \
  }

/* first: start from the bias (fast) or 0 (exact), else from the partial sums in C; last: clamp (exact: add the bias,
 * then clamp), else store the partial sums. A partial sum stored as float and reloaded continues the same rounding
 * sequence, so K-blocking is exact. exact: a separate multiply and add per product (the zmm exact tile, for CPUs that
 * run 512-bit operations whole; y_tile below is the same arithmetic in ymm). */
Z_INLINE void z_tile(int K, int ntiles, const float *A, long lda, const float *restrict bp0, const float *restrict bp1,
                     const float *bias32, float lo, float hi, float *C, long ldc, int nc, const float *pf, long pfs,
                     int span, long ss, const int rows, const int two, const int exact, int first, int last) {
  const __mmask16 m0 = nc >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nc) - 1);
  const __mmask16 m1 = nc >= 32 ? (__mmask16)0xFFFF : nc > 16 ? (__mmask16)((1u << (nc - 16)) - 1) : 0;
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  const __m512 bb0 = _mm512_loadu_ps(bias32), bb1 = _mm512_loadu_ps(bias32 + 16);
  const __m256 hb = _mm256_loadu_ps(bias32 + 16), hlo = _mm256_set1_ps(lo), hhi = _mm256_set1_ps(hi);
  for (int t = 0; t < ntiles; t++) {
    const float *A_t = A + (long)t * rows * lda;
    float *C_t = C + (long)t * rows * ldc;
    const __m512 i0 = exact ? _mm512_setzero_ps() : bb0, i1 = exact ? _mm512_setzero_ps() : bb1;
    const __m256 ih = exact ? _mm256_setzero_ps() : hb;
    __m512 c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1;
    __m512 c30 = i0, c31 = i1, c40 = i0, c41 = i1, c50 = i0, c51 = i1, c60 = i0, c61 = i1;
    __m256 h0 = ih, h1 = ih, h2 = ih, h3 = ih, h4 = ih, h5 = ih, h6 = ih; /* two == 2: columns 16..23 */
    if (!first) {
#define ZLD(r)                                                                                                        \
  if (rows > r) {                                                                                                     \
    c##r##0 = _mm512_maskz_loadu_ps(m0, C_t + r * ldc);                                                                 \
    if (two == 1) c##r##1 = _mm512_maskz_loadu_ps(m1, C_t + r * ldc + 16);                                              \
    if (two == 2) h##r = _mm256_maskz_loadu_ps((__mmask8)m1, C_t + r * ldc + 16);                                       \
  }
      ZLD(0) ZLD(1) ZLD(2) ZLD(3) ZLD(4) ZLD(5) ZLD(6)
#undef ZLD
    }
    const float *restrict q0 = bp0, *restrict q1 = bp1;
    const float *pa, *pb;
    z_prefetch_panels(pf, pfs, t, ntiles, &pa, &pb);
#define ZMAC(s, b, c) (exact ? _mm512_add_ps((c), _mm512_mul_ps((s), (b))) : _mm512_fmadd_ps((s), (b), (c)))
#define HMAC(s, b, c) (exact ? _mm256_add_ps((c), _mm256_mul_ps((s), (b))) : _mm256_fmadd_ps((s), (b), (c)))
#define ZACC(r)                                                                                                       \
  if (rows > r) {                                                                                                     \
    const __m512 sv = _mm512_set1_ps(a##r[k]);                                                                        \
    c##r##0 = ZMAC(sv, b0, c##r##0);                                                                                  \
    if (two == 1) c##r##1 = ZMAC(sv, b1, c##r##1);                                                                    \
    if (two == 2) h##r = HMAC(_mm512_castps512_ps256(sv), hb1, h##r);                                                 \
  }
#define ZSTEP                                                                                                         \
  {                                                                                                                   \
    const __m512 b0 = _mm512_loadu_ps(q0), b1 = two == 1 ? _mm512_loadu_ps(q1) : _mm512_setzero_ps();                \
    const __m256 hb1 = two == 2 ? _mm256_loadu_ps(q1) : _mm256_setzero_ps();                                         \
    q0 += NR;                                                                                                         \
    q1 += NR;                                                                                                         \
    ZACC(0) ZACC(1) ZACC(2) ZACC(3) ZACC(4) ZACC(5) ZACC(6)                                                           \
  }
    TILE_K_LOOP(TILE_A(1) TILE_A(2) TILE_A(3) TILE_A(4) TILE_A(5) TILE_A(6), ZSTEP)
#undef ZSTEP
#undef ZACC
#undef ZMAC
#undef HMAC
#define ZB(c, b) (exact ? _mm512_add_ps((c), (b)) : (c))
#define HB(h) (exact ? _mm256_add_ps((h), hb) : (h))
#define ZST(r)                                                                                                        \
  if (rows > r) {                                                                                                     \
    _mm512_mask_storeu_ps(C_t + r * ldc, m0, last ? Z_CLAMP(ZB(c##r##0, bb0)) : c##r##0);                               \
    if (two == 1) _mm512_mask_storeu_ps(C_t + r * ldc + 16, m1, last ? Z_CLAMP(ZB(c##r##1, bb1)) : c##r##1);            \
    if (two == 2)                                                                                                     \
      _mm256_mask_storeu_ps(C_t + r * ldc + 16, (__mmask8)m1,                                                          \
                            last ? _mm256_min_ps(hhi, _mm256_max_ps(hlo, HB(h##r))) : h##r);                           \
  }
    ZST(0) ZST(1) ZST(2) ZST(3) ZST(4) ZST(5) ZST(6)
#undef ZST
#undef ZB
#undef HB
  }
}

/* One out-of-line function per tile shape: inlined together into one driver, gcc's register allocator spilled a B
 * vector inside the k loop (zmm16-31 left free). */
typedef void (*ZTileFn)(int K, int ntiles, const float *A, long lda, const float *bp0, const float *bp1,
                        const float *bias32, float lo, float hi, float *C, long ldc, int nc, const float *pf, long pfs,
                        int span, long ss, int first, int last);
#define ZTILE_FN(P, R, TWO, EXACT)                                                                                    \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), noinline)) static void                       \
      P##_tile_##R##_##TWO(int K, int ntiles, const float *A, long lda, const float *bp0, const float *bp1,          \
                           const float *bias32, float lo, float hi, float *C, long ldc, int nc, const float *pf,      \
                           long pfs, int span, long ss, int first, int last) {                                        \
    z_tile(K, ntiles, A, lda, bp0, bp1, bias32, lo, hi, C, ldc, nc, pf, pfs, span, ss, R, TWO, EXACT, first, last); \
  }
#define ZTILE_ROWS(P, TWO, EXACT)                                                                                     \
  ZTILE_FN(P, 1, TWO, EXACT) ZTILE_FN(P, 2, TWO, EXACT) ZTILE_FN(P, 3, TWO, EXACT) ZTILE_FN(P, 4, TWO, EXACT)     \
  ZTILE_FN(P, 5, TWO, EXACT) ZTILE_FN(P, 6, TWO, EXACT) ZTILE_FN(P, 7, TWO, EXACT)
ZTILE_ROWS(z, 0, 0)
ZTILE_ROWS(z, 1, 0)
ZTILE_ROWS(z, 2, 0)
ZTILE_ROWS(e, 0, 1)
ZTILE_ROWS(e, 1, 1)
ZTILE_ROWS(e, 2, 1)
/* zmm tiles are 7 rows high (14 zmm accumulators): the spatial sizes of ImageNet-style networks (7 x 7 x 4^k) are
 * multiples of 7, so no partial tile is left over. */
#define Z_MR 7
/* [0] one panel, [1] a panel pair, [2] a panel pair whose second panel has at most 8 columns (24 output channels):
 * that half in ymm, a quarter fewer multiply-adds (Zen 4 runs a zmm operation as two ymm halves). z_: fast (FMA),
 * e_: exact in zmm. */
#define ZTILE_TABLE(P)                                                                                                \
  {{P##_tile_1_0, P##_tile_2_0, P##_tile_3_0, P##_tile_4_0, P##_tile_5_0, P##_tile_6_0, P##_tile_7_0},                \
   {P##_tile_1_1, P##_tile_2_1, P##_tile_3_1, P##_tile_4_1, P##_tile_5_1, P##_tile_6_1, P##_tile_7_1},                \
   {P##_tile_1_2, P##_tile_2_2, P##_tile_3_2, P##_tile_4_2, P##_tile_5_2, P##_tile_6_2, P##_tile_7_2}}
static const ZTileFn z_tiles[3][Z_MR] = ZTILE_TABLE(z);
static const ZTileFn e_tiles[3][Z_MR] = ZTILE_TABLE(e);

/* Exact-mode AVX-512 tile in 256-bit vectors: 6 rows x 32 columns in 24 ymm accumulators (AVX-512VL gives 32
 * registers). On CPUs that split 512-bit operations in two (AMD Zen 4) a separate multiply and add per product runs
 * faster in ymm than in zmm; the operations per element are the same as every other tile's. */
typedef float v8y __attribute__((vector_size(32)));
Z_INLINE void y_tile(int K, int ntiles, const float *A, long lda, const float *restrict bp0, const float *restrict bp1,
                     const float *bias32, float lo, float hi, float *C, long ldc, int nc, const float *pf, long pfs,
                     int span, long ss, const int rows, const int two, int first, int last) {
  __mmask8 m[4];
  for (int q = 0; q < 4; q++) {
    int left = nc - 8 * q;
    m[q] = left >= 8 ? (__mmask8)0xFF : left > 0 ? (__mmask8)((1u << left) - 1) : 0;
  }
  (void)lo;
  (void)hi;
  for (int t = 0; t < ntiles; t++) {
    const float *A_t = A + (long)t * rows * lda;
    float *C_t = C + (long)t * rows * ldc;
#define YDECL(r) v8y c##r##0 = {0}, c##r##1 = {0}, c##r##2 = {0}, c##r##3 = {0};
    YDECL(0) YDECL(1) YDECL(2) YDECL(3) YDECL(4) YDECL(5)
#undef YDECL
    if (!first) {
#define YLD(r)                                                                                                        \
  if (rows > r) {                                                                                                     \
    c##r##0 = (v8y)_mm256_maskz_loadu_ps(m[0], C_t + r * ldc);                                                          \
    c##r##1 = (v8y)_mm256_maskz_loadu_ps(m[1], C_t + r * ldc + 8);                                                      \
    if (two) {                                                                                                        \
      c##r##2 = (v8y)_mm256_maskz_loadu_ps(m[2], C_t + r * ldc + 16);                                                   \
      c##r##3 = (v8y)_mm256_maskz_loadu_ps(m[3], C_t + r * ldc + 24);                                                   \
    }                                                                                                                 \
  }
      YLD(0) YLD(1) YLD(2) YLD(3) YLD(4) YLD(5)
#undef YLD
    }
    const float *restrict q0 = bp0, *restrict q1 = bp1;
    const float *pa, *pb;
    z_prefetch_panels(pf, pfs, t, ntiles, &pa, &pb);
#define YACC(r)                                                                                                       \
  if (rows > r) {                                                                                                     \
    const float s = a##r[k];                                                                                          \
    c##r##0 += s * b0;                                                                                                \
    c##r##1 += s * b1;                                                                                                \
    if (two) {                                                                                                        \
      c##r##2 += s * b2;                                                                                              \
      c##r##3 += s * b3;                                                                                              \
    }                                                                                                                 \
  }
#define YSTEP                                                                                                         \
  {                                                                                                                   \
    v8y b0, b1, b2 = {0}, b3 = {0};                                                                                   \
    memcpy(&b0, q0, sizeof b0);                                                                                       \
    memcpy(&b1, q0 + 8, sizeof b1);                                                                                   \
    if (two) {                                                                                                        \
      memcpy(&b2, q1, sizeof b2);                                                                                     \
      memcpy(&b3, q1 + 8, sizeof b3);                                                                                 \
    }                                                                                                                 \
    q0 += NR;                                                                                                         \
    q1 += NR;                                                                                                         \
    YACC(0) YACC(1) YACC(2) YACC(3) YACC(4) YACC(5)                                                                   \
  }
    TILE_K_LOOP(TILE_A(1) TILE_A(2) TILE_A(3) TILE_A(4) TILE_A(5), YSTEP)
#undef YSTEP
#undef YACC
    const v8y acc[6][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23},
                           {c30, c31, c32, c33}, {c40, c41, c42, c43}, {c50, c51, c52, c53}};
    const int nv = two ? 4 : 2;
    /* lo, hi read from memory here (bias32[32], [33]; the stores to C may alias it): held in registers across the
     * tile loop they pushed a B vector out of the 32 registers the k loop needs */
    const __m256 ylo = _mm256_broadcast_ss(bias32 + 2 * NR), yhi = _mm256_broadcast_ss(bias32 + 2 * NR + 1);
    for (int r = 0; r < rows; r++)
      for (int q = 0; q < nv; q++) {
        __m256 v = (__m256)acc[r][q];
        if (last) v = Y_CLAMP(_mm256_add_ps(v, _mm256_loadu_ps(bias32 + 8 * q)));
        _mm256_mask_storeu_ps(C_t + r * ldc + 8 * q, m[q], v);
      }
  }
}
#define YTILE_FN(R, TWO)                                                                                              \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), noinline)) static void                       \
      y_tile_##R##_##TWO(int K, int ntiles, const float *A, long lda, const float *bp0, const float *bp1,            \
                         const float *bias32, float lo, float hi, float *C, long ldc, int nc, const float *pf,        \
                         long pfs, int span, long ss, int first, int last) {                                          \
    y_tile(K, ntiles, A, lda, bp0, bp1, bias32, lo, hi, C, ldc, nc, pf, pfs, span, ss, R, TWO, first, last);        \
  }
YTILE_FN(1, 0) YTILE_FN(2, 0) YTILE_FN(3, 0) YTILE_FN(4, 0) YTILE_FN(5, 0) YTILE_FN(6, 0)
YTILE_FN(1, 1) YTILE_FN(2, 1) YTILE_FN(3, 1) YTILE_FN(4, 1) YTILE_FN(5, 1) YTILE_FN(6, 1)
static const ZTileFn y_tiles[2][MR] = {{y_tile_1_0, y_tile_2_0, y_tile_3_0, y_tile_4_0, y_tile_5_0, y_tile_6_0},
                                       {y_tile_1_1, y_tile_2_1, y_tile_3_1, y_tile_4_1, y_tile_5_1, y_tile_6_1}};

/* The AVX-512 GEMM forms: exact in ymm tiles (CPUs that split 512-bit operations), fast (FMA; Z_FMA_L1 the same in K
 * blocks of Z_KC_L1, below) and exact in zmm tiles; their tile functions for a panel pair (two: it has a second panel)
 * of nc columns. */
enum { Z_YMM, Z_FMA, Z_EXACT, Z_FMA_L1 };
Z_INLINE const ZTileFn *z_tile_set(const int mode, int two, int nc) {
  if (mode == Z_YMM) return y_tiles[two];
  const int shape = two && nc <= NR + 8 ? 2 : two;
  return mode == Z_EXACT ? e_tiles[shape] : z_tiles[shape];
}

/* Loops (BLIS order): K in blocks of at most Z_KC, rows in blocks whose A block stays in L2, then panel pairs (a
 * pair's K block, up to 192 KB, streams from L2), then the block's tiles (one call) and its last rows. Z_KC was 384
 * (a pair's block in L1): the partial sums' round trips cost more than the L1 misses save, measured in-model on
 * ResNet50 (fast mode 1.05x -> 1.00x XNNPACK; 1024 and 2048 in between / equal). */
#define Z_KC 1536
/* Fast mode on CPUs that run 512-bit operations whole (Intel): K blocks of 256, so a pair's block (32 KB) stays in the
 * 48 KB L1 while the row tiles stream past it. On this session's Xeon, MobileNetV2's 1x1 layers with K = 384..960
 * alone: 0.93 -> 0.83 ms (192..320 within 1%); in-model A/B 0.93-0.99x on MobileNetV2, 0.95x on ResNet50. Exact mode's
 * separate multiply and add leaves the loads time to arrive (no change measured), and Zen 4 measured the opposite
 * (above), so both keep Z_KC. Blocking never changes a result (see z_tile). */
#define Z_KC_L1 256
Z_INLINE void z_gemm(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias, float lo,
                     float hi, float *C, long ldc, const int mode) {
  int panels = (N + NR - 1) / NR;
  const int zkc = mode == Z_FMA_L1 ? Z_KC_L1 : Z_KC;
  int nk = (K + zkc - 1) / zkc;
  if (nk < 1) nk = 1;
  const int kc = (K + nk - 1) / nk;
  const int mr = mode == Z_YMM ? MR : Z_MR;
  long mc = (long)(256 * 1024) / ((long)(kc > 0 ? kc : 1) * 4);
  mc = (mc / mr) * mr;
  if (mc < mr) mc = mr;
  for (int k0 = 0; k0 < K || k0 == 0; k0 += kc) {
    const int kn = K - k0 < kc ? K - k0 : kc, first = k0 == 0, last = k0 + kc >= K;
    for (long m0 = 0; m0 < M; m0 += mc) {
      const long m1 = m0 + mc < M ? m0 + mc : M, full = (m1 - m0) / mr;
      const int rest = (int)((m1 - m0) % mr);
      for (int p = 0; p < panels; p += 2) {
        const int two = p + 1 < panels;
        const float *bp0 = packed + (size_t)p * NR * K + (size_t)k0 * NR, *bp1 = two ? bp0 + (size_t)NR * K : bp0;
        int n0 = p * NR, nc = N - n0 < 2 * NR ? N - n0 : 2 * NR;
        float bias32[2 * NR + 2]; /* the bias of the panel pair, then lo and hi */
        for (int j = 0; j < 2 * NR; j++) bias32[j] = (bias && j < nc) ? bias[n0 + j] : 0.0f;
        bias32[2 * NR] = lo;
        bias32[2 * NR + 1] = hi;
        const ZTileFn *tiles = z_tile_set(mode, two, nc);
        const float *a = A + m0 * lda + k0;
        float *c = C + m0 * ldc + n0;
        /* the next pair's block (this K block); its second panel only if it has one */
        const float *pf = p + 2 < panels ? bp0 + (size_t)2 * NR * K : NULL;
        const long pfs = p + 3 < panels ? (long)NR * K : 0;
        if (full)
          tiles[mr - 1](kn, (int)full, a, lda, bp0, bp1, bias32, lo, hi, c, ldc, nc, pf, pfs, kn, 0, first, last);
        if (rest)
          tiles[rest - 1](kn, 1, a + full * mr * lda, lda, bp0, bp1, bias32, lo, hi, c + full * mr * ldc, ldc, nc,
                          full ? NULL : pf, pfs, kn, 0, first, last);
      }
    }
    if (K <= 0) break;
  }
}

/* Direct convolution runs (gemm.h): per panel pair, every run's tiles with the pair's B block kept in L1/L2. */
Z_INLINE void z_conv_runs(int nruns, const TflConvRun *runs, int N, int K, int span, long ss, long lda,
                          const float *packed, const float *bias, float lo, float hi, long ldc, const int mode) {
  const int panels = (N + NR - 1) / NR, mr = mode == Z_YMM ? MR : Z_MR;
  for (int p = 0; p < panels; p += 2) {
    const int two = p + 1 < panels;
    const float *bp0 = packed + (size_t)p * NR * K, *bp1 = two ? bp0 + (size_t)NR * K : bp0;
    const int n0 = p * NR, nc = N - n0 < 2 * NR ? N - n0 : 2 * NR;
    float bias32[2 * NR + 2];
    for (int j = 0; j < 2 * NR; j++) bias32[j] = (bias && j < nc) ? bias[n0 + j] : 0.0f;
    bias32[2 * NR] = lo;
    bias32[2 * NR + 1] = hi;
    const ZTileFn *tiles = z_tile_set(mode, two, nc);
    const float *pf = p + 2 < panels ? bp0 + (size_t)2 * NR * K : NULL;
    const long pfs = p + 3 < panels ? (long)NR * K : 0;
    for (int r = 0; r < nruns; r++) {
      const int full = runs[r].rows / mr, rest = runs[r].rows % mr;
      const float *a = runs[r].a;
      float *c = runs[r].c + n0;
      if (full) tiles[mr - 1](K, full, a, lda, bp0, bp1, bias32, lo, hi, c, ldc, nc, pf, pfs, span, ss, 1, 1);
      if (rest)
        tiles[rest - 1](K, 1, a + (long)full * mr * lda, lda, bp0, bp1, bias32, lo, hi, c + (long)full * mr * ldc, ldc,
                        nc, full ? NULL : pf, pfs, span, ss, 1, 1);
      pf = NULL; /* the next pair's block is prefetched during the first run */
    }
  }
}
#define Z_CONV_RUNS_FN(NAME, MODE)                                                                                    \
  TFL_TARGET_AVX512 static void conv_runs_##NAME(int nruns, const TflConvRun *runs, int N, int K, int span, long ss,  \
                                                 long lda, const float *packed, const float *bias, float lo, float hi, \
                                                 long ldc) {                                                          \
    z_conv_runs(nruns, runs, N, K, span, ss, lda, packed, bias, lo, hi, ldc, MODE);                                   \
  }
#define Z_GEMM_FN(NAME, MODE)                                                                                         \
  TFL_TARGET_AVX512 static void gemm_avx512_##NAME(int M, int N, int K, const float *A, long lda, const float *packed, \
                                                   const float *bias, float lo, float hi, float *C, long ldc) {       \
    z_gemm(M, N, K, A, lda, packed, bias, lo, hi, C, ldc, MODE);                                                       \
  }
/* direct convolution runs never block K, so fma_l1 shares fma's */
Z_CONV_RUNS_FN(ymm, Z_YMM) Z_CONV_RUNS_FN(fma, Z_FMA) Z_CONV_RUNS_FN(exact, Z_EXACT)
Z_GEMM_FN(ymm, Z_YMM) Z_GEMM_FN(fma, Z_FMA) Z_GEMM_FN(exact, Z_EXACT) Z_GEMM_FN(fma_l1, Z_FMA_L1)
#undef Z_CONV_RUNS_FN
#undef Z_GEMM_FN
#endif

TflGemmFn tfl_gemm_kernel(int fast) {
#if TFL_X86_CLONES
  const TflIsa isa = tfl_isa();
  if (isa >= TFL_ISA_AVX512) {
    const int split = tfl_cpu_split512();
    return fast ? (split ? gemm_avx512_fma : gemm_avx512_fma_l1) : split ? gemm_avx512_ymm : gemm_avx512_exact;
  }
  if (isa >= TFL_ISA_AVX2) return gemm_avx2;
#endif
  (void)fast;
  return gemm_default;
}

int tfl_gemm_conv_unit(TflGemmFn fn, int K) {
#if TFL_X86_CLONES
  if (K > 0 && K <= Z_KC) {
    if (fn == gemm_avx512_fma || fn == gemm_avx512_fma_l1 || fn == gemm_avx512_exact) return Z_MR;
    if (fn == gemm_avx512_ymm) return MR;
  }
#endif
  (void)fn;
  (void)K;
  return 0;
}

void tfl_gemm_conv_runs(TflGemmFn fn, int nruns, const TflConvRun *runs, int N, int K, int span, long ss, long lda,
                        const float *packed, const float *bias, float lo, float hi, long ldc) {
#if TFL_X86_CLONES
  if (nruns > 0 && N > 0 && tfl_gemm_conv_unit(fn, K)) {
    (fn == gemm_avx512_fma || fn == gemm_avx512_fma_l1 ? conv_runs_fma
     : fn == gemm_avx512_exact                          ? conv_runs_exact
                                                        : conv_runs_ymm)(nruns, runs, N, K, span, ss, lda, packed,
                                                                         bias, lo, hi, ldc);
    return;
  }
#endif
  /* no direct path: never called then (tfl_gemm_conv_unit says 0) */
  (void)fn, (void)nruns, (void)runs, (void)N, (void)K, (void)span, (void)ss, (void)lda, (void)packed, (void)bias;
  (void)lo, (void)hi, (void)ldc;
}

void tfl_gemm_f32(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias, float lo,
                  float hi, float *C, long ldc) {
  if (M <= 0 || N <= 0) return;
  tfl_gemm_kernel(0)(M, N, K, A, lda, packed, bias, lo, hi, C, ldc);
}

/* ---- multi-threaded driver ---- */

double tfl_share_makespan(const double *cost, int n, int nthreads) {
  int b[4], e[4];
  double clock[4] = {0, 0, 0, 0}, most = 0;
  const int T = nthreads < 1 ? 1 : nthreads > 4 ? 4 : nthreads;
  for (int t = 0; t < T; t++) {
    b[t] = (int)((int64_t)t * n / T);
    e[t] = (int)((int64_t)(t + 1) * n / T);
  }
  for (int left = n; left > 0; left--) {
    int t = 0; /* the thread that is free first claims next */
    for (int i = 1; i < T; i++)
      if (clock[i] < clock[t]) t = i;
    int task = -1;
    if (b[t] < e[t]) {
      task = b[t]++;
    } else {
      for (int k = 1; k < T && task < 0; k++) {
        const int v = (t + k) % T;
        if (b[v] < e[v]) task = --e[v];
      }
    }
    clock[t] += cost[task];
    most = clock[t] > most ? clock[t] : most;
  }
  return most;
}

/* Grid of mtasks x ptasks (rows in whole tiles of `unit`, panels in whole pairs) scored for `nthreads` threads that
 * claim tasks in order (tfl_parallel_for): the busiest thread's share of the multiply-adds over the even share, plus
 * a little per task, plus the operand re-reads the split causes (a row group re-reads B, a panel group A) relative to
 * the multiply-adds. Fills the chunks and the task count. */
static double split_score(int M, int N, int K, int nthreads, int unit, int mtasks, int ptasks, int *mchunk,
                          int *pchunk, int *ntasks) {
  const int mt = (M + unit - 1) / unit, pt = (N + NR - 1) / NR;
  const int mtiles = (mt + mtasks - 1) / mtasks;
  int mc = mtiles * unit < M ? mtiles * unit : M, pc = (pt + ptasks - 1) / ptasks;
  if (pc % 2 && pc < pt) pc++; /* whole panel pairs for the AVX-512 tiles */
  const int nm = (M + mc - 1) / mc, np = (pt + pc - 1) / pc;
  double cost[64], most = 0;
  if (nm * np > 64) return 1e300;
  for (int mi = 0; mi < nm; mi++)
    for (int pi = 0; pi < np; pi++) {
      const int rows = M - mi * mc < mc ? M - mi * mc : mc, panels = pt - pi * pc < pc ? pt - pi * pc : pc;
      cost[mi * np + pi] = (double)rows * panels;
    }
  most = tfl_share_makespan(cost, nm * np, nthreads);
  const double even = (double)M * pt / nthreads, kk = K > 0 ? K : 1;
  *mchunk = mc;
  *pchunk = pc;
  *ntasks = nm * np;
  return most / even + 0.004 * nm * np + ((np - 1) * (double)M * kk + (nm - 1) * (double)pt * NR * kk) / (even * nthreads * kk * NR);
}

static int split_rows_search(int M, int N, int K, int nthreads, int unit, int *mchunk, int *pchunk) {
  int mt = (M + unit - 1) / unit, pt = (N + NR - 1) / NR;
  *mchunk = M;
  *pchunk = pt;
  if (nthreads <= 1 || M <= 0 || N <= 0) return 1;
  double work = (double)M * N * (K > 0 ? K : 1);
  double maxt = work / TFL_MIN_TASK_MACS;
  int want = 4 * nthreads; /* a few tasks per thread: dynamic claiming evens out a slow (shared) core */
  if (maxt < want) want = (int)maxt;
  if (nthreads <= 4 && want >= 2) {
    /* few threads: the grid whose tasks share out most evenly (7 tasks of a 14x14 map leave one of 2 threads idle
     * an eighth of the time), at least two tasks per thread when there is work for them */
    double best = 1e300;
    int n = 1;
    for (int least = want < 2 * nthreads ? want : 2 * nthreads; least >= 2 && n == 1; least = least > 2 ? 2 : 0)
      for (int mtasks = 1; mtasks <= mt && mtasks <= want; mtasks++)
        for (int ptasks = 1; ptasks <= pt && mtasks * ptasks <= want; ptasks++) {
          int mc, pc, nt;
          const double sc = split_score(M, N, K, nthreads, unit, mtasks, ptasks, &mc, &pc, &nt);
          if (nt < least || nt > want || sc >= best) continue;
          best = sc;
          *mchunk = mc;
          *pchunk = pc;
          n = nt;
        }
    return n;
  }
  if (want > nthreads) want -= want % nthreads; /* few tasks: a multiple of the threads keeps them evenly loaded */
  if (want < 2) return 1;
  /* rows vs panels: a row task re-reads all of B, a panel task all of A; split the larger operand less */
  double r = (double)want * M / N;
  int mtasks = 1;
  while (mtasks * mtasks < r && mtasks < mt && mtasks < want) mtasks++;
  int ptasks = want / mtasks;
  if (ptasks > pt) ptasks = pt;
  if (ptasks < 1) ptasks = 1;
  mtasks = want / ptasks;
  if (mtasks > mt) mtasks = mt;
  if (mtasks < 1) mtasks = 1;
  int mtiles = (mt + mtasks - 1) / mtasks;
  *mchunk = mtiles * unit < M ? mtiles * unit : M;
  *pchunk = (pt + ptasks - 1) / ptasks;
  if (*pchunk % 2 && *pchunk < pt) (*pchunk)++; /* whole panel pairs for the AVX-512 tiles */
  int nm = (M + *mchunk - 1) / *mchunk, np = (pt + *pchunk - 1) / *pchunk;
  return nm * np;
}

/* The grid search above is a pure function of its arguments and ran before every split GEMM: ~0.6 us each, serial on
 * the invoking thread while the workers wait (~25 us per MobileNetV2 invoke at 2 threads). Remembered per thread
 * (interpreters may run on several threads at once) in a small direct-mapped table; a collision only recomputes. */
typedef struct {
  int M, N, K, nthreads, unit, mchunk, pchunk, ntasks; /* ntasks 0: empty */
} SplitMemo;
static _Thread_local SplitMemo split_memo[64];

int tfl_gemm_split_rows(int M, int N, int K, int nthreads, int unit, int *mchunk, int *pchunk) {
  const unsigned h = ((unsigned)M * 2654435761u ^ (unsigned)N * 40503u ^ (unsigned)K * 97u ^ (unsigned)nthreads * 7u ^
                      (unsigned)unit) % 64u;
  SplitMemo *e = &split_memo[h];
  if (e->ntasks && e->M == M && e->N == N && e->K == K && e->nthreads == nthreads && e->unit == unit) {
    *mchunk = e->mchunk;
    *pchunk = e->pchunk;
    return e->ntasks;
  }
  const int n = split_rows_search(M, N, K, nthreads, unit, mchunk, pchunk);
  *e = (SplitMemo){M, N, K, nthreads, unit, *mchunk, *pchunk, n};
  return n;
}

int tfl_gemm_split(int M, int N, int K, int nthreads, int *mchunk, int *pchunk) {
  return tfl_gemm_split_rows(M, N, K, nthreads, MR, mchunk, pchunk);
}

int tfl_gemm_rows_unit(TflGemmFn fn) {
#if TFL_X86_CLONES
  if (fn == gemm_avx512_fma || fn == gemm_avx512_fma_l1 || fn == gemm_avx512_exact) return Z_MR;
#endif
  (void)fn;
  return MR;
}

typedef struct {
  TflGemmFn fn;
  int M, N, K, mchunk, pchunk, np;
  const float *A;
  long lda;
  const float *packed, *bias;
  float lo, hi;
  float *C;
  long ldc;
  const TflGemmEpilogue *epi;
} GemmJob;

static void gemm_task(void *arg, int task, int thread) {
  const GemmJob *j = arg;
  (void)thread;
  int mi = task / j->np, pi = task % j->np;
  int m0 = mi * j->mchunk, m1 = m0 + j->mchunk < j->M ? m0 + j->mchunk : j->M;
  int p0 = pi * j->pchunk, p1 = p0 + j->pchunk;
  int nc = tfl_gemm_panel_cols(j->N, p0, p1);
  if (m1 <= m0 || nc <= 0) return;
  long n0 = (long)p0 * NR;
  j->fn(m1 - m0, nc, j->K, j->A + (long)m0 * j->lda, j->lda, j->packed + (size_t)p0 * NR * (size_t)j->K,
               j->bias ? j->bias + n0 : NULL, j->lo, j->hi, j->C + (long)m0 * j->ldc + n0, j->ldc);
  if (j->epi) j->epi->fn(j->epi->arg, m0, m1, n0, nc);
}

void tfl_gemm_f32_mt_ke(TflContext *ctx, TflGemmFn fn, int M, int N, int K, const float *A, long lda,
                        const float *packed, const float *bias, float lo, float hi, float *C, long ldc,
                        const TflGemmEpilogue *epi) {
  if (M <= 0 || N <= 0) return;
  int mchunk, pchunk;
  int ntasks = tfl_gemm_split_rows(M, N, K, tfl_num_threads(ctx), tfl_gemm_rows_unit(fn), &mchunk, &pchunk);
  if (ntasks <= 1) {
    fn(M, N, K, A, lda, packed, bias, lo, hi, C, ldc);
    if (epi) epi->fn(epi->arg, 0, M, 0, N);
    return;
  }
  int pt = (N + NR - 1) / NR;
  GemmJob j = {fn, M, N, K, mchunk, pchunk, (pt + pchunk - 1) / pchunk, A, lda, packed, bias, lo, hi, C, ldc, epi};
  tfl_parallel_for(ctx, ntasks, gemm_task, &j);
}

void tfl_gemm_f32_mt_k(TflContext *ctx, TflGemmFn fn, int M, int N, int K, const float *A, long lda,
                       const float *packed, const float *bias, float lo, float hi, float *C, long ldc) {
  tfl_gemm_f32_mt_ke(ctx, fn, M, N, K, A, lda, packed, bias, lo, hi, C, ldc, NULL);
}

void tfl_gemm_f32_mt(TflContext *ctx, int M, int N, int K, const float *A, long lda, const float *packed,
                     const float *bias, float lo, float hi, float *C, long ldc) {
  tfl_gemm_f32_mt_k(ctx, tfl_gemm_kernel(0), M, N, K, A, lda, packed, bias, lo, hi, C, ldc);
}
