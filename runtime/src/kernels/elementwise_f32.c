/* Broadcasting binary ops (float32, int32, int64), comparisons and logical ops (-> bool), PRELU, and unary math. */
#include "../cpu.h"
#include "common_f32.h"
#include "par_range.h"

static int is_compare(int op) {
  return op == TFL_OP_EQUAL || op == TFL_OP_NOT_EQUAL || op == TFL_OP_LESS || op == TFL_OP_LESS_EQUAL || op == TFL_OP_GREATER ||
         op == TFL_OP_GREATER_EQUAL;
}

/* Same-shape float ADD / SUB / MUL rows with the activation clamp in the same pass (one read of each input, one
 * write; the clamp pass after the op re-read and re-wrote the output), compiled per ISA level. Per element the same
 * operations as the two-pass loop: the op rounded to float, then v < lo ? lo : v, then v > hi ? hi : v. */
typedef void (*FusedRowFn)(int op, const float *a, const float *b, float *o, int64_t n, float lo, float hi);
#define FUSED_LOOP(OPX)                                                                                               \
  for (int64_t i = 0; i < n; i++) {                                                                                   \
    float v = a[i] OPX b[i];                                                                                          \
    v = v < lo ? lo : v;                                                                                              \
    o[i] = v > hi ? hi : v;                                                                                           \
  }
#define FUSED_BODY                                                                                                    \
  if (op == TFL_OP_ADD) {                                                                                             \
    FUSED_LOOP(+)                                                                                                     \
  } else if (op == TFL_OP_SUB) {                                                                                      \
    FUSED_LOOP(-)                                                                                                     \
  } else {                                                                                                            \
    FUSED_LOOP(*)                                                                                                     \
  }
__attribute__((optimize("fp-contract=off"))) static void fused_row(int op, const float *restrict a,
                                                                   const float *restrict b, float *restrict o,
                                                                   int64_t n, float lo, float hi) {
  FUSED_BODY
}
#if TFL_X86_CLONES
__attribute__((target("avx2"), optimize("fp-contract=off"))) static void fused_row_avx2(
    int op, const float *restrict a, const float *restrict b, float *restrict o, int64_t n, float lo, float hi) {
  FUSED_BODY
}
__attribute__((target("avx512f,avx512vl,avx2"), optimize("fp-contract=off"))) static void fused_row_avx512(
    int op, const float *restrict a, const float *restrict b, float *restrict o, int64_t n, float lo, float hi) {
  FUSED_BODY
}
#endif
#undef FUSED_BODY
#undef FUSED_LOOP

static FusedRowFn fused_kernel(void) {
#if TFL_X86_CLONES
  if (tfl_isa() >= TFL_ISA_AVX512) return fused_row_avx512;
  if (tfl_isa() >= TFL_ISA_AVX2) return fused_row_avx2;
#endif
  return fused_row;
}

/* The residual ADD run inside the node before it (tfl_take_fused_add): the rows above, in place on the output. */
typedef void (*AddInPlaceFn)(float *c, const float *r, int64_t n, float lo, float hi, int r_first);
#define ADD_IN_PLACE(X, Y)                                                                                           \
  for (int64_t i = 0; i < n; i++) {                                                                                   \
    float v = X[i] + Y[i];                                                                                            \
    v = v < lo ? lo : v;                                                                                              \
    c[i] = v > hi ? hi : v;                                                                                           \
  }
#define ADD_IN_PLACE_BODY                                                                                             \
  if (r_first) {                                                                                                      \
    ADD_IN_PLACE(r, c)                                                                                                \
  } else {                                                                                                            \
    ADD_IN_PLACE(c, r)                                                                                                \
  }
__attribute__((optimize("fp-contract=off"))) static void add_in_place(float *restrict c, const float *restrict r,
                                                                      int64_t n, float lo, float hi, int r_first) {
  ADD_IN_PLACE_BODY
}
#if TFL_X86_CLONES
__attribute__((target("avx2"), optimize("fp-contract=off"))) static void add_in_place_avx2(
    float *restrict c, const float *restrict r, int64_t n, float lo, float hi, int r_first) {
  ADD_IN_PLACE_BODY
}
__attribute__((target("avx512f,avx512vl,avx2"), optimize("fp-contract=off"))) static void add_in_place_avx512(
    float *restrict c, const float *restrict r, int64_t n, float lo, float hi, int r_first) {
  ADD_IN_PLACE_BODY
}
#endif
#undef ADD_IN_PLACE_BODY
#undef ADD_IN_PLACE

