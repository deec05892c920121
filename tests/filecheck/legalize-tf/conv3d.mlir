// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Conv3D: the filter keeps TensorFlow's DHWIO layout, no bias (as TF's converter), strides/dilations per axis.
// CHECK-LABEL: func.func @conv3d
// CHECK:       [[NONE:%.*]] = tfl.no_value
// CHECK-NEXT:  "tfl.conv_3d"(%x, %{{.*}}, [[NONE]]) <{padding = "SAME", stride_d = 1 : i32, stride_w = 1 : i32, stride_h = 2 : i32, fused_activation_function = "NONE", dilation_d_factor = 1 : i32, dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x5x6x3xf32>, tensor<2x3x2x3x4xf32>, none) -> tensor<1x4x3x6x4xf32>
func.func @conv3d(%x: tensor<1x4x5x6x3xf32>) -> tensor<1x4x3x6x4xf32> {
  %w = tf.Const <float32 [2, 3, 2, 3, 4] [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.0, 0.5, 1.0, 1.5]> : tensor<2x3x2x3x4xf32>
  %y = "tf.Conv3D"(%x, %w) {T = f32, strides = [1 : i64, 1 : i64, 2 : i64, 1 : i64, 1 : i64], padding = "SAME", data_format = "NDHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64]} : (tensor<1x4x5x6x3xf32>, tensor<2x3x2x3x4xf32>) -> tensor<1x4x3x6x4xf32>
  func.return %y : tensor<1x4x3x6x4xf32>
}

// Conv3DBackpropInputV2: the int64 input sizes become an int32 constant output shape.
// CHECK-LABEL: func.func @conv3d_transpose
// CHECK:       [[S:%.*]] = tfl.pseudo_const <int32 [5] [1, 4, 10, 6, 4]>
// CHECK:       "tfl.conv_3d_transpose"([[S]], %w, %x, %{{.*}}) <{padding = "VALID"
func.func @conv3d_transpose(%x: tensor<1x4x5x6x3xf32>, %w: tensor<1x2x1x4x3xf32>) -> tensor<1x4x10x6x4xf32> {
  %s = tf.Const <int64 [5] [1, 4, 10, 6, 4]> : tensor<5xi64>
  %y = "tf.Conv3DBackpropInputV2"(%s, %w, %x) {T = f32, Tshape = i64, strides = [1 : i64, 1 : i64, 2 : i64, 1 : i64, 1 : i64], padding = "VALID", data_format = "NDHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64]} : (tensor<5xi64>, tensor<1x2x1x4x3xf32>, tensor<1x4x5x6x3xf32>) -> tensor<1x4x10x6x4xf32>
  func.return %y : tensor<1x4x10x6x4xf32>
}

// Must not fire: NCDHW, a float64 input (no kernel).
// CHECK-LABEL: func.func @conv3d_stays_tf
// CHECK-COUNT-2: "tf.Conv3D"
// CHECK-NOT:   "tfl.conv_3d"
func.func @conv3d_stays_tf(%x: tensor<1x3x4x5x6xf32>, %w: tensor<1x1x1x3x4xf32>, %d: tensor<1x4x5x6x3xf64>, %wd: tensor<1x1x1x3x4xf64>) -> (tensor<1x4x4x5x6xf32>, tensor<1x4x5x6x4xf64>) {
  %a = "tf.Conv3D"(%x, %w) {T = f32, strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64], padding = "SAME", data_format = "NCDHW"} : (tensor<1x3x4x5x6xf32>, tensor<1x1x1x3x4xf32>) -> tensor<1x4x4x5x6xf32>
  %b = "tf.Conv3D"(%d, %wd) {T = f64, strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64], padding = "SAME", data_format = "NDHWC"} : (tensor<1x4x5x6x3xf64>, tensor<1x1x1x3x4xf64>) -> tensor<1x4x5x6x4xf64>
  func.return %a, %b : tensor<1x4x4x5x6xf32>, tensor<1x4x5x6x4xf64>
}
