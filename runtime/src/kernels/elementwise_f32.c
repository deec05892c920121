/* Broadcasting binary ops (float32, int32, int64), comparisons and logical ops (-> bool), PRELU, and unary math. */
#include "common_f32.h"

enum {
  OP_ADD = 0, OP_SUB = 41, OP_MUL = 18, OP_DIV = 42, OP_MAXIMUM = 55, OP_MINIMUM = 57, OP_SQUARED_DIFFERENCE = 99,
  OP_POW = 78, OP_FLOOR_DIV = 90, OP_FLOOR_MOD = 95, OP_PRELU = 54, OP_ATAN2 = 156,
  OP_EQUAL = 71, OP_NOT_EQUAL = 72, OP_LESS = 58, OP_LESS_EQUAL = 63, OP_GREATER = 61, OP_GREATER_EQUAL = 62,
  OP_LOGICAL_AND = 86, OP_LOGICAL_OR = 84, OP_LOGICAL_NOT = 87,
  OP_RSQRT = 76, OP_SQRT = 75, OP_SQUARE = 92, OP_EXP = 47, OP_LOG = 73, OP_ABS = 101, OP_NEG = 59, OP_SIN = 66,
  OP_COS = 108, OP_FLOOR = 8, OP_CEIL = 104, OP_SIGN = 158, OP_ROUND = 116
};

static const char *op_name(int op) {
  switch (op) {
    case OP_ADD: return "ADD";
    case OP_SUB: return "SUB";
    case OP_MUL: return "MUL";
    case OP_DIV: return "DIV";
    case OP_MAXIMUM: return "MAXIMUM";
    case OP_MINIMUM: return "MINIMUM";
    case OP_SQUARED_DIFFERENCE: return "SQUARED_DIFFERENCE";
    case OP_POW: return "POW";
    case OP_FLOOR_DIV: return "FLOOR_DIV";
    case OP_FLOOR_MOD: return "FLOOR_MOD";
    case OP_PRELU: return "PRELU";
    case OP_ATAN2: return "ATAN2";
    case OP_EQUAL: return "EQUAL";
    case OP_NOT_EQUAL: return "NOT_EQUAL";
    case OP_LESS: return "LESS";
    case OP_LESS_EQUAL: return "LESS_EQUAL";
    case OP_GREATER: return "GREATER";
    case OP_GREATER_EQUAL: return "GREATER_EQUAL";
    case OP_LOGICAL_AND: return "LOGICAL_AND";
    case OP_LOGICAL_OR: return "LOGICAL_OR";
    default: return "elementwise op";
  }
}

static int is_compare(int op) {
  return op == OP_EQUAL || op == OP_NOT_EQUAL || op == OP_LESS || op == OP_LESS_EQUAL || op == OP_GREATER ||
         op == OP_GREATER_EQUAL;
}

