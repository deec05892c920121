// RUN: xdsl-opt -p optimize %s | filecheck %s

// Two transposes compose into one.
// CHECK-LABEL: func.func @transpose_transpose
// CHECK:       tfl.pseudo_const <int32 [3] [2, 0, 1]>
// CHECK:       "tfl.transpose"(%x
// CHECK-NOT:   tfl.transpose
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %p1 = tfl.pseudo_const <int32 [3] [1, 0, 2]> : tensor<3xi32>
  %a = "tfl.transpose"(%x, %p1) : (tensor<2x3x4xf32>, tensor<3xi32>) -> tensor<3x2x4xf32>
  %p2 = tfl.pseudo_const <int32 [3] [2, 1, 0]> : tensor<3xi32>
  %b = "tfl.transpose"(%a, %p2) : (tensor<3x2x4xf32>, tensor<3xi32>) -> tensor<4x2x3xf32>
  func.return %b : tensor<4x2x3xf32>
}

// Inverse permutations cancel.
// CHECK-LABEL: func.func @transpose_inverse
// CHECK-NEXT:  func.return %x
func.func @transpose_inverse(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %p1 = tfl.pseudo_const <int32 [3] [1, 2, 0]> : tensor<3xi32>
  %a = "tfl.transpose"(%x, %p1) : (tensor<2x3x4xf32>, tensor<3xi32>) -> tensor<3x4x2xf32>
  %p2 = tfl.pseudo_const <int32 [3] [2, 0, 1]> : tensor<3xi32>
  %b = "tfl.transpose"(%a, %p2) : (tensor<3x4x2xf32>, tensor<3xi32>) -> tensor<2x3x4xf32>
  func.return %b : tensor<2x3x4xf32>
}

// A transpose that only moves a size-1 dim is a reshape.
// CHECK-LABEL: func.func @transpose_unit
// CHECK:       "tfl.reshape"(%x
// CHECK-NOT:   tfl.transpose
func.func @transpose_unit(%x: tensor<1x3x4xf32>) -> tensor<3x1x4xf32> {
  %p = tfl.pseudo_const <int32 [3] [1, 0, 2]> : tensor<3xi32>
  %a = "tfl.transpose"(%x, %p) : (tensor<1x3x4xf32>, tensor<3xi32>) -> tensor<3x1x4xf32>
  func.return %a : tensor<3x1x4xf32>
}

// Must not fire: a real permutation of data stays a transpose.
// CHECK-LABEL: func.func @transpose_real
// CHECK:       "tfl.transpose"(%x
func.func @transpose_real(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %p = tfl.pseudo_const <int32 [2] [1, 0]> : tensor<2xi32>
  %a = "tfl.transpose"(%x, %p) : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  func.return %a : tensor<3x2xf32>
}
