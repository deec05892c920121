// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Binary ops map one-to-one; broadcasting within the kernel's rank limit needs nothing else.
// CHECK-LABEL: func.func @binary
// CHECK:       "tfl.add"(%x, %b) <{fused_activation_function = "NONE"}> : (tensor<2x3xf32>, tensor<3xf32>)
// CHECK:       "tfl.sub"
// CHECK:       "tfl.mul"
// CHECK:       "tfl.div"
// CHECK:       "tfl.maximum"
// CHECK:       "tfl.minimum"
// CHECK:       "tfl.squared_difference"
// CHECK:       "tfl.floor_mod"
// CHECK-NOT:   "tf.
func.func @binary(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "tf.AddV2"(%x, %b) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "tf.Sub"(%0, %x) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = "tf.Mul"(%1, %b) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = "tf.RealDiv"(%2, %b) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = "tf.Maximum"(%3, %x) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = "tf.Minimum"(%4, %x) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = "tf.SquaredDifference"(%5, %b) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %7 = "tf.FloorMod"(%6, %b) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %7 : tensor<2x3xf32>
}

// Comparisons, logical ops and select.
// CHECK-LABEL: func.func @compare_select
// CHECK:       "tfl.less"
// CHECK:       "tfl.greater_equal"
// CHECK:       "tfl.logical_and"
// CHECK:       "tfl.logical_not"
// CHECK:       "tfl.select_v2"
func.func @compare_select(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "tf.Less"(%x, %y) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  %1 = "tf.GreaterEqual"(%x, %y) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  %2 = "tf.LogicalAnd"(%0, %1) : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  %3 = "tf.LogicalNot"(%2) : (tensor<2x3xi1>) -> tensor<2x3xi1>
  %4 = "tf.SelectV2"(%3, %x, %y) {T = f32} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %4 : tensor<2x3xf32>
}

// Select (v1) with a rank-1 condition picks rows: the condition is reshaped to [n, 1, 1].
// CHECK-LABEL: func.func @select_rows
// CHECK:       tfl.pseudo_const <int32 [3] [4, 1, 1]>
// CHECK:       "tfl.reshape"(%c, %{{.*}}) : (tensor<4xi1>, tensor<3xi32>) -> tensor<4x1x1xi1>
// CHECK:       "tfl.select_v2"
func.func @select_rows(%c: tensor<4xi1>, %x: tensor<4x2x3xf32>, %y: tensor<4x2x3xf32>) -> tensor<4x2x3xf32> {
  %0 = "tf.Select"(%c, %x, %y) {T = f32} : (tensor<4xi1>, tensor<4x2x3xf32>, tensor<4x2x3xf32>) -> tensor<4x2x3xf32>
  func.return %0 : tensor<4x2x3xf32>
}

