// RUN: tflc opt %s -p 'quantize-int16x8' --split-input-file | filecheck %s
// RUN: not tflc opt %s -p 'quantize-int16x8{int16-only=true}' --split-input-file 2>&1 | filecheck %s --check-prefix=ONLY

// HARD_SWISH and LOG_SOFTMAX have no 16x8 kernel: they stay float between a DEQUANTIZE and a QUANTIZE (TF keeps
// them float too, or refuses the 16x8 set alone); the FULLY_CONNECTED after them is int16 again.
// CHECK-LABEL: func.func @fallback
// CHECK:       "tfl.fully_connected"{{.*}} -> tensor<1x2x!quant.uniform<i16:f32
// CHECK:       %[[D:.*]] = "tfl.dequantize"
// CHECK:       "tfl.hard_swish"(%[[D]]) {{.*}} -> tensor<1x2xf32>
// CHECK:       "tfl.quantize"
// CHECK:       "tfl.fully_connected"{{.*}} -> tensor<1x2x!quant.uniform<i16:f32
// CHECK:       "tfl.log_softmax"({{.*}}) {{.*}} -> tensor<1x2xf32>
// CHECK:       func.return
// ONLY:        tflc cannot quantize these ops to int16x8
// ONLY:        tfl.hard_swish ('hs') in fallback
// ONLY:        tfl.log_softmax ('ls') in fallback
func.func @fallback(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> : tensor<2x2xf32>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -1.0, 5.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, none) -> tensor<1x2xf32>
  %h = "tfl.hard_swish"(%y) {tflc.name = "hs", tflc.range = [array<f32: -0.4, 5.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %z = "tfl.fully_connected"(%h, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -5.0, 10.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, none) -> tensor<1x2xf32>
  %l = "tfl.log_softmax"(%z) {tflc.name = "ls", tflc.range = [array<f32: -15.0, 0.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %l : tensor<1x2xf32>
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
