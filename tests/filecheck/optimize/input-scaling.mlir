// RUN: xdsl-opt -p optimize %s | filecheck %s

// Per-input-channel mul before a conv scales the filter's I dim (OHWI dim 3).
// CHECK-LABEL: func.func @mul_conv
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [2, 1, 1, 2] [2.0, 6.0, 4.0, 12.0]>
// CHECK:       "tfl.conv_2d"(%x, %[[W]], %b)
// CHECK-NOT:   tfl.mul
func.func @mul_conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %s = tfl.pseudo_const <float32 [2] [2.0, 3.0]> : tensor<2xf32>
  %m = "tfl.mul"(%x, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %w = tfl.pseudo_const <float32 [2, 1, 1, 2] [1.0, 2.0, 2.0, 4.0]> : tensor<2x1x1x2xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%m, %w, %b) <{padding = "SAME"}> : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, none) -> tensor<1x4x4x2xf32>
  func.return %c : tensor<1x4x4x2xf32>
}

// An add before a VALID conv becomes a bias term: b[o] += sum_hwi W[o,h,w,i] * c[i].
// CHECK-LABEL: func.func @add_valid_conv
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [1] [11.0]>
// CHECK:       "tfl.conv_2d"(%x, %w, %[[B]])
// CHECK-NOT:   tfl.add
func.func @add_valid_conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x4x1xf32> {
  %k = tfl.pseudo_const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %a = "tfl.add"(%x, %k) : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %w = tfl.pseudo_const <float32 [1, 2, 1, 2] [1.0, 1.0, 2.0, 2.0]> : tensor<1x2x1x2xf32>
  %b = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %c = "tfl.conv_2d"(%a, %w, %b) <{padding = "VALID"}> : (tensor<1x4x4x2xf32>, tensor<1x2x1x2xf32>, tensor<1xf32>) -> tensor<1x3x4x1xf32>
  func.return %c : tensor<1x3x4x1xf32>
}

// Per-input-channel mul before FULLY_CONNECTED scales the weight columns.
// CHECK-LABEL: func.func @mul_fc
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [1, 2] [3.0, -2.0]>
// CHECK:       "tfl.fully_connected"(%x, %[[W]], %b)
func.func @mul_fc(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %s = tfl.pseudo_const <float32 [2] [3.0, -1.0]> : tensor<2xf32>
  %m = "tfl.mul"(%s, %x) : (tensor<2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %w = tfl.pseudo_const <float32 [1, 2] [1.0, 2.0]> : tensor<1x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%m, %w, %b) : (tensor<1x2xf32>, tensor<1x2xf32>, none) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}

// Must not fire: SAME padding of a 3x3 conv would pad with zeros, not with the shifted value.
// CHECK-LABEL: func.func @add_same_conv
// CHECK:       "tfl.add"
// CHECK:       "tfl.conv_2d"(%a
func.func @add_same_conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32> {
  %k = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %a = "tfl.add"(%x, %k) : (tensor<1x4x4x1xf32>, tensor<1xf32>) -> tensor<1x4x4x1xf32>
  %w = tfl.pseudo_const <float32 [1, 3, 3, 1] [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<1x3x3x1xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%a, %w, %b) <{padding = "SAME"}> : (tensor<1x4x4x1xf32>, tensor<1x3x3x1xf32>, none) -> tensor<1x4x4x1xf32>
  func.return %c : tensor<1x4x4x1xf32>
}

// Must not fire: the scaled input is also used elsewhere.
// CHECK-LABEL: func.func @mul_conv_two_uses
// CHECK:       "tfl.mul"
// CHECK:       "tfl.conv_2d"(%m
func.func @mul_conv_two_uses(%x: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %s = tfl.pseudo_const <float32 [2] [2.0, 3.0]> : tensor<2xf32>
  %m = "tfl.mul"(%x, %s) : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %w = tfl.pseudo_const <float32 [2, 1, 1, 2] [1.0, 2.0, 2.0, 4.0]> : tensor<2x1x1x2xf32>
  %b = tfl.no_value
  %c = "tfl.conv_2d"(%m, %w, %b) : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, none) -> tensor<1x4x4x2xf32>
  func.return %c, %m : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}
