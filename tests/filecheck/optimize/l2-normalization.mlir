// RUN: xdsl-opt -p optimize %s | filecheck %s

// tf.math.l2_normalize: x * rsqrt(max(sum(square(x), -1), 1e-12)).
// CHECK-LABEL: func.func @l2norm
// CHECK:       "tfl.l2_normalization"(%x)
// CHECK-NOT:   tfl.rsqrt
func.func @l2norm(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [-1]> : tensor<1xi32>
  %eps = tfl.pseudo_const <float32 [1] [1.0e-12]> : tensor<1xf32>
  %q = "tfl.square"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%q, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %m = "tfl.maximum"(%s, %eps) : (tensor<2x1xf32>, tensor<1xf32>) -> tensor<2x1xf32>
  %r = "tfl.rsqrt"(%m) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = "tfl.mul"(%x, %r) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}

// Must not fire: epsilon too large for TFLite's kernel (which clamps the norm at 1e-6).
// CHECK-LABEL: func.func @l2norm_big_eps
// CHECK-NOT:   tfl.l2_normalization
// CHECK:       "tfl.rsqrt"
func.func @l2norm_big_eps(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [-1]> : tensor<1xi32>
  %eps = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %q = "tfl.square"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%q, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %m = "tfl.maximum"(%s, %eps) : (tensor<2x1xf32>, tensor<1xf32>) -> tensor<2x1xf32>
  %r = "tfl.rsqrt"(%m) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = "tfl.mul"(%x, %r) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}
