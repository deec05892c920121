/* Standalone self-test of the fixed-point primitives (built and run by tests/test_runtime_kernels_q.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixedpoint.h"
#include "qgemm.h"

/* Serial stand-ins for the interpreter services used by the GEMM driver (qgemm.c). */
static void *g_scratch;
static size_t g_scratch_cap;
void *tfl_eval_scratch(TflContext *ctx, size_t bytes) {
  (void)ctx;
  if (g_scratch_cap < bytes) {
    free(g_scratch);
    g_scratch = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    g_scratch_cap = g_scratch ? bytes : 0;
  }
  return g_scratch;
}
static int g_threads = 1;
int tfl_num_threads(const TflContext *ctx) {
  (void)ctx;
  return g_threads;
}
void tfl_parallel_for(TflContext *ctx, int ntasks, TflTaskFn fn, void *arg) {
  (void)ctx;
  /* tasks in reverse order, spread over the pretend threads: results must not depend on either */
  for (int t = ntasks - 1; t >= 0; --t) fn(arg, t, t % g_threads);
}

static int failures = 0;
#define CHECK(cond, ...)                         \
  do {                                           \
    if (!(cond)) {                               \
      ++failures;                                \
      printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      printf(__VA_ARGS__);                       \
      printf("\n");                              \
    }                                            \
  } while (0)

/* Exact references computed with wide integer / long double arithmetic. */
static int32_t ref_single(int32_t x, int32_t q, int shift) {
  const int ts = 31 - shift;
  return (int32_t)(((__int128)x * q + ((__int128)1 << (ts - 1))) >> ts);
}

static int32_t ref_srdhm(int32_t a, int32_t b) {
  /* round(a*b / 2^31) with ties toward +infinity (gemmlowp's nudge), saturating */
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  long double v = (long double)a * (long double)b / 2147483648.0L;
  return (int32_t)floorl(v + 0.5L);
}

/* raw-sum callback: copies rows into a [M][N] int32 array */
typedef struct {
  int32_t *sums;
  int n;
} PostArg;
static void post_copy(const void *arg, int m0, int mb, int n0, int n1, const int32_t *acc, int ldacc, int thread) {
  const PostArg *p = (const PostArg *)arg;
  (void)thread;
  for (int i = 0; i < mb; ++i)
    memcpy(p->sums + (size_t)(m0 + i) * p->n + n0, acc + (size_t)i * ldacc + n0, (size_t)(n1 - n0) * sizeof(int32_t));
}

/* GEMM rows: widened int8 rows of x ([M][45]) */
static void rows_i8(const void *arg, int m0, int mb, int16_t *A, int lda) {
  const int8_t *x = (const int8_t *)arg;
  for (int i = 0; i < mb; ++i) tfl_widen_i8(x + (size_t)(m0 + i) * 45, A + (size_t)i * lda, 45);
}

static void rows_i8_600(const void *arg, int m0, int mb, int16_t *A, int lda) {
  const int8_t *x = (const int8_t *)arg;
  for (int i = 0; i < mb; ++i) tfl_widen_i8(x + (size_t)(m0 + i) * 600, A + (size_t)i * lda, 600);
}

