// RUN: tflc opt %s -p 'quantize-int16x8' --split-input-file | filecheck %s
// RUN: tflc opt %s -p 'quantize-int16x8,post-quantize{input-type=int16 output-type=int16}' --split-input-file | filecheck %s --check-prefix=INT16IO

// 16x8: calibrated ranges become symmetric int16 types, scale max(|min|, |max|) / 32767, zero point 0 (input
// [-1, 0.5] -> 1/32767, [-1, 5] -> 5/32767); FC weights int8 symmetric per channel; bias int64 with scale
// s_in * s_w[c] (0.0063 / 4.806e-07 -> 13108); SOFTMAX output fixed at (1/32768, 0); float I/O by default.
// CHECK-LABEL: func.func @mlp
// CHECK:       %[[Q:.*]] = "tfl.quantize"(%x) : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<i16:f32, 3.0518509447574615e-05:0>>
// CHECK:       tfl.pseudo_const <int8 [2, 2] [127, -64, 0, 127]> {tflc.name = "w"} : tensor<2x2x!quant.uniform<i8:f32:0, {0.015748031496062992:0, 0.007874015748031496:0}>>
// CHECK:       tfl.pseudo_const <int64 [2] [13108, -32459]> {tflc.name = "b"} : tensor<2x!quant.uniform<i64:f32:0, {4.80606447993301e-07:0, 2.403032239966505e-07:0}>>
// CHECK:       "tfl.fully_connected"(%[[Q]], {{.*}}) -> tensor<1x2x!quant.uniform<i16:f32, 0.00015259254723787308:0>>
// CHECK:       "tfl.softmax"({{.*}}) -> tensor<1x2x!quant.uniform<i16:f32, 3.0517578125e-05:0>>
// CHECK:       "tfl.dequantize"
// CHECK-NOT:   tflc.range
// INT16IO-LABEL: func.func @mlp(%x: tensor<1x2x!quant.uniform<i16:f32, 3.0518509447574615e-05:0>>) -> tensor<1x2x!quant.uniform<i16:f32, 3.0517578125e-05:0>>
// INT16IO-NOT:   tfl.quantize
// INT16IO-NOT:   tfl.dequantize
func.func @mlp(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 0.5>]} {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> {tflc.name = "w"} : tensor<2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.0063, -0.0078]> {tflc.name = "b"} : tensor<2xf32>
  %y = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -1.0, 5.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = "tfl.softmax"(%y) <{beta = 1.000000e+00 : f32}> {tflc.range = [array<f32: 0.0, 1.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %s : tensor<1x2xf32>
}


// -----

// A bias needing half the int32 range or more at s_in * s_w widens that channel's weight scale to
// 2 |b| / INT32_MAX / s_in (TF's AdjustWeightsForBiasScale): bias 3.0 at s_in = 1e-6 / 32767 -> weight scale 91.55,
// bias 2^30; the zero-bias channel keeps its scale.
// CHECK-LABEL: func.func @big_bias
// CHECK:       tfl.pseudo_const <int8 [2, 2] [0, 0, 32, 127]> {tflc.name = "w"} : tensor<2x2x!quant.uniform<i8:f32:0, {91.54994201660156:0, 0.007874015718698502:0}>>
// CHECK:       tfl.pseudo_const <int64 [2] [1073741862, 0]>
func.func @big_bias(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0e-6, 1.0e-6>]} {
  %w = tfl.pseudo_const <float32 [2, 2] [0.5, -1.0, 0.25, 1.0]> {tflc.name = "w"} : tensor<2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [3.0, 0.0]> {tflc.name = "b"} : tensor<2xf32>
  %y = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -3.0, 3.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}


// -----

// Same-scale MAX_POOL_2D keeps its input's scale; ADD's constant is symmetric int16 from its own range.
// CHECK-LABEL: func.func @pool
// CHECK:       "tfl.max_pool_2d"{{.*}} -> tensor<1x1x1x1x!quant.uniform<i16:f32, 3.0518509447574615e-05:0>>
// CHECK:       tfl.pseudo_const <int16 [1] [32767]> : tensor<1x!quant.uniform<i16:f32, 7.629627361893654e-06:0>>
// CHECK:       "tfl.add"{{.*}} -> tensor<1x1x1x1x!quant.uniform<i16:f32, 6.103701889514923e-05:0>>
func.func @pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %y = "tfl.max_pool_2d"(%x) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32, fused_activation_function = "NONE"}> {tflc.range = [array<f32: 0.0, 0.5>]} : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  %c = tfl.pseudo_const <float32 [1] [0.25]> : tensor<1xf32>
  %z = "tfl.add"(%y, %c) <{fused_activation_function = "NONE"}> {tflc.range = [array<f32: 0.0, 2.0>]} : (tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  func.return %z : tensor<1x1x1x1xf32>
}
