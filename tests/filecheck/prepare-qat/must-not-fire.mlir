// RUN: tflc opt %s -p 'prepare-qat' --split-input-file | filecheck %s

// Convolutions and matmuls with plain constant weights, FakeQuants of activations and a FakeQuant whose range is
// not constant are left for legalize-tf / qat-ranges.
// CHECK-LABEL: func.func @untouched
// CHECK:       "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs"
// CHECK:       "tf.Conv2D"
// CHECK:       "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars"
// CHECK:       "tf.MatMul"
// CHECK-NOT:   tfl.
func.func @untouched(%x: tensor<1x4x4x1xf32>, %v: tensor<1x4xf32>, %hi: tensor<f32>) -> (tensor<1x4x4x2xf32>, tensor<1x4xf32>) {
  %a = "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = -1.0 : f32, max = 1.0 : f32, narrow_range = false, num_bits = 8 : i64} : (tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  %f = tf.Const <float32 [1, 1, 1, 2] [0.5, -0.2]> : tensor<1x1x1x2xf32>
  %y = "tf.Conv2D"(%a, %f) {T = f32, data_format = "NHWC", dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64], explicit_paddings = [], padding = "VALID", strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64]} : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %w = tf.Const <float32 [4, 4] [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]> : tensor<4x4xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %fw = "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = true, num_bits = 8 : i64} : (tensor<4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<4x4xf32>
  %z = "tf.MatMul"(%v, %fw) {T = f32, transpose_a = false, transpose_b = false} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  func.return %y, %z : tensor<1x4x4x2xf32>, tensor<1x4xf32>
}
