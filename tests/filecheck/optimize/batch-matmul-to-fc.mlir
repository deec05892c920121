// RUN: xdsl-opt -p optimize %s | filecheck %s

// batch_matmul(x [1,4,2], W [2,3]) -> fully_connected(x, W^T, keep_num_dims); a following bias add folds in.
// CHECK-LABEL: func.func @bmm_const
// CHECK-DAG:   %[[W:.*]] = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK-DAG:   %[[B:.*]] = tfl.pseudo_const <float32 [3] [0.5, 0.5, 0.5]>
// CHECK:       "tfl.fully_connected"(%x, %[[W]], %[[B]]) <{{.*}}keep_num_dims = true
// CHECK-NOT:   tfl.batch_matmul
func.func @bmm_const(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %w = tfl.pseudo_const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x3xf32>
  %y = "tfl.batch_matmul"(%x, %w) : (tensor<1x4x2xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  %b = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %z = "tfl.add"(%y, %b) : (tensor<1x4x3xf32>, tensor<1xf32>) -> tensor<1x4x3xf32>
  func.return %z : tensor<1x4x3xf32>
}

// Must not fire: both operands are activations.
// CHECK-LABEL: func.func @bmm_dynamic
// CHECK:       "tfl.batch_matmul"
func.func @bmm_dynamic(%x: tensor<1x4x2xf32>, %w: tensor<2x3xf32>) -> tensor<1x4x3xf32> {
  %y = "tfl.batch_matmul"(%x, %w) : (tensor<1x4x2xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  func.return %y : tensor<1x4x3xf32>
}

// Must not fire: a per-batch constant RHS [2, 2, 3] is not one weight matrix.
// CHECK-LABEL: func.func @bmm_batched_const
// CHECK:       "tfl.batch_matmul"
func.func @bmm_batched_const(%x: tensor<2x1x2xf32>) -> tensor<2x1x3xf32> {
  %w = tfl.pseudo_const <float32 [2, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x2x3xf32>
  %y = "tfl.batch_matmul"(%x, %w) : (tensor<2x1x2xf32>, tensor<2x2x3xf32>) -> tensor<2x1x3xf32>
  func.return %y : tensor<2x1x3xf32>
}
