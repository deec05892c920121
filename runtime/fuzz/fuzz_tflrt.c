/* Fuzz harness for the C runtime: every input is a .tflite file run through tfl_create -> tfl_allocate -> tfl_invoke.
 *
 * Built by runtime/fuzz/fuzz.sh (`make fuzz`) with AddressSanitizer + UndefinedBehaviorSanitizer in one of two modes:
 *   - libFuzzer (clang -fsanitize=fuzzer): coverage-guided; LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver below
 *     add FlatBuffer-aware mutations to libFuzzer's own.
 *   - standalone (-DTFLRT_FUZZ_STANDALONE, any C compiler with ASan): a main() that mutates the seed files with the
 *     same mutator, without coverage feedback. Usage: fuzz_tflrt_standalone RUNS SEED_DIR CRASH_DIR [RNG_SEED [TIMEOUT]]
 *     or fuzz_tflrt_standalone --repro FILE... (runs saved inputs unchanged).
 *
 * Per input: the model is parsed with a 1 MiB bound on any tensor/arena (max_arena) and WHILE loops bounded to 1000
 * iterations and each invoke to MAX_WORK estimated element operations; subgraph 0 and every signature subgraph are allocated (inputs with unknown dimensions resized first) and
 * invoked twice, with zero-filled and then one-filled inputs; every output byte is read. Flex ops get a stand-in
 * handler that reads its inputs and zero-fills its outputs at their declared shape. Any failure must come back as an
 * error status with a non-empty message; anything else (a sanitizer report, a signal, a timeout, an empty message)
 * is a crash.
 *
 * Mutations (mutate_once): the file is walked as a tflite FlatBuffer (schema v3: Model, OperatorCode, SubGraph,
 * Tensor, QuantizationParameters, Operator, Buffer, Metadata, SignatureDef, TensorMap; option tables generically) to
 * list its structural sites -- uoffsets, table soffsets, vtable sizes and entries, vector/string lengths, indices and
 * other scalars -- and a site is overwritten with a boundary value for its kind (0, 1, -1, 0x7fffffff, 0x80000000,
 * huge lengths whose byte size overflows 32 bits, offsets to the file's end or to another object, NaN/Inf scales...).
 * Unstructured mutations: truncation, bit flips, byte/16/32/64-bit overwrites with boundary values, insertion and
 * deletion (shifting every later offset), chunk copies, appended bytes; splicing two models (prefix of one + suffix of
 * the other, or a chunk of one over the other at the same position).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

#define MAX_BYTES ((size_t)1 << 20)
#define MAX_LOOP 1000
#define MAX_WORK 2e7 /* element operations per invoke (tfl_set_max_work): well under a second with ASan+UBSan */
#define MAX_SIGNATURES 4

/* ------------------------------------------------------------------------------------------------------------------
 * Running one input
 * ------------------------------------------------------------------------------------------------------------------ */

static int g_threads = 1;
static volatile uint8_t g_sink;
/* How far inputs get: printed at exit (stderr) so a run shows that mutants reach allocate and invoke. */
static struct {
  unsigned long long inputs, parsed, allocated, invoked;
} g_stats;

static void print_stats(void) {
  fprintf(stderr, "fuzz-stats: %llu inputs, %llu parsed, %llu subgraphs allocated, %llu invokes completed\n",
          g_stats.inputs, g_stats.parsed, g_stats.allocated, g_stats.invoked);
}

static void check_error(const char *where, const char *msg) {
  /* A failure must name the problem. */
  if (!msg || !msg[0] || strnlen(msg, 4096) == 4096) {
    fprintf(stderr, "fuzz: %s failed with an empty or unterminated error message\n", where);
    abort();
  }
}

static void touch(const TflTensor *t) {
  if (!t || !t->data) return;
  const uint8_t *p = t->data;
  uint8_t acc = 0;
  for (size_t i = 0; i < t->bytes; i++) acc ^= p[i];
  g_sink ^= acc;
}

