// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// DepthToSpace / SpaceToDepth (NHWC) keep block_size.
// CHECK-LABEL: func.func @depth_space
// CHECK:       "tfl.depth_to_space"(%x) <{block_size = 2 : i32}> : (tensor<1x2x3x8xf32>) -> tensor<1x4x6x2xf32>
// CHECK:       "tfl.space_to_depth"(%y) <{block_size = 2 : i32}> : (tensor<1x4x6x3xi8>) -> tensor<1x2x3x12xi8>
func.func @depth_space(%x: tensor<1x2x3x8xf32>, %y: tensor<1x4x6x3xi8>) -> (tensor<1x4x6x2xf32>, tensor<1x2x3x12xi8>) {
  %a = "tf.DepthToSpace"(%x) {T = f32, block_size = 2 : i64, data_format = "NHWC"} : (tensor<1x2x3x8xf32>) -> tensor<1x4x6x2xf32>
  %b = "tf.SpaceToDepth"(%y) {T = i8, block_size = 2 : i64, data_format = "NHWC"} : (tensor<1x4x6x3xi8>) -> tensor<1x2x3x12xi8>
  func.return %a, %b : tensor<1x4x6x2xf32>, tensor<1x2x3x12xi8>
}

// Must not fire: NCHW data format, a float64 input (no kernel).
// CHECK-LABEL: func.func @depth_space_stays_tf
// CHECK-COUNT-2: "tf.DepthToSpace"
// CHECK-NOT:   "tfl.depth_to_space"
func.func @depth_space_stays_tf(%x: tensor<1x8x2x3xf32>, %d: tensor<1x2x3x8xf64>) -> (tensor<1x2x4x6xf32>, tensor<1x4x6x2xf64>) {
  %a = "tf.DepthToSpace"(%x) {T = f32, block_size = 2 : i64, data_format = "NCHW"} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  %b = "tf.DepthToSpace"(%d) {T = f64, block_size = 2 : i64, data_format = "NHWC"} : (tensor<1x2x3x8xf64>) -> tensor<1x4x6x2xf64>
  func.return %a, %b : tensor<1x2x4x6xf32>, tensor<1x4x6x2xf64>
}

// GatherNd: indices passed as they are (int64 too).
// CHECK-LABEL: func.func @gather_nd
// CHECK:       "tfl.gather_nd"(%x, %i) : (tensor<3x4x5xf32>, tensor<2x2xi64>) -> tensor<2x5xf32>
func.func @gather_nd(%x: tensor<3x4x5xf32>, %i: tensor<2x2xi64>) -> tensor<2x5xf32> {
  %y = "tf.GatherNd"(%x, %i) {Tparams = f32, Tindices = i64} : (tensor<3x4x5xf32>, tensor<2x2xi64>) -> tensor<2x5xf32>
  func.return %y : tensor<2x5xf32>
}

