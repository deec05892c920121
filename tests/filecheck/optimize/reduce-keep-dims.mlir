// RUN: xdsl-opt -p optimize %s | filecheck %s

// Squeeze-excite: mean over H, W then reshape to [1, 1, 1, C] -> mean with keep_dims.
// CHECK-LABEL: func.func @mean_reshape
// CHECK:       "tfl.mean"(%x, %{{.*}}) <{keep_dims = true}> {{.*}}-> tensor<1x1x1x8xf32>
// CHECK-NOT:   tfl.reshape
func.func @mean_reshape(%x: tensor<1x4x4x8xf32>) -> tensor<1x1x1x8xf32> {
  %ax = tfl.pseudo_const <int32 [2] [1, 2]> : tensor<2xi32>
  %m = "tfl.mean"(%x, %ax) <{keep_dims = false}> : (tensor<1x4x4x8xf32>, tensor<2xi32>) -> tensor<1x8xf32>
  %s = tfl.pseudo_const <int32 [4] [1, 1, 1, 8]> : tensor<4xi32>
  %r = "tfl.reshape"(%m, %s) : (tensor<1x8xf32>, tensor<4xi32>) -> tensor<1x1x1x8xf32>
  func.return %r : tensor<1x1x1x8xf32>
}

// Must not fire: the reshape goes to a different layout than keep_dims would give.
// CHECK-LABEL: func.func @mean_other_reshape
// CHECK:       "tfl.mean"(%x, %{{.*}}) <{keep_dims = false}>
// CHECK:       "tfl.reshape"
func.func @mean_other_reshape(%x: tensor<1x4x4x8xf32>) -> tensor<1x8x1x1xf32> {
  %ax = tfl.pseudo_const <int32 [2] [1, 2]> : tensor<2xi32>
  %m = "tfl.mean"(%x, %ax) <{keep_dims = false}> : (tensor<1x4x4x8xf32>, tensor<2xi32>) -> tensor<1x8xf32>
  %s = tfl.pseudo_const <int32 [4] [1, 8, 1, 1]> : tensor<4xi32>
  %r = "tfl.reshape"(%m, %s) : (tensor<1x8xf32>, tensor<4xi32>) -> tensor<1x8x1x1xf32>
  func.return %r : tensor<1x8x1x1xf32>
}
