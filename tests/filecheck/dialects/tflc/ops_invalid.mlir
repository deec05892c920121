// RUN: tflc opt %s --split-input-file --parsing-diagnostics | filecheck %s
// RUN: xdsl-opt %s --split-input-file --parsing-diagnostics | filecheck %s

// #tflc.dense syntax errors are parse errors that point at the offending token.
func.func @unknown_dtype() {
  %0 = tfl.pseudo_const <float33 [1] [1.0]> : tensor<1xf32>
  func.return
}
// CHECK: unknown element type 'float33', expected one of: float32, float16, float64, int8,

// -----

func.func @value_count() {
  %0 = tfl.pseudo_const <float32 [2, 2] [1.0, 2.0, 3.0]> : tensor<2x2xf32>
  func.return
}
// CHECK: constant has 3 values, shape [2, 2] needs 4

// -----

func.func @negative_dim() {
  %0 = tfl.pseudo_const <float32 [-1] [1.0]> : tensor<1xf32>
  func.return
}
// CHECK: negative dimension in shape [-1]

// -----

func.func @hex_length() {
  %0 = tfl.pseudo_const <float32 [2] hex "0000c07f"> : tensor<2xf32>
  func.return
}
// CHECK: hex constant has 4 bytes, float32 [2] needs 8

// -----

func.func @hex_digits() {
  %0 = tfl.pseudo_const <float32 [1] hex "0000c07"> : tensor<1xf32>
  func.return
}
// CHECK: hex constant must be an even number of hex digits

// -----

func.func @overflow() {
  %0 = tfl.pseudo_const <uint8 [2] [0, 256]> : tensor<2xui8>
  func.return
}
// CHECK: values do not fit uint8

// -----

// A large constant prints elided (a digest); text with an elided constant only parses in the process that
// printed it. Elsewhere it is an error that says how to get a re-parsable dump.
func.func @elided() {
  %0 = tfl.pseudo_const <float32 [64] elided "00112233445566778899aabb"> : tensor<64xf32>
  func.return
}
// CHECK: constant 00112233445566778899aabb was elided when printed and is not in memory; print with large constants (e.g. `tflc opt --print-constants`) to round-trip it
