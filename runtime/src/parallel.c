/* tfl_parallel_for: task-parallel loops for kernels (see tflrt.h). Serial for now: every task runs on the caller. */
#include "tflrt.h"

void tfl_parallel_for(TflContext *ctx, int ntasks, TflTaskFn fn, void *arg) {
  (void)ctx;
  for (int t = 0; t < ntasks; t++) fn(arg, t, 0);
}
