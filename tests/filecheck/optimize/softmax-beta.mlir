// RUN: xdsl-opt -p optimize %s | filecheck %s

// Attention scores scaled by 1/sqrt(d) before softmax -> softmax beta.
// CHECK-LABEL: func.func @scaled_softmax
// CHECK:       "tfl.softmax"(%x) <{beta = 2.500000e-01 : f32}>
// CHECK-NOT:   tfl.mul
func.func @scaled_softmax(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %c = tfl.pseudo_const <float32 [1] [0.25]> : tensor<1xf32>
  %m = "tfl.mul"(%x, %c) : (tensor<1x4x8xf32>, tensor<1xf32>) -> tensor<1x4x8xf32>
  %y = "tfl.softmax"(%m) <{beta = 1.0 : f32}> : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  func.return %y : tensor<1x4x8xf32>
}

// Must not fire: a per-column scale is not a softmax temperature.
// CHECK-LABEL: func.func @column_scaled_softmax
// CHECK:       "tfl.mul"
// CHECK:       "tfl.softmax"(%m) <{beta = 1.000000e+00 : f32}>
func.func @column_scaled_softmax(%x: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %c = tfl.pseudo_const <float32 [2] [0.25, 0.5]> : tensor<2xf32>
  %m = "tfl.mul"(%x, %c) : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %y = "tfl.softmax"(%m) <{beta = 1.0 : f32}> : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}
