/* Kernel registry: the families listed in TFL_KERNEL_FAMILIES (tflrt.h), searched in that order. Each entry serves one
 * builtin op for the OperatorCode versions [min_version, max_version] it implements, like LiteRT's
 * AddBuiltin(op, registration, min_version, max_version). */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "interp.h"
#include "tflrt.h"

#define TFL_FAMILY_PTR(f) tfl_kernels_##f,
static const TflKernel *const tfl_families[] = {TFL_KERNEL_FAMILIES(TFL_FAMILY_PTR) NULL};
#undef TFL_FAMILY_PTR

static int serves(const TflKernel *k, int32_t op) { return k->op == op && k->prepare && k->eval; }
static int covers(const TflKernel *k, int32_t version) { return version >= k->min_version && version <= k->max_version; }

/* ---- custom kernels registered at run time, by custom code (process-wide) ---- */
#define TFL_MAX_CUSTOM_OPS 256
#define TFL_MAX_CUSTOM_CODE 256
static struct {
  char code[TFL_MAX_CUSTOM_CODE];
  const TflKernel *kernel;
} custom_ops[TFL_MAX_CUSTOM_OPS];
static int ncustom_ops;
static pthread_mutex_t custom_mu = PTHREAD_MUTEX_INITIALIZER;

int tfl_register_custom_op(const char *custom_code, const TflKernel *kernel) {
  if (!custom_code || !custom_code[0] || strlen(custom_code) >= TFL_MAX_CUSTOM_CODE || !kernel || !kernel->prepare || !kernel->eval)
    return -1;
  int rc = -1;
  pthread_mutex_lock(&custom_mu);
  for (int i = 0; i < ncustom_ops; i++)
    if (strcmp(custom_ops[i].code, custom_code) == 0) {
      custom_ops[i].kernel = kernel;
      rc = 0;
    }
  if (rc && ncustom_ops < TFL_MAX_CUSTOM_OPS) {
    snprintf(custom_ops[ncustom_ops].code, TFL_MAX_CUSTOM_CODE, "%s", custom_code);
    custom_ops[ncustom_ops++].kernel = kernel;
    rc = 0;
  }
  pthread_mutex_unlock(&custom_mu);
  return rc;
}

const TflKernel *tfl_custom_kernel(const char *custom_code) {
  const TflKernel *k = NULL;
  if (!custom_code) return NULL;
  pthread_mutex_lock(&custom_mu);
  for (int i = 0; i < ncustom_ops && !k; i++)
    if (strcmp(custom_ops[i].code, custom_code) == 0) k = custom_ops[i].kernel;
  pthread_mutex_unlock(&custom_mu);
  return k;
}

const TflApi tfl_api = {TFL_API_VERSION, tfl_input, tfl_output, tfl_resize, tfl_error, tfl_num_elements, tfl_register_custom_op};

int tfl_registry_has_node(const TflNode *node) {
  if (node->custom_code) return tfl_custom_kernel(node->custom_code) != NULL;
  return tfl_registry_has_op(node->op);
}

int tfl_registry_has_op(int32_t op) {
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++)
      if (serves(k, op)) return 1;
  return 0;
}

int tfl_registry_has_version(int32_t op, int32_t version) {
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++)
      if (serves(k, op) && covers(k, version)) return 1;
  return 0;
}

/* Versions some entry of op implements, as "1-3" or "1-2, 4" (entries of one op usually share one range). */
void tfl_registry_describe_versions(int32_t op, char *buf, size_t len) {
  enum { MAX_VERSION = 64 };
  int supported[MAX_VERSION + 2] = {0};
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++)
      if (serves(k, op))
        for (int v = k->min_version < 1 ? 1 : k->min_version; v <= k->max_version && v <= MAX_VERSION; v++) supported[v] = 1;
  size_t o = 0;
  buf[0] = 0;
  for (int v = 1; v <= MAX_VERSION && o < len; v++) {
    if (!supported[v] || supported[v - 1]) continue;
    int end = v;
    while (supported[end + 1]) end++;
    int n = end == v ? snprintf(buf + o, len - o, "%s%d", o ? ", " : "", v)
                     : snprintf(buf + o, len - o, "%s%d-%d", o ? ", " : "", v, end);
    if (n < 0) break;
    o += (size_t)n;
  }
}

/* Runs prepare on each entry that serves the node's op and version until one accepts. Returns TFL_OK with *chosen set,
 * TFL_ERROR (error already reported by the kernel), or TFL_NOT_MINE when no entry accepted (*matched tells whether any
 * entry had this op and version). */
TflStatus tfl_registry_prepare(TflContext *ctx, TflNode *node, const TflKernel **chosen, int *matched) {
  *chosen = NULL;
  *matched = 0;
  if (node->custom_code) {
    const TflKernel *k = tfl_custom_kernel(node->custom_code);
    if (!k || !covers(k, node->version)) return TFL_NOT_MINE;
    *matched = 1;
    tfl_node_reset(ctx, node);
    TflStatus st = k->prepare(ctx, node);
    if (st == TFL_OK) *chosen = k;
    return st;
  }
  for (int f = 0; tfl_families[f]; f++)
    for (const TflKernel *k = tfl_families[f]; k->name; k++) {
      if (!serves(k, node->op) || !covers(k, node->version)) continue;
      *matched = 1;
      tfl_node_reset(ctx, node);
      TflStatus st = k->prepare(ctx, node);
      if (st == TFL_NOT_MINE) continue;
      if (st == TFL_OK) *chosen = k;
      return st;
    }
  return TFL_NOT_MINE;
}
