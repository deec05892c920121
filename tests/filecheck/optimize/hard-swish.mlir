// RUN: xdsl-opt -p optimize %s | filecheck %s

// Keras hard_silu: x * (relu6(x + 3) / 6).
// CHECK-LABEL: func.func @hswish_div
// CHECK:       %{{.*}} = "tfl.hard_swish"(%x)
// CHECK-NOT:   tfl.relu6
// CHECK-NOT:   tfl.div
func.func @hswish_div(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %three = tfl.pseudo_const <float32 [1] [3.0]> : tensor<1xf32>
  %six = tfl.pseudo_const <float32 [1] [6.0]> : tensor<1xf32>
  %a = "tfl.add"(%x, %three) : (tensor<1x4x4x8xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32>
  %r = "tfl.relu6"(%a) : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %d = "tfl.div"(%r, %six) : (tensor<1x4x4x8xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32>
  %y = "tfl.mul"(%x, %d) : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  func.return %y : tensor<1x4x4x8xf32>
}

// (x * relu6(3 + x)) * (1/6), the relu6 already fused into the add.
// CHECK-LABEL: func.func @hswish_mul_fused
// CHECK:       %{{.*}} = "tfl.hard_swish"(%x)
// CHECK-NOT:   tfl.add
func.func @hswish_mul_fused(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %three = tfl.pseudo_const <float32 [1] [3.0]> : tensor<1xf32>
  %sixth = tfl.pseudo_const <float32 [1] [0.16666667]> : tensor<1xf32>
  %a = "tfl.add"(%three, %x) <{fused_activation_function = "RELU6"}> : (tensor<1xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %m = "tfl.mul"(%x, %a) : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %y = "tfl.mul"(%m, %sixth) : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}

// Must not fire: gating another tensor with hard_sigmoid(x) (squeeze-excite) is not hard-swish.
// CHECK-LABEL: func.func @hsigmoid_gate
// CHECK-NOT:   tfl.hard_swish
// CHECK:       "tfl.mul"(%z
func.func @hsigmoid_gate(%x: tensor<1x8xf32>, %z: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %three = tfl.pseudo_const <float32 [1] [3.0]> : tensor<1xf32>
  %six = tfl.pseudo_const <float32 [1] [6.0]> : tensor<1xf32>
  %a = "tfl.add"(%x, %three) : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %r = "tfl.relu6"(%a) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %d = "tfl.div"(%r, %six) : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %y = "tfl.mul"(%z, %d) : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}

// Must not fire: the offset is 2, not 3.
// CHECK-LABEL: func.func @not_hswish
// CHECK-NOT:   tfl.hard_swish
func.func @not_hswish(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %two = tfl.pseudo_const <float32 [1] [2.0]> : tensor<1xf32>
  %six = tfl.pseudo_const <float32 [1] [6.0]> : tensor<1xf32>
  %a = "tfl.add"(%x, %two) : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %r = "tfl.relu6"(%a) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %d = "tfl.div"(%r, %six) : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf32>
  %y = "tfl.mul"(%x, %d) : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}