typedef struct {
  int op, type, act;
  float lo, hi;
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
  switch (d->op) {
    case OP_ADD: BIN_LOOP(float, float, x + y); break;
    case OP_SUB: BIN_LOOP(float, float, x - y); break;
    case OP_MUL: BIN_LOOP(float, float, x * y); break;
    case OP_DIV: BIN_LOOP(float, float, x / y); break;
    case OP_MAXIMUM: BIN_LOOP(float, float, x > y ? x : y); break;
    case OP_MINIMUM: BIN_LOOP(float, float, x < y ? x : y); break;
    case OP_SQUARED_DIFFERENCE: BIN_LOOP(float, float, (x - y) * (x - y)); break;
    case OP_POW: BIN_LOOP(float, float, powf(x, y)); break;
    case OP_FLOOR_DIV: BIN_LOOP(float, float, floorf(x / y)); break;
    case OP_FLOOR_MOD: BIN_LOOP(float, float, f_floor_mod(x, y)); break;
    case OP_PRELU: BIN_LOOP(float, float, x >= 0 ? x : x * y); break;
    case OP_ATAN2: BIN_LOOP(float, float, atan2f(x, y)); break; /* inputs are (y, x) */
    case OP_EQUAL: BIN_LOOP(float, uint8_t, x == y); break;
    case OP_NOT_EQUAL: BIN_LOOP(float, uint8_t, x != y); break;
    case OP_LESS: BIN_LOOP(float, uint8_t, x < y); break;
    case OP_LESS_EQUAL: BIN_LOOP(float, uint8_t, x <= y); break;
    case OP_GREATER: BIN_LOOP(float, uint8_t, x > y); break;
    case OP_GREATER_EQUAL: BIN_LOOP(float, uint8_t, x >= y); break;
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
    if (d->op == OP_DIV || d->op == OP_FLOOR_DIV || d->op == OP_FLOOR_MOD) {                            \
      const T *B = (const T *)d->b + ob;                                                                \
      for (int64_t i = 0; i < n; i++)                                                                   \
        if (B[i * sb] == 0) d->err = 1;                                                                 \
    }                                                                                                   \
    switch (d->op) {                                                                                    \
      case OP_ADD: BIN_LOOP(T, T, (T)((uint64_t)x + (uint64_t)y)); break;                               \
      case OP_SUB: BIN_LOOP(T, T, (T)((uint64_t)x - (uint64_t)y)); break;                               \
      case OP_MUL: BIN_LOOP(T, T, (T)((uint64_t)x * (uint64_t)y)); break;                               \
      case OP_DIV: BIN_LOOP(T, T, y == 0 ? 0 : x / y); break;                                           \
      case OP_MAXIMUM: BIN_LOOP(T, T, x > y ? x : y); break;                                            \
      case OP_MINIMUM: BIN_LOOP(T, T, x < y ? x : y); break;                                            \
      case OP_SQUARED_DIFFERENCE: BIN_LOOP(T, T, (x - y) * (x - y)); break;                             \
      case OP_POW: BIN_LOOP(T, T, IPOW(x, y)); break;                                                   \
      case OP_FLOOR_DIV: BIN_LOOP(T, T, INT_FLOOR_DIV(x, y)); break;                                    \
      case OP_FLOOR_MOD: BIN_LOOP(T, T, INT_FLOOR_MOD(x, y)); break;                                    \
      case OP_EQUAL: BIN_LOOP(T, uint8_t, x == y); break;                                               \
      case OP_NOT_EQUAL: BIN_LOOP(T, uint8_t, x != y); break;                                           \
      case OP_LESS: BIN_LOOP(T, uint8_t, x < y); break;                                                 \
      case OP_LESS_EQUAL: BIN_LOOP(T, uint8_t, x <= y); break;                                          \
      case OP_GREATER: BIN_LOOP(T, uint8_t, x > y); break;                                              \
      case OP_GREATER_EQUAL: BIN_LOOP(T, uint8_t, x >= y); break;                                       \
    }                                                                                                   \
  }
INT_ROW(bin_row_i32, int32_t, ipow32)
INT_ROW(bin_row_i64, int64_t, ipow64)

static void bin_row_bool(void *p, int64_t oa, int64_t ob, int64_t oo, int64_t n, int64_t sa, int64_t sb) {
  BinData *d = p;
  switch (d->op) {
    case OP_LOGICAL_AND: BIN_LOOP(uint8_t, uint8_t, (x != 0) & (y != 0)); break;
    case OP_LOGICAL_OR: BIN_LOOP(uint8_t, uint8_t, (x != 0) | (y != 0)); break;
    case OP_EQUAL: BIN_LOOP(uint8_t, uint8_t, (x != 0) == (y != 0)); break;
    case OP_NOT_EQUAL: BIN_LOOP(uint8_t, uint8_t, (x != 0) != (y != 0)); break;
  }
}

static TflStatus bin_prepare_(TflContext *ctx, TflNode *node) {
  const char *name = op_name(node->op);
  TflTensor *a = tfl_input(ctx, node, 0), *b = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!a || !b || !out) return tfl_error(ctx, "%s: needs two inputs and one output", name);
  int op = node->op, t = a->type;
  int logical = op == OP_LOGICAL_AND || op == OP_LOGICAL_OR;
  if (logical) {
    if (t != TFL_BOOL) return tfl_error(ctx, "%s: inputs must be bool", name);
  } else if (t == TFL_BOOL && (op == OP_EQUAL || op == OP_NOT_EQUAL)) {
  } else if (t != TFL_FLOAT32 && t != TFL_INT32 && t != TFL_INT64) {
    return TFL_NOT_MINE;
  }
  if (b->type != t) return tfl_error(ctx, "%s: input types differ (%d vs %d)", name, a->type, b->type);
  if (t != TFL_FLOAT32 && (op == OP_PRELU || op == OP_ATAN2)) return TFL_NOT_MINE;
  int want_out = (is_compare(op) || logical) ? TFL_BOOL : t;
  if (out->type != want_out) return tfl_error(ctx, "%s: output type %d, expected %d", name, out->type, want_out);
  BinData *d = tfl_set_user_data(node, sizeof(BinData));
  d->op = op;
  d->type = t;
  d->act = (op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV) ? tfl_opt_int(node, 0, 0) : 0;
  if (d->act >= TFL_ACT_TANH) return tfl_error(ctx, "%s: unsupported fused activation %d", name, d->act);
  if (t != TFL_FLOAT32 && d->act != TFL_ACT_NONE) return tfl_error(ctx, "%s: fused activation on integer tensors unsupported", name);
  tfl_activation_range_f32(d->act, &d->lo, &d->hi);
  int32_t od[TFL_MAX_RANK];
  if (a->rank > 6 || b->rank > 6) return tfl_error(ctx, "%s: rank above 6 unsupported", name);
  int r = tfl_broadcast_shape(a, b, od);
  if (r < 0) return tfl_error(ctx, "%s: shapes do not broadcast", name);
  if (op == OP_PRELU) {
    /* alpha broadcasts into the input's shape */
    if (r != a->rank) return tfl_error(ctx, "PRELU: alpha rank exceeds input rank");
    for (int i = 0; i < r; i++)
      if (od[i] != a->dims[i]) return tfl_error(ctx, "PRELU: alpha does not broadcast to the input shape");
  }
  tfl_bcast_plan(a, b, od, r, &d->plan);
  return tfl_resize(ctx, out, r, od);
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
  tfl_bcast_run(&d->plan, fn, d);
  if (d->err) return tfl_error(ctx, "%s: integer division by zero", op_name(d->op));
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
  if (op == OP_LOGICAL_NOT) {
    if (in->type != TFL_BOOL) return tfl_error(ctx, "LOGICAL_NOT: input must be bool");
  } else if (in->type == TFL_FLOAT32) {
  } else if ((in->type == TFL_INT32 || in->type == TFL_INT64) &&
             (op == OP_ABS || op == OP_NEG || op == OP_SQUARE || op == OP_SIGN)) {
  } else {
    return TFL_NOT_MINE;
  }
  if (out->type != in->type) return tfl_error(ctx, "unary op %d: output type differs from input", op);
  return tfl_resize(ctx, out, in->rank, in->dims);
}

