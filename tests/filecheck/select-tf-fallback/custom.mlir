// RUN: tflc opt %s -p 'select-tf-fallback{flex=false custom=true}' | filecheck %s
// RUN: tflc opt %s -p 'select-tf-fallback{flex=true custom=true}' | filecheck %s --check-prefix=BOTH

// allow_custom_ops alone: any TF op becomes a custom op named by its op type, custom_options = FlexBuffer map of its
// attributes (sorted keys; type attributes as TFLite TensorType codes: f32 -> 0, i32 -> 2).
// CHECK-LABEL: func.func @custom
// CHECK:         "tfl.custom"(%x) <{custom_code = "Erfc", custom_options = "T\00\01\03\01\01\01\00\04\02$\01"}> {tflc.name = "erfc"}
// CHECK:         "tfl.custom"(%{{.*}}, %{{.*}}) <{custom_code = "Cumsum", custom_options = "T\00Tidx\00exclusive\00reverse\00\04\1A\19\15\0C\04\01\04\00\02\01\00\04\04hh\08$\01"}>
// With SELECT_TF_OPS too, allowlisted ops go Flex and the rest custom.
// BOTH-LABEL: func.func @custom
// BOTH:         custom_code = "Erfc"
// BOTH:         custom_code = "FlexCumsum"
func.func @custom(%x: tensor<3xf32>) -> tensor<3xf32> {
  %e = "tf.Erfc"(%x) {T = f32, tflc.name = "erfc"} : (tensor<3xf32>) -> tensor<3xf32>
  %axis = tf.Const <int32 [] [0]> : tensor<i32>
  %c = "tf.Cumsum"(%e, %axis) {T = f32, Tidx = i32, exclusive = true, reverse = false, tflc.name = "cumsum"} : (tensor<3xf32>, tensor<i32>) -> tensor<3xf32>
  func.return %c : tensor<3xf32>
}
