// RUN: xdsl-opt -p optimize %s | filecheck %s

// CHECK-LABEL: func.func @pool_relu
// CHECK:       "tfl.max_pool_2d"(%x) <{{.*}}fused_activation_function = "RELU"
// CHECK-NOT:   "tfl.relu"
func.func @pool_relu(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  %p = "tfl.max_pool_2d"(%x) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32}> : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %r = "tfl.relu"(%p) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %r : tensor<1x2x2x2xf32>
}

// Must not fire: LiteRT's float CONCATENATION kernel ignores fused_activation_function.
// CHECK-LABEL: func.func @concat_relu6
// CHECK:       "tfl.concatenation"(%a, %b) <{axis = 1 : i32, fused_activation_function = "NONE"}>
// CHECK:       "tfl.relu6"
func.func @concat_relu6(%a: tensor<1x2xf32>, %b: tensor<1x3xf32>) -> tensor<1x5xf32> {
  %c = "tfl.concatenation"(%a, %b) <{axis = 1 : i32}> : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  %r = "tfl.relu6"(%c) : (tensor<1x5xf32>) -> tensor<1x5xf32>
  func.return %r : tensor<1x5xf32>
}

// Must not fire: the average pool's result is also returned.
// CHECK-LABEL: func.func @avg_pool_two_uses
// CHECK:       "tfl.average_pool_2d"(%x) <{{.*}}fused_activation_function = "NONE"
// CHECK:       "tfl.relu"
func.func @avg_pool_two_uses(%x: tensor<1x4x4x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %p = "tfl.average_pool_2d"(%x) <{padding = "VALID", stride_w = 2 : i32, stride_h = 2 : i32, filter_width = 2 : i32, filter_height = 2 : i32}> : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %r = "tfl.relu"(%p) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %r, %p : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
