/* RANDOM_UNIFORM, RANDOM_STANDARD_NORMAL and MULTINOMIAL (LiteRT's random_ops.cc): float32 from TensorFlow's Philox4x32-10 keyed
 * by the op's seeds (key = seed, counter high half = seed2; both 0: a fresh seed). Uniform: each 32-bit draw's low
 * 23 bits made the mantissa of a float in [1, 2), minus 1. Normal: Box-Muller on pairs of such uniforms
 * (u1 >= 1e-7; sin and cos of 2 pi u2 scaled by sqrt(-2 log u1)). Every block of 4 draws is used from its start,
 * the rest of the last block dropped, and the stream continues on the next invocation. The state lives in the node's data, so it restarts
 * when the node is prepared again (LiteRT keeps it from Init).
 * MULTINOMIAL draws from a copy of the stream and moves the stream itself batch * round4(num_samples) * 512 blocks
 * ahead (TF's allowance for its kernels' draws); each sample is two 32-bit draws made a double in [0, 1) (20 + 32
 * mantissa bits), scaled by the row's total of exp(logit - max finite logit) (non-finite logits weigh 0) and
 * placed by upper_bound in the running sums. */
#define _GNU_SOURCE /* sincosf, as TensorFlow's Box-Muller on Linux */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "shape_common.h"

typedef struct {
  uint32_t key[2], counter[4];
  int dynamic;
} RandomData;

static void philox_block(RandomData *d, uint32_t out[4]) {
  uint32_t c[4] = {d->counter[0], d->counter[1], d->counter[2], d->counter[3]}, k[2] = {d->key[0], d->key[1]};
  for (int round = 0; round < 10; round++) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k[0], n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = (uint32_t)p1;
    c[2] = n2;
    c[3] = (uint32_t)p0;
    k[0] += 0x9E3779B9u;
    k[1] += 0xBB67AE85u;
  }
  memcpy(out, c, sizeof c);
  if (++d->counter[0] == 0 && ++d->counter[1] == 0 && ++d->counter[2] == 0) ++d->counter[3];
}

/* Philox's Skip: the 128-bit block counter advanced by count. */
static void philox_skip(RandomData *d, uint64_t count) {
  const uint32_t lo = (uint32_t)count;
  uint32_t hi = (uint32_t)(count >> 32);
  d->counter[0] += lo;
  if (d->counter[0] < lo) hi++;
  d->counter[1] += hi;
  if (d->counter[1] < hi && ++d->counter[2] == 0) ++d->counter[3];
}

static double uint64_to_double(uint32_t x0, uint32_t x1) {
  const uint64_t bits = ((uint64_t)1023 << 52) | ((uint64_t)(x0 & 0xfffffu) << 32) | x1;
  double f;
  memcpy(&f, &bits, sizeof f);
  return f - 1.0;
}

static float uint32_to_float(uint32_t x) {
  const uint32_t bits = (127u << 23) | (x & 0x7fffffu);
  float f;
  memcpy(&f, &bits, sizeof f);
  return f - 1.0f;
}

/* TensorFlow's BoxMullerFloat: the angle is computed in double (2 * M_PI) and rounded to float. */
static void box_muller(uint32_t x0, uint32_t x1, float *f0, float *f1) {
  float u1 = uint32_to_float(x0);
  if (u1 < 1.0e-7f) u1 = 1.0e-7f;
  const float v1 = (float)(2.0 * M_PI * (double)uint32_to_float(x1));
  const float u2 = sqrtf(-2.0f * logf(u1));
  sincosf(v1, f0, f1);
  *f0 *= u2;
  *f1 *= u2;
}

static TflStatus random_shape(TflContext *ctx, TflNode *node) {
  TflTensor *shape = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t v[TFL_MAX_RANK];
  int r = tfl_read_ints(shape, v, TFL_MAX_RANK);
  if (r < 0 || shape->rank > 1) return tfl_error(ctx, "%s: shape must be an int32/int64 vector", tfl_op_name(node->op));
  int32_t od[TFL_MAX_RANK];
  for (int i = 0; i < r; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX) return tfl_error(ctx, "%s: bad dimension %lld", tfl_op_name(node->op), (long long)v[i]);
    od[i] = (int32_t)v[i];
  }
  return tfl_resize(ctx, out, r, od);
}

static RandomData *seed_stream(TflNode *node) {
  RandomData *d = tfl_set_user_data(node, sizeof(RandomData));
  if (!d) return NULL;
  const TflRandomOptions o = tfl_RandomOptions(node);
  uint64_t seed = (uint64_t)o.seed, seed2 = (uint64_t)o.seed2;
  if (seed == 0 && seed2 == 0) { /* unseeded: a different stream per model, as TF and LiteRT */
    seed = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
    seed2 = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
  }
  d->key[0] = (uint32_t)seed;
  d->key[1] = (uint32_t)(seed >> 32);
  d->counter[2] = (uint32_t)seed2;
  d->counter[3] = (uint32_t)(seed2 >> 32);
  return d;
}

