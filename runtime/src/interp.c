/* Interpreter core: tensors, node preparation, memory plan, invoke. */
#include "interp.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TFL_ALIGN 64

enum { PHASE_IDLE = 0, PHASE_PREPARE = 1, PHASE_EVAL = 2 };

typedef struct {
  TflTensor t; /* first member: kernels get &Tens.t */
  const TflTensorDesc *d;
  void *owned; /* malloc'd storage: dynamic/persistent tensors, realigned constants */
  size_t owned_cap;
  size_t planned; /* bytes reserved in the arena */
  size_t off;
  int first, last;
  uint64_t changed_at;
  int is_sg_input, is_sg_output;
  int producer; /* node writing this tensor, -1 if none */
} Tens;

typedef struct {
  TflNode n; /* first member */
  const TflKernel *k;
  int flex;
  int control; /* TFL_OP_IF / TFL_OP_WHILE handled by the interpreter itself, else 0 */
  int deferred;
  uint64_t prepared_at;
  void *scratch;
  size_t scratch_cap;
  int fuse_add;   /* index of the residual ADD this node may run inside (fused_adds), -1 when none */
  int fuse_live;  /* this eval offers it (tfl_take_fused_add) */
  int fuse_taken; /* the kernel took it: the ADD does not run */
} Node;

typedef struct {
  Tens *t;
  int nt;
  Node *nodes;
  int nn;
  uint8_t *arena;
  size_t arena_cap;
  size_t arena_bytes;
  size_t persistent_bytes;
  int allocated;
  int active; /* currently executing (re-entrance guard) */
  TflNodeProfile *prof; /* [nn] while profiling (tfl_set_profile) */
  int64_t *prof_busy;   /* [nn * num_threads]: the records' busy_ns */
  int64_t prof_invokes, prof_ns;
} Sub;

struct TflContext {
  TflModel m;
  Sub *subs;
  int nsubs;
  int num_threads;
  int preserve_all;
  size_t max_bytes;
  int phase;
  uint64_t epoch;
  char err[2048];
  void *scratch;
  size_t scratch_cap;
  TflFlexFn flex;
  void *flex_user;
  TflObserveFn observe; /* tfl_set_observer */
  void *observe_user;
  int depth;            /* nested subgraph calls (IF/WHILE) */
  int64_t max_loop;     /* WHILE iteration bound, 0 = unbounded */
  int exact_math;       /* libm expf in float kernels (tfl_exact_math) */
  int fast_float;       /* FMA float kernels (tfl_fast_float, experimental_fast_float) */
  double max_work;      /* work bound of one invoke (see node_work), 0 = unbounded */
  double work;          /* work of the current top-level invoke so far */
  TflPool *pool;        /* worker threads, created by the first multi-threaded tfl_parallel_for */
  TflResources *resources; /* resource variables (kernels/resource.c) */
  uint8_t *called_once;    /* per subgraph: CALL_ONCE has run it in this interpreter's life */
  int profile;             /* tfl_set_profile */
  TflNodeProfile *prof_cur; /* the record of the node being evaluated (profiling), else NULL */
};

#define TFL_MAX_CALL_DEPTH 32

static void *amalloc(size_t bytes) {
  size_t n = (bytes + TFL_ALIGN - 1) / TFL_ALIGN * TFL_ALIGN;
  if (n == 0) n = TFL_ALIGN;
  if (n < bytes) return NULL;
  void *p = aligned_alloc(TFL_ALIGN, n);
  if (p) memset(p, 0, n);
  return p;
}

static int set_err(TflContext *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
  va_end(ap);
  return -1;
}

TflStatus tfl_error(TflContext *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
  va_end(ap);
  return TFL_ERROR;
}

void tfl_set_error(TflContext *ctx, const char *msg) { snprintf(ctx->err, sizeof ctx->err, "%s", msg); }
const char *tfl_last_error(const TflContext *ctx) { return ctx->err; }
const TflModel *tfl_get_model(const TflContext *ctx) { return &ctx->m; }
int tfl_num_threads(const TflContext *ctx) { return ctx->num_threads; }
int tfl_exact_math(const TflContext *ctx) { return ctx->exact_math; }
int tfl_fast_float(const TflContext *ctx) { return ctx->fast_float; }
TflPool **tfl_ctx_pool(TflContext *ctx) { return &ctx->pool; }
TflNodeProfile *tfl_ctx_prof(TflContext *ctx) { return ctx->prof_cur; }
TflResources **tfl_ctx_resources(TflContext *ctx) { return &ctx->resources; }
void tfl_set_flex(TflContext *ctx, TflFlexFn fn, void *user) {
  ctx->flex = fn;
  ctx->flex_user = user;
}
void tfl_set_observer(TflContext *ctx, TflObserveFn fn, void *user) {
  ctx->observe = fn;
  ctx->observe_user = user;
}

static int sg_ok(const TflContext *ctx, int sg) { return sg >= 0 && sg < ctx->nsubs; }

TflTensor *tfl_tensor(TflContext *ctx, const TflNode *node, int32_t idx) {
  if (!node || !sg_ok(ctx, node->subgraph)) return NULL;
  Sub *s = &ctx->subs[node->subgraph];
  if (idx < 0 || idx >= s->nt) return NULL;
  return &s->t[idx].t;
}

TflTensor *tfl_input(TflContext *ctx, const TflNode *node, int i) {
  if (!node || i < 0 || i >= node->ninputs) return NULL;
  return tfl_tensor(ctx, node, node->inputs[i]);
}

TflTensor *tfl_output(TflContext *ctx, const TflNode *node, int i) {
  if (!node || i < 0 || i >= node->noutputs) return NULL;
  return tfl_tensor(ctx, node, node->outputs[i]);
}

TflTensor *tfl_get_tensor(TflContext *ctx, int sg, int tensor) {
  if (!sg_ok(ctx, sg) || tensor < 0 || tensor >= ctx->subs[sg].nt) return NULL;
  return &ctx->subs[sg].t[tensor].t;
}

int tfl_node_count(const TflContext *ctx, int sg) { return sg_ok(ctx, sg) ? ctx->subs[sg].nn : 0; }
const TflNode *tfl_get_node(const TflContext *ctx, int sg, int node) {
  if (!sg_ok(ctx, sg) || node < 0 || node >= ctx->subs[sg].nn) return NULL;
  return &ctx->subs[sg].nodes[node].n;
}
size_t tfl_arena_bytes(const TflContext *ctx, int sg) { return sg_ok(ctx, sg) ? ctx->subs[sg].arena_bytes : 0; }
size_t tfl_persistent_bytes(const TflContext *ctx, int sg) { return sg_ok(ctx, sg) ? ctx->subs[sg].persistent_bytes : 0; }
size_t tfl_scratch_bytes(const TflContext *ctx, int sg, size_t *shared) {
  size_t n = 0;
  if (sg_ok(ctx, sg))
    for (int j = 0; j < ctx->subs[sg].nn; j++) n += ctx->subs[sg].nodes[j].scratch_cap;
  if (shared) *shared = ctx->scratch_cap;
  return n;
}
int tfl_is_allocated(const TflContext *ctx, int sg) { return sg_ok(ctx, sg) && ctx->subs[sg].allocated; }

/* Byte size of a shape, or SIZE_MAX on overflow / over the limit. */
static size_t shape_bytes(const TflContext *ctx, int32_t type, int rank, const int32_t *dims) {
  uint64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0) return SIZE_MAX;
    n *= (uint64_t)dims[i];
    if (n > ((uint64_t)1 << 48)) return SIZE_MAX;
  }
  uint64_t b;
  if (type == TFL_INT4 || type == TFL_UINT4) b = (n + 1) / 2; /* packed; kernels unpack */
  else b = n * tfl_type_size(type);
  if (ctx->max_bytes && b > ctx->max_bytes) return SIZE_MAX;
  return (size_t)b;
}

static const char *tname(const Tens *t, char *buf, size_t n, int idx) {
  if (t->t.name && t->t.name[0]) return t->t.name;
  snprintf(buf, n, "#%d", idx);
  return buf;
}

/* Returns *buf when it holds at least bytes, else replaces it (contents not kept) with a zeroed aligned block. */
static void *grow_buffer(void **buf, size_t *cap, size_t bytes) {
  if (*buf && *cap >= bytes) return *buf;
  void *p = amalloc(bytes);
  if (!p) return NULL;
  free(*buf);
  *buf = p;
  *cap = bytes;
  return p;
}

