// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Keras Dense/EinsumDense "abc,cd->abd" with constant weights: one FULLY_CONNECTED (keep_num_dims), nothing else.
// CHECK-LABEL: func.func @einsum_dense
// CHECK-NOT:   tfl.transpose
// CHECK-NOT:   tfl.reshape
// CHECK:       tfl.pseudo_const <float32 [2, 4] [0.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0]>
// CHECK:       "tfl.fully_connected"({{.*}}) <{{.*}}keep_num_dims = true{{.*}}> : (tensor<1x6x4xf32>, tensor<2x4xf32>, none) -> tensor<1x6x2xf32>
// CHECK-NOT:   tfl.reshape
// CHECK:       func.return
func.func @einsum_dense(%x: tensor<1x6x4xf32>) -> tensor<1x6x2xf32> {
  %w = tf.Const <float32 [4, 2] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<4x2xf32>
  %y = "tf.Einsum"(%x, %w) {N = 2 : i64, T = f32, equation = "abc,cd->abd"} : (tensor<1x6x4xf32>, tensor<4x2xf32>) -> tensor<1x6x2xf32>
  func.return %y : tensor<1x6x2xf32>
}

// Constant on the left ("cd,abc->abd"): operands swapped, still one FULLY_CONNECTED.
// CHECK-LABEL: func.func @einsum_dense_const_lhs
// CHECK-NOT:   tfl.batch_matmul
// CHECK:       "tfl.fully_connected"({{.*}}) -> tensor<1x6x2xf32>
// CHECK-NOT:   tfl.transpose
// CHECK:       func.return
func.func @einsum_dense_const_lhs(%x: tensor<1x6x4xf32>) -> tensor<1x6x2xf32> {
  %w = tf.Const <float32 [4, 2] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<4x2xf32>
  %y = "tf.Einsum"(%w, %x) {N = 2 : i64, T = f32, equation = "cd,abc->abd"} : (tensor<4x2xf32>, tensor<1x6x4xf32>) -> tensor<1x6x2xf32>
  func.return %y : tensor<1x6x2xf32>
}

// MultiHeadAttention's projection "abc,cde->abde": FULLY_CONNECTED to [1, 6, d*e], then a reshape.
// CHECK-LABEL: func.func @einsum_projection
// CHECK:       "tfl.fully_connected"({{.*}}) -> tensor<1x6x4xf32>
// CHECK:       "tfl.reshape"({{.*}}) -> tensor<1x6x2x2xf32>
func.func @einsum_projection(%x: tensor<1x6x4xf32>) -> tensor<1x6x2x2xf32> {
  %c = tf.Const <float32 [4, 2, 2] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]> : tensor<4x2x2xf32>
  %y = "tf.Einsum"(%x, %c) {N = 2 : i64, T = f32, equation = "abc,cde->abde"} : (tensor<1x6x4xf32>, tensor<4x2x2xf32>) -> tensor<1x6x2x2xf32>
  func.return %y : tensor<1x6x2x2xf32>
}

// Attention scores "BTNH,BSNH->BNTS": both operands transposed to [B, N, ., H] (the key as the adjoint, so both
// transposes keep the innermost axis), one BATCH_MATMUL.
// CHECK-LABEL: func.func @einsum_scores
// CHECK:       "tfl.transpose"(%q, {{.*}}) -> tensor<1x4x6x8xf32>
// CHECK:       "tfl.transpose"(%k, {{.*}}) -> tensor<1x4x5x8xf32>
// CHECK:       "tfl.batch_matmul"{{.*}}adj_x = false, adj_y = true{{.*}} : (tensor<1x4x6x8xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x6x5xf32>
// CHECK-NOT:   tfl.reshape
func.func @einsum_scores(%q: tensor<1x6x4x8xf32>, %k: tensor<1x5x4x8xf32>) -> tensor<1x4x6x5xf32> {
  %y = "tf.Einsum"(%q, %k) {N = 2 : i64, T = f32, equation = "BTNH,BSNH->BNTS"} : (tensor<1x6x4x8xf32>, tensor<1x5x4x8xf32>) -> tensor<1x4x6x5xf32>
  func.return %y : tensor<1x4x6x5xf32>
}

