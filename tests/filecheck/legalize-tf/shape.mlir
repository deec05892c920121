// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// Reshape: the new shape becomes an int32 constant taken from the static result type (the -1 is resolved).
// CHECK-LABEL: func.func @reshape
// CHECK:       tfl.pseudo_const <int32 [2] [3, 4]>
// CHECK:       "tfl.reshape"(%{{.*}}, %{{.*}}) : (tensor<2x6xf32>, tensor<2xi32>) -> tensor<3x4xf32>
func.func @reshape(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %s = tf.Const <int64 [2] [-1, 4]> : tensor<2xi64>
  %y = "tf.Reshape"(%x, %s) {T = f32, Tshape = i64} : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  func.return %y : tensor<3x4xf32>
}

// Reshape to a shape computed at run time (two dynamic result dims): RESHAPE reads the int32 shape tensor.
// CHECK-LABEL: func.func @reshape_dynamic_shape
// CHECK-NOT:   tf.Reshape
// CHECK:       "tfl.reshape"(%x, %s) : (tensor<2x6xf32>, tensor<2xi32>) -> tensor<?x?xf32>
func.func @reshape_dynamic_shape(%x: tensor<2x6xf32>, %s: tensor<2xi32>) -> tensor<?x?xf32> {
  %y = "tf.Reshape"(%x, %s) {T = f32, Tshape = i32} : (tensor<2x6xf32>, tensor<2xi32>) -> tensor<?x?xf32>
  func.return %y : tensor<?x?xf32>
}

// An int64 computed shape is cast to int32 first.
// CHECK-LABEL: func.func @reshape_dynamic_shape_i64
// CHECK:       %[[C:.*]] = "tfl.cast"(%s) <{in_data_type = "INT64", out_data_type = "INT32"}>
// CHECK:       "tfl.reshape"(%x, %[[C]])
func.func @reshape_dynamic_shape_i64(%x: tensor<?x6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = "tf.Reshape"(%x, %s) {T = f32, Tshape = i64} : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  func.return %y : tensor<?x?xf32>
}

// One dynamic result dim (a dynamic batch): the computed shape is not needed, a constant with -1 there is.
// CHECK-LABEL: func.func @reshape_dynamic_batch
// CHECK:       tfl.pseudo_const <int32 [2] [-1, 12]>
// CHECK:       "tfl.reshape"(%x, %{{.*}}) : (tensor<?x3x4xf32>, tensor<2xi32>) -> tensor<?x12xf32>
func.func @reshape_dynamic_batch(%x: tensor<?x3x4xf32>, %s: tensor<2xi32>) -> tensor<?x12xf32> {
  %y = "tf.Reshape"(%x, %s) {T = f32, Tshape = i32} : (tensor<?x3x4xf32>, tensor<2xi32>) -> tensor<?x12xf32>
  func.return %y : tensor<?x12xf32>
}

// Squeeze: negative dims are normalized.
// CHECK-LABEL: func.func @squeeze
// CHECK:       "tfl.squeeze"(%{{.*}}) <{squeeze_dims = array<i32: 0, 2>}>
func.func @squeeze(%x: tensor<1x3x1xf32>) -> tensor<3xf32> {
  %y = "tf.Squeeze"(%x) {T = f32, squeeze_dims = [0 : i64, -1 : i64]} : (tensor<1x3x1xf32>) -> tensor<3xf32>
  func.return %y : tensor<3xf32>
}

// ExpandDims: dim -1 on rank 2 becomes 2.
// CHECK-LABEL: func.func @expand_dims
// CHECK:       tfl.pseudo_const <int32 [] [2]> : tensor<i32>
// CHECK:       "tfl.expand_dims"
func.func @expand_dims(%x: tensor<2x3xf32>) -> tensor<2x3x1xf32> {
  %d = tf.Const <int32 [] [-1]> : tensor<i32>
  %y = "tf.ExpandDims"(%x, %d) {T = f32, Tdim = i32} : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3x1xf32>
  func.return %y : tensor<2x3x1xf32>
}

// Transpose with an int64 permutation: re-made as int32.
// CHECK-LABEL: func.func @transpose
// CHECK:       tfl.pseudo_const <int32 [3] [2, 0, 1]>
// CHECK:       "tfl.transpose"
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %p = tf.Const <int64 [3] [2, 0, 1]> : tensor<3xi64>
  %y = "tf.Transpose"(%x, %p) {T = f32, Tperm = i64} : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<4x2x3xf32>
  func.return %y : tensor<4x2x3xf32>
}

