/* BITWISE_XOR and RIGHT_SHIFT: integers of one kind (int8/16/32, uint8/16/32), numpy broadcasting (LiteRT's
 * bitwise_xor.cc / right_shift.cc). A shift count is clamped to [0, bits - 1] as LiteRT's kernel does, so no count is
 * undefined behaviour; a signed value shifts arithmetically. */
#include "shape_common.h"

typedef struct {
  TflBcast plan;
  int32_t op, type;
} BitwiseData;

typedef struct {
  const void *a, *b;
  void *o;
  int32_t op, type;
} BitwiseRun;

static inline int shift_count(int64_t y, int max) { return y < 0 ? 0 : y > max ? max : (int)y; }
#define SHIFT(T, x, y) ((T)((x) >> shift_count((int64_t)(y), (int)(sizeof(T) * 8 - 1))))
#define BITWISE_ROW(T)                                                                   \
  {                                                                                      \
    const T *a = (const T *)r->a + oa, *b = (const T *)r->b + ob;                        \
    T *o = (T *)r->o + oo;                                                               \
    if (r->op == TFL_OP_BITWISE_XOR)                                                     \
      for (int64_t i = 0; i < n; i++) o[i] = (T)(a[i * sa] ^ b[i * sb]);                 \
    else                                                                                 \
      for (int64_t i = 0; i < n; i++) o[i] = SHIFT(T, a[i * sa], b[i * sb]);             \
    return;                                                                              \
  }

static void bitwise_row(void *p, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb) {
  const BitwiseRun *r = p;
  switch (r->type) {
    case TFL_INT8: BITWISE_ROW(int8_t)
    case TFL_UINT8: BITWISE_ROW(uint8_t)
    case TFL_INT16: BITWISE_ROW(int16_t)
    case TFL_UINT16: BITWISE_ROW(uint16_t)
    case TFL_INT32: BITWISE_ROW(int32_t)
    default: BITWISE_ROW(uint32_t)
  }
}
#undef BITWISE_ROW
#undef SHIFT

static TflStatus bitwise_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  const char *name = tfl_op_name(node->op);
  if (!a || !b || !out) return tfl_error(ctx, "%s: needs two inputs and an output", name);
  switch (a->type) {
    case TFL_INT8: case TFL_UINT8: case TFL_INT16: case TFL_UINT16: case TFL_INT32: case TFL_UINT32: break;
    default: return tfl_error(ctx, "%s: unsupported type %s", name, tfl_type_name(a->type));
  }
  if (b->type != a->type || out->type != a->type) return tfl_error(ctx, "%s: operands and output must share one type", name);
  int32_t od[TFL_MAX_RANK];
  int r = tfl_broadcast_shape(a, b, od);
  if (r < 0) return tfl_error(ctx, "%s: shapes do not broadcast", name);
  BitwiseData *d = tfl_set_user_data(node, sizeof(BitwiseData));
  d->op = node->op;
  d->type = a->type;
  if (r == 0) od[0] = 1;
  tfl_bcast_plan(a, b, od, r ? r : 1, &d->plan);
  return tfl_resize(ctx, out, r, od);
}

static TflStatus bitwise_eval(TflContext *ctx, TflNode *node) {
  const BitwiseData *d = node->user_data;
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (tfl_num_elements(out) == 0) return TFL_OK;
  BitwiseRun run = {a->data, b->data, out->data, d->op, d->type};
  tfl_bcast_run(&d->plan, bitwise_row, &run);
  return TFL_OK;
}

const TflKernel tfl_kernels_bitwise[] = {
    {TFL_OP_BITWISE_XOR, "BITWISE_XOR", 1, 1, bitwise_prepare, bitwise_eval},
    {TFL_OP_RIGHT_SHIFT, "RIGHT_SHIFT", 1, 1, bitwise_prepare, bitwise_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
