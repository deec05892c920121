// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// Typed TF ops keep TF's names, NodeDef operand order and TF attributes (discardable, attr-dict).
// CHECK-LABEL: func.func @typed_ops
// CHECK:       %[[W:.*]] = tf.Const <float32 [3, 3, 1, 2] [{{.*}}]> {tflc.name = "conv/filter"} : tensor<3x3x1x2xf32>
// CHECK:       "tf.Conv2D"(%{{.*}}, %[[W]]) {T = f32, padding = "SAME", strides = [1 : i64, 1 : i64, 1 : i64, 1 : i64], tflc.name = "conv"} : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK:       "tf.Relu"(%{{.*}}) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
func.func @typed_ops(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = tf.Const <float32 [3, 3, 1, 2] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0]> {tflc.name = "conv/filter"} : tensor<3x3x1x2xf32>
  %c = "tf.Conv2D"(%x, %w) {T = f32, padding = "SAME", strides = [1, 1, 1, 1], tflc.name = "conv"} : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
  %r = "tf.Relu"(%c) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %r : tensor<1x4x4x2xf32>
}

// -----

// Variadic operands (ConcatV2: values..., axis) and multiple results (Unpack).
// CHECK-LABEL: func.func @variadic
// CHECK:       "tf.ConcatV2"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {N = 3 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<i32>) -> tensor<6x3xf32>
// CHECK:       %{{.*}}, %{{.*}} = "tf.Unpack"(%{{.*}}) {axis = 0 : i64, num = 2 : i64} : (tensor<2x3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
// CHECK:       "tf.NoOp"() : () -> ()
func.func @variadic(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<6x3xf32>, tensor<3xf32>) {
  %axis = tf.Const <int32 [] [0]> : tensor<i32>
  %c = "tf.ConcatV2"(%a, %b, %a, %axis) {N = 3} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<i32>) -> tensor<6x3xf32>
  %u:2 = "tf.Unpack"(%a) {axis = 0, num = 2} : (tensor<2x3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  "tf.NoOp"() : () -> ()
  func.return %c, %u#0 : tensor<6x3xf32>, tensor<3xf32>
}

// -----

// Constants of every kind: ints, bools, scalars, NaN/inf as hex, and large ones elided by digest.
// CHECK-LABEL: func.func @constants
// CHECK:       tf.Const <int64 [2, 2] [1, -2, 3, 4]> : tensor<2x2xi64>
// CHECK:       tf.Const <bool [3] [true, false, true]> : tensor<3xi1>
// CHECK:       tf.Const <float32 [] [0.5]> : tensor<f32>
// CHECK:       tf.Const <float32 [2] hex "0000c07f0000807f"> : tensor<2xf32>
// CHECK:       tf.Const <uint8 [2] [0, 255]> : tensor<2xui8>
func.func @constants() -> (tensor<2x2xi64>, tensor<3xi1>, tensor<f32>, tensor<2xf32>, tensor<2xui8>) {
  %0 = tf.Const <int64 [2, 2] [1, -2, 3, 4]> : tensor<2x2xi64>
  %1 = tf.Const <bool [3] [true, false, true]> : tensor<3xi1>
  %2 = tf.Const <float32 [] [0.5]> : tensor<f32>
  %3 = tf.Const <float32 [2] hex "0000c07f0000807f"> : tensor<2xf32>
  %4 = tf.Const <uint8 [2] [0, 255]> : tensor<2xui8>
  func.return %0, %1, %2, %3, %4 : tensor<2x2xi64>, tensor<3xi1>, tensor<f32>, tensor<2xf32>, tensor<2xui8>
}

// -----

// An op with no typed class imports as tf.generic with its op type and serialized NodeDef; TF's non-numeric
// tensor types are !tf.opaque.
// CHECK-LABEL: func.func @generic
// CHECK:       "tf.generic"(%{{.*}}) <{tf_op = "StringLength", node_def = "\0A\03len"}> {unit = "BYTE"} : (tensor<2x!tf.opaque<"string">>) -> tensor<2xi32>
func.func @generic(%s: tensor<2x!tf.opaque<"string">>) -> tensor<2xi32> {
  %n = "tf.generic"(%s) <{tf_op = "StringLength", node_def = "\0A\03len"}> {unit = "BYTE"} : (tensor<2x!tf.opaque<"string">>) -> tensor<2xi32>
  func.return %n : tensor<2xi32>
}