// AddN becomes a chain of adds.
// CHECK-LABEL: func.func @add_n
// CHECK:       %[[A:.*]] = "tfl.add"(%x, %y)
// CHECK-NEXT:  %[[B:.*]] = "tfl.add"(%[[A]], %z)
// CHECK-NEXT:  "tfl.add"(%[[B]], %x)
func.func @add_n(%x: tensor<5xf32>, %y: tensor<5xf32>, %z: tensor<5xf32>) -> tensor<5xf32> {
  %0 = "tf.AddN"(%x, %y, %z, %x) {N = 4 : i64, T = f32} : (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<5xf32>
  func.return %0 : tensor<5xf32>
}

// Activations: alpha and beta carried over, Sigmoid -> logistic.
// CHECK-LABEL: func.func @activations
// CHECK:       "tfl.relu"
// CHECK:       "tfl.relu6"
// CHECK:       "tfl.elu"
// CHECK:       "tfl.leaky_relu"(%{{.*}}) <{alpha = 1.000000e-01 : f32}>
// CHECK:       "tfl.logistic"
// CHECK:       "tfl.tanh"
// CHECK:       "tfl.softmax"(%{{.*}}) <{beta = 1.000000e+00 : f32}>
// CHECK:       "tfl.log_softmax"
func.func @activations(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = "tf.Relu"(%x) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = "tf.Relu6"(%0) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = "tf.Elu"(%1) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %3 = "tf.LeakyRelu"(%2) {T = f32, alpha = 0.1 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = "tf.Sigmoid"(%3) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %5 = "tf.Tanh"(%4) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %6 = "tf.Softmax"(%5) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %7 = "tf.LogSoftmax"(%6) {T = f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  func.return %7 : tensor<2x8xf32>
}

// Unary math, Reciprocal -> div(1, x), Cast with its types.
// CHECK-LABEL: func.func @unary
// CHECK:       "tfl.rsqrt"
// CHECK:       "tfl.square"
// CHECK:       "tfl.exp"
// CHECK:       "tfl.neg"
// CHECK:       "tfl.round"
// CHECK:       %[[ONE:.*]] = tfl.pseudo_const <float32 [] [1.0]>
// CHECK:       "tfl.div"(%[[ONE]], %{{.*}})
// CHECK:       "tfl.cast"(%{{.*}}) <{in_data_type = "FLOAT32", out_data_type = "INT32"}>
func.func @unary(%x: tensor<4xf32>) -> tensor<4xi32> {
  %0 = "tf.Rsqrt"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tf.Square"(%0) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tf.Exp"(%1) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "tf.Neg"(%2) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %4 = "tf.Round"(%3) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %5 = "tf.Reciprocal"(%4) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %6 = "tf.Cast"(%5) {DstT = i32, SrcT = f32, Truncate = false} : (tensor<4xf32>) -> tensor<4xi32>
  func.return %6 : tensor<4xi32>
}

// Softplus has no builtin: relu(x) + log(1 + exp(-|x|)).
// CHECK-LABEL: func.func @softplus
// CHECK:       "tfl.abs"(%x)
// CHECK-NEXT:  "tfl.neg"
// CHECK-NEXT:  "tfl.exp"
// CHECK-NEXT:  "tfl.add"
// CHECK-NEXT:  "tfl.log"
// CHECK-NEXT:  "tfl.relu"(%x)
// CHECK-NEXT:  "tfl.add"
func.func @softplus(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tf.Softplus"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// Must not fire: Erfc outside GELU (no builtin; Erf is decomposed, more_ops.mlir), float64 arithmetic (no kernel), NCHW BiasAdd,
// LogSoftmax of a scalar.
// CHECK-LABEL: func.func @stays_tf
// CHECK:       "tf.Erfc"
// CHECK:       "tf.AddV2"
// CHECK:       "tf.BiasAdd"
// CHECK:       "tf.LogSoftmax"
// CHECK-NOT:   "tfl.
func.func @stays_tf(%x: tensor<4xf32>, %d: tensor<4xf64>, %n: tensor<1x3x2x2xf32>, %b: tensor<3xf32>, %s: tensor<f32>) -> (tensor<4xf32>, tensor<4xf64>, tensor<1x3x2x2xf32>, tensor<f32>) {
  %1 = "tf.Erfc"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tf.AddV2"(%d, %d) {T = f64} : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>
  %3 = "tf.BiasAdd"(%n, %b) {T = f32, data_format = "NCHW"} : (tensor<1x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x2x2xf32>
  %4 = "tf.LogSoftmax"(%s) {T = f32} : (tensor<f32>) -> tensor<f32>
  func.return %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf64>, tensor<1x3x2x2xf32>, tensor<f32>
}

// DivNoNan: select_v2(y == 0, 0, x / y).
// CHECK-LABEL: func.func @div_no_nan
// CHECK:       %[[Z:.*]] = tfl.pseudo_const <float32 [] [0.0]>
// CHECK-NEXT:  %[[D:.*]] = "tfl.div"(%x, %y)
// CHECK-NEXT:  %[[E:.*]] = "tfl.equal"(%y, %[[Z]])
// CHECK-NEXT:  "tfl.select_v2"(%[[E]], %[[Z]], %[[D]])
func.func @div_no_nan(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tf.DivNoNan"(%x, %y) {T = f32} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// Must not fire: Equal with incompatible_shape_error = false on shapes that do not broadcast (TF returns a
// scalar false), and Select (v1) with a condition of another shape.
// CHECK-LABEL: func.func @shape_mismatch_stays_tf
// CHECK:       "tf.Equal"
// CHECK:       "tf.Select"
// CHECK-NOT:   "tfl.
func.func @shape_mismatch_stays_tf(%x: tensor<3xf32>, %y: tensor<4xf32>, %c: tensor<2x3xi1>, %t: tensor<3x3xf32>) -> (tensor<i1>, tensor<3x3xf32>) {
  %0 = "tf.Equal"(%x, %y) {T = f32, incompatible_shape_error = false} : (tensor<3xf32>, tensor<4xf32>) -> tensor<i1>
  %1 = "tf.Select"(%c, %t, %t) {T = f32} : (tensor<2x3xi1>, tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
  func.return %0, %1 : tensor<i1>, tensor<3x3xf32>
}

// Selu, Softsign and Expm1 have no builtin: decomposed.
// CHECK-LABEL: func.func @selu_softsign_expm1
// CHECK:       %[[E:.*]] = "tfl.elu"(%x)
// CHECK-NEXT:  %[[G:.*]] = "tfl.greater"(%x, %{{.*}})
// CHECK-NEXT:  %[[F:.*]] = "tfl.select_v2"(%[[G]], %{{.*}}, %{{.*}})
// CHECK-NEXT:  %[[S:.*]] = "tfl.mul"(%[[E]], %[[F]])
// CHECK:       %[[A:.*]] = "tfl.abs"(%[[S]])
// CHECK-NEXT:  %[[D:.*]] = "tfl.add"(%[[A]], %{{.*}})
// CHECK-NEXT:  %[[Q:.*]] = "tfl.div"(%[[S]], %[[D]])
// CHECK:       %[[H:.*]] = "tfl.mul"(%[[Q]], %{{.*}})
// CHECK-NEXT:  %[[T:.*]] = "tfl.tanh"(%[[H]])
// CHECK-NEXT:  %[[X:.*]] = "tfl.exp"(%[[Q]])
// CHECK-NEXT:  %[[P:.*]] = "tfl.add"(%[[X]], %{{.*}})
// CHECK-NEXT:  "tfl.mul"(%[[T]], %[[P]])
// CHECK-NOT:   "tf.
func.func @selu_softsign_expm1(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tf.Selu"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tf.Softsign"(%0) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tf.Expm1"(%1) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %2 : tensor<4xf32>
}

// Sign-bit test as Keras 3 writes it (argmax/signbit on floats): Less(BitwiseAnd(Bitcast(x), INT32_MIN), 0)
// -> Less(bitcast(x), 0); a mask used otherwise -> select_v2(v < 0, INT32_MIN, 0).
// CHECK-LABEL: func.func @sign_bit
// CHECK:       %[[B:.*]] = "tfl.bitcast"(%x) : (tensor<4xf32>) -> tensor<4xi32>
// CHECK:       %[[L:.*]] = "tfl.less"(%[[B]], %{{.*}})
// CHECK-NOT:   "tf.BitwiseAnd"
// CHECK:       %[[L2:.*]] = "tfl.less"(%[[B]], %{{.*}})
// CHECK:       %[[S:.*]] = "tfl.select_v2"(%[[L2]], %{{.*}}, %{{.*}}) : (tensor<4xi1>, tensor<i32>, tensor<i32>) -> tensor<4xi32>
// CHECK:       func.return %[[L]], %[[S]]
func.func @sign_bit(%x: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi32>) {
  %0 = "tf.Bitcast"(%x) {T = f32, type = i32} : (tensor<4xf32>) -> tensor<4xi32>
  %m = tf.Const <int32 [] [-2147483648]> : tensor<i32>
  %1 = "tf.BitwiseAnd"(%0, %m) {T = i32} : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  %z = tf.Const <int32 [] [0]> : tensor<i32>
  %2 = "tf.Less"(%1, %z) {T = i32} : (tensor<4xi32>, tensor<i32>) -> tensor<4xi1>
  %3 = "tf.BitwiseAnd"(%0, %m) {T = i32} : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  func.return %2, %3 : tensor<4xi1>, tensor<4xi32>
}

// Must not fire: other masks (no bitwise-and builtin), bitcasts that change the element width.
// CHECK-LABEL: func.func @bitwise_stays_tf
// CHECK:       "tf.Bitcast"
// CHECK:       "tf.BitwiseAnd"
// CHECK-NOT:   "tfl.
func.func @bitwise_stays_tf(%x: tensor<4xf32>, %v: tensor<4xi32>) -> (tensor<4x2xi16>, tensor<4xi32>) {
  %0 = "tf.Bitcast"(%x) {T = f32, type = i16} : (tensor<4xf32>) -> tensor<4x2xi16>
  %m = tf.Const <int32 [] [255]> : tensor<i32>
  %1 = "tf.BitwiseAnd"(%v, %m) {T = i32} : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  func.return %0, %1 : tensor<4x2xi16>, tensor<4xi32>
}

// IsNan/IsInf/IsFinite by comparisons; Log1p as a series near 0 selected against log(1 + x); Sign builtin.
// CHECK-LABEL: func.func @float_classes
// CHECK:       "tfl.not_equal"(%x, %x)
// CHECK:       %[[A:.*]] = "tfl.abs"(%x)
// CHECK-NEXT:  "tfl.greater_equal"(%[[A]], %{{.*}})
// CHECK:       %[[B:.*]] = "tfl.abs"(%x)
// CHECK-NEXT:  "tfl.less"(%[[B]], %{{.*}})
// CHECK:       "tfl.log"
// CHECK-NEXT:  "tfl.select_v2"
// CHECK:       "tfl.sign"
// CHECK-NOT:   "tf.
func.func @float_classes(%x: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) {
  %0 = "tf.IsNan"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xi1>
  %1 = "tf.IsInf"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xi1>
  %2 = "tf.IsFinite"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xi1>
  %3 = "tf.Log1p"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %4 = "tf.Sign"(%x) {T = f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0, %1, %2, %3, %4 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>
}

// ATAN2 does not broadcast at all, not even a scalar: the other operand is broadcast explicitly.
// CHECK-LABEL: func.func @atan2_scalar
// CHECK:       %[[S:.*]] = "tfl.broadcast_to"(%c, %{{.*}}) : (tensor<f32>, tensor<2xi32>) -> tensor<2x3xf32>
// CHECK-NEXT:  "tfl.atan2"(%x, %[[S]])
func.func @atan2_scalar(%x: tensor<2x3xf32>, %c: tensor<f32>) -> tensor<2x3xf32> {
  %0 = "tf.Atan2"(%x, %c) {T = f32} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
