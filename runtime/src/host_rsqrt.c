/* The host CPU's reciprocal square root estimate (x86 RSQRTPS), for the compiler's constant folding.
 *
 * TensorFlow folds a float32 Rsqrt with its CPU kernel: Eigen's packet rsqrt on x86 is the RSQRTPS estimate refined
 * by one Newton step. The estimate's bits are CPU-specific (AMD and Intel tables differ), so the compiler can only
 * reproduce TF's folded constants by asking this CPU; the Newton step itself is done in numpy
 * (passes/fold_constants.py tf_rsqrt). Plain C (the fuzz build has no Python); module.c wraps it. */
#include <stddef.h>
#include <string.h>

#include "tflrt.h"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <xmmintrin.h>
#define TFL_HAVE_RSQRTPS 1
#endif

/* y[i] = RSQRTPS(x[i]); returns 0, or -1 where the CPU has no such instruction. SSE's 4-lane and AVX's 8-lane forms
 * give the same bits on one CPU; SSE is in every x86-64. */
int tfl_rsqrt_estimate(const float *x, float *y, size_t n) {
#ifdef TFL_HAVE_RSQRTPS
  for (size_t i = 0; i < n; i += 4) {
    float lanes[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    size_t k = n - i < 4 ? n - i : 4;
    memcpy(lanes, x + i, k * sizeof(float));
    _mm_storeu_ps(lanes, _mm_rsqrt_ps(_mm_loadu_ps(lanes)));
    memcpy(y + i, lanes, k * sizeof(float));
  }
  return 0;
#else
  (void)x, (void)y, (void)n;
  return -1;
#endif
}
