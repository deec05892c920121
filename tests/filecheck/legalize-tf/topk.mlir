// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// A constant k of any integer type becomes an int32 scalar; values keep the input's type, indices int32.
// CHECK-LABEL: func.func @topk_const_k
// CHECK:       [[K:%.*]] = tfl.pseudo_const <int32 [] [2]>
// CHECK-NEXT:  "tfl.topk_v2"(%x, [[K]]) : (tensor<3x5xf32>, tensor<i32>) -> (tensor<3x2xf32>, tensor<3x2xi32>)
// CHECK-NOT:   "tf.TopKV2"
func.func @topk_const_k(%x: tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi32>) {
  %k = tf.Const <int64 [] [2]> : tensor<i64>
  %v, %i = "tf.TopKV2"(%x, %k) {T = f32, sorted = true, index_type = i32} : (tensor<3x5xf32>, tensor<i64>) -> (tensor<3x2xf32>, tensor<3x2xi32>)
  func.return %v, %i : tensor<3x2xf32>, tensor<3x2xi32>
}

// A computed int32 scalar k is passed through; int16 indices are kept (TOPK_V2 version 3).
// CHECK-LABEL: func.func @topk_computed_k
// CHECK:       "tfl.topk_v2"(%x, %k) : (tensor<4x6xi8>, tensor<i32>) -> (tensor<4x?xi8>, tensor<4x?xi16>)
func.func @topk_computed_k(%x: tensor<4x6xi8>, %k: tensor<i32>) -> (tensor<4x?xi8>, tensor<4x?xi16>) {
  %v, %i = "tf.TopKV2"(%x, %k) {T = i8, sorted = true, index_type = i16} : (tensor<4x6xi8>, tensor<i32>) -> (tensor<4x?xi8>, tensor<4x?xi16>)
  func.return %v, %i : tensor<4x?xi8>, tensor<4x?xi16>
}

// Must not fire: k larger than the last dimension, a float64 input (no kernel), a computed int64 k (LiteRT takes
// int32/int16 k), a scalar input.
// CHECK-LABEL: func.func @topk_stays_tf
// CHECK-COUNT-4: "tf.TopKV2"
// CHECK-NOT:   "tfl.topk_v2"
func.func @topk_stays_tf(%x: tensor<3x5xf32>, %d: tensor<3x5xf64>, %k64: tensor<i64>, %s: tensor<f32>) -> (tensor<3x6xf32>, tensor<3x2xf64>, tensor<3x?xf32>, tensor<f32>) {
  %k6 = tf.Const <int32 [] [6]> : tensor<i32>
  %v0, %i0 = "tf.TopKV2"(%x, %k6) {T = f32} : (tensor<3x5xf32>, tensor<i32>) -> (tensor<3x6xf32>, tensor<3x6xi32>)
  %k2 = tf.Const <int32 [] [2]> : tensor<i32>
  %v1, %i1 = "tf.TopKV2"(%d, %k2) {T = f64} : (tensor<3x5xf64>, tensor<i32>) -> (tensor<3x2xf64>, tensor<3x2xi32>)
  %v2, %i2 = "tf.TopKV2"(%x, %k64) {T = f32} : (tensor<3x5xf32>, tensor<i64>) -> (tensor<3x?xf32>, tensor<3x?xi32>)
  %v3, %i3 = "tf.TopKV2"(%s, %k2) {T = f32} : (tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
  func.return %v0, %v1, %v2, %v3 : tensor<3x6xf32>, tensor<3x2xf64>, tensor<3x?xf32>, tensor<f32>
}
