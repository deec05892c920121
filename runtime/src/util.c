/* Small helpers shared by kernels and the interpreter: type sizes, element counts, activation ranges, names. */
#include <math.h>
#include <stddef.h>

#include "reader.h"
#include "tflrt.h"

/* Generated from TF's schema_py_generated BuiltinOperator (TF 2.21). */
static const char *const tfl_op_names[] = {
  "ADD",
  "AVERAGE_POOL_2D",
  "CONCATENATION",
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "DEPTH_TO_SPACE",
  "DEQUANTIZE",
  "EMBEDDING_LOOKUP",
  "FLOOR",
  "FULLY_CONNECTED",
  "HASHTABLE_LOOKUP",
  "L2_NORMALIZATION",
  "L2_POOL_2D",
  "LOCAL_RESPONSE_NORMALIZATION",
  "LOGISTIC",
  "LSH_PROJECTION",
  "LSTM",
  "MAX_POOL_2D",
  "MUL",
  "RELU",
  "RELU_N1_TO_1",
  "RELU6",
  "RESHAPE",
  "RESIZE_BILINEAR",
  "RNN",
  "SOFTMAX",
  "SPACE_TO_DEPTH",
  "SVDF",
  "TANH",
  "CONCAT_EMBEDDINGS",
  "SKIP_GRAM",
  "CALL",
  "CUSTOM",
  "EMBEDDING_LOOKUP_SPARSE",
  "PAD",
  "UNIDIRECTIONAL_SEQUENCE_RNN",
  "GATHER",
  "BATCH_TO_SPACE_ND",
  "SPACE_TO_BATCH_ND",
  "TRANSPOSE",
  "MEAN",
  "SUB",
  "DIV",
  "SQUEEZE",
  "UNIDIRECTIONAL_SEQUENCE_LSTM",
  "STRIDED_SLICE",
  "BIDIRECTIONAL_SEQUENCE_RNN",
  "EXP",
  "TOPK_V2",
  "SPLIT",
  "LOG_SOFTMAX",
  "DELEGATE",
  "BIDIRECTIONAL_SEQUENCE_LSTM",
  "CAST",
  "PRELU",
  "MAXIMUM",
  "ARG_MAX",
  "MINIMUM",
  "LESS",
  "NEG",
  "PADV2",
  "GREATER",
  "GREATER_EQUAL",
  "LESS_EQUAL",
  "SELECT",
  "SLICE",
  "SIN",
  "TRANSPOSE_CONV",
  "SPARSE_TO_DENSE",
  "TILE",
  "EXPAND_DIMS",
  "EQUAL",
  "NOT_EQUAL",
  "LOG",
  "SUM",
  "SQRT",
  "RSQRT",
  "SHAPE",
  "POW",
  "ARG_MIN",
  "FAKE_QUANT",
  "REDUCE_PROD",
  "REDUCE_MAX",
  "PACK",
  "LOGICAL_OR",
  "ONE_HOT",
  "LOGICAL_AND",
  "LOGICAL_NOT",
  "UNPACK",
  "REDUCE_MIN",
  "FLOOR_DIV",
  "REDUCE_ANY",
  "SQUARE",
  "ZEROS_LIKE",
  "FILL",
  "FLOOR_MOD",
  "RANGE",
  "RESIZE_NEAREST_NEIGHBOR",
  "LEAKY_RELU",
  "SQUARED_DIFFERENCE",
  "MIRROR_PAD",
  "ABS",
  "SPLIT_V",
  "UNIQUE",
  "CEIL",
  "REVERSE_V2",
  "ADD_N",
  "GATHER_ND",
  "COS",
  "WHERE",
  "RANK",
  "ELU",
  "REVERSE_SEQUENCE",
  "MATRIX_DIAG",
  "QUANTIZE",
  "MATRIX_SET_DIAG",
  "ROUND",
  "HARD_SWISH",
  "IF",
  "WHILE",
  "NON_MAX_SUPPRESSION_V4",
  "NON_MAX_SUPPRESSION_V5",
  "SCATTER_ND",
  "SELECT_V2",
  "DENSIFY",
  "SEGMENT_SUM",
  "BATCH_MATMUL",
  "PLACEHOLDER_FOR_GREATER_OP_CODES",
  "CUMSUM",
  "CALL_ONCE",
  "BROADCAST_TO",
  "RFFT2D",
  "CONV_3D",
  "IMAG",
  "REAL",
  "COMPLEX_ABS",
  "HASHTABLE",
  "HASHTABLE_FIND",
  "HASHTABLE_IMPORT",
  "HASHTABLE_SIZE",
  "REDUCE_ALL",
  "CONV_3D_TRANSPOSE",
  "VAR_HANDLE",
  "READ_VARIABLE",
  "ASSIGN_VARIABLE",
  "BROADCAST_ARGS",
  "RANDOM_STANDARD_NORMAL",
  "BUCKETIZE",
  "RANDOM_UNIFORM",
  "MULTINOMIAL",
  "GELU",
  "DYNAMIC_UPDATE_SLICE",
  "RELU_0_TO_1",
  "UNSORTED_SEGMENT_PROD",
  "UNSORTED_SEGMENT_MAX",
  "UNSORTED_SEGMENT_SUM",
  "ATAN2",
  "UNSORTED_SEGMENT_MIN",
  "SIGN",
  "BITCAST",
  "BITWISE_XOR",
  "RIGHT_SHIFT",
  "STABLEHLO_LOGISTIC",
  "STABLEHLO_ADD",
  "STABLEHLO_DIVIDE",
  "STABLEHLO_MULTIPLY",
  "STABLEHLO_MAXIMUM",
  "STABLEHLO_RESHAPE",
  "STABLEHLO_CLAMP",
  "STABLEHLO_CONCATENATE",
  "STABLEHLO_BROADCAST_IN_DIM",
  "STABLEHLO_CONVOLUTION",
  "STABLEHLO_SLICE",
  "STABLEHLO_CUSTOM_CALL",
  "STABLEHLO_REDUCE",
  "STABLEHLO_ABS",
  "STABLEHLO_AND",
  "STABLEHLO_COSINE",
  "STABLEHLO_EXPONENTIAL",
  "STABLEHLO_FLOOR",
  "STABLEHLO_LOG",
  "STABLEHLO_MINIMUM",
  "STABLEHLO_NEGATE",
  "STABLEHLO_OR",
  "STABLEHLO_POWER",
  "STABLEHLO_REMAINDER",
  "STABLEHLO_RSQRT",
  "STABLEHLO_SELECT",
  "STABLEHLO_SUBTRACT",
  "STABLEHLO_TANH",
  "STABLEHLO_SCATTER",
  "STABLEHLO_COMPARE",
  "STABLEHLO_CONVERT",
  "STABLEHLO_DYNAMIC_SLICE",
  "STABLEHLO_DYNAMIC_UPDATE_SLICE",
  "STABLEHLO_PAD",
  "STABLEHLO_IOTA",
  "STABLEHLO_DOT_GENERAL",
  "STABLEHLO_REDUCE_WINDOW",
  "STABLEHLO_SORT",
  "STABLEHLO_WHILE",
  "STABLEHLO_GATHER",
  "STABLEHLO_TRANSPOSE",
  "DILATE",
  "STABLEHLO_RNG_BIT_GENERATOR",
  "REDUCE_WINDOW",
  "STABLEHLO_COMPOSITE",
  "STABLEHLO_SHIFT_LEFT",
  "STABLEHLO_CBRT",
  "STABLEHLO_CASE",
};

