// RUN: tflc opt %s -p 'quantize-float16' --split-input-file | filecheck %s

// Every constant float32 tensor (weights and biases, any size) is stored as float16, clipped to +-65504 (printed
// as float16's shortest repr, 6.55e+04), with one
// DEQUANTIZE (version 3) to float32 feeding all its uses.
// CHECK-LABEL: func.func @conv
// CHECK:       %[[W16:.*]] = tfl.pseudo_const <float16 [2, 1, 1, 1] [6.55e+04, -6.55e+04]> {tflc.name = "conv/kernel"} : tensor<2x1x1x1xf16>
// CHECK-NEXT:  %[[W:.*]] = "tfl.dequantize"(%[[W16]]) : (tensor<2x1x1x1xf16>) -> tensor<2x1x1x1xf32>
// CHECK-NEXT:  %[[B16:.*]] = tfl.pseudo_const <float16 [2] [0.1, 1.0]> : tensor<2xf16>
// CHECK-NEXT:  %[[B:.*]] = "tfl.dequantize"(%[[B16]])
// CHECK:       "tfl.conv_2d"(%{{.*}}, %[[W]], %[[B]])
// CHECK:       "tfl.add"(%{{.*}}, %[[B]])
// CHECK-NOT:   float32
func.func @conv(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = tfl.pseudo_const <float32 [2, 1, 1, 1] [1.0e+06, -7.0e+04]> {tflc.name = "conv/kernel"} : tensor<2x1x1x1xf32>
  %b = tfl.pseudo_const <float32 [2] [0.1, 1.0]> : tensor<2xf32>
  %c = "tfl.conv_2d"(%x, %w, %b) <{padding = "SAME", stride_w = 1 : i32, stride_h = 1 : i32, fused_activation_function = "NONE", dilation_w_factor = 1 : i32, dilation_h_factor = 1 : i32}> : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %y = "tfl.add"(%c, %b) <{fused_activation_function = "NONE"}> : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %y : tensor<1x2x2x2xf32>
}

// -----

// Must not fire: integer constants, already-float16 constants, activations.
// CHECK-LABEL: func.func @integers
// CHECK:       tfl.pseudo_const <int32 [2] [1, 2]>
// CHECK:       tfl.pseudo_const <float16 [1] [2.0]>
// CHECK-NOT:   tfl.dequantize
func.func @integers(%x: tensor<2x3xf32>) -> (tensor<3xf32>, tensor<1xf16>) {
  %axes = tfl.pseudo_const <int32 [2] [1, 2]> : tensor<2xi32>
  %a = tfl.pseudo_const <int32 [1] [0]> : tensor<1xi32>
  %m = "tfl.sum"(%x, %a) <{keep_dims = false}> : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<3xf32>
  %h = tfl.pseudo_const <float16 [1] [2.0]> : tensor<1xf16>
  func.return %m, %h : tensor<3xf32>, tensor<1xf16>
}
