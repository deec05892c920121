// RUN: tflc opt %s -p 'quantize-dynamic-range{min-elements=4}' --split-input-file | filecheck %s
// RUN: tflc opt %s -p 'quantize-dynamic-range{min-elements=4 per-channel=false}' --split-input-file | filecheck %s --check-prefix=TENSOR
// RUN: tflc opt %s -p 'quantize-dynamic-range{min-elements=4 per-channel-dense=false}' --split-input-file | filecheck %s --check-prefix=DENSE

// Per-channel off (`_experimental_disable_per_channel`): one scale per tensor everywhere; off for dense layers only
// (`_experimental_disable_per_channel_quantization_for_dense_layers`): FULLY_CONNECTED per tensor.
// TENSOR-LABEL: func.func @fc
// TENSOR:       tfl.pseudo_const <int8 [2, 4] [126, 0, 0, -62, 127, -127, 0, 0]> {tflc.name = "dense/kernel"} : tensor<2x4x!quant.uniform<i8:f32, 0.015748031496062992:0>>
// TENSOR-LABEL: func.func @convs
// TENSOR:       tensor<2x1x1x2x!quant.uniform<i8:f32, 0.007874015748031496:0>>
// TENSOR:       tensor<1x1x2x2x!quant.uniform<i8:f32, 0.031496062992125984:0>>
// DENSE-LABEL:  func.func @fc
// DENSE:        tensor<2x4x!quant.uniform<i8:f32, 0.015748031496062992:0>>
// DENSE-LABEL:  func.func @convs
// DENSE:        tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.007874015748031496:0, 3.937007874015748e-09:0}>>

// FULLY_CONNECTED has a hybrid kernel: int8 weights per output channel (dim 0), scale = absmax / 127, values
// rounded half away from zero (0.5 -> 1, -0.5 -> -1, -62.5 -> -63), asymmetric_quantize_inputs = true, and
// version 12 (per-channel hybrid). The float constant is gone; the weight keeps its name.
// CHECK-LABEL: func.func @fc
// CHECK:       %[[W:.*]] = tfl.pseudo_const <int8 [2, 4] [127, 1, -1, -63, 127, -127, 0, 0]> {tflc.name = "dense/kernel"} : tensor<2x4x!quant.uniform<i8:f32:0, {0.015625:0, 0.015748031496062992:0}>>
// CHECK-NEXT:  "tfl.fully_connected"(%{{.*}}, %[[W]], %{{.*}}) <{{{.*}}asymmetric_quantize_inputs = true}>
// CHECK-NOT:   float32
func.func @fc(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 4] [1.984375, 0.0078125, -0.0078125, -0.9765625, 2.0, -2.0, 0.0, 0.0]> {tflc.name = "dense/kernel"} : tensor<2x4xf32>
  %none = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %none) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}> : (tensor<1x4xf32>, tensor<2x4xf32>, none) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

// CONV_2D per channel on dim 0 (OHWI), DEPTHWISE_CONV_2D on dim 3; biases (too small here) stay float.
// An all-zero channel gets TF's smallest range, [-0.5e-6, 0.5e-6]: scale 0.5e-6 / 127.
// CHECK-LABEL: func.func @convs
// CHECK:       %[[CW:.*]] = tfl.pseudo_const <int8 [2, 1, 1, 2] [127, -64, 0, 0]> : tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.007874015748031496:0, 3.937007874015748e-09:0}>>
// CHECK:       "tfl.conv_2d"(%{{.*}}, %[[CW]], %{{.*}}) {{.*}} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.007874015748031496:0, 3.937007874015748e-09:0}>>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
// CHECK:       %[[DW:.*]] = tfl.pseudo_const <int8 [1, 1, 2, 2] [127, 127, -127, 64]> : tensor<1x1x2x2x!quant.uniform<i8:f32:3, {0.015748031496062992:0, 0.031496062992125984:0}>>
// CHECK:       "tfl.depthwise_conv_2d"(%{{.*}}, %[[DW]], %{{.*}})
func.func @convs(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 2] [1.0, -0.5, 0.0, 0.0]> : tensor<2x1x1x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.5, 0.5]> : tensor<2xf32>
  %c = "tfl.conv_2d"(%x, %w, %b) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %dw = tfl.pseudo_const <float32 [1, 1, 2, 2] [2.0, 4.0, -2.0, 2.0]> : tensor<1x1x2x2xf32>
  %d = "tfl.depthwise_conv_2d"(%c, %dw, %b) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, depth_multiplier = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  func.return %d : tensor<1x4x4x2xf32>
}

// -----

// GATHER runs on the int8 table (same scale, per tensor) and a DEQUANTIZE follows it.
// CHECK-LABEL: func.func @gather
// CHECK:       %[[T:.*]] = tfl.pseudo_const <int8 [3, 2] [127, -127, 64, 0, 0, 1]> : tensor<3x2x!quant.uniform<i8:f32, 0.031496062992125984:0>>
// CHECK:       %[[G:.*]] = "tfl.gather"(%[[T]], %{{.*}}) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<3x2x!quant.uniform<i8:f32, 0.031496062992125984:0>>, tensor<2xi32>) -> tensor<2x2x!quant.uniform<i8:f32, 0.031496062992125984:0>>
// CHECK:       %[[F:.*]] = "tfl.dequantize"(%[[G]]) : (tensor<2x2x!quant.uniform<i8:f32, 0.031496062992125984:0>>) -> tensor<2x2xf32>
// CHECK:       func.return %[[F]]
func.func @gather(%i: tensor<2xi32>) -> tensor<2x2xf32> {
  %t = tfl.pseudo_const <float32 [3, 2] [4.0, -4.0, 2.0, 0.0, 0.0, 0.02]> : tensor<3x2xf32>
  %g = "tfl.gather"(%t, %i) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<3x2xf32>, tensor<2xi32>) -> tensor<2x2xf32>
  func.return %g : tensor<2x2xf32>
}

