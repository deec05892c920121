// RUN: xdsl-opt -p fold-constants %s | filecheck %s
// RUN: xdsl-opt -p 'fold-constants{cse-all=true}' %s | filecheck %s --check-prefix=ALL

// BatchNorm's constant side (Keras: reshape, add eps, rsqrt, mul) folds to one constant; the op on the
// activation stays.
// CHECK-LABEL: func.func @batchnorm_constants
// CHECK:       tf.Const <float32 [1, 1, 2] [0.5, 2.0]>
// CHECK-NEXT:  "tf.Mul"(%x, %{{.*}})
// CHECK-NOT:   tf.Rsqrt
func.func @batchnorm_constants(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %var = tf.Const <float32 [2] [3.0, 0.0]> : tensor<2xf32>
  %shape = tf.Const <int32 [3] [1, 1, 2]> : tensor<3xi32>
  %v = "tf.Reshape"(%var, %shape) {T = f32, Tshape = i32} : (tensor<2xf32>, tensor<3xi32>) -> tensor<1x1x2xf32>
  %eps = tf.Const <float32 [] [1.0]> : tensor<f32>
  %a = "tf.AddV2"(%v, %eps) {T = f32} : (tensor<1x1x2xf32>, tensor<f32>) -> tensor<1x1x2xf32>
  %r = "tf.Rsqrt"(%a) {T = f32} : (tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %g = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %s = "tf.Mul"(%r, %g) {T = f32} : (tensor<1x1x2xf32>, tensor<2xf32>) -> tensor<1x1x2xf32>
  %y = "tf.Mul"(%x, %s) {T = f32} : (tensor<1x3x2xf32>, tensor<1x1x2xf32>) -> tensor<1x3x2xf32>
  func.return %y : tensor<1x3x2xf32>
}

// tfl ops fold too, with their fused activation applied; the constant stays in the tfl dialect.
// CHECK-LABEL: func.func @tfl_fused_activation
// CHECK:       tfl.pseudo_const <float32 [3] [0.0, 0.5, 6.0]>
// CHECK-NOT:   tfl.add
func.func @tfl_fused_activation() -> tensor<3xf32> {
  %a = tfl.pseudo_const <float32 [3] [-2.0, 0.25, 5.0]> : tensor<3xf32>
  %b = tfl.pseudo_const <float32 [3] [1.0, 0.25, 3.0]> : tensor<3xf32>
  %y = "tfl.add"(%a, %b) <{fused_activation_function = "RELU6"}> : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %y : tensor<3xf32>
}

// Must not fire: an operand that is not constant; integer division by zero (TF raises, keep the op).
// CHECK-LABEL: func.func @no_fold
// CHECK:       "tf.Mul"(%x,
// CHECK:       "tf.FloorDiv"
func.func @no_fold(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xi32>) {
  %c = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %y = "tf.Mul"(%x, %c) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %a = tf.Const <int32 [2] [4, 5]> : tensor<2xi32>
  %z = tf.Const <int32 [2] [2, 0]> : tensor<2xi32>
  %d = "tf.FloorDiv"(%a, %z) {T = i32} : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  func.return %y, %d : tensor<2xf32>, tensor<2xi32>
}

// Must not fire: broadcasting a small constant to 4 MiB would bloat the model (result > 1 MiB and > 2x operands).
// CHECK-LABEL: func.func @no_blowup
// CHECK:       "tf.BroadcastTo"
func.func @no_blowup() -> tensor<1024x1024xf32> {
  %c = tf.Const <float32 [1] [1.5]> : tensor<1xf32>
  %s = tf.Const <int32 [2] [1024, 1024]> : tensor<2xi32>
  %y = "tf.BroadcastTo"(%c, %s) {T = f32, Tidx = i32} : (tensor<1xf32>, tensor<2xi32>) -> tensor<1024x1024xf32>
  func.return %y : tensor<1024x1024xf32>
}

// A small tile/transpose/select/cast chain does fold (Cast truncates toward zero, like TF).
// CHECK-LABEL: func.func @small_data_movement
// CHECK:       tf.Const <int32 [2, 3] [1, 0, 1, 7, -2, 1]> : tensor<2x3xi32>
// CHECK-NOT:   "tf.
// CHECK:       func.return
func.func @small_data_movement() -> tensor<2x3xi32> {
  %c = tf.Const <float32 [1, 3] [1.0, 0.0, 1.0]> : tensor<1x3xf32>
  %m = tf.Const <int32 [2] [2, 1]> : tensor<2xi32>
  %t = "tf.Tile"(%c, %m) {T = f32, Tmultiples = i32} : (tensor<1x3xf32>, tensor<2xi32>) -> tensor<2x3xf32>
  %p = tf.Const <int32 [2] [0, 1]> : tensor<2xi32>
  %tr = "tf.Transpose"(%t, %p) {T = f32, Tperm = i32} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<2x3xf32>
  %cond = tf.Const <bool [2, 3] [true, true, true, false, false, false]> : tensor<2x3xi1>
  %one = tf.Const <float32 [2, 3] [0.0, 1.0, 0.0, 7.9, -2.5, 1.0]> : tensor<2x3xf32>
  %s = "tf.SelectV2"(%cond, %tr, %one) {T = f32} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = "tf.Cast"(%s) {DstT = i32, SrcT = f32, Truncate = false} : (tensor<2x3xf32>) -> tensor<2x3xi32>
  func.return %y : tensor<2x3xi32>
}

// Identical integer constants are merged (digest CSE); float constants are kept apart unless cse-all.
// CHECK-LABEL: func.func @cse
// CHECK-COUNT-1: tf.Const <int32 [2] [3, 4]>
// CHECK-NOT:   tf.Const <int32 [2] [3, 4]>
// CHECK-COUNT-2: tf.Const <float32 [2] [1.0, 2.0]>
// ALL-LABEL:   func.func @cse
// ALL-COUNT-1: tf.Const <float32 [2] [1.0, 2.0]>
// ALL-NOT:     tf.Const <float32 [2] [1.0, 2.0]>
// ALL:         "tf.Mul"(%f, %[[FA:.*]])
// ALL:         "tf.Mul"(%f, %[[FA]])
func.func @cse(%x: tensor<12xf32>, %f: tensor<2xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = tf.Const <int32 [2] [3, 4]> : tensor<2xi32>
  %b = tf.Const <int32 [2] [3, 4]> : tensor<2xi32>
  %fa = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %fb = tf.Const <float32 [2] [1.0, 2.0]> : tensor<2xf32>
  %y = "tf.Reshape"(%x, %a) {T = f32, Tshape = i32} : (tensor<12xf32>, tensor<2xi32>) -> tensor<3x4xf32>
  %z = "tf.Reshape"(%x, %b) {T = f32, Tshape = i32} : (tensor<12xf32>, tensor<2xi32>) -> tensor<3x4xf32>
  %u = "tf.Mul"(%f, %fa) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %v = "tf.Mul"(%f, %fb) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %y, %z, %u, %v : tensor<3x4xf32>, tensor<3x4xf32>, tensor<2xf32>, tensor<2xf32>
}
