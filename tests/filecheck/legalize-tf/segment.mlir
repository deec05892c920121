// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// SegmentSum / UnsortedSegment*: constant int64 ids and num_segments become int32 constants.
// CHECK-LABEL: func.func @segments
// CHECK:       [[IDS:%.*]] = tfl.pseudo_const <int32 [3] [0, 0, 1]>
// CHECK-NEXT:  "tfl.segment_sum"(%x, [[IDS]]) : (tensor<3x2xf32>, tensor<3xi32>) -> tensor<2x2xf32>
// CHECK:       "tfl.unsorted_segment_max"(%x, %ids, %{{.*}}) : (tensor<3x2xf32>, tensor<3xi32>, tensor<i32>) -> tensor<4x2xf32>
func.func @segments(%x: tensor<3x2xf32>, %ids: tensor<3xi32>) -> (tensor<2x2xf32>, tensor<4x2xf32>) {
  %i = tf.Const <int64 [3] [0, 0, 1]> : tensor<3xi64>
  %a = "tf.SegmentSum"(%x, %i) {T = f32, Tindices = i64} : (tensor<3x2xf32>, tensor<3xi64>) -> tensor<2x2xf32>
  %n = tf.Const <int64 [] [4]> : tensor<i64>
  %b = "tf.UnsortedSegmentMax"(%x, %ids, %n) {T = f32, Tindices = i32, Tnumsegments = i64} : (tensor<3x2xf32>, tensor<3xi32>, tensor<i64>) -> tensor<4x2xf32>
  func.return %a, %b : tensor<2x2xf32>, tensor<4x2xf32>
}

// Must not fire: computed int64 ids (LiteRT takes int32), float64 data (no kernel).
// CHECK-LABEL: func.func @segments_stay_tf
// CHECK:       "tf.UnsortedSegmentSum"
// CHECK:       "tf.SegmentSum"
// CHECK-NOT:   tfl.segment_sum
func.func @segments_stay_tf(%x: tensor<3x2xf32>, %ids: tensor<3xi64>, %d: tensor<3x2xf64>) -> (tensor<4x2xf32>, tensor<2x2xf64>) {
  %n = tf.Const <int32 [] [4]> : tensor<i32>
  %a = "tf.UnsortedSegmentSum"(%x, %ids, %n) {T = f32} : (tensor<3x2xf32>, tensor<3xi64>, tensor<i32>) -> tensor<4x2xf32>
  %i = tf.Const <int32 [3] [0, 0, 1]> : tensor<3xi32>
  %b = "tf.SegmentSum"(%d, %i) {T = f64} : (tensor<3x2xf64>, tensor<3xi32>) -> tensor<2x2xf64>
  func.return %a, %b : tensor<4x2xf32>, tensor<2x2xf64>
}
