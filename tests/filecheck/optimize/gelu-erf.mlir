// RUN: xdsl-opt -p optimize %s | filecheck %s

// 0.5 * x * (1 + erf(x * 0.70710678)), erf left in the tf dialect by legalize-tf.
// CHECK-LABEL: func.func @gelu_erf
// CHECK:       "tfl.gelu"(%x) <{approximate = false}>
// CHECK-NOT:   tf.Erf
func.func @gelu_erf(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %r = tfl.pseudo_const <float32 [1] [0.7071067811865476]> : tensor<1xf32>
  %s = "tfl.mul"(%x, %r) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %e = "tf.Erf"(%s) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %u = "tfl.add"(%e, %one) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %m = "tfl.mul"(%x, %u) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = "tfl.mul"(%m, %half) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}

// Must not fire: erf of a different tensor than the one multiplied.
// CHECK-LABEL: func.func @erf_other
// CHECK-NOT:   tfl.gelu
// CHECK:       "tf.Erf"
func.func @erf_other(%x: tensor<2x16xf32>, %z: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %r = tfl.pseudo_const <float32 [1] [0.7071067811865476]> : tensor<1xf32>
  %s = "tfl.mul"(%z, %r) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %e = "tf.Erf"(%s) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %u = "tfl.add"(%e, %one) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %m = "tfl.mul"(%x, %u) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = "tfl.mul"(%m, %half) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}

// tf.nn.gelu(approximate=False) in TF 2.21: 0.5 * x * erfc(-x * 0.70710678).
// CHECK-LABEL: func.func @gelu_erfc
// CHECK:       "tfl.gelu"(%x) <{approximate = false}>
// CHECK-NOT:   tf.Erfc
// CHECK-NOT:   tfl.neg
func.func @gelu_erfc(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %r = tfl.pseudo_const <float32 [1] [0.7071067811865476]> : tensor<1xf32>
  %n = "tfl.neg"(%x) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %s = "tfl.mul"(%n, %r) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %e = "tf.Erfc"(%s) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %h = "tfl.mul"(%half, %x) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = "tfl.mul"(%h, %e) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}