// ReverseV2: constant int64 axes become an int32 constant; runtime axes stay TF.
// CHECK-LABEL: func.func @reverse
// CHECK:       [[AX:%.*]] = tfl.pseudo_const <int32 [1] [1]>
// CHECK-NEXT:  "tfl.reverse_v2"(%x, [[AX]]) : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<2x3xf32>
// CHECK:       "tf.ReverseV2"(%x, %a)
func.func @reverse(%x: tensor<2x3xf32>, %a: tensor<1xi32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %ax = tf.Const <int64 [1] [1]> : tensor<1xi64>
  %y = "tf.ReverseV2"(%x, %ax) {T = f32, Tidx = i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  %z = "tf.ReverseV2"(%x, %a) {T = f32, Tidx = i32} : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<2x3xf32>
  func.return %y, %z : tensor<2x3xf32>, tensor<2x3xf32>
}

// SpaceToBatchND / BatchToSpaceND (imported as tf.generic, which prepare-tf's dilated-conv fusion matches): block
// shape and paddings/crops become int32 constants.
// CHECK-LABEL: func.func @space_batch
// CHECK:       [[B:%.*]] = tfl.pseudo_const <int32 [2] [2, 2]>
// CHECK-NEXT:  [[P:%.*]] = tfl.pseudo_const <int32 [2, 2] [0, 0, 1, 1]>
// CHECK-NEXT:  "tfl.space_to_batch_nd"(%x, [[B]], [[P]]) : (tensor<1x4x4x2xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<4x2x3x2xf32>
// CHECK:       "tfl.batch_to_space_nd"(%y, %{{.*}}, %{{.*}}) : (tensor<4x3x3x2xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<1x6x5x2xf32>
func.func @space_batch(%x: tensor<1x4x4x2xf32>, %y: tensor<4x3x3x2xf32>) -> (tensor<4x2x3x2xf32>, tensor<1x6x5x2xf32>) {
  %b = tf.Const <int64 [2] [2, 2]> : tensor<2xi64>
  %p = tf.Const <int64 [2, 2] [0, 0, 1, 1]> : tensor<2x2xi64>
  %a = "tf.generic"(%x, %b, %p) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x4x4x2xf32>, tensor<2xi64>, tensor<2x2xi64>) -> tensor<4x2x3x2xf32>
  %c = tf.Const <int32 [2, 2] [0, 0, 0, 1]> : tensor<2x2xi32>
  %d = "tf.generic"(%y, %b, %c) <{tf_op = "BatchToSpaceND", node_def = "\FF"}> {T = f32} : (tensor<4x3x3x2xf32>, tensor<2xi64>, tensor<2x2xi32>) -> tensor<1x6x5x2xf32>
  func.return %a, %d : tensor<4x2x3x2xf32>, tensor<1x6x5x2xf32>
}

// Must not fire: paddings computed at run time, rank-3 data (other version).
// CHECK-LABEL: func.func @space_batch_stays_tf
// CHECK-COUNT-2: "tf.generic"
// CHECK-NOT:   "tfl.space_to_batch_nd"
func.func @space_batch_stays_tf(%x: tensor<1x4x4x2xf32>, %p: tensor<2x2xi32>, %z: tensor<1x4x2xf32>) -> (tensor<4x?x?x2xf32>, tensor<2x2x2xf32>) {
  %b = tf.Const <int32 [2] [2, 2]> : tensor<2xi32>
  %a = "tf.generic"(%x, %b, %p) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x4x4x2xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<4x?x?x2xf32>
  %b1 = tf.Const <int32 [1] [2]> : tensor<1xi32>
  %p1 = tf.Const <int32 [1, 2] [0, 0]> : tensor<1x2xi32>
  %c = "tf.generic"(%z, %b1, %p1) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x4x2xf32>, tensor<1xi32>, tensor<1x2xi32>) -> tensor<2x2x2xf32>
  func.return %a, %c : tensor<4x?x?x2xf32>, tensor<2x2x2xf32>
}

