// RUN: xdsl-opt -p optimize %s | filecheck %s

// exp(x - max(x)) / sum(exp(x - max(x))) over the last axis -> softmax(x).
// CHECK-LABEL: func.func @softmax
// CHECK:       "tfl.softmax"(%x) <{beta = 1.0
// CHECK-NOT:   tfl.exp
func.func @softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [-1]> : tensor<1xi32>
  %m = "tfl.reduce_max"(%x, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %z = "tfl.sub"(%x, %m) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e = "tfl.exp"(%z) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%e, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %y = "tfl.div"(%e, %s) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}

// Must not fire: the sum runs over the first axis.
// CHECK-LABEL: func.func @softmax_axis0
// CHECK-NOT:   tfl.softmax
// CHECK:       "tfl.div"
func.func @softmax_axis0(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [0]> : tensor<1xi32>
  %e = "tfl.exp"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%e, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<1x8xf32>
  %y = "tfl.div"(%e, %s) : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}
