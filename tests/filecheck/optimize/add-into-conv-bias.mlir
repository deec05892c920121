// RUN: xdsl-opt -p optimize %s | filecheck %s

// conv + per-channel constant -> bias (created, since the conv had none); the add's relu6 moves onto the conv.
// CHECK-LABEL: func.func @conv_add
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [2] [0.5, -1.0]>
// CHECK:       "tfl.conv_2d"(%x, %{{.*}}, %[[B]]) <{{.*}}fused_activation_function = "RELU6"
// CHECK-NOT:   tfl.add
func.func @conv_add(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x4x4x2xf32>
  %k = tfl.pseudo_const <float32 [1, 1, 1, 2] [0.5, -1.0]> : tensor<1x1x1x2xf32>
  %y = "tfl.add"(%c, %k) <{fused_activation_function = "RELU6"}> : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// Sub of a constant with the constant on the right, existing bias.
// CHECK-LABEL: func.func @conv_sub
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [2] [0.75, 1.75]>
// CHECK:       "tfl.conv_2d"(%x, %{{.*}}, %[[B]])
// CHECK-NOT:   tfl.sub
func.func @conv_sub(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %k = tfl.pseudo_const <float32 [1] [0.25]> : tensor<1xf32>
  %y = "tfl.sub"(%c, %k) : (tensor<1x4x4x2xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// Must not fire: the constant varies over H/W (not broadcastable on the channel axis only).
// CHECK-LABEL: func.func @conv_add_spatial
// CHECK:       "tfl.conv_2d"(%x, %{{.*}}, %b)
// CHECK:       "tfl.add"
func.func @conv_add_spatial(%x: tensor<1x2x1x1xf32>) -> tensor<1x2x1x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x2x1x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x1x2xf32>
  %k = tfl.pseudo_const <float32 [1, 2, 1, 1] [1.0, 2.0]> : tensor<1x2x1x1xf32>
  %y = "tfl.add"(%c, %k) : (tensor<1x2x1x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x2xf32>
  func.return %y : tensor<1x2x1x2xf32>
}

// Must not fire: constant minus conv (would need a negated filter).
// CHECK-LABEL: func.func @const_minus_conv
// CHECK:       "tfl.sub"(%k, %c)
func.func @const_minus_conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0, 2.0]> : tensor<2x1x1x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %b) : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x4x4x2xf32>
  %k = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %y = "tfl.sub"(%k, %c) : (tensor<2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}