void tfl_fused_add_run(const TflFusedAdd *fa, int64_t off, int64_t n) {
  AddInPlaceFn fn = add_in_place;
#if TFL_X86_CLONES
  if (tfl_isa() >= TFL_ISA_AVX512) fn = add_in_place_avx512;
  else if (tfl_isa() >= TFL_ISA_AVX2) fn = add_in_place_avx2;
#endif
  fn(fa->out + off, fa->r + off, n, fa->lo, fa->hi, fa->r_first);
}

typedef struct {
  int op, type, act;
  float lo, hi;
  FusedRowFn fused; /* float ADD / SUB / MUL: same-shape rows (chosen at prepare for the ISA level) */
  TflBcast plan;
  /* set per eval */
  const void *a, *b;
  void *o;
  int err; /* integer division by zero */
} BinData;

/* Row loop with the three stride patterns the broadcast plan produces specialised so gcc can vectorize. */
#define BIN_LOOP(TA, TO, EXPR)                                                  \
  do {                                                                        \
    const TA *restrict A_ = (const TA *)d->a + oa;                            \
    const TA *restrict B_ = (const TA *)d->b + ob;                            \
    TO *restrict O_ = (TO *)d->o + oo;                                        \
    if (sa == 1 && sb == 1) {                                                 \
      for (int64_t i = 0; i < n; i++) {                                       \
        TA x = A_[i], y = B_[i];                                              \
        O_[i] = (EXPR);                                                       \
      }                                                                       \
    } else if (sa == 1) {                                                     \
      const TA y = B_[0];                                                     \
      for (int64_t i = 0; i < n; i++) {                                       \
        TA x = A_[i];                                                         \
        O_[i] = (EXPR);                                                       \
      }                                                                       \
    } else if (sb == 1) {                                                     \
      const TA x = A_[0];                                                     \
      for (int64_t i = 0; i < n; i++) {                                       \
        TA y = B_[i];                                                         \
        O_[i] = (EXPR);                                                       \
      }                                                                       \
    } else {                                                                  \
      const TA x = A_[0], y = B_[0];                                          \
      const TO v = (EXPR);                                                    \
      for (int64_t i = 0; i < n; i++) O_[i] = v;                              \
    }                                                                         \
  } while (0)

static float f_floor_mod(float x, float y) {
  float m = fmodf(x, y);
  if (m != 0 && ((y < 0) != (m < 0))) m += y;
  return m;
}
#define INT_FLOOR_DIV(x, y) ((y) == 0 ? 0 : (((x) % (y) != 0 && (((x) < 0) != ((y) < 0))) ? (x) / (y) - 1 : (x) / (y)))
#define INT_FLOOR_MOD(x, y) ((y) == 0 ? 0 : ((((x) % (y)) != 0 && ((((x) % (y)) < 0) != ((y) < 0))) ? (x) % (y) + (y) : (x) % (y)))

static int32_t ipow32(int32_t x, int32_t y) {
  int32_t r = 1;
  for (int32_t i = 0; i < y; i++) r *= x;
  return r;
}
static int64_t ipow64(int64_t x, int64_t y) {
  int64_t r = 1;
  for (int64_t i = 0; i < y; i++) r *= x;
  return r;
}

