// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @leaky
// CHECK:       "tfl.leaky_relu"(%x) <{alpha = 2.000000e-01 : f32}>
// CHECK-NOT:   tfl.maximum
func.func @leaky(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = tfl.pseudo_const <float32 [1] [0.2]> : tensor<1xf32>
  %m = "tfl.mul"(%x, %a) : (tensor<4x4xf32>, tensor<1xf32>) -> tensor<4x4xf32>
  %y = "tfl.maximum"(%m, %x) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  func.return %y : tensor<4x4xf32>
}

// Must not fire: slope above 1 makes max(x, a*x) a different function.
// CHECK-LABEL: func.func @not_leaky
// CHECK-NOT:   tfl.leaky_relu
func.func @not_leaky(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %m = "tfl.mul"(%x, %a) : (tensor<4x4xf32>, tensor<1xf32>) -> tensor<4x4xf32>
  %y = "tfl.maximum"(%x, %m) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  func.return %y : tensor<4x4xf32>
}
