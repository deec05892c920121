/* Small helpers shared by kernels and the interpreter: type sizes, element counts, activation ranges, names. */
#include <math.h>
#include <stddef.h>

#include "reader.h"
#include "tflrt.h"

#define TFL_NAME_ENTRY(name, code) [code] = #name,
static const char *const tfl_op_names[TFL_NUM_BUILTIN_OPERATORS] = {TFL_BUILTIN_OPERATORS(TFL_NAME_ENTRY)};
static const char *const tfl_type_names[TFL_NUM_TENSOR_TYPES] = {TFL_TENSOR_TYPES(TFL_NAME_ENTRY)};
#undef TFL_NAME_ENTRY

const char *tfl_op_name(int32_t op) { return op >= 0 && op < TFL_NUM_BUILTIN_OPERATORS ? tfl_op_names[op] : NULL; }

const char *tfl_type_name(int32_t type) {
  return type >= 0 && type < TFL_NUM_TENSOR_TYPES && tfl_type_names[type] ? tfl_type_names[type] : "UNKNOWN";
}

size_t tfl_type_size(int32_t type) {
  switch (type) {
    case TFL_FLOAT32: case TFL_INT32: case TFL_UINT32: return 4;
    case TFL_FLOAT16: case TFL_INT16: case TFL_UINT16: case TFL_BFLOAT16: return 2;
    case TFL_UINT8: case TFL_INT8: case TFL_BOOL: case TFL_INT4: case TFL_INT2: case TFL_UINT4: return 1;
    case TFL_INT64: case TFL_UINT64: case TFL_FLOAT64: case TFL_COMPLEX64: return 8;
    case TFL_COMPLEX128: return 16;
    default: return 0; /* STRING, RESOURCE, VARIANT: no fixed element size */
  }
}

int64_t tfl_num_elements(const TflTensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

int tfl_same_shape(const TflTensor *a, const TflTensor *b) {
  if (a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return 0;
  return 1;
}

int32_t tfl_arith_activation(const TflNode *node) {
  switch (node->op) {
    case TFL_OP_ADD: return tfl_AddOptions(node).fused_activation_function;
    case TFL_OP_SUB: return tfl_SubOptions(node).fused_activation_function;
    case TFL_OP_MUL: return tfl_MulOptions(node).fused_activation_function;
    case TFL_OP_DIV: return tfl_DivOptions(node).fused_activation_function;
    default: return TFL_ACT_NONE;
  }
}

void tfl_activation_range_f32(int32_t act, float *lo, float *hi) {
  switch (act) {
    case TFL_ACT_RELU: *lo = 0.f; *hi = INFINITY; break;
    case TFL_ACT_RELU_N1_TO_1: *lo = -1.f; *hi = 1.f; break;
    case TFL_ACT_RELU6: *lo = 0.f; *hi = 6.f; break;
    default: *lo = -INFINITY; *hi = INFINITY; break;
  }
}