static TflStatus fake_flex(TflContext *ctx, TflNode *node, void *user) {
  (void)user;
  for (int i = 0; i < node->ninputs; i++) touch(tfl_input(ctx, node, i));
  for (int i = 0; i < node->noutputs; i++) {
    TflTensor *t = tfl_output(ctx, node, i);
    if (!t) continue;
    int32_t dims[TFL_MAX_RANK];
    int rank = t->rank < 0 ? 0 : t->rank > TFL_MAX_RANK ? TFL_MAX_RANK : t->rank;
    for (int d = 0; d < rank; d++) dims[d] = t->dims[d] < 0 ? 1 : t->dims[d];
    if (tfl_resize(ctx, t, rank, dims) != TFL_OK) return TFL_ERROR;
    if (t->data && t->bytes) memset(t->data, 0, t->bytes);
  }
  return TFL_OK;
}

static void fill(TflTensor *t, int one) {
  if (!t || !t->data || t->alloc == TFL_ALLOC_CONST || t->type == TFL_STRING) return;
  memset(t->data, 0, t->bytes);
  if (!one) return;
  size_t es = tfl_type_size(t->type);
  if (!es) return;
  size_t n = t->bytes / es;
  uint8_t *p = t->data;
  for (size_t i = 0; i < n; i++, p += es) {
    switch (t->type) {
      case TFL_FLOAT32: {
        float v = 1.0f;
        memcpy(p, &v, 4);
        break;
      }
      case TFL_FLOAT64: {
        double v = 1.0;
        memcpy(p, &v, 8);
        break;
      }
      case TFL_FLOAT16: p[0] = 0x00, p[1] = 0x3c; break;
      default: p[0] = 1; break; /* little-endian integer / bool 1 */
    }
  }
}

static void run_subgraph(TflContext *ctx, const TflModel *m, int sg) {
  if (sg < 0 || sg >= m->nsubgraphs) return;
  const TflSubgraphDesc *s = &m->subgraphs[sg];
  /* Unknown (-1) dimensions of inputs become 2, as a caller resizing a dynamic input would. */
  for (int i = 0; i < s->ninputs; i++) {
    int ti = s->inputs[i];
    if (ti < 0 || ti >= s->ntensors) continue;
    const TflTensorDesc *d = &s->tensors[ti];
    if (!d->has_signature || d->sig_rank < 0 || d->sig_rank > TFL_MAX_RANK) continue;
    int dyn = 0;
    int32_t dims[TFL_MAX_RANK];
    for (int k = 0; k < d->sig_rank; k++) {
      dims[k] = d->sig[k] < 0 ? 2 : d->sig[k];
      dyn |= d->sig[k] < 0;
    }
    if (dyn && tfl_resize_input(ctx, sg, ti, d->sig_rank, dims)) check_error("resize_input", tfl_last_error(ctx));
  }
  if (tfl_allocate(ctx, sg)) {
    check_error("allocate", tfl_last_error(ctx));
    return;
  }
  g_stats.allocated++;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < s->ninputs; i++) fill(tfl_get_tensor(ctx, sg, s->inputs[i]), pass);
    if (tfl_invoke(ctx, sg)) {
      check_error("invoke", tfl_last_error(ctx));
      return;
    }
    for (int i = 0; i < s->noutputs; i++) touch(tfl_get_tensor(ctx, sg, s->outputs[i]));
    g_stats.invoked++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024];
  err[0] = 0;
  /* preserve_all (no arena sharing) for about one input in eight, chosen by the size so reruns are identical. */
  int preserve_all = (size & 7) == 3;
  g_stats.inputs++;
  TflContext *ctx = tfl_create(data, size, g_threads, preserve_all, MAX_BYTES, err, sizeof err);
  if (!ctx) {
    check_error("create", err);
    return 0;
  }
  g_stats.parsed++;
  tfl_set_max_loop_iterations(ctx, MAX_LOOP);
  tfl_set_max_work(ctx, MAX_WORK);
  tfl_set_flex(ctx, fake_flex, NULL);
  const TflModel *m = tfl_get_model(ctx);
  run_subgraph(ctx, m, 0);
  for (int i = 0; i < m->nsignatures && i < MAX_SIGNATURES; i++)
    if (m->signatures[i].subgraph != 0) run_subgraph(ctx, m, m->signatures[i].subgraph);
  tfl_destroy(ctx);
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *t = getenv("TFLRT_FUZZ_THREADS");
  if (t && atoi(t) > 0) g_threads = atoi(t);
  atexit(print_stats);
  return 0;
}

