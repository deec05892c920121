// RUN: tflc opt %s -p tf-cleanup | filecheck %s
// RUN: xdsl-opt %s -p tf-cleanup | filecheck %s

// Identity-like ops forward their input (chains too) and NoOp disappears.
// CHECK-LABEL: func.func @forwarding
// CHECK-NEXT:    %[[R:.*]] = "tf.Relu"(%x)
// CHECK-NEXT:    func.return %[[R]], %x
func.func @forwarding(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = "tf.Identity"(%x) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "tf.StopGradient"(%0) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = "tf.Snapshot"(%1) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = "tf.PreventGradient"(%2) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = "tf.CheckNumerics"(%3) {T = f32, message = "bad"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = "tf.Relu"(%4) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = "tf.Identity"(%r) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  "tf.NoOp"() : () -> ()
  func.return %5, %0 : tensor<2x3xf32>, tensor<2x3xf32>
}

// IdentityN forwards each of its inputs to the matching result.
// CHECK-LABEL: func.func @identity_n
// CHECK-NOT:     tf.IdentityN
// CHECK:         func.return %b, %a
func.func @identity_n(%a: tensor<2xf32>, %b: tensor<3xi32>) -> (tensor<3xi32>, tensor<2xf32>) {
  %0:2 = "tf.IdentityN"(%a, %b) {T = [f32, i32]} : (tensor<2xf32>, tensor<3xi32>) -> (tensor<2xf32>, tensor<3xi32>)
  func.return %0#1, %0#0 : tensor<3xi32>, tensor<2xf32>
}

// EnsureShape with the same type is a no-op.
// CHECK-LABEL: func.func @ensure_shape_same
// CHECK-NEXT:    func.return %x
func.func @ensure_shape_same(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tf.EnsureShape"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}
