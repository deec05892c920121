// RUN: TFLC_ROUNDTRIP
// RUN: TFLC_OPT_ROUNDTRIP

// #tflc.dense: numpy-held constants. Small ones print every value; every numpy dtype round-trips.
// CHECK-LABEL: func.func @dtypes
// CHECK: tfl.pseudo_const <float16 [2] [0.5, -2.0]> : tensor<2xf16>
// CHECK: tfl.pseudo_const <float64 [1] [0.1]> : tensor<1xf64>
// CHECK: tfl.pseudo_const <int8 [3] [-128, 0, 127]> : tensor<3xi8>
// CHECK: tfl.pseudo_const <int16 [1] [-32768]> : tensor<1xi16>
// CHECK: tfl.pseudo_const <int32 [2, 1] [7, -7]> : tensor<2x1xi32>
// CHECK: tfl.pseudo_const <uint16 [1] [65535]> : tensor<1xui16>
// CHECK: tfl.pseudo_const <bool [] [true]> : tensor<i1>
func.func @dtypes() {
  %0 = tfl.pseudo_const <float16 [2] [0.5, -2.0]> : tensor<2xf16>
  %1 = tfl.pseudo_const <float64 [1] [0.1]> : tensor<1xf64>
  %2 = tfl.pseudo_const <int8 [3] [-128, 0, 127]> : tensor<3xi8>
  %3 = tfl.pseudo_const <int16 [1] [-32768]> : tensor<1xi16>
  %4 = tfl.pseudo_const <int32 [2, 1] [7, -7]> : tensor<2x1xi32>
  %5 = tfl.pseudo_const <uint16 [1] [65535]> : tensor<1xui16>
  %6 = tfl.pseudo_const <bool [] [true]> : tensor<i1>
  func.return
}

// -----

// Floats keep full float32 precision; NaN/inf use the hex form; empty tensors have no values.
// CHECK-LABEL: func.func @floats
// CHECK: tfl.pseudo_const <float32 [3] [0.1, 1.0e-07, 3.4028235e+38]> : tensor<3xf32>
// CHECK: tfl.pseudo_const <float32 [3] hex "0000c07f0000807f000080ff"> : tensor<3xf32>
// CHECK: tfl.pseudo_const <float32 [0, 4] []> : tensor<0x4xf32>
func.func @floats() {
  %0 = tfl.pseudo_const <float32 [3] [0.1, 1.0e-07, 3.4028235e+38]> : tensor<3xf32>
  %1 = tfl.pseudo_const <float32 [3] hex "0000c07f0000807f000080ff"> : tensor<3xf32>
  %2 = tfl.pseudo_const <float32 [0, 4] []> : tensor<0x4xf32>
  func.return
}

// -----

// The attribute is usable anywhere an attribute is (here as a discardable attribute).
// CHECK-LABEL: func.func @as_attribute
// CHECK: "tfl.relu"(%{{.*}}) {note = #tflc.dense<int32 [2] [1, 2]>} : (tensor<2xf32>) -> tensor<2xf32>
func.func @as_attribute(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "tfl.relu"(%x) {note = #tflc.dense<int32 [2] [1, 2]>} : (tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
