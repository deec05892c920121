// RUN: tflc opt %s -p 'legalize-fake-quant' | filecheck %s

// Left alone: a per-channel FakeQuant of an activation (TF's converter fails on it too), a FakeQuant of a
// non-float32 tensor, and every other op.
// CHECK-LABEL: func.func @untouched
// CHECK:       "tf.generic"(%x, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVarsPerChannel"
// CHECK:       "tf.generic"(%h) <{tf_op = "FakeQuantWithMinMaxArgs"
// CHECK:       "tf.Relu"
// CHECK-NOT:   tfl.
func.func @untouched(%x: tensor<2x2xf32>, %h: tensor<2xf16>) -> (tensor<2x2xf32>, tensor<2xf16>, tensor<2x2xf32>) {
  %lo = tf.Const <float32 [2] [-1.0, -1.0]> : tensor<2xf32>
  %hi = tf.Const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %a = "tf.generic"(%x, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVarsPerChannel", node_def = ""}> {narrow_range = false, num_bits = 8 : i64} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %b = "tf.generic"(%h) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = -1.0 : f32, max = 1.0 : f32, narrow_range = false, num_bits = 8 : i64} : (tensor<2xf16>) -> tensor<2xf16>
  %c = "tf.Relu"(%x) {T = f32} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %a, %b, %c : tensor<2x2xf32>, tensor<2xf16>, tensor<2x2xf32>
}
