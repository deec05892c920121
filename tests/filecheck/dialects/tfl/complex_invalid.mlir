// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// The parts of a complex64 are float32 and of a complex128 float64, as LiteRT's REAL/IMAG/COMPLEX_ABS kernels pair them.
func.func @real_of_complex64_as_float64(%z: tensor<2xcomplex<f32>>) -> tensor<2xf64> {
  %y = "tfl.real"(%z) : (tensor<2xcomplex<f32>>) -> tensor<2xf64>
  func.return %y : tensor<2xf64>
}
// CHECK: 'tfl.real' takes complex64 -> f32 or complex128 -> f64, not complex64 -> f64

// -----

// RFFT2D takes float32 only (rfft2d.cc).
func.func @rfft2d_of_float64(%x: tensor<2x8xf64>, %l: tensor<2xi32>) -> tensor<2x5xcomplex<f32>> {
  %y = "tfl.rfft2d"(%x, %l) : (tensor<2x8xf64>, tensor<2xi32>) -> tensor<2x5xcomplex<f32>>
  func.return %y : tensor<2x5xcomplex<f32>>
}
// CHECK: 'tfl.rfft2d'
// CHECK-SAME: f64
