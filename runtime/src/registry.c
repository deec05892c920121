/* Kernel registry: the families listed in TFL_KERNEL_FAMILIES (tflrt.h), searched in that order. */
#include <stddef.h>

#include "interp.h"
#include "tflrt.h"

#define TFL_FAMILY_PTR(f) tfl_kernels_##f,
static const TflKernel *const tfl_families[] = {TFL_KERNEL_FAMILIES(TFL_FAMILY_PTR) NULL};
#undef TFL_FAMILY_PTR

int tfl_registry_has_op(int32_t op) {
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++)
      if (k->op == op && k->prepare && k->eval) return 1;
  return 0;
}

/* Runs prepare on each matching entry until one accepts. Returns TFL_OK with *chosen set, TFL_ERROR (error already
 * reported by the kernel), or TFL_NOT_MINE when no entry accepted (*matched tells whether any entry had this op). */
TflStatus tfl_registry_prepare(TflContext *ctx, TflNode *node, const TflKernel **chosen, int *matched) {
  *chosen = NULL;
  *matched = 0;
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++) {
      if (k->op != node->op || !k->prepare || !k->eval) continue;
      *matched = 1;
      tfl_node_reset(ctx, node);
      TflStatus st = k->prepare(ctx, node);
      if (st == TFL_NOT_MINE) continue;
      if (st == TFL_OK) *chosen = k;
      return st;
    }
  return TFL_NOT_MINE;
}
