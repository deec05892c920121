// RUN: not tflc opt %s -p 'qat-ranges' 2>&1 | filecheck %s

// Low-bit FakeQuant (TF's separate low-bit QAT path) is an error naming the op.
// CHECK: FakeQuantWithMinMaxArgs ('fq_4bit'): num_bits=4; tflc converts 8-bit quantization-aware training only
func.func @four_bits(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %a = "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = -1.0 : f32, max = 2.0 : f32, narrow_range = false, num_bits = 4 : i64, tflc.name = "fq_4bit"} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %a : tensor<1x2xf32>
}
