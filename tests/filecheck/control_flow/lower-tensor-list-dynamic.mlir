// RUN: tflc opt %s -p lower-tensor-list | filecheck %s

// A loop over a run-time length %n writing its state (batch dynamic) into a list each step: the list is filled at
// run time with the shape [n, *shape(initial state)] and written by a dynamic-update-slice at [i, 0].
// CHECK-LABEL: func.func @rnn_outputs
// CHECK:         %[[E:.*]] = "tf.Shape"(%h0) {{.*}} -> tensor<2xi32>
// CHECK:         %[[D:.*]] = "tf.ConcatV2"(%{{.*}}, %[[E]], %{{.*}}) {{.*}} -> tensor<3xi32>
// CHECK:         %[[L:.*]] = "tf.Fill"(%[[D]], %{{.*}}) {{.*}} -> tensor<{{.*}}x4xf32>
// CHECK:         %{{.*}}, %{{.*}}, %[[R:[^ ]*]] = "tf.WhileRegion"(%i0, %h0, %[[L]]) ({
// CHECK:         tf.Yield %lt
// CHECK:         ^{{.*}}(%[[I:[^:]*]]: tensor<i32>, %{{[^:]*}}: tensor<{{.*}}x4xf32>, %[[A:[^:]*]]: tensor<{{.*}}x4xf32>):
// CHECK:           %[[ITEM:.*]] = "tf.ExpandDims"(%{{.*}}, %{{.*}}) {{.*}} -> tensor<1x{{.*}}x4xf32>
// CHECK:           %[[AT:.*]] = "tf.Pack"(%[[I]], %{{.*}}, %{{.*}}) {{.*}} -> tensor<3xi32>
// CHECK:           "tf.XlaDynamicUpdateSlice"(%[[A]], %[[ITEM]], %[[AT]]) {{.*}} -> tensor<{{.*}}x4xf32>
// CHECK-NOT:     tf.generic
// CHECK:         "tf.Shape"(%[[R]])
func.func @rnn_outputs(%h0: tensor<?x4xf32>, %n: tensor<i32>) -> tensor<3xi32> {
  %shape = tf.Const <int32 [] [-1]> : tensor<i32>
  %l = "tf.generic"(%shape, %n) <{tf_op = "TensorListReserve", node_def = ""}> {element_dtype = f32, shape_type = i32} : (tensor<i32>, tensor<i32>) -> tensor<!tf.opaque<"variant">>
  %i0 = tf.Const <int32 [] [0]> : tensor<i32>
  %r:3 = "tf.WhileRegion"(%i0, %h0, %l) ({
  ^bb0(%c0: tensor<i32>, %c1: tensor<?x4xf32>, %c2: tensor<!tf.opaque<"variant">>):
    %lt = "tf.Less"(%c0, %n) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i1>
    tf.Yield %lt : tensor<i1>
  }, {
  ^bb0(%b0: tensor<i32>, %b1: tensor<?x4xf32>, %b2: tensor<!tf.opaque<"variant">>):
    %h = "tf.Tanh"(%b1) {T = f32} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    %w = "tf.generic"(%b2, %b0, %h) <{tf_op = "TensorListSetItem", node_def = ""}> {element_dtype = f32} : (tensor<!tf.opaque<"variant">>, tensor<i32>, tensor<?x4xf32>) -> tensor<!tf.opaque<"variant">>
    %one = tf.Const <int32 [] [1]> : tensor<i32>
    %i = "tf.AddV2"(%b0, %one) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i32>
    tf.Yield %i, %h, %w : tensor<i32>, tensor<?x4xf32>, tensor<!tf.opaque<"variant">>
  }) : (tensor<i32>, tensor<?x4xf32>, tensor<!tf.opaque<"variant">>) -> (tensor<i32>, tensor<?x4xf32>, tensor<!tf.opaque<"variant">>)
  %es = tf.Const <int32 [] [-1]> : tensor<i32>
  %s = "tf.generic"(%r#2, %es) <{tf_op = "TensorListStack", node_def = ""}> {element_dtype = f32} : (tensor<!tf.opaque<"variant">>, tensor<i32>) -> tensor<?x?x4xf32>
  %sh = "tf.Shape"(%s) {T = f32, out_type = i32} : (tensor<?x?x4xf32>) -> tensor<3xi32>
  func.return %sh : tensor<3xi32>
}
