// RUN: xdsl-opt -p optimize %s | filecheck %s

// Depthwise filter [1, H, W, C*M] scales along its last dim.
// CHECK-LABEL: func.func @dw_mul_add
// CHECK-DAG:   %[[W:.*]] = tfl.pseudo_const <float32 [1, 1, 2, 2] [2.0, 30.0, 6.0, 70.0]>
// CHECK-DAG:   %[[B:.*]] = tfl.pseudo_const <float32 [2] [3.0, 11.0]>
// CHECK:       "tfl.depthwise_conv_2d"(%x, %[[W]], %[[B]])
// CHECK-NOT:   tfl.mul
func.func @dw_mul_add(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x3x2xf32> {
  %w = tfl.pseudo_const <float32 [1, 1, 2, 2] [1.0, 3.0, 3.0, 7.0]> : tensor<1x1x2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %c = "tfl.depthwise_conv_2d"(%x, %w, %b) <{padding = "VALID", depth_multiplier = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>, tensor<2xf32>) -> tensor<1x4x3x2xf32>
  %s = tfl.pseudo_const <float32 [2] [2.0, 10.0]> : tensor<2xf32>
  %m = "tfl.mul"(%s, %c) : (tensor<2xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %o = tfl.pseudo_const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %a = "tfl.add"(%m, %o) : (tensor<1x4x3x2xf32>, tensor<2xf32>) -> tensor<1x4x3x2xf32>
  func.return %a : tensor<1x4x3x2xf32>
}

// Must not fire: the multiplier would broadcast the result to a larger shape.
// CHECK-LABEL: func.func @dw_mul_broadcast
// CHECK:       "tfl.mul"
func.func @dw_mul_broadcast(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x3xf32> {
  %w = tfl.pseudo_const <float32 [1, 1, 1, 1] [1.0]> : tensor<1x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.depthwise_conv_2d"(%x, %w, %b) <{depth_multiplier = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x4x4x1xf32>
  %s = tfl.pseudo_const <float32 [3] [2.0, 10.0, 3.0]> : tensor<3xf32>
  %m = "tfl.mul"(%c, %s) : (tensor<1x4x4x1xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32>
  func.return %m : tensor<1x4x4x3xf32>
}
