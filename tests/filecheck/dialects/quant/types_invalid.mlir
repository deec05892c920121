// RUN: tflc opt %s --split-input-file --parsing-diagnostics --verify-diagnostics | filecheck %s
// RUN: xdsl-opt %s --split-input-file --parsing-diagnostics --verify-diagnostics | filecheck %s

// Parameters are checked when the type is parsed.
func.func @zero_scale(%a: tensor<2x!quant.uniform<i8:f32, 0.0:0>>) {
  func.return
}
// CHECK: quantization scale 0.0 is not positive and finite

// -----

func.func @negative_scale(%a: tensor<2x!quant.uniform<i8:f32, -0.5:0>>) {
  func.return
}
// CHECK: quantization scale -0.5 is not positive and finite

// -----

func.func @zero_point_range(%a: tensor<2x!quant.uniform<i8:f32, 0.5:128>>) {
  func.return
}
// CHECK: zero point 128 is out of the i8 storage range [-128, 127]

// -----

func.func @unsigned_zero_point(%a: tensor<2x!quant.uniform<u8:f32, 0.5:-1>>) {
  func.return
}
// CHECK: zero point -1 is out of the u8 storage range [0, 255]

// -----

func.func @storage(%a: tensor<2x!quant.uniform<i9:f32, 0.5:0>>) {
  func.return
}
// CHECK: unknown quantized storage type 'i9', expected one of: i8, u8, i16, i32, i64

// -----

func.func @expressed(%a: tensor<2x!quant.uniform<i8:f16, 0.5:0>>) {
  func.return
}
// CHECK: expressed type must be f32, got 'f16'

// -----

// Axis and scales per slice depend on the tensor: checked by the constant and tfl op verifiers.
func.func @axis_out_of_rank() {
  %w = tfl.pseudo_const <int8 [2] [1, 2]> : tensor<2x!quant.uniform<i8:f32:1, {0.5:0, 0.25:0}>>
  func.return
}
// CHECK: quantized dimension 1 is out of range for a tensor of rank 1

// -----

func.func @scales_per_slice() {
  %w = tfl.pseudo_const <int8 [3, 1] [1, 2, 3]> : tensor<3x1x!quant.uniform<i8:f32:0, {0.5:0, 0.25:0}>>
  func.return
}
// CHECK: quantized dimension 0 has 3 slices but the type has 2 scales

// -----

func.func @op_operand_axis(%x: tensor<1x4xf32>, %w: tensor<2x4x!quant.uniform<i8:f32:2, {0.5:0, 0.25:0}>>) -> tensor<1x2xf32> {
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = true}> : (tensor<1x4xf32>, tensor<2x4x!quant.uniform<i8:f32:2, {0.5:0, 0.25:0}>>, none) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: 'tfl.fully_connected': quantized dimension 2 is out of range for a tensor of rank 2

// -----

// A quantized constant holds integers of its storage type.
func.func @storage_mismatch() {
  %w = tfl.pseudo_const <int16 [2] [1, 2]> : tensor<2x!quant.uniform<i8:f32, 0.5:0>>
  func.return
}
// CHECK: 'tfl.pseudo_const' value int16 [2] does not match its quantized result type tensor<2x!quant.uniform<i8:f32, 0.5:0>> (storage int8)

// -----

func.func @float_array() {
  %w = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2x!quant.uniform<i8:f32, 0.5:0>>
  func.return
}
// CHECK: 'tfl.pseudo_const' value float32 [2] does not match its quantized result type

// -----

// Ops refuse quantized kinds their kernel does not take.
func.func @kind_refused(%x: tensor<4x!quant.uniform<i8:f32, 0.5:0>>) -> tensor<4xf32> {
  %y = "tfl.dequantize"(%x) : (tensor<4x!quant.uniform<i8:f32, 0.5:0>>) -> tensor<4xf32>
  %z = "tfl.quantize"(%y) : (tensor<4xf32>) -> tensor<4x!quant.uniform<i32:f32, 0.5:0>>
  func.return %y : tensor<4xf32>
}
// CHECK: 'tfl.quantize' result y has element type qi32, which LiteRT's QUANTIZE kernel does not take (allowed: qi8, qui8, qi16)
