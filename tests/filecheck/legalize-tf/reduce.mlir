// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Reductions: keep_dims carried, axes become an int32 constant.
// CHECK-LABEL: func.func @reductions
// CHECK:       tfl.pseudo_const <int32 [2] [1, 2]>
// CHECK-NEXT:  "tfl.mean"(%x, %{{.*}}) <{keep_dims = true}> : (tensor<1x4x4x3xf32>, tensor<2xi32>) -> tensor<1x1x1x3xf32>
// CHECK:       tfl.pseudo_const <int32 [1] [-1]>
// CHECK-NEXT:  "tfl.sum"(%{{.*}}, %{{.*}}) <{keep_dims = false}>
// CHECK:       "tfl.reduce_max"
// CHECK:       "tfl.reduce_min"
// CHECK:       "tfl.reduce_prod"
func.func @reductions(%x: tensor<1x4x4x3xf32>) -> (tensor<1x1x1x3xf32>, tensor<1x1x1xf32>, tensor<1x4x3xf32>, tensor<4x4x3xf32>, tensor<f32>) {
  %a = tf.Const <int64 [2] [1, 2]> : tensor<2xi64>
  %0 = "tf.Mean"(%x, %a) {T = f32, keep_dims = true} : (tensor<1x4x4x3xf32>, tensor<2xi64>) -> tensor<1x1x1x3xf32>
  %b = tf.Const <int32 [] [-1]> : tensor<i32>
  %1 = "tf.Sum"(%0, %b) {T = f32, keep_dims = false} : (tensor<1x1x1x3xf32>, tensor<i32>) -> tensor<1x1x1xf32>
  %c = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %2 = "tf.Max"(%x, %c) {T = f32, keep_dims = false} : (tensor<1x4x4x3xf32>, tensor<1xi32>) -> tensor<1x4x3xf32>
  %d = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %3 = "tf.Min"(%x, %d) {T = f32, keep_dims = false} : (tensor<1x4x4x3xf32>, tensor<1xi32>) -> tensor<4x4x3xf32>
  %e = tf.Const <int32 [4] [0, 1, 2, 3]> : tensor<4xi32>
  %4 = "tf.Prod"(%x, %e) {T = f32, keep_dims = false} : (tensor<1x4x4x3xf32>, tensor<4xi32>) -> tensor<f32>
  func.return %0, %1, %2, %3, %4 : tensor<1x1x1x3xf32>, tensor<1x1x1xf32>, tensor<1x4x3xf32>, tensor<4x4x3xf32>, tensor<f32>
}

// Any/All on booleans.
// CHECK-LABEL: func.func @any_all
// CHECK:       "tfl.reduce_any"(%b, %{{.*}}) <{keep_dims = false}>
// CHECK:       "tfl.reduce_all"(%b, %{{.*}}) <{keep_dims = true}>
func.func @any_all(%b: tensor<3x4xi1>) -> (tensor<3xi1>, tensor<1x4xi1>) {
  %a = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %0 = "tf.Any"(%b, %a) {keep_dims = false} : (tensor<3x4xi1>, tensor<1xi32>) -> tensor<3xi1>
  %c = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %1 = "tf.All"(%b, %c) {keep_dims = true} : (tensor<3x4xi1>, tensor<1xi32>) -> tensor<1x4xi1>
  func.return %0, %1 : tensor<3xi1>, tensor<1x4xi1>
}

// ArgMax/ArgMin: output_type from the result type.
// CHECK-LABEL: func.func @arg
// CHECK:       "tfl.arg_max"(%x, %{{.*}}) <{output_type = "INT64"}>
// CHECK:       "tfl.arg_min"(%x, %{{.*}}) <{output_type = "INT32"}>
func.func @arg(%x: tensor<3x5xf32>) -> (tensor<3xi64>, tensor<5xi32>) {
  %d = tf.Const <int32 [] [1]> : tensor<i32>
  %0 = "tf.ArgMax"(%x, %d) {T = f32, output_type = i64} : (tensor<3x5xf32>, tensor<i32>) -> tensor<3xi64>
  %e = tf.Const <int64 [] [0]> : tensor<i64>
  %1 = "tf.ArgMin"(%x, %e) {T = f32, output_type = i32} : (tensor<3x5xf32>, tensor<i64>) -> tensor<5xi32>
  func.return %0, %1 : tensor<3xi64>, tensor<5xi32>
}

// Cumsum: exclusive/reverse carried, the axis an int32 scalar.
// CHECK-LABEL: func.func @cumsum
// CHECK:       tfl.pseudo_const <int32 [] [-1]>
// CHECK-NEXT:  "tfl.cumsum"(%x, %{{.*}}) <{exclusive = true, reverse = false}>
func.func @cumsum(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = tf.Const <int64 [] [-1]> : tensor<i64>
  %0 = "tf.Cumsum"(%x, %a) {T = f32, exclusive = true, reverse = false} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// Empty axes reduce nothing: the op disappears.
// CHECK-LABEL: func.func @empty_axes
// CHECK-NOT:   tfl.sum
// CHECK:       func.return %x
func.func @empty_axes(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = tf.Const <int32 [0] []> : tensor<0xi32>
  %0 = "tf.Sum"(%x, %a) {T = f32, keep_dims = false} : (tensor<2x3xf32>, tensor<0xi32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// Must not fire: axes computed at run time, an out-of-range axis, float64 Mean (no f64 kernel).
// CHECK-LABEL: func.func @stays_tf
// CHECK:       "tf.Sum"
// CHECK:       "tf.Max"
// CHECK:       "tf.Mean"
// CHECK-NOT:   "tfl.sum"
// CHECK-NOT:   "tfl.reduce_max"
// CHECK-NOT:   "tfl.mean"
func.func @stays_tf(%x: tensor<2x3xf32>, %axes: tensor<1xi32>, %i: tensor<2x3xf64>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf64>) {
  %0 = "tf.Sum"(%x, %axes) {T = f32, keep_dims = false} : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<2xf32>
  %a = tf.Const <int32 [1] [2]> : tensor<1xi32>
  %1 = "tf.Max"(%x, %a) {T = f32, keep_dims = false} : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<2xf32>
  %b = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %2 = "tf.Mean"(%i, %b) {T = f64, keep_dims = false} : (tensor<2x3xf64>, tensor<1xi32>) -> tensor<2xf64>
  func.return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf64>
}
