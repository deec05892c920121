// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// CHECK-LABEL: func.func @max_pool
// CHECK:       "tfl.max_pool_2d"(%x) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 3 : i32, filter_height = 2 : i32, fused_activation_function = "NONE"}> : (tensor<1x8x8x3xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NOT:   tf.MaxPool
func.func @max_pool(%x: tensor<1x8x8x3xf32>) -> tensor<1x4x3x3xf32> {
  %y = "tf.MaxPool"(%x) {T = f32, data_format = "NHWC", explicit_paddings = [], ksize = [1, 2, 3, 1], padding = "VALID", strides = [1, 2, 2, 1]} : (tensor<1x8x8x3xf32>) -> tensor<1x4x3x3xf32>
  func.return %y : tensor<1x4x3x3xf32>
}

// CHECK-LABEL: func.func @avg_pool
// CHECK:       "tfl.average_pool_2d"(%x) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, filter_width = 3 : i32, filter_height = 3 : i32, fused_activation_function = "NONE"}>
// CHECK-NOT:   tf.AvgPool
func.func @avg_pool(%x: tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32> {
  %y = "tf.AvgPool"(%x) {T = f32, data_format = "NHWC", ksize = [1, 3, 3, 1], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  func.return %y : tensor<1x5x5x2xf32>
}

// Must not fire: NCHW, pooling across channels, EXPLICIT padding (max pool pads with -inf, not zeros).
// CHECK-LABEL: func.func @pool_negative
// CHECK:       "tf.MaxPool"
// CHECK:       "tf.AvgPool"
// CHECK:       "tf.MaxPool"
// CHECK-NOT:   tfl.
// CHECK:       func.return
func.func @pool_negative(%x: tensor<1x3x8x8xf32>, %x2: tensor<1x4x4x4xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x4x4x2xf32>, tensor<1x5x5x4xf32>) {
  %y = "tf.MaxPool"(%x) {T = f32, data_format = "NCHW", explicit_paddings = [], ksize = [1, 1, 2, 2], padding = "VALID", strides = [1, 1, 2, 2]} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %z = "tf.AvgPool"(%x2) {T = f32, data_format = "NHWC", ksize = [1, 1, 1, 2], padding = "VALID", strides = [1, 1, 1, 2]} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x2xf32>
  %u = "tf.MaxPool"(%x2) {T = f32, data_format = "NHWC", explicit_paddings = [0, 0, 1, 0, 1, 0, 0, 0], ksize = [1, 1, 1, 1], padding = "EXPLICIT", strides = [1, 1, 1, 1]} : (tensor<1x4x4x4xf32>) -> tensor<1x5x5x4xf32>
  func.return %y, %z, %u : tensor<1x3x4x4xf32>, tensor<1x4x4x2xf32>, tensor<1x5x5x4xf32>
}