#define UN_LOOP(T, EXPR)                                  \
  do {                                                    \
    const T *restrict X_ = in->data;                      \
    T *restrict O_ = out->data;                           \
    for (int64_t i = 0; i < n; i++) {                     \
      T x = X_[i];                                        \
      O_[i] = (EXPR);                                     \
    }                                                     \
  } while (0)

static TflStatus un_eval(TflContext *ctx, TflNode *node) {
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  int64_t n = tfl_num_elements(in);
  int op = node->op;
  if (op == OP_LOGICAL_NOT) {
    UN_LOOP(uint8_t, x == 0);
    return TFL_OK;
  }
  if (in->type == TFL_INT32) {
    switch (op) {
      case OP_ABS: UN_LOOP(int32_t, x < 0 ? -x : x); break;
      case OP_NEG: UN_LOOP(int32_t, -x); break;
      case OP_SQUARE: UN_LOOP(int32_t, x * x); break;
      case OP_SIGN: UN_LOOP(int32_t, (x > 0) - (x < 0)); break;
    }
    return TFL_OK;
  }
  if (in->type == TFL_INT64) {
    switch (op) {
      case OP_ABS: UN_LOOP(int64_t, x < 0 ? -x : x); break;
      case OP_NEG: UN_LOOP(int64_t, -x); break;
      case OP_SQUARE: UN_LOOP(int64_t, x * x); break;
      case OP_SIGN: UN_LOOP(int64_t, (x > 0) - (x < 0)); break;
    }
    return TFL_OK;
  }
  switch (op) {
    case OP_RSQRT: UN_LOOP(float, 1.0f / sqrtf(x)); break;
    case OP_SQRT: UN_LOOP(float, sqrtf(x)); break;
    case OP_SQUARE: UN_LOOP(float, x * x); break;
    case OP_EXP: UN_LOOP(float, expf(x)); break;
    case OP_LOG: UN_LOOP(float, logf(x)); break;
    case OP_ABS: UN_LOOP(float, fabsf(x)); break;
    case OP_NEG: UN_LOOP(float, -x); break;
    case OP_SIN: UN_LOOP(float, sinf(x)); break;
    case OP_COS: UN_LOOP(float, cosf(x)); break;
    case OP_FLOOR: UN_LOOP(float, floorf(x)); break;
    case OP_CEIL: UN_LOOP(float, ceilf(x)); break;
    case OP_ROUND: UN_LOOP(float, nearbyintf(x)); break;
    case OP_SIGN: UN_LOOP(float, (float)((x > 0) - (x < 0))); break;
  }
  return TFL_OK;
}

