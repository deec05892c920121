/* LOCAL_RESPONSE_NORMALIZATION, float32 NHWC: out = x / (bias + alpha * sum of x^2 over the channels within radius)
 * ^ beta (LiteRT's local_response_norm.cc; TF's LRN). */
#include <math.h>

#include "common_f32.h"

static TflStatus lrn_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!tfl_is_f32(in) || !tfl_is_f32(out)) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "LOCAL_RESPONSE_NORMALIZATION: input must have rank 4");
  return tfl_resize(ctx, out, in->rank, in->dims);
}

static TflStatus lrn_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const TflLocalResponseNormalizationOptions o = tfl_LocalResponseNormalizationOptions(node);
  const int64_t depth = in->dims[3], rows = depth ? tfl_num_elements(in) / depth : 0;
  const float *x = in->data;
  float *y = out->data;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * depth;
    float *yr = y + r * depth;
    for (int64_t c = 0; c < depth; c++) {
      const int64_t lo = c - o.radius < 0 ? 0 : c - o.radius, hi = c + o.radius + 1 > depth ? depth : c + o.radius + 1;
      float sum = 0.0f;
      for (int64_t k = lo; k < hi; k++) sum += xr[k] * xr[k];
      yr[c] = xr[c] * powf(o.bias + o.alpha * sum, -o.beta);
    }
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_lrn_f32[] = {
    {TFL_OP_LOCAL_RESPONSE_NORMALIZATION, "LOCAL_RESPONSE_NORMALIZATION", 1, 1, lrn_prepare, lrn_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
