// Constants above 32 elements print elided (a digest), so dumps of real models stay small; such text only
// re-parses in the process that printed it. --print-constants prints them in full, so the output re-parses anywhere.
// RUN: tflc opt %s | filecheck %s --check-prefix=ELIDED
// RUN: tflc opt %s | not tflc opt 2>&1 | filecheck %s --check-prefix=REPARSE
// RUN: tflc opt %s --print-constants | tflc opt --print-constants | filecheck %s --check-prefix=FULL

// ELIDED: tf.Const <float32 [40] elided "{{[0-9a-f]+}}"> : tensor<40xf32>
// ELIDED: tf.Const <float32 [32] [0.0, 1.0, {{.*}}, 31.0]> : tensor<32xf32>
// REPARSE: was elided when printed and is not in memory
// FULL: tf.Const <float32 [40] [0.0, 1.0, 2.0, {{.*}}, 38.0, 39.0]> : tensor<40xf32>

func.func @big() -> (tensor<40xf32>, tensor<32xf32>) {
  %0 = tf.Const <float32 [40] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0]> : tensor<40xf32>
  %1 = tf.Const <float32 [32] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]> : tensor<32xf32>
  func.return %0, %1 : tensor<40xf32>, tensor<32xf32>
}
