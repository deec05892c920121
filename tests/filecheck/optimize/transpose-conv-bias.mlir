// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @tconv_add
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [2] [1.0, 2.0]>
// CHECK:       "tfl.transpose_conv"(%s, %w, %x, %[[B]])
// CHECK-NOT:   tfl.add
func.func @tconv_add(%x: tensor<1x2x2x1xf32>) -> tensor<1x4x4x2xf32> {
  %s = tfl.pseudo_const <int32 [4] [1, 4, 4, 2]> : tensor<4xi32>
  %w = tfl.pseudo_const <float32 [2, 2, 2, 1] [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]> : tensor<2x2x2x1xf32>
  %b = tfl.no_value
  %t = "tfl.transpose_conv"(%s, %w, %x, %b) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32}> : (tensor<4xi32>, tensor<2x2x2x1xf32>, tensor<1x2x2x1xf32>, none) -> tensor<1x4x4x2xf32>
  %k = tfl.pseudo_const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %a = "tfl.add"(%t, %k) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %a : tensor<1x4x4x2xf32>
}

// Must not fire: the added tensor is a function argument, not a constant.
// CHECK-LABEL: func.func @tconv_add_i32
// CHECK:       "tfl.add"
func.func @tconv_add_i32(%x: tensor<1x2x2x1xf32>, %k: tensor<2xf32>) -> tensor<1x4x4x2xf32> {
  %s = tfl.pseudo_const <int32 [4] [1, 4, 4, 2]> : tensor<4xi32>
  %w = tfl.pseudo_const <float32 [2, 2, 2, 1] [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]> : tensor<2x2x2x1xf32>
  %b = tfl.no_value
  %t = "tfl.transpose_conv"(%s, %w, %x, %b) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32}> : (tensor<4xi32>, tensor<2x2x2x1xf32>, tensor<1x2x2x1xf32>, none) -> tensor<1x4x4x2xf32>
  %a = "tfl.add"(%t, %k) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %a : tensor<1x4x4x2xf32>
}
