/* Blocked float32 GEMM for the float kernels: C[M,N] = act(A[M,K] . B[K,N] + bias). B is pre-packed into panels of
 * TFL_GEMM_NR columns (from TFLite's [N,K] weight layout or from a row-major [K,N] matrix). */
#ifndef TFL_GEMM_H
#define TFL_GEMM_H

#include <stddef.h>

#define TFL_GEMM_NR 16
#define TFL_GEMM_MR 6

/* Floats needed for a packed B of N columns and depth K. */
size_t tfl_gemm_packed_floats(int N, int K);
/* w is [N][K] row-major (TFLite FULLY_CONNECTED / CONV_2D weights with K = kh*kw*cin). */
void tfl_gemm_pack_nk(const float *w, int N, int K, float *packed);
/* b is [K][N] with row stride ldb (column j of row k at b[k*ldb + j*cs]); cs = column stride. */
void tfl_gemm_pack_kn(const float *b, int N, int K, long ldb, long cs, float *packed);
/* A row m, column k at A[m*lda + k]; C row m at C[m*ldc]. bias may be NULL. lo/hi clamp the result. */
void tfl_gemm_f32(int M, int N, int K, const float *A, long lda, const float *packed, const float *bias, float lo,
                  float hi, float *C, long ldc);

#endif
