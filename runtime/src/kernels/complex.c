/* Complex numbers: RFFT2D (float32 -> complex64), and REAL, IMAG, COMPLEX_ABS (complex64 -> float32, complex128 ->
 * float64), as LiteRT's rfft2d.cc and complex_support.cc compute them.
 *
 * RFFT2D transforms the innermost two dims of each slice: the input is cropped or zero-padded to fft_length
 * [h, w] (both powers of 2, as LiteRT's fft2d library requires), transformed in double precision, and the
 * w / 2 + 1 non-negative frequencies of each row are written as complex64 in tf.signal.rfft2d's order:
 * out[u][v] = sum_{y,x} in[y][x] * exp(-2 pi i (u y / h + v x / w)). Here: a radix-2 FFT along the rows (real input),
 * keeping the first w / 2 + 1 bins, then along the columns of those bins. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "common_f32.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* fft_length (int32 [2]) read and checked: 1 with *h, *w set, or 0 after reporting the error. */
static int fft_lengths(TflContext *ctx, const TflTensor *len, int32_t *h, int32_t *w) {
  if (!len || len->type != TFL_INT32 || len->rank != 1 || len->dims[0] != 2 || !len->data) {
    tfl_error(ctx, "RFFT2D: fft_length must be an int32 tensor of 2 elements");
    return 0;
  }
  const int32_t *v = len->data;
  for (int i = 0; i < 2; i++)
    if (v[i] <= 0 || (v[i] & (v[i] - 1)) || v[i] > (1 << 24)) {
      tfl_error(ctx, "RFFT2D: fft_length [%d, %d]: each must be a power of 2 (LiteRT's kernel requires it)", v[0], v[1]);
      return 0;
    }
  *h = v[0];
  *w = v[1];
  return 1;
}

static TflStatus rfft2d_shape(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int32_t h, w, dims[TFL_MAX_RANK];
  if (!fft_lengths(ctx, tfl_input(ctx, node, 1), &h, &w)) return TFL_ERROR;
  memcpy(dims, in->dims, sizeof dims);
  dims[in->rank - 2] = h;
  dims[in->rank - 1] = w / 2 + 1;
  return tfl_resize(ctx, out, in->rank, dims);
}

static TflStatus rfft2d_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *len = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (node->ninputs != 2 || !in || !len || !out) return tfl_error(ctx, "RFFT2D: needs an input and fft_length");
  if (!tfl_is_f32(in) || out->type != TFL_COMPLEX64) return tfl_error(ctx, "RFFT2D: float32 input, complex64 output");
  if (in->rank < 2) return tfl_error(ctx, "RFFT2D: input must have rank >= 2");
  int *dynamic = tfl_set_user_data(node, sizeof(int));
  if (!tfl_value_known(len)) { /* fft_length computed at run time: the output is sized at eval */
    *dynamic = 1;
    out->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return rfft2d_shape(ctx, node);
}

/* exp(-2 pi i k / n) for k < n / 2. */
static void twiddles(double complex *t, int32_t n) {
  for (int32_t k = 0; k < n / 2; k++) {
    const double a = -2.0 * M_PI * (double)k / (double)n;
    t[k] = cos(a) + I * sin(a);
  }
}

/* In-place forward FFT of x[0], x[stride], ..., x[(n - 1) * stride], n a power of 2, t = twiddles(n). */
static void fft(double complex *x, int32_t n, int64_t stride, const double complex *t) {
  for (int32_t i = 1, j = 0; i < n; i++) { /* bit-reversal permutation */
    int32_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) {
      double complex s = x[i * stride];
      x[i * stride] = x[j * stride];
      x[j * stride] = s;
    }
  }
  for (int32_t len = 2; len <= n; len <<= 1) {
    const int32_t half = len / 2, step = n / len;
    for (int32_t s = 0; s < n; s += len)
      for (int32_t k = 0; k < half; k++) {
        const double complex a = x[(s + k) * stride], b = x[(s + k + half) * stride] * t[k * step];
        x[(s + k) * stride] = a + b;
        x[(s + k + half) * stride] = a - b;
      }
  }
}

