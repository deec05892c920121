// RUN: tflc opt %s -p dce | filecheck %s

// Everything here is live: used by the return, used through a multi-result op of which one result is used, or
// an op without results (dce only erases ops whose results are all unused).
// CHECK-LABEL: func.func @live
// CHECK:         %[[C:.*]] = tfl.pseudo_const <int32 [] [0]>
// CHECK:         %[[S:.*]], %{{.*}} = "tfl.split"(%[[C]], %x) <{num_splits = 2 : i32}>
// CHECK:         %[[R:.*]] = "tfl.relu"(%[[S]])
// CHECK:         "tf.NoOp"()
// CHECK:         func.return %[[R]]
func.func @live(%x: tensor<4xf32>) -> tensor<2xf32> {
  %c = tfl.pseudo_const <int32 [] [0]> : tensor<i32>
  %s:2 = "tfl.split"(%c, %x) <{num_splits = 2 : i32}> : (tensor<i32>, tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  %r = "tfl.relu"(%s#0) : (tensor<2xf32>) -> tensor<2xf32>
  "tf.NoOp"() : () -> ()
  func.return %r : tensor<2xf32>
}

// Every function of a multi-signature module is cleaned independently; a value used in another function's
// return keeps its chain.
// CHECK-LABEL: func.func @second
// CHECK:         "tfl.add"
// CHECK:         "tfl.logistic"
// CHECK:         func.return
func.func @second(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "tfl.add"(%x, %x) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %l = "tfl.logistic"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %l : tensor<4xf32>
}
