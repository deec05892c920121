// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Conv2D: HWIO filter [1,1,2,3] becomes OHWI [3,1,1,2]; zero bias; strides/dilations from the NHWC attributes.
// CHECK-LABEL: func.func @conv_same
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [3, 1, 1, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [3] [0.0, 0.0, 0.0]>
// CHECK:       "tfl.conv_2d"(%x, %[[W]], %[[B]]) <{padding = "SAME", stride_w = 3 : i32, stride_h = 2 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}>
// CHECK-NOT:   tf.Conv2D
func.func @conv_same(%x: tensor<1x5x7x2xf32>) -> tensor<1x3x3x3xf32> {
  %w = tf.Const <float32 [1, 1, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x1x2x3xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 2, 3, 1]} : (tensor<1x5x7x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x3x3x3xf32>
  func.return %y : tensor<1x3x3x3xf32>
}

// VALID with dilation; a BiasAdd with a constant bias directly after the conv is absorbed into the bias operand.
// CHECK-LABEL: func.func @conv_valid_dilated_bias
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [2] [0.5, -1.0]>
// CHECK:       %[[Y:.*]] = "tfl.conv_2d"(%x, %{{.*}}, %[[B]]) <{padding = "VALID", stride_w = 1 : i32, stride_h = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 3 : i32, dilation_h_factor = 2 : i32}>
// CHECK-NOT:   tf.BiasAdd
// CHECK-NOT:   tfl.add
// CHECK:       func.return %[[Y]]
func.func @conv_valid_dilated_bias(%x: tensor<1x6x7x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tf.Const <float32 [2, 2, 1, 2] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<2x2x1x2xf32>
  %b = tf.Const <float32 [2] [0.5, -1.0]> : tensor<2xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 2, 3, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<1x6x7x1xf32>, tensor<2x2x1x2xf32>) -> tensor<1x4x4x2xf32>
  %z = "tf.BiasAdd"(%y, %b) {T = f32, data_format = "NHWC"} : (tensor<1x4x4x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %z : tensor<1x4x4x2xf32>
}

// EXPLICIT padding: tfl.pad (NHWC paddings) + VALID.
// CHECK-LABEL: func.func @conv_explicit
// CHECK:       %[[P:.*]] = tfl.pseudo_const <int32 [4, 2] [0, 0, 1, 2, 0, 3, 0, 0]>
// CHECK:       %[[X:.*]] = "tfl.pad"(%x, %[[P]]) : (tensor<1x4x4x1xf32>, tensor<4x2xi32>) -> tensor<1x7x7x1xf32>
// CHECK:       "tfl.conv_2d"(%[[X]], %{{.*}}, %{{.*}}) <{padding = "VALID"
func.func @conv_explicit(%x: tensor<1x4x4x1xf32>) -> tensor<1x7x7x1xf32> {
  %w = tf.Const <float32 [1, 1, 1, 1] [2.0]> : tensor<1x1x1x1xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [0, 0, 1, 2, 0, 3, 0, 0], padding = "EXPLICIT", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x7x7x1xf32>
  func.return %y : tensor<1x7x7x1xf32>
}

// Must not fire: NCHW layout.
// CHECK-LABEL: func.func @conv_nchw
// CHECK:       "tf.Conv2D"
// CHECK-NOT:   tfl.conv_2d
func.func @conv_nchw(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = tf.Const <float32 [1, 1, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x1x2x3xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NCHW", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<1x1x2x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// Must not fire: the filter is not a constant.
// CHECK-LABEL: func.func @conv_dynamic_filter
// CHECK:       "tf.Conv2D"(%x, %w)
// CHECK-NOT:   tfl.conv_2d
func.func @conv_dynamic_filter(%x: tensor<1x4x4x2xf32>, %w: tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32> {
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32>
  func.return %y : tensor<1x4x4x3xf32>
}

// Grouped convolution (input 4 channels, filter expects 2: two groups) is a CONV_2D too (LiteRT runs it).
// CHECK-LABEL: func.func @conv_grouped
// CHECK:       "tfl.conv_2d"(%x, %{{.*}}, %{{.*}}) {{.*}} : (tensor<1x4x4x4xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
func.func @conv_grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = tf.Const <float32 [1, 1, 2, 4] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<1x1x2x4xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// Must not fire: input channels not a multiple of the filter's input channels.
// CHECK-LABEL: func.func @conv_bad_groups
// CHECK:       "tf.Conv2D"
// CHECK-NOT:   tfl.conv_2d
func.func @conv_bad_groups(%x: tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> {
  %w = tf.Const <float32 [1, 1, 2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x1x2x3xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x3xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32>
  func.return %y : tensor<1x4x4x3xf32>
}

// The bias of a BiasAdd is absorbed only when the conv has no other user.
// CHECK-LABEL: func.func @conv_bias_shared
// CHECK:       %[[Y:.*]] = "tfl.conv_2d"
// CHECK:       "tfl.add"(%[[Y]]
// CHECK:       func.return
func.func @conv_bias_shared(%x: tensor<1x4x4x1xf32>) -> (tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>) {
  %w = tf.Const <float32 [1, 1, 1, 1] [2.0]> : tensor<1x1x1x1xf32>
  %b = tf.Const <float32 [1] [3.0]> : tensor<1xf32>
  %y = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32>
  %z = "tf.BiasAdd"(%y, %b) {T = f32, data_format = "NHWC"} : (tensor<1x4x4x1xf32>, tensor<1xf32>) -> tensor<1x4x4x1xf32>
  func.return %y, %z : tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>
}
