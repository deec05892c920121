// RUN: xdsl-opt -p prepare-tf %s | filecheck %s
// (tf.generic needs a bytes node_def; "\FF" is not UTF-8, so it parses as a bytes literal.)

// What tf.nn.convolution emits for a SAME 3x3 conv with dilation 2 on a 5x6 input (Keras Conv2D(dilation_rate=2)):
// SpaceToBatchND (paddings [[2, 3], [2, 2]]) -> VALID Conv2D -> BatchToSpaceND (crops [[0, 1], [0, 0]]).
// Effective padding [[2, 2], [2, 2]] is SAME's, so this is one SAME conv with dilations 2.
// CHECK-LABEL: func.func @dilated_same
// CHECK:       %[[Y:.*]] = "tf.Conv2D"(%x, %w) {{.*}}dilations = [1 : i64, 2 : i64, 2 : i64, 1 : i64], explicit_paddings = [], padding = "SAME"{{.*}} : (tensor<1x5x6x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x5x6x1xf32>
// CHECK-NOT:   tf.generic
// CHECK:       func.return %[[Y]]
func.func @dilated_same(%x: tensor<1x5x6x1xf32>) -> tensor<1x5x6x1xf32> {
  %bs = tf.Const <int32 [2] [2, 2]> : tensor<2xi32>
  %pads = tf.Const <int32 [2, 2] [2, 3, 2, 2]> : tensor<2x2xi32>
  %crops = tf.Const <int32 [2, 2] [0, 1, 0, 0]> : tensor<2x2xi32>
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %s = "tf.generic"(%x, %bs, %pads) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32, Tblock_shape = i32, Tpaddings = i32} : (tensor<1x5x6x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<4x5x5x1xf32>
  %c = "tf.Conv2D"(%s, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<4x5x5x1xf32>, tensor<3x3x1x1xf32>) -> tensor<4x3x3x1xf32>
  %y = "tf.generic"(%c, %bs, %crops) <{tf_op = "BatchToSpaceND", node_def = "\FF"}> {T = f32, Tblock_shape = i32, Tcrops = i32} : (tensor<4x3x3x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<1x5x6x1xf32>
  func.return %y : tensor<1x5x6x1xf32>
}

// VALID dilated depthwise (no paddings, no crops), dilation (2, 1) block.
// CHECK-LABEL: func.func @dilated_valid_depthwise
// CHECK:       "tf.DepthwiseConv2dNative"(%x, %w) {{.*}}dilations = [1 : i64, 2 : i64, 1 : i64, 1 : i64], explicit_paddings = [], padding = "VALID"{{.*}} -> tensor<1x2x4x1xf32>
// CHECK-NOT:   tf.generic
func.func @dilated_valid_depthwise(%x: tensor<1x6x6x1xf32>) -> tensor<1x2x4x1xf32> {
  %bs = tf.Const <int32 [2] [2, 1]> : tensor<2xi32>
  %zero = tf.Const <int32 [2, 2] [0, 0, 0, 0]> : tensor<2x2xi32>
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %s = "tf.generic"(%x, %bs, %zero) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x6x6x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<2x3x6x1xf32>
  %c = "tf.DepthwiseConv2dNative"(%s, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<2x3x6x1xf32>, tensor<3x3x1x1xf32>) -> tensor<2x1x4x1xf32>
  %y = "tf.generic"(%c, %bs, %zero) <{tf_op = "BatchToSpaceND", node_def = "\FF"}> {T = f32} : (tensor<2x1x4x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<1x2x4x1xf32>
  func.return %y : tensor<1x2x4x1xf32>
}

// Keras Conv1D(dilation_rate=2, padding="valid") on length 12: SpaceToBatchND (1-D) -> ExpandDims(-3) -> Conv2D ->
// Squeeze -> BatchToSpaceND becomes ExpandDims -> Conv2D(dilations [1, 1, 2, 1]) -> Squeeze.
// CHECK-LABEL: func.func @dilated_1d
// CHECK:       %[[E:.*]] = "tf.ExpandDims"(%x, %{{.*}}) {{.*}} : (tensor<1x12x3xf32>, tensor<i32>) -> tensor<1x1x12x3xf32>
// CHECK:       %[[C:.*]] = "tf.Conv2D"(%[[E]], %w) {{.*}}dilations = [1 : i64, 1 : i64, 2 : i64, 1 : i64], explicit_paddings = [], padding = "VALID"{{.*}} -> tensor<1x1x8x2xf32>
// CHECK:       %[[Y:.*]] = "tf.Squeeze"(%[[C]]) {{.*}} : (tensor<1x1x8x2xf32>) -> tensor<1x8x2xf32>
// CHECK-NOT:   tf.generic
// CHECK:       func.return %[[Y]]
func.func @dilated_1d(%x: tensor<1x12x3xf32>) -> tensor<1x8x2xf32> {
  %bs = tf.Const <int32 [1] [2]> : tensor<1xi32>
  %zero = tf.Const <int32 [1, 2] [0, 0]> : tensor<1x2xi32>
  %axis = tf.Const <int32 [] [-3]> : tensor<i32>
  %w = tf.Const <float32 [1, 3, 3, 2] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0]> : tensor<1x3x3x2xf32>
  %s = "tf.generic"(%x, %bs, %zero) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x12x3xf32>, tensor<1xi32>, tensor<1x2xi32>) -> tensor<2x6x3xf32>
  %e = "tf.ExpandDims"(%s, %axis) {T = f32, Tdim = i32} : (tensor<2x6x3xf32>, tensor<i32>) -> tensor<2x1x6x3xf32>
  %c = "tf.Conv2D"(%e, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<2x1x6x3xf32>, tensor<1x3x3x2xf32>) -> tensor<2x1x4x2xf32>
  %q = "tf.Squeeze"(%c) {T = f32, squeeze_dims = [-3]} : (tensor<2x1x4x2xf32>) -> tensor<2x4x2xf32>
  %y = "tf.generic"(%q, %bs, %zero) <{tf_op = "BatchToSpaceND", node_def = "\FF"}> {T = f32} : (tensor<2x4x2xf32>, tensor<1xi32>, tensor<1x2xi32>) -> tensor<1x8x2xf32>
  func.return %y : tensor<1x8x2xf32>
}

