// RUN: tflc opt %s -p 'quantize-int8' --split-input-file | filecheck %s
// RUN: not tflc opt %s -p 'quantize-int8{int8-only=true}' --split-input-file 2>&1 | filecheck %s --check-prefix=ONLY

// An op tflc does not quantize (SIN) stays float between a DEQUANTIZE and a QUANTIZE; a value without a calibrated
// range (the second FC's input comes from SIN, whose result has no range) keeps the ops after it float too.
// CHECK-LABEL: func.func @fallback
// CHECK:       "tfl.fully_connected"{{.*}} -> tensor<1x2x!quant.uniform<i8:f32
// CHECK:       %[[D:.*]] = "tfl.dequantize"
// CHECK:       "tfl.sin"(%[[D]]) {{.*}} -> tensor<1x2xf32>
// CHECK-NOT:   "tfl.quantize"
// CHECK:       func.return
// ONLY:        tflc cannot quantize these ops to int8
// ONLY:        tfl.sin ('s') in fallback
func.func @fallback(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> : tensor<2x2xf32>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -1.0, 5.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, none) -> tensor<1x2xf32>
  %s = "tfl.sin"(%y) {tflc.name = "s"} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %s : tensor<1x2xf32>
}

// -----

// Without calibrated ranges nothing is quantized (no QUANTIZE, weights stay float).
// CHECK-LABEL: func.func @no_ranges
// CHECK-NOT:   quant.uniform
// CHECK:       func.return
func.func @no_ranges(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> : tensor<2x2xf32>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x2xf32>, tensor<2x2xf32>, none) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

// A producer read by another op keeps its own parameters: the CONCATENATION input is requantized instead.
// CHECK-LABEL: func.func @shared_concat_input
// CHECK:       %[[A:.*]] = "tfl.relu"({{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.00392156862745098:-128>>
// CHECK:       "tfl.quantize"(%[[A]]) {{.*}} -> tensor<1x2x!quant.uniform<i8:f32, 0.011764705882352941:-128>>
// CHECK:       "tfl.concatenation"
func.func @shared_concat_input(%x: tensor<1x2xf32>) -> (tensor<1x4xf32>, tensor<1x2xf32>) attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %a = "tfl.relu"(%x) {tflc.range = [array<f32: 0.0, 1.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %c = "tfl.concatenation"(%a, %a) <{axis = 1 : i32, fused_activation_function = "NONE"}> {tflc.range = [array<f32: 0.0, 3.0>]} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c, %a : tensor<1x4xf32>, tensor<1x2xf32>
}
