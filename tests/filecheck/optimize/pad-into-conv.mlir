// RUN: xdsl-opt -p optimize %s | filecheck %s

// MobileNet-style: pad (0,1)x(0,1) + stride-2 3x3 VALID == SAME (odd pixel bottom/right).
// CHECK-LABEL: func.func @pad_stride2
// CHECK-NOT:   tfl.pad
// CHECK:       "tfl.conv_2d"(%x, {{.*}}padding = "SAME"
func.func @pad_stride2(%x: tensor<1x8x8x1xf32>) -> tensor<1x4x4x1xf32> {
  %p = tfl.pseudo_const <int32 [4, 2] [0, 0, 0, 1, 0, 1, 0, 0]> : tensor<4x2xi32>
  %y = "tfl.pad"(%x, %p) : (tensor<1x8x8x1xf32>, tensor<4x2xi32>) -> tensor<1x9x9x1xf32>
  %w = tfl.pseudo_const <float32 [1, 3, 3, 1] [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<1x3x3x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%y, %w, %b) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32}> : (tensor<1x9x9x1xf32>, tensor<1x3x3x1xf32>, none) -> tensor<1x4x4x1xf32>
  func.return %c : tensor<1x4x4x1xf32>
}

// Symmetric pad 1 + stride-1 3x3 depthwise.
// CHECK-LABEL: func.func @pad_dw
// CHECK-NOT:   tfl.pad
// CHECK:       "tfl.depthwise_conv_2d"(%x, {{.*}}padding = "SAME"
func.func @pad_dw(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32> {
  %p = tfl.pseudo_const <int32 [4, 2] [0, 0, 1, 1, 1, 1, 0, 0]> : tensor<4x2xi32>
  %y = "tfl.pad"(%x, %p) : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x6x6x1xf32>
  %w = tfl.pseudo_const <float32 [1, 3, 3, 1] [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<1x3x3x1xf32>
  %b = tfl.no_value
  %c = "tfl.depthwise_conv_2d"(%y, %w, %b) <{padding = "VALID", depth_multiplier = 1 : i32}> : (tensor<1x6x6x1xf32>, tensor<1x3x3x1xf32>, none) -> tensor<1x4x4x1xf32>
  func.return %c : tensor<1x4x4x1xf32>
}

// Must not fire: the odd pixel is on the top/left (TensorFlow's SAME puts it bottom/right).
// CHECK-LABEL: func.func @pad_unbalanced
// CHECK:       "tfl.pad"
// CHECK:       padding = "VALID"
func.func @pad_unbalanced(%x: tensor<1x8x8x1xf32>) -> tensor<1x4x4x1xf32> {
  %p = tfl.pseudo_const <int32 [4, 2] [0, 0, 1, 0, 1, 0, 0, 0]> : tensor<4x2xi32>
  %y = "tfl.pad"(%x, %p) : (tensor<1x8x8x1xf32>, tensor<4x2xi32>) -> tensor<1x9x9x1xf32>
  %w = tfl.pseudo_const <float32 [1, 3, 3, 1] [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<1x3x3x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%y, %w, %b) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32}> : (tensor<1x9x9x1xf32>, tensor<1x3x3x1xf32>, none) -> tensor<1x4x4x1xf32>
  func.return %c : tensor<1x4x4x1xf32>
}

// Must not fire: more padding than SAME would add.
// CHECK-LABEL: func.func @pad_too_much
// CHECK:       "tfl.pad"
// CHECK:       padding = "VALID"
func.func @pad_too_much(%x: tensor<1x4x4x1xf32>) -> tensor<1x6x6x1xf32> {
  %p = tfl.pseudo_const <int32 [4, 2] [0, 0, 2, 2, 2, 2, 0, 0]> : tensor<4x2xi32>
  %y = "tfl.pad"(%x, %p) : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x8x8x1xf32>
  %w = tfl.pseudo_const <float32 [1, 3, 3, 1] [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<1x3x3x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%y, %w, %b) <{padding = "VALID"}> : (tensor<1x8x8x1xf32>, tensor<1x3x3x1xf32>, none) -> tensor<1x6x6x1xf32>
  func.return %c : tensor<1x6x6x1xf32>
}
