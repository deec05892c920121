// RUN: xdsl-opt -p optimize %s | filecheck %s

// BatchNorm after a conv (mul then add, as prepare-tf decomposes it) folds into filter and bias, then relu6 fuses.
// CHECK-LABEL: func.func @conv_bn_relu6
// CHECK-DAG:   %[[W:.*]] = tfl.pseudo_const <float32 [2, 1, 1, 2] [2.0, 4.0, -3.0, -4.5]>
// CHECK-DAG:   %[[B:.*]] = tfl.pseudo_const <float32 [2] [3.0, -1.5]>
// CHECK:       "tfl.conv_2d"(%x, %[[W]], %[[B]]) <{{.*}}fused_activation_function = "RELU6"
// CHECK-NOT:   tfl.mul
// CHECK-NOT:   tfl.add
func.func @conv_bn_relu6(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 2] [1.0, 2.0, 2.0, 3.0]> : tensor<2x1x1x2xf32>
  %b = tfl.pseudo_const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %s = tfl.pseudo_const <float32 [2] [2.0, -1.5]> : tensor<2xf32>
  %m = "tfl.mul"(%c, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %o = tfl.pseudo_const <float32 [2] [1.0, 0.0]> : tensor<2xf32>
  %a = "tfl.add"(%m, %o) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %r = "tfl.relu6"(%a) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %r : tensor<1x4x4x2xf32>
}

// Division by a per-channel constant scales the filter by its inverse.
// CHECK-LABEL: func.func @conv_div
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [2, 1, 1, 1] [0.5, 0.5]>
// CHECK:       "tfl.conv_2d"(%x, %[[W]], %b)
// CHECK-NOT:   tfl.div
func.func @conv_div(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x4x4x2xf32>
  %s = tfl.pseudo_const <float32 [2] [2.0, 4.0]> : tensor<2xf32>
  %y = "tfl.div"(%c, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// Must not fire: the conv already applies a relu before the mul.
// CHECK-LABEL: func.func @conv_relu_mul
// CHECK:       "tfl.conv_2d"({{.*}}fused_activation_function = "RELU"
// CHECK:       "tfl.mul"
func.func @conv_relu_mul(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) <{fused_activation_function = "RELU"}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x4x4x2xf32>
  %s = tfl.pseudo_const <float32 [2] [2.0, -4.0]> : tensor<2xf32>
  %y = "tfl.mul"(%c, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// Must not fire: the conv result is used twice.
// CHECK-LABEL: func.func @conv_mul_two_uses
// CHECK:       "tfl.mul"
func.func @conv_mul_two_uses(%x: tensor<1x4x4x1xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x4x4x2xf32>
  %s = tfl.pseudo_const <float32 [2] [2.0, -4.0]> : tensor<2xf32>
  %y = "tfl.mul"(%c, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y, %c : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}
