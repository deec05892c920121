// RUN: xdsl-opt -p legalize-tf %s | filecheck %s

// BatchMatMulV3 int8 x int8 -> int32 (Tout = int32): BATCH_MATMUL on plain int8 tensors, as TF 2.21 writes it.
// CHECK-LABEL: func.func @int8_int32
// CHECK:       "tfl.batch_matmul"(%a, %b) <{adj_x = false, adj_y = true, asymmetric_quantize_inputs = false}> : (tensor<2x3x4xi8>, tensor<2x5x4xi8>) -> tensor<2x3x5xi32>
// CHECK-NOT:   tf.BatchMatMulV3
func.func @int8_int32(%a: tensor<2x3x4xi8>, %b: tensor<2x5x4xi8>) -> tensor<2x3x5xi32> {
  %y = "tf.BatchMatMulV3"(%a, %b) {Ta = i8, Tb = i8, Tout = i32, adj_x = false, adj_y = true} : (tensor<2x3x4xi8>, tensor<2x5x4xi8>) -> tensor<2x3x5xi32>
  func.return %y : tensor<2x3x5xi32>
}