static int ensure_owned(Tens *t, size_t bytes) { return grow_buffer(&t->owned, &t->owned_cap, bytes) ? 0 : -1; }

TflStatus tfl_resize(TflContext *ctx, TflTensor *tt, int32_t rank, const int32_t *dims) {
  if (!tt) return tfl_error(ctx, "tfl_resize on an omitted tensor");
  Tens *t = (Tens *)tt;
  if (rank < 0 || rank > TFL_MAX_RANK) return tfl_error(ctx, "cannot resize tensor '%s' to rank %d (max %d)", tt->name ? tt->name : "", rank, TFL_MAX_RANK);
  size_t bytes = shape_bytes(ctx, tt->type, rank, dims);
  if (bytes == SIZE_MAX) {
    char b[512];
    int o = 0;
    for (int i = 0; i < rank && o < 400; i++) o += snprintf(b + o, sizeof b - o, i ? ",%d" : "%d", dims[i]);
    b[o] = 0;
    return tfl_error(ctx, "cannot resize tensor '%s' to shape [%s]: invalid or too large", tt->name ? tt->name : "", b);
  }
  int same = rank == tt->rank;
  for (int i = 0; same && i < rank; i++) same = dims[i] == tt->dims[i];
  if (same && (tt->data || ctx->phase != PHASE_EVAL || tt->alloc != TFL_ALLOC_DYNAMIC)) return TFL_OK;
  if (tt->alloc == TFL_ALLOC_CONST) return same ? TFL_OK : tfl_error(ctx, "cannot resize constant tensor '%s'", tt->name ? tt->name : "");
  if (t->is_sg_input && ctx->phase == PHASE_EVAL && !same)
    return tfl_error(ctx, "cannot resize subgraph input tensor '%s' during invoke", tt->name ? tt->name : "");
  tt->rank = rank;
  for (int i = 0; i < rank; i++) tt->dims[i] = dims[i];
  tt->bytes = bytes;
  if (!same) t->changed_at = ++ctx->epoch;
  if (ctx->phase == PHASE_EVAL) {
    if (tt->alloc == TFL_ALLOC_ARENA && tt->data && bytes <= t->planned) return TFL_OK;
    if (tt->alloc == TFL_ALLOC_ARENA) tt->alloc = TFL_ALLOC_DYNAMIC;
    if (ensure_owned(t, bytes)) return tfl_error(ctx, "out of memory resizing tensor '%s' (%zu bytes)", tt->name ? tt->name : "", bytes);
    tt->data = t->owned;
  } else if (tt->alloc == TFL_ALLOC_PERSISTENT) {
    if (ensure_owned(t, bytes)) return tfl_error(ctx, "out of memory resizing tensor '%s'", tt->name ? tt->name : "");
    tt->data = t->owned;
  }
  return TFL_OK;
}

TflStatus tfl_tensor_set_bytes(TflContext *ctx, TflTensor *tt, const void *data, size_t len) {
  Tens *t = (Tens *)tt;
  if (tt->alloc == TFL_ALLOC_CONST) return tfl_error(ctx, "cannot write constant tensor '%s'", tt->name ? tt->name : "");
  if (ctx->max_bytes && len > ctx->max_bytes) return tfl_error(ctx, "tensor '%s': %zu bytes is over the limit", tt->name ? tt->name : "", len);
  if (ensure_owned(t, len ? len : 1)) return tfl_error(ctx, "out of memory for tensor '%s' (%zu bytes)", tt->name ? tt->name : "", len);
  if (tt->alloc != TFL_ALLOC_PERSISTENT) tt->alloc = TFL_ALLOC_DYNAMIC;
  tt->data = t->owned;
  if (len) memcpy(tt->data, data, len);
  tt->bytes = len;
  t->changed_at = ++ctx->epoch;
  return TFL_OK;
}

void *tfl_node_scratch(TflContext *ctx, TflNode *node, size_t bytes) {
  Node *n = (Node *)node;
  if (ctx->max_bytes && bytes > ctx->max_bytes) return NULL;
  return grow_buffer(&n->scratch, &n->scratch_cap, bytes);
}

void *tfl_eval_scratch(TflContext *ctx, size_t bytes) {
  if (ctx->max_bytes && bytes > ctx->max_bytes) return NULL;
  return grow_buffer(&ctx->scratch, &ctx->scratch_cap, bytes);
}

void tfl_node_reset(TflContext *ctx, TflNode *node) {
  (void)ctx;
  if (node->user_data && node->free_user_data) node->free_user_data(node->user_data);
  node->user_data = NULL;
  node->free_user_data = NULL;
}

/* ---- creation ---- */

/* IF, WHILE and CALL_ONCE run in the interpreter itself, which implements their version 1 (as LiteRT registers them). */
#define TFL_CONTROL_MAX_VERSION 1

/* Refuses a builtin node whose OperatorCode version no registered kernel implements (a newer version may change the
 * op's semantics). Ops with no kernel at all are reported by allocate_tensors, naming their input types. */
static int check_version(TflContext *ctx, const Node *n) {
  const TflNode *node = &n->n;
  if (node->custom_code) return 0;
  char supported[128];
  if (n->control) {
    if (node->version >= 1 && node->version <= TFL_CONTROL_MAX_VERSION) return 0;
    snprintf(supported, sizeof supported, "1");
  } else {
    if (!tfl_registry_has_op(node->op) || tfl_registry_has_version(node->op, node->version)) return 0;
    tfl_registry_describe_versions(node->op, supported, sizeof supported);
  }
  const char *name = tfl_op_name(node->op);
  return set_err(ctx, "unsupported operator version: %s version %d (subgraph %d, node %d): this runtime implements %s versions %s",
                 name, node->version, node->subgraph, node->index, name, supported);
}

static int init_sub(TflContext *ctx, int si) {
  const TflSubgraphDesc *g = &ctx->m.subgraphs[si];
  Sub *s = &ctx->subs[si];
  s->nt = g->ntensors;
  s->nn = g->nops;
  s->t = calloc(s->nt ? (size_t)s->nt : 1, sizeof(Tens));
  s->nodes = calloc(s->nn ? (size_t)s->nn : 1, sizeof(Node));
  if (!s->t || !s->nodes) return set_err(ctx, "out of memory");
  for (int i = 0; i < s->nt; i++) {
    const TflTensorDesc *d = &g->tensors[i];
    Tens *t = &s->t[i];
    t->d = d;
    t->t.type = d->type;
    t->t.rank = d->rank;
    memcpy(t->t.dims, d->dims, sizeof d->dims);
    t->t.name = d->name;
    t->t.nq = d->nq;
    t->t.scales = d->scales;
    t->t.zero_points = d->zero_points;
    t->t.qdim = d->qdim;
    t->t.is_variable = d->is_variable;
    t->producer = -1;
    if (d->data && !d->is_variable) {
      t->t.alloc = TFL_ALLOC_CONST;
      t->t.bytes = d->data_len;
      size_t es = tfl_type_size(d->type);
      size_t al = es >= 16 ? 16 : (es ? es : 1);
      if (((uintptr_t)d->data % al) != 0) {
        /* constant not aligned to its element size (hostile or odd file): keep an aligned copy */
        if (ensure_owned(t, d->data_len)) return set_err(ctx, "out of memory copying constant '%s'", d->name ? d->name : "");
        memcpy(t->owned, d->data, d->data_len);
        t->t.data = t->owned;
      } else {
        t->t.data = (void *)d->data; /* read-only view into the model bytes */
      }
    } else if (d->is_variable) {
      t->t.alloc = TFL_ALLOC_PERSISTENT;
    } else {
      t->t.alloc = TFL_ALLOC_NONE;
    }
  }
  for (int i = 0; i < g->ninputs; i++) s->t[g->inputs[i]].is_sg_input = 1;
  for (int i = 0; i < g->noutputs; i++) s->t[g->outputs[i]].is_sg_output = 1;
  for (int j = 0; j < s->nn; j++) {
    const TflOpDesc *o = &g->ops[j];
    Node *n = &s->nodes[j];
    const TflOpCode *oc = &ctx->m.opcodes[o->opcode_index];
    n->n.op = oc->op;
    n->n.version = oc->version;
    n->n.custom_code = oc->op == TFL_OP_CUSTOM ? (oc->custom_code ? oc->custom_code : "") : NULL;
    n->n.ninputs = o->ninputs;
    n->n.inputs = o->inputs;
    n->n.noutputs = o->noutputs;
    n->n.outputs = o->outputs;
    n->n.nintermediates = o->nintermediates;
    n->n.intermediates = o->intermediates;
    n->n.options = o->options;
    n->n.options_type = o->options_type;
    n->n.custom_options = o->custom_options;
    n->n.custom_options_len = o->custom_options_len;
    n->n.index = j;
    n->n.subgraph = si;
    n->n.file = ctx->m.buf;
    n->n.file_len = ctx->m.len;
    n->flex = n->n.custom_code && strncmp(n->n.custom_code, "Flex", 4) == 0;
    if (n->n.op == TFL_OP_IF || n->n.op == TFL_OP_WHILE || n->n.op == TFL_OP_CALL_ONCE) n->control = n->n.op;
    if (check_version(ctx, n)) return -1;
    /* the graph is single-assignment: a second writer would leave the first with a tensor it does not own */
    for (int k = 0; k < o->noutputs; k++) {
      int oi = o->outputs[k];
      if (oi < 0) continue;
      if (s->t[oi].producer >= 0)
        return set_err(ctx, "malformed model: tensor %d ('%s') of subgraph %d is written by node %d and again by node %d",
                       oi, s->t[oi].t.name ? s->t[oi].t.name : "", si, s->t[oi].producer, j);
      s->t[oi].producer = j;
    }
  }
  return 0;
}