/* ------------------------------------------------------------------------------------------------------------------
 * Mutator
 * ------------------------------------------------------------------------------------------------------------------ */

typedef struct {
  uint64_t s;
} Rng;

static uint64_t rnd(Rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static size_t below(Rng *r, size_t n) { return n ? (size_t)(rnd(r) % n) : 0; }
static int chance(Rng *r, int pct) { return (int)below(r, 100) < pct; }

/* ---- FlatBuffer walk: structural sites of a tflite file ---- */

enum { K_UOFF, K_SOFF, K_VTSIZE, K_VTENTRY, K_VLEN, K_I32, K_U8, K_I64, K_F32, K_ANY, K_NKINDS };

typedef struct {
  uint32_t pos;
  uint8_t kind;
} Site;

/* Field kinds of the schema tables the walker knows. */
enum { F_NONE, F_U8, F_I32, F_I64, F_STR, F_TABLE, F_VTABLE, F_VI32, F_VU8, F_VF32, F_VI64, F_UNION };
enum { S_MODEL, S_OPCODE, S_SUBGRAPH, S_TENSOR, S_QUANT, S_OPERATOR, S_BUFFER, S_METADATA, S_SIGDEF, S_TENSORMAP, S_GENERIC };

typedef struct {
  uint8_t kind, sub;
} Field;

#define NF 14
static const Field SCHEMA[][NF] = {
    [S_MODEL] = {{F_I32, 0}, {F_VTABLE, S_OPCODE}, {F_VTABLE, S_SUBGRAPH}, {F_STR, 0}, {F_VTABLE, S_BUFFER}, {F_VI32, 0},
                 {F_VTABLE, S_METADATA}, {F_VTABLE, S_SIGDEF}},
    [S_OPCODE] = {{F_U8, 0}, {F_STR, 0}, {F_I32, 0}, {F_I32, 0}},
    [S_SUBGRAPH] = {{F_VTABLE, S_TENSOR}, {F_VI32, 0}, {F_VI32, 0}, {F_VTABLE, S_OPERATOR}, {F_STR, 0}},
    [S_TENSOR] = {{F_VI32, 0}, {F_U8, 0}, {F_I32, 0}, {F_STR, 0}, {F_TABLE, S_QUANT}, {F_U8, 0}, {F_TABLE, S_GENERIC}, {F_VI32, 0}, {F_U8, 0},
                  {F_VTABLE, S_GENERIC}},
    [S_QUANT] = {{F_VF32, 0}, {F_VF32, 0}, {F_VF32, 0}, {F_VI64, 0}, {F_U8, 0}, {F_UNION, 0}, {F_I32, 0}},
    [S_OPERATOR] = {{F_I32, 0}, {F_VI32, 0}, {F_VI32, 0}, {F_U8, 0}, {F_UNION, 0}, {F_VU8, 0}, {F_U8, 0}, {F_VU8, 0}, {F_VI32, 0}, {F_I64, 0},
                    {F_I64, 0}, {F_U8, 0}, {F_UNION, 0}},
    [S_BUFFER] = {{F_VU8, 0}, {F_I64, 0}, {F_I64, 0}},
    [S_METADATA] = {{F_STR, 0}, {F_I32, 0}},
    [S_SIGDEF] = {{F_VTABLE, S_TENSORMAP}, {F_VTABLE, S_TENSORMAP}, {F_STR, 0}, {F_STR, 0}, {F_I32, 0}},
    [S_TENSORMAP] = {{F_STR, 0}, {F_I32, 0}},
    [S_GENERIC] = {{F_NONE, 0}},
};

#define MAX_SITES 8192
#define MAX_TABLES 2048

typedef struct {
  const uint8_t *b;
  size_t n;
  Site *s;
  int ns;
  uint32_t tables[MAX_TABLES]; /* visited table positions */
  int nt;
  uint32_t vtables[64]; /* some vtable positions (targets for soffset redirection) */
  int nvt;
} Walk;

static uint32_t rd32(const uint8_t *b, size_t p) { return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24; }
static uint16_t rd16(const uint8_t *b, size_t p) { return (uint16_t)(b[p] | b[p + 1] << 8); }
static void wr16(uint8_t *b, size_t p, uint16_t v) { b[p] = (uint8_t)v, b[p + 1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *b, size_t p, uint32_t v) {
  for (int i = 0; i < 4; i++) b[p + i] = (uint8_t)(v >> (8 * i));
}
static void wr64(uint8_t *b, size_t p, uint64_t v) {
  for (int i = 0; i < 8; i++) b[p + i] = (uint8_t)(v >> (8 * i));
}

static void add(Walk *w, size_t pos, int kind, size_t width) {
  if (w->ns < MAX_SITES && pos + width <= w->n) w->s[w->ns++] = (Site){(uint32_t)pos, (uint8_t)kind};
}

static void walk_table(Walk *w, size_t t, int schema, int depth);

/* An offset field at p: records it and returns its target, or 0 when the target is not inside the file. */
static size_t follow(Walk *w, size_t p) {
  if (p + 4 > w->n) return 0;
  add(w, p, K_UOFF, 4);
  size_t tgt = p + rd32(w->b, p);
  return tgt + 4 <= w->n ? tgt : 0;
}

static void walk_vector(Walk *w, size_t v, int kind, int sub, int depth) {
  add(w, v, K_VLEN, 4);
  size_t len = rd32(w->b, v), width = kind == F_VI64 ? 8 : kind == F_VU8 ? 1 : 4;
  size_t cap = kind == F_VU8 ? 8 : 64; /* a few elements are enough */
  for (size_t i = 0; i < len && i < cap; i++) {
    size_t e = v + 4 + i * width;
    if (e + width > w->n) break;
    switch (kind) {
      case F_VTABLE: {
        size_t t = follow(w, e);
        if (t) walk_table(w, t, sub, depth + 1);
        break;
      }
      case F_VI32: add(w, e, K_I32, 4); break;
      case F_VF32: add(w, e, K_F32, 4); break;
      case F_VI64: add(w, e, K_I64, 8); break;
      default: add(w, e, K_U8, 1); break;
    }
  }
}

static void walk_table(Walk *w, size_t t, int schema, int depth) {
  if (depth > 8 || t + 4 > w->n || w->ns >= MAX_SITES) return;
  for (int i = 0; i < w->nt; i++)
    if (w->tables[i] == t) return;
  if (w->nt < MAX_TABLES) w->tables[w->nt++] = (uint32_t)t;
  add(w, t, K_SOFF, 4);
  int64_t vt = (int64_t)t - (int32_t)rd32(w->b, t);
  if (vt < 0 || (size_t)vt + 4 > w->n) return;
  if (w->nvt < 64) w->vtables[w->nvt++] = (uint32_t)vt;
  add(w, (size_t)vt, K_VTSIZE, 2);
  add(w, (size_t)vt + 2, K_VTSIZE, 2);
  size_t vsize = rd16(w->b, (size_t)vt), nf = vsize >= 4 ? (vsize - 4) / 2 : 0;
  for (size_t i = 0; i < nf && i < 64; i++) {
    size_t e = (size_t)vt + 4 + 2 * i;
    if (e + 2 > w->n) break;
    add(w, e, K_VTENTRY, 2);
    size_t off = rd16(w->b, e);
    if (!off || t + off >= w->n) continue;
    size_t f = t + off;
    int kind = i < NF ? SCHEMA[schema][i].kind : F_NONE, sub = i < NF ? SCHEMA[schema][i].sub : 0;
    if (schema == S_GENERIC) kind = F_NONE;
    switch (kind) {
      case F_U8: add(w, f, K_U8, 1); break;
      case F_I32: add(w, f, K_I32, 4); break;
      case F_I64: add(w, f, K_I64, 8); break;
      case F_NONE: add(w, f, K_ANY, 1); break;
      case F_STR: {
        size_t s = follow(w, f);
        if (s) add(w, s, K_VLEN, 4);
        break;
      }
      case F_TABLE:
      case F_UNION: {
        size_t s = follow(w, f);
        if (s) walk_table(w, s, kind == F_UNION ? S_GENERIC : sub, depth + 1);
        break;
      }
      default: {
        size_t s = follow(w, f);
        if (s) walk_vector(w, s, kind, sub, depth);
        break;
      }
    }
  }
}

static int walk_sites(const uint8_t *b, size_t n, Site *sites, Walk *w) {
  w->b = b, w->n = n, w->s = sites, w->ns = 0, w->nt = 0, w->nvt = 0;
  if (n < 8) return 0;
  size_t root = follow(w, 0);
  add(w, 4, K_ANY, 4); /* file identifier */
  if (root) walk_table(w, root, S_MODEL, 0);
  return w->ns;
}

/* ---- values ---- */

static const uint32_t I32S[] = {0, 1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 32, 63, 64, 127, 128, 255, 256, 1023, 1024, 0x7fff,
                                0x8000, 0xffff, 0x10000, 0x100000, 0x1000000, 0x3fffffff, 0x40000000, 0x7ffffffe,
                                0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xfffffff0, 0xffff8000};
static const uint32_t LENS[] = {0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x40000000, 0x3fffffff,
                                0x40000001, 0x20000000, 0x20000001, 0x10000000, 0x1fffffff, 0x01000000, 0x00ffffff};

static uint32_t pick_u32(Rng *r, const uint32_t *v, size_t n) { return v[below(r, n)]; }
#define PICK(r, a) pick_u32(r, a, sizeof(a) / sizeof(a[0]))

static void mutate_site(uint8_t *b, size_t n, const Walk *w, const Site *st, Rng *r) {
  size_t p = st->pos;
  switch (st->kind) {
    case K_UOFF: { /* offset relative to p */
      uint32_t cur = rd32(b, p), v;
      switch (below(r, 7)) {
        case 0: v = PICK(r, I32S); break;
        case 1: v = (uint32_t)(n - p) - (uint32_t)below(r, 9); break; /* at / just before the end */
        case 2: v = (uint32_t)(n - p + below(r, 64)); break;           /* past the end */
        case 3: v = cur + (uint32_t)(below(r, 33)) - 16; break;
        case 4: v = cur + 4 * (uint32_t)(below(r, 33) - 16); break;
        case 5: v = (uint32_t)(w->s[below(r, (size_t)w->ns)].pos - p); break; /* to another site (type confusion) */
        default: v = (uint32_t)(w->tables[below(r, (size_t)w->nt)] - p); break; /* to another table */
      }
      wr32(b, p, v);
      break;
    }
    case K_SOFF: { /* vtable = p - soff */
      int32_t cur = (int32_t)rd32(b, p), v;
      switch (below(r, 6)) {
        case 0: v = (int32_t)PICK(r, I32S); break;
        case 1: v = (int32_t)((int64_t)p - (int64_t)n + (int64_t)below(r, 6)); break; /* vtable at the end */
        case 2: v = (int32_t)p - (int32_t)below(r, 4);                                 /* vtable at the start */ break;
        case 3: v = (int32_t)((uint32_t)cur + (uint32_t)below(r, 17) - 8u); break;
        case 4: v = (int32_t)(0u - (uint32_t)cur); break;
        default: v = w->nvt ? (int32_t)((int64_t)p - w->vtables[below(r, (size_t)w->nvt)]) : 0; break; /* other vtable */
      }
      wr32(b, p, (uint32_t)v);
      break;
    }
    case K_VTSIZE: {
      static const uint16_t V[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7fff, 0x8000, 0xfffe, 0xffff};
      uint16_t cur = rd16(b, p);
      wr16(b, p, chance(r, 60) ? V[below(r, sizeof V / 2)] : (uint16_t)(cur + 2 * (below(r, 9) - 4) + below(r, 2)));
      break;
    }
    case K_VTENTRY: {
      static const uint16_t V[] = {0, 1, 2, 3, 4, 5, 8, 0x7fff, 0x8000, 0xfffc, 0xffff};
      uint16_t cur = rd16(b, p);
      uint16_t v;
      switch (below(r, 4)) {
        case 0: v = V[below(r, sizeof V / 2)]; break;
        case 1: v = (uint16_t)(cur + below(r, 17) - 8); break;
        case 2: { /* another entry of the same vtable (aliases two fields) */
          size_t j = 2 * below(r, 4), q = p >= j ? p - j : p;
          v = rd16(b, q);
          break;
        }
        default: v = (uint16_t)(cur + 4 * (below(r, 9) - 4)); break;
      }
      wr16(b, p, v);
      break;
    }
    case K_VLEN: { /* vector / string length: oversized lengths and their neighbours */
      uint32_t cur = rd32(b, p), v;
      switch (below(r, 5)) {
        case 0:
        case 1: v = PICK(r, LENS); break;
        case 2: v = (uint32_t)((n - p) / (1 + below(r, 8))) + (uint32_t)below(r, 3); break; /* just past the end */
        case 3: v = cur + (uint32_t)below(r, 5) - 2; break;
        default: v = cur * (uint32_t)(2 + below(r, 3)); break;
      }
      wr32(b, p, v);
      break;
    }
    case K_I32: {
      uint32_t cur = rd32(b, p), v;
      switch (below(r, 4)) {
        case 0:
        case 1: v = PICK(r, I32S); break;
        case 2: v = cur + (uint32_t)below(r, 9) - 4; break;
        default: v = 0u - cur; break;
      }
      wr32(b, p, v);
      break;
    }
    case K_I64: {
      static const uint64_t V[] = {0, 1, 0xffffffffffffffffull, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                   0x80000000ull, 0xffffffffull, 0x100000000ull, 0x100000001ull, 1ull << 40, 16, 64};
      uint64_t cur = 0;
      for (int i = 0; i < 8; i++) cur |= (uint64_t)b[p + i] << (8 * i);
      uint64_t v;
      switch (below(r, 4)) {
        case 0: v = V[below(r, sizeof V / 8)]; break;
        case 1: v = n + below(r, 9) - 4; break;
        case 2: v = cur + below(r, 9) - 4; break;
        default: v = cur + ((uint64_t)1 << below(r, 64)); break;
      }
      wr64(b, p, v);
      break;
    }
    case K_F32: {
      static const float V[] = {0.0f, -0.0f, 1.0f, -1.0f, NAN, INFINITY, -INFINITY, 1e-45f, 1.17549435e-38f,
                                3.40282347e+38f, 1e-10f, 1e10f, 0.5f, 65536.0f};
      float v;
      if (chance(r, 70)) v = V[below(r, sizeof V / sizeof V[0])];
      else {
        uint32_t bits = rd32(b, p) ^ (1u << below(r, 32));
        memcpy(&v, &bits, 4);
      }
      uint32_t bits;
      memcpy(&bits, &v, 4);
      wr32(b, p, bits);
      break;
    }
    case K_U8: {
      static const uint8_t V[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 16, 17, 18, 32, 64, 100, 125, 126, 127, 128, 200, 254, 255};
      b[p] = chance(r, 70) ? V[below(r, sizeof V)] : (uint8_t)(b[p] + below(r, 5) - 2);
      break;
    }
    default: /* K_ANY: a byte, or a 32-bit value when it fits */
      if (p + 4 <= n && chance(r, 50)) wr32(b, p, PICK(r, I32S));
      else b[p] = (uint8_t)rnd(r);
      break;
  }
}

/* Positions near the start hold most tables and vtables in converter output; bias towards them half the time. */
static size_t pos_in(Rng *r, size_t n) { return chance(r, 50) ? below(r, n) : below(r, n < 4096 ? n : 4096); }

/* One mutation of b[0..n) in place (capacity cap); returns the new size. */
static size_t mutate_once(uint8_t *b, size_t n, size_t cap, Rng *r) {
  static Site sites[MAX_SITES];
  static Walk w;
  if (n < 8) { /* grow back to something parseable */
    while (n < 8 && n < cap) b[n++] = (uint8_t)rnd(r);
    return n;
  }
  unsigned op = (unsigned)below(r, 100);
  if (op < 45) { /* structural site */
    if (walk_sites(b, n, sites, &w)) mutate_site(b, n, &w, &sites[below(r, (size_t)w.ns)], r);
    else b[below(r, n)] ^= (uint8_t)(1u << below(r, 8));
    return n;
  }
  if (op < 53) { /* truncation: anywhere, near the end, or right after a structural site */
    switch (below(r, 3)) {
      case 0: return below(r, n);
      case 1: return n - 1 - below(r, n < 64 ? n : 64);
      default: {
        size_t p = walk_sites(b, n, sites, &w) ? sites[below(r, (size_t)w.ns)].pos + below(r, 4) : below(r, n);
        return p < n ? p : n - 1;
      }
    }
  }
  if (op < 63) { /* bit flips */
    for (size_t k = 1 + below(r, 8); k; k--) {
      size_t p = pos_in(r, n);
      b[p] ^= (uint8_t)(1u << below(r, 8));
    }
    return n;
  }
  if (op < 75) { /* byte / 16 / 32 / 64-bit overwrite with a boundary value (aligned or not) */
    size_t width = (size_t)1 << below(r, 4), p = pos_in(r, n);
    if (chance(r, 75)) p &= ~(width - 1);
    if (p + width > n) return n;
    uint64_t v = chance(r, 80) ? PICK(r, I32S) : rnd(r);
    if (width == 8 && chance(r, 50)) v = (uint64_t)(int64_t)(int32_t)v; /* sign-extended */
    for (size_t i = 0; i < width; i++) b[p + i] = (uint8_t)(v >> (8 * i));
    return n;
  }
  if (op < 82) { /* insert bytes: shifts every later offset */
    size_t k = 1 + below(r, 16), p = pos_in(r, n);
    if (n + k > cap) return n;
    memmove(b + p + k, b + p, n - p);
    for (size_t i = 0; i < k; i++) b[p + i] = chance(r, 50) ? 0 : (uint8_t)rnd(r);
    return n + k;
  }
  if (op < 89) { /* delete bytes */
    size_t p = pos_in(r, n), k = 1 + below(r, 16);
    if (p + k > n) k = n - p;
    memmove(b + p, b + p + k, n - p - k);
    return n - k;
  }
  if (op < 96) { /* copy a chunk over another place */
    size_t len = 1 + below(r, 64);
    if (len > n) len = n;
    size_t src = below(r, n - len + 1), dst = below(r, n - len + 1);
    memmove(b + dst, b + src, len);
    return n;
  }
  /* append bytes (the file is longer than its structure says) */
  size_t k = 1 + below(r, 64);
  if (n + k > cap) k = cap - n;
  for (size_t i = 0; i < k; i++) b[n + i] = (uint8_t)rnd(r);
  return n + k;
}

/* Splices two models into out (capacity cap); returns the size. */
static size_t splice(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out, size_t cap, Rng *r) {
  if (!na || !nb) {
    size_t n = na ? na : nb;
    if (n > cap) n = cap;
    memcpy(out, na ? a : b, n);
    return n;
  }
  if (chance(r, 50)) { /* prefix of a + suffix of b, at the same position or anywhere */
    size_t i = below(r, na + 1), j = chance(r, 50) ? (i < nb ? i : nb) : below(r, nb + 1);
    if (i > cap) i = cap;
    size_t k = nb - j;
    if (i + k > cap) k = cap - i;
    memcpy(out, a, i);
    memcpy(out + i, b + j, k);
    return i + k;
  }
  /* a chunk of b over a at the same position (keeps relative offsets of both) */
  size_t n = na < cap ? na : cap;
  memcpy(out, a, n);
  size_t m = n < nb ? n : nb;
  size_t len = 1 + below(r, m < 512 ? m : 512), p = below(r, m - len + 1);
  memcpy(out + p, b + p, len);
  return n;
}

#ifndef TFLRT_FUZZ_STANDALONE
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  Rng r = {seed * 0x2545F4914F6CDD1Dull + 1};
  if (chance(&r, 20)) return LLVMFuzzerMutate(data, size, max_size); /* libFuzzer's own (incl. compare-guided) */
  size_t k = chance(&r, 75) ? 1 : 2 + below(&r, 2);
  for (; k; k--) size = mutate_once(data, size, max_size, &r);
  return size;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out, size_t max_out,
                                 unsigned int seed) {
  Rng r = {seed * 0x9E3779B97F4A7C15ull + 7};
  size_t n = splice(d1, s1, d2, s2, out, max_out, &r);
  if (chance(&r, 50)) n = mutate_once(out, n, max_out, &r);
  return n;
}

#else
/* ------------------------------------------------------------------------------------------------------------------
 * Standalone driver (no libFuzzer): RUNS mutated inputs from the seed files, each 1-4 mutations deep, 15% spliced.
 * ------------------------------------------------------------------------------------------------------------------ */
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

void __sanitizer_set_death_callback(void (*callback)(void));

static const uint8_t *g_cur;
static size_t g_cur_len;
static long long g_iter;
static const char *g_crash_dir;

static void save_current(void) {
  if (!g_cur) return; /* not inside an input (e.g. the leak check at exit) */
  char path[4096];
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < g_cur_len; i++) h = (h ^ g_cur[i]) * 1099511628211ull;
  snprintf(path, sizeof path, "%s/crash-%016llx.tflite", g_crash_dir, (unsigned long long)h);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(g_cur, 1, g_cur_len, f);
    fclose(f);
    fprintf(stderr, "fuzz: reproducer saved to %s\n", path);
    fprintf(stdout, "#%lld inputs before this one\n", g_iter);
    fflush(stdout);
  }
}

