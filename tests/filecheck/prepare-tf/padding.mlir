// RUN: xdsl-opt -p prepare-tf %s | filecheck %s

// EXPLICIT padding -> tf.Pad + VALID conv.
// CHECK-LABEL: func.func @explicit_to_pad
// CHECK:       %[[P:.*]] = tf.Const <int32 [4, 2] [0, 0, 1, 2, 0, 3, 0, 0]>
// CHECK:       %[[X:.*]] = "tf.Pad"(%x, %[[P]]) {T = f32, Tpaddings = i32} : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x7x7x1xf32>
// CHECK:       "tf.Conv2D"(%[[X]], %{{.*}}) {{.*}}explicit_paddings = [], padding = "VALID"
func.func @explicit_to_pad(%x: tensor<1x4x4x1xf32>) -> tensor<1x7x7x1xf32> {
  %w = tf.Const <float32 [1, 1, 1, 1] [2.0]> : tensor<1x1x1x1xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [0, 0, 1, 2, 0, 3, 0, 0], padding = "EXPLICIT", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x7x7x1xf32>
  func.return %y : tensor<1x7x7x1xf32>
}

// Zero padding exactly as SAME would pad (Keras ZeroPadding2D(((0, 1), (0, 1))) before a stride-2 3x3 conv, as
// in MobileNetV2) -> one SAME conv on the unpadded input; the same for EXPLICIT padding that equals SAME.
// CHECK-LABEL: func.func @pad_to_same
// CHECK-NOT:   "tf.Pad"
// CHECK:       "tf.DepthwiseConv2dNative"(%x, %{{.*}}) {{.*}}padding = "SAME", strides = [1 : i64, 2 : i64, 2 : i64, 1 : i64]
// CHECK-NOT:   "tf.Pad"
// CHECK:       "tf.Conv2D"(%x, %{{.*}}) {{.*}}explicit_paddings = [], padding = "SAME"
// CHECK-NOT:   "tf.Pad"
// CHECK:       func.return
func.func @pad_to_same(%x: tensor<1x4x4x1xf32>) -> (tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>) {
  %p = tf.Const <int32 [4, 2] [0, 0, 0, 1, 0, 1, 0, 0]> : tensor<4x2xi32>
  %xp = "tf.Pad"(%x, %p) {T = f32, Tpaddings = i32} : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x5x5x1xf32>
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %y = "tf.DepthwiseConv2dNative"(%xp, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 2, 2, 1]} : (tensor<1x5x5x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32>
  %z = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [0, 0, 1, 1, 1, 1, 0, 0], padding = "EXPLICIT", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x4x4x1xf32>
  func.return %y, %z : tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>
}

// Must not fire: padding not equal to SAME's (more than needed, or the extra pixel on the wrong side), and a pad
// whose result has another user.
// CHECK-LABEL: func.func @pad_negative
// CHECK:       %[[A:.*]] = "tf.Pad"
// CHECK:       "tf.Conv2D"(%[[A]], {{.*}}padding = "VALID"
// CHECK:       %[[B:.*]] = "tf.Pad"
// CHECK:       "tf.Conv2D"(%[[B]], {{.*}}padding = "VALID"
// CHECK:       %[[C:.*]] = "tf.Pad"
// CHECK:       "tf.Conv2D"(%[[C]], {{.*}}padding = "VALID"
func.func @pad_negative(%x: tensor<1x4x4x1xf32>) -> (tensor<1x4x4x1xf32>, tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>, tensor<1x6x6x1xf32>) {
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %p2 = tf.Const <int32 [4, 2] [0, 0, 2, 2, 2, 2, 0, 0]> : tensor<4x2xi32>
  %x2 = "tf.Pad"(%x, %p2) {T = f32, Tpaddings = i32} : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x8x8x1xf32>
  %w5 = tf.Const <float32 [5, 1, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5x1x1x1xf32>
  %y1 = "tf.Conv2D"(%x2, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 2, 2, 1]} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x4x4x1xf32>
  %p1 = tf.Const <int32 [4, 2] [0, 0, 1, 0, 1, 0, 0, 0]> : tensor<4x2xi32>
  %x1 = "tf.Pad"(%x, %p1) {T = f32, Tpaddings = i32} : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x5x5x1xf32>
  %y2 = "tf.Conv2D"(%x1, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 2, 2, 1]} : (tensor<1x5x5x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32>
  %p3 = tf.Const <int32 [4, 2] [0, 0, 1, 1, 1, 1, 0, 0]> : tensor<4x2xi32>
  %x3 = "tf.Pad"(%x, %p3) {T = f32, Tpaddings = i32} : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x6x6x1xf32>
  %y3 = "tf.Conv2D"(%x3, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<1x6x6x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x4x4x1xf32>
  func.return %y1, %y2, %y3, %x3 : tensor<1x4x4x1xf32>, tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>, tensor<1x6x6x1xf32>
}