#define TFL_NUM_OP_NAMES ((int32_t)(sizeof tfl_op_names / sizeof tfl_op_names[0]))

const char *tfl_op_name(int32_t op) {
  if (op < 0 || op >= TFL_NUM_OP_NAMES) return NULL;
  return tfl_op_names[op];
}

static const char *const tfl_type_names[] = {"FLOAT32", "FLOAT16", "INT32",  "UINT8",     "INT64",   "STRING", "BOOL",
                                             "INT16",   "COMPLEX64", "INT8", "FLOAT64",   "COMPLEX128", "UINT64", "RESOURCE",
                                             "VARIANT", "UINT32",  "UINT16", "INT4",      "BFLOAT16", "INT2",  "UINT4"};

const char *tfl_type_name(int32_t type) {
  if (type < 0 || type >= (int32_t)(sizeof tfl_type_names / sizeof tfl_type_names[0])) return "UNKNOWN";
  return tfl_type_names[type];
}

size_t tfl_type_size(int32_t type) {
  switch (type) {
    case TFL_FLOAT32: case TFL_INT32: case TFL_UINT32: return 4;
    case TFL_FLOAT16: case TFL_INT16: case TFL_UINT16: case 18 /* BFLOAT16 */: return 2;
    case TFL_UINT8: case TFL_INT8: case TFL_BOOL: case TFL_INT4: case 19: case 20: return 1;
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

void tfl_activation_range_f32(int32_t act, float *lo, float *hi) {
  switch (act) {
    case TFL_ACT_RELU: *lo = 0.f; *hi = INFINITY; break;
    case TFL_ACT_RELU_N1_TO_1: *lo = -1.f; *hi = 1.f; break;
    case TFL_ACT_RELU6: *lo = 0.f; *hi = 6.f; break;
    default: *lo = -INFINITY; *hi = INFINITY; break;
  }
}
