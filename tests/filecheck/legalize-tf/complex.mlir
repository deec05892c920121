// RUN: xdsl-opt -p legalize-tf %s | filecheck %s
// RUN: xdsl-opt -p 'legalize-tf{beyond_tf=false}' %s | filecheck %s --check-prefix=FLEX

// RFFT2D with a constant power-of-2 fft_length: one builtin, fft_length re-made int32.
// CHECK-LABEL: func.func @rfft2d
// CHECK:       [[L:%.*]] = tfl.pseudo_const <int32 [2] [4, 8]>
// CHECK-NEXT:  "tfl.rfft2d"(%x, [[L]]) : (tensor<2x8x16xf32>, tensor<2xi32>) -> tensor<2x4x5xcomplex<f32>>
func.func @rfft2d(%x: tensor<2x8x16xf32>) -> tensor<2x4x5xcomplex<f32>> {
  %l = tf.Const <int32 [2] [4, 8]> : tensor<2xi32>
  %y = "tf.generic"(%x, %l) <{tf_op = "RFFT2D", node_def = "\FF"}> {Treal = f32, Tcomplex = complex<f32>} : (tensor<2x8x16xf32>, tensor<2xi32>) -> tensor<2x4x5xcomplex<f32>>
  func.return %y : tensor<2x4x5xcomplex<f32>>
}

// RFFT2D with fft_length computed at run time: passed on (LiteRT sizes the output at invoke, as for TF's file).
// CHECK-LABEL: func.func @rfft2d_runtime_length
// CHECK:       "tfl.rfft2d"(%x, %n) : (tensor<2x8x16xf32>, tensor<2xi32>) -> tensor<2x?x?xcomplex<f32>>
func.func @rfft2d_runtime_length(%x: tensor<2x8x16xf32>, %n: tensor<2xi32>) -> tensor<2x?x?xcomplex<f32>> {
  %y = "tf.generic"(%x, %n) <{tf_op = "RFFT2D", node_def = "\FF"}> {Treal = f32, Tcomplex = complex<f32>} : (tensor<2x8x16xf32>, tensor<2xi32>) -> tensor<2x?x?xcomplex<f32>>
  func.return %y : tensor<2x?x?xcomplex<f32>>
}

// RFFT: a 2-D FFT of height 1 between expand_dims and squeeze of the second-last axis (prepare_tf.cc).
// CHECK-LABEL: func.func @rfft
// CHECK:       [[A:%.*]] = tfl.pseudo_const <int32 [] [1]>
// CHECK-NEXT:  [[E:%.*]] = "tfl.expand_dims"(%x, [[A]]) : (tensor<3x16xf32>, tensor<i32>) -> tensor<3x1x16xf32>
// CHECK-NEXT:  [[L:%.*]] = tfl.pseudo_const <int32 [2] [1, 16]>
// CHECK-NEXT:  [[F:%.*]] = "tfl.rfft2d"([[E]], [[L]]) : (tensor<3x1x16xf32>, tensor<2xi32>) -> tensor<3x1x9xcomplex<f32>>
// CHECK-NEXT:  "tfl.squeeze"([[F]]) <{squeeze_dims = array<i32: 1>}> : (tensor<3x1x9xcomplex<f32>>) -> tensor<3x9xcomplex<f32>>
func.func @rfft(%x: tensor<3x16xf32>) -> tensor<3x9xcomplex<f32>> {
  %l = tf.Const <int32 [1] [16]> : tensor<1xi32>
  %y = "tf.generic"(%x, %l) <{tf_op = "RFFT", node_def = "\FF"}> {Treal = f32, Tcomplex = complex<f32>} : (tensor<3x16xf32>, tensor<1xi32>) -> tensor<3x9xcomplex<f32>>
  func.return %y : tensor<3x9xcomplex<f32>>
}

