// RUN: xdsl-opt -p prepare-tf,legalize-tf,dce %s | filecheck %s

// Keras 3 BatchNormalization after a conv (inference): the statistics arrive as a small constant computation
// (rsqrt(var + eps) * gamma, beta - mean * mult). prepare-tf folds it into the conv; legalize-tf then absorbs the
// BiasAdd: one CONV_2D with scaled filter and bias, nothing else. mult = rsqrt([3, 0] + 1) * [1, 2] = [0.5, 2],
// shift = [1, 1] - [2, 1] * mult = [0, -1].
// CHECK-LABEL: func.func @conv_keras_bn
// CHECK-DAG:   %[[W:.*]] = tfl.pseudo_const <float32 [2, 1, 1, 1] [0.5, 2.0]>
// CHECK-DAG:   %[[B:.*]] = tfl.pseudo_const <float32 [2] [0.0, -1.0]>
// CHECK:       %[[Y:.*]] = "tfl.conv_2d"(%x, %[[W]], %[[B]])
// CHECK-NEXT:  func.return %[[Y]]
func.func @conv_keras_bn(%x: tensor<1x3x3x1xf32>) -> tensor<1x3x3x2xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 1.0]> : tensor<1x1x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "VALID", strides = [1, 1, 1, 1]} : (tensor<1x3x3x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
  %beta = tf.Const <float32 [2] [1.0, 1.0]> : tensor<2xf32>
  %var = tf.Const <float32 [2] [3.0, 0.0]> : tensor<2xf32>
  %gamma = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %mean = tf.Const <float32 [2] [2.0, 1.0]> : tensor<2xf32>
  %eps = tf.Const <float32 [1] [1.0]> : tensor<1xf32>
  %ve = "tf.AddV2"(%var, %eps) {T = f32} : (tensor<2xf32>, tensor<1xf32>) -> tensor<2xf32>
  %rs = "tf.Rsqrt"(%ve) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>
  %mult = "tf.Mul"(%rs, %gamma) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %xm = "tf.Mul"(%c, %mult) {T = f32} : (tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  %mm = "tf.Mul"(%mean, %mult) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %shift = "tf.Sub"(%beta, %mm) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %y = "tf.AddV2"(%xm, %shift) {T = f32} : (tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  func.return %y : tensor<1x3x3x2xf32>
}
