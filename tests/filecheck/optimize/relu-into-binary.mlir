// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @add_relu
// CHECK:       "tfl.add"(%a, %b) <{fused_activation_function = "RELU"}>
// CHECK-NOT:   tfl.relu
func.func @add_relu(%a: tensor<1x4x4x8xf32>, %b: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %s = "tfl.add"(%a, %b) : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %r = "tfl.relu"(%s) : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  func.return %r : tensor<1x4x4x8xf32>
}

// CHECK-LABEL: func.func @mul_relu6
// CHECK:       "tfl.mul"(%a, %b) <{fused_activation_function = "RELU6"}>
func.func @mul_relu6(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %s = "tfl.mul"(%a, %b) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = "tfl.relu6"(%s) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  func.return %r : tensor<2x8xf32>
}

// Must not fire: rank-5 broadcasting binary kernels take no fused activation.
// CHECK-LABEL: func.func @sub_rank5
// CHECK:       "tfl.sub"(%a, %b) <{fused_activation_function = "NONE"}>
// CHECK:       "tfl.relu"
func.func @sub_rank5(%a: tensor<1x2x2x2x2xf32>, %b: tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %s = "tfl.sub"(%a, %b) : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %r = "tfl.relu"(%s) : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  func.return %r : tensor<1x2x2x2x2xf32>
}
