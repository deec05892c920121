// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @fc_relu1
// CHECK:       "tfl.fully_connected"({{.*}}fused_activation_function = "RELU_N1_TO_1"
// CHECK-NOT:   tfl.relu_n1_to_1
func.func @fc_relu1(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %b) : (tensor<1x2xf32>, tensor<3x2xf32>, none) -> tensor<1x3xf32>
  %r = "tfl.relu_n1_to_1"(%y) : (tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %r : tensor<1x3xf32>
}

// Must not fire: tanh is never fused into the producer.
// CHECK-LABEL: func.func @fc_tanh
// CHECK:       "tfl.fully_connected"({{.*}}fused_activation_function = "NONE"
// CHECK:       "tfl.tanh"
func.func @fc_tanh(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %b) : (tensor<1x2xf32>, tensor<3x2xf32>, none) -> tensor<1x3xf32>
  %r = "tfl.tanh"(%y) : (tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %r : tensor<1x3xf32>
}
