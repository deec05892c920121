// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @max0
// CHECK:       "tfl.relu"(%x)
// CHECK-NOT:   tfl.maximum
func.func @max0(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = tfl.pseudo_const <float32 [1] [0.0]> : tensor<1xf32>
  %y = "tfl.maximum"(%x, %z) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @clamp06
// CHECK:       "tfl.relu6"(%x)
// CHECK-NOT:   tfl.minimum
func.func @clamp06(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = tfl.pseudo_const <float32 [1] [0.0]> : tensor<1xf32>
  %s = tfl.pseudo_const <float32 [1] [6.0]> : tensor<1xf32>
  %y = "tfl.maximum"(%x, %z) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %r = "tfl.minimum"(%y, %s) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @clamp60
// CHECK:       "tfl.relu6"(%x)
// CHECK-NOT:   tfl.maximum
func.func @clamp60(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = tfl.pseudo_const <float32 [1] [0.0]> : tensor<1xf32>
  %s = tfl.pseudo_const <float32 [1] [6.0]> : tensor<1xf32>
  %y = "tfl.minimum"(%s, %x) : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = "tfl.maximum"(%y, %z) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @clamp_n1_1
// CHECK:       "tfl.relu_n1_to_1"(%x)
func.func @clamp_n1_1(%x: tensor<4xf32>) -> tensor<4xf32> {
  %lo = tfl.pseudo_const <float32 [1] [-1.0]> : tensor<1xf32>
  %hi = tfl.pseudo_const <float32 [1] [1.0]> : tensor<1xf32>
  %y = "tfl.maximum"(%x, %lo) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %r = "tfl.minimum"(%y, %hi) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// Must not fire: clamps to other bounds stay (the max(x, 0) part still becomes relu).
// CHECK-LABEL: func.func @clamp05
// CHECK:       "tfl.relu"(%x)
// CHECK:       "tfl.minimum"
// CHECK:       "tfl.maximum"(%x
func.func @clamp05(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %z = tfl.pseudo_const <float32 [1] [0.0]> : tensor<1xf32>
  %h = tfl.pseudo_const <float32 [1] [0.5]> : tensor<1xf32>
  %s = tfl.pseudo_const <float32 [1] [5.0]> : tensor<1xf32>
  %y = "tfl.maximum"(%x, %z) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %r = "tfl.minimum"(%y, %s) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %q = "tfl.maximum"(%x, %h) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  func.return %r, %q : tensor<4xf32>, tensor<4xf32>
}