// Transpose by a permutation computed at run time: must not fire.
// CHECK-LABEL: func.func @transpose_dynamic_perm
// CHECK-NOT:   tfl.transpose
// CHECK:       "tf.Transpose"
func.func @transpose_dynamic_perm(%x: tensor<2x2xf32>, %p: tensor<2xi32>) -> tensor<2x2xf32> {
  %y = "tf.Transpose"(%x, %p) {T = f32, Tperm = i32} : (tensor<2x2xf32>, tensor<2xi32>) -> tensor<2x2xf32>
  func.return %y : tensor<2x2xf32>
}

// ConcatV2: the axis is the last operand; -1 normalized to 1.
// CHECK-LABEL: func.func @concat
// CHECK:       "tfl.concatenation"(%{{.*}}, %{{.*}}) <{axis = 1 : i32, fused_activation_function = "NONE"}>
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %ax = tf.Const <int32 [] [-1]> : tensor<i32>
  %y = "tf.ConcatV2"(%a, %b, %ax) {N = 2 : i64, T = f32, Tidx = i32} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<i32>) -> tensor<2x8xf32>
  func.return %y : tensor<2x8xf32>
}

// Pack / Unpack.
// CHECK-LABEL: func.func @pack_unpack
// CHECK:       "tfl.pack"(%{{.*}}, %{{.*}}) <{values_count = 2 : i32, axis = 1 : i32}>
// CHECK:       "tfl.unpack"(%{{.*}}) <{num = 3 : i32, axis = 0 : i32}>
func.func @pack_unpack(%a: tensor<3xf32>, %b: tensor<3xf32>) -> (tensor<3x2xf32>, tensor<2xf32>) {
  %p = "tf.Pack"(%a, %b) {N = 2 : i64, T = f32, axis = -1 : i64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3x2xf32>
  %u0, %u1, %u2 = "tf.Unpack"(%p) {T = f32, axis = 0 : i64, num = 3 : i64} : (tensor<3x2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %p, %u1 : tensor<3x2xf32>, tensor<2xf32>
}

// Split / SplitV (the -1 size resolved from the static shape).
// CHECK-LABEL: func.func @split
// CHECK:       "tfl.split"(%{{.*}}, %{{.*}}) <{num_splits = 2 : i32}>
// CHECK:       tfl.pseudo_const <int32 [2] [1, 3]>
// CHECK:       "tfl.split_v"(%{{.*}}, %{{.*}}, %{{.*}}) <{num_splits = 2 : i32}>
func.func @split(%x: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<4x3xf32>) {
  %d = tf.Const <int32 [] [0]> : tensor<i32>
  %s0, %s1 = "tf.Split"(%d, %x) {T = f32, num_split = 2 : i64} : (tensor<i32>, tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  %sz = tf.Const <int32 [2] [1, -1]> : tensor<2xi32>
  %d1 = tf.Const <int32 [] [1]> : tensor<i32>
  %v0, %v1 = "tf.SplitV"(%x, %sz, %d1) {T = f32, Tlen = i32, num_split = 2 : i64} : (tensor<4x4xf32>, tensor<2xi32>, tensor<i32>) -> (tensor<4x1xf32>, tensor<4x3xf32>)
  func.return %s1, %v1 : tensor<2x4xf32>, tensor<4x3xf32>
}

// Slice: a -1 size resolved.
// CHECK-LABEL: func.func @slice
// CHECK:       tfl.pseudo_const <int32 [2] [1, 2]>
// CHECK:       tfl.pseudo_const <int32 [2] [2, 2]>
// CHECK:       "tfl.slice"
func.func @slice(%x: tensor<3x4xf32>) -> tensor<2x2xf32> {
  %b = tf.Const <int32 [2] [1, 2]> : tensor<2xi32>
  %s = tf.Const <int32 [2] [2, -1]> : tensor<2xi32>
  %y = "tf.Slice"(%x, %b, %s) {Index = i32, T = f32} : (tensor<3x4xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x2xf32>
  func.return %y : tensor<2x2xf32>
}

// StridedSlice x[..., ::-1] with an ellipsis: resolved per dim, the reversed dim runs to the start via end_mask.
// CHECK-LABEL: func.func @strided_slice_ellipsis
// CHECK:       tfl.pseudo_const <int32 [3] [0, 0, 3]>
// CHECK:       tfl.pseudo_const <int32 [3] [2, 3, 0]>
// CHECK:       tfl.pseudo_const <int32 [3] [1, 1, -1]>
// CHECK:       "tfl.strided_slice"({{.*}}) <{begin_mask = 0 : i32, end_mask = 4 : i32, ellipsis_mask = 0 : i32, new_axis_mask = 0 : i32, shrink_axis_mask = 0 : i32, offset = false}>
// CHECK-NOT:   tfl.reshape
func.func @strided_slice_ellipsis(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %b = tf.Const <int32 [2] [0, 0]> : tensor<2xi32>
  %e = tf.Const <int32 [2] [0, 0]> : tensor<2xi32>
  %s = tf.Const <int32 [2] [1, -1]> : tensor<2xi32>
  %y = "tf.StridedSlice"(%x, %b, %e, %s) {Index = i32, T = f32, begin_mask = 2 : i64, ellipsis_mask = 1 : i64, end_mask = 2 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x3x4xf32>
  func.return %y : tensor<2x3x4xf32>
}

// StridedSlice x[1, tf.newaxis, :2]: shrink on dim 0, the new axis becomes a reshape.
// CHECK-LABEL: func.func @strided_slice_new_axis
// CHECK:       "tfl.strided_slice"({{.*}}) <{begin_mask = 0 : i32, end_mask = 0 : i32, ellipsis_mask = 0 : i32, new_axis_mask = 0 : i32, shrink_axis_mask = 1 : i32, offset = false}> : ({{.*}}) -> tensor<2xf32>
// CHECK:       "tfl.reshape"({{.*}}) -> tensor<1x2xf32>
func.func @strided_slice_new_axis(%x: tensor<3x4xf32>) -> tensor<1x2xf32> {
  %b = tf.Const <int32 [3] [1, 0, 0]> : tensor<3xi32>
  %e = tf.Const <int32 [3] [2, 0, 2]> : tensor<3xi32>
  %s = tf.Const <int32 [3] [1, 1, 1]> : tensor<3xi32>
  %y = "tf.StridedSlice"(%x, %b, %e, %s) {Index = i32, T = f32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 0 : i64, new_axis_mask = 2 : i64, shrink_axis_mask = 1 : i64} : (tensor<3x4xf32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// StridedSlice whose begin is computed at run time: STRIDED_SLICE takes the runtime begin and the masks as they are.
// CHECK-LABEL: func.func @strided_slice_dynamic_begin
// CHECK:       "tfl.strided_slice"(%x, %b, %{{.*}}, %{{.*}}) <{begin_mask = 0 : i32, end_mask = 0 : i32, ellipsis_mask = 0 : i32, new_axis_mask = 0 : i32, shrink_axis_mask = 0 : i32, offset = false}> : ({{.*}}) -> tensor<?x4xf32>
// CHECK-NOT:   "tf.StridedSlice"
func.func @strided_slice_dynamic_begin(%x: tensor<3x4xf32>, %b: tensor<1xi32>) -> tensor<?x4xf32> {
  %e = tf.Const <int32 [1] [3]> : tensor<1xi32>
  %s = tf.Const <int32 [1] [1]> : tensor<1xi32>
  %y = "tf.StridedSlice"(%x, %b, %e, %s) {Index = i32, T = f32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 0 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<3x4xf32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<?x4xf32>
  func.return %y : tensor<?x4xf32>
}

// Must not fire: a runtime begin with an ellipsis (resolved only on constant indices), or int64 indices.
// CHECK-LABEL: func.func @strided_slice_dynamic_ellipsis
// CHECK-COUNT-2: "tf.StridedSlice"
// CHECK-NOT:   tfl.strided_slice
func.func @strided_slice_dynamic_ellipsis(%x: tensor<3x4xf32>, %b: tensor<2xi32>, %b64: tensor<1xi64>) -> (tensor<3x?xf32>, tensor<?x4xf32>) {
  %e = tf.Const <int32 [2] [0, 3]> : tensor<2xi32>
  %s = tf.Const <int32 [2] [1, 1]> : tensor<2xi32>
  %y = "tf.StridedSlice"(%x, %b, %e, %s) {Index = i32, T = f32, begin_mask = 0 : i64, ellipsis_mask = 1 : i64, end_mask = 0 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<3x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<3x?xf32>
  %e64 = tf.Const <int64 [1] [3]> : tensor<1xi64>
  %s64 = tf.Const <int64 [1] [1]> : tensor<1xi64>
  %z = "tf.StridedSlice"(%x, %b64, %e64, %s64) {Index = i64, T = f32, begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 0 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4xf32>
  func.return %y, %z : tensor<3x?xf32>, tensor<?x4xf32>
}

// An empty result (x[:, 5:]) is not legalized: TFLite's STRIDED_SLICE reads begin == end as the full range.
// CHECK-LABEL: func.func @strided_slice_empty
// CHECK-NOT:   tfl.strided_slice
// CHECK:       "tf.StridedSlice"
func.func @strided_slice_empty(%x: tensor<3x4xf32>) -> tensor<3x0xf32> {
  %b = tf.Const <int32 [2] [0, 5]> : tensor<2xi32>
  %e = tf.Const <int32 [2] [0, 0]> : tensor<2xi32>
  %s = tf.Const <int32 [2] [1, 1]> : tensor<2xi32>
  %y = "tf.StridedSlice"(%x, %b, %e, %s) {Index = i32, T = f32, begin_mask = 1 : i64, ellipsis_mask = 0 : i64, end_mask = 3 : i64, new_axis_mask = 0 : i64, shrink_axis_mask = 0 : i64} : (tensor<3x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<3x0xf32>
  func.return %y : tensor<3x0xf32>
}

// Pad (int64 paddings -> int32), PadV2, MirrorPad.
// CHECK-LABEL: func.func @pads
// CHECK:       tfl.pseudo_const <int32 [2, 2] [1, 1, 0, 2]>
// CHECK:       "tfl.pad"
// CHECK:       "tfl.padv2"
// CHECK:       "tfl.mirror_pad"({{.*}}) <{mode = "SYMMETRIC"}>
func.func @pads(%x: tensor<2x2xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %p = tf.Const <int64 [2, 2] [1, 1, 0, 2]> : tensor<2x2xi64>
  %c = tf.Const <float32 [] [7.0]> : tensor<f32>
  %a = "tf.Pad"(%x, %p) {T = f32, Tpaddings = i64} : (tensor<2x2xf32>, tensor<2x2xi64>) -> tensor<4x4xf32>
  %b = "tf.PadV2"(%x, %p, %c) {T = f32, Tpaddings = i64} : (tensor<2x2xf32>, tensor<2x2xi64>, tensor<f32>) -> tensor<4x4xf32>
  %m = "tf.MirrorPad"(%x, %p) {T = f32, Tpaddings = i64, mode = "SYMMETRIC"} : (tensor<2x2xf32>, tensor<2x2xi64>) -> tensor<4x4xf32>
  func.return %a, %b, %m : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// GatherV2 with axis and batch_dims.
// CHECK-LABEL: func.func @gather
// CHECK:       "tfl.gather"(%{{.*}}, %{{.*}}) <{axis = 2 : i32, batch_dims = 1 : i32}>
func.func @gather(%x: tensor<2x3x5xf32>, %i: tensor<2x4xi32>) -> tensor<2x3x4xf32> {
  %ax = tf.Const <int32 [] [-1]> : tensor<i32>
  %y = "tf.GatherV2"(%x, %i, %ax) {Taxis = i32, Tindices = i32, Tparams = f32, batch_dims = 1 : i64} : (tensor<2x3x5xf32>, tensor<2x4xi32>, tensor<i32>) -> tensor<2x3x4xf32>
  func.return %y : tensor<2x3x4xf32>
}

// GatherV2 along an axis computed at run time: must not fire.
// CHECK-LABEL: func.func @gather_dynamic_axis
// CHECK-NOT:   tfl.gather
// CHECK:       "tf.GatherV2"
func.func @gather_dynamic_axis(%x: tensor<3x3xf32>, %i: tensor<2xi32>, %ax: tensor<i32>) -> tensor<?x?xf32> {
  %y = "tf.GatherV2"(%x, %i, %ax) {Taxis = i32, Tindices = i32, Tparams = f32, batch_dims = 0 : i64} : (tensor<3x3xf32>, tensor<2xi32>, tensor<i32>) -> tensor<?x?xf32>
  func.return %y : tensor<?x?xf32>
}

// Tile, BroadcastTo, Fill, Range, ZerosLike.
// CHECK-LABEL: func.func @tile_broadcast_fill_range
// CHECK:       "tfl.tile"
// CHECK:       "tfl.broadcast_to"
// CHECK:       "tfl.fill"
// CHECK:       "tfl.range"
// CHECK:       "tfl.zeros_like"
func.func @tile_broadcast_fill_range(%x: tensor<1x3xf32>, %v: tensor<f32>, %n: tensor<i32>) -> (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x2xf32>, tensor<?xi32>, tensor<1x3xf32>) {
  %m = tf.Const <int64 [2] [2, 1]> : tensor<2xi64>
  %t = "tf.Tile"(%x, %m) {T = f32, Tmultiples = i64} : (tensor<1x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %s = tf.Const <int32 [2] [4, 3]> : tensor<2xi32>
  %b = "tf.BroadcastTo"(%x, %s) {T = f32, Tidx = i32} : (tensor<1x3xf32>, tensor<2xi32>) -> tensor<4x3xf32>
  %d = tf.Const <int32 [2] [2, 2]> : tensor<2xi32>
  %f = "tf.Fill"(%d, %v) {T = f32, index_type = i32} : (tensor<2xi32>, tensor<f32>) -> tensor<2x2xf32>
  %z = tf.Const <int32 [] [0]> : tensor<i32>
  %o = tf.Const <int32 [] [1]> : tensor<i32>
  %r = "tf.Range"(%z, %n, %o) {Tidx = i32} : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  %zl = "tf.ZerosLike"(%x) {T = f32} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %t, %b, %f, %r, %zl : tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x2xf32>, tensor<?xi32>, tensor<1x3xf32>
}

// Shape of a value with a dynamic dim (fold-constants leaves it): SHAPE with the result's type.
// CHECK-LABEL: func.func @shape_dynamic
// CHECK:       "tfl.shape"(%{{.*}}) <{out_type = "INT64"}>
func.func @shape_dynamic(%x: tensor<?x3xf32>) -> tensor<2xi64> {
  %s = "tf.Shape"(%x) {T = f32, out_type = i64} : (tensor<?x3xf32>) -> tensor<2xi64>
  func.return %s : tensor<2xi64>
}

// Size of a dynamic value: REDUCE_PROD of SHAPE; OnesLike: FILL with 1 (TFLite has no ONES_LIKE).
// CHECK-LABEL: func.func @size_ones_like
// CHECK:       %[[S:.*]] = "tfl.shape"(%x) <{out_type = "INT32"}> : (tensor<?x3xf32>) -> tensor<2xi32>
// CHECK:       "tfl.reduce_prod"(%[[S]], %{{.*}}) <{keep_dims = false}> : (tensor<2xi32>, tensor<1xi32>) -> tensor<i32>
// CHECK:       tfl.pseudo_const <float32 [] [1.0]>
// CHECK:       "tfl.fill"
func.func @size_ones_like(%x: tensor<?x3xf32>) -> (tensor<i32>, tensor<?x3xf32>) {
  %n = "tf.Size"(%x) {T = f32, out_type = i32} : (tensor<?x3xf32>) -> tensor<i32>
  %o = "tf.OnesLike"(%x) {T = f32} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  func.return %n, %o : tensor<i32>, tensor<?x3xf32>
}

// Resize: align_corners / half_pixel_centers carried over.
// CHECK-LABEL: func.func @resize
// CHECK:       "tfl.resize_bilinear"({{.*}}) <{align_corners = false, half_pixel_centers = true}>
// CHECK:       "tfl.resize_nearest_neighbor"({{.*}}) <{align_corners = true, half_pixel_centers = false}>
func.func @resize(%x: tensor<1x4x4x2xf32>) -> (tensor<1x8x8x2xf32>, tensor<1x8x8x2xf32>) {
  %s = tf.Const <int32 [2] [8, 8]> : tensor<2xi32>
  %a = "tf.ResizeBilinear"(%x, %s) {T = f32, align_corners = false, half_pixel_centers = true} : (tensor<1x4x4x2xf32>, tensor<2xi32>) -> tensor<1x8x8x2xf32>
  %b = "tf.ResizeNearestNeighbor"(%x, %s) {T = f32, align_corners = true, half_pixel_centers = false} : (tensor<1x4x4x2xf32>, tensor<2xi32>) -> tensor<1x8x8x2xf32>
  func.return %a, %b : tensor<1x8x8x2xf32>, tensor<1x8x8x2xf32>
}
