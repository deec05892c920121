// RUN: tflc opt %s -p 'prepare-qat' --split-input-file | filecheck %s

// A Conv2D whose filter is a per-channel FakeQuant of a constant: legalized with the raw weights (HWIO -> OHWI),
// the filter stored as int8 per channel (dim 0) with the FakeQuant's scales, narrow range [-127, 127] on the
// unsigned grid [1, 255] shifted by 128: scale = 1/254, 0.6/254, zero point 0; -0.2 / (0.6/254) = -84.67 -> -85.
// CHECK-LABEL: func.func @conv
// CHECK:       %[[W:.*]] = tfl.pseudo_const <int8 [2, 1, 1, 1] [127, -85]> {tflc.name = "fq"} : tensor<2x1x1x1x!quant.uniform<i8:f32:0, {0.003937007874015748:0, 0.002362204818275031:0}>>
// CHECK:       %[[D:.*]] = "tfl.dequantize"(%[[W]]) {{.*}} -> tensor<2x1x1x1xf32>
// CHECK:       "tfl.conv_2d"(%x, %[[D]], %{{.*}})
// CHECK-NOT:   tf.generic
func.func @conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [0.5, -0.2]> {tflc.name = "w"} : tensor<1x1x1x2xf32>
  %lo = tf.Const <float32 [2] [-0.5, -0.3]> : tensor<2xf32>
  %hi = tf.Const <float32 [2] [0.5, 0.3]> : tensor<2xf32>
  %fw = "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVarsPerChannel", node_def = ""}> {narrow_range = true, num_bits = 8 : i64, tflc.name = "fq"} : (tensor<1x1x1x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
  %y = "tf.Conv2D"(%x, %fw) {T = f32, data_format = "NHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64], explicit_paddings = [], padding = "VALID", strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// -----

// A MatMul with a per-tensor FakeQuant weight: FULLY_CONNECTED with [out, in] int8 weights per tensor, and the
// BiasAdd after it becomes the FC's bias (the float optimizer needs a constant filter to fold it).
// CHECK-LABEL: func.func @dense
// CHECK:       %[[W:.*]] = tfl.pseudo_const <int8 [2, 2] [127, 0, -64, 127]> : tensor<2x2x!quant.uniform<i8:f32, 0.007874015748031496:0>>
// CHECK:       %[[D:.*]] = "tfl.dequantize"(%[[W]])
// CHECK:       %[[B:.*]] = tfl.pseudo_const <float32 [2] [0.5, -0.5]>
// CHECK:       "tfl.fully_connected"(%x, %[[D]], %[[B]]) {{.*}} {tflc.name = "bias_add"}
// CHECK-NOT:   tf.BiasAdd
func.func @dense(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = tf.Const <float32 [2, 2] [1.0, -0.5, 0.0, 1.0]> : tensor<2x2xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [1.0]> : tensor<f32>
  %fw = "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = true, num_bits = 8 : i64} : (tensor<2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %y = "tf.MatMul"(%x, %fw) {T = f32, transpose_a = false, transpose_b = false} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %b = tf.Const <float32 [2] [0.5, -0.5]> : tensor<2xf32>
  %z = "tf.BiasAdd"(%y, %b) {T = f32, data_format = "NHWC", tflc.name = "bias_add"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// -----

// DepthwiseConv2dNative (HWCM, 2 channels, multiplier 1) with a per-channel FakeQuant over M = 1: TF writes the
// per-multiplier scale repeated over the C * M output channels of the [1, H, W, C*M] filter, dimension 3.
// CHECK-LABEL: func.func @depthwise
// CHECK:       tfl.pseudo_const <int8 [1, 1, 1, 2] [64, -127]> : tensor<1x1x1x2x!quant.uniform<i8:f32:3, {0.007874015748031496:0, 0.007874015748031496:0}>>
// CHECK:       "tfl.depthwise_conv_2d"
func.func @depthwise(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = tf.Const <float32 [1, 1, 2, 1] [0.5, -1.0]> : tensor<1x1x2x1xf32>
  %lo = tf.Const <float32 [1] [-1.0]> : tensor<1xf32>
  %hi = tf.Const <float32 [1] [1.0]> : tensor<1xf32>
  %fw = "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVarsPerChannel", node_def = ""}> {narrow_range = true, num_bits = 8 : i64} : (tensor<1x1x2x1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x1xf32>
  %y = "tf.DepthwiseConv2dNative"(%x, %fw) {T = f32, data_format = "NHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64], explicit_paddings = [], padding = "VALID", strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64]} : (tensor<1x4x4x2xf32>, tensor<1x1x2x1xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}
