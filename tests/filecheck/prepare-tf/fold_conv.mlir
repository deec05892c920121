// RUN: xdsl-opt -p prepare-tf %s | filecheck %s

// conv * c + d: the multiplier goes into the filter (per output channel), the addend into a BiasAdd.
// CHECK-LABEL: func.func @conv_mul_add
// CHECK:       %[[W:.*]] = tf.Const <float32 [1, 1, 2, 3] [2.0, 6.0, -3.0, 8.0, 15.0, -6.0]>
// CHECK:       %[[C:.*]] = "tf.Conv2D"(%x, %[[W]])
// CHECK:       %[[B:.*]] = tf.Const <float32 [3] [1.0, 2.0, 3.0]>
// CHECK:       %[[Y:.*]] = "tf.BiasAdd"(%[[C]], %[[B]]) {T = f32, data_format = "NHWC"}
// CHECK-NOT:   "tf.Mul"
// CHECK-NOT:   "tf.AddV2"
// CHECK:       func.return %[[Y]]
func.func @conv_mul_add(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32> {
  %w = tf.Const <float32 [1, 1, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x1x2x3xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32>
  %m = tf.Const <float32 [1, 1, 1, 3] [2.0, 3.0, -1.0]> : tensor<1x1x1x3xf32>
  %y = "tf.Mul"(%m, %c) {T = f32} : (tensor<1x1x1x3xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %a = tf.Const <float32 [3] [1.0, 2.0, 3.0]> : tensor<3xf32>
  %z = "tf.AddV2"(%y, %a) {T = f32} : (tensor<1x4x4x3xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32>
  func.return %z : tensor<1x4x4x3xf32>
}

// depthwise (C=2, M=2) + BiasAdd, then / c and - d: filter and bias are both scaled, then shifted.
// CHECK-LABEL: func.func @depthwise_bias_div_sub
// CHECK:       %[[W:.*]] = tf.Const <float32 [1, 1, 2, 2] [0.5, 1.0, 0.75, 4.0]>
// CHECK:       %[[C:.*]] = "tf.DepthwiseConv2dNative"(%x, %[[W]])
// CHECK:       %[[B:.*]] = tf.Const <float32 [4] [0.0, 1.0, 1.0, 3.0]>
// CHECK:       %[[Y:.*]] = "tf.BiasAdd"(%[[C]], %[[B]])
// CHECK-NOT:   "tf.RealDiv"
// CHECK-NOT:   "tf.Sub"
// CHECK:       func.return %[[Y]]
func.func @depthwise_bias_div_sub(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> {
  %w = tf.Const <float32 [1, 1, 2, 2] [1.0, 2.0, 3.0, 4.0]> : tensor<1x1x2x2xf32>
  %c = "tf.DepthwiseConv2dNative"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x4x4xf32>
  %b = tf.Const <float32 [4] [2.0, 4.0, 8.0, 4.0]> : tensor<4xf32>
  %cb = "tf.BiasAdd"(%c, %b) {T = f32, data_format = "NHWC"} : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %d = tf.Const <float32 [4] [2.0, 2.0, 4.0, 1.0]> : tensor<4xf32>
  %y = "tf.RealDiv"(%cb, %d) {T = f32} : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %s = tf.Const <float32 [1] [1.0]> : tensor<1xf32>
  %z = "tf.Sub"(%y, %s) {T = f32} : (tensor<1x4x4x4xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32>
  func.return %z : tensor<1x4x4x4xf32>
}

// A bias computed from constants (Keras reshapes its bias variable) is materialized, so legalize-tf absorbs it.
// CHECK-LABEL: func.func @computed_bias
// CHECK:       %[[C:.*]] = "tf.Conv2D"
// CHECK:       %[[B:.*]] = tf.Const <float32 [2] [5.0, 6.0]>
// CHECK:       "tf.BiasAdd"(%[[C]], %[[B]])
func.func @computed_bias(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %b = tf.Const <float32 [2] [5.0, 6.0]> : tensor<2xf32>
  %s = tf.Const <int32 [4] [1, 1, 1, 2]> : tensor<4xi32>
  %r = "tf.Reshape"(%b, %s) {T = f32, Tshape = i32} : (tensor<2xf32>, tensor<4xi32>) -> tensor<1x1x1x2xf32>
  %q = "tf.Squeeze"(%r) {T = f32, squeeze_dims = []} : (tensor<1x1x1x2xf32>) -> tensor<2xf32>
  %y = "tf.BiasAdd"(%c, %q) {T = f32, data_format = "NHWC"} : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// Conv1D: the bias and the BatchNorm scale come after a Squeeze that keeps the channel axis; they move above it
// and fold into the conv.
// CHECK-LABEL: func.func @conv1d_squeeze
// CHECK:       %[[W:.*]] = tf.Const <float32 [1, 1, 1, 2] [3.0, 8.0]>
// CHECK:       %[[C:.*]] = "tf.Conv2D"(%x, %[[W]])
// CHECK:       %[[B:.*]] = tf.Const <float32 [2] [3.0, 4.0]>
// CHECK:       %[[A:.*]] = "tf.BiasAdd"(%[[C]], %[[B]])
// CHECK:       %[[Y:.*]] = "tf.Squeeze"(%[[A]]) {{.*}} : (tensor<1x1x4x2xf32>) -> tensor<1x4x2xf32>
// CHECK-NEXT:  func.return %[[Y]]
func.func @conv1d_squeeze(%x: tensor<1x1x4x1xf32>) -> tensor<1x4x2xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x1x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  %q = "tf.Squeeze"(%c) {T = f32, squeeze_dims = [-3]} : (tensor<1x1x4x2xf32>) -> tensor<1x4x2xf32>
  %b = tf.Const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %y = "tf.BiasAdd"(%q, %b) {T = f32, data_format = "NHWC"} : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %m = tf.Const <float32 [2] [3.0, 4.0]> : tensor<2xf32>
  %z = "tf.Mul"(%y, %m) {T = f32} : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  func.return %z : tensor<1x4x2xf32>
}

// Must not fire (move above a reshape): the reshape changes the channel axis.
// CHECK-LABEL: func.func @reshape_changes_channels
// CHECK:       "tf.Reshape"
// CHECK-NEXT:  tf.Const
// CHECK-NEXT:  "tf.Mul"
func.func @reshape_changes_channels(%x: tensor<1x1x4x1xf32>) -> tensor<1x8xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x1x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  %s = tf.Const <int32 [2] [1, 8]> : tensor<2xi32>
  %r = "tf.Reshape"(%c, %s) {T = f32, Tshape = i32} : (tensor<1x1x4x2xf32>, tensor<2xi32>) -> tensor<1x8xf32>
  %m = tf.Const <float32 [8] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %z = "tf.Mul"(%r, %m) {T = f32} : (tensor<1x8xf32>, tensor<8xf32>) -> tensor<1x8xf32>
  func.return %z : tensor<1x8xf32>
}

// Must not fire: the conv has a second user; the constant varies along a spatial axis; constant minus conv;
// multiplier not constant.
// CHECK-LABEL: func.func @fold_negative
// CHECK:       tf.Const <float32 [1, 1, 1, 2] [1.0, 2.0]>
// CHECK-NOT:   tf.Const <float32 [1, 1, 1, 2]
// CHECK:       "tf.Mul"
// CHECK:       "tf.Mul"
// CHECK:       "tf.Sub"
// CHECK:       "tf.Mul"
// CHECK-NOT:   "tf.BiasAdd"
// CHECK:       func.return
func.func @fold_negative(%x: tensor<1x2x2x1xf32>, %v: tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %m = tf.Const <float32 [2] [3.0, 4.0]> : tensor<2xf32>
  %c1 = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %y1 = "tf.Mul"(%c1, %m) {T = f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %c2 = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %sp = tf.Const <float32 [1, 2, 1, 1] [3.0, 4.0]> : tensor<1x2x1x1xf32>
  %y2 = "tf.Mul"(%c2, %sp) {T = f32} : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %c3 = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %y3 = "tf.Sub"(%m, %c3) {T = f32} : (tensor<2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c4 = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %y4 = "tf.Mul"(%c4, %v) {T = f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %c1, %y1, %y2, %y3, %y4 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
