// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// DepthwiseConv2dNative: filter [H,W,C,M] = [1,1,2,2] becomes [1,H,W,C*M] = [1,1,1,4]; depth_multiplier = M.
// CHECK-LABEL: func.func @depthwise
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [1, 1, 1, 4] [1.0, 2.0, 3.0, 4.0]>
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [4] [0.0, 0.0, 0.0, 0.0]>
// CHECK:       "tfl.depthwise_conv_2d"(%x, %[[W]], %[[B]]) <{padding = "SAME", stride_w = 2 : i32, stride_h = 2 : i32, depth_multiplier = 2 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}>
// CHECK-NOT:   tf.DepthwiseConv2dNative
func.func @depthwise(%x: tensor<1x5x5x2xf32>) -> tensor<1x3x3x4xf32> {
  %w = tf.Const <float32 [1, 1, 2, 2] [1.0, 2.0, 3.0, 4.0]> : tensor<1x1x2x2xf32>
  %y = "tf.DepthwiseConv2dNative"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 2, 2, 1]} : (tensor<1x5x5x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x3x3x4xf32>
  func.return %y : tensor<1x3x3x4xf32>
}

// Dilated VALID depthwise with its BiasAdd absorbed.
// CHECK-LABEL: func.func @depthwise_dilated_bias
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [3] [1.0, 2.0, 3.0]>
// CHECK:       %[[Y:.*]] = "tfl.depthwise_conv_2d"(%x, %{{.*}}, %[[B]]) <{padding = "VALID", stride_w = 1 : i32, stride_h = 1 : i32, depth_multiplier = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 2 : i32, dilation_h_factor = 2 : i32}>
// CHECK-NOT:   tf.BiasAdd
// CHECK:       func.return %[[Y]]
func.func @depthwise_dilated_bias(%x: tensor<1x6x6x3xf32>) -> tensor<1x2x2x3xf32> {
  %w = tf.Const <float32 [3, 3, 3, 1] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0]> : tensor<3x3x3x1xf32>
  %b = tf.Const <float32 [3] [1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = "tf.DepthwiseConv2dNative"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 2, 2, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<1x6x6x3xf32>, tensor<3x3x3x1xf32>) -> tensor<1x2x2x3xf32>
  %z = "tf.BiasAdd"(%y, %b) {T = f32, data_format = "NHWC"} : (tensor<1x2x2x3xf32>, tensor<3xf32>) -> tensor<1x2x2x3xf32>
  func.return %z : tensor<1x2x2x3xf32>
}

// Must not fire: NCHW, and a non-constant filter.
// CHECK-LABEL: func.func @depthwise_negative
// CHECK:       "tf.DepthwiseConv2dNative"
// CHECK:       "tf.DepthwiseConv2dNative"
// CHECK-NOT:   tfl.depthwise_conv_2d
func.func @depthwise_negative(%x: tensor<1x2x4x4xf32>, %x2: tensor<1x4x4x2xf32>, %w2: tensor<1x1x2x1xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x4x4x2xf32>) {
  %w = tf.Const <float32 [1, 1, 2, 1] [1.0, 2.0]> : tensor<1x1x2x1xf32>
  %y = "tf.DepthwiseConv2dNative"(%x, %w) {T = f32, data_format = "NCHW", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<1x1x2x1xf32>) -> tensor<1x2x4x4xf32>
  %z = "tf.DepthwiseConv2dNative"(%x2, %w2) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x1xf32>) -> tensor<1x4x4x2xf32>
  func.return %y, %z : tensor<1x2x4x4xf32>, tensor<1x4x4x2xf32>
}
