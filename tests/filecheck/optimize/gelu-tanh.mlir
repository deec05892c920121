// RUN: xdsl-opt -p optimize %s | filecheck %s

// tf.nn.gelu(approximate=True): 0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * pow(x, 3)))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK:       "tfl.gelu"(%x) <{approximate = true}>
// CHECK-NOT:   tfl.tanh
func.func @gelu_tanh(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %three = tfl.pseudo_const <float32 [1] [3.0]> : tensor<1xf32>
  %k = tfl.pseudo_const <float32 [1] [0.044715]> : tensor<1xf32>
  %s = tfl.pseudo_const <float32 [1] [0.7978845608028654]> : tensor<1xf32>
  %p = "tfl.pow"(%x, %three) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %c = "tfl.mul"(%k, %p) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %i = "tfl.add"(%x, %c) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %j = "tfl.mul"(%s, %i) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %t = "tfl.tanh"(%j) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %u = "tfl.add"(%one, %t) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %h = "tfl.mul"(%half, %x) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = "tfl.mul"(%h, %u) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}

// Must not fire: the cubic coefficient is wrong.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT:   tfl.gelu
// CHECK:       "tfl.tanh"
func.func @not_gelu(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %one = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %three = tfl.pseudo_const <float32 [1] [3.0]> : tensor<1xf32>
  %k = tfl.pseudo_const <float32 [1] [0.05]> : tensor<1xf32>
  %s = tfl.pseudo_const <float32 [1] [0.7978845608028654]> : tensor<1xf32>
  %p = "tfl.pow"(%x, %three) : (tensor<2x16xf32>, tensor<1xf32>) -> tensor<2x16xf32>
  %c = "tfl.mul"(%k, %p) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %i = "tfl.add"(%x, %c) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %j = "tfl.mul"(%s, %i) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %t = "tfl.tanh"(%j) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %u = "tfl.add"(%one, %t) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %h = "tfl.mul"(%half, %x) : (tensor<1xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = "tfl.mul"(%h, %u) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}
