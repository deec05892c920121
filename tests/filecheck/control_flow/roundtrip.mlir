// RUN: TFLC_ROUNDTRIP

// Region ops and resource-variable ops print, parse and verify (generic form and back).
// CHECK-LABEL: func.func @ops
// CHECK:         "tfl.call_once"() ({
// CHECK:           "tfl.assign_variable"
// CHECK-NEXT:      tfl.yield
// CHECK:         "tfl.var_handle"() <{container = "", shared_name = "v"}>
// CHECK:         "tfl.read_variable"
// CHECK:         "tfl.if"(%c, %x) ({
// CHECK:           tfl.yield %{{.*}} : tensor<3xf32>
// CHECK:         "tfl.while"(%{{.*}}) ({
func.func @ops(%c: tensor<i1>, %x: tensor<3xf32>) -> tensor<3xf32> {
  "tfl.call_once"() ({
    %init = tfl.pseudo_const <float32 [3] [1.0, 2.0, 3.0]> : tensor<3xf32>
    %h0 = "tfl.var_handle"() <{container = "", shared_name = "v"}> : () -> tensor<!tf.opaque<"resource">>
    "tfl.assign_variable"(%h0, %init) : (tensor<!tf.opaque<"resource">>, tensor<3xf32>) -> ()
    tfl.yield
  }) : () -> ()
  %h = "tfl.var_handle"() <{container = "", shared_name = "v"}> : () -> tensor<!tf.opaque<"resource">>
  %v = "tfl.read_variable"(%h) : (tensor<!tf.opaque<"resource">>) -> tensor<3xf32>
  %r = "tfl.if"(%c, %x) ({
  ^bb0(%a: tensor<3xf32>):
    tfl.yield %a : tensor<3xf32>
  }, {
  ^bb0(%b: tensor<3xf32>):
    %s = "tfl.add"(%b, %b) <{fused_activation_function = "NONE"}> : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    tfl.yield %s : tensor<3xf32>
  }) : (tensor<i1>, tensor<3xf32>) -> tensor<3xf32>
  %w = "tfl.while"(%r) ({
  ^bb0(%p: tensor<3xf32>):
    tfl.yield %c : tensor<i1>
  }, {
  ^bb0(%q: tensor<3xf32>):
    tfl.yield %q : tensor<3xf32>
  }) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %w : tensor<3xf32>
}