static void on_alarm(int sig) {
  (void)sig;
  fprintf(stderr, "fuzz: timeout\n");
  save_current();
  _exit(70);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "--repro")) { /* run saved inputs unchanged */
    LLVMFuzzerInitialize(&argc, &argv);
    g_crash_dir = ".";
    for (int i = 2; i < argc; i++) {
      size_t n;
      uint8_t *b = read_file(argv[i], &n);
      if (!b) {
        perror(argv[i]);
        return 2;
      }
      LLVMFuzzerTestOneInput(b, n);
      free(b);
      printf("%s: ok\n", argv[i]);
    }
    return 0;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: %s RUNS SEED_DIR CRASH_DIR [RNG_SEED [TIMEOUT_S]]\n", argv[0]);
    return 2;
  }
  long long runs = atoll(argv[1]);
  g_crash_dir = argv[3];
  Rng r = {argc > 4 ? strtoull(argv[4], NULL, 10) : 1};
  unsigned timeout = argc > 5 ? (unsigned)atoi(argv[5]) : 10;
  LLVMFuzzerInitialize(&argc, &argv);
  uint8_t *seeds[256];
  size_t lens[256], ns = 0, maxlen = 0;
  DIR *d = opendir(argv[2]);
  if (!d) {
    perror(argv[2]);
    return 2;
  }
  for (struct dirent *e; (e = readdir(d)) && ns < 256;) {
    size_t nl = strlen(e->d_name);
    if (e->d_name[0] == '.' || nl < 7 || strcmp(e->d_name + nl - 7, ".tflite")) continue; /* seed models only */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", argv[2], e->d_name);
    if ((seeds[ns] = read_file(path, &lens[ns]))) {
      if (lens[ns] > maxlen) maxlen = lens[ns];
      ns++;
    }
  }
  closedir(d);
  if (!ns) {
    fprintf(stderr, "no seeds in %s\n", argv[2]);
    return 2;
  }
  size_t cap = 2 * maxlen + 1024;
  uint8_t *buf = malloc(cap);
  __sanitizer_set_death_callback(save_current);
  signal(SIGALRM, on_alarm);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long long i = 0; i < runs; i++) {
    size_t a = below(&r, ns), b2 = below(&r, ns), n;
    if (chance(&r, 15)) n = splice(seeds[a], lens[a], seeds[b2], lens[b2], buf, cap, &r);
    else {
      n = lens[a];
      memcpy(buf, seeds[a], n);
    }
    for (size_t k = chance(&r, 60) ? 1 : 2 + below(&r, 3); k; k--) n = mutate_once(buf, n, cap, &r);
    uint8_t *in = malloc(n ? n : 1); /* exact size: reads past the end are ASan reports */
    memcpy(in, buf, n);
    g_cur = in, g_cur_len = n, g_iter = i;
    alarm(timeout);
    LLVMFuzzerTestOneInput(in, n);
    alarm(0);
    free(in);
    g_cur = NULL;
    if ((i + 1) % 10000 == 0 || i + 1 == runs) {
      clock_gettime(CLOCK_MONOTONIC, &t1);
      double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
      printf("#%lld inputs in %.1f s (%.0f/s)\n", i + 1, s, (double)(i + 1) / s);
      fflush(stdout);
    }
  }
  printf("Done %lld runs\n", runs);
  for (size_t i = 0; i < ns; i++) free(seeds[i]);
  free(buf);
  return 0;
}
#endif
