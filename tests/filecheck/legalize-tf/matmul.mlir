// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// MatMul with a constant RHS becomes FULLY_CONNECTED with transposed weights.
// CHECK-LABEL: func.func @matmul_const
// CHECK:       tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK:       "tfl.fully_connected"
func.func @matmul_const(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = tf.Const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x3xf32>
  %y = "tf.MatMul"(%x, %w) {transpose_a = false, transpose_b = false} : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}

// Two activations: no constant weights, so BATCH_MATMUL (must not become FULLY_CONNECTED).
// CHECK-LABEL: func.func @matmul_dynamic
// CHECK-NOT:   tfl.fully_connected
// CHECK:       "tfl.batch_matmul"
func.func @matmul_dynamic(%x: tensor<2x4xf32>, %y: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %z = "tf.MatMul"(%x, %y) {transpose_a = false, transpose_b = false} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  func.return %z : tensor<2x3xf32>
}
