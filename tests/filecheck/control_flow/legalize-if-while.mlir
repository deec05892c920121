// RUN: tflc opt %s -p legalize-tf | filecheck %s

// tf.IfRegion -> tfl.if: the branches stay regions (exported as subgraphs), their ops legalized inside.
// CHECK-LABEL: func.func @branch
// CHECK:         %[[R:.*]] = "tfl.if"(%c, %x) ({
// CHECK-NEXT:    ^{{.*}}(%[[A:.*]]: tensor<4xf32>):
// CHECK:           %[[M:.*]] = "tfl.mul"(%[[A]], %{{.*}})
// CHECK-NEXT:      tfl.yield %[[M]] : tensor<4xf32>
// CHECK-NEXT:    }, {
// CHECK:           "tfl.sub"
// CHECK:           tfl.yield
// CHECK:         func.return %[[R]]
func.func @branch(%c: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %r = "tf.IfRegion"(%c, %x) ({
  ^bb0(%a: tensor<4xf32>):
    %two = tf.Const <float32 [] [2.0]> : tensor<f32>
    %m = "tf.Mul"(%a, %two) {T = f32} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    tf.Yield %m : tensor<4xf32>
  }, {
  ^bb0(%b: tensor<4xf32>):
    %one = tf.Const <float32 [] [1.0]> : tensor<f32>
    %s = "tf.Sub"(%b, %one) {T = f32} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    tf.Yield %s : tensor<4xf32>
  }) : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// A condition known at compile time: the taken branch is inlined, no tfl.if is left.
// CHECK-LABEL: func.func @constant_condition
// CHECK-NOT:     tfl.if
// CHECK:         %[[S:.*]] = "tfl.sub"(%x, %{{.*}})
// CHECK-NEXT:    func.return %[[S]]
func.func @constant_condition(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = tf.Const <bool [] [false]> : tensor<i1>
  %r = "tf.IfRegion"(%c, %x) ({
  ^bb0(%a: tensor<4xf32>):
    tf.Yield %a : tensor<4xf32>
  }, {
  ^bb0(%b: tensor<4xf32>):
    %one = tf.Const <float32 [] [1.0]> : tensor<f32>
    %s = "tf.Sub"(%b, %one) {T = f32} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    tf.Yield %s : tensor<4xf32>
  }) : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// tf.WhileRegion -> tfl.while, trimmed as TF's converter does: the loop counter (read by nothing but its own
// increment) and the unused maximum_iterations are dropped; the non-constant invariant `n` stays carried.
// CHECK-LABEL: func.func @loop
// CHECK:         = "tfl.while"(%zero, %y, %n) ({
// CHECK-NEXT:    ^{{.*}}(%[[I:.*]]: tensor<i32>, %{{.*}}: tensor<4xf32>, %[[N:.*]]: tensor<i32>):
// CHECK:           "tfl.less"(%[[I]], %[[N]])
// CHECK:         }, {
// CHECK:           "tfl.add"
// CHECK:           "tfl.mul"
// CHECK-NOT:       "tfl.add"
// CHECK:           tfl.yield
// CHECK:         }) {tflc.name = "while"}
func.func @loop(%y: tensor<4xf32>, %n: tensor<i32>) -> tensor<4xf32> {
  %zero = tf.Const <int32 [] [0]> : tensor<i32>
  %max = tf.Const <int32 [] [-1]> : tensor<i32>
  %r:5 = "tf.WhileRegion"(%zero, %max, %zero, %y, %n) ({
  ^bb0(%c0: tensor<i32>, %c1: tensor<i32>, %c2: tensor<i32>, %c3: tensor<4xf32>, %c4: tensor<i32>):
    %lt = "tf.Less"(%c2, %c4) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i1>
    tf.Yield %lt : tensor<i1>
  }, {
  ^bb0(%b0: tensor<i32>, %b1: tensor<i32>, %b2: tensor<i32>, %b3: tensor<4xf32>, %b4: tensor<i32>):
    %one = tf.Const <int32 [] [1]> : tensor<i32>
    %i = "tf.AddV2"(%b2, %one) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %half = tf.Const <float32 [] [0.5]> : tensor<f32>
    %m = "tf.Mul"(%b3, %half) {T = f32} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    %counter = "tf.AddV2"(%b0, %one) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i32>
    tf.Yield %counter, %b1, %i, %m, %b4 : tensor<i32>, tensor<i32>, tensor<i32>, tensor<4xf32>, tensor<i32>
  }) {tflc.name = "while"} : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<4xf32>, tensor<i32>) -> (tensor<i32>, tensor<i32>, tensor<i32>, tensor<4xf32>, tensor<i32>)
  func.return %r#3 : tensor<4xf32>
}

// A loop-invariant constant is not carried: cond and body use it as a constant of their own.
// CHECK-LABEL: func.func @invariant_constant
// CHECK:         %[[R:.*]] = "tfl.while"(%zero) ({
// CHECK-NEXT:    ^{{.*}}(%[[I:.*]]: tensor<i32>):
// CHECK-NEXT:      %[[L:.*]] = tfl.pseudo_const <int32 [] [10]>
// CHECK-NEXT:      "tfl.less"(%[[I]], %[[L]])
// CHECK:         func.return %[[R]]
func.func @invariant_constant() -> tensor<i32> {
  %zero = tf.Const <int32 [] [0]> : tensor<i32>
  %limit = tf.Const <int32 [] [10]> : tensor<i32>
  %r:2 = "tf.WhileRegion"(%zero, %limit) ({
  ^bb0(%c0: tensor<i32>, %c1: tensor<i32>):
    %lt = "tf.Less"(%c0, %c1) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i1>
    tf.Yield %lt : tensor<i1>
  }, {
  ^bb0(%b0: tensor<i32>, %b1: tensor<i32>):
    %one = tf.Const <int32 [] [1]> : tensor<i32>
    %i = "tf.AddV2"(%b0, %one) {T = i32} : (tensor<i32>, tensor<i32>) -> tensor<i32>
    tf.Yield %i, %b1 : tensor<i32>, tensor<i32>
  }) : (tensor<i32>, tensor<i32>) -> (tensor<i32>, tensor<i32>)
  func.return %r#0 : tensor<i32>
}
