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
