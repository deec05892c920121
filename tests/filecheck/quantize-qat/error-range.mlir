// RUN: not tflc opt %s -p 'qat-ranges' 2>&1 | filecheck %s

// A FakeQuant range not containing 0 (TF's converter rejects it too) is an error naming the op.
// CHECK: FakeQuantWithMinMaxArgs ('fq_positive'): FakeQuant range [0.5, 2.0] must contain 0
func.func @positive_range(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %a = "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = 0.5 : f32, max = 2.0 : f32, narrow_range = false, num_bits = 8 : i64, tflc.name = "fq_positive"} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %a : tensor<1x2xf32>
}
