// RUN: xdsl-opt -p optimize %s | filecheck %s

// ((a + x) - b) - h -> x + (a - b - h): one add instead of three.
// CHECK-LABEL: func.func @add_sub_chain
// CHECK:       %[[C:.*]] = tfl.pseudo_const <float32 [2] [-0.5, 0.5]>
// CHECK:       "tfl.add"(%x, %[[C]]) <{fused_activation_function = "RELU"}>
// CHECK-NOT:   tfl.sub
func.func @add_sub_chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %b = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %y = "tfl.add"(%a, %x) : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %h = tfl.pseudo_const <float32 [1] [-0.5]> : tensor<1xf32>
  %z = "tfl.sub"(%y, %b) : (tensor<3x2xf32>, tensor<1xf32>) -> tensor<3x2xf32>
  %w = "tfl.sub"(%z, %h) <{fused_activation_function = "RELU"}> : (tensor<3x2xf32>, tensor<1xf32>) -> tensor<3x2xf32>
  func.return %w : tensor<3x2xf32>
}

// (x * a) * b -> x * (a * b).
// CHECK-LABEL: func.func @mul_chain
// CHECK:       %[[C:.*]] = tfl.pseudo_const <float32 [2] [6.0, -8.0]>
// CHECK:       "tfl.mul"(%x, %[[C]])
// CHECK-NOT:   tfl.mul
func.func @mul_chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = tfl.pseudo_const <float32 [2] [3.0, -4.0]> : tensor<2xf32>
  %b = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %y = "tfl.mul"(%x, %a) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %z = "tfl.mul"(%b, %y) : (tensor<1xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %z : tensor<3x2xf32>
}

// Must not fire: the inner add has a fused activation (relu(x + a) + b is not x + (a + b)).
// CHECK-LABEL: func.func @inner_activation
// CHECK:       "tfl.add"(%x, %a) <{fused_activation_function = "RELU"}>
// CHECK:       "tfl.add"(%y, %b)
func.func @inner_activation(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %b = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %y = "tfl.add"(%x, %a) <{fused_activation_function = "RELU"}> : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %z = "tfl.add"(%y, %b) : (tensor<3x2xf32>, tensor<1xf32>) -> tensor<3x2xf32>
  func.return %z : tensor<3x2xf32>
}