static void bin_row_f32(void *p, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb) {
  BinData *d = p;
  if (d->fused && sa == 1 && sb == 1) {
    d->fused(d->op, (const float *)d->a + oa, (const float *)d->b + ob, (float *)d->o + oo, n, d->lo, d->hi);
    return;
  }
  switch (d->op) {
    case TFL_OP_ADD: BIN_LOOP(float, float, x + y); break;
    case TFL_OP_SUB: BIN_LOOP(float, float, x - y); break;
    case TFL_OP_MUL: BIN_LOOP(float, float, x * y); break;
    case TFL_OP_DIV: BIN_LOOP(float, float, x / y); break;
    case TFL_OP_MAXIMUM: BIN_LOOP(float, float, x > y ? x : y); break;
    case TFL_OP_MINIMUM: BIN_LOOP(float, float, x < y ? x : y); break;
    case TFL_OP_SQUARED_DIFFERENCE: BIN_LOOP(float, float, (x - y) * (x - y)); break;
    case TFL_OP_POW: BIN_LOOP(float, float, powf(x, y)); break;
    case TFL_OP_FLOOR_DIV: BIN_LOOP(float, float, floorf(x / y)); break;
    case TFL_OP_FLOOR_MOD: BIN_LOOP(float, float, f_floor_mod(x, y)); break;
    case TFL_OP_PRELU: BIN_LOOP(float, float, x >= 0 ? x : x * y); break;
    case TFL_OP_ATAN2: BIN_LOOP(float, float, atan2f(x, y)); break; /* inputs are (y, x) */
    case TFL_OP_EQUAL: BIN_LOOP(float, uint8_t, x == y); break;
    case TFL_OP_NOT_EQUAL: BIN_LOOP(float, uint8_t, x != y); break;
    case TFL_OP_LESS: BIN_LOOP(float, uint8_t, x < y); break;
    case TFL_OP_LESS_EQUAL: BIN_LOOP(float, uint8_t, x <= y); break;
    case TFL_OP_GREATER: BIN_LOOP(float, uint8_t, x > y); break;
    case TFL_OP_GREATER_EQUAL: BIN_LOOP(float, uint8_t, x >= y); break;
  }
  if (d->act != TFL_ACT_NONE && !is_compare(d->op)) {
    float *o = (float *)d->o + oo;
    float lo = d->lo, hi = d->hi;
    for (int64_t i = 0; i < n; i++) {
      float v = o[i] < lo ? lo : o[i];
      o[i] = v > hi ? hi : v;
    }
  }
}

#define INT_ROW(NAME, T, IPOW)                                                                          \
  static void NAME(void *p, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb) {     \
    BinData *d = p;                                                                                     \
    if (d->op == TFL_OP_DIV || d->op == TFL_OP_FLOOR_DIV || d->op == TFL_OP_FLOOR_MOD) {                            \
      const T *B = (const T *)d->b + ob;                                                                \
      for (int64_t i = 0; i < n; i++)                                                                   \
        if (B[i * sb] == 0) d->err = 1;                                                                 \
    }                                                                                                   \
    switch (d->op) {                                                                                    \
      case TFL_OP_ADD: BIN_LOOP(T, T, (T)((uint64_t)x + (uint64_t)y)); break;                               \
      case TFL_OP_SUB: BIN_LOOP(T, T, (T)((uint64_t)x - (uint64_t)y)); break;                               \
      case TFL_OP_MUL: BIN_LOOP(T, T, (T)((uint64_t)x * (uint64_t)y)); break;                               \
      case TFL_OP_DIV: BIN_LOOP(T, T, y == 0 ? 0 : x / y); break;                                           \
      case TFL_OP_MAXIMUM: BIN_LOOP(T, T, x > y ? x : y); break;                                            \
      case TFL_OP_MINIMUM: BIN_LOOP(T, T, x < y ? x : y); break;                                            \
      case TFL_OP_SQUARED_DIFFERENCE: BIN_LOOP(T, T, (x - y) * (x - y)); break;                             \
      case TFL_OP_POW: BIN_LOOP(T, T, IPOW(x, y)); break;                                                   \
      case TFL_OP_FLOOR_DIV: BIN_LOOP(T, T, INT_FLOOR_DIV(x, y)); break;                                    \
      case TFL_OP_FLOOR_MOD: BIN_LOOP(T, T, INT_FLOOR_MOD(x, y)); break;                                    \
      case TFL_OP_EQUAL: BIN_LOOP(T, uint8_t, x == y); break;                                               \
      case TFL_OP_NOT_EQUAL: BIN_LOOP(T, uint8_t, x != y); break;                                           \
      case TFL_OP_LESS: BIN_LOOP(T, uint8_t, x < y); break;                                                 \
      case TFL_OP_LESS_EQUAL: BIN_LOOP(T, uint8_t, x <= y); break;                                          \
      case TFL_OP_GREATER: BIN_LOOP(T, uint8_t, x > y); break;                                              \
      case TFL_OP_GREATER_EQUAL: BIN_LOOP(T, uint8_t, x >= y); break;                                       \
    }                                                                                                   \
  }
INT_ROW(bin_row_i32, int32_t, ipow32)
INT_ROW(bin_row_i64, int64_t, ipow64)

