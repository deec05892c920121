// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// MulNoNan: select_v2(y == 0, 0, x * y), in TF's op order.
// CHECK-LABEL: func.func @mul_no_nan
// CHECK:       "tfl.equal"(%y, %{{.*}})
// CHECK:       "tfl.mul"(%x, %y)
// CHECK:       "tfl.select_v2"
func.func @mul_no_nan(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %z = "tf.MulNoNan"(%x, %y) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %z : tensor<2x3xf32>
}

// SigmoidGrad: dy * (y * (1 - y)); TanhGrad: dy * (1 - square(y)).
// CHECK-LABEL: func.func @grads
// CHECK:       "tfl.sub"(%{{.*}}, %y)
// CHECK-NEXT:  "tfl.mul"(%y, %{{.*}})
// CHECK-NEXT:  "tfl.mul"(%dy, %{{.*}})
// CHECK:       "tfl.square"(%y)
// CHECK:       "tfl.sub"
// CHECK-NEXT:  "tfl.mul"(%dy, %{{.*}})
func.func @grads(%y: tensor<2x3xf32>, %dy: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %a = "tf.SigmoidGrad"(%y, %dy) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = "tf.TanhGrad"(%y, %dy) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}

// BiasAddGrad: sum over every axis but the channels; L2Loss: sum(x * x) * 0.5.
// CHECK-LABEL: func.func @sums
// CHECK:       tfl.pseudo_const <int32 [2] [0, 1]>
// CHECK-NEXT:  "tfl.sum"(%g, %{{.*}}) <{keep_dims = false}> : (tensor<2x3x4xf32>, tensor<2xi32>) -> tensor<4xf32>
// CHECK:       "tfl.mul"(%x, %x)
// CHECK:       "tfl.sum"
// CHECK:       "tfl.mul"
func.func @sums(%g: tensor<2x3x4xf32>, %x: tensor<2x3xf32>) -> (tensor<4xf32>, tensor<f32>) {
  %a = "tf.BiasAddGrad"(%g) {T = f32, data_format = "NHWC"} : (tensor<2x3x4xf32>) -> tensor<4xf32>
  %b = "tf.L2Loss"(%x) {T = f32} : (tensor<2x3xf32>) -> tensor<f32>
  func.return %a, %b : tensor<4xf32>, tensor<f32>
}

// Gather (v1) is a GATHER along axis 0; ApproxTopK of the max k along the last axis is an exact TOPK_V2.
// CHECK-LABEL: func.func @gather_topk
// CHECK:       "tfl.gather"(%p, %i) <{axis = 0 : i32, batch_dims = 0 : i32}>
// CHECK:       tfl.pseudo_const <int32 [] [2]>
// CHECK-NEXT:  "tfl.topk_v2"(%x, %{{.*}})
func.func @gather_topk(%p: tensor<4x3xf32>, %i: tensor<2xi32>, %x: tensor<3x6xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %g = "tf.Gather"(%p, %i) {Tparams = f32, Tindices = i32, validate_indices = true} : (tensor<4x3xf32>, tensor<2xi32>) -> tensor<2x3xf32>
  %v, %j = "tf.ApproxTopK"(%x) {T = f32, k = 2 : i64, reduction_dimension = -1 : i64, is_max_k = true, recall_target = 0.95 : f32} : (tensor<3x6xf32>) -> (tensor<3x2xf32>, tensor<3x2xi32>)
  func.return %g, %v : tensor<2x3xf32>, tensor<3x2xf32>
}
