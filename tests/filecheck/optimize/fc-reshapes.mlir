// RUN: xdsl-opt -p optimize %s | filecheck %s

// reshape [1,4,2] -> [4,2], FC, reshape back to [1,4,3] -> one FC with keep_num_dims.
// CHECK-LABEL: func.func @fc_reshapes
// CHECK:       "tfl.fully_connected"(%x, %w, %b) <{{.*}}keep_num_dims = true{{.*}}-> tensor<1x4x3xf32>
// CHECK-NOT:   tfl.reshape
func.func @fc_reshapes(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %s1 = tfl.pseudo_const <int32 [2] [4, 2]> : tensor<2xi32>
  %a = "tfl.reshape"(%x, %s1) : (tensor<1x4x2xf32>, tensor<2xi32>) -> tensor<4x2xf32>
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%a, %w, %b) : (tensor<4x2xf32>, tensor<3x2xf32>, none) -> tensor<4x3xf32>
  %s2 = tfl.pseudo_const <int32 [3] [1, 4, 3]> : tensor<3xi32>
  %z = "tfl.reshape"(%y, %s2) : (tensor<4x3xf32>, tensor<3xi32>) -> tensor<1x4x3xf32>
  func.return %z : tensor<1x4x3xf32>
}

// Must not fire: the reshape before the FC changes the inner dimension.
// CHECK-LABEL: func.func @fc_reshape_inner
// CHECK:       "tfl.reshape"(%x
// CHECK:       "tfl.fully_connected"(%a
func.func @fc_reshape_inner(%x: tensor<1x2x2xf32>) -> tensor<1x3xf32> {
  %s1 = tfl.pseudo_const <int32 [2] [1, 4]> : tensor<2xi32>
  %a = "tfl.reshape"(%x, %s1) : (tensor<1x2x2xf32>, tensor<2xi32>) -> tensor<1x4xf32>
  %w = tfl.pseudo_const <float32 [3, 4] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x4xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%a, %w, %b) : (tensor<1x4xf32>, tensor<3x4xf32>, none) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
