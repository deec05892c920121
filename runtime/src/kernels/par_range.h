/* Splitting elementwise float work over the context's threads (tfl_parallel_for) by output ranges: every element is
 * computed by the same code whichever task runs it, so outputs are identical for any thread count. */
#ifndef TFL_PAR_RANGE_H
#define TFL_PAR_RANGE_H

#include <stdint.h>

#include "tflrt.h"

/* Work (elements x cost) per task below which splitting does not pay. A split costs ~1 us while the workers spin
 * during an invoke (parallel.c), and a serial op after a split one also reads half its input from the other core's
 * cache; ~16K units are 2-4 us of work. */
#define TFL_MIN_RANGE_WORK (16 * 1024)
/* Task boundaries are multiples of this many elements, so vector bodies (8 or 16 lanes, 4-element packets) see the
 * same groups as a serial run. */
#define TFL_RANGE_ALIGN 64

typedef void (*TflRangeFn)(void *arg, int64_t begin, int64_t end);

typedef struct {
  TflRangeFn fn;
  void *arg;
  int64_t n, step;
} TflRangeJob;

static void tfl_range_task(void *a, int task, int thread) {
  const TflRangeJob *j = a;
  (void)thread;
  int64_t b = (int64_t)task * j->step, e = b + j->step < j->n ? b + j->step : j->n;
  if (b < e) j->fn(j->arg, b, e);
}

/* Runs fn over [0, n) in ranges; cost is the work per element (1 for an add, ~16 for a transcendental). align = 1
 * for row ranges (softmax rows), TFL_RANGE_ALIGN for elements. */
static inline void tfl_parallel_range(TflContext *ctx, int64_t n, double cost, int64_t align, TflRangeFn fn,
                                      void *arg) {
  int nt = tfl_num_threads(ctx);
  double work = (double)n * cost;
  int64_t want = 4 * (int64_t)nt;
  if (work / TFL_MIN_RANGE_WORK < want) want = (int64_t)(work / TFL_MIN_RANGE_WORK);
  if (want > nt) want -= want % nt; /* equal shares: 3 tasks on 2 threads leave one idle a third of the time */
  if (nt <= 1 || want < 2 || n < 2 * align) {
    if (n > 0) fn(arg, 0, n);
    return;
  }
  int64_t step = (n + want - 1) / want;
  step = (step + align - 1) / align * align;
  TflRangeJob j = {fn, arg, n, step};
  tfl_parallel_for(ctx, (int)((n + step - 1) / step), tfl_range_task, &j);
}

#endif
