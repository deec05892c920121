// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// Builtin options are properties; omitted optional operands come from tfl.no_value.
// CHECK-LABEL: func.func @conv
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [2, 1, 1, 1] [0.5, -1.0]> : tensor<2x1x1x1xf32>
// CHECK:       %[[NONE:.*]] = tfl.no_value
// CHECK:       "tfl.conv_2d"(%{{.*}}, %[[W]], %[[NONE]]) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, fused_activation_function = "RELU6", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x2x2xf32>
// CHECK:       "tfl.depthwise_conv_2d"(%{{.*}}, %{{.*}}, %{{.*}}) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, depth_multiplier = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 2 : i32, dilation_h_factor = 2 : i32}>
// CHECK:       "tfl.max_pool_2d"(%{{.*}}) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32, fused_activation_function = "NONE"}>
func.func @conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x1x1x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [0.5, -1.0]> : tensor<2x1x1x1xf32>
  %none = tfl.no_value
  %c = "tfl.conv_2d"(%x, %w, %none) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, fused_activation_function = "RELU6", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x2x2xf32>
  %dw_w = tfl.pseudo_const <float32 [1, 1, 1, 2] [1.0, 2.0]> : tensor<1x1x1x2xf32>
  %b = tfl.pseudo_const <float32 [2] [0.0, 1.0]> : tensor<2xf32>
  %d = "tfl.depthwise_conv_2d"(%c, %dw_w, %b) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, depth_multiplier = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 2 : i32, dilation_h_factor = 2 : i32}> : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %p = "tfl.max_pool_2d"(%d) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32, fused_activation_function = "NONE"}> : (tensor<1x2x2x2xf32>) -> tensor<1x1x1x2xf32>
  func.return %p : tensor<1x1x1x2xf32>
}

// -----

// Options not written take the op's defaults when parsed (the exporter writes every value that differs from the
// schema default, e.g. softmax beta = 1).
// CHECK-LABEL: func.func @defaults
// CHECK:       "tfl.add"(%{{.*}}, %{{.*}}) <{fused_activation_function = "NONE"}> : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:       "tfl.softmax"(%{{.*}}) <{beta = 1.000000e+00 : f32}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK:       "tfl.fully_connected"(%{{.*}}, %{{.*}}, %{{.*}}) <{fused_activation_function = "NONE", weights_format = 0 : i32, keep_num_dims = false, asymmetric_quantize_inputs = false}>
func.func @defaults(%x: tensor<2x3xf32>, %b: tensor<3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %a = "tfl.add"(%x, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %s = "tfl.softmax"(%a) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %none = tfl.no_value
  %f = "tfl.fully_connected"(%s, %w, %none) : (tensor<2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  func.return %f : tensor<2x4xf32>
}

// -----

// Variadic operands and results; int-vector and enum-typed options.
// CHECK-LABEL: func.func @shapes
// CHECK:       "tfl.concatenation"(%{{.*}}, %{{.*}}, %{{.*}}) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<6x3xf32>
// CHECK:       %{{.*}}, %{{.*}}, %{{.*}} = "tfl.split"(%{{.*}}, %{{.*}}) <{num_splits = 3 : i32}> : (tensor<i32>, tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:       "tfl.squeeze"(%{{.*}}) <{squeeze_dims = array<i32: 0>}> : (tensor<1x3xf32>) -> tensor<3xf32>
// CHECK:       "tfl.cast"(%{{.*}}) <{in_data_type = "FLOAT32", out_data_type = "INT32"}> : (tensor<3xf32>) -> tensor<3xi32>
// CHECK:       "tfl.reshape"(%{{.*}}, %{{.*}}) : (tensor<3xi32>, tensor<2xi32>) -> tensor<1x3xi32>
func.func @shapes(%x: tensor<2x3xf32>, %r: tensor<1x3xf32>) -> (tensor<2x3xf32>, tensor<1x3xi32>) {
  %c = "tfl.concatenation"(%x, %x, %x) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<6x3xf32>
  %dim = tfl.pseudo_const <int32 [] [0]> : tensor<i32>
  %s:3 = "tfl.split"(%dim, %c) <{num_splits = 3 : i32}> : (tensor<i32>, tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
  %q = "tfl.squeeze"(%r) <{squeeze_dims = array<i32: 0>}> : (tensor<1x3xf32>) -> tensor<3xf32>
  %i = "tfl.cast"(%q) <{in_data_type = "FLOAT32", out_data_type = "INT32"}> : (tensor<3xf32>) -> tensor<3xi32>
  %shape = tfl.pseudo_const <int32 [2] [1, 3]> : tensor<2xi32>
  %re = "tfl.reshape"(%i, %shape) : (tensor<3xi32>, tensor<2xi32>) -> tensor<1x3xi32>
  func.return %s#1, %re : tensor<2x3xf32>, tensor<1x3xi32>
}
