// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// BatchMatMulV2 with a constant 2-D RHS: FULLY_CONNECTED with weights [N, K] and keep_num_dims (rank-3 input).
// CHECK-LABEL: func.func @bmm_const_rhs
// CHECK:       tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK:       "tfl.fully_connected"({{.*}}) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = true, asymmetric_quantize_inputs = false}> : (tensor<1x4x2xf32>, tensor<3x2xf32>, none) -> tensor<1x4x3xf32>
// CHECK-NOT:   tfl.batch_matmul
func.func @bmm_const_rhs(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %w = tf.Const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x3xf32>
  %y = "tf.BatchMatMulV2"(%x, %w) {T = f32, adj_x = false, adj_y = false} : (tensor<1x4x2xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  func.return %y : tensor<1x4x3xf32>
}

// adj_y with a constant RHS: the constant already is [N, K], used as is.
// CHECK-LABEL: func.func @bmm_const_rhs_adj_y
// CHECK:       tfl.pseudo_const <float32 [3, 2] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]>
// CHECK:       "tfl.fully_connected"
func.func @bmm_const_rhs_adj_y(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %w = tf.Const <float32 [3, 2] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<3x2xf32>
  %y = "tf.BatchMatMulV2"(%x, %w) {T = f32, adj_x = false, adj_y = true} : (tensor<1x4x2xf32>, tensor<3x2xf32>) -> tensor<1x4x3xf32>
  func.return %y : tensor<1x4x3xf32>
}

// A constant RHS with unit batch dims ([1, K, N]) is a matrix too.
// CHECK-LABEL: func.func @bmm_const_rhs_unit_batch
// CHECK:       tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK:       "tfl.fully_connected"
func.func @bmm_const_rhs_unit_batch(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %w = tf.Const <float32 [1, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x2x3xf32>
  %y = "tf.BatchMatMulV2"(%x, %w) {T = f32, adj_x = false, adj_y = false} : (tensor<1x4x2xf32>, tensor<1x2x3xf32>) -> tensor<1x4x3xf32>
  func.return %y : tensor<1x4x3xf32>
}

// adj_x with a constant RHS: FULLY_CONNECTED cannot transpose its input, so BATCH_MATMUL (must not be FC).
// CHECK-LABEL: func.func @bmm_const_rhs_adj_x
// CHECK-NOT:   tfl.fully_connected
// CHECK:       "tfl.batch_matmul"({{.*}}) <{adj_x = true, adj_y = false, asymmetric_quantize_inputs = false}>
func.func @bmm_const_rhs_adj_x(%x: tensor<1x2x4xf32>) -> tensor<1x4x3xf32> {
  %w = tf.Const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<2x3xf32>
  %y = "tf.BatchMatMulV2"(%x, %w) {T = f32, adj_x = true, adj_y = false} : (tensor<1x2x4xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  func.return %y : tensor<1x4x3xf32>
}

// Two activations with adjoints: BATCH_MATMUL keeps the flags.
// CHECK-LABEL: func.func @bmm_dynamic
// CHECK:       "tfl.batch_matmul"(%a, %b) <{adj_x = false, adj_y = true, asymmetric_quantize_inputs = false}>
func.func @bmm_dynamic(%a: tensor<2x3x4xf32>, %b: tensor<2x5x4xf32>) -> tensor<2x3x5xf32> {
  %y = "tf.BatchMatMul"(%a, %b) {T = f32, adj_x = false, adj_y = true} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x3x5xf32>
  func.return %y : tensor<2x3x5xf32>
}

// BatchMatMulV3 int16 x int16 -> int32: no builtin for these mixed types, stays TF (int8 x int8 -> int32:
// matmul_int8.mlir).
// CHECK-LABEL: func.func @bmm_v3_mixed
// CHECK-NOT:   tfl.batch_matmul
// CHECK:       "tf.BatchMatMulV3"
func.func @bmm_v3_mixed(%a: tensor<2x3x4xi16>, %b: tensor<2x4x5xi16>) -> tensor<2x3x5xi32> {
  %y = "tf.BatchMatMulV3"(%a, %b) {Ta = i16, Tb = i16, Tout = i32, adj_x = false, adj_y = false} : (tensor<2x3x4xi16>, tensor<2x4x5xi16>) -> tensor<2x3x5xi32>
  func.return %y : tensor<2x3x5xi32>
}