#define BIN(OP, NAME) {OP, NAME, bin_prepare, bin_eval}
#define UN(OP, NAME) {OP, NAME, un_prepare, un_eval}
const TflKernel tfl_kernels_elementwise_f32[] = {
    BIN(OP_ADD, "ADD"), BIN(OP_SUB, "SUB"), BIN(OP_MUL, "MUL"), BIN(OP_DIV, "DIV"),
    BIN(OP_MAXIMUM, "MAXIMUM"), BIN(OP_MINIMUM, "MINIMUM"), BIN(OP_SQUARED_DIFFERENCE, "SQUARED_DIFFERENCE"),
    BIN(OP_POW, "POW"), BIN(OP_FLOOR_DIV, "FLOOR_DIV"), BIN(OP_FLOOR_MOD, "FLOOR_MOD"), BIN(OP_PRELU, "PRELU"),
    BIN(OP_ATAN2, "ATAN2"), BIN(OP_EQUAL, "EQUAL"), BIN(OP_NOT_EQUAL, "NOT_EQUAL"), BIN(OP_LESS, "LESS"), BIN(OP_LESS_EQUAL, "LESS_EQUAL"),
    BIN(OP_GREATER, "GREATER"), BIN(OP_GREATER_EQUAL, "GREATER_EQUAL"), BIN(OP_LOGICAL_AND, "LOGICAL_AND"),
    BIN(OP_LOGICAL_OR, "LOGICAL_OR"),
    UN(OP_LOGICAL_NOT, "LOGICAL_NOT"), UN(OP_RSQRT, "RSQRT"), UN(OP_SQRT, "SQRT"), UN(OP_SQUARE, "SQUARE"),
    UN(OP_EXP, "EXP"), UN(OP_LOG, "LOG"), UN(OP_ABS, "ABS"), UN(OP_NEG, "NEG"), UN(OP_SIN, "SIN"), UN(OP_COS, "COS"),
    UN(OP_FLOOR, "FLOOR"), UN(OP_CEIL, "CEIL"), UN(OP_ROUND, "ROUND"), UN(OP_SIGN, "SIGN"),
    {0, NULL, NULL, NULL},
};
