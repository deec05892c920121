// RUN: python -m compiler.frontends.jax_stablehlo %s | filecheck %s

// x[1,8,32] . W[32,4,8]: W as a [32, 32] matrix, one BatchMatMulV2 (-> FULLY_CONNECTED), a reshape to [1,8,4,8].
// Attention scores (batch dims 0, 2; contracting 3 x 3): both operands as [1,4,8,8], adj_y instead of a K^T.
// CHECK:      %[[W:.*]] = tfl.pseudo_const <float32 [32, 32]
// CHECK:      %[[MM:.*]] = "tf.BatchMatMulV2"(%0, %[[W]]) {adj_x = false, adj_y = false} : (tensor<1x8x32xf32>, tensor<32x32xf32>) -> tensor<1x8x32xf32>
// CHECK-NEXT: "tf.Reshape"(%[[MM]], %{{.*}}) : (tensor<1x8x32xf32>, tensor<4xi32>) -> tensor<1x8x4x8xf32>
// CHECK:      %[[Q:.*]] = "tf.Transpose"(%1, %{{.*}}) : (tensor<1x8x4x8xf32>, tensor<4xi32>) -> tensor<1x4x8x8xf32>
// CHECK:      %[[K:.*]] = "tf.Transpose"(%1, %{{.*}}) : (tensor<1x8x4x8xf32>, tensor<4xi32>) -> tensor<1x4x8x8xf32>
// CHECK:      "tf.BatchMatMulV2"(%[[Q]], %[[K]]) {adj_x = false, adj_y = true} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
func.func public @main(%arg0: tensor<1x8x32xf32>, %arg1: tensor<1x8x4x8xf32>) -> (tensor<1x8x4x8xf32>, tensor<1x4x8x8xf32>) {
  %w = stablehlo.constant dense<0.5> : tensor<32x4x8xf32>
  %0 = stablehlo.dot_general %arg0, %w, contracting_dims = [2] x [0] : (tensor<1x8x32xf32>, tensor<32x4x8xf32>) -> tensor<1x8x4x8xf32>
  %1 = stablehlo.dot_general %arg1, %arg1, batching_dims = [0, 2] x [0, 2], contracting_dims = [3] x [3] : (tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x8x4x8xf32>, tensor<1x4x8x8xf32>
}
