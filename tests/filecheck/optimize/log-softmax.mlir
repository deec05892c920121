// RUN: xdsl-opt -p optimize %s | filecheck %s

// (x - max) - log(sum(exp(x - max))) -> log_softmax(x).
// CHECK-LABEL: func.func @log_softmax
// CHECK:       "tfl.log_softmax"(%x)
// CHECK-NOT:   tfl.log
func.func @log_softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [1]> : tensor<1xi32>
  %m = "tfl.reduce_max"(%x, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %z = "tfl.sub"(%x, %m) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e = "tfl.exp"(%z) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%e, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %l = "tfl.log"(%s) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = "tfl.sub"(%z, %l) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}

// Must not fire: log of the sum of another tensor's exp.
// CHECK-LABEL: func.func @not_log_softmax
// CHECK-NOT:   tfl.log_softmax
func.func @not_log_softmax(%x: tensor<2x8xf32>, %w: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ax = tfl.pseudo_const <int32 [1] [1]> : tensor<1xi32>
  %e = "tfl.exp"(%w) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "tfl.sum"(%e, %ax) <{keep_dims = true}> : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x1xf32>
  %l = "tfl.log"(%s) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = "tfl.sub"(%x, %l) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}
