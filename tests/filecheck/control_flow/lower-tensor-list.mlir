// RUN: tflc opt %s -p lower-tensor-list | filecheck %s

// A list reserved with an unknown element shape (-1, as Keras traces RNN outputs) gets it from the item the loop
// writes; the list becomes a [5, 3] tensor through the loop (operand, block arguments, yield, result).
// CHECK-LABEL: func.func @accumulate
// CHECK:         %[[L:.*]] = "tf.Fill"(%{{.*}}, %{{.*}}) {{.*}} -> tensor<5x3xf32>
// CHECK:         "tf.WhileRegion"(%i0, %[[L]]) ({
// CHECK-NEXT:    ^{{.*}}(%{{.*}}: tensor<i32>, %{{.*}}: tensor<5x3xf32>):
// CHECK:         ^{{.*}}(%[[I:.*]]: tensor<i32>, %[[A:.*]]: tensor<5x3xf32>):
// CHECK:           %[[MASK:.*]] = "tf.Equal"(%{{.*}}, %[[I]]) {{.*}} -> tensor<5x1xi1>
// CHECK:           %[[ITEM:.*]] = "tf.Reshape"(%x, %{{.*}}) {{.*}} -> tensor<1x3xf32>
// CHECK:           "tf.SelectV2"(%[[MASK]], %[[ITEM]], %[[A]]) {{.*}} -> tensor<5x3xf32>
// CHECK-NOT:     tf.generic
// CHECK:         func.return %{{.*}} : tensor<5x3xf32>
func.func @accumulate(%x: tensor<3xf32>) -> tensor<5x3xf32> {
  %shape = tf.Const <int32 [] [-1]> : tensor<i32>
  %n = tf.Const <int32 [] [5]> : tensor<i32>
  %l = "tf.generic"(%shape, %n) <{tf_op = "TensorListReserve", node_def = ""}> {element_dtype = f32, shape_type = i32} : (tensor<i32>, tensor<i32>) -> tensor<!tf.opaque<"variant">>
  %i0 = tf.Const <int32 [] [0]> : tensor<i32>
  %r:2 = "tf.WhileRegion"(%i0, %l) ({
  ^bb0(%c0: tensor<i32>, %c1: tensor<!tf.opaque<"variant">>):
    %lt = "tf.Less"(%c0, %n) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i1>
    tf.Yield %lt : tensor<i1>
  }, {
  ^bb0(%b0: tensor<i32>, %b1: tensor<!tf.opaque<"variant">>):
    %w = "tf.generic"(%b1, %b0, %x) <{tf_op = "TensorListSetItem", node_def = ""}> {element_dtype = f32} : (tensor<!tf.opaque<"variant">>, tensor<i32>, tensor<3xf32>) -> tensor<!tf.opaque<"variant">>
    %one = tf.Const <int32 [] [1]> : tensor<i32>
    %i = "tf.AddV2"(%b0, %one) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i32>
    tf.Yield %i, %w : tensor<i32>, tensor<!tf.opaque<"variant">>
  }) : (tensor<i32>, tensor<!tf.opaque<"variant">>) -> (tensor<i32>, tensor<!tf.opaque<"variant">>)
  %es = tf.Const <int32 [1] [3]> : tensor<1xi32>
  %s = "tf.generic"(%r#1, %es) <{tf_op = "TensorListStack", node_def = ""}> {element_dtype = f32} : (tensor<!tf.opaque<"variant">>, tensor<1xi32>) -> tensor<5x3xf32>
  func.return %s : tensor<5x3xf32>
}

// Reading from a list made from a tensor: a GatherV2 on the tensor itself.
// CHECK-LABEL: func.func @read
// CHECK:         "tf.GatherV2"(%t, %i, %{{.*}}) {{.*}} -> tensor<3xf32>
// CHECK-NOT:     tf.generic
func.func @read(%t: tensor<5x3xf32>, %i: tensor<i32>) -> tensor<3xf32> {
  %es = tf.Const <int32 [1] [3]> : tensor<1xi32>
  %l = "tf.generic"(%t, %es) <{tf_op = "TensorListFromTensor", node_def = ""}> {element_dtype = f32, shape_type = i32} : (tensor<5x3xf32>, tensor<1xi32>) -> tensor<!tf.opaque<"variant">>
  %g = "tf.generic"(%l, %i, %es) <{tf_op = "TensorListGetItem", node_def = ""}> {element_dtype = f32} : (tensor<!tf.opaque<"variant">>, tensor<i32>, tensor<1xi32>) -> tensor<3xf32>
  func.return %g : tensor<3xf32>
}
