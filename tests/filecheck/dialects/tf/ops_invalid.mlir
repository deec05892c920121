// RUN: tflc opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// A typed TF op checks its operand count against TF's OpDef.
func.func @conv_arity(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32> {
  %c = "tf.Conv2D"(%x) {padding = "SAME", strides = [1, 1, 1, 1]} : (tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  func.return %c : tensor<1x4x4x1xf32>
}
// CHECK: 'tf.Conv2D' expects 2 operands (input, filter), got 1

// -----

// Variadic tails: SplitV needs its three fixed operands.
func.func @splitv_arity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = "tf.SplitV"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %s : tensor<4xf32>
}
// CHECK: 'tf.SplitV' expects 3 operands (value, size_splits, split_dim), got 1

// -----

// Too many operands are an error too.
func.func @slice_arity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = "tf.Slice"(%x, %x, %x, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %s : tensor<4xf32>
}
// CHECK: 'tf.Slice' expects 3 operands (input, begin, size), got 4

// -----

// A constant's result type must be its value's type.
func.func @const_type() -> tensor<3xf32> {
  %c = tf.Const <float32 [4] [1.0, 2.0, 3.0, 4.0]> : tensor<3xf32>
  func.return %c : tensor<3xf32>
}
// CHECK: 'tf.Const' result type tensor<3xf32> does not match its value's type tensor<4xf32>

// -----

func.func @const_elem_type() -> tensor<2xi32> {
  %c = tf.Const <int64 [2] [1, 2]> : tensor<2xi32>
  func.return %c : tensor<2xi32>
}
// CHECK: 'tf.Const' result type tensor<2xi32> does not match its value's type tensor<2xi64>

// -----

// tf.generic needs its TF op type.
func.func @generic_without_type(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "tf.generic"(%x) <{node_def = "\0A"}> : (tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
// CHECK: property 'tf_op' expected in operation 'tf.generic'

// -----

func.func @generic_bad_type(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "tf.generic"(%x) <{tf_op = 3 : i32, node_def = "\0A"}> : (tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
// CHECK: 3 : i32 should be of base attribute string
