// RUN: tflc opt %s -p 'quantize-int8' --split-input-file | filecheck %s
// RUN: tflc opt %s -p 'quantize-int8,post-quantize{input-type=int8 output-type=int8}' --split-input-file | filecheck %s --check-prefix=INT8IO
// RUN: tflc opt %s -p 'quantize-int8,post-quantize{input-type=uint8 output-type=uint8}' --split-input-file | filecheck %s --check-prefix=UINT8IO

// Calibrated ranges (tflc.range / tflc.arg_ranges) become int8 types: input [-1, 1] -> scale 2/255, zero point
// -1 (TF nudges from the end with the smaller error, -0.5, rounded half away from zero); [-1, 5] -> 6/255, -86;
// FC weights symmetric per channel, bias int32 with scale s_in * s_w[c]; SOFTMAX output fixed at (1/256, -128);
// a QUANTIZE after the float input and a DEQUANTIZE before the float output.
// CHECK-LABEL: func.func @mlp
// CHECK:       %[[Q:.*]] = "tfl.quantize"(%x) : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<i8:f32, 0.00784313725490196:-1>>
// CHECK:       tfl.pseudo_const <int8 [2, 2] [127, -64, 0, 127]> {tflc.name = "w"} : tensor<2x2x!quant.uniform<i8:f32:0, {0.015748031496062992:0, 0.007874015748031496:0}>>
// CHECK:       tfl.pseudo_const <int32 [2] [51, -126]> {tflc.name = "b"} : tensor<2x!quant.uniform<i32:f32:0, {0.0001235139725181411:0, 6.175698625907056e-05:0}>>
// CHECK:       "tfl.fully_connected"(%[[Q]], {{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.023529411764705882:-86>>
// CHECK:       "tfl.softmax"({{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.00390625:-128>>
// CHECK:       "tfl.dequantize"
// CHECK-NOT:   tflc.range
// INT8IO-LABEL: func.func @mlp(%x: tensor<1x2x!quant.uniform<i8:f32, 0.00784313725490196:-1>>) -> tensor<1x2x!quant.uniform<i8:f32, 0.00390625:-128>>
// INT8IO-NOT:   tfl.quantize
// INT8IO-NOT:   tfl.dequantize
// UINT8IO-LABEL: func.func @mlp(%x: tensor<1x2x!quant.uniform<u8:f32, 0.00784313725490196:127>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.00390625:0>>
// UINT8IO:       "tfl.quantize"(%x) : (tensor<1x2x!quant.uniform<u8:f32, 0.00784313725490196:127>>) -> tensor<1x2x!quant.uniform<i8:f32, 0.00784313725490196:-1>>
// UINT8IO:       "tfl.quantize"({{.*}}) : (tensor<1x2x!quant.uniform<i8:f32, 0.00390625:-128>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.00390625:0>>
func.func @mlp(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %w = tfl.pseudo_const <float32 [2, 2] [2.0, -1.0, 0.0, 1.0]> {tflc.name = "w"} : tensor<2x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.0063, -0.0078]> {tflc.name = "b"} : tensor<2xf32>
  %y = "tfl.fully_connected"(%x, %w, %b) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> {tflc.range = [array<f32: -1.0, 5.0>]} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = "tfl.softmax"(%y) <{beta = 1.000000e+00 : f32}> {tflc.range = [array<f32: 0.0, 1.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %s : tensor<1x2xf32>
}

// -----

// Same-scale: MAX_POOL_2D's result takes its input's parameters whatever its own range says.
// CHECK-LABEL: func.func @pool
// CHECK:       "tfl.max_pool_2d"{{.*}} -> tensor<1x1x1x1x!quant.uniform<i8:f32, 0.00784313725490196:-1>>
func.func @pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %y = "tfl.max_pool_2d"(%x) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32, fused_activation_function = "NONE"}> {tflc.range = [array<f32: 0.0, 0.5>]} : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  func.return %y : tensor<1x1x1x1xf32>
}

// -----

// CONCATENATION takes its output's parameters on every input: a producer nothing else reads writes them itself (TF's
// FoldTrivalRequantizeOp), so no requantizing QUANTIZE is left. SUB is rebuilt on int8 (version 2).
// CHECK-LABEL: func.func @concat
// CHECK:       "tfl.relu"({{.*}}) : ({{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.011764705882352941:-128>>
// CHECK:       "tfl.sub"({{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 0.011764705882352941:-128>>
// CHECK-NOT:   "tfl.quantize"
// CHECK:       "tfl.concatenation"
func.func @concat(%x: tensor<1x2xf32>) -> tensor<1x4xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %a = "tfl.relu"(%x) {tflc.range = [array<f32: 0.0, 1.0>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %b = "tfl.sub"(%x, %x) <{fused_activation_function = "NONE"}> {tflc.range = [array<f32: -1.0, 2.0>]} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %c = "tfl.concatenation"(%a, %b) <{axis = 1 : i32, fused_activation_function = "NONE"}> {tflc.range = [array<f32: 0.0, 3.0>]} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}

// -----

// A calibrated range narrower than 1e-6 is widened by 1e-6 on both sides (TF's TensorRangeSanityCheck):
// [0, 1e-7] -> [-1e-6, 1.1e-6].
// CHECK-LABEL: func.func @tiny
// CHECK:       "tfl.relu"({{.*}}) -> tensor<1x2x!quant.uniform<i8:f32, 8.235294{{[0-9]*}}e-09:-7>>
func.func @tiny(%x: tensor<1x2xf32>) -> tensor<1x2xf32> attributes {tflc.arg_ranges = [array<f32: -1.0, 1.0>]} {
  %a = "tfl.relu"(%x) {tflc.range = [array<f32: 0.0, 1.0e-7>]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %a : tensor<1x2xf32>
}
