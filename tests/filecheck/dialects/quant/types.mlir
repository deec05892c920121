// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// Uniform quantized element types: per tensor (scale:zero_point) and per axis (quantized dimension after the
// expressed type, one scale:zero_point per slice). Scales print as repr-exact doubles, so round trips are bit-exact.
// CHECK-LABEL: func.func @per_tensor
// CHECK-SAME:  (%{{.*}}: tensor<1x4x!quant.uniform<i8:f32, 0.0235:-3>>, %{{.*}}: tensor<4x!quant.uniform<u8:f32, 0.1:128>>, %{{.*}}: tensor<2x!quant.uniform<i16:f32, 3.0517578125e-05:0>>)
func.func @per_tensor(%a: tensor<1x4x!quant.uniform<i8:f32, 0.0235:-3>>, %b: tensor<4x!quant.uniform<u8:f32, 0.1:128>>, %c: tensor<2x!quant.uniform<i16:f32, 3.0517578125e-05:0>>) {
  func.return
}

// -----

// The zero point may be left out (0), as in MLIR; a double that needs 17 digits keeps them.
// CHECK-LABEL: func.func @defaults
// CHECK-SAME:  tensor<3x!quant.uniform<i32:f32, 0.5:0>>, %{{.*}}: tensor<3x!quant.uniform<i8:f32, 0.007874015748031496:0>>
func.func @defaults(%a: tensor<3x!quant.uniform<i32:f32, 0.5>>, %b: tensor<3x!quant.uniform<i8:f32, 0.007874015748031496:0>>) {
  func.return
}

// -----

// A constant holds its storage integers; per-axis types name the quantized dimension.
// CHECK-LABEL: func.func @per_axis_const
// CHECK:       tfl.pseudo_const <int8 [2, 1, 1, 2] [-127, 3, 127, 0]> : tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.1:0, 1.0e-05:0}>>
// CHECK:       tfl.pseudo_const <int8 [1, 1, 1, 2] [5, -5]> : tensor<1x1x1x2x!quant.uniform<i8:f32:3, {0.25:0, 0.125:0}>>
// CHECK:       tfl.pseudo_const <int64 [2] [1, -1]> : tensor<2x!quant.uniform<i64:f32, 1.0:0>>
func.func @per_axis_const() {
  %w = tfl.pseudo_const <int8 [2, 1, 1, 2] [-127, 3, 127, 0]> : tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.1:0, 1.0e-05:0}>>
  %d = tfl.pseudo_const <int8 [1, 1, 1, 2] [5, -5]> : tensor<1x1x1x2x!quant.uniform<i8:f32:3, {0.25:0, 0.125:0}>>
  %b = tfl.pseudo_const <int64 [2] [1, -1]> : tensor<2x!quant.uniform<i64:f32, 1.0:0>>
  func.return
}

// -----

// Ops take quantized kinds where their TYPES say so: a hybrid conv (float activations, int8 per-channel weights)
// and the QUANTIZE/DEQUANTIZE pair.
// CHECK-LABEL: func.func @ops
// CHECK:       "tfl.conv_2d"(%{{.*}}, %{{.*}}, %{{.*}}) {{.*}} : (tensor<1x4x4x1xf32>, tensor<2x1x1x1x!quant.uniform<i8:f32:0, {0.5:0, 0.25:0}>>, none) -> tensor<1x4x4x2xf32>
// CHECK:       %[[Q:.*]] = "tfl.quantize"(%{{.*}}) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.05:-128>>
// CHECK:       "tfl.dequantize"(%[[Q]]) : (tensor<1x4x4x2x!quant.uniform<i8:f32, 0.05:-128>>) -> tensor<1x4x4x2xf32>
func.func @ops(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <int8 [2, 1, 1, 1] [127, -127]> : tensor<2x1x1x1x!quant.uniform<i8:f32:0, {0.5:0, 0.25:0}>>
  %none = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %none) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1x!quant.uniform<i8:f32:0, {0.5:0, 0.25:0}>>, none) -> tensor<1x4x4x2xf32>
  %q = "tfl.quantize"(%c) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.05:-128>>
  %d = "tfl.dequantize"(%q) : (tensor<1x4x4x2x!quant.uniform<i8:f32, 0.05:-128>>) -> tensor<1x4x4x2xf32>
  func.return %d : tensor<1x4x4x2xf32>
}
