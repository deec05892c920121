// RUN: xdsl-opt -p optimize %s | filecheck %s

// x * 1, x + 0, cast to the same type, zero pad, a full slice and a one-input concat are identities.
// CHECK-LABEL: func.func @identities
// CHECK-NEXT:  func.return %x
func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %zero = tfl.pseudo_const <float32 [3] [0.0, 0.0, 0.0]> : tensor<3xf32>
  %a = "tfl.mul"(%x, %one) : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  %b = "tfl.add"(%zero, %a) : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = "tfl.cast"(%b) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %p = tfl.pseudo_const <int32 [2, 2] [0, 0, 0, 0]> : tensor<2x2xi32>
  %d = "tfl.pad"(%c, %p) : (tensor<2x3xf32>, tensor<2x2xi32>) -> tensor<2x3xf32>
  %begin = tfl.pseudo_const <int32 [2] [0, 0]> : tensor<2xi32>
  %size = tfl.pseudo_const <int32 [2] [2, 3]> : tensor<2xi32>
  %e = "tfl.slice"(%d, %begin, %size) : (tensor<2x3xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x3xf32>
  %f = "tfl.concatenation"(%e) <{axis = 0 : i32}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %f : tensor<2x3xf32>
}

// Must not fire: x + 0 that broadcasts to a larger shape, and x * 1 with a fused relu.
// CHECK-LABEL: func.func @not_identities
// CHECK:       "tfl.add"
// CHECK:       "tfl.mul"
func.func @not_identities(%x: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %zero = tfl.pseudo_const <float32 [2, 3] [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<2x3xf32>
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %a = "tfl.add"(%x, %zero) : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = "tfl.mul"(%x, %one) <{fused_activation_function = "RELU"}> : (tensor<3xf32>, tensor<1xf32>) -> tensor<3xf32>
  func.return %a, %b : tensor<2x3xf32>, tensor<3xf32>
}