static void bin_row_bool(void *p, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb) {
  BinData *d = p;
  switch (d->op) {
    case TFL_OP_LOGICAL_AND: BIN_LOOP(uint8_t, uint8_t, (x != 0) & (y != 0)); break;
    case TFL_OP_LOGICAL_OR: BIN_LOOP(uint8_t, uint8_t, (x != 0) | (y != 0)); break;
    case TFL_OP_EQUAL: BIN_LOOP(uint8_t, uint8_t, (x != 0) == (y != 0)); break;
    case TFL_OP_NOT_EQUAL: BIN_LOOP(uint8_t, uint8_t, (x != 0) != (y != 0)); break;
  }
}

static TflStatus bin_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!a || !b || !out) return tfl_error(ctx, "%s: needs two inputs and one output", name);
  int op = node->op, t = a->type;
  int logical = op == TFL_OP_LOGICAL_AND || op == TFL_OP_LOGICAL_OR;
  if (logical) {
    if (t != TFL_BOOL) return tfl_error(ctx, "%s: inputs must be bool", name);
  } else if (t == TFL_BOOL && (op == TFL_OP_EQUAL || op == TFL_OP_NOT_EQUAL)) {
  } else if (t != TFL_FLOAT32 && t != TFL_INT32 && t != TFL_INT64) {
    return TFL_NOT_MINE;
  }
  if (b->type != t) return tfl_error(ctx, "%s: input types differ (%d vs %d)", name, a->type, b->type);
  if (t != TFL_FLOAT32 && (op == TFL_OP_PRELU || op == TFL_OP_ATAN2)) return TFL_NOT_MINE;
  int want_out = (is_compare(op) || logical) ? TFL_BOOL : t;
  if (out->type != want_out) return tfl_error(ctx, "%s: output type %d, expected %d", name, out->type, want_out);
  BinData *d = tfl_set_user_data(node, sizeof(BinData));
  d->op = op;
  d->type = t;
  d->act = tfl_arith_activation(node);
  if (d->act >= TFL_ACT_TANH) return tfl_error(ctx, "%s: unsupported fused activation %d", name, d->act);
  if (t != TFL_FLOAT32 && d->act != TFL_ACT_NONE) return tfl_error(ctx, "%s: fused activation on integer tensors unsupported", name);
  tfl_activation_range_f32(d->act, &d->lo, &d->hi);
  if (t == TFL_FLOAT32 && (op == TFL_OP_ADD || op == TFL_OP_SUB || op == TFL_OP_MUL)) d->fused = fused_kernel();
  int32_t od[TFL_MAX_RANK];
  if (a->rank > 6 || b->rank > 6) return tfl_error(ctx, "%s: rank above 6 unsupported", name);
  int r = tfl_broadcast_shape(a, b, od);
  if (r < 0) return tfl_error(ctx, "%s: shapes do not broadcast", name);
  if (op == TFL_OP_PRELU) {
    /* alpha broadcasts into the input's shape */
    if (r != a->rank) return tfl_error(ctx, "PRELU: alpha rank exceeds input rank");
    for (int i = 0; i < r; i++)
      if (od[i] != a->dims[i]) return tfl_error(ctx, "PRELU: alpha does not broadcast to the input shape");
  }
  tfl_bcast_plan(a, b, od, r, &d->plan);
  return tfl_resize(ctx, out, r, od);
}

/* Output elements [b, e) of a broadcast plan: the same row calls as tfl_bcast_run, cut at b and e. */
typedef struct {
  const TflBcast *plan;
  TflBcastRowFn fn;
  void *d;
} BinRange;

static void bin_range(void *arg, int64_t b, int64_t e) {
  const BinRange *br = arg;
  const TflBcast *p = br->plan;
  const int r = p->rank;
  const int64_t inner = p->dims[r - 1];
  int64_t o = b / inner, i = b % inner;
  while (b < e) {
    int64_t oa = 0, ob = 0, rem = o;
    for (int k = r - 2; k >= 0; k--) {
      int64_t idx = rem % p->dims[k];
      rem /= p->dims[k];
      oa += idx * p->sa[k];
      ob += idx * p->sb[k];
    }
    int64_t n = inner - i < e - b ? inner - i : e - b;
    br->fn(br->d, oa + i * p->sa[r - 1], ob + i * p->sb[r - 1], b, n, p->sa[r - 1], p->sb[r - 1]);
    b += n;
    o++;
    i = 0;
  }
}