// Must not fire: block shapes differ between SpaceToBatchND and BatchToSpaceND.
// CHECK-LABEL: func.func @dilated_negative
// CHECK:       "tf.generic"{{.*}}SpaceToBatchND
// CHECK:       "tf.Conv2D"({{.*}}dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64]
// CHECK:       "tf.generic"{{.*}}BatchToSpaceND
func.func @dilated_negative(%x: tensor<1x6x6x1xf32>) -> tensor<1x2x4x1xf32> {
  %bs = tf.Const <int32 [2] [2, 1]> : tensor<2xi32>
  %bs2 = tf.Const <int32 [2] [1, 2]> : tensor<2xi32>
  %zero = tf.Const <int32 [2, 2] [0, 0, 0, 0]> : tensor<2x2xi32>
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %s = "tf.generic"(%x, %bs, %zero) <{tf_op = "SpaceToBatchND", node_def = "\FF"}> {T = f32} : (tensor<1x6x6x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<2x3x6x1xf32>
  %c = "tf.Conv2D"(%s, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<2x3x6x1xf32>, tensor<3x3x1x1xf32>) -> tensor<2x1x4x1xf32>
  %y = "tf.generic"(%c, %bs2, %zero) <{tf_op = "BatchToSpaceND", node_def = "\FF"}> {T = f32} : (tensor<2x1x4x1xf32>, tensor<2xi32>, tensor<2x2xi32>) -> tensor<1x2x4x1xf32>
  func.return %y : tensor<1x2x4x1xf32>
}
