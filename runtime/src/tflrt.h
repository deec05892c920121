/* tflrt: the C reference interpreter's kernel ABI.
 *
 * The interpreter (interp.c) owns tensors, the memory plan and the node list; the FlatBuffer reader (reader.c)
 * validates the file; kernels (kernels/<family>_<type>.c) only see the structs below. A kernel family registers a
 * NULL-terminated array of TflKernel entries; registry.c lists the families. Each entry serves one builtin op for a
 * range of OperatorCode versions (as LiteRT's AddBuiltin(op, reg, min_version, max_version)); a node whose version no
 * entry covers is refused when the model is loaded. Several entries may serve one builtin op (float, int8,
 * hybrid...): prepare() returns TFL_NOT_MINE when the operand types are not its own and the registry tries the next
 * entry.
 */
#ifndef TFLRT_H
#define TFLRT_H

#include <stddef.h>
#include <stdint.h>

#include "schema_gen.h" /* op codes, tensor types, schema enums, typed options readers */

#define TFL_MAX_RANK 8

typedef enum { TFL_OK = 0, TFL_ERROR = 1, TFL_NOT_MINE = 2 } TflStatus;

typedef enum { TFL_ALLOC_NONE = 0, TFL_ALLOC_CONST, TFL_ALLOC_ARENA, TFL_ALLOC_DYNAMIC, TFL_ALLOC_PERSISTENT } TflAlloc;

typedef struct {
  int32_t type; /* TflType */
  int32_t rank;
  int32_t dims[TFL_MAX_RANK];
  void *data;   /* NULL until allocated; read-only when alloc == TFL_ALLOC_CONST */
  size_t bytes; /* rank product * element size */
  int32_t alloc;
  int32_t is_variable;
  /* Quantization: nq == 0 means none; nq > 1 is per-axis along qdim. */
  int32_t nq;
  const float *scales;
  const int64_t *zero_points;
  int32_t qdim;
  const char *name;
} TflTensor;

typedef struct TflContext TflContext;
typedef struct TflNode TflNode;

struct TflNode {
  int32_t op;      /* BuiltinOperator code (max of builtin_code and deprecated_builtin_code) */
  int32_t version; /* OperatorCode.version */
  const char *custom_code; /* NULL for builtins */
  int32_t ninputs;
  const int32_t *inputs; /* tensor indices; -1 = omitted optional input */
  int32_t noutputs;
  const int32_t *outputs;
  int32_t nintermediates;
  const int32_t *intermediates;
  /* Builtin options table (already validated as a table inside the file), or NULL when absent. */
  const uint8_t *options;
  int32_t options_type; /* BuiltinOptions union type id */
  const uint8_t *custom_options;
  size_t custom_options_len;
  void *user_data;               /* set by prepare; freed with free_user_data */
  void (*free_user_data)(void *);
  int32_t index; /* position in the subgraph's operator list */
  int32_t subgraph;
  /* The whole model file (for bounds checks in tfl_opt_*); set by the interpreter. */
  const uint8_t *file;
  size_t file_len;
};

typedef struct {
  int32_t op;
  const char *name;
  /* OperatorCode versions this entry implements: every feature LiteRT's op versioning adds up to max_version is
   * either computed or refused by prepare (by operand type or option value), never silently run with other semantics. */
  int32_t min_version, max_version;
  /* Check operand types, compute output shapes (tfl_resize), precompute parameters into node->user_data. */
  TflStatus (*prepare)(TflContext *ctx, TflNode *node);
  TflStatus (*eval)(TflContext *ctx, TflNode *node);
} TflKernel;

/* ---- provided by the interpreter ---- */
TflTensor *tfl_tensor(TflContext *ctx, const TflNode *node, int32_t tensor_index); /* NULL if index == -1 */
TflTensor *tfl_input(TflContext *ctx, const TflNode *node, int i);                  /* NULL if omitted/out of range */
TflTensor *tfl_output(TflContext *ctx, const TflNode *node, int i);
TflStatus tfl_resize(TflContext *ctx, TflTensor *t, int32_t rank, const int32_t *dims);
TflStatus tfl_error(TflContext *ctx, const char *fmt, ...);
/* Scratch memory owned by the node, valid from prepare until the next prepare or interpreter destruction. */
void *tfl_node_scratch(TflContext *ctx, TflNode *node, size_t bytes);
/* Temporary memory shared by all nodes, 64-byte aligned, valid only during the current eval() call (contents are not
 * preserved between calls). Prefer this over tfl_node_scratch for im2col/packing buffers rebuilt on every eval. */
