// RUN: tflc opt %s -p dce | filecheck %s

// Unused results are erased, whole dead chains in one backward sweep (constants feeding them too).
// CHECK-LABEL: func.func @dead_chain
// CHECK-NEXT:    %[[R:.*]] = "tfl.relu"(%x)
// CHECK-NEXT:    func.return %[[R]]
func.func @dead_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %a = "tfl.add"(%x, %c) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %m = "tfl.mul"(%a, %a) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t = "tf.Tanh"(%m) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %r = "tfl.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// Leftover tf constants and tfl.no_value with no users go too.
// CHECK-LABEL: func.func @dead_constants
// CHECK-NOT:     tf.Const
// CHECK-NOT:     tfl.no_value
// CHECK:         func.return %x
func.func @dead_constants(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %n = tfl.no_value
  func.return %x : tensor<4xf32>
}
