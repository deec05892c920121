// RUN: xdsl-opt -p optimize %s | filecheck %s

// A single-use conv without activation takes the relu.
// CHECK-LABEL: func.func @conv_relu
// CHECK:       "tfl.conv_2d"({{.*}}fused_activation_function = "RELU"
// CHECK-NOT:   tfl.relu
func.func @conv_relu(%x: tensor<1x8x8x3xf32>) -> tensor<1x8x8x4xf32> {
  %w = tfl.pseudo_const <float32 [4, 1, 1, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]> : tensor<4x1x1x3xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x8x8x3xf32>, tensor<4x1x1x3xf32>, none) -> tensor<1x8x8x4xf32>
  %r = "tfl.relu"(%c) : (tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  func.return %r : tensor<1x8x8x4xf32>
}

// Must not fire: the conv result has a second use.
// CHECK-LABEL: func.func @conv_two_uses
// CHECK:       "tfl.conv_2d"({{.*}}fused_activation_function = "NONE"
// CHECK:       "tfl.relu"
func.func @conv_two_uses(%x: tensor<1x8x8x3xf32>) -> (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) {
  %w = tfl.pseudo_const <float32 [4, 1, 1, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]> : tensor<4x1x1x3xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x8x8x3xf32>, tensor<4x1x1x3xf32>, none) -> tensor<1x8x8x4xf32>
  %r = "tfl.relu"(%c) : (tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  func.return %r, %c : tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>
}