static TflStatus bin_eval(TflContext *ctx, TflNode *node) {
  BinData *d = node->user_data;
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (tfl_num_elements(out) == 0) return TFL_OK;
  d->a = a->data;
  d->b = b->data;
  d->o = out->data;
  d->err = 0;
  TflBcastRowFn fn = d->type == TFL_FLOAT32 ? bin_row_f32
                     : d->type == TFL_INT32 ? bin_row_i32
                     : d->type == TFL_INT64 ? bin_row_i64
                                            : bin_row_bool;
  int64_t total = tfl_num_elements(out);
  if (d->type == TFL_FLOAT32 && tfl_num_threads(ctx) > 1 && total >= 2 * TFL_MIN_RANGE_WORK) {
    /* large float ops split by output ranges (integer ops stay serial: division by zero sets d->err) */
    BinRange br = {&d->plan, fn, d};
    tfl_parallel_range(ctx, total, d->op == TFL_OP_POW || d->op == TFL_OP_ATAN2 ? 16.0 : 1.0, TFL_RANGE_ALIGN,
                       bin_range, &br);
  } else {
    tfl_bcast_run(&d->plan, fn, d);
  }
  if (d->err) return tfl_error(ctx, "%s: integer division by zero", tfl_op_name(d->op));
  return TFL_OK;
}

static TflStatus bin_prepare(TflContext *ctx, TflNode *node) {
  TflStatus st = bin_prepare_(ctx, node);
  return st == TFL_OK ? tfl_try_fold(ctx, node, bin_eval) : st;
}

/* -------------------------------------------------------------------------------------------------- unary */

static TflStatus un_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "unary op %d: missing input or output", node->op);
  int op = node->op;
  if (op == TFL_OP_LOGICAL_NOT) {
    if (in->type != TFL_BOOL) return tfl_error(ctx, "LOGICAL_NOT: input must be bool");
  } else if (in->type == TFL_FLOAT32) {
  } else if ((in->type == TFL_INT32 || in->type == TFL_INT64) &&
             (op == TFL_OP_ABS || op == TFL_OP_NEG || op == TFL_OP_SQUARE || op == TFL_OP_SIGN)) {
  } else {
    return TFL_NOT_MINE;
  }
  if (out->type != in->type) return tfl_error(ctx, "unary op %d: output type differs from input", op);
  return tfl_resize(ctx, out, in->rank, in->dims);
}

#define UN_LOOP(T, EXPR)                                  \
  do {                                                    \
    const T *restrict X_ = (const T *)in->data + b0;      \
    T *restrict O_ = (T *)out->data + b0;                 \
    for (int64_t i = 0; i < n; i++) {                     \
      T x = X_[i];                                        \
      O_[i] = (EXPR);                                     \
    }                                                     \
  } while (0)

typedef struct {
  const TflTensor *in;
  TflTensor *out;
  int op;
} UnRange;

static void un_range_f32(void *arg, int64_t b0, int64_t e) {
  const UnRange *u = arg;
  const TflTensor *in = u->in;
  TflTensor *out = u->out;
  const int64_t n = e - b0;
  switch (u->op) {
    case TFL_OP_RSQRT: UN_LOOP(float, 1.0f / sqrtf(x)); break;
    case TFL_OP_SQRT: UN_LOOP(float, sqrtf(x)); break;
    case TFL_OP_SQUARE: UN_LOOP(float, x * x); break;
    case TFL_OP_EXP: UN_LOOP(float, expf(x)); break;
    case TFL_OP_LOG: UN_LOOP(float, logf(x)); break;
    case TFL_OP_ABS: UN_LOOP(float, fabsf(x)); break;
    case TFL_OP_NEG: UN_LOOP(float, -x); break;
    case TFL_OP_SIN: UN_LOOP(float, sinf(x)); break;
    case TFL_OP_COS: UN_LOOP(float, cosf(x)); break;
    case TFL_OP_FLOOR: UN_LOOP(float, floorf(x)); break;
    case TFL_OP_CEIL: UN_LOOP(float, ceilf(x)); break;
    case TFL_OP_ROUND: UN_LOOP(float, nearbyintf(x)); break;
    case TFL_OP_SIGN: UN_LOOP(float, (float)((x > 0) - (x < 0))); break;
  }
}

