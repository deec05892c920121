// RUN: tflc opt %s -p 'qat-ranges' --split-input-file | filecheck %s --check-prefix=RANGES
// RUN: tflc opt %s -p 'qat-ranges,quantize-qat' --split-input-file | filecheck %s

// qat-ranges: the FakeQuant of the input and of the FC result are removed, their raw [min, max] become tflc.range
// and TF's exact (scale, zero point) tflc.qat_params. FakeQuantWithMinMaxArgs [-1, 1]: scale 2/255 and zero point
// 0, rounded on the unsigned grid (127.5 -> 128, then - 128); quantize-int8's signed grid would round -0.5 to -1.
// The DEQUANTIZE'd int8 weights are taken as they are; the bias gets scale s_in * s_w.
// RANGES-LABEL: func.func @fc
// RANGES-SAME:  tflc.arg_ranges = [array<f32: -1.000000e+00, 1.000000e+00>]
// RANGES-SAME:  tflc.qat_arg_params = [array<f64: 0.0078431372549019607, 0.000000e+00>]
// RANGES:       "tfl.fully_connected"(%x,
// RANGES-SAME:  tflc.range = [array<f32: -1.000000e+00, 2.000000e+00>], tflc.qat_params = [array<f64: 0.011764705882352941, -4.300000e+01>]
// RANGES-NOT:   tf.generic
// CHECK-LABEL: func.func @fc
// CHECK:       %[[Q:.*]] = "tfl.quantize"(%x) : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<i8:f32, 0.00784313725490196:0>>
// CHECK:       tfl.pseudo_const <int32 [2] [65, -65]> : tensor<2x!quant.uniform<i32:f32, 6.175698625907056e-05:0>>
// CHECK:       "tfl.fully_connected"(%[[Q]], {{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.011764705882352941:-43>>
// CHECK:       "tfl.dequantize"
// CHECK-NOT:   tflc.qat_params
// CHECK-NOT:   tflc.range
func.func @fc(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %a = "tf.generic"(%x) <{tf_op = "FakeQuantWithMinMaxArgs", node_def = ""}> {min = -1.0 : f32, max = 1.0 : f32, narrow_range = false, num_bits = 8 : i64} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %w = tfl.pseudo_const <int8 [2, 2] [127, 0, -64, 127]> : tensor<2x2x!quant.uniform<i8:f32, 0.007874015748031496:0>>
  %dw = "tfl.dequantize"(%w) : (tensor<2x2x!quant.uniform<i8:f32, 0.007874015748031496:0>>) -> tensor<2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.004, -0.004]> : tensor<2xf32>
  %y = "tfl.fully_connected"(%a, %dw, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [2.0]> : tensor<f32>
  %z = "tf.generic"(%y, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = false, num_bits = 8 : i64} : (tensor<1x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// -----

// A FakeQuant of a constant other than a conv/matmul weight becomes a DEQUANTIZE of its int8 constant.
// RANGES-LABEL: func.func @const_operand
// RANGES:       %[[C:.*]] = tfl.pseudo_const <int8 [2] [-128, 127]> : tensor<2x!quant.uniform<i8:f32, 0.011764705882352941:-43>>
// RANGES:       %[[D:.*]] = "tfl.dequantize"(%[[C]])
// RANGES:       "tfl.add"(%x, %[[D]])
func.func @const_operand(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %c = tfl.pseudo_const <float32 [2] [-1.0, 2.0]> : tensor<2xf32>
  %lo = tf.Const <float32 [] [-1.0]> : tensor<f32>
  %hi = tf.Const <float32 [] [2.0]> : tensor<f32>
  %q = "tf.generic"(%c, %lo, %hi) <{tf_op = "FakeQuantWithMinMaxVars", node_def = ""}> {narrow_range = false, num_bits = 8 : i64} : (tensor<2xf32>, tensor<f32>, tensor<f32>) -> tensor<2xf32>
  %y = "tfl.add"(%x, %q) <{fused_activation_function = "NONE"}> : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
