// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// tfl.custom keeps its custom_code and custom_options bytes (non-UTF-8 included) through generic and custom printing;
// operand and result types are free. tfl.pseudo_string_const holds a STRING buffer.
// CHECK-LABEL: func.func @custom
// CHECK:         %[[S:.*]] = "tfl.pseudo_string_const"() <{value = "\01\00\00\00\0C\00\00\00\0E\00\00\00ab"}> : () -> tensor<1x!tf.opaque<"string">>
// CHECK-NEXT:    %[[C:.*]], %{{.*}} = "tfl.custom"(%x, %[[S]]) <{custom_code = "FlexThing", custom_options = "\03Erf\00\FF\80"}> : (tensor<3xf32>, tensor<1x!tf.opaque<"string">>) -> (tensor<3xi64>, tensor<?xf32>)
// CHECK-NEXT:    func.return %[[C]]
func.func @custom(%x: tensor<3xf32>) -> tensor<3xi64> {
  %s = "tfl.pseudo_string_const"() <{value = "\01\00\00\00\0C\00\00\00\0E\00\00\00ab"}> : () -> tensor<1x!tf.opaque<"string">>
  %c:2 = "tfl.custom"(%x, %s) <{custom_code = "FlexThing", custom_options = "\03Erf\00\FF\80"}> : (tensor<3xf32>, tensor<1x!tf.opaque<"string">>) -> (tensor<3xi64>, tensor<?xf32>)
  func.return %c#0 : tensor<3xi64>
}
