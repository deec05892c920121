// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Rank of an unknown shape and BroadcastArgs: one builtin each.
// CHECK-LABEL: func.func @shape_queries
// CHECK:       "tfl.rank"(%x) : (tensor<?x3xf32>) -> tensor<i32>
// CHECK-NEXT:  "tfl.broadcast_args"(%a, %b) : (tensor<3xi32>, tensor<2xi32>) -> tensor<3xi32>
func.func @shape_queries(%x: tensor<?x3xf32>, %a: tensor<3xi32>, %b: tensor<2xi32>) -> (tensor<i32>, tensor<3xi32>) {
  %r = "tf.Rank"(%x) {T = f32} : (tensor<?x3xf32>) -> tensor<i32>
  %s = "tf.BroadcastArgs"(%a, %b) {T = i32} : (tensor<3xi32>, tensor<2xi32>) -> tensor<3xi32>
  func.return %r, %s : tensor<i32>, tensor<3xi32>
}

// BitwiseXor / RightShift, broadcasting up to rank 4 (a 5-D operand pair of one shape needs none).
// CHECK-LABEL: func.func @bitwise(
// CHECK:       "tfl.bitwise_xor"(%x, %y)
// CHECK-NEXT:  "tfl.right_shift"(%x, %y)
// CHECK-NEXT:  "tfl.right_shift"(%u, %u)
func.func @bitwise(%x: tensor<2x3xi32>, %y: tensor<3xi32>, %u: tensor<2x1x1x1x3xui8>) -> (tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x1x1x1x3xui8>) {
  %a = "tf.BitwiseXor"(%x, %y) {T = i32} : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  %b = "tf.RightShift"(%x, %y) {T = i32} : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  %c = "tf.RightShift"(%u, %u) {T = ui8} : (tensor<2x1x1x1x3xui8>, tensor<2x1x1x1x3xui8>) -> tensor<2x1x1x1x3xui8>
  func.return %a, %b, %c : tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x1x1x1x3xui8>
}

