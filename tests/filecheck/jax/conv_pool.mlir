// RUN: python -m compiler.frontends.jax_stablehlo %s | filecheck %s

// NCHW/OIHW depthwise convolution (feature groups = channels): transposes to NHWC around a DepthwiseConv2dNative
// with an [H, W, C, M] filter and SAME padding; a max reduce_window with -inf init and SAME-like padding -> MaxPool
// SAME; a sum reduce_window divided by the window size -> AvgPool.
// CHECK:      %[[X:.*]] = "tf.Transpose"(%0, %{{.*}}) : (tensor<1x4x6x6xf32>, tensor<4xi32>) -> tensor<1x6x6x4xf32>
// CHECK-NEXT: %[[C:.*]] = "tf.DepthwiseConv2dNative"(%[[X]], %{{.*}}) {strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64], dilations = [1 : i64, 1 : i64, 1 : i64, 1 : i64], data_format = "NHWC", padding = "SAME"} : (tensor<1x6x6x4xf32>, tensor<3x3x4x2xf32>) -> tensor<1x6x6x8xf32>
// CHECK-NEXT: %[[B:.*]] = "tf.Transpose"(%[[C]], %{{.*}}) : (tensor<1x6x6x8xf32>, tensor<4xi32>) -> tensor<1x8x6x6xf32>
// CHECK:      "tf.MaxPool"(%1) {ksize = [1 : i64, 3 : i64, 3 : i64, 1 : i64], strides = [1 : i64, 2 : i64, 2 : i64, 1 : i64], padding = "SAME", data_format = "NHWC"} : (tensor<1x6x6x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK:      "tf.AvgPool"(%1) {ksize = [1 : i64, 2 : i64, 2 : i64, 1 : i64], strides = [1 : i64, 2 : i64, 2 : i64, 1 : i64], padding = "VALID", data_format = "NHWC"} : (tensor<1x6x6x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK-NOT:  tf.Mul
// CHECK:      func.return
func.func public @main(%x: tensor<1x4x6x6xf32>, %y: tensor<1x6x6x4xf32>) -> (tensor<1x8x6x6xf32>, tensor<1x3x3x4xf32>, tensor<1x3x3x4xf32>) {
  %w = stablehlo.constant dense<0.25> : tensor<8x1x3x3xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [1, 1], pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 4 : i64} : (tensor<1x4x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32>
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %1 = "stablehlo.reduce_window"(%y, %ninf) <{padding = dense<[[0, 0], [0, 1], [0, 1], [0, 0]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 3, 3, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x6x6x4xf32>, tensor<f32>) -> tensor<1x3x3x4xf32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %2 = "stablehlo.reduce_window"(%y, %zero) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<1x6x6x4xf32>, tensor<f32>) -> tensor<1x3x3x4xf32>
  %four = stablehlo.constant dense<4.0> : tensor<f32>
  %n = stablehlo.broadcast_in_dim %four, dims = [] : (tensor<f32>) -> tensor<1x3x3x4xf32>
  %3 = stablehlo.divide %2, %n : tensor<1x3x3x4xf32>
  return %0, %1, %3 : tensor<1x8x6x6xf32>, tensor<1x3x3x4xf32>, tensor<1x3x3x4xf32>
}