// Must not fire: fft lengths LiteRT's kernel cannot run (not powers of 2), a run-time fft_length, float64 data.
// CHECK-LABEL: func.func @fft_stays_tf
// CHECK-COUNT-3: "tf.generic"
// CHECK-NOT:   tfl.rfft2d
func.func @fft_stays_tf(%x: tensor<3x16xf32>, %n: tensor<1xi32>, %d: tensor<3x16xf64>) -> (tensor<3x7xcomplex<f32>>, tensor<3x?xcomplex<f32>>, tensor<3x9xcomplex<f64>>) {
  %l = tf.Const <int32 [1] [12]> : tensor<1xi32>
  %a = "tf.generic"(%x, %l) <{tf_op = "RFFT", node_def = "\FF"}> {Treal = f32, Tcomplex = complex<f32>} : (tensor<3x16xf32>, tensor<1xi32>) -> tensor<3x7xcomplex<f32>>
  %b = "tf.generic"(%x, %n) <{tf_op = "RFFT", node_def = "\FF"}> {Treal = f32, Tcomplex = complex<f32>} : (tensor<3x16xf32>, tensor<1xi32>) -> tensor<3x?xcomplex<f32>>
  %m = tf.Const <int32 [1] [16]> : tensor<1xi32>
  %c = "tf.generic"(%d, %m) <{tf_op = "RFFT", node_def = "\FF"}> {Treal = f64, Tcomplex = complex<f64>} : (tensor<3x16xf64>, tensor<1xi32>) -> tensor<3x9xcomplex<f64>>
  func.return %a, %b, %c : tensor<3x7xcomplex<f32>>, tensor<3x?xcomplex<f32>>, tensor<3x9xcomplex<f64>>
}

// Real / Imag / ComplexAbs: one builtin each, complex64 -> float32 and complex128 -> float64.
// CHECK-LABEL: func.func @parts
// CHECK:       "tfl.real"(%z) : (tensor<2x3xcomplex<f32>>) -> tensor<2x3xf32>
// CHECK-NEXT:  "tfl.imag"(%z) : (tensor<2x3xcomplex<f32>>) -> tensor<2x3xf32>
// CHECK-NEXT:  "tfl.complex_abs"(%w) : (tensor<4xcomplex<f64>>) -> tensor<4xf64>
func.func @parts(%z: tensor<2x3xcomplex<f32>>, %w: tensor<4xcomplex<f64>>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf64>) {
  %a = "tf.generic"(%z) <{tf_op = "Real", node_def = "\FF"}> {T = complex<f32>, Tout = f32} : (tensor<2x3xcomplex<f32>>) -> tensor<2x3xf32>
  %b = "tf.generic"(%z) <{tf_op = "Imag", node_def = "\FF"}> {T = complex<f32>, Tout = f32} : (tensor<2x3xcomplex<f32>>) -> tensor<2x3xf32>
  %c = "tf.generic"(%w) <{tf_op = "ComplexAbs", node_def = "\FF"}> {T = complex<f64>, Tout = f64} : (tensor<4xcomplex<f64>>) -> tensor<4xf64>
  func.return %a, %b, %c : tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf64>
}

// Complex(re, im): TF 2.21 writes no builtin (the schema has no COMPLEX); ours packs the pair and bitcasts it to
// complex64. With Flex or custom ops allowed (beyond_tf=false) it stays TF, for FlexComplex as TF writes it.
// CHECK-LABEL: func.func @complex
// CHECK:       [[P:%.*]] = "tfl.pack"(%re, %im) <{values_count = 2 : i32, axis = 2 : i32}> : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3x2xf32>
// CHECK-NEXT:  "tfl.bitcast"([[P]]) : (tensor<2x3x2xf32>) -> tensor<2x3xcomplex<f32>>
// FLEX-LABEL:  func.func @complex
// FLEX:        "tf.generic"(%re, %im) <{tf_op = "Complex"
func.func @complex(%re: tensor<2x3xf32>, %im: tensor<2x3xf32>) -> tensor<2x3xcomplex<f32>> {
  %z = "tf.generic"(%re, %im) <{tf_op = "Complex", node_def = "\FF"}> {T = f32, Tout = complex<f32>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xcomplex<f32>>
  func.return %z : tensor<2x3xcomplex<f32>>
}

// Must not fire: operands of different shapes (TF broadcasts them), float64 parts.
// CHECK-LABEL: func.func @complex_stays_tf
// CHECK-COUNT-2: "tf.generic"
func.func @complex_stays_tf(%re: tensor<2x3xf32>, %im: tensor<3xf32>, %d: tensor<3xf64>) -> (tensor<2x3xcomplex<f32>>, tensor<3xcomplex<f64>>) {
  %z = "tf.generic"(%re, %im) <{tf_op = "Complex", node_def = "\FF"}> {T = f32, Tout = complex<f32>} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xcomplex<f32>>
  %w = "tf.generic"(%d, %d) <{tf_op = "Complex", node_def = "\FF"}> {T = f64, Tout = complex<f64>} : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xcomplex<f64>>
  func.return %z, %w : tensor<2x3xcomplex<f32>>, tensor<3xcomplex<f64>>
}