void *tfl_eval_scratch(TflContext *ctx, size_t bytes);
/* A residual ADD run inside the node before it. The interpreter offers it (see fused_adds in interp.c) when a float
 * ADD right after this node is the only reader of the node's float output and adds a tensor of the same shape. A
 * kernel that takes the offer in eval writes fa->out instead of its own output: its result, then in the same task
 * tfl_fused_add_run on each finished block, which adds fa->r with the ADD kernel's operations (the sum rounded to
 * float in the ADD's operand order, then v < lo ? lo : v, v > hi ? hi : v), so the bytes are the two nodes' bytes.
 * The ADD then does not run; a kernel that does not ask runs unchanged and the ADD runs after it. */
typedef struct {
  const float *r; /* the other addend, laid out as the output */
  float *out;     /* the ADD's output */
  float lo, hi;   /* the ADD's activation range */
  int r_first;    /* r is the ADD's first operand */
} TflFusedAdd;
int tfl_take_fused_add(TflContext *ctx, TflNode *node, TflFusedAdd *fa); /* 1 with *fa filled, 0 when none */
/* out[off + i] = clamp(out[off + i] + r[off + i]) for i in [0, n), the operands in the ADD's order. */
void tfl_fused_add_run(const TflFusedAdd *fa, int64_t off, int64_t n);
/* Output tensors whose shape depends on input *values* (not known at prepare): prepare sets out->alloc =
 * TFL_ALLOC_DYNAMIC, and eval calls tfl_resize(ctx, out, ...) before writing; the interpreter then (re)allocates it.
 * Nodes consuming a dynamic tensor are prepared again right before their eval. tfl_resize during eval may move
 * t->data, so re-read it after resizing. */
int tfl_num_threads(const TflContext *ctx);
/* Nonzero when float kernels must use libm's expf instead of the vector approximation (~2 ulp), so SOFTMAX and
 * LOGISTIC equal LiteRT's reference kernels bit for bit (calibration needs LiteRT's exact ranges). */
int tfl_exact_math(const TflContext *ctx);
/* Runs fn(arg, task, thread) for every task in [0, ntasks) on the context's worker threads (num_threads, the caller
 * included) and returns when all are done. thread is in [0, tfl_num_threads(ctx)): index per-thread scratch with it
 * (e.g. tfl_eval_scratch(ctx, per_thread * tfl_num_threads(ctx))). Tasks must write disjoint memory and each task's
 * result must not depend on which thread runs it, so outputs are identical for any thread count. Kernels should
 * make tasks coarse (>= ~50 us of work) and call this at most a few times per eval. Not reentrant: fn must not call
 * tfl_parallel_for. */
typedef void (*TflTaskFn)(void *arg, int task, int thread);
void tfl_parallel_for(TflContext *ctx, int ntasks, TflTaskFn fn, void *arg);
/* TFL_ERROR (with the message set) when evaluating node now would exceed the interpreter's work bound; constant
 * folding at prepare asks before it runs eval. */
TflStatus tfl_check_fold_work(TflContext *ctx, TflNode *node);

/* ---- options: kernels read their op's table through the typed readers of schema_gen.h, e.g.
 * `const TflConv2DOptions o = tfl_Conv2DOptions(node);` -- every field bounds-checked by reader.c, absent fields at
 * their schema default; vectors by field id (tfl_opt_int_vec(node, TFL_ReshapeOptions_new_shape, ...)). ---- */
/* String fields by field id (e.g. TFL_VarHandleOptions_shared_name): 1 with *s (not NUL-terminated) and *len when
 * present, 0 when absent, -1 when the string leaves the file (a malformed model). */
int tfl_opt_string(const TflNode *node, int field, const char **s, size_t *len);

