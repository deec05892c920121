/* RANDOM_UNIFORM and RANDOM_STANDARD_NORMAL (LiteRT's random_ops.cc): float32 from TensorFlow's Philox4x32-10 keyed
 * by the op's seeds (key = seed, counter high half = seed2; both 0: a fresh seed). Uniform: each 32-bit draw's low
 * 23 bits made the mantissa of a float in [1, 2), minus 1. Normal: Box-Muller on pairs of such uniforms
 * (u1 >= 1e-7; sin and cos of 2 pi u2 scaled by sqrt(-2 log u1)). Every block of 4 draws is used from its start,
 * the rest of the last block dropped, and the stream continues on the next invocation. The state lives in the node's data, so it restarts
 * when the node is prepared again (LiteRT keeps it from Init). */
#define _GNU_SOURCE /* sincosf, as TensorFlow's Box-Muller on Linux */
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

static TflStatus random_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *shape = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!shape || !out || out->type != TFL_FLOAT32 || !tfl_is_int_type(shape->type))
    return tfl_error(ctx, "%s: needs an int32/int64 shape and a float32 output", tfl_op_name(node->op));
  RandomData *d = tfl_set_user_data(node, sizeof(RandomData));
  if (!d) return tfl_error(ctx, "%s: out of memory", tfl_op_name(node->op));
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

const TflKernel tfl_kernels_random[] = {
    {TFL_OP_RANDOM_UNIFORM, "RANDOM_UNIFORM", 1, 1, random_prepare, random_eval},
    {TFL_OP_RANDOM_STANDARD_NORMAL, "RANDOM_STANDARD_NORMAL", 1, 1, random_prepare, random_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
