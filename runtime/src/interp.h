/* Interpreter core: subgraph state, node preparation through the registry, memory plan, invoke. */
#ifndef TFLRT_INTERP_H
#define TFLRT_INTERP_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "tflrt.h"

/* Executes a Flex (select TF) node: reads its inputs, tfl_resize()s and fills its outputs. */
typedef TflStatus (*TflFlexFn)(TflContext *ctx, TflNode *node, void *user);

/* Creates an interpreter over buf (which must stay alive and unchanged while the interpreter exists). Returns NULL and
 * fills err on malformed input. max_arena (0 = unlimited) bounds the bytes any single tensor or arena may use. */
TflContext *tfl_create(const uint8_t *buf, size_t len, int num_threads, int preserve_all, size_t max_arena, char *err,
                       size_t errlen);
void tfl_destroy(TflContext *ctx);
const TflModel *tfl_get_model(const TflContext *ctx);
void tfl_set_flex(TflContext *ctx, TflFlexFn fn, void *user);
/* Sees every input of a subgraph as it starts and every output of a node once computed (calibration of IF/WHILE
 * regions, whose tensors hold only their last call's values afterwards); nonzero stops the invoke. NULL: none. */
typedef int (*TflObserveFn)(TflContext *ctx, int sg, int tensor, const TflTensor *t, void *user);
void tfl_set_observer(TflContext *ctx, TflObserveFn fn, void *user);
/* Bounds WHILE loops (0 = unbounded, the default). */
void tfl_set_max_loop_iterations(TflContext *ctx, int64_t n);
/* Float kernels use libm transcendentals, as LiteRT's reference kernels do (default 0: vector approximations). */
void tfl_set_exact_math(TflContext *ctx, int on);
/* Float GEMM/conv kernels may use FMA (within ~1e-5 relative of the exact default; applies to nodes prepared later). */
void tfl_set_fast_float(TflContext *ctx, int on);
/* Bounds the work of one invoke (estimated element operations, see node_work in interp.c; 0 = unbounded). The
 * default TFL_DEFAULT_MAX_WORK, or the environment variable TFLRT_MAX_WORK read by tfl_create, keeps a small hostile
 * file from running for minutes; ResNet50 (float32, 224x224) needs about 4e9. */
#define TFL_DEFAULT_MAX_WORK 1e11
void tfl_set_max_work(TflContext *ctx, double max_work);

/* All return 0 on success, -1 with tfl_last_error() set. */
int tfl_allocate(TflContext *ctx, int sg);
int tfl_invoke(TflContext *ctx, int sg);
int tfl_resize_input(TflContext *ctx, int sg, int tensor, int rank, const int32_t *dims);
int tfl_reset_variables(TflContext *ctx, int sg);
int tfl_is_allocated(const TflContext *ctx, int sg);
TflTensor *tfl_get_tensor(TflContext *ctx, int sg, int tensor); /* NULL if out of range */
size_t tfl_arena_bytes(const TflContext *ctx, int sg);
size_t tfl_persistent_bytes(const TflContext *ctx, int sg);
/* Sum of per-node scratch (tfl_node_scratch) in a subgraph; *shared gets the shared eval scratch size. */
size_t tfl_scratch_bytes(const TflContext *ctx, int sg, size_t *shared);
const char *tfl_last_error(const TflContext *ctx);
void tfl_set_error(TflContext *ctx, const char *msg);
int tfl_node_count(const TflContext *ctx, int sg);
const TflNode *tfl_get_node(const TflContext *ctx, int sg, int node);

/* Per-node profile (tfl_set_profile): sums over the invokes since profiling was turned on or last reset. Times are
 * wall-clock ns; at more than one thread, busy_ns[t] is the time thread t spent working for the node (thread 0: the
 * node's serial code plus its share of the tasks; workers: their tasks), so num_threads * wall_ns - sum(busy_ns) is
 * the time threads spent waiting (serial phases, load imbalance, hand-off). */
typedef struct {
  int64_t runs;      /* evaluations of the node */
  int64_t wall_ns;   /* the node's eval on the invoking thread */
  int64_t par_ns;    /* of wall_ns, inside split tfl_parallel_for calls */
  int64_t calls;     /* tfl_parallel_for calls split over threads */
  int64_t tasks;     /* tasks of those calls */
  int64_t start_ns;  /* sum over calls: publish -> the last thread's first task (hand-off / wake-up latency) */
  int64_t tail_ns;   /* sum over calls: thread 0 waiting for the other threads after its own tasks */
  int64_t woken;     /* calls that had to wake a parked worker */
  int64_t fused;     /* evaluations run inside the node before it (a residual ADD, tfl_take_fused_add) */
  int64_t *busy_ns;  /* [num_threads] */
} TflNodeProfile;
/* Turns profiling on (clears the sums) or off; one branch per node when off. */
int tfl_set_profile(TflContext *ctx, int on);
void tfl_reset_profile(TflContext *ctx);
/* NULL when profiling is off or indices are out of range. */
const TflNodeProfile *tfl_node_profile(const TflContext *ctx, int sg, int node);
/* Invokes of subgraph sg counted in the profile and their summed wall time (ns). */
int64_t tfl_profile_invokes(const TflContext *ctx, int sg, int64_t *wall_ns);
/* The record tfl_parallel_for adds to (the node being evaluated), NULL when profiling is off. */
TflNodeProfile *tfl_ctx_prof(TflContext *ctx);
int64_t tfl_now_ns(void);

/* parallel.c: the context's worker pool (created by tfl_parallel_for, freed by tfl_destroy). */
#define TFL_MAX_THREADS 64 /* num_threads above this is clamped */
typedef struct TflPool TflPool;
TflPool **tfl_ctx_pool(TflContext *ctx);
void tfl_pool_free(TflPool *pool); /* stops and joins the workers */
/* An invoke begins (on = 1: parked workers are woken and spin between jobs) or ends (0: they park soon). */
void tfl_pool_running(TflContext *ctx, int on);

/* kernels/resource.c: the interpreter's resource variables (VAR_HANDLE ids by name, values by id), shared by all its
 * subgraphs; created on first use, freed by tfl_destroy. */
typedef struct TflResources TflResources;
TflResources **tfl_ctx_resources(TflContext *ctx);
void tfl_resources_free(TflResources *r);

/* registry.c */
int tfl_registry_has_op(int32_t op);
int tfl_registry_has_node(const TflNode *node); /* a builtin kernel for its op, or a registered custom kernel */
/* Hands nodes with this custom code to the Flex/host handler (tfl_set_flex), like Flex nodes. Returns the number of
 * nodes routed. Call before allocation. */
/* Gives a tensor exactly these bytes in storage it owns (STRING tensors, whose size the shape does not give). */
TflStatus tfl_tensor_set_bytes(TflContext *ctx, TflTensor *t, const void *data, size_t len);
int tfl_route_custom_to_host(TflContext *ctx, const char *custom_code);
int tfl_registry_has_version(int32_t op, int32_t version);
void tfl_registry_describe_versions(int32_t op, char *buf, size_t len); /* e.g. "1-3" */
TflStatus tfl_registry_prepare(TflContext *ctx, TflNode *node, const TflKernel **chosen, int *matched);
/* Frees the node's user_data (before a new prepare). */
void tfl_node_reset(TflContext *ctx, TflNode *node);

#endif