// OneHot keeps its axis; on/off values and depth pass through.
// CHECK-LABEL: func.func @one_hot
// CHECK:       "tfl.one_hot"(%i, %d, %on, %off) <{axis = -1 : i32}> : (tensor<3xi32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
func.func @one_hot(%i: tensor<3xi32>, %on: tensor<f32>, %off: tensor<f32>) -> tensor<3x5xf32> {
  %d = tf.Const <int32 [] [5]> : tensor<i32>
  %y = "tf.OneHot"(%i, %d, %on, %off) {T = f32, TI = i32, axis = -1 : i64} : (tensor<3xi32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  func.return %y : tensor<3x5xf32>
}

// ScatterNd: constant int64 indices and shape become int32 constants.
// CHECK-LABEL: func.func @scatter_nd
// CHECK:       [[I:%.*]] = tfl.pseudo_const <int32 [2, 1] [0, 2]>
// CHECK-NEXT:  [[S:%.*]] = tfl.pseudo_const <int32 [2] [4, 3]>
// CHECK-NEXT:  "tfl.scatter_nd"([[I]], %u, [[S]]) : (tensor<2x1xi32>, tensor<2x3xf32>, tensor<2xi32>) -> tensor<4x3xf32>
func.func @scatter_nd(%u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %i = tf.Const <int64 [2, 1] [0, 2]> : tensor<2x1xi64>
  %s = tf.Const <int64 [2] [4, 3]> : tensor<2xi64>
  %y = "tf.ScatterNd"(%i, %u, %s) {T = f32, Tindices = i64} : (tensor<2x1xi64>, tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  func.return %y : tensor<4x3xf32>
}

// MatrixBandPart with constant bounds on a static [m, n]: the band mask is a constant, one select_v2 with 0.
// CHECK-LABEL: func.func @band_part
// CHECK:       [[M:%.*]] = tfl.pseudo_const <bool [3, 3] [true, false, false, true, true, false, true, true, true]>
// CHECK-NEXT:  [[Z:%.*]] = tfl.pseudo_const <float32 [] [0.0]>
// CHECK-NEXT:  "tfl.select_v2"([[M]], %x, [[Z]]) : (tensor<3x3xi1>, tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3x3xf32>
// CHECK:       "tf.MatrixBandPart"(%x, %l, %u)
func.func @band_part(%x: tensor<2x3x3xf32>, %l: tensor<i64>, %u: tensor<i64>) -> (tensor<2x3x3xf32>, tensor<2x3x3xf32>) {
  %lo = tf.Const <int64 [] [-1]> : tensor<i64>
  %hi = tf.Const <int64 [] [0]> : tensor<i64>
  %y = "tf.MatrixBandPart"(%x, %lo, %hi) {T = f32, Tindex = i64} : (tensor<2x3x3xf32>, tensor<i64>, tensor<i64>) -> tensor<2x3x3xf32>
  %z = "tf.MatrixBandPart"(%x, %l, %u) {T = f32, Tindex = i64} : (tensor<2x3x3xf32>, tensor<i64>, tensor<i64>) -> tensor<2x3x3xf32>
  func.return %y, %z : tensor<2x3x3xf32>, tensor<2x3x3xf32>
}

// MatrixDiagV3 of the main diagonal (k 0, num_rows/num_cols -1, padding 0) and MatrixSetDiagV3 with k 0.
// CHECK-LABEL: func.func @matrix_diag
// CHECK:       "tfl.matrix_diag"(%d) : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
// CHECK:       "tfl.matrix_set_diag"(%x, %d) : (tensor<2x3x3xf32>, tensor<2x3xf32>) -> tensor<2x3x3xf32>
// CHECK:       "tf.MatrixDiagV3"
func.func @matrix_diag(%d: tensor<2x3xf32>, %x: tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3x3xf32>, tensor<2x3x3xf32>) {
  %k = tf.Const <int32 [] [0]> : tensor<i32>
  %m = tf.Const <int32 [] [-1]> : tensor<i32>
  %p = tf.Const <float32 [] [0.0]> : tensor<f32>
  %a = "tf.MatrixDiagV3"(%d, %k, %m, %m, %p) {T = f32, align = "RIGHT_LEFT"} : (tensor<2x3xf32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>) -> tensor<2x3x3xf32>
  %b = "tf.MatrixSetDiagV3"(%x, %d, %k) {T = f32, align = "RIGHT_LEFT"} : (tensor<2x3x3xf32>, tensor<2x3xf32>, tensor<i32>) -> tensor<2x3x3xf32>
  // a padding value of 1 fills the off-diagonal: no builtin
  %one = tf.Const <float32 [] [1.0]> : tensor<f32>
  %c = "tf.MatrixDiagV3"(%d, %k, %m, %m, %one) {T = f32, align = "RIGHT_LEFT"} : (tensor<2x3xf32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>) -> tensor<2x3x3xf32>
  func.return %a, %b, %c : tensor<2x3x3xf32>, tensor<2x3x3xf32>, tensor<2x3x3xf32>
}
