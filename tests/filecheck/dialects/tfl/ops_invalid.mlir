// RUN: tflc opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Enum options must name a member of their schema enum.
func.func @bad_activation(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "tfl.add"(%x, %x) <{fused_activation_function = "SWISH"}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
// CHECK: 'tfl.add' fused_activation_function = "SWISH" is not one of: NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT

// -----

func.func @bad_padding(%x: tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32> {
  %y = "tfl.average_pool_2d"(%x) <{padding = "FULL", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32}> : (tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32>
  func.return %y : tensor<1x2x2x1xf32>
}
// CHECK: 'tfl.average_pool_2d' padding = "FULL" is not one of: SAME, VALID

// -----

func.func @bad_cast_type(%x: tensor<2xf32>) -> tensor<2xi32> {
  %y = "tfl.cast"(%x) <{in_data_type = "FLOAT32", out_data_type = "INT3"}> : (tensor<2xf32>) -> tensor<2xi32>
  func.return %y : tensor<2xi32>
}
// CHECK: 'tfl.cast' out_data_type = "INT3" is not one of: FLOAT32,

// -----

// Option properties have fixed attribute kinds (i32 integers for strides, not floats).
func.func @bad_stride_kind(%x: tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32> {
  %y = "tfl.max_pool_2d"(%x) <{stride_w = 2.0 : f32}> : (tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32>
  func.return %y : tensor<1x2x2x1xf32>
}
// CHECK: 2.000000e+00 : f32 should be of base attribute integer

// -----

// Operand counts come from the op definition.
func.func @add_arity(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "tfl.add"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
// CHECK: Expected 2 operands, but got 1

// -----

func.func @conv_arity(%x: tensor<1x4x4x1xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32> {
  %y = "tfl.conv_2d"(%x, %w) : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32>
  func.return %y : tensor<1x4x4x1xf32>
}
// CHECK: Expected 3 operands, but got 2

// -----

// A constant's result type must be its value's type.
func.func @const_type() -> tensor<2x2xf32> {
  %c = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<2x2xf32>
  func.return %c : tensor<2x2xf32>
}
// CHECK: 'tfl.pseudo_const' result type tensor<2x2xf32> does not match its value's type tensor<4xf32>

// -----

// tfl.no_value produces `none` only.
func.func @no_value_type() -> tensor<2xf32> {
  %n = "tfl.no_value"() : () -> tensor<2xf32>
  func.return %n : tensor<2xf32>
}
// CHECK: tensor<2xf32> should be of base attribute none_type

// -----

// Element types come from the op's declaration (tfl_ops.td intersected with LiteRT's kernels): TANH has no plain
// int16 kernel (only quantized int16).
func.func @tanh_int16(%x: tensor<4xi16>) -> tensor<4xi16> {
  %y = "tfl.tanh"(%x) : (tensor<4xi16>) -> tensor<4xi16>
  func.return %y : tensor<4xi16>
}
// CHECK: 'tfl.tanh' operand x has element type i16, which LiteRT's TANH kernel does not take (allowed: f32, qi8, qui8, qi16)

// -----

// Results are checked too: a comparison returns bool.
func.func @greater_result(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = "tfl.greater"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: 'tfl.greater' result output has element type f32, which LiteRT's GREATER kernel does not take (allowed: i1)

// -----

// Plain int8 comparisons would run LiteRT's quantized kernel with zero scales.
func.func @less_equal_int8(%a: tensor<4xi8>, %b: tensor<4xi8>) -> tensor<4xi1> {
  %y = "tfl.less_equal"(%a, %b) : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi1>
  func.return %y : tensor<4xi1>
}
// CHECK: 'tfl.less_equal' operand lhs has element type i8, which LiteRT's LESS_EQUAL kernel does not take (allowed: f32, i32, i64, qi8, qui8)

// -----

// Operands bound to one type variable must agree.
func.func @add_mixed(%a: tensor<4xf32>, %b: tensor<4xi32>) -> tensor<4xf32> {
  %y = "tfl.add"(%a, %b) : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: 'tfl.add' operand lhs and operand rhs must have the same element type, got f32 and i32

// -----

func.func @concat_mixed(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<4xi32> {
  %y = "tfl.concatenation"(%a, %b) <{axis = 0 : i32}> : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xi32>
  func.return %y : tensor<4xi32>
}
// CHECK: 'tfl.concatenation' operand values and result output must have the same element type, got f32 and i32

// -----

// Broadcasting above the kernel's rank limit (MAXIMUM: 5).
func.func @maximum_rank6(%a: tensor<2x1x3x1x5x1xf32>, %b: tensor<1x4x1x2x1x6xf32>) -> tensor<2x4x3x2x5x6xf32> {
  %y = "tfl.maximum"(%a, %b) : (tensor<2x1x3x1x5x1xf32>, tensor<1x4x1x2x1x6xf32>) -> tensor<2x4x3x2x5x6xf32>
  func.return %y : tensor<2x4x3x2x5x6xf32>
}
// CHECK: 'tfl.maximum' broadcasts [2, 1, 3, 1, 5, 1] and [1, 4, 1, 2, 1, 6] at rank 6; its kernel broadcasts up to rank 5

// -----

// DIV broadcasts up to rank 5 (tfl_ops.td; LiteRT's BroadcastDivSlow is 5-D).
func.func @div_rank6(%a: tensor<2x3x4x5x6x7xf32>, %b: tensor<1x1x1x1x1x7xf32>) -> tensor<2x3x4x5x6x7xf32> {
  %y = "tfl.div"(%a, %b) : (tensor<2x3x4x5x6x7xf32>, tensor<1x1x1x1x1x7xf32>) -> tensor<2x3x4x5x6x7xf32>
  func.return %y : tensor<2x3x4x5x6x7xf32>
}
// CHECK: 'tfl.div' broadcasts [2, 3, 4, 5, 6, 7] and [1, 1, 1, 1, 1, 7] at rank 6; its kernel broadcasts up to rank 5

// -----

func.func @not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %y = "tfl.sub"(%a, %b) : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
// CHECK: 'tfl.sub' operand shapes [2, 3] and [4, 3] do not broadcast

// -----

// ATAN2 does not broadcast at all, not even a scalar.
func.func @atan2_scalar(%a: tensor<4xf32>, %b: tensor<f32>) -> tensor<4xf32> {
  %y = "tfl.atan2"(%a, %b) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: 'tfl.atan2' needs operands of one shape (its kernel does not broadcast), got [4] and []

// -----

// SELECT_V2 broadcasts its condition too (up to rank 5), and the condition is bool.
func.func @select_condition(%c: tensor<4xi32>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = "tfl.select_v2"(%c, %a, %b) : (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: 'tfl.select_v2' operand condition has element type i32, which LiteRT's SELECT_V2 kernel does not take (allowed: i1)

// -----

// TOPK_V2 returns indices as int32 or int16 only, and its values have the input's element type.
func.func @topk_indices(%x: tensor<2x5xf32>, %k: tensor<i32>) -> tensor<2x3xi64> {
  %v, %i = "tfl.topk_v2"(%x, %k) : (tensor<2x5xf32>, tensor<i32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  func.return %i : tensor<2x3xi64>
}
// CHECK: 'tfl.topk_v2' result indices has element type i64, which LiteRT's TOPK_V2 kernel does not take (allowed: i16, i32)

// -----

func.func @topk_values(%x: tensor<2x5xi32>, %k: tensor<i32>) -> tensor<2x3xf32> {
  %v, %i = "tfl.topk_v2"(%x, %k) : (tensor<2x5xi32>, tensor<i32>) -> (tensor<2x3xf32>, tensor<2x3xi32>)
  func.return %v : tensor<2x3xf32>
}
// CHECK: 'tfl.topk_v2' operand input and result values must have the same element type, got i32 and f32