TflContext *tfl_create(const uint8_t *buf, size_t len, int num_threads, int preserve_all, size_t max_arena, char *err,
                       size_t errlen) {
  TflContext *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (tfl_model_parse(buf, len, &ctx->m, err, errlen)) {
    free(ctx);
    return NULL;
  }
  ctx->num_threads = num_threads < 1 ? 1 : num_threads > TFL_MAX_THREADS ? TFL_MAX_THREADS : num_threads;
  ctx->preserve_all = preserve_all;
  ctx->max_bytes = max_arena;
  ctx->max_work = TFL_DEFAULT_MAX_WORK;
  const char *mw = getenv("TFLRT_MAX_WORK");
  if (mw && mw[0]) ctx->max_work = strtod(mw, NULL) > 0 ? strtod(mw, NULL) : 0;
  ctx->nsubs = ctx->m.nsubgraphs;
  ctx->subs = calloc((size_t)ctx->nsubs, sizeof(Sub));
  if (!ctx->subs) {
    snprintf(err, errlen, "out of memory");
    tfl_destroy(ctx);
    return NULL;
  }
  for (int i = 0; i < ctx->nsubs; i++)
    if (init_sub(ctx, i)) {
      snprintf(err, errlen, "%s", ctx->err);
      tfl_destroy(ctx);
      return NULL;
    }
  return ctx;
}

void tfl_destroy(TflContext *ctx) {
  if (!ctx) return;
  tfl_pool_free(ctx->pool);
  ctx->pool = NULL;
  if (ctx->subs)
    for (int i = 0; i < ctx->nsubs; i++) {
      Sub *s = &ctx->subs[i];
      if (s->nodes)
        for (int j = 0; j < s->nn; j++) {
          tfl_node_reset(ctx, &s->nodes[j].n);
          free(s->nodes[j].scratch);
        }
      if (s->t)
        for (int j = 0; j < s->nt; j++) free(s->t[j].owned);
      free(s->t);
      free(s->nodes);
      free(s->arena);
      free(s->prof);
      free(s->prof_busy);
    }
  free(ctx->subs);
  free(ctx->scratch);
  tfl_resources_free(ctx->resources);
  free(ctx->called_once);
  tfl_model_free(&ctx->m);
  free(ctx);
}

int tfl_route_custom_to_host(TflContext *ctx, const char *custom_code) {
  int routed = 0;
  for (int si = 0; si < ctx->nsubs; si++)
    for (int j = 0; j < ctx->subs[si].nn; j++) {
      Node *n = &ctx->subs[si].nodes[j];
      if (n->n.custom_code && strcmp(n->n.custom_code, custom_code) == 0) {
        n->flex = 1;
        routed++;
      }
    }
  return routed;
}

/* ---- preparation ---- */

static const char *node_label(const Node *n, char *buf, size_t len) {
  if (n->n.custom_code) snprintf(buf, len, "custom op '%s'", n->n.custom_code);
  else snprintf(buf, len, "%s", tfl_op_name(n->n.op) ? tfl_op_name(n->n.op) : "?");
  return buf;
}

static pthread_mutex_t prepare_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t prepare_once = PTHREAD_ONCE_INIT;
/* a child of fork() may inherit the mutex locked by a thread it does not have */
static void prepare_lock_reset(void) { pthread_mutex_init(&prepare_mu, NULL); }
static void prepare_lock_init(void) { pthread_atfork(NULL, NULL, prepare_lock_reset); }

/* The two subgraphs an IF (then, else) or WHILE (cond, body) node calls. */
static void control_subgraphs(const TflNode *node, int *a, int *b) {
  if (node->op == TFL_OP_IF) {
    TflIfOptions o = tfl_IfOptions(node);
    *a = o.then_subgraph_index;
    *b = o.else_subgraph_index;
  } else {
    TflWhileOptions o = tfl_WhileOptions(node);
    *a = o.cond_subgraph_index;
    *b = o.body_subgraph_index;
  }
}

/* ---- work bound: a small hostile file must not run for minutes ---- */

/* Elements a kernel may loop over for tensor t: the product of its dimensions with 0 counted as 1, since kernels
 * iterate the outer dimensions of a tensor whose inner dimension is empty as well. */
static double extent(const TflTensor *t) {
  if (!t) return 0;
  double e = 1;
  for (int i = 0; i < t->rank && i < TFL_MAX_RANK; i++) e *= t->dims[i] > 1 ? t->dims[i] : 1;
  return e;
}

static double dim_or_1(const TflTensor *t, int i) { return t && i >= 0 && i < t->rank && t->dims[i] > 1 ? t->dims[i] : 1; }

/* An upper estimate of the element operations of one eval of node n from its current operand shapes: every operand's
 * extent, plus the reduction work per output element of the ops that have one (multiply-accumulates of convolutions
 * and matrix products, pooling windows, sorting), plus a fixed per-node overhead. */
static double node_work(TflContext *ctx, const TflNode *node) {
  double w = 1000;
  for (int i = 0; i < node->ninputs; i++) w += extent(tfl_input(ctx, node, i));
  for (int i = 0; i < node->noutputs; i++) w += extent(tfl_output(ctx, node, i));
  const TflTensor *in0 = tfl_input(ctx, node, 0), *in1 = tfl_input(ctx, node, 1), *out0 = tfl_output(ctx, node, 0);
  const double eo = extent(out0);
  switch (node->op) {
    case TFL_OP_CONV_2D: w += eo * extent(in1) / dim_or_1(in1, 0); break;
    case TFL_OP_DEPTHWISE_CONV_2D: w += eo * dim_or_1(in1, 1) * dim_or_1(in1, 2); break;
    case TFL_OP_TRANSPOSE_CONV: w += extent(tfl_input(ctx, node, 2)) * extent(in1) / dim_or_1(in1, 3) + eo; break;
    case TFL_OP_FULLY_CONNECTED: w += eo * dim_or_1(in1, in1 ? in1->rank - 1 : 0); break;
    case TFL_OP_BATCH_MATMUL: {
      const double a = dim_or_1(in0, in0 ? in0->rank - 1 : 0), b = dim_or_1(in0, in0 ? in0->rank - 2 : 0);
      w += eo * (a > b ? a : b);
      break;
    }
    case TFL_OP_AVERAGE_POOL_2D: case TFL_OP_MAX_POOL_2D: case TFL_OP_L2_POOL_2D: {
      const TflPool2DOptions o = tfl_Pool2DOptions(node);
      w += eo * (o.filter_height > 1 ? (double)o.filter_height : 1) * (o.filter_width > 1 ? (double)o.filter_width : 1);
      break;
    }
    case TFL_OP_TOPK_V2: w += extent(in0) * 64; break;
    case TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM: case TFL_OP_LSTM: {
      double weights = 0;
      for (int i = 1; i < node->ninputs; i++) weights += extent(tfl_input(ctx, node, i));
      w += extent(in0) / dim_or_1(in0, in0 ? in0->rank - 1 : 0) * weights;
      break;
    }
    default: break;
  }
  return w;
}

