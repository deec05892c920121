// RUN: tflc opt %s -p 'select-tf-fallback{flex=true custom=false}' | filecheck %s

// Fires: a typed TF op left in the tf dialect (here tf.Cumsum, as legalize-tf has not run) becomes a Flex op,
// custom_options = FlexBuffer [op type, NodeDef] with the NodeDef TF writes (no name, one empty input per operand, the attributes, the node name as debug info); its
// constant operand becomes tfl.pseudo_const; result types are kept.
// CHECK-LABEL: func.func @typed
// CHECK:         %[[A:.*]] = tfl.pseudo_const <int32 [] [1]>
// CHECK-NEXT:    %[[C:.*]] = "tfl.custom"(%x, %[[A]]) <{custom_code = "FlexCumsum", custom_options = "\06Cumsum\00K\12\06Cumsum\1A\00\1A\00*\0A\0A\04Tidx\12\020\03*\07\0A\01T\12\020\01*\0F\0A\09exclusive\12\02(\01*\0D\0A\07reverse\12\02(\002\08\0A\06Cumsum\00\02UN\14\14\04(\01"}> {tflc.name = "Cumsum"} : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[E:.*]] = "tfl.custom"(%[[C]]) <{custom_code = "FlexErf", custom_options = "\03Erf\00\17\12\03Erf\1A\00*\07\0A\01T\12\020\012\05\0A\03Erf\00\02\1E\1A\14\14\04(\01"}> {tflc.name = "Erf"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[E]]
func.func @typed(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %axis = tf.Const <int32 [] [1]> : tensor<i32>
  %c = "tf.Cumsum"(%x, %axis) {T = f32, Tidx = i32, exclusive = true, reverse = false, tflc.name = "Cumsum"} : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
  %e = "tf.Erf"(%c) {T = f32, tflc.name = "Erf"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %e : tensor<2x3xf32>
}

// Fires on tf.generic too: the op type and attributes come from the NodeDef it carries.
// CHECK-LABEL: func.func @generic
// CHECK:         "tfl.custom"(%x) <{custom_code = "FlexMatrixDeterminant", custom_options = "\11MatrixDeterminant\00{{.*}}"}> {tflc.name = "det"} : (tensor<2x3x3xf32>) -> tensor<2xf32>
// CHECK-NOT:     tf.generic
func.func @generic(%x: tensor<2x3x3xf32>) -> tensor<2xf32> {
  %d = "tf.generic"(%x) <{tf_op = "MatrixDeterminant", node_def = "\12\11MatrixDeterminant\1A\01x*\07\0A\01T\12\020\01"}> {T = f32, tflc.name = "det"} : (tensor<2x3x3xf32>) -> tensor<2xf32>
  func.return %d : tensor<2xf32>
}

// Must not fire: Erfc is outside TF's Flex allowlist (custom ops are off), tfl ops are left alone.
// CHECK-LABEL: func.func @stays
// CHECK:         "tf.Erfc"(%x)
// CHECK-NEXT:    "tfl.relu"
// CHECK-NOT:     "tfl.custom"
func.func @stays(%x: tensor<3xf32>) -> tensor<3xf32> {
  %e = "tf.Erfc"(%x) {T = f32, tflc.name = "Erfc"} : (tensor<3xf32>) -> tensor<3xf32>
  %r = "tfl.relu"(%e) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %r : tensor<3xf32>
}
