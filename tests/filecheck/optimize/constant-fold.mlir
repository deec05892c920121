// RUN: xdsl-opt -p optimize %s | filecheck %s

// Ops whose operands are all constant are computed (numpy), here a transposed weight and a shape product.
// CHECK-LABEL: func.func @fold
// CHECK-DAG:   tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK-DAG:   tfl.pseudo_const <int32 [2] [2, 12]>
// CHECK-NOT:   tfl.transpose
// CHECK-NOT:   tfl.mul
func.func @fold() -> (tensor<3x2xf32>, tensor<2xi32>) {
  %w = tfl.pseudo_const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x3xf32>
  %p = tfl.pseudo_const <int32 [2] [1, 0]> : tensor<2xi32>
  %t = "tfl.transpose"(%w, %p) : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  %a = tfl.pseudo_const <int32 [2] [1, 3]> : tensor<2xi32>
  %b = tfl.pseudo_const <int32 [2] [2, 4]> : tensor<2xi32>
  %m = "tfl.mul"(%a, %b) : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  func.return %t, %m : tensor<3x2xf32>, tensor<2xi32>
}

// shape(x) of a static tensor is a constant.
// CHECK-LABEL: func.func @shape
// CHECK:       tfl.pseudo_const <int32 [3] [2, 3, 4]>
// CHECK-NOT:   tfl.shape
func.func @shape(%x: tensor<2x3x4xf32>) -> tensor<3xi32> {
  %s = "tfl.shape"(%x) : (tensor<2x3x4xf32>) -> tensor<3xi32>
  func.return %s : tensor<3xi32>
}

// Must not fire: one operand is not constant.
// CHECK-LABEL: func.func @no_fold
// CHECK:       "tfl.mul"(%x
func.func @no_fold(%x: tensor<2xi32>) -> tensor<2xi32> {
  %a = tfl.pseudo_const <int32 [2] [1, 3]> : tensor<2xi32>
  %m = "tfl.mul"(%x, %a) : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  func.return %m : tensor<2xi32>
}