// Must not fire: a rank-5 broadcast, int64 (LiteRT's kernels take neither).
// CHECK-LABEL: func.func @bitwise_stays_tf
// CHECK:       "tf.BitwiseXor"
// CHECK-NEXT:  "tf.RightShift"
func.func @bitwise_stays_tf(%x: tensor<2x1x1x1x3xi32>, %y: tensor<3x1x1x1xi32>, %z: tensor<2xi64>) -> (tensor<2x3x1x1x3xi32>, tensor<2xi64>) {
  %a = "tf.BitwiseXor"(%x, %y) {T = i32} : (tensor<2x1x1x1x3xi32>, tensor<3x1x1x1xi32>) -> tensor<2x3x1x1x3xi32>
  %b = "tf.RightShift"(%z, %z) {T = i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  func.return %a, %b : tensor<2x3x1x1x3xi32>, tensor<2xi64>
}

// ReverseSequence, Bucketize (float boundaries), XlaDynamicUpdateSlice.
// CHECK-LABEL: func.func @sequences
// CHECK:       "tfl.reverse_sequence"(%x, %n) <{seq_dim = 1 : i32, batch_dim = 0 : i32}>
// CHECK-NEXT:  "tfl.bucketize"(%x) <{boundaries = array<f32: -1.000000e+00, 5.000000e-01>}>
// CHECK-NEXT:  "tfl.dynamic_update_slice"(%i, %u, %k)
func.func @sequences(%x: tensor<3x5x2xf32>, %n: tensor<3xi64>, %i: tensor<4x5xi32>, %u: tensor<2x2xi32>, %k: tensor<2xi32>) -> (tensor<3x5x2xf32>, tensor<3x5x2xi32>, tensor<4x5xi32>) {
  %a = "tf.ReverseSequence"(%x, %n) {T = f32, Tlen = i64, seq_dim = 1 : i64, batch_dim = 0 : i64} : (tensor<3x5x2xf32>, tensor<3xi64>) -> tensor<3x5x2xf32>
  %b = "tf.Bucketize"(%x) {T = f32, boundaries = [-1.0 : f32, 0.5 : f32]} : (tensor<3x5x2xf32>) -> tensor<3x5x2xi32>
  %c = "tf.XlaDynamicUpdateSlice"(%i, %u, %k) {T = i32, Tindices = i32} : (tensor<4x5xi32>, tensor<2x2xi32>, tensor<2xi32>) -> tensor<4x5xi32>
  func.return %a, %b, %c : tensor<3x5x2xf32>, tensor<3x5x2xi32>, tensor<4x5xi32>
}

// LRN: depth_radius -> radius; bias, alpha, beta kept.
// CHECK-LABEL: func.func @lrn
// CHECK:       "tfl.local_response_normalization"(%x) <{radius = 2 : i32, bias = 1.500000e+00 : f32, alpha = 3.000000e-01 : f32, beta = 7.500000e-01 : f32}>
func.func @lrn(%x: tensor<1x3x3x7xf32>) -> tensor<1x3x3x7xf32> {
  %y = "tf.LRN"(%x) {T = f32, depth_radius = 2 : i64, bias = 1.5 : f32, alpha = 0.3 : f32, beta = 0.75 : f32} : (tensor<1x3x3x7xf32>) -> tensor<1x3x3x7xf32>
  func.return %y : tensor<1x3x3x7xf32>
}

// Where keeps its unknown row count; SparseToDense takes its operands as they are.
// CHECK-LABEL: func.func @where_sparse
// CHECK:       "tfl.where"(%c) : (tensor<3x4xi1>) -> tensor<?x2xi64>
// CHECK:       "tfl.sparse_to_dense"(%i, %{{.*}}, %v, %{{.*}}) : (tensor<2x2xi32>, tensor<2xi32>, tensor<2xf32>, tensor<f32>) -> tensor<3x5xf32>
func.func @where_sparse(%c: tensor<3x4xi1>, %i: tensor<2x2xi32>, %v: tensor<2xf32>) -> (tensor<?x2xi64>, tensor<3x5xf32>) {
  %w = "tf.Where"(%c) {T = i1} : (tensor<3x4xi1>) -> tensor<?x2xi64>
  %s = tf.Const <int32 [2] [3, 5]> : tensor<2xi32>
  %d = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %o = "tf.SparseToDense"(%i, %s, %v, %d) {T = f32, Tindices = i32, validate_indices = true} : (tensor<2x2xi32>, tensor<2xi32>, tensor<2xf32>, tensor<f32>) -> tensor<3x5xf32>
  func.return %w, %o : tensor<?x2xi64>, tensor<3x5xf32>
}

// BatchNormWithGlobalNormalization: t * s + (beta - m * s), s = rsqrt(v + eps) * gamma.
// CHECK-LABEL: func.func @batch_norm_global
// CHECK:       [[VE:%.*]] = "tfl.add"(%v, %{{.*}})
// CHECK-NEXT:  [[R:%.*]] = "tfl.rsqrt"([[VE]])
// CHECK-NEXT:  [[S:%.*]] = "tfl.mul"([[R]], %gamma)
// CHECK-NEXT:  [[TS:%.*]] = "tfl.mul"(%t, [[S]])
// CHECK-NEXT:  [[MS:%.*]] = "tfl.mul"(%m, [[S]])
// CHECK-NEXT:  [[B:%.*]] = "tfl.sub"(%beta, [[MS]])
// CHECK-NEXT:  "tfl.add"([[TS]], [[B]])
func.func @batch_norm_global(%t: tensor<1x2x2x4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %beta: tensor<4xf32>, %gamma: tensor<4xf32>) -> tensor<1x2x2x4xf32> {
  %y = "tf.BatchNormWithGlobalNormalization"(%t, %m, %v, %beta, %gamma) {T = f32, variance_epsilon = 0.001 : f32, scale_after_normalization = true} : (tensor<1x2x2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  func.return %y : tensor<1x2x2x4xf32>
}

// SoftmaxCrossEntropyWithLogits: (sum(log_softmax(f) * -labels, 1), softmax(f) - labels).
// CHECK-LABEL: func.func @softmax_cross_entropy
// CHECK:       [[LS:%.*]] = "tfl.log_softmax"(%f)
// CHECK-NEXT:  [[NL:%.*]] = "tfl.neg"(%l)
// CHECK-NEXT:  [[P:%.*]] = "tfl.mul"([[LS]], [[NL]])
// CHECK:       "tfl.sum"([[P]], %{{.*}}) <{keep_dims = false}> : (tensor<3x5xf32>, tensor<1xi32>) -> tensor<3xf32>
// CHECK-NEXT:  [[SM:%.*]] = "tfl.softmax"(%f)
// CHECK-NEXT:  "tfl.sub"([[SM]], %l)
func.func @softmax_cross_entropy(%f: tensor<3x5xf32>, %l: tensor<3x5xf32>) -> (tensor<3xf32>, tensor<3x5xf32>) {
  %loss, %grad = "tf.SoftmaxCrossEntropyWithLogits"(%f, %l) {T = f32} : (tensor<3x5xf32>, tensor<3x5xf32>) -> (tensor<3xf32>, tensor<3x5xf32>)
  func.return %loss, %grad : tensor<3xf32>, tensor<3x5xf32>
}

// Erf (no builtin): select_v2(|x| < 0.9, x * P(x^2), sign(x) * (1 - exp(-x^2) * Q(1 / (1 + |x|/2)))), |x| <= 4.
// CHECK-LABEL: func.func @erf
// CHECK:       [[A:%.*]] = "tfl.abs"(%x)
// CHECK:       [[AX:%.*]] = "tfl.minimum"([[A]], %{{.*}})
// CHECK-NEXT:  [[Z:%.*]] = "tfl.mul"([[AX]], [[AX]])
// CHECK:       "tfl.div"
// CHECK:       "tfl.neg"([[Z]])
// CHECK-NEXT:  "tfl.exp"
// CHECK:       [[S:%.*]] = "tfl.sign"(%x)
// CHECK:       [[C:%.*]] = "tfl.less"([[AX]], %{{.*}})
// CHECK-NEXT:  "tfl.select_v2"([[C]], %{{.*}}, %{{.*}}) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NOT:   "tf.
func.func @erf(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = "tf.Erf"(%x) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// Must not fire: float64 Erf (no kernel for the ops of the formula).
// CHECK-LABEL: func.func @erf_stays_tf
// CHECK:       "tf.Erf"
func.func @erf_stays_tf(%x: tensor<3xf64>) -> tensor<3xf64> {
  %y = "tf.Erf"(%x) {T = f64} : (tensor<3xf64>) -> tensor<3xf64>
  func.return %y : tensor<3xf64>
}

// Unique: out_idx int64 -> idx_out_type INT64; the distinct values keep their unknown length.
// CHECK-LABEL: func.func @unique
// CHECK:       "tfl.unique"(%x) <{idx_out_type = "INT64"}> : (tensor<8xf32>) -> (tensor<?xf32>, tensor<8xi64>)
func.func @unique(%x: tensor<8xf32>) -> (tensor<?xf32>, tensor<8xi64>) {
  %y, %i = "tf.Unique"(%x) {T = f32, out_idx = i64} : (tensor<8xf32>) -> (tensor<?xf32>, tensor<8xi64>)
  func.return %y, %i : tensor<?xf32>, tensor<8xi64>
}

// RandomUniform / RandomStandardNormal: the seeds become RandomOptions (int64).
// CHECK-LABEL: func.func @random
// CHECK:       "tfl.random_uniform"(%s) <{seed = 5 : i64, seed2 = 7 : i64}> : (tensor<2xi32>) -> tensor<2x3xf32>
// CHECK-NEXT:  "tfl.random_standard_normal"(%s) <{seed = 0 : i64, seed2 = 3 : i64}> : (tensor<2xi32>) -> tensor<2x3xf32>
func.func @random(%s: tensor<2xi32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %u = "tf.RandomUniform"(%s) {T = i32, dtype = f32, seed = 5 : i64, seed2 = 7 : i64} : (tensor<2xi32>) -> tensor<2x3xf32>
  %n = "tf.RandomStandardNormal"(%s) {T = i32, dtype = f32, seed = 0 : i64, seed2 = 3 : i64} : (tensor<2xi32>) -> tensor<2x3xf32>
  func.return %u, %n : tensor<2x3xf32>, tensor<2x3xf32>
}
