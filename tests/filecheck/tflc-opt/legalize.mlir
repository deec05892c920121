// The same hand-written tf module through tflc's driver and through stock xdsl-opt (tflc's dialects and passes
// reach it through the `xdsl.universe` entry point): both legalize it identically.
// RUN: tflc opt %s -p legalize-tf | filecheck %s
// RUN: xdsl-opt %s -p legalize-tf | filecheck %s
// RUN: tflc opt %s -p tf-cleanup,legalize-tf,dce | filecheck %s --check-prefix=PIPE
// RUN: xdsl-opt %s -p tf-cleanup,legalize-tf | filecheck %s --check-prefix=PIPE

// CHECK-LABEL: func.func @dense_relu
// CHECK:       %[[W:.*]] = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
// CHECK:       %[[FC:.*]] = "tfl.fully_connected"(%{{.*}}, %[[W]], %{{.*}}) <{fused_activation_function = "NONE", {{.*}}}> {tflc.name = "dense/MatMul"}
// CHECK:       %[[ADD:.*]] = "tfl.add"(%[[FC]], %{{.*}}) <{fused_activation_function = "NONE"}> {tflc.name = "dense/BiasAdd"}
// CHECK:       "tfl.relu"(%[[ADD]]) {tflc.name = "dense/Relu"}
// CHECK-NOT:   "tf.MatMul"
// CHECK-NOT:   "tf.BiasAdd"
// CHECK-NOT:   "tf.Relu"

// PIPE-LABEL: func.func @dense_relu
// PIPE-NOT:   tf.Identity
// PIPE:       "tfl.relu"
// PIPE-NEXT:  func.return
func.func @dense_relu(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = tf.Const <float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> {tflc.name = "dense/kernel"} : tensor<2x3xf32>
  %b = tf.Const <float32 [3] [0.5, 0.0, -0.5]> {tflc.name = "dense/bias"} : tensor<3xf32>
  %m = "tf.MatMul"(%x, %w) {T = f32, transpose_a = false, transpose_b = false, tflc.name = "dense/MatMul"} : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  %a = "tf.BiasAdd"(%m, %b) {T = f32, data_format = "NHWC", tflc.name = "dense/BiasAdd"} : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %r = "tf.Relu"(%a) {T = f32, tflc.name = "dense/Relu"} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %i = "tf.Identity"(%r) {T = f32} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %i : tensor<1x3xf32>
}

// An op tflc has no rule for stays in the tf dialect (it is reported at conversion, never silently dropped).
// CHECK-LABEL: func.func @unknown_stays
// CHECK:       "tf.generic"(%{{.*}}) <{tf_op = "Cumprod"
func.func @unknown_stays(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "tf.generic"(%x) <{tf_op = "Cumprod", node_def = "\0A\01c"}> : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
