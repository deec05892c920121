// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// LESS broadcasts up to rank 4 only: at rank 5 the operands are broadcast explicitly first (as TF does).
// CHECK-LABEL: func.func @less_rank5
// CHECK:       tfl.pseudo_const <int32 [5] [2, 2, 2, 2, 3]>
// CHECK-NEXT:  "tfl.broadcast_to"(%x, %{{.*}}) : (tensor<2x1x2x1x3xf32>, tensor<5xi32>) -> tensor<2x2x2x2x3xf32>
// CHECK:       "tfl.broadcast_to"(%y, %{{.*}}) : (tensor<1x2x1x2x3xf32>, tensor<5xi32>) -> tensor<2x2x2x2x3xf32>
// CHECK-NEXT:  "tfl.less"
func.func @less_rank5(%x: tensor<2x1x2x1x3xf32>, %y: tensor<1x2x1x2x3xf32>) -> tensor<2x2x2x2x3xi1> {
  %0 = "tf.Less"(%x, %y) {T = f32} : (tensor<2x1x2x1x3xf32>, tensor<1x2x1x2x3xf32>) -> tensor<2x2x2x2x3xi1>
  func.return %0 : tensor<2x2x2x2x3xi1>
}

// Within the limit (ADD: 6), same shapes at any rank, and a single-element operand at any rank: no broadcast_to.
// CHECK-LABEL: func.func @no_broadcast_needed
// CHECK-NOT:   tfl.broadcast_to
// CHECK:       "tfl.add"
// CHECK:       "tfl.less"
// CHECK:       "tfl.pow"
// CHECK-NOT:   tfl.broadcast_to
func.func @no_broadcast_needed(%x: tensor<2x1x2x1x2x3xf32>, %y: tensor<1x2x1x2x1x1xf32>, %c: tensor<1xf32>) -> (tensor<2x2x2x2x2x3xf32>, tensor<2x2x2x2x2x3xi1>, tensor<2x2x2x2x2x3xf32>) {
  %0 = "tf.AddV2"(%x, %y) {T = f32} : (tensor<2x1x2x1x2x3xf32>, tensor<1x2x1x2x1x1xf32>) -> tensor<2x2x2x2x2x3xf32>
  %1 = "tf.Less"(%0, %0) {T = f32} : (tensor<2x2x2x2x2x3xf32>, tensor<2x2x2x2x2x3xf32>) -> tensor<2x2x2x2x2x3xi1>
  %2 = "tf.Pow"(%0, %c) {T = f32} : (tensor<2x2x2x2x2x3xf32>, tensor<1xf32>) -> tensor<2x2x2x2x2x3xf32>
  func.return %0, %1, %2 : tensor<2x2x2x2x2x3xf32>, tensor<2x2x2x2x2x3xi1>, tensor<2x2x2x2x2x3xf32>
}

// SQUARED_DIFFERENCE broadcasts up to rank 4: above that it becomes sub + square.
// CHECK-LABEL: func.func @squared_difference_rank5
// CHECK-NOT:   tfl.squared_difference
// CHECK:       "tfl.sub"(%x, %y)
// CHECK-NEXT:  "tfl.square"
func.func @squared_difference_rank5(%x: tensor<2x1x2x1x3xf32>, %y: tensor<1x2x1x2x3xf32>) -> tensor<2x2x2x2x3xf32> {
  %0 = "tf.SquaredDifference"(%x, %y) {T = f32} : (tensor<2x1x2x1x3xf32>, tensor<1x2x1x2x3xf32>) -> tensor<2x2x2x2x3xf32>
  func.return %0 : tensor<2x2x2x2x3xf32>
}

// Must not fire: broadcasting beyond what broadcast_to supports (rank 9), and above the limit with a
// dynamic dimension (no static shape to broadcast to), stay TF.
// CHECK-LABEL: func.func @broadcast_stays_tf
// CHECK:       "tf.Less"
// CHECK:       "tf.Maximum"
// CHECK-NOT:   "tfl.
func.func @broadcast_stays_tf(%x: tensor<2x1x2x1x2x1x2x1x3xf32>, %y: tensor<1x2x1x2x1x2x1x2x3xf32>, %d: tensor<?x1x2x1x3x1xf32>, %e: tensor<1x2x1x2x1x3xf32>) -> (tensor<2x2x2x2x2x2x2x2x3xi1>, tensor<?x2x2x2x3x3xf32>) {
  %0 = "tf.Less"(%x, %y) {T = f32} : (tensor<2x1x2x1x2x1x2x1x3xf32>, tensor<1x2x1x2x1x2x1x2x3xf32>) -> tensor<2x2x2x2x2x2x2x2x3xi1>
  %1 = "tf.Maximum"(%d, %e) {T = f32} : (tensor<?x1x2x1x3x1xf32>, tensor<1x2x1x2x1x3xf32>) -> tensor<?x2x2x2x3x3xf32>
  func.return %0, %1 : tensor<2x2x2x2x2x2x2x2x3xi1>, tensor<?x2x2x2x3x3xf32>
}
