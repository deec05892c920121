// RUN: not python -m compiler.frontends.jax_stablehlo %s 2>&1 | filecheck %s

// Every op without a translation is listed in one error, with its JAX name stack and source location, also ops in
// called functions (located at the call).
// CHECK:      error: 3 StableHLO op(s) of 2 kind(s) have no translation in tflc's JAX frontend:
// CHECK-NEXT:   stablehlo.cbrt x2: jit(f)/cbrt at model.py:7; jit(f)/cbrt at model.py:9
// CHECK-NEXT:   stablehlo.popcnt x1: popcnt at model.py:12
func.func public @main(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = stablehlo.cbrt %x : tensor<4xf32> loc(#cbrt1)
  %1 = stablehlo.cbrt %0 : tensor<4xf32> loc(#cbrt2)
  %2 = call @count(%i) : (tensor<4xi32>) -> tensor<4xi32> loc(#call)
  return %1, %2 : tensor<4xf32>, tensor<4xi32>
}
func.func private @count(%i: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.popcnt %i : tensor<4xi32> loc("popcnt")
  return %0 : tensor<4xi32>
}
#cbrt1 = loc("jit(f)/cbrt"("model.py":7:4))
#cbrt2 = loc("jit(f)/cbrt"("model.py":9:4))
#call = loc("jit(f)/count"("model.py":12:2))
