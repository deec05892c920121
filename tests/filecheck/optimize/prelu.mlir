// RUN: xdsl-opt -p optimize %s | filecheck %s

// Keras PReLU: relu(x) + (-alpha) * relu(-x) -> prelu(x, alpha).
// CHECK-LABEL: func.func @prelu
// CHECK:       %[[A:.*]] = tfl.pseudo_const <float32 [2] [0.25, 0.5]>
// CHECK:       "tfl.prelu"(%x, %[[A]])
// CHECK-NOT:   tfl.neg
func.func @prelu(%x: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %na = tfl.pseudo_const <float32 [2] [-0.25, -0.5]> : tensor<2xf32>
  %p = "tfl.relu"(%x) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %n = "tfl.neg"(%x) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %rn = "tfl.relu"(%n) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %m = "tfl.mul"(%na, %rn) : (tensor<2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %y = "tfl.add"(%p, %m) : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}

// Must not fire: the negative branch reads another tensor.
// CHECK-LABEL: func.func @not_prelu
// CHECK-NOT:   tfl.prelu
func.func @not_prelu(%x: tensor<1x4x2xf32>, %z: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %na = tfl.pseudo_const <float32 [2] [-0.25, -0.5]> : tensor<2xf32>
  %p = "tfl.relu"(%x) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %n = "tfl.neg"(%z) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %rn = "tfl.relu"(%n) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %m = "tfl.mul"(%na, %rn) : (tensor<2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %y = "tfl.add"(%p, %m) : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}
