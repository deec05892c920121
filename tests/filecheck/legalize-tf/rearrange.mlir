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
