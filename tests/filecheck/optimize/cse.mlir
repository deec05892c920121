// RUN: xdsl-opt -p optimize %s | filecheck %s

// Identical ops (name, operands, properties) and identical constants are merged.
// CHECK-LABEL: func.func @cse
// CHECK:       %[[R:.*]] = "tfl.relu"(%x)
// CHECK-NOT:   "tfl.relu"
// CHECK:       "tfl.add"(%[[R]], %[[R]])
func.func @cse(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "tfl.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "tfl.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %c = "tfl.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// CHECK-LABEL: func.func @cse_const
// CHECK:       %[[K:.*]] = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]>
// CHECK-NOT:   tfl.pseudo_const
// CHECK:       "tfl.sub"(%x, %[[K]])
// CHECK:       "tfl.squared_difference"(%x, %[[K]])
func.func @cse_const(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %k1 = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %k2 = tfl.pseudo_const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %a = "tfl.sub"(%x, %k1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = "tfl.squared_difference"(%x, %k2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// Must not fire: same op on the same operand with different options.
// CHECK-LABEL: func.func @no_cse
// CHECK:       "tfl.leaky_relu"(%x) <{alpha = 1.000000e-01
// CHECK:       "tfl.leaky_relu"(%x) <{alpha = 2.000000e-01
func.func @no_cse(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = "tfl.leaky_relu"(%x) <{alpha = 0.1 : f32}> : (tensor<4xf32>) -> tensor<4xf32>
  %b = "tfl.leaky_relu"(%x) <{alpha = 0.2 : f32}> : (tensor<4xf32>) -> tensor<4xf32>
  func.return %a, %b : tensor<4xf32>, tensor<4xf32>
}