static TflStatus rfft2d_eval(TflContext *ctx, TflNode *node) {
  if (*(int *)node->user_data && rfft2d_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int32_t h, w;
  if (!fft_lengths(ctx, tfl_input(ctx, node, 1), &h, &w)) return TFL_ERROR;
  const int32_t rows = in->dims[in->rank - 2], cols = in->dims[in->rank - 1], bins = w / 2 + 1;
  const int64_t slices = tfl_prod(in->dims, 0, in->rank - 2);
  if (slices == 0 || tfl_num_elements(out) == 0) return TFL_OK;
  /* scratch: one row of w, the h x bins spectrum, the twiddles of w and of h */
  const size_t n = (size_t)w + (size_t)h * bins + (size_t)w / 2 + (size_t)h / 2 + 2;
  double complex *row = tfl_eval_scratch(ctx, n * sizeof(double complex));
  if (!row) return tfl_error(ctx, "RFFT2D: out of memory");
  double complex *spec = row + w, *tw = spec + (size_t)h * bins, *th = tw + w / 2 + 1;
  twiddles(tw, w);
  twiddles(th, h);
  const float *x = in->data;
  float *y = out->data; /* (re, im) pairs: complex64's layout */
  const int32_t used_rows = rows < h ? rows : h, used_cols = cols < w ? cols : w;
  for (int64_t s = 0; s < slices; s++, x += (int64_t)rows * cols, y += 2 * (int64_t)h * bins) {
    for (int32_t r = 0; r < h; r++) {
      double complex *dst = spec + (size_t)r * bins;
      if (r >= used_rows) { /* zero-padded row: zero spectrum */
        for (int32_t k = 0; k < bins; k++) dst[k] = 0;
        continue;
      }
      for (int32_t c = 0; c < w; c++) row[c] = c < used_cols ? (double)x[(int64_t)r * cols + c] : 0.0;
      fft(row, w, 1, tw);
      memcpy(dst, row, (size_t)bins * sizeof(double complex));
    }
    for (int32_t k = 0; k < bins; k++) fft(spec + k, h, bins, th);
    for (int64_t i = 0; i < (int64_t)h * bins; i++) {
      y[2 * i] = (float)creal(spec[i]);
      y[2 * i + 1] = (float)cimag(spec[i]);
    }
  }
  return TFL_OK;
}

/* ---- REAL, IMAG, COMPLEX_ABS ---- */

static TflStatus part_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const char *name = tfl_op_name(node->op);
  if (!in || !out) return tfl_error(ctx, "%s: missing input or output", name);
  if (!((in->type == TFL_COMPLEX64 && out->type == TFL_FLOAT32) || (in->type == TFL_COMPLEX128 && out->type == TFL_FLOAT64)))
    return tfl_error(ctx, "%s: takes complex64 -> float32 or complex128 -> float64, not %s -> %s", name,
                     tfl_type_name(in->type), tfl_type_name(out->type));
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus part_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int64_t n = tfl_num_elements(in);
  if (in->type == TFL_COMPLEX64) {
    const float complex *z = in->data;
    float *y = out->data;
    if (node->op == TFL_OP_REAL)
      for (int64_t i = 0; i < n; i++) y[i] = crealf(z[i]);
    else if (node->op == TFL_OP_IMAG)
      for (int64_t i = 0; i < n; i++) y[i] = cimagf(z[i]);
    else
      for (int64_t i = 0; i < n; i++) y[i] = hypotf(crealf(z[i]), cimagf(z[i]));
  } else {
    const double complex *z = in->data;
    double *y = out->data;
    if (node->op == TFL_OP_REAL)
      for (int64_t i = 0; i < n; i++) y[i] = creal(z[i]);
    else if (node->op == TFL_OP_IMAG)
      for (int64_t i = 0; i < n; i++) y[i] = cimag(z[i]);
    else
      for (int64_t i = 0; i < n; i++) y[i] = hypot(creal(z[i]), cimag(z[i]));
  }
  (void)ctx;
  return TFL_OK;
}

const TflKernel tfl_kernels_complex[] = {
    {TFL_OP_RFFT2D, "RFFT2D", 1, 1, rfft2d_prepare, rfft2d_eval},
    {TFL_OP_REAL, "REAL", 1, 1, part_prepare, part_eval},
    {TFL_OP_IMAG, "IMAG", 1, 1, part_prepare, part_eval},
    {TFL_OP_COMPLEX_ABS, "COMPLEX_ABS", 1, 1, part_prepare, part_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