static TflStatus random_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *shape = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!shape || !out || out->type != TFL_FLOAT32 || !tfl_is_int_type(shape->type))
    return tfl_error(ctx, "%s: needs an int32/int64 shape and a float32 output", tfl_op_name(node->op));
  RandomData *d = seed_stream(node);
  if (!d) return tfl_error(ctx, "%s: out of memory", tfl_op_name(node->op));
  if (defer_shape(out, &d->dynamic, tfl_value_known(shape))) return TFL_OK;
  return random_shape(ctx, node);
}

static TflStatus random_eval(TflContext *ctx, TflNode *node) {
  RandomData *d = node->user_data;
  if (d->dynamic && random_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *out = tfl_output(ctx, node, 0);
  float *y = out->data;
  const int64_t n = tfl_num_elements(out);
  uint32_t block[4];
  float normal[4];
  for (int64_t i = 0; i < n; i += 4) {
    philox_block(d, block);
    if (node->op == TFL_OP_RANDOM_STANDARD_NORMAL) {
      box_muller(block[0], block[1], &normal[0], &normal[1]);
      box_muller(block[2], block[3], &normal[2], &normal[3]);
      for (int64_t j = 0; j < 4 && i + j < n; j++) y[i + j] = normal[j];
    } else {
      for (int64_t j = 0; j < 4 && i + j < n; j++) y[i + j] = uint32_to_float(block[j]);
    }
  }
  return TFL_OK;
}

/* ---- MULTINOMIAL ---- */
static TflStatus multinomial_shape(TflContext *ctx, TflNode *node) {
  TflTensor *logits = tfl_input(ctx, node, 0), *num = tfl_input(ctx, node, 1);
  const int32_t n = *(const int32_t *)num->data;
  if (n < 0) return tfl_error(ctx, "MULTINOMIAL: num_samples %d is negative", (int)n);
  const int32_t dims[2] = {logits->dims[0], n};
  return tfl_resize(ctx, tfl_output(ctx, node, 0), 2, dims);
}

static TflStatus multinomial_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *logits = tfl_input(ctx, node, 0), *num = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!logits || logits->type != TFL_FLOAT32 || logits->rank != 2)
    return tfl_error(ctx, "MULTINOMIAL: logits must be float32 [batch, classes]");
  if (!num || num->type != TFL_INT32 || num->rank != 0) return tfl_error(ctx, "MULTINOMIAL: num_samples must be an int32 scalar");
  if (!out || !tfl_is_int_type(out->type)) return tfl_error(ctx, "MULTINOMIAL: the output must be int32 or int64");
  if (logits->dims[1] <= 0) return tfl_error(ctx, "MULTINOMIAL: logits need at least one class");
  RandomData *d = seed_stream(node);
  if (!d) return tfl_error(ctx, "MULTINOMIAL: out of memory");
  if (defer_shape(out, &d->dynamic, tfl_value_known(num))) return TFL_OK;
  return multinomial_shape(ctx, node);
}

static TflStatus multinomial_eval(TflContext *ctx, TflNode *node) {
  RandomData *d = node->user_data;
  if (d->dynamic && multinomial_shape(ctx, node) != TFL_OK) return TFL_ERROR;
  TflTensor *logits_t = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int32_t batch = logits_t->dims[0], classes = logits_t->dims[1], samples = out->dims[1];
  RandomData draw = *d;
  /* TF's skip count is an int product; it wraps as LiteRT's does for huge outputs */
  const int32_t skip = (int32_t)((uint32_t)batch * (uint32_t)((samples + 3) / 4 * 4) * 2u * 256u);
  philox_skip(d, (uint64_t)(int64_t)skip);
  double *cdf = tfl_eval_scratch(ctx, sizeof(double) * (size_t)classes);
  if (!cdf) return tfl_error(ctx, "MULTINOMIAL: out of memory");
  uint32_t block[4];
  int used = 4;
  for (int32_t b = 0; b < batch; b++) {
    const float *row = (const float *)logits_t->data + (int64_t)b * classes;
    float max = -FLT_MAX;
    for (int32_t i = 0; i < classes; i++)
      if (isfinite(row[i]) && row[i] > max) max = row[i];
    double total = 0.0;
    for (int32_t i = 0; i < classes; i++) {
      if (isfinite(row[i])) total += exp((double)row[i] - (double)max);
      cdf[i] = total;
    }
    for (int32_t j = 0; j < samples; j++) {
      if (used == 4) {
        philox_block(&draw, block);
        used = 0;
      }
      const double target = uint64_to_double(block[used], block[used + 1]) * total;
      used += 2;
      int32_t lo = 0, hi = classes; /* upper_bound: the first running sum above target */
      while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (target < cdf[mid]) hi = mid;
        else lo = mid + 1;
      }
      const int64_t at = (int64_t)b * samples + j;
      if (out->type == TFL_INT64) ((int64_t *)out->data)[at] = lo;
      else ((int32_t *)out->data)[at] = lo;
    }
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_random[] = {
    {TFL_OP_MULTINOMIAL, "MULTINOMIAL", 1, 1, multinomial_prepare, multinomial_eval},
    {TFL_OP_RANDOM_UNIFORM, "RANDOM_UNIFORM", 1, 1, random_prepare, random_eval},
    {TFL_OP_RANDOM_STANDARD_NORMAL, "RANDOM_STANDARD_NORMAL", 1, 1, random_prepare, random_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