int main(void) {
  /* QuantizeMultiplier */
  int32_t q;
  int s;
  tfl_quantize_multiplier_mode(0.5, &q, &s, TFL_ROUND_DOUBLE);
  CHECK(q == (1 << 30) && s == 0, "qm(0.5) = %d,%d", q, s);
  tfl_quantize_multiplier_mode(1.0, &q, &s, TFL_ROUND_DOUBLE);
  CHECK(q == (1 << 30) && s == 1, "qm(1) = %d,%d", q, s);
  tfl_quantize_multiplier_mode(0.0, &q, &s, TFL_ROUND_DOUBLE);
  CHECK(q == 0 && s == 0, "qm(0)");
  tfl_quantize_multiplier_mode(1e-12, &q, &s, TFL_ROUND_DOUBLE);
  CHECK(q == 0 && s == 0, "qm(tiny) flushes to zero: %d,%d", q, s);
  tfl_quantize_multiplier_mode(0.99999999999, &q, &s, TFL_ROUND_DOUBLE);
  CHECK(q == (1 << 30) && s == 1, "qm rounds up to 2^31 -> halves: %d,%d", q, s);
  tfl_quantize_multiplier_mode(ldexp(1.0, 40), &q, &s, TFL_ROUND_SINGLE);
  CHECK(q == INT32_MAX && s == 30, "single-rounding clamps shift: %d,%d", q, s);

  /* SRDHM and RDBPOT against exact references */
  srand(1);
  for (int i = 0; i < 200000; ++i) {
    int32_t a = (int32_t)((uint32_t)rand() << 16 ^ (uint32_t)rand());
    int32_t b = (int32_t)((uint32_t)rand() << 16 ^ (uint32_t)rand());
    if (i < 4) a = INT32_MIN, b = (i & 1) ? INT32_MIN : INT32_MAX;
    CHECK(tfl_srdhm(a, b) == ref_srdhm(a, b), "srdhm(%d,%d) = %d want %d", a, b, tfl_srdhm(a, b), ref_srdhm(a, b));
    int e = rand() % 32;
    long double v = (long double)a / ldexpl(1.0L, e);
    int32_t want = (int32_t)(v >= 0 ? floorl(v + 0.5L) : -floorl(-v + 0.5L));
    CHECK(tfl_rdbpot(a, e) == want, "rdbpot(%d,%d) = %d want %d", a, e, tfl_rdbpot(a, e), want);
    int32_t qm = (int32_t)(((uint32_t)rand() << 16 ^ (uint32_t)rand()) | 0x40000000u) & 0x7fffffff;
    int sh = rand() % 40 - 31;
    if (sh > 30) sh = 30;
    int32_t x = a >> (rand() % 24);
    CHECK(tfl_mbqm_single(x, qm, sh) == ref_single(x, qm, sh), "single(%d,%d,%d)", x, qm, sh);
    if (sh <= 0) {
      int32_t dbl = tfl_mbqm_double(x, qm, sh);
      int32_t two = tfl_rdbpot(tfl_srdhm(x, qm), -sh);
      CHECK(dbl == two, "double(%d,%d,%d)", x, qm, sh);
      /* double rounding differs from single by at most one */
      CHECK(abs(dbl - tfl_mbqm_single(x, qm, sh)) <= 1, "double vs single differ by >1");
    }
  }
  /* The classic double-rounding case: 1 * 0.5 * 2^-1 = 0.25 rounds to 1 with double rounding, 0 with single. */
  CHECK(tfl_mbqm_double(1, 1 << 30, -1) == 1, "double(1, 0.5, -1) = %d", tfl_mbqm_double(1, 1 << 30, -1));
  CHECK(tfl_mbqm_single(1, 1 << 30, -1) == 0, "single(1, 0.5, -1) = %d", tfl_mbqm_single(1, 1 << 30, -1));
  /* SRDHM breaks ties toward +infinity; the rounding shift breaks them away from zero */
  CHECK(tfl_mbqm_double(-3, 1 << 30, 0) == -1, "double(-3, 0.5) = %d", tfl_mbqm_double(-3, 1 << 30, 0));
  CHECK(tfl_mbqm_double(3, 1 << 30, -1) == 1, "double(3, 0.5, -1) = %d", tfl_mbqm_double(3, 1 << 30, -1));

  /* int64 overload: reduced multiplier, single rounding half up */
  CHECK(tfl_mbqm64(3, 1 << 30, 0) == 2, "mbqm64(3, 0.5) = %d", tfl_mbqm64(3, 1 << 30, 0));
  CHECK(tfl_mbqm64(-3, 1 << 30, 0) == -1, "mbqm64(-3, 0.5) = %d", tfl_mbqm64(-3, 1 << 30, 0));
  CHECK(tfl_mbqm64((int64_t)1 << 40, 1 << 30, -10) == (1 << 29), "mbqm64 large");

  /* saturating shifts */
  CHECK(tfl_sat_shl(1 << 29, 2) == INT32_MAX, "sat_shl saturates");
  CHECK(tfl_sat_shl(-(1 << 29), 2) == INT32_MIN, "sat_shl saturates negative");
  CHECK(tfl_sat_shl(12345, 3) == 12345 * 8, "sat_shl plain");

  /* exp_on_negative_values: accuracy over the Q5.26 domain used by softmax */
  double maxerr = 0;
  for (int32_t a = 0; a > -(31 << 26); a -= 9973 * 7) {
    const double x = a / 67108864.0;
    const double got = tfl_exp_on_negative_values(a, 5) / 2147483648.0;
    const double err = fabs(got - exp(x));
    if (err > maxerr) maxerr = err;
  }
  CHECK(maxerr < 5e-7, "exp_on_negative_values max error %g", maxerr);
  CHECK(tfl_exp_on_negative_values(0, 5) == INT32_MAX, "exp(0) == one");

  /* 1/(1+x) */
  maxerr = 0;
  for (int64_t a = 0; a <= INT32_MAX; a += 1234567) {
    const double x = a / 2147483648.0;
    const double got = tfl_one_over_one_plus_x_for_x_in_0_1((int32_t)a) / 2147483648.0;
    const double err = fabs(got - 1.0 / (1.0 + x));
    if (err > maxerr) maxerr = err;
  }
  CHECK(maxerr < 1e-8, "one_over_one_plus_x max error %g", maxerr);

  /* reciprocal: value * reciprocal ~= 2^num_bits_over_unit */
  for (int32_t v = 1 << 19; v < (1 << 30); v += 7654321) {
    int nb;
    const int32_t r = tfl_get_reciprocal(v, 12, &nb);
    const double val = v / 524288.0; /* Q12.19 */
    const double rec = r / 2147483648.0 * pow(2.0, -nb);
    CHECK(fabs(val * rec - 1.0) < 1e-7, "reciprocal of %g: %g", val, rec);
  }

  /* activation ranges */
  int32_t lo, hi;
  tfl_act_range_q(TFL_ACT_RELU6, TFL_INT8, 0.05f, -10, &lo, &hi);
  CHECK(lo == -10 && hi == 110, "relu6 range %d %d", lo, hi);
  tfl_act_range_q(TFL_ACT_RELU, TFL_INT8, 0.05f, -128, &lo, &hi);
  CHECK(lo == -128 && hi == 127, "relu range %d %d", lo, hi);
  tfl_act_range_q(TFL_ACT_RELU_N1_TO_1, TFL_INT16, 1.0f / 32768, 0, &lo, &hi);
  CHECK(lo == -32768 && hi == 32767, "relu1 int16 range %d %d", lo, hi);

  /* conv geometry */
  int pad;
  CHECK(tfl_conv_out_size(0, 9, 3, 2, 1, &pad) == 5 && pad == 1, "same 9/3/2");
  CHECK(tfl_conv_out_size(1, 9, 3, 2, 1, &pad) == 4 && pad == 0, "valid 9/3/2");
  CHECK(tfl_conv_out_size(0, 10, 3, 2, 1, &pad) == 5 && pad == 0, "same 10/3/2 (extra pad bottom)");
  CHECK(tfl_conv_out_size(1, 9, 3, 1, 2, &pad) == 5, "valid dilated");

  /* vectorized requantization == scalar MBQM (double rounding) */
  {
    enum { NQ = 1003 };
    static int32_t acc[NQ], add[NQ], mult[NQ];
    static int shift[NQ];
    static int8_t out[NQ];
    for (int i = 0; i < NQ; ++i) {
      acc[i] = (int32_t)((uint32_t)rand() << 16 ^ (uint32_t)rand()) >> (rand() % 20);
      add[i] = rand() % 20001 - 10000;
      mult[i] = (int32_t)(((uint32_t)rand() << 16 ^ (uint32_t)rand()) | 0x40000000u) & 0x7fffffff;
      shift[i] = rand() % 34 - 31;
      if (shift[i] > 2) shift[i] = 2;
    }
    tfl_set_rounding(TFL_ROUND_DOUBLE);
    tfl_requant_i8(acc, add, NQ, mult, shift, -5, -128, 127, out);
    for (int i = 0; i < NQ; ++i) {
      int32_t v = tfl_mbqm_double(acc[i] + add[i], mult[i], shift[i]) - 5;
      v = v < -128 ? -128 : (v > 127 ? 127 : v);
      CHECK(out[i] == v, "requant_i8[%d] = %d want %d", i, out[i], v);
    }
  }

  /* int8 GEMM == naive sums (odd sizes, padding) */
  {
    const int M = 7, N = 37, K = 45;
    static int8_t w[37 * 45];
    static int16_t a[7 * 46];
    static int32_t accg[7 * 48];
    for (int i = 0; i < N * K; ++i) w[i] = (int8_t)(rand() % 256 - 128);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < 46; ++k) a[m * 46 + k] = k < K ? (int16_t)(rand() % 256 - 128) : 0;
    TflQPack pk;
    CHECK(tfl_qpack(w, N, K, &pk), "qpack");
    CHECK(pk.Kp == 46 && pk.Np == 48, "padded sizes %d %d", pk.Kp, pk.Np);
    tfl_qgemm(&pk, a, M, 46, accg);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < pk.Np; ++n) {
        int32_t s = 0;
        if (n < N)
          for (int k = 0; k < K; ++k) s += (int32_t)a[m * 46 + k] * w[n * K + k];
        CHECK(accg[m * pk.Np + n] == s, "qgemm[%d][%d] = %d want %d", m, n, accg[m * pk.Np + n], s);
      }
    tfl_qpack_free(&pk);
  }

  /* shared GEMM driver: fused int8 epilogue == naive sums + scalar requantization, for 1 and 3 pretend threads,
   * both rounding modes, channels not a multiple of 16, odd depth, left and right shifts */
  for (int mode = 0; mode < 2; ++mode) {
    for (int threads = 1; threads <= 3; threads += 2) {
      enum { M = 203, N = 37, K = 45 };
      static int8_t w[N * K], x[M * K], y[M * N];
      static int32_t bias[N], mult[N];
      static int shift[N];
      for (int i = 0; i < N * K; ++i) w[i] = (int8_t)(rand() % 256 - 128);
      for (int i = 0; i < M * K; ++i) x[i] = (int8_t)(rand() % 256 - 128);
      for (int n = 0; n < N; ++n) {
        bias[n] = rand() % 200001 - 100000;
        tfl_quantize_multiplier_mode(ldexp(0.5 + rand() / (double)RAND_MAX, -(rand() % 12) + 1), &mult[n], &shift[n],
                                     (TflRounding)mode);
      }
      const int32_t in_zp = 7, out_zp = -3;
      g_threads = threads;
      tfl_set_rounding((TflRounding)mode);
      TflQGemm g;
      CHECK(tfl_qgemm_init(&g, w, N, K), "qgemm_init");
      CHECK(tfl_qgemm_set_requant(&g, mult, shift, out_zp, -128, 100), "set_requant");
      tfl_qgemm_set_bias(&g, bias, in_zp);
      CHECK(tfl_qgemm_run(NULL, &g, M, rows_i8, x, y, N, NULL, NULL, NULL) == TFL_OK, "qgemm_run");
      for (int m = 0; m < M; ++m)
        for (int n = 0; n < N; ++n) {
          int32_t s = bias[n];
          for (int k = 0; k < K; ++k) s += ((int32_t)x[m * K + k] - in_zp) * w[n * K + k];
          int32_t v = tfl_mbqm_mode(s, mult[n], shift[n], (TflRounding)mode) + out_zp;
          v = v < -128 ? -128 : (v > 100 ? 100 : v);
          CHECK(y[m * N + n] == v, "qgemm_run mode %d threads %d [%d][%d] = %d want %d", mode, threads, m, n,
                y[m * N + n], v);
        }
      /* raw sums through the callback, with caller-provided scratch (how hybrid kernels keep their own data) */
      static int32_t sums[M * N];
      const size_t need = tfl_qgemm_scratch_size(NULL, &g, M, 0);
      void *own = aligned_alloc(64, (need + 63) & ~(size_t)63);
      PostArg pa = {sums, N};
      CHECK(tfl_qgemm_run(NULL, &g, M, rows_i8, x, NULL, 0, post_copy, &pa, own) == TFL_OK, "qgemm_run raw");
      for (int m = 0; m < M; ++m)
        for (int n = 0; n < N; ++n) {
          int32_t s = 0;
          for (int k = 0; k < K; ++k) s += (int32_t)x[m * K + k] * w[n * K + k];
          CHECK(sums[m * N + n] == s, "raw sums [%d][%d] = %d want %d", m, n, sums[m * N + n], s);
        }
      free(own);
      tfl_qgemm_release(&g);
    }
  }
  /* few rows, many panels: with 3 pretend threads the tasks split the panels of one row block */
  for (int threads = 1; threads <= 3; threads += 2) {
    enum { M2 = 20, N2 = 300, K2 = 600 };
    static int8_t w2[N2 * K2], x2[M2 * K2], y2[M2 * N2];
    static int32_t bias2[N2], mult2[N2];
    static int shift2[N2];
    for (int i = 0; i < N2 * K2; ++i) w2[i] = (int8_t)(rand() % 256 - 128);
    for (int i = 0; i < M2 * K2; ++i) x2[i] = (int8_t)(rand() % 256 - 128);
    for (int n = 0; n < N2; ++n) {
      bias2[n] = rand() % 200001 - 100000;
      tfl_quantize_multiplier_mode(ldexp(0.5 + rand() / (double)RAND_MAX, -(rand() % 8) - 8), &mult2[n], &shift2[n],
                                   TFL_ROUND_DOUBLE);
    }
    g_threads = threads;
    tfl_set_rounding(TFL_ROUND_DOUBLE);
    TflQGemm g;
    CHECK(tfl_qgemm_init(&g, w2, N2, K2), "qgemm_init");
    CHECK(tfl_qgemm_set_requant(&g, mult2, shift2, 1, -128, 127), "set_requant");
    tfl_qgemm_set_bias(&g, bias2, -2);
    CHECK(tfl_qgemm_run(NULL, &g, M2, rows_i8_600, x2, y2, N2, NULL, NULL, NULL) == TFL_OK, "qgemm_run");
    for (int m = 0; m < M2; ++m)
      for (int n = 0; n < N2; ++n) {
        int32_t s = bias2[n];
        for (int k = 0; k < K2; ++k) s += ((int32_t)x2[m * K2 + k] + 2) * w2[n * K2 + k];
        int32_t v = tfl_mbqm_double(s, mult2[n], shift2[n]) + 1;
        v = v < -128 ? -128 : (v > 127 ? 127 : v);
        CHECK(y2[m * N2 + n] == v, "split qgemm threads %d [%d][%d] = %d want %d", threads, m, n, y2[m * N2 + n], v);
      }
    tfl_qgemm_release(&g);
  }
  tfl_set_rounding(TFL_ROUND_DOUBLE);
  g_threads = 1;

  /* TflRq lane order is a permutation of each block of 16 */
  {
    int seen[32] = {0};
    for (int i = 0; i < 32; ++i) seen[tfl_rq_lane(i)]++;
    for (int i = 0; i < 32; ++i) CHECK(seen[i] == 1, "tfl_rq_lane not a permutation at %d", i);
    CHECK(tfl_rq_lane(4) == 8 && tfl_rq_lane(8) == 4, "tfl_rq_lane order");
  }

  if (failures) {
    printf("%d failures\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
