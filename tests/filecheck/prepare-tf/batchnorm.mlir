// RUN: xdsl-opt -p prepare-tf %s | filecheck %s

// Inference FusedBatchNormV3 on a non-conv input: x * mult + shift, mult = scale * rsqrt(variance + epsilon)
// = [4, 2] * rsqrt([3, 15] + 1) = [2, 0.5]; shift = offset - mean * mult = [1, 0] - [1, 2] * [2, 0.5] = [-1, -1].
// CHECK-LABEL: func.func @batchnorm
// CHECK:       %[[M:.*]] = tf.Const <float32 [2] [2.0, 0.5]>
// CHECK:       %[[X:.*]] = "tf.Mul"(%x, %[[M]])
// CHECK:       %[[S:.*]] = tf.Const <float32 [2] [-1.0, -1.0]>
// CHECK:       %[[Y:.*]] = "tf.AddV2"(%[[X]], %[[S]])
// CHECK-NOT:   tf.FusedBatchNormV3
// CHECK:       func.return %[[Y]]
func.func @batchnorm(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %scale = tf.Const <float32 [2] [4.0, 2.0]> : tensor<2xf32>
  %offset = tf.Const <float32 [2] [1.0, 0.0]> : tensor<2xf32>
  %mean = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %var = tf.Const <float32 [2] [3.0, 15.0]> : tensor<2xf32>
  %y:6 = "tf.FusedBatchNormV3"(%x, %scale, %offset, %mean, %var) {T = f32, U = f32, data_format = "NHWC", epsilon = 1.0 : f32, is_training = false} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %y#0 : tensor<1x2x2x2xf32>
}

// After a conv, the batch norm disappears into the conv: filter * mult, BiasAdd(shift).
// CHECK-LABEL: func.func @conv_batchnorm
// CHECK:       %[[W:.*]] = tf.Const <float32 [1, 1, 1, 2] [2.0, 0.5]>
// CHECK:       %[[C:.*]] = "tf.Conv2D"(%x, %[[W]])
// CHECK:       %[[B:.*]] = tf.Const <float32 [2] [-1.0, -1.0]>
// CHECK:       %[[Y:.*]] = "tf.BiasAdd"(%[[C]], %[[B]])
// CHECK-NOT:   tf.Mul
// CHECK-NOT:   tf.AddV2
// CHECK:       func.return %[[Y]]
func.func @conv_batchnorm(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = tf.Const <float32 [1, 1, 1, 2] [1.0, 1.0]> : tensor<1x1x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %scale = tf.Const <float32 [2] [4.0, 2.0]> : tensor<2xf32>
  %offset = tf.Const <float32 [2] [1.0, 0.0]> : tensor<2xf32>
  %mean = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %var = tf.Const <float32 [2] [3.0, 15.0]> : tensor<2xf32>
  %y:5 = "tf.FusedBatchNorm"(%c, %scale, %offset, %mean, %var) {T = f32, data_format = "NHWC", epsilon = 1.0 : f32, is_training = false} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %y#0 : tensor<1x2x2x2xf32>
}

// Must not fire: training mode, a used batch statistic.
// CHECK-LABEL: func.func @batchnorm_negative
// CHECK:       "tf.FusedBatchNormV3"
// CHECK:       "tf.FusedBatchNormV3"
// CHECK-NOT:   tf.Mul
// CHECK:       func.return
func.func @batchnorm_negative(%x: tensor<1x2x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2xf32>) {
  %scale = tf.Const <float32 [2] [4.0, 2.0]> : tensor<2xf32>
  %offset = tf.Const <float32 [2] [1.0, 0.0]> : tensor<2xf32>
  %mean = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %var = tf.Const <float32 [2] [3.0, 15.0]> : tensor<2xf32>
  %y:6 = "tf.FusedBatchNormV3"(%x, %scale, %offset, %mean, %var) {T = f32, U = f32, data_format = "NHWC", epsilon = 1.0 : f32, is_training = true} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  %z:6 = "tf.FusedBatchNormV3"(%x, %scale, %offset, %mean, %var) {T = f32, U = f32, data_format = "NHWC", epsilon = 1.0 : f32, is_training = false} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %y#0, %z#1 : tensor<1x2x2x2xf32>, tensor<2xf32>
}

// NCHW: the batch norm runs in NHWC between transposes (the constants stay per-channel vectors).
// CHECK-LABEL: func.func @batchnorm_nchw
// CHECK:       %[[T:.*]] = "tf.Transpose"(%x, %{{.*}}) {{.*}} -> tensor<1x3x4x2xf32>
// CHECK:       %[[M:.*]] = tf.Const <float32 [2] [2.0, 0.5]>
// CHECK:       %[[Y:.*]] = "tf.Mul"(%[[T]], %[[M]])
// CHECK:       "tf.AddV2"(%[[Y]], %{{.*}})
// CHECK:       "tf.Transpose"({{.*}} -> tensor<1x2x3x4xf32>
// CHECK-NOT:   tf.FusedBatchNormV3
func.func @batchnorm_nchw(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %scale = tf.Const <float32 [2] [4.0, 2.0]> : tensor<2xf32>
  %offset = tf.Const <float32 [2] [1.0, 0.0]> : tensor<2xf32>
  %mean = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %var = tf.Const <float32 [2] [3.0, 15.0]> : tensor<2xf32>
  %u:6 = "tf.FusedBatchNormV3"(%x, %scale, %offset, %mean, %var) {T = f32, U = f32, data_format = "NCHW", epsilon = 1.0 : f32, is_training = false} : (tensor<1x2x3x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %u#0 : tensor<1x2x3x4xf32>
}
