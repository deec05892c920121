// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @dw_relu6
// CHECK:       "tfl.depthwise_conv_2d"({{.*}}fused_activation_function = "RELU6"
// CHECK-NOT:   tfl.relu6
func.func @dw_relu6(%x: tensor<1x8x8x2xf32>) -> tensor<1x8x8x2xf32> {
  %w = tfl.pseudo_const <float32 [1, 1, 1, 2] [2.0, 3.0]> : tensor<1x1x1x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.5, -0.5]> : tensor<2xf32>
  %c = "tfl.depthwise_conv_2d"(%x, %w, %b) <{depth_multiplier = 1 : i32}> : (tensor<1x8x8x2xf32>, tensor<1x1x1x2xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32>
  %r = "tfl.relu6"(%c) : (tensor<1x8x8x2xf32>) -> tensor<1x8x8x2xf32>
  func.return %r : tensor<1x8x8x2xf32>
}

// Must not fire: the depthwise conv already has an activation (relu then relu6 stays two ops).
// CHECK-LABEL: func.func @dw_already_fused
// CHECK:       "tfl.depthwise_conv_2d"({{.*}}fused_activation_function = "RELU"
// CHECK:       "tfl.relu6"
func.func @dw_already_fused(%x: tensor<1x8x8x2xf32>) -> tensor<1x8x8x2xf32> {
  %w = tfl.pseudo_const <float32 [1, 1, 1, 2] [2.0, 3.0]> : tensor<1x1x1x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.5, -0.5]> : tensor<2xf32>
  %c = "tfl.depthwise_conv_2d"(%x, %w, %b) <{depth_multiplier = 1 : i32, fused_activation_function = "RELU"}> : (tensor<1x8x8x2xf32>, tensor<1x1x1x2xf32>, tensor<2xf32>) -> tensor<1x8x8x2xf32>
  %r = "tfl.relu6"(%c) : (tensor<1x8x8x2xf32>) -> tensor<1x8x8x2xf32>
  func.return %r : tensor<1x8x8x2xf32>
}