/* Refuses a node whose estimated work alone exceeds the bound (at prepare, before any loop runs). */
static int check_node_work(TflContext *ctx, const Node *n, const char *when) {
  if (!ctx->max_work) return 0;
  const double w = node_work(ctx, &n->n);
  if (w <= ctx->max_work) return 0;
  const char *name = n->n.custom_code ? n->n.custom_code : tfl_op_name(n->n.op);
  return set_err(ctx, "%s (subgraph %d, node %d) %s about %.3g element operations, more than the work bound of %.3g per invoke "
                 "(set the environment variable TFLRT_MAX_WORK to raise it, 0 for no bound)",
                 name ? name : "operator", n->n.subgraph, n->n.index, when, w, ctx->max_work);
}

TflStatus tfl_check_fold_work(TflContext *ctx, TflNode *node) {
  return check_node_work(ctx, (const Node *)node, "would take") ? TFL_ERROR : TFL_OK;
}

void tfl_set_max_work(TflContext *ctx, double max_work) { ctx->max_work = max_work > 0 ? max_work : 0; }

static int prepare_call_once(TflContext *ctx, Node *n);

static int prepare_node(TflContext *ctx, Node *n) {
  char lab[300];
  n->k = NULL;
  if (n->flex) {
    if (!ctx->flex) return set_err(ctx, "%s (subgraph %d, node %d) is a Flex op, but no Flex handler is installed", node_label(n, lab, sizeof lab), n->n.subgraph, n->n.index);
    for (int i = 0; i < n->n.noutputs; i++) {
      TflTensor *o = tfl_output(ctx, &n->n, i);
      if (o) o->alloc = TFL_ALLOC_DYNAMIC;
    }
    n->prepared_at = ctx->epoch;
    return 0;
  }
  if (n->control == TFL_OP_CALL_ONCE) return prepare_call_once(ctx, n);
  if (n->control) {
    int a, b;
    control_subgraphs(&n->n, &a, &b);
    /* absent indices read as the schema default 0, the main graph: a call into the node's own subgraph is malformed */
    if (a < 0 || a >= ctx->nsubs || b < 0 || b >= ctx->nsubs || a == n->n.subgraph || b == n->n.subgraph)
      return set_err(ctx, "malformed model: %s (subgraph %d, node %d) refers to subgraphs %d and %d; the model has %d",
                     node_label(n, lab, sizeof lab), n->n.subgraph, n->n.index, a, b, ctx->nsubs);
    if (n->control == TFL_OP_IF && n->n.ninputs < 1)
      return set_err(ctx, "malformed model: IF (subgraph %d, node %d) has no condition input", n->n.subgraph, n->n.index);
    if (n->control == TFL_OP_WHILE && n->n.ninputs != n->n.noutputs)
      return set_err(ctx, "malformed model: WHILE (subgraph %d, node %d) has %d inputs but %d outputs", n->n.subgraph, n->n.index,
                     n->n.ninputs, n->n.noutputs);
    for (int i = 0; i < n->n.noutputs; i++) {
      TflTensor *o = tfl_output(ctx, &n->n, i);
      if (o) o->alloc = TFL_ALLOC_DYNAMIC; /* shapes known once the branch / loop has run */
    }
    n->prepared_at = ctx->epoch;
    return 0;
  }
  const TflKernel *k = NULL;
  int matched = 0;
  ctx->err[0] = 0;
  if (check_node_work(ctx, n, "has operands for")) return -1;
  /* Kernel prepare functions may use process-wide state (e.g. a global read by a table-building callback), so they
   * run one at a time in the process even when interpreters on several threads allocate at once. */
  pthread_once(&prepare_once, prepare_lock_init);
  pthread_mutex_lock(&prepare_mu);
  TflStatus st = tfl_registry_prepare(ctx, &n->n, &k, &matched);
  pthread_mutex_unlock(&prepare_mu);
  if (st == TFL_OK) {
    n->k = k;
    n->prepared_at = ctx->epoch;
    return check_node_work(ctx, n, "would take");
  }
  if (st == TFL_NOT_MINE) {
    if (!matched) {
      if (n->n.custom_code)
        return set_err(ctx, "unsupported operator: %s version %d (subgraph %d, node %d): no kernel registered for it",
                       node_label(n, lab, sizeof lab), n->n.version, n->n.subgraph, n->n.index);
      return set_err(ctx, "unsupported operator: %s version %d (subgraph %d, node %d): no kernel registered for it",
                     node_label(n, lab, sizeof lab), n->n.version, n->n.subgraph, n->n.index);
    }
    char types[512];
    int o = 0;
    types[0] = 0;
    for (int i = 0; i < n->n.ninputs && o < 450; i++) {
      TflTensor *t = tfl_input(ctx, &n->n, i);
      o += snprintf(types + o, sizeof types - o, "%s%s", i ? ", " : "", t ? tfl_type_name(t->type) : "none");
    }
    return set_err(ctx, "unsupported operator: %s version %d (subgraph %d, node %d) with input types (%s): no kernel accepts it",
                   node_label(n, lab, sizeof lab), n->n.version, n->n.subgraph, n->n.index, types);
  }
  char msg[sizeof ctx->err];
  snprintf(msg, sizeof msg, "%s", ctx->err[0] ? ctx->err : "prepare failed");
  /* a kernel's "malformed model: " stays in front: the Python layer raises ValueError for those */
  const int malformed = strncmp(msg, "malformed model: ", 17) == 0;
  return set_err(ctx, "%s%s version %d (subgraph %d, node %d): %s", malformed ? "malformed model: " : "", node_label(n, lab, sizeof lab),
                 n->n.version, n->n.subgraph, n->n.index, malformed ? msg + 17 : msg);
}

typedef struct {
  int idx;
  size_t size;
} Item;

static int cmp_items(const void *a, const void *b) {
  const Item *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->idx - y->idx;
}

typedef struct {
  size_t off, end;
} Span;

