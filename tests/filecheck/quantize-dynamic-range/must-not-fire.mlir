// RUN: tflc opt %s -p 'quantize-dynamic-range' --split-input-file | filecheck %s --check-prefix=DEFAULT
// RUN: tflc opt %s -p 'quantize-dynamic-range{min-elements=4}' --split-input-file | filecheck %s

// Under 1024 elements (TF's min_elements_for_weights) a weight stays float; with min-elements=4, 3 elements stay
// float and 8 are quantized.
// DEFAULT-LABEL: func.func @small
// DEFAULT:       tfl.pseudo_const <float32 [2, 4]
// DEFAULT-NOT:   int8
// CHECK-LABEL:   func.func @small
// CHECK-DAG:     tfl.pseudo_const <float32 [1, 3]
// CHECK-DAG:     tfl.pseudo_const <int8 [2, 4]
func.func @small(%x: tensor<1x4xf32>, %x3: tensor<1x3xf32>) -> (tensor<1x2xf32>, tensor<1x1xf32>) {
  %w = tfl.pseudo_const <float32 [2, 4] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<2x4xf32>
  %w3 = tfl.pseudo_const <float32 [1, 3] [1.0, 2.0, 3.0]> : tensor<1x3xf32>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x4xf32>, tensor<2x4xf32>, none) -> tensor<1x2xf32>
  %y3 = "tfl.fully_connected"(%x3, %w3, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x3xf32>, tensor<1x3xf32>, none) -> tensor<1x1xf32>
  func.return %y, %y3 : tensor<1x2xf32>, tensor<1x1xf32>
}

// -----

// Weights that are not constants, constant operands of ops without dynamic-range weights (ADD), and the bias
// operand are left alone.
// DEFAULT-LABEL: func.func @not_weights
// CHECK-LABEL: func.func @not_weights
// CHECK:       "tfl.fully_connected"(%x, %w, %b) {{.*}}asymmetric_quantize_inputs = false
// CHECK:       tfl.pseudo_const <float32 [2, 4]
// CHECK:       "tfl.add"
// CHECK-NOT:   int8
func.func @not_weights(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>) -> tensor<2x4xf32> {
  %b = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %c = tfl.pseudo_const <float32 [2, 4] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<2x4xf32>
  %z = "tfl.add"(%y, %c) <{fused_activation_function = "NONE"}> : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  func.return %z : tensor<2x4xf32>
}

// -----

// Weights already quantized are not quantized again.
// CHECK-LABEL: func.func @quantized
// CHECK:       tfl.pseudo_const <int8 [2, 4] [1, 2, 3, 4, 5, 6, 7, 8]> : tensor<2x4x!quant.uniform<i8:f32, 0.5:0>>
func.func @quantized(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = tfl.pseudo_const <int8 [2, 4] [1, 2, 3, 4, 5, 6, 7, 8]> : tensor<2x4x!quant.uniform<i8:f32, 0.5:0>>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = true}> : (tensor<1x4xf32>, tensor<2x4x!quant.uniform<i8:f32, 0.5:0>>, none) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
