// tflc opt follows xdsl-opt's conventions: file or stdin ('-'), -p pipelines with options, named pipelines,
// generic printing, and one error line (no traceback) for a bad pipeline.
// RUN: tflc opt %s -p tf-cleanup | filecheck %s --check-prefix=CLEAN
// RUN: cat %s | tflc opt - -p tf-cleanup | filecheck %s --check-prefix=CLEAN
// RUN: cat %s | tflc opt -p tf-cleanup | filecheck %s --check-prefix=CLEAN
// RUN: tflc opt %s -p 'fold-constants{cse=false max-elements=16},tf-cleanup' | filecheck %s --check-prefix=CLEAN
// RUN: tflc opt %s -p tf-legalize-only | filecheck %s --check-prefix=NAMED
// RUN: tflc opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: not tflc opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=BADPASS
// RUN: not tflc opt %s -p 'tf-cleanup{bogus=1}' 2>&1 | filecheck %s --check-prefix=BADOPT
// RUN: not tflc opt %s.missing 2>&1 | filecheck %s --check-prefix=NOFILE

// CLEAN-LABEL: func.func @f
// CLEAN-NOT:   tf.Identity
// CLEAN:       %[[R:.*]] = "tf.Relu"(%x)
// CLEAN-NEXT:  func.return %[[R]]

// NAMED-LABEL: func.func @f
// NAMED:       "tfl.relu"(%x)
// NAMED-NOT:   "tf.

// GENERIC: "func.func"() <{sym_name = "f", function_type = (tensor<2xf32>) -> tensor<2xf32>}> ({
// GENERIC: "tf.Identity"(%{{.*}}) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>

// BADPASS: tflc opt: error: Unrecognized passes: ['no-such-pass']
// BADPASS-NOT: Traceback
// BADOPT: tflc opt: error: {{.*}}bogus
// BADOPT-NOT: Traceback
// NOFILE: tflc opt: error: {{.*}}No such file or directory
// NOFILE-NOT: Traceback

func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r = "tf.Relu"(%x) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>
  %i = "tf.Identity"(%r) {T = f32} : (tensor<2xf32>) -> tensor<2xf32>
  func.return %i : tensor<2xf32>
}
