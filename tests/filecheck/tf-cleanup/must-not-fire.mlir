// RUN: tflc opt %s -p tf-cleanup | filecheck %s
// RUN: xdsl-opt %s -p tf-cleanup | filecheck %s

// An Identity that changes the type (EnsureShape refining a dynamic shape) must stay: forwarding its input would
// change the type seen by its users.
// CHECK-LABEL: func.func @refining
// CHECK:         %[[E:.*]] = "tf.EnsureShape"(%x)
// CHECK:         %[[I:.*]] = "tf.Identity"(%{{.*}}) {T = f32} : (tensor<?xf32>) -> tensor<4xf32>
// CHECK:         func.return %[[E]], %[[I]]
func.func @refining(%x: tensor<?xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "tf.EnsureShape"(%x) : (tensor<?xf32>) -> tensor<4xf32>
  %1 = "tf.Identity"(%x) {T = f32} : (tensor<?xf32>) -> tensor<4xf32>
  func.return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// Ops that compute something are not touched, even when they look like identities (Relu of a Relu, x + 0).
// CHECK-LABEL: func.func @not_identities
// CHECK:         "tf.Relu"
// CHECK:         "tf.Relu"
// CHECK:         "tf.AddV2"
func.func @not_identities(%x: tensor<2xf32>) -> tensor<2xf32> {
  %z = tf.Const <float32 [2] [0.0, 0.0]> : tensor<2xf32>
  %0 = "tf.Relu"(%x) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>
  %1 = "tf.Relu"(%0) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>
  %2 = "tf.AddV2"(%1, %z) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %2 : tensor<2xf32>
}