static TflStatus un_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  const int64_t b0 = 0;
  int op = node->op;
  if (op == TFL_OP_LOGICAL_NOT) {
    UN_LOOP(uint8_t, x == 0);
    return TFL_OK;
  }
  if (in->type == TFL_INT32) {
    switch (op) {
      case TFL_OP_ABS: UN_LOOP(int32_t, x < 0 ? -x : x); break;
      case TFL_OP_NEG: UN_LOOP(int32_t, -x); break;
      case TFL_OP_SQUARE: UN_LOOP(int32_t, x * x); break;
      case TFL_OP_SIGN: UN_LOOP(int32_t, (x > 0) - (x < 0)); break;
    }
    return TFL_OK;
  }
  if (in->type == TFL_INT64) {
    switch (op) {
      case TFL_OP_ABS: UN_LOOP(int64_t, x < 0 ? -x : x); break;
      case TFL_OP_NEG: UN_LOOP(int64_t, -x); break;
      case TFL_OP_SQUARE: UN_LOOP(int64_t, x * x); break;
      case TFL_OP_SIGN: UN_LOOP(int64_t, (x > 0) - (x < 0)); break;
    }
    return TFL_OK;
  }
  UnRange u = {in, out, op};
  int cheap = op == TFL_OP_SQUARE || op == TFL_OP_ABS || op == TFL_OP_NEG || op == TFL_OP_SIGN;
  tfl_parallel_range(ctx, n, cheap ? 1.0 : 16.0, TFL_RANGE_ALIGN, un_range_f32, &u);
  return TFL_OK;
}

#define BIN(OP, NAME, MINV, MAXV) {OP, NAME, MINV, MAXV, bin_prepare, bin_eval}
#define UN(OP, NAME, MINV, MAXV) {OP, NAME, MINV, MAXV, un_prepare, un_eval}
const TflKernel tfl_kernels_elementwise_f32[] = {
    BIN(TFL_OP_ADD, "ADD", 1, 5), BIN(TFL_OP_SUB, "SUB", 1, 5), BIN(TFL_OP_MUL, "MUL", 1, 7), BIN(TFL_OP_DIV, "DIV", 1, 2),
    BIN(TFL_OP_MAXIMUM, "MAXIMUM", 1, 4), BIN(TFL_OP_MINIMUM, "MINIMUM", 1, 4), BIN(TFL_OP_SQUARED_DIFFERENCE, "SQUARED_DIFFERENCE", 1, 2),
    BIN(TFL_OP_POW, "POW", 1, 1), BIN(TFL_OP_FLOOR_DIV, "FLOOR_DIV", 1, 3), BIN(TFL_OP_FLOOR_MOD, "FLOOR_MOD", 1, 2), BIN(TFL_OP_PRELU, "PRELU", 1, 1),
    BIN(TFL_OP_ATAN2, "ATAN2", 1, 1), BIN(TFL_OP_EQUAL, "EQUAL", 1, 4), BIN(TFL_OP_NOT_EQUAL, "NOT_EQUAL", 1, 3), BIN(TFL_OP_LESS, "LESS", 1, 3), BIN(TFL_OP_LESS_EQUAL, "LESS_EQUAL", 1, 2),
    BIN(TFL_OP_GREATER, "GREATER", 1, 2), BIN(TFL_OP_GREATER_EQUAL, "GREATER_EQUAL", 1, 3), BIN(TFL_OP_LOGICAL_AND, "LOGICAL_AND", 1, 1),
    BIN(TFL_OP_LOGICAL_OR, "LOGICAL_OR", 1, 1),
    UN(TFL_OP_LOGICAL_NOT, "LOGICAL_NOT", 1, 1), UN(TFL_OP_RSQRT, "RSQRT", 1, 3), UN(TFL_OP_SQRT, "SQRT", 1, 2), UN(TFL_OP_SQUARE, "SQUARE", 1, 1),
    UN(TFL_OP_EXP, "EXP", 1, 2), UN(TFL_OP_LOG, "LOG", 1, 2), UN(TFL_OP_ABS, "ABS", 1, 5), UN(TFL_OP_NEG, "NEG", 1, 1), UN(TFL_OP_SIN, "SIN", 1, 1), UN(TFL_OP_COS, "COS", 1, 1),
    UN(TFL_OP_FLOOR, "FLOOR", 1, 1), UN(TFL_OP_CEIL, "CEIL", 1, 1), UN(TFL_OP_ROUND, "ROUND", 1, 1), UN(TFL_OP_SIGN, "SIGN", 1, 2),
    {0, NULL, 0, 0, NULL, NULL},
};
