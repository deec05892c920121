/* Blocked float32 GEMM for the float kernels: C[M,N] = act(A[M,K] . B[K,N] + bias). B is pre-packed into panels of
 * TFL_GEMM_NR columns (from TFLite's [N,K] weight layout or from a row-major [K,N] matrix). */
#ifndef TFL_GEMM_H
#define TFL_GEMM_H

#include <stddef.h>

#include "tflrt.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* AVX-512 F/BW/VL/DQ clones (TFL_ISA_AVX512 and up); FMA is available but used only where a kernel asks for it. */
#define TFL_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))
#endif

#define TFL_GEMM_NR 16
#define TFL_GEMM_MR 6

/* One GEMM kernel (see tfl_gemm_f32 for the arguments). */
typedef void (*TflGemmFn)(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias,
                          float lo, float hi, float *C, long ldc);
/* The kernel for the ISA level in effect now (tfl_isa()); kernels pick it at prepare so runtime._tflrt.set_isa applies
 * to interpreters prepared afterwards. fast == 0: exact mode, every variant bit-identical (the sum over k in order
 * from 0, a separate multiply and add per product, then the bias, then the clamp). fast != 0: FMA and wider tiles
 * where the level has them (same order, one rounding per product-add). */
TflGemmFn tfl_gemm_kernel(int fast);
/* Nonzero when the interpreter was created with experimental_fast_float (interp.c). */
int tfl_fast_float(const TflContext *ctx);

/* Floats needed for a packed B of N columns and depth K. */
size_t tfl_gemm_packed_floats(int N, int K);
/* w is [N][K] row-major (TFLite FULLY_CONNECTED / CONV_2D weights with K = kh*kw*cin). */
void tfl_gemm_pack_nk(const float *w, int N, int K, float *packed);
/* b is [K][N] with row stride ldb (column j of row k at b[k*ldb + j*cs]); cs = column stride. */
void tfl_gemm_pack_kn(const float *b, int N, int K, long ldb, long cs, float *packed);
/* A row m, column k at A[m*lda + k]; C row m at C[m*ldc]. bias may be NULL. lo/hi clamp the result. */
void tfl_gemm_f32(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias, float lo,
                  float hi, float *C, long ldc);

/* Multi-threaded tfl_gemm_f32 over the context's threads (tfl_parallel_for): the output is cut into blocks of whole
 * MR-row tiles by whole NR-column panels, so every element is computed exactly as in the serial call. Small products
 * run on the caller alone. */
void tfl_gemm_f32_mt(TflContext *ctx, int M, int N, int K, const float *A, long lda, const float *packed,
                     const float *bias, float lo, float hi, float *C, long ldc);
/* The same with a given kernel (from tfl_gemm_kernel). */
void tfl_gemm_f32_mt_k(TflContext *ctx, TflGemmFn fn, int M, int N, int K, const float *A, long lda,
                       const float *packed, const float *bias, float lo, float hi, float *C, long ldc);
/* Work on a finished block of C, rows [m0, m1) by columns [n0, n0 + nc), run by the task that computed it (while the
 * block is in that core's cache), e.g. a residual add (tfl_take_fused_add). */
typedef struct {
  void (*fn)(void *arg, long m0, long m1, long n0, int nc);
  void *arg;
} TflGemmEpilogue;
/* tfl_gemm_f32_mt_k, then epi (may be NULL) on each task's block. */
void tfl_gemm_f32_mt_ke(TflContext *ctx, TflGemmFn fn, int M, int N, int K, const float *A, long lda,
                        const float *packed, const float *bias, float lo, float hi, float *C, long ldc,
                        const TflGemmEpilogue *epi);
/* Chooses a task grid for an M x N x K product on nthreads: *mchunk rows (a multiple of TFL_GEMM_MR, or M) by
 * *pchunk panels of TFL_GEMM_NR columns per task; returns the number of tasks (1: run serially). */
int tfl_gemm_split(int M, int N, int K, int nthreads, int *mchunk, int *pchunk);
/* The same with row chunks in multiples of unit rows (tfl_gemm_rows_unit of the kernel that will run). */
int tfl_gemm_split_rows(int M, int N, int K, int nthreads, int unit, int *mchunk, int *pchunk);
/* Rows per register tile of a kernel from tfl_gemm_kernel (TFL_GEMM_MR, or 7 for the AVX-512 fast kernel): row
 * blocks in multiples of it leave no partial tiles. */
int tfl_gemm_rows_unit(TflGemmFn fn);
/* Columns [p0 * NR, ...) of a product: arguments for tfl_gemm_f32 restricted to panels [p0, p1). */
static inline int tfl_gemm_panel_cols(int N, int p0, int p1) {
  int n0 = p0 * TFL_GEMM_NR, n1 = p1 * TFL_GEMM_NR < N ? p1 * TFL_GEMM_NR : N;
  return n1 > n0 ? n1 - n0 : 0;
}
/* Direct convolution (no im2col copy) on the AVX-512 tiles. A run is consecutive output pixels of one output row whose
 * input windows lie inside the image: its row i reads its K = nseg * span values as nseg segments of span floats,
 * segment s at a + i * lda + s * ss (ss >= span), and writes c + i * ldc. Same values in the same order as the
 * im2col rows, so the same results bit for bit. */
typedef struct {
  const float *a;
  float *c;
  int rows;
} TflConvRun;
/* Rows per register tile of the direct path for kernel fn (from tfl_gemm_kernel) and depth K; 0 when there is none
 * (below AVX-512, or K needs more than one K block). */
int tfl_gemm_conv_unit(TflGemmFn fn, int K);
void tfl_gemm_conv_runs(TflGemmFn fn, int nruns, const TflConvRun *runs, int N, int K, int span, long ss, long lda,
                        const float *packed, const float *bias, float lo, float hi, long ldc);

/* When the busiest of nthreads (at most 4) threads finishes tasks of the given costs handed out as tfl_parallel_for
 * does: thread t starts on tasks [t * n / T, (t + 1) * n / T) from the front, then takes the others' remaining tasks
 * from their back ends; the thread that is free first claims next. */
double tfl_share_makespan(const double *cost, int n, int nthreads);

/* Multiply-accumulates below which a parallel task is not worth its dispatch. */
#define TFL_MIN_TASK_MACS (256 * 1024)

#endif