// Plain batched matmul, and one whose LHS is stored transposed: no transpose ops, adj_x instead.
// CHECK-LABEL: func.func @einsum_bmm
// CHECK-NOT:   tfl.transpose
// CHECK:       "tfl.batch_matmul"(%a, %b) <{adj_x = false, adj_y = false
// CHECK:       "tfl.batch_matmul"(%at, %b) <{adj_x = true, adj_y = false
func.func @einsum_bmm(%a: tensor<3x4x5xf32>, %at: tensor<3x5x4xf32>, %b: tensor<3x5x6xf32>) -> (tensor<3x4x6xf32>, tensor<3x4x6xf32>) {
  %y = "tf.Einsum"(%a, %b) {N = 2 : i64, T = f32, equation = "bij,bjk->bik"} : (tensor<3x4x5xf32>, tensor<3x5x6xf32>) -> tensor<3x4x6xf32>
  %z = "tf.Einsum"(%at, %b) {N = 2 : i64, T = f32, equation = "bji,bjk->bik"} : (tensor<3x5x4xf32>, tensor<3x5x6xf32>) -> tensor<3x4x6xf32>
  func.return %y, %z : tensor<3x4x6xf32>, tensor<3x4x6xf32>
}

// One operand: a transpose, and a sum over the dropped index followed by a transpose.
// CHECK-LABEL: func.func @einsum_unary
// CHECK:       "tfl.transpose"(%a, {{.*}}) -> tensor<4x3x2xf32>
// CHECK:       tfl.pseudo_const <int32 [1] [1]>
// CHECK:       "tfl.sum"{{.*}} -> tensor<2x4xf32>
// CHECK:       "tfl.transpose"{{.*}} -> tensor<4x2xf32>
func.func @einsum_unary(%a: tensor<2x3x4xf32>) -> (tensor<4x3x2xf32>, tensor<4x2xf32>) {
  %t = "tf.Einsum"(%a) {N = 1 : i64, T = f32, equation = "ijk->kji"} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %s = "tf.Einsum"(%a) {N = 1 : i64, T = f32, equation = "ijk->ki"} : (tensor<2x3x4xf32>) -> tensor<4x2xf32>
  func.return %t, %s : tensor<4x3x2xf32>, tensor<4x2xf32>
}

// Not lowered: a repeated index (a diagonal or trace) and three operands stay tf.Einsum.
// CHECK-LABEL: func.func @einsum_unsupported
// CHECK-NOT:   tfl.batch_matmul
// CHECK-NOT:   tfl.fully_connected
// CHECK-NOT:   tfl.transpose
// CHECK:       "tf.Einsum"
// CHECK:       "tf.Einsum"
// CHECK:       "tf.Einsum"
func.func @einsum_unsupported(%a: tensor<3x3x4xf32>, %b: tensor<4x2xf32>, %c: tensor<2x2xf32>) -> (tensor<3x2xf32>, tensor<4xf32>, tensor<3x3x2xf32>) {
  %y = "tf.Einsum"(%a, %b) {N = 2 : i64, T = f32, equation = "iij,jk->ik"} : (tensor<3x3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %z = "tf.Einsum"(%a) {N = 1 : i64, T = f32, equation = "iik->k"} : (tensor<3x3x4xf32>) -> tensor<4xf32>
  %w = "tf.Einsum"(%a, %b, %c) {N = 3 : i64, T = f32, equation = "ijk,kl,lm->ijm"} : (tensor<3x3x4xf32>, tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<3x3x2xf32>
  func.return %y, %z, %w : tensor<3x2xf32>, tensor<4xf32>, tensor<3x3x2xf32>
}
