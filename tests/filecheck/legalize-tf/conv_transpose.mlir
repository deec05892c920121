// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Conv2DBackpropInput: filter [H,W,O,I] = [1,2,3,1] becomes TRANSPOSE_CONV weights [O,H,W,I] = [3,1,2,1];
// input_sizes becomes the int32 output_shape operand; no bias (like TensorFlow's converter).
// CHECK-LABEL: func.func @transpose_conv
// CHECK:       %[[S:.*]] = tfl.pseudo_const <int32 [4] [1, 8, 8, 3]>
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [3, 1, 2, 1] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]>
// CHECK:       %[[N:.*]] = tfl.no_value
// CHECK:       "tfl.transpose_conv"(%[[S]], %[[W]], %x, %[[N]]) <{padding = "SAME", stride_w = 2 : i32, stride_h = 2 : i32, fused_activation_function = "NONE"}>
func.func @transpose_conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x8x8x3xf32> {
  %s = tf.Const <int32 [4] [1, 8, 8, 3]> : tensor<4xi32>
  %w = tf.Const <float32 [1, 2, 3, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<1x2x3x1xf32>
  %y = "tf.Conv2DBackpropInput"(%s, %w, %x) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 2, 2, 1]} : (tensor<4xi32>, tensor<1x2x3x1xf32>, tensor<1x4x4x1xf32>) -> tensor<1x8x8x3xf32>
  func.return %y : tensor<1x8x8x3xf32>
}

// A following BiasAdd becomes the bias operand.
// CHECK-LABEL: func.func @transpose_conv_bias
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [1] [0.5]>
// CHECK:       %[[Y:.*]] = "tfl.transpose_conv"(%{{.*}}, %{{.*}}, %x, %[[B]]) <{padding = "VALID"
// CHECK-NOT:   tf.BiasAdd
// CHECK:       func.return %[[Y]]
func.func @transpose_conv_bias(%x: tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32> {
  %s = tf.Const <int32 [4] [1, 4, 4, 1]> : tensor<4xi32>
  %w = tf.Const <float32 [3, 3, 1, 1] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<3x3x1x1xf32>
  %b = tf.Const <float32 [1] [0.5]> : tensor<1xf32>
  %y = "tf.Conv2DBackpropInput"(%s, %w, %x) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<4xi32>, tensor<3x3x1x1xf32>, tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  %z = "tf.BiasAdd"(%y, %b) {T = f32, data_format = "NHWC"} : (tensor<1x4x4x1xf32>, tensor<1xf32>) -> tensor<1x4x4x1xf32>
  func.return %z : tensor<1x4x4x1xf32>
}

// Must not fire when dilated (TRANSPOSE_CONV has no dilation); a computed output shape (a dynamic batch) is
// TRANSPOSE_CONV's output_shape tensor, read at run time.
// CHECK-LABEL: func.func @transpose_conv_negative
// CHECK:       "tf.Conv2DBackpropInput"
// CHECK:       "tfl.transpose_conv"(%s2,
func.func @transpose_conv_negative(%x: tensor<1x4x4x2xf32>, %s2: tensor<4xi32>) -> (tensor<1x6x6x3xf32>, tensor<1x4x4x3xf32>) {
  %s = tf.Const <int32 [4] [1, 6, 6, 3]> : tensor<4xi32>
  %w = tf.Const <float32 [2, 2, 3, 2] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0]> : tensor<2x2x3x2xf32>
  %y = "tf.Conv2DBackpropInput"(%s, %w, %x) {T = f32, data_format = "NHWC", dilations = [1, 2, 2, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<4xi32>, tensor<2x2x3x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x6x6x3xf32>
  %w1 = tf.Const <float32 [1, 1, 3, 2] [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]> : tensor<1x1x3x2xf32>
  %z = "tf.Conv2DBackpropInput"(%s2, %w1, %x) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<4xi32>, tensor<1x1x3x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32>
  func.return %y, %z : tensor<1x6x6x3xf32>, tensor<1x4x4x3xf32>
}