static int cmp_span(const void *a, const void *b) {
  const Span *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

/* Residual ADDs a node may run inside it (tfl_take_fused_add): a float CONV_2D whose output only a float ADD right
 * after it reads, adding another tensor of the same shape (MobileNetV2's and ResNet's skip connections). Run as two
 * nodes, the ADD is a pass of its own over data the threads wrote (split by other rows, or serial when small); inside
 * the node each task adds its own block while it is in its cache. Not when every tensor is kept (the node's own
 * output is then not written), and the plan gives the ADD's output storage apart from the node's inputs. */
static void fused_adds(TflContext *ctx, Sub *s) {
  for (int j = 0; j < s->nn; j++) s->nodes[j].fuse_add = -1;
  int *readers = ctx->preserve_all ? NULL : calloc(s->nt ? (size_t)s->nt : 1, sizeof(int));
  if (!readers) return; /* every tensor kept, or no memory for the count: no fusion */
  for (int q = 0; q < s->nn; q++) {
    const TflNode *m = &s->nodes[q].n;
    for (int k = 0; k < m->ninputs; k++)
      if (m->inputs[k] >= 0 && m->inputs[k] < s->nt) readers[m->inputs[k]]++;
    for (int k = 0; k < m->nintermediates; k++)
      if (m->intermediates[k] >= 0 && m->intermediates[k] < s->nt) readers[m->intermediates[k]] += 2;
  }
  for (int j = 0; j + 1 < s->nn; j++) {
    const Node *n = &s->nodes[j], *a = &s->nodes[j + 1];
    if (!n->k || n->flex || n->control || n->deferred || n->n.op != TFL_OP_CONV_2D || n->n.noutputs != 1) continue;
    if (!a->k || a->flex || a->control || a->deferred || a->n.op != TFL_OP_ADD || a->n.ninputs != 2 || a->n.noutputs != 1)
      continue;
    const int o = n->n.outputs[0], x = a->n.inputs[0], y = a->n.inputs[1], ao = a->n.outputs[0];
    if (o < 0 || o >= s->nt || x < 0 || y < 0 || x >= s->nt || y >= s->nt || ao < 0 || ao >= s->nt) continue;
    if ((x == o) == (y == o)) continue; /* o must be exactly one operand */
    const int r = x == o ? y : x;
    if (ao == o || ao == r || s->t[o].is_sg_output || s->t[o].t.alloc != TFL_ALLOC_ARENA || s->t[ao].t.alloc != TFL_ALLOC_ARENA)
      continue;
    const TflTensor *to = &s->t[o].t, *tr = &s->t[r].t, *ta = &s->t[ao].t;
    if (to->type != TFL_FLOAT32 || tr->type != TFL_FLOAT32 || ta->type != TFL_FLOAT32 || !tfl_same_shape(to, tr) ||
        !tfl_same_shape(to, ta) || tfl_arith_activation(&a->n) >= TFL_ACT_TANH)
      continue;
    int reads_ao = 0; /* the node itself reading the ADD's output (a malformed order) */
    for (int k = 0; k < n->n.ninputs; k++) reads_ao |= n->n.inputs[k] == ao;
    if (readers[o] == 1 && !reads_ao) s->nodes[j].fuse_add = j + 1; /* the ADD is o's only reader */
  }
  free(readers);
}

int tfl_take_fused_add(TflContext *ctx, TflNode *node, TflFusedAdd *fa) {
  Node *n = (Node *)node;
  if (!node || !n->fuse_live || !sg_ok(ctx, node->subgraph)) return 0;
  const Sub *s = &ctx->subs[node->subgraph];
  const TflNode *a = &s->nodes[n->fuse_add].n;
  const int first = a->inputs[0] != node->outputs[0];
  fa->r = s->t[a->inputs[first ? 0 : 1]].t.data;
  fa->out = s->t[a->outputs[0]].t.data;
  fa->r_first = first;
  tfl_activation_range_f32(tfl_arith_activation(a), &fa->lo, &fa->hi);
  n->fuse_taken = 1;
  return 1;
}

static int plan(TflContext *ctx, Sub *s) {
  const int nn = s->nn;
  for (int i = 0; i < s->nt; i++) {
    s->t[i].first = INT_MAX;
    s->t[i].last = -1;
  }
#define TOUCH(idx, j)                                                   \
  do {                                                                  \
    int _i = (idx);                                                     \
    if (_i >= 0 && _i < s->nt && s->t[_i].t.alloc == TFL_ALLOC_ARENA) { \
      if ((j) < s->t[_i].first) s->t[_i].first = (j);                   \
      if ((j) > s->t[_i].last) s->t[_i].last = (j);                     \
    }                                                                   \
  } while (0)
  for (int i = 0; i < s->nt; i++)
    if (s->t[i].is_sg_input) {
      TOUCH(i, 0);
      TOUCH(i, nn);
    }
  for (int j = 0; j < nn; j++) {
    const TflNode *n = &s->nodes[j].n;
    for (int k = 0; k < n->ninputs; k++) TOUCH(n->inputs[k], j);
    for (int k = 0; k < n->noutputs; k++) TOUCH(n->outputs[k], j);
    for (int k = 0; k < n->nintermediates; k++) TOUCH(n->intermediates[k], j);
    /* a residual ADD run inside this node writes its output here, while this node's inputs are still read */
    if (s->nodes[j].fuse_add >= 0) TOUCH(s->nodes[s->nodes[j].fuse_add].n.outputs[0], j);
  }
  for (int i = 0; i < s->nt; i++)
    if (s->t[i].is_sg_output) TOUCH(i, nn);
  for (int i = 0; i < s->nt; i++)
    if (s->t[i].t.alloc == TFL_ALLOC_ARENA && ctx->preserve_all) {
      s->t[i].first = 0;
      s->t[i].last = nn;
    }
#undef TOUCH
  Item *items = malloc(sizeof(Item) * (size_t)(s->nt ? s->nt : 1));
  Span *spans = malloc(sizeof(Span) * (size_t)(s->nt ? s->nt : 1));
  int *placed = malloc(sizeof(int) * (size_t)(s->nt ? s->nt : 1));
  if (!items || !spans || !placed) {
    free(items);
    free(spans);
    free(placed);
    return set_err(ctx, "out of memory planning tensors");
  }
  int ni = 0;
  for (int i = 0; i < s->nt; i++) {
    Tens *t = &s->t[i];
    if (t->t.alloc != TFL_ALLOC_ARENA) continue;
    if (t->first == INT_MAX) { /* never used: no storage */
      t->t.alloc = TFL_ALLOC_NONE;
      t->t.data = NULL;
      continue;
    }
    size_t sz = (t->t.bytes + TFL_ALIGN - 1) / TFL_ALIGN * TFL_ALIGN;
    t->planned = sz;
    items[ni].idx = i;
    items[ni].size = sz;
    ni++;
  }
  qsort(items, (size_t)ni, sizeof(Item), cmp_items);
  size_t total = 0;
  int np = 0;
  for (int a = 0; a < ni; a++) {
    Tens *t = &s->t[items[a].idx];
    size_t sz = items[a].size;
    if (sz == 0) {
      t->off = 0;
      continue;
    }
    int ns = 0;
    for (int b = 0; b < np; b++) {
      Tens *u = &s->t[placed[b]];
      if (u->first <= t->last && t->first <= u->last) {
        spans[ns].off = u->off;
        spans[ns].end = u->off + u->planned;
        ns++;
      }
    }
    qsort(spans, (size_t)ns, sizeof(Span), cmp_span);
    size_t off = 0;
    for (int b = 0; b < ns; b++) {
      if (off + sz <= spans[b].off) break;
      if (spans[b].end > off) off = spans[b].end;
    }
    t->off = off;
    if (off + sz > total) total = off + sz;
    placed[np++] = items[a].idx;
  }
  free(items);
  free(spans);
  free(placed);
  if (ctx->max_bytes && total > ctx->max_bytes)
    return set_err(ctx, "memory plan needs %zu bytes, above the configured limit of %zu", total, ctx->max_bytes);
  if (total > s->arena_cap || !s->arena) {
    free(s->arena);
    s->arena = NULL;
    s->arena_cap = 0;
    s->arena = amalloc(total);
    if (!s->arena) return set_err(ctx, "out of memory allocating a %zu-byte tensor arena", total);
    s->arena_cap = total;
  }
  s->arena_bytes = total;
  for (int i = 0; i < s->nt; i++) {
    Tens *t = &s->t[i];
    if (t->t.alloc == TFL_ALLOC_ARENA) t->t.data = s->arena + t->off;
  }
  return 0;
}

static int init_variable(TflContext *ctx, Sub *s, Tens *t) {
  size_t bytes = t->t.bytes;
  if (ensure_owned(t, bytes ? bytes : 1)) return set_err(ctx, "out of memory for variable '%s'", t->t.name ? t->t.name : "");
  /* LiteRT's ResetVariableTensor: int8 variables (integer LSTM/RNN states) start at their zero point */
  const int fill = t->t.type == TFL_INT8 && t->t.nq >= 1 && t->t.zero_points ? (int)(int8_t)t->t.zero_points[0] : 0;
  memset(t->owned, fill, t->owned_cap);
  if (t->d->data) memcpy(t->owned, t->d->data, t->d->data_len < t->owned_cap ? t->d->data_len : t->owned_cap);
  t->t.data = t->owned;
  (void)s;
  return 0;
}

/* Sizes the subgraph's tensors, prepares its nodes in order and plans the arena; returns 0 or -1 with the error set.
 * Runs in PHASE_PREPARE; tfl_allocate restores the phase on every exit. */
static int allocate_sub(TflContext *ctx, Sub *s, int sg) {
  char nb[32];
  s->persistent_bytes = 0;
  for (int i = 0; i < s->nt; i++) {
    Tens *t = &s->t[i];
    if (t->t.alloc == TFL_ALLOC_CONST) continue;
    if (t->t.alloc == TFL_ALLOC_PERSISTENT) {
      size_t b = shape_bytes(ctx, t->t.type, t->t.rank, t->t.dims);
      if (b == SIZE_MAX)
        return set_err(ctx, "variable tensor '%s' is too large", tname(t, nb, sizeof nb, i));
      t->t.bytes = b;
      if ((!t->t.data || t->owned_cap < b) && init_variable(ctx, s, t)) return -1;
      s->persistent_bytes += b;
      continue;
    }
    /* activation */
    if (t->t.alloc == TFL_ALLOC_DYNAMIC) {
      free(t->owned);
      t->owned = NULL;
      t->owned_cap = 0;
    }
    t->t.alloc = TFL_ALLOC_ARENA;
    t->t.data = NULL;
    size_t b = shape_bytes(ctx, t->t.type, t->t.rank, t->t.dims);
    if (b == SIZE_MAX)
      return set_err(ctx, "tensor '%s' has an invalid or too large shape", tname(t, nb, sizeof nb, i));
    t->t.bytes = b;
  }
  for (int j = 0; j < s->nn; j++) {
    Node *n = &s->nodes[j];
    char lab[300];
    n->deferred = 0;
    for (int k = 0; k < n->n.noutputs; k++) {
      int oi = n->n.outputs[k];
      if (oi < 0) continue;
      Tens *t = &s->t[oi];
      if (t->t.alloc == TFL_ALLOC_CONST)
        return set_err(ctx, "malformed model: %s (subgraph %d, node %d) writes to constant tensor '%s'", node_label(n, lab, sizeof lab),
                       sg, j, tname(t, nb, sizeof nb, oi));
      if (t->is_sg_input)
        return set_err(ctx, "malformed model: %s (subgraph %d, node %d) writes to subgraph input '%s'", node_label(n, lab, sizeof lab),
                       sg, j, tname(t, nb, sizeof nb, oi));
    }
    for (int k = 0; k < n->n.ninputs; k++) {
      int ii = n->n.inputs[k];
      if (ii < 0) continue;
      Tens *t = &s->t[ii];
      if (t->d->is_sparse)
        return set_err(ctx, "%s (subgraph %d, node %d): input '%s' is a sparse tensor, which this runtime does not support",
                       node_label(n, lab, sizeof lab), sg, j, tname(t, nb, sizeof nb, ii));
      if (t->t.alloc == TFL_ALLOC_DYNAMIC) n->deferred = 1;
    }
    if (n->deferred) {
      /* inputs only known at invoke: prepare right before eval, outputs allocated then */
      if (!n->flex && !n->control && !tfl_registry_has_node(&n->n))
        return set_err(ctx, "unsupported operator: %s version %d (subgraph %d, node %d): no kernel registered for it",
                       node_label(n, lab, sizeof lab), n->n.version, sg, j);
      for (int k = 0; k < n->n.noutputs; k++) {
        TflTensor *o = tfl_output(ctx, &n->n, k);
        if (o) o->alloc = TFL_ALLOC_DYNAMIC;
      }
      continue;
    }
    if (prepare_node(ctx, n)) return -1;
    for (int k = 0; k < n->n.noutputs; k++) {
      TflTensor *o = tfl_output(ctx, &n->n, k);
      if (o && o->alloc == TFL_ALLOC_ARENA) {
        size_t b = shape_bytes(ctx, o->type, o->rank, o->dims);
        if (b == SIZE_MAX)
          return set_err(ctx, "%s (subgraph %d, node %d): output shape too large", node_label(n, lab, sizeof lab), sg, j);
        o->bytes = b;
      }
    }
  }
  /* A tensor resized after a node that uses it was prepared (used before it is produced, produced twice, or read and
   * written by one node) would leave that node with stale sizes: reject such graphs. */
  for (int j = 0; j < s->nn; j++) {
    Node *n = &s->nodes[j];
    char lab[300];
    for (int k = 0; k < n->n.ninputs + n->n.noutputs; k++) {
      int ti = k < n->n.ninputs ? n->n.inputs[k] : n->n.outputs[k - n->n.ninputs];
      if (ti < 0) continue;
      if (k < n->n.ninputs)
        for (int q = 0; q < n->n.noutputs; q++)
          if (n->n.outputs[q] == ti)
            return set_err(ctx, "malformed model: %s (subgraph %d, node %d) reads and writes tensor '%s'", node_label(n, lab, sizeof lab),
                           sg, j, tname(&s->t[ti], nb, sizeof nb, ti));
      if (!n->deferred && s->t[ti].changed_at > n->prepared_at)
        return set_err(ctx,
                       "malformed model: tensor '%s' used by %s (subgraph %d, node %d) is resized by a later node "
                       "(used before it is produced, or produced twice)",
                       tname(&s->t[ti], nb, sizeof nb, ti), node_label(n, lab, sizeof lab), sg, j);
    }
  }
  fused_adds(ctx, s);
  return plan(ctx, s);
}

int tfl_allocate(TflContext *ctx, int sg) {
  if (!sg_ok(ctx, sg)) return set_err(ctx, "subgraph index %d out of range (model has %d)", sg, ctx->nsubs);
  Sub *s = &ctx->subs[sg];
  if (s->allocated) return 0;
  ctx->phase = PHASE_PREPARE;
  const int rc = allocate_sub(ctx, s, sg);
  ctx->phase = PHASE_IDLE;
  if (rc == 0) s->allocated = 1;
  return rc;
}

int tfl_resize_input(TflContext *ctx, int sg, int tensor, int rank, const int32_t *dims) {
  if (!sg_ok(ctx, sg)) return set_err(ctx, "subgraph index %d out of range", sg);
  Sub *s = &ctx->subs[sg];
  if (tensor < 0 || tensor >= s->nt) return set_err(ctx, "tensor index %d out of range (subgraph has %d tensors)", tensor, s->nt);
  Tens *t = &s->t[tensor];
  /* As LiteRT, variable tensors resize too (a fused LSTM/RNN's state follows the batch only when resized so). */
  const int variable = t->t.alloc == TFL_ALLOC_PERSISTENT;
  if (!t->is_sg_input && !variable) return set_err(ctx, "tensor %d is not an input or a variable of subgraph %d", tensor, sg);
  if (t->t.alloc == TFL_ALLOC_CONST) return set_err(ctx, "cannot resize constant tensor %d", tensor);
  if (rank < 0 || rank > TFL_MAX_RANK) return set_err(ctx, "rank %d not supported (max %d)", rank, TFL_MAX_RANK);
  size_t b = shape_bytes(ctx, t->t.type, rank, dims);
  if (b == SIZE_MAX) return set_err(ctx, "invalid or too large shape for tensor %d", tensor);
  int same = rank == t->t.rank;
  for (int i = 0; same && i < rank; i++) same = dims[i] == t->t.dims[i];
  if (same) return 0;
  t->t.rank = rank;
  for (int i = 0; i < rank; i++) t->t.dims[i] = dims[i];
  t->t.bytes = b;
  if (variable) t->t.data = NULL; /* a resized variable restarts from its initial value, as in LiteRT */
  s->allocated = 0;
  return 0;
}

int tfl_reset_variables(TflContext *ctx, int sg) {
  if (!sg_ok(ctx, sg)) return set_err(ctx, "subgraph index %d out of range", sg);
  Sub *s = &ctx->subs[sg];
  for (int i = 0; i < s->nt; i++)
    if (s->t[i].t.alloc == TFL_ALLOC_PERSISTENT && s->t[i].t.data)
      if (init_variable(ctx, s, &s->t[i])) return -1;
  return 0;
}

static TflStatus eval_control(TflContext *ctx, Node *n);

static int work_bound_error(TflContext *ctx, const Node *n, int sg, int j) {
  char lab[300];
  return set_err(ctx, "%s (subgraph %d, node %d): the invoke exceeds the work bound of %.3g element operations "
                 "(about %.3g so far; set the environment variable TFLRT_MAX_WORK to raise it, 0 for no bound)",
                 node_label(n, lab, sizeof lab), sg, j, ctx->max_work, ctx->work);
}

/* The storage of every tensor with zero elements that has none of its own: never read or written. */
static _Alignas(64) uint8_t no_elements[64];

static int invoke_sub(TflContext *ctx, int sg) {
  Sub *s = &ctx->subs[sg];
  if (!s->allocated) return set_err(ctx, "allocate_tensors() must be called before invoke() (and after resize_tensor_input())");
  char lab[300], nb[32];
  ctx->phase = PHASE_EVAL;
  if (ctx->observe) {
    const TflSubgraphDesc *g = &ctx->m.subgraphs[sg];
    for (int i = 0; i < g->ninputs; i++)
      if (g->inputs[i] >= 0 && ctx->observe(ctx, sg, g->inputs[i], &s->t[g->inputs[i]].t, ctx->observe_user)) {
        ctx->phase = PHASE_IDLE;
        return set_err(ctx, "subgraph %d: the tensor observer failed", sg);
      }
  }
  for (int j = 0; j < s->nn; j++) {
    Node *n = &s->nodes[j];
    int reprep = n->deferred;
    for (int k = 0; k < n->n.ninputs && !reprep; k++) {
      int ii = n->n.inputs[k];
      if (ii >= 0 && s->t[ii].changed_at > n->prepared_at) reprep = 1;
    }
    if (reprep) {
      if (prepare_node(ctx, n)) {
        ctx->phase = PHASE_IDLE;
        return -1;
      }
      for (int k = 0; k < n->n.noutputs; k++) {
        int oi = n->n.outputs[k];
        if (oi < 0) continue;
        Tens *t = &s->t[oi];
        if (t->t.alloc == TFL_ALLOC_DYNAMIC && !n->flex && !n->control && (!t->t.data || t->owned_cap < t->t.bytes)) {
          if (ensure_owned(t, t->t.bytes)) {
            ctx->phase = PHASE_IDLE;
            return set_err(ctx, "out of memory for tensor '%s'", tname(t, nb, sizeof nb, oi));
          }
          t->t.data = t->owned;
          t->changed_at = ++ctx->epoch;
        } else if (t->t.alloc == TFL_ALLOC_ARENA && t->t.bytes > t->planned) {
          t->t.alloc = TFL_ALLOC_DYNAMIC;
          if (ensure_owned(t, t->t.bytes)) {
            ctx->phase = PHASE_IDLE;
            return set_err(ctx, "out of memory for tensor '%s'", tname(t, nb, sizeof nb, oi));
          }
          t->t.data = t->owned;
          t->changed_at = ++ctx->epoch;
        }
      }
    }
    for (int k = 0; k < n->n.noutputs; k++) /* an empty output with no storage: a valid pointer (see below) */
      if (n->n.outputs[k] >= 0 && !s->t[n->n.outputs[k]].t.data && !s->t[n->n.outputs[k]].t.bytes)
        s->t[n->n.outputs[k]].t.data = no_elements;
    for (int k = 0; k < n->n.ninputs; k++) {
      int ii = n->n.inputs[k];
      if (ii < 0) continue;
      Tens *t = &s->t[ii];
      /* kernels offset data pointers even for zero elements (NULL + 0 is undefined): empty tensors get a pointer */
      if (!t->t.data && !t->t.bytes) t->t.data = no_elements;
      if (!t->t.data && t->t.bytes) {
        ctx->phase = PHASE_IDLE;
        return set_err(ctx, "%s (subgraph %d, node %d): input tensor '%s' has no data", node_label(n, lab, sizeof lab), sg, j,
                       tname(t, nb, sizeof nb, ii));
      }
    }
    if (ctx->max_work) {
      ctx->work += node_work(ctx, &n->n);
      if (ctx->work > ctx->max_work) {
        ctx->phase = PHASE_IDLE;
        return work_bound_error(ctx, n, sg, j);
      }
    }
    n->fuse_live = n->fuse_taken = 0;
    if (n->fuse_add >= 0 && !ctx->observe) {
      /* offered while the ADD needs no new prepare (its inputs as prepared) and its operands have storage */
      const Node *a = &s->nodes[n->fuse_add];
      int ok = !a->deferred;
      for (int k = 0; k < a->n.ninputs && ok; k++) {
        const Tens *t = &s->t[a->n.inputs[k]];
        ok = t->changed_at <= a->prepared_at && (t->t.data || t == &s->t[n->n.outputs[0]]);
      }
      const Tens *ao = &s->t[a->n.outputs[0]];
      n->fuse_live = ok && ao->t.alloc == TFL_ALLOC_ARENA && ao->t.data && ao->t.bytes;
    }
    TflStatus st;
    ctx->err[0] = 0;
    TflNodeProfile *np = NULL, *outer = NULL;
    int64_t t0 = 0, par0 = 0;
    if (ctx->profile) {
      np = &s->prof[j];
      outer = ctx->prof_cur;
      ctx->prof_cur = np;
      par0 = np->par_ns;
      t0 = tfl_now_ns();
    }
    if (n->flex) st = ctx->flex ? ctx->flex(ctx, &n->n, ctx->flex_user) : tfl_error(ctx, "no Flex handler installed");
    else if (n->control) st = eval_control(ctx, n);
    else if (n->k) st = n->k->eval(ctx, &n->n);
    else st = tfl_error(ctx, "node was not prepared");
    if (np) {
      const int64_t dt = tfl_now_ns() - t0;
      np->runs++;
      np->wall_ns += dt;
      np->busy_ns[0] += dt - (np->par_ns - par0); /* thread 0's serial code (parallel.c adds its tasks) */
      ctx->prof_cur = outer;
    }
    if (st != TFL_OK) {
      char msg[sizeof ctx->err];
      snprintf(msg, sizeof msg, "%s", ctx->err[0] ? ctx->err : "eval failed");
      ctx->phase = PHASE_IDLE;
      /* a malformed subgraph first prepared here (IF/WHILE/CALL_ONCE) is still a malformed model (ValueError) */
      return set_err(ctx, "%s%s version %d (subgraph %d, node %d) failed: %s", strstr(msg, "malformed model: ") ? "malformed model: " : "",
                     node_label(n, lab, sizeof lab), n->n.version, sg, j, msg);
    }
    if (ctx->observe)
      for (int k = 0; k < n->n.noutputs; k++)
        if (n->n.outputs[k] >= 0 && ctx->observe(ctx, sg, n->n.outputs[k], &s->t[n->n.outputs[k]].t, ctx->observe_user)) {
          ctx->phase = PHASE_IDLE;
          return set_err(ctx, "%s (subgraph %d, node %d): the tensor observer failed", node_label(n, lab, sizeof lab), sg, j);
        }
    if (n->fuse_taken) {
      /* the residual ADD ran inside this node (no observer is set: fuse_live) */
      const Node *a = &s->nodes[++j];
      if (np) s->prof[j].fused++;
      if (ctx->max_work) {
        ctx->work += node_work(ctx, &a->n);
        if (ctx->work > ctx->max_work) {
          ctx->phase = PHASE_IDLE;
          return work_bound_error(ctx, a, sg, j);
        }
      }
    }
  }
  ctx->phase = PHASE_IDLE;
  return 0;
}

/* invoke_sub, counted in the profile when profiling. */
static int invoke_timed(TflContext *ctx, int sg) {
  if (!ctx->profile) return invoke_sub(ctx, sg);
  const int64_t t0 = tfl_now_ns();
  const int rc = invoke_sub(ctx, sg);
  ctx->subs[sg].prof_invokes++;
  ctx->subs[sg].prof_ns += tfl_now_ns() - t0;
  return rc;
}

int tfl_invoke(TflContext *ctx, int sg) {
  if (!sg_ok(ctx, sg)) return set_err(ctx, "subgraph index %d out of range", sg);
  Sub *s = &ctx->subs[sg];
  if (s->active) return set_err(ctx, "subgraph %d is already running", sg);
  s->active = 1;
  ctx->work = 0;
  if (ctx->num_threads > 1) tfl_pool_running(ctx, 1);
  int rc = invoke_timed(ctx, sg);
  if (ctx->num_threads > 1) tfl_pool_running(ctx, 0);
  s->active = 0;
  return rc;
}

/* ---- profiling ---- */

void tfl_reset_profile(TflContext *ctx) {
  for (int i = 0; i < ctx->nsubs; i++) {
    Sub *s = &ctx->subs[i];
    s->prof_invokes = s->prof_ns = 0;
    if (!s->prof) continue;
    memset(s->prof_busy, 0, (size_t)s->nn * (size_t)ctx->num_threads * sizeof *s->prof_busy);
    for (int j = 0; j < s->nn; j++) s->prof[j] = (TflNodeProfile){.busy_ns = s->prof_busy + (size_t)j * (size_t)ctx->num_threads};
  }
}

int tfl_set_profile(TflContext *ctx, int on) {
  if (on)
    for (int i = 0; i < ctx->nsubs; i++) {
      Sub *s = &ctx->subs[i];
      if (s->prof) continue;
      s->prof = calloc(s->nn ? (size_t)s->nn : 1, sizeof *s->prof);
      s->prof_busy = calloc((s->nn ? (size_t)s->nn : 1) * (size_t)ctx->num_threads, sizeof *s->prof_busy);
      if (!s->prof || !s->prof_busy) {
        free(s->prof);
        free(s->prof_busy);
        s->prof = NULL;
        s->prof_busy = NULL;
        ctx->profile = 0;
        return set_err(ctx, "out of memory for the profile");
      }
    }
  ctx->profile = on != 0;
  if (on) tfl_reset_profile(ctx);
  return 0;
}

const TflNodeProfile *tfl_node_profile(const TflContext *ctx, int sg, int node) {
  if (!ctx->profile || !sg_ok(ctx, sg) || node < 0 || node >= ctx->subs[sg].nn) return NULL;
  return &ctx->subs[sg].prof[node];
}

int64_t tfl_profile_invokes(const TflContext *ctx, int sg, int64_t *wall_ns) {
  if (!sg_ok(ctx, sg)) return 0;
  if (wall_ns) *wall_ns = ctx->subs[sg].prof_ns;
  return ctx->subs[sg].prof_invokes;
}

/* ---- control flow (IF / WHILE): run another subgraph on tensors of the calling node ---- */

/* Copies src tensors into subgraph sg's inputs (resizing, allocating), runs it. */
static TflStatus call_subgraph(TflContext *ctx, int sg, int n, TflTensor *const *src) {
  Sub *s = &ctx->subs[sg];
  const TflSubgraphDesc *g = &ctx->m.subgraphs[sg];
  if (s->active) return tfl_error(ctx, "subgraph %d is called recursively", sg);
  if (ctx->depth >= TFL_MAX_CALL_DEPTH) return tfl_error(ctx, "subgraph calls nested deeper than %d", TFL_MAX_CALL_DEPTH);
  if (n != g->ninputs) return tfl_error(ctx, "subgraph %d takes %d inputs, %d given", sg, g->ninputs, n);
  for (int i = 0; i < n; i++) {
    Tens *dst = &s->t[g->inputs[i]];
    if (!src[i]) return tfl_error(ctx, "omitted input %d for subgraph %d", i, sg);
    if (dst->t.type != src[i]->type)
      return tfl_error(ctx, "subgraph %d input %d has type %s, given %s", sg, i, tfl_type_name(dst->t.type), tfl_type_name(src[i]->type));
    if (dst->t.alloc == TFL_ALLOC_CONST) return tfl_error(ctx, "subgraph %d input %d is a constant", sg, i);
    if (tfl_resize_input(ctx, sg, g->inputs[i], src[i]->rank, src[i]->dims)) return TFL_ERROR;
  }
  int phase = ctx->phase;
  ctx->depth++;
  int rc = tfl_allocate(ctx, sg);
  ctx->phase = phase;
  if (!rc) {
    for (int i = 0; i < n; i++) {
      Tens *dst = &s->t[g->inputs[i]];
      if (dst->t.bytes != src[i]->bytes) {
        rc = set_err(ctx, "subgraph %d input %d size mismatch", sg, i);
        break;
      }
      if (dst->t.bytes && dst->t.data != src[i]->data) memmove(dst->t.data, src[i]->data, dst->t.bytes);
    }
  }
  if (!rc) {
    s->active = 1;
    rc = invoke_timed(ctx, sg);
    s->active = 0;
  }
  ctx->depth--;
  ctx->phase = phase;
  if (rc) {
    char msg[sizeof ctx->err];
    snprintf(msg, sizeof msg, "%s", ctx->err);
    return tfl_error(ctx, "in subgraph %d: %s", sg, msg);
  }
  return TFL_OK;
}

/* Copies subgraph sg's outputs into dst tensors (resized as needed). */
static TflStatus copy_outputs(TflContext *ctx, int sg, int n, TflTensor *const *dst) {
  Sub *s = &ctx->subs[sg];
  const TflSubgraphDesc *g = &ctx->m.subgraphs[sg];
  if (n != g->noutputs) return tfl_error(ctx, "subgraph %d has %d outputs, the node expects %d", sg, g->noutputs, n);
  for (int i = 0; i < n; i++) {
    const TflTensor *src = &s->t[g->outputs[i]].t;
    if (!dst[i]) continue;
    if (dst[i]->type != src->type)
      return tfl_error(ctx, "subgraph %d output %d has type %s, the node expects %s", sg, i, tfl_type_name(src->type),
                       tfl_type_name(dst[i]->type));
    if (tfl_resize(ctx, dst[i], src->rank, src->dims) != TFL_OK) return TFL_ERROR;
    if (dst[i]->bytes && !src->data) return tfl_error(ctx, "subgraph %d output %d has no data", sg, i);
    if (dst[i]->bytes && dst[i]->data != src->data) memmove(dst[i]->data, src->data, dst[i]->bytes);
  }
  return TFL_OK;
}

static TflStatus eval_call_once(TflContext *ctx, Node *n);

static TflStatus eval_control(TflContext *ctx, Node *n) {
  TflNode *node = &n->n;
  if (n->control == TFL_OP_CALL_ONCE) return eval_call_once(ctx, n);
  int a, b;
  control_subgraphs(node, &a, &b);
  if (a < 0 || a >= ctx->nsubs || b < 0 || b >= ctx->nsubs) return tfl_error(ctx, "invalid subgraph index");
  TflTensor *ins[64], *outs[64];
  if (node->ninputs > 64 || node->noutputs > 64) return tfl_error(ctx, "more than 64 operands");
  for (int i = 0; i < node->ninputs; i++) ins[i] = tfl_input(ctx, node, i);
  for (int i = 0; i < node->noutputs; i++) outs[i] = tfl_output(ctx, node, i);
  if (n->control == TFL_OP_IF) {
    TflTensor *c = ins[0];
    if (!c || c->type != TFL_BOOL || tfl_num_elements(c) != 1 || !c->data) return tfl_error(ctx, "condition must be a bool scalar");
    int sg = *(const uint8_t *)c->data ? a : b;
    if (call_subgraph(ctx, sg, node->ninputs - 1, ins + 1) != TFL_OK) return TFL_ERROR;
    return copy_outputs(ctx, sg, node->noutputs, outs);
  }
  /* WHILE: loop state lives in the node's outputs; inputs are copied there first */
  const int nv = node->ninputs;
  for (int i = 0; i < nv; i++) {
    if (!ins[i] || !outs[i]) return tfl_error(ctx, "WHILE operands may not be omitted");
    if (ins[i]->type != outs[i]->type) return tfl_error(ctx, "WHILE input %d and output %d types differ", i, i);
    if (tfl_resize(ctx, outs[i], ins[i]->rank, ins[i]->dims) != TFL_OK) return TFL_ERROR;
    if (outs[i]->bytes) memmove(outs[i]->data, ins[i]->data, outs[i]->bytes);
  }
  const TflSubgraphDesc *cg = &ctx->m.subgraphs[a];
  for (int64_t iter = 0;; iter++) {
    if (ctx->max_loop && iter >= ctx->max_loop) return tfl_error(ctx, "WHILE exceeded %lld iterations", (long long)ctx->max_loop);
    if (call_subgraph(ctx, a, nv, outs) != TFL_OK) return TFL_ERROR;
    if (cg->noutputs < 1) return tfl_error(ctx, "WHILE condition subgraph %d has no output", a);
    const TflTensor *c = &ctx->subs[a].t[cg->outputs[0]].t;
    if (c->type != TFL_BOOL || tfl_num_elements(c) != 1 || !c->data) return tfl_error(ctx, "WHILE condition must be a bool scalar");
    if (!*(const uint8_t *)c->data) break;
    if (call_subgraph(ctx, b, nv, outs) != TFL_OK) return TFL_ERROR;
    if (copy_outputs(ctx, b, nv, outs) != TFL_OK) return TFL_ERROR;
  }
  return TFL_OK;
}

void tfl_set_max_loop_iterations(TflContext *ctx, int64_t n) { ctx->max_loop = n; }
void tfl_set_exact_math(TflContext *ctx, int on) { ctx->exact_math = on != 0; }
void tfl_set_fast_float(TflContext *ctx, int on) { ctx->fast_float = on != 0; }

/* ---- CALL_ONCE: runs its init subgraph (variable initialization) on the first invoke of this interpreter's life,
 * then nothing; as LiteRT, the status is per init subgraph, shared by all subgraphs, and reset_all_variables keeps it. */

static int prepare_call_once(TflContext *ctx, Node *n) {
  const int sg = tfl_CallOnceOptions(&n->n).init_subgraph_index;
  if (sg < 0 || sg >= ctx->nsubs || sg == n->n.subgraph)
    return set_err(ctx, "malformed model: CALL_ONCE (subgraph %d, node %d) calls subgraph %d; the model has %d", n->n.subgraph,
                   n->n.index, sg, ctx->nsubs);
  const TflSubgraphDesc *g = &ctx->m.subgraphs[sg];
  if (n->n.ninputs || n->n.noutputs || g->ninputs || g->noutputs)
    return set_err(ctx, "malformed model: CALL_ONCE (subgraph %d, node %d) and its init subgraph %d must have no inputs or outputs",
                   n->n.subgraph, n->n.index, sg);
  n->prepared_at = ctx->epoch;
  return 0;
}

static TflStatus eval_call_once(TflContext *ctx, Node *n) {
  const int sg = tfl_CallOnceOptions(&n->n).init_subgraph_index;
  if (sg < 0 || sg >= ctx->nsubs) return tfl_error(ctx, "invalid subgraph index");
  if (!ctx->called_once && !(ctx->called_once = calloc((size_t)ctx->nsubs, 1))) return tfl_error(ctx, "out of memory");
  if (ctx->called_once[sg]) return TFL_OK;
  if (call_subgraph(ctx, sg, 0, NULL) != TFL_OK) return TFL_ERROR;
  ctx->called_once[sg] = 1; /* only once it has succeeded, as LiteRT marks it */
  return TFL_OK;
}
