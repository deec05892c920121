// RUN: xdsl-opt -p optimize %s | filecheck %s

// Depthwise with multiplier 2: output channel k reads input channel k // 2.
// CHECK-LABEL: func.func @mul_dw
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [1, 1, 1, 4] [2.0, 2.0, 3.0, 3.0]>
// CHECK:       "tfl.depthwise_conv_2d"(%x, %[[W]], %b)
// CHECK-NOT:   tfl.mul
func.func @mul_dw(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> {
  %s = tfl.pseudo_const <float32 [2] [2.0, 3.0]> : tensor<2xf32>
  %m = "tfl.mul"(%x, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %w = tfl.pseudo_const <float32 [1, 1, 1, 4] [1.0, 1.0, 1.0, 1.0]> : tensor<1x1x1x4xf32>
  %b = tfl.no_value
  %c = "tfl.depthwise_conv_2d"(%m, %w, %b) <{depth_multiplier = 2 : i32}> : (tensor<1x4x4x2xf32>, tensor<1x1x1x4xf32>, none) -> tensor<1x4x4x4xf32>
  func.return %c : tensor<1x4x4x4xf32>
}

// Must not fire: a spatially varying multiplier is not a per-channel scale.
// CHECK-LABEL: func.func @mul_dw_spatial
// CHECK:       "tfl.mul"
func.func @mul_dw_spatial(%x: tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32> {
  %s = tfl.pseudo_const <float32 [1, 2, 1, 1] [2.0, 3.0]> : tensor<1x2x1x1xf32>
  %m = "tfl.mul"(%x, %s) : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %w = tfl.pseudo_const <float32 [1, 1, 1, 1] [1.0]> : tensor<1x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.depthwise_conv_2d"(%m, %w, %b) <{depth_multiplier = 1 : i32}> : (tensor<1x2x1x1xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x2x1x1xf32>
  func.return %c : tensor<1x2x1x1xf32>
}
