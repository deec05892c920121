// RUN: xdsl-opt -p fold-constants %s | filecheck %s

// The Keras pattern: reshape to [batch, -1] with the batch size read from tf.shape. With a static input the whole
// Shape -> StridedSlice -> Pack chain becomes one constant, and the Reshape's shape operand is that constant.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT:   tf.Shape
// CHECK-NOT:   tf.StridedSlice
// CHECK-NOT:   tf.Pack
// CHECK:       tf.Const <int32 [2] [2, -1]>
// CHECK-NEXT:  "tf.Reshape"
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %s = "tf.Shape"(%x) {T = f32, out_type = i32} : (tensor<2x3x4xf32>) -> tensor<3xi32>
  %b = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %e = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %st = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %n = "tf.StridedSlice"(%s, %b, %e, %st) {Index = i32, T = i32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 0 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 1 : i64} : (tensor<3xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<i32>
  %m1 = tf.Const <int32 [] [-1]> : tensor<i32>
  %shape = "tf.Pack"(%n, %m1) {N = 2 : i64, T = i32, axis = 0 : i64} : (tensor<i32>, tensor<i32>) -> tensor<2xi32>
  %y = "tf.Reshape"(%x, %shape) {T = f32, Tshape = i32} : (tensor<2x3x4xf32>, tensor<2xi32>) -> tensor<2x12xf32>
  func.return %y : tensor<2x12xf32>
}

// Shape of a value with a dynamic dim must stay (and so must everything computed from it).
// CHECK-LABEL: func.func @shape_dynamic
// CHECK:       "tf.Shape"
// CHECK:       "tf.Prod"
func.func @shape_dynamic(%x: tensor<?x4xf32>) -> tensor<i32> {
  %s = "tf.Shape"(%x) {T = f32, out_type = i32} : (tensor<?x4xf32>) -> tensor<2xi32>
  %a = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %p = "tf.Prod"(%s, %a) {T = i32, Tidx = i32, keep_dims = false} : (tensor<2xi32>, tensor<1xi32>) -> tensor<i32>
  func.return %p : tensor<i32>
}

// Static entries of a partly dynamic shape fold (x.shape[1:] and x.shape[2]); the dynamic entry does not.
// CHECK-LABEL: func.func @shape_partial
// CHECK:       "tf.Shape"
// CHECK-DAG:   tf.Const <int32 [2] [4, 5]> : tensor<2xi32>
// CHECK-DAG:   tf.Const <int32 [] [5]> : tensor<i32>
// CHECK:       "tf.StridedSlice"(%s,
func.func @shape_partial(%x: tensor<?x4x5xf32>) -> (tensor<2xi32>, tensor<i32>, tensor<i32>) {
  %s = "tf.Shape"(%x) {T = f32, out_type = i32} : (tensor<?x4x5xf32>) -> tensor<3xi32>
  %b = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %e = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %st = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %tail = "tf.StridedSlice"(%s, %b, %e, %st) {Index = i32, T = i32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 1 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<3xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %i = tf.Const <int32 [] [2]> : tensor<i32>
  %ax = tf.Const <int32 [] [0]> : tensor<i32>
  %d2 = "tf.GatherV2"(%s, %i, %ax) {Taxis = i32, Tindices = i32, Tparams = i32, batch_dims = 0 : i64} : (tensor<3xi32>, tensor<i32>, tensor<i32>) -> tensor<i32>
  %b0 = tf.Const <int32 [1] [0]> : tensor<1xi32>
  %e0 = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %d0 = "tf.StridedSlice"(%s, %b0, %e0, %st) {Index = i32, T = i32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 0 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 1 : i64} : (tensor<3xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<i32>
  func.return %tail, %d2, %d0 : tensor<2xi32>, tensor<i32>, tensor<i32>
}

// Size, Rank, and the REDUCE_PROD / GATHER flavour of shape math (int64 shapes).
// CHECK-LABEL: func.func @size_rank_prod_gather
// CHECK-DAG:   tf.Const <int32 [] [24]> : tensor<i32>
// CHECK-DAG:   tf.Const <int32 [] [3]> : tensor<i32>
// CHECK-DAG:   tf.Const <int64 [] [12]> : tensor<i64>
// CHECK-DAG:   tf.Const <int64 [2] [3, 4]> : tensor<2xi64>
// CHECK-NOT:   "tf.
// CHECK:       func.return
func.func @size_rank_prod_gather(%x: tensor<2x3x4xf32>) -> (tensor<i32>, tensor<i32>, tensor<i64>, tensor<2xi64>) {
  %size = "tf.Size"(%x) {T = f32, out_type = i32} : (tensor<2x3x4xf32>) -> tensor<i32>
  %rank = "tf.Rank"(%x) {T = f32} : (tensor<2x3x4xf32>) -> tensor<i32>
  %s = "tf.Shape"(%x) {T = f32, out_type = i64} : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i = tf.Const <int32 [2] [1, 2]> : tensor<2xi32>
  %ax = tf.Const <int32 [] [0]> : tensor<i32>
  %g = "tf.GatherV2"(%s, %i, %ax) {Taxis = i32, Tindices = i32, Tparams = i64, batch_dims = 0 : i64} : (tensor<3xi64>, tensor<2xi32>, tensor<i32>) -> tensor<2xi64>
  %p = "tf.Prod"(%g, %ax) {T = i64, Tidx = i32, keep_dims = false} : (tensor<2xi64>, tensor<i32>) -> tensor<i64>
  %rg = "tf.GatherV2"(%s, %i, %ax) {Taxis = i32, Tindices = i32, Tparams = i64, batch_dims = 0 : i64} : (tensor<3xi64>, tensor<2xi32>, tensor<i32>) -> tensor<2xi64>
  %two = tf.Const <int64 [2] [1, 2]> : tensor<2xi64>
  %w = "tf.FloorDiv"(%rg, %two) {T = i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %o = "tf.Mul"(%w, %two) {T = i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  func.return %size, %rank, %p, %o : tensor<i32>, tensor<i32>, tensor<i64>, tensor<2xi64>
}
