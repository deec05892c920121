// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// tf.nn.gelu (TF 2.21, approximate=False): 0.5 * x * erfc(-x * 1/sqrt 2).
// CHECK-LABEL: func.func @gelu_erfc
// CHECK-NEXT:  %[[G:.*]] = "tfl.gelu"(%x) <{approximate = false}> : (tensor<1x8xf32>) -> tensor<1x8xf32>
// CHECK-NEXT:  func.return %[[G]]
func.func @gelu_erfc(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %1 = tf.Const <float32 [1] [0.5]> : tensor<1xf32>
  %2 = "tf.Mul"(%1, %x) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %3 = "tf.Neg"(%x) {T = f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = tf.Const <float32 [1] [0.70710677]> : tensor<1xf32>
  %5 = "tf.Mul"(%3, %4) {T = f32} : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %6 = "tf.Erfc"(%5) {T = f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %7 = "tf.Mul"(%2, %6) {T = f32} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %7 : tensor<1x8xf32>
}

// 0.5 * x * (1 + erf(x / sqrt 2)), the division spelled as RealDiv and the product associated differently.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT:  "tfl.gelu"(%x) <{approximate = false}>
// CHECK-NEXT:  func.return
func.func @gelu_erf(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %s = tf.Const <float32 [] [1.4142135]> : tensor<f32>
  %h = tf.Const <float32 [] [0.5]> : tensor<f32>
  %o = tf.Const <float32 [] [1.0]> : tensor<f32>
  %0 = "tf.RealDiv"(%x, %s) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %1 = "tf.Erf"(%0) {T = f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %2 = "tf.AddV2"(%1, %o) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %3 = "tf.Mul"(%x, %2) {T = f32} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %4 = "tf.Mul"(%3, %h) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  func.return %4 : tensor<2x4xf32>
}

// approximate=True: 0.5 * x * (1 + tanh(0.7978846 * (x + 0.044715 * pow(x, 3)))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NEXT:  "tfl.gelu"(%x) <{approximate = true}>
// CHECK-NEXT:  func.return
func.func @gelu_tanh(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %1 = tf.Const <float32 [1] [0.044715]> : tensor<1xf32>
  %2 = tf.Const <float32 [1] [0.5]> : tensor<1xf32>
  %3 = "tf.Mul"(%2, %x) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = tf.Const <float32 [1] [3.0]> : tensor<1xf32>
  %5 = "tf.Pow"(%x, %4) {T = f32} : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %6 = "tf.Mul"(%1, %5) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %7 = "tf.AddV2"(%x, %6) {T = f32} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %8 = tf.Const <float32 [1] [0.7978846]> : tensor<1xf32>
  %9 = "tf.Mul"(%8, %7) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %10 = "tf.Tanh"(%9) {T = f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %11 = tf.Const <float32 [1] [1.0]> : tensor<1xf32>
  %12 = "tf.AddV2"(%11, %10) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %13 = "tf.Mul"(%3, %12) {T = f32} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %13 : tensor<1x8xf32>
}

// Must not fire: a wrong constant (0.6 instead of 0.5) leaves plain elementwise ops and tf.Erfc.
// CHECK-LABEL: func.func @not_gelu_constant
// CHECK-NOT:   tfl.gelu
// CHECK:       "tf.Erfc"
// CHECK:       "tfl.mul"
// CHECK-NOT:   tfl.gelu
func.func @not_gelu_constant(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %1 = tf.Const <float32 [1] [0.6]> : tensor<1xf32>
  %2 = "tf.Mul"(%1, %x) {T = f32} : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %3 = "tf.Neg"(%x) {T = f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = tf.Const <float32 [1] [0.70710677]> : tensor<1xf32>
  %5 = "tf.Mul"(%3, %4) {T = f32} : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %6 = "tf.Erfc"(%5) {T = f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %7 = "tf.Mul"(%2, %6) {T = f32} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %7 : tensor<1x8xf32>
}

// Must not fire: the erf term is also used elsewhere (not single use), so fusing would duplicate work; the Erf
// is decomposed on its own.
// CHECK-LABEL: func.func @not_gelu_shared
// CHECK-NOT:   tfl.gelu
// CHECK:       "tfl.sign"
// CHECK-NOT:   tfl.gelu
func.func @not_gelu_shared(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %s = tf.Const <float32 [] [0.70710677]> : tensor<f32>
  %h = tf.Const <float32 [] [0.5]> : tensor<f32>
  %o = tf.Const <float32 [] [1.0]> : tensor<f32>
  %0 = "tf.Mul"(%x, %s) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %1 = "tf.Erf"(%0) {T = f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %2 = "tf.AddV2"(%1, %o) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %3 = "tf.Mul"(%x, %2) {T = f32} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %4 = "tf.Mul"(%3, %h) {T = f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  func.return %4, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// Must not fire: the tanh form with the wrong cube coefficient.
// CHECK-LABEL: func.func @not_gelu_tanh_coefficient
// CHECK-NOT:   tfl.gelu
// CHECK:       "tfl.tanh"
// CHECK-NOT:   tfl.gelu
func.func @not_gelu_tanh_coefficient(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = tf.Const <float32 [] [0.05]> : tensor<f32>
  %h = tf.Const <float32 [] [0.5]> : tensor<f32>
  %k = tf.Const <float32 [] [0.7978846]> : tensor<f32>
  %o = tf.Const <float32 [] [1.0]> : tensor<f32>
  %t = tf.Const <float32 [] [3.0]> : tensor<f32>
  %0 = "tf.Pow"(%x, %t) {T = f32} : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = "tf.Mul"(%c, %0) {T = f32} : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %2 = "tf.AddV2"(%x, %1) {T = f32} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = "tf.Mul"(%k, %2) {T = f32} : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = "tf.Tanh"(%3) {T = f32} : (tensor<8xf32>) -> tensor<8xf32>
  %5 = "tf.AddV2"(%o, %4) {T = f32} : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %6 = "tf.Mul"(%h, %x) {T = f32} : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %7 = "tf.Mul"(%6, %5) {T = f32} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  func.return %7 : tensor<8xf32>
}
