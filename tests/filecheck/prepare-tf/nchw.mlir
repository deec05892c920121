// RUN: xdsl-opt -p prepare-tf %s | filecheck %s

// NCHW conv + BiasAdd + Relu + per-channel Mul ([C,1,1] constant) + global mean: one transpose to NHWC at the
// input; the NHWC->NCHW transposes sink through Relu/Mul and cancel or disappear into the Mean's axes.
// CHECK-LABEL: func.func @nchw_chain
// CHECK:       %[[P:.*]] = tf.Const <int32 [4] [0, 2, 3, 1]>
// CHECK:       %[[T:.*]] = "tf.Transpose"(%x, %[[P]]) {T = f32, Tperm = i32} : (tensor<1x2x4x4xf32>, tensor<4xi32>) -> tensor<1x4x4x2xf32>
// CHECK:       %[[C:.*]] = "tf.Conv2D"(%[[T]], %w) {T = f32, data_format = "NHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64], explicit_paddings = [], padding = "SAME", strides = [1 : i64, 1 : i64, 2 : i64, 1 : i64]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK:       "tf.BiasAdd"(%[[C]], %{{.*}}) {T = f32, data_format = "NHWC"}
// CHECK:       %[[R:.*]] = "tf.Relu"
// CHECK:       %[[M:.*]] = tf.Const <float32 [1, 1, 1, 2] [2.0, 3.0]>
// CHECK:       "tf.Mul"(%[[R]], %[[M]])
// CHECK:       %[[A:.*]] = tf.Const <int32 [2] [1, 2]>
// CHECK:       "tf.Mean"(%{{.*}}, %[[A]]) {{.*}} : (tensor<1x4x2x2xf32>, tensor<2xi32>) -> tensor<1x2xf32>
// CHECK-NOT:   "tf.Transpose"
// CHECK:       func.return
func.func @nchw_chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x2xf32> {
  %w = tf.Const <float32 [1, 1, 2, 2] [1.0, 2.0, 3.0, 4.0]> : tensor<1x1x2x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NCHW", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 2]} : (tensor<1x2x4x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x2x4x2xf32>
  %b = tf.Const <float32 [2] [1.0, -1.0]> : tensor<2xf32>
  %y = "tf.BiasAdd"(%c, %b) {T = f32, data_format = "NCHW"} : (tensor<1x2x4x2xf32>, tensor<2xf32>) -> tensor<1x2x4x2xf32>
  %r = "tf.Relu"(%y) {T = f32} : (tensor<1x2x4x2xf32>) -> tensor<1x2x4x2xf32>
  %m = tf.Const <float32 [2, 1, 1] [2.0, 3.0]> : tensor<2x1x1xf32>
  %s = "tf.Mul"(%r, %m) {T = f32} : (tensor<1x2x4x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x2xf32>
  %axes = tf.Const <int32 [2] [2, 3]> : tensor<2xi32>
  %g = "tf.Mean"(%s, %axes) {T = f32, Tidx = i32, keep_dims = false} : (tensor<1x2x4x2xf32>, tensor<2xi32>) -> tensor<1x2xf32>
  func.return %g : tensor<1x2xf32>
}

// Inverse transposes cancel.
// CHECK-LABEL: func.func @cancel
// CHECK-NEXT:  func.return %x
func.func @cancel(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %p = tf.Const <int32 [4] [0, 3, 1, 2]> : tensor<4xi32>
  %q = tf.Const <int32 [4] [0, 2, 3, 1]> : tensor<4xi32>
  %a = "tf.Transpose"(%x, %p) {T = f32, Tperm = i32} : (tensor<1x2x3x4xf32>, tensor<4xi32>) -> tensor<1x4x2x3xf32>
  %b = "tf.Transpose"(%a, %q) {T = f32, Tperm = i32} : (tensor<1x4x2x3xf32>, tensor<4xi32>) -> tensor<1x2x3x4xf32>
  func.return %b : tensor<1x2x3x4xf32>
}

// Must not fire: transposes that do not cancel; a transpose other than NHWC->NCHW is not sunk; a transpose with
// another user is not sunk; a reduction whose kept axes would be reordered.
// CHECK-LABEL: func.func @transpose_negative
// CHECK:       %[[A:.*]] = "tf.Transpose"(%x,
// CHECK:       %[[B:.*]] = "tf.Transpose"(%[[A]],
// CHECK:       %[[C:.*]] = "tf.Transpose"(%x,
// CHECK:       "tf.Relu"(%[[C]])
// CHECK:       %[[D:.*]] = "tf.Transpose"(%x,
// CHECK:       "tf.Relu"(%[[D]])
// CHECK:       %[[E:.*]] = "tf.Transpose"(%x,
// CHECK:       "tf.Sum"(%[[E]],
func.func @transpose_negative(%x: tensor<1x2x3x4xf32>) -> (tensor<1x3x4x2xf32>, tensor<1x3x2x4xf32>, tensor<1x4x2x3xf32>, tensor<1x4x2x3xf32>, tensor<3x2xf32>) {
  %p = tf.Const <int32 [4] [0, 3, 1, 2]> : tensor<4xi32>
  %a = "tf.Transpose"(%x, %p) {T = f32, Tperm = i32} : (tensor<1x2x3x4xf32>, tensor<4xi32>) -> tensor<1x4x2x3xf32>
  %b = "tf.Transpose"(%a, %p) {T = f32, Tperm = i32} : (tensor<1x4x2x3xf32>, tensor<4xi32>) -> tensor<1x3x4x2xf32>
  %q = tf.Const <int32 [4] [0, 2, 1, 3]> : tensor<4xi32>
  %c = "tf.Transpose"(%x, %q) {T = f32, Tperm = i32} : (tensor<1x2x3x4xf32>, tensor<4xi32>) -> tensor<1x3x2x4xf32>
  %rc = "tf.Relu"(%c) {T = f32} : (tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %d = "tf.Transpose"(%x, %p) {T = f32, Tperm = i32} : (tensor<1x2x3x4xf32>, tensor<4xi32>) -> tensor<1x4x2x3xf32>
  %rd = "tf.Relu"(%d) {T = f32} : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  %q2 = tf.Const <int32 [4] [3, 2, 1, 0]> : tensor<4xi32>
  %e = "tf.Transpose"(%x, %q2) {T = f32, Tperm = i32} : (tensor<1x2x3x4xf32>, tensor<4xi32>) -> tensor<4x3x2x1xf32>
  %axes = tf.Const <int32 [2] [0, 3]> : tensor<2xi32>
  %s = "tf.Sum"(%e, %axes) {T = f32, Tidx = i32, keep_dims = false} : (tensor<4x3x2x1xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  func.return %b, %rc, %rd, %d, %s : tensor<1x3x4x2xf32>, tensor<1x3x2x4xf32>, tensor<1x4x2x3xf32>, tensor<1x4x2x3xf32>, tensor<3x2xf32>
}