/* ---- small helpers shared by kernels (util.c) ---- */
const char *tfl_op_name(int32_t op); /* schema name of a builtin op code, NULL when unknown */
const char *tfl_type_name(int32_t type);
size_t tfl_type_size(int32_t type);
int64_t tfl_num_elements(const TflTensor *t);
int tfl_same_shape(const TflTensor *a, const TflTensor *b);
void tfl_activation_range_f32(int32_t act, float *lo, float *hi);
/* fused_activation_function of ADD, SUB, MUL and DIV (TFL_ACT_NONE for any other op). */
int32_t tfl_arith_activation(const TflNode *node);
/* Window geometry (conv, pool, transpose conv) whose index arithmetic fits int32: the farthest tap
 * (out - 1) * stride + (filter - 1) * dilation, and the padding, are at most INT32_MAX. Larger strides or dilations
 * from a hostile file would overflow the kernels' int index math (LiteRT's too), so prepare refuses them. */
static inline int tfl_window_fits(int64_t out, int64_t filter, int64_t stride, int64_t dilation) {
  if (out < 1) out = 1;
  if (filter < 1) filter = 1;
  return stride >= 0 && dilation >= 0 && (out - 1) * stride + (filter - 1) * dilation < (int64_t)INT32_MAX;
}

/* ---- custom operators (OperatorCode CUSTOM with a custom_code other than "Flex...") ----
 * A kernel built outside the runtime registers itself by custom code, as with LiteRT's custom_op_registerers: a C
 * extension gets this table from the capsule `runtime._tflrt._C_API` (PyCapsule_Import("runtime._tflrt._C_API", 0);
 * or ctypes) and calls register_custom_op(code, &kernel) before the model is loaded. The kernel's `op` field is
 * ignored; [min_version, max_version] bound the OperatorCode versions it runs; `name` appears in messages. The table
 * carries the interpreter functions a kernel needs, so the kernel's library links against nothing of the runtime. */
#define TFL_API_VERSION 1
typedef struct {
  int32_t api_version; /* TFL_API_VERSION */
  TflTensor *(*input)(TflContext *ctx, const TflNode *node, int i);
  TflTensor *(*output)(TflContext *ctx, const TflNode *node, int i);
  TflStatus (*resize)(TflContext *ctx, TflTensor *t, int32_t rank, const int32_t *dims);
  TflStatus (*error)(TflContext *ctx, const char *fmt, ...);
  int64_t (*num_elements)(const TflTensor *t);
  /* Returns 0, or -1 when the code is empty/too long, the kernel lacks prepare/eval, or the table is full. The kernel
   * struct must outlive every interpreter using it; registering a code again replaces the kernel for new models. */
  int (*register_custom_op)(const char *custom_code, const TflKernel *kernel);
} TflApi;
int tfl_register_custom_op(const char *custom_code, const TflKernel *kernel);
const TflKernel *tfl_custom_kernel(const char *custom_code); /* NULL when none is registered */
extern const TflApi tfl_api;

/* Kernel families; each kernels/<family>.c defines one of these arrays (NULL-name-terminated). */
#define TFL_KERNEL_FAMILIES(X) \
  X(conv_f32)                  \
  X(pool_f32)                  \
  X(fc_f32)                    \
  X(elementwise_f32)           \
  X(activation_f32)            \
  X(reduce_f32)                \
  X(reshape)                   \
  X(strided_view)              \
  X(concat_split)              \
  X(pad)                       \
  X(gather)                    \
  X(tile)                      \
  X(cast)                      \
  X(generate)                  \
  X(select)                    \
  X(lstm_f32)                  \
  X(lstm_q)                    \
  X(rnn_f32)                   \
  X(conv_q)                    \
  X(fc_q)                      \
  X(elementwise_q)             \
  X(activation_q)              \
  X(misc_q)                    \
  X(quantize)                  \
  X(hybrid)                    \
  X(topk)                      \
  X(space_batch)               \
  X(scatter)                   \
  X(conv3d_f32)                \
  X(segment)                   \
  X(matrix_diag)               \
  X(bitwise)                   \
  X(shape_query)               \
  X(index_ops)                 \
  X(sequence)                  \
  X(lrn_f32)                   \
  X(random)                    \
  X(complex)                   \
  X(resource)                  \
  X(nms)

#define TFL_DECLARE_FAMILY(f) extern const TflKernel tfl_kernels_##f[];
TFL_KERNEL_FAMILIES(TFL_DECLARE_FAMILY)
#undef TFL_DECLARE_FAMILY

/* host_rsqrt.c: the CPU's RSQRTPS estimates (the compiler folds Rsqrt as TF's kernel does); -1 off x86. */
int tfl_rsqrt_estimate(const float *x, float *y, size_t n);

#endif
