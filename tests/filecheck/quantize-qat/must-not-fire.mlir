// RUN: tflc opt %s -p 'qat-ranges,quantize-qat' --split-input-file | filecheck %s

// A model without FakeQuant ops and without ranges stays float: nothing to quantize from.
// CHECK-LABEL: func.func @float_model
// CHECK:       "tfl.fully_connected"{{.*}} -> tensor<1x2xf32>
// CHECK-NOT:   tfl.quantize
// CHECK-NOT:   !quant.uniform
func.func @float_model(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> : tensor<2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.0063, -0.0078]> : tensor<2xf32>
  %y = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

