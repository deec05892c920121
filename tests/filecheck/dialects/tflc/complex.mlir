// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// complex64 / complex128 constants (MLIR has no complex literal here): printed as hex, and round-trip.
// CHECK-LABEL: func.func @complex_constants
// CHECK: tfl.pseudo_const <complex64 [2] hex "0000803f000000c000000000000040c0"> : tensor<2xcomplex<f32>>
// CHECK: tfl.pseudo_const <complex128 [1] hex "000000000000f03f0000000000000000"> : tensor<1xcomplex<f64>>
// CHECK: "tfl.real"(%{{.*}}) : (tensor<2xcomplex<f32>>) -> tensor<2xf32>
func.func @complex_constants() -> (tensor<2xf32>, tensor<1xcomplex<f64>>) {
  %a = tfl.pseudo_const <complex64 [2] hex "0000803f000000c000000000000040c0"> : tensor<2xcomplex<f32>>
  %b = tfl.pseudo_const <complex128 [1] hex "000000000000f03f0000000000000000"> : tensor<1xcomplex<f64>>
  %r = "tfl.real"(%a) : (tensor<2xcomplex<f32>>) -> tensor<2xf32>
  func.return %r, %b : tensor<2xf32>, tensor<1xcomplex<f64>>
}
