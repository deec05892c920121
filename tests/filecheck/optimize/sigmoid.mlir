// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @sigmoid
// CHECK:       "tfl.logistic"(%x)
// CHECK-NOT:   tfl.exp
func.func @sigmoid(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %n = "tfl.neg"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %e = "tfl.exp"(%n) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %d = "tfl.add"(%e, %one) : (tensor<2x8xf32>, tensor<1xf32>) -> tensor<2x8xf32>
  %y = "tfl.div"(%one, %d) : (tensor<1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}

// Must not fire: 1 / (1 + exp(x)) is sigmoid(-x).
// CHECK-LABEL: func.func @not_sigmoid
// CHECK-NOT:   tfl.logistic
// CHECK:       "tfl.exp"(%x)
func.func @not_sigmoid(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %e = "tfl.exp"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %d = "tfl.add"(%e, %one) : (tensor<2x8xf32>, tensor<1xf32>) -> tensor<2x8xf32>
  %y = "tfl.div"(%one, %d) : (tensor<1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}
