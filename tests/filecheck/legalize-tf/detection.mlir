// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// NonMaxSuppressionV3 (tf.image.non_max_suppression) becomes NON_MAX_SUPPRESSION_V4 with an unused valid count, as
// TF's converter writes it; V4 (either padding) and V5 map one to one.
// CHECK-LABEL: func.func @nms
// CHECK:       %[[V3:.*]], %{{.*}} = "tfl.non_max_suppression_v4"(%b, %s, %m, %i, %t) : (tensor<10x4xf32>, tensor<10xf32>, tensor<i32>, tensor<f32>, tensor<f32>) -> (tensor<?xi32>, tensor<i32>)
// CHECK-NEXT:  %[[V4:.*]], %[[N4:.*]] = "tfl.non_max_suppression_v4"(%b, %s, %m, %i, %t) : {{.*}} -> (tensor<5xi32>, tensor<i32>)
// CHECK-NEXT:  %[[V5:.*]], %[[S5:.*]], %[[N5:.*]] = "tfl.non_max_suppression_v5"(%b, %s, %m, %i, %t, %g) : {{.*}} -> (tensor<?xi32>, tensor<?xf32>, tensor<i32>)
// CHECK-NEXT:  func.return %[[V3]], %[[V4]], %[[N4]], %[[S5]]
func.func @nms(%b: tensor<10x4xf32>, %s: tensor<10xf32>, %m: tensor<i32>, %i: tensor<f32>, %t: tensor<f32>, %g: tensor<f32>) -> (tensor<?xi32>, tensor<5xi32>, tensor<i32>, tensor<?xf32>) {
  %a = "tf.NonMaxSuppressionV3"(%b, %s, %m, %i, %t) {T = f32, T_threshold = f32} : (tensor<10x4xf32>, tensor<10xf32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<?xi32>
  %c, %n = "tf.NonMaxSuppressionV4"(%b, %s, %m, %i, %t) {T = f32, T_threshold = f32, pad_to_max_output_size = true} : (tensor<10x4xf32>, tensor<10xf32>, tensor<i32>, tensor<f32>, tensor<f32>) -> (tensor<5xi32>, tensor<i32>)
  %d, %e, %f = "tf.NonMaxSuppressionV5"(%b, %s, %m, %i, %t, %g) {T = f32, pad_to_max_output_size = false} : (tensor<10x4xf32>, tensor<10xf32>, tensor<i32>, tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<?xi32>, tensor<?xf32>, tensor<i32>)
  func.return %a, %c, %n, %e : tensor<?xi32>, tensor<5xi32>, tensor<i32>, tensor<?xf32>
}

// Must not fire: float16 boxes (LiteRT's float kernel takes float32 only).
// CHECK-LABEL: func.func @nms_f16
// CHECK:       "tf.NonMaxSuppressionV4"
// CHECK-NOT:   tfl.non_max_suppression
func.func @nms_f16(%b: tensor<10x4xf16>, %s: tensor<10xf16>, %m: tensor<i32>, %i: tensor<f16>, %t: tensor<f16>) -> tensor<?xi32> {
  %c, %n = "tf.NonMaxSuppressionV4"(%b, %s, %m, %i, %t) {T = f16, T_threshold = f16} : (tensor<10x4xf16>, tensor<10xf16>, tensor<i32>, tensor<f16>, tensor<f16>) -> (tensor<?xi32>, tensor<i32>)
  func.return %c : tensor<?xi32>
}

// Multinomial keeps its seeds (int64 options) and output type.
// CHECK-LABEL: func.func @multinomial
// CHECK:       "tfl.multinomial"(%l, %k) <{seed = 87654321 : i64, seed2 = 3 : i64}> : (tensor<2x4xf32>, tensor<i32>) -> tensor<2x7xi64>
// CHECK-NEXT:  "tfl.multinomial"(%l, %k) <{seed = 0 : i64, seed2 = 0 : i64}> : (tensor<2x4xf32>, tensor<i32>) -> tensor<2x7xi32>
func.func @multinomial(%l: tensor<2x4xf32>, %k: tensor<i32>) -> (tensor<2x7xi64>, tensor<2x7xi32>) {
  %a = "tf.Multinomial"(%l, %k) {T = f32, output_dtype = i64, seed = 87654321 : i64, seed2 = 3 : i64} : (tensor<2x4xf32>, tensor<i32>) -> tensor<2x7xi64>
  %b = "tf.Multinomial"(%l, %k) {T = f32, output_dtype = i32} : (tensor<2x4xf32>, tensor<i32>) -> tensor<2x7xi32>
  func.return %a, %b : tensor<2x7xi64>, tensor<2x7xi32>
}
