// RUN: tflc opt %s -p 'legalize-fake-quant' --split-input-file | filecheck %s

// FakeQuant of an activation: a uint8 QUANTIZE/DEQUANTIZE pair on MLIR's nudged grid [0, 255]:
// [-1, 2] -> scale 3/255, zero point 85; narrow range [1, 255] -> 3/254, 85.67 -> 86.
// CHECK-LABEL: func.func @activation
// CHECK:       %[[Q:.*]] = "tfl.quantize"(%x) : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.011764705882352941:85>>
// CHECK-NEXT:  %[[D:.*]] = "tfl.dequantize"(%[[Q]]) {{.*}} -> tensor<2x4xf32>
// CHECK:       %[[Q2:.*]] = "tfl.quantize"(%[[D]]) : {{.*}} -> tensor<2x4x!quant.uniform<u8:f32, 0.011811023622047244:86>>
// CHECK-NEXT:  "tfl.dequantize"(%[[Q2]])
// CHECK-NOT:   tf.generic
func.func @activation(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %a = "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = -1.0 : f32, max = 2.0 : f32, narrow_range = false, num_bits = 8 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [2.0]> : tensor<f32>
  %b = "tf.generic"(%a, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = true, num_bits = 8 : i64} : (tensor<2x4xf32>, tensor<f32>, tensor<f32>) -> tensor<2x4xf32>
  func.return %b : tensor<2x4xf32>
}

// -----

// QuantizeAndDequantizeV4 of an activation: the same pair on [input_min, input_max] (whatever signed_input says);
// of a constant: folded with TF's kernel (signed [-128, 127], scale 127 / 1: 0.3 -> 38 / 127, clamped to 1).
// CHECK-LABEL: func.func @qdq
// CHECK:       "tfl.quantize"(%x) : (tensor<3xf32>) -> tensor<3x!quant.uniform<u8:f32, 0.00784313725490196:0>>
// CHECK:       tfl.pseudo_const <float32 [3] [0.2992126, 1.0, -1.0]>
// CHECK-NOT:   tf.generic
func.func @qdq(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %lo = tf.Const <float32 [] [0.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [2.0]> : tensor<f32>
  %a = "tf.generic"(%x, %lo, %hi) <{tf_op = "QuantizeAndDequantizeV4", node_def = ""}> {range_given = true, signed_input = false, num_bits = 8 : i64, narrow_range = false, axis = -1 : i64} : (tensor<3xf32>, tensor<f32>, tensor<f32>) -> tensor<3xf32>
  %w = tf.Const <float32 [3] [0.3, 1.5, -1.0]> : tensor<3xf32>
  %m = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %n = tf.Const <float32 [] [1.0]> : tensor<f32>
  %b = "tf.generic"(%w, %m, %n) <{tf_op = "QuantizeAndDequantizeV4", node_def = ""}> {range_given = true, signed_input = true, num_bits = 8 : i64, narrow_range = false, axis = -1 : i64} : (tensor<3xf32>, tensor<f32>, tensor<f32>) -> tensor<3xf32>
  func.return %a, %b : tensor<3xf32>, tensor<3xf32>
}

// -----

// A FakeQuant of a MatMul's constant weights: the matmul is legalized on the raw weights, the pair sits on the
// [out, in] filter, which holds the fake-quantized values (MLIR: round(w / scale) + 128, then back in float32).
// CHECK-LABEL: func.func @dense
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [2, 2] [1.0, 0.0, -0.2992126, 1.0]>
// CHECK-NEXT:  %[[Q:.*]] = "tfl.quantize"(%[[W]]) : (tensor<2x2xf32>) -> tensor<2x2x!quant.uniform<u8:f32, 0.007874015748031496:128>>
// CHECK-NEXT:  %[[D:.*]] = "tfl.dequantize"(%[[Q]])
// CHECK:       "tfl.fully_connected"(%x, %[[D]]
// CHECK-NOT:   tf.generic
func.func @dense(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = tf.Const <float32 [2, 2] [1.0, -0.3, 0.0, 1.0]> : tensor<2x2xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [1.0]> : tensor<f32>
  %fw = "tf.generic"(%w, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = true, num_bits = 8 : i64} : (tensor<2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %y = "tf.MatMul"(%x, %fw) {T = f32, transpose_a = false, transpose_b = false} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
