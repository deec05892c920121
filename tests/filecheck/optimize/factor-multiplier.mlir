// RUN: xdsl-opt -p optimize %s | filecheck %s

// LayerNorm tail: x * inv + neg(mean) * inv -> (x - mean) * inv.
// CHECK-LABEL: func.func @layernorm_tail
// CHECK:       %[[D:.*]] = "tfl.sub"(%x, %mean)
// CHECK-NEXT:  "tfl.mul"(%[[D]], %inv)
// CHECK-NOT:   tfl.neg
func.func @layernorm_tail(%x: tensor<1x4x8xf32>, %mean: tensor<1x4x1xf32>, %inv: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %n = "tfl.neg"(%mean) : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %a = "tfl.mul"(%n, %inv) : (tensor<1x4x1xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %b = "tfl.mul"(%x, %inv) : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %y = "tfl.add"(%b, %a) : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  func.return %y : tensor<1x4x8xf32>
}

// Must not fire: one product is also used elsewhere (factoring would not save an op).
// CHECK-LABEL: func.func @shared_product
// CHECK:       "tfl.mul"(%x, %c)
// CHECK:       "tfl.mul"(%z, %c)
// CHECK:       "tfl.add"
func.func @shared_product(%x: tensor<8xf32>, %z: tensor<8xf32>, %c: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %a = "tfl.mul"(%x, %c) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = "tfl.mul"(%z, %c) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = "tfl.add"(%a, %b) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  func.return %y, %a : tensor<8xf32>, tensor<8xf32>
}
