// RUN: xdsl-opt -p optimize %s | filecheck %s

// FULLY_CONNECTED + add(const) -> bias; * const -> weights rows and bias.
// CHECK-LABEL: func.func @fc_add_mul
// CHECK-DAG:   %[[W:.*]] = tfl.pseudo_const <float32 [3, 2] [2.0, 8.0, 4.0, 10.0, -3.0, -6.0]>
// CHECK-DAG:   %[[B:.*]] = tfl.pseudo_const <float32 [3] [2.0, 4.0, -3.0]>
// CHECK:       "tfl.fully_connected"(%x, %[[W]], %[[B]])
// CHECK-NOT:   tfl.add
// CHECK-NOT:   tfl.mul
func.func @fc_add_mul(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %b) : (tensor<1x2xf32>, tensor<3x2xf32>, none) -> tensor<1x3xf32>
  %k = tfl.pseudo_const <float32 [3] [1.0, 2.0, 3.0]> : tensor<3xf32>
  %a = "tfl.add"(%y, %k) : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %s = tfl.pseudo_const <float32 [3] [2.0, 2.0, -1.0]> : tensor<3xf32>
  %m = "tfl.mul"(%a, %s) : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  func.return %m : tensor<1x3xf32>
}

// Must not fire: the added tensor is not constant.
// CHECK-LABEL: func.func @fc_add_dynamic
// CHECK:       "tfl.add"
func.func @fc_add_dynamic(%x: tensor<1x2xf32>, %k: tensor<3xf32>) -> tensor<1x3xf32> {
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %b) : (tensor<1x2xf32>, tensor<3x2xf32>, none) -> tensor<1x3xf32>
  %a = "tfl.add"(%y, %k) : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  func.return %a : tensor<1x3xf32>
}

// Must not fire: a per-row (batch axis) constant.
// CHECK-LABEL: func.func @fc_add_rows
// CHECK:       "tfl.add"
func.func @fc_add_rows(%x: tensor<2x2xf32>) -> tensor<2x3xf32> {
  %w = tfl.pseudo_const <float32 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : tensor<3x2xf32>
  %b = tfl.no_value
  %y = "tfl.fully_connected"(%x, %w, %b) : (tensor<2x2xf32>, tensor<3x2xf32>, none) -> tensor<2x3xf32>
  %k = tfl.pseudo_const <float32 [2, 1] [1.0, 2.0]> : tensor<2x1xf32>
  %a = "tfl.add"(%y, %k) : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  func.return %a : tensor<2x3xf32>
}
