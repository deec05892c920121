// RUN: xdsl-opt -p optimize %s | filecheck %s

// reshape(reshape(x)) -> one reshape; squeeze -> reshape, then merged too.
// CHECK-LABEL: func.func @reshape_reshape
// CHECK:       "tfl.reshape"(%x, %{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi32>) -> tensor<4x6xf32>
// CHECK-NOT:   tfl.reshape
// CHECK-NOT:   tfl.squeeze
func.func @reshape_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %s1 = tfl.pseudo_const <int32 [4] [6, 1, 4, 1]> : tensor<4xi32>
  %a = "tfl.reshape"(%x, %s1) : (tensor<2x3x4xf32>, tensor<4xi32>) -> tensor<6x1x4x1xf32>
  %b = "tfl.squeeze"(%a) <{squeeze_dims = array<i32: 1, 3>}> : (tensor<6x1x4x1xf32>) -> tensor<6x4xf32>
  %s2 = tfl.pseudo_const <int32 [2] [4, 6]> : tensor<2xi32>
  %c = "tfl.reshape"(%b, %s2) : (tensor<6x4xf32>, tensor<2xi32>) -> tensor<4x6xf32>
  func.return %c : tensor<4x6xf32>
}

// A reshape back to the original shape disappears.
// CHECK-LABEL: func.func @reshape_roundtrip
// CHECK-NEXT:  func.return %x
func.func @reshape_roundtrip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s1 = tfl.pseudo_const <int32 [1] [6]> : tensor<1xi32>
  %a = "tfl.reshape"(%x, %s1) : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<6xf32>
  %s2 = tfl.pseudo_const <int32 [2] [2, 3]> : tensor<2xi32>
  %b = "tfl.reshape"(%a, %s2) : (tensor<6xf32>, tensor<2xi32>) -> tensor<2x3xf32>
  func.return %b : tensor<2x3xf32>
}

// Must not fire (erasing the inner reshape): it is also returned; the outer one reads x directly.
// CHECK-LABEL: func.func @reshape_shared
// CHECK:       %[[A:.*]] = "tfl.reshape"(%x
// CHECK:       "tfl.reshape"(%x
// CHECK:       func.return %{{.*}}, %[[A]]
func.func @reshape_shared(%x: tensor<2x3x4xf32>) -> (tensor<4x6xf32>, tensor<6x4xf32>) {
  %s1 = tfl.pseudo_const <int32 [2] [6, 4]> : tensor<2xi32>
  %a = "tfl.reshape"(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi32>) -> tensor<6x4xf32>
  %s2 = tfl.pseudo_const <int32 [2] [4, 6]> : tensor<2xi32>
  %c = "tfl.reshape"(%a, %s2) : (tensor<6x4xf32>, tensor<2xi32>) -> tensor<4x6xf32>
  func.return %c, %a : tensor<4x6xf32>, tensor<6x4xf32>
}
