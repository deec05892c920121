/* Resource variables, as LiteRT's var_handle.cc, read_variable.cc, assign_variable.cc and
 * experimental/resource/resource_variable.cc: VAR_HANDLE gives the id of (container, shared_name) -- ids are numbered
 * in order of first use and shared by every subgraph of one interpreter, so two signatures naming one variable share
 * it -- ASSIGN_VARIABLE stores a copy of its value under an id (type and shape may change), READ_VARIABLE copies the
 * stored value out. The store lives in the interpreter (tfl_ctx_resources), outlives invokes and is freed with it;
 * reset_all_variables leaves it alone, as LiteRT's ResetVariableTensors does. CALL_ONCE is run by interp.c. */
#include <stdlib.h>
#include <string.h>

#include "../interp.h"
#include "../tflrt.h"

typedef struct {
  char *container, *shared_name; /* NUL-terminated, cut at the first NUL as LiteRT's C strings are */
} Handle;

typedef struct {
  int32_t id;
  int32_t type, rank;
  int32_t dims[TFL_MAX_RANK];
  void *data; /* malloc'd, bytes long */
  size_t bytes;
} Var;

struct TflResources {
  Handle *handles; /* handles[i] has id i */
  int nhandles;
  Var *vars;
  int nvars;
};

void tfl_resources_free(TflResources *r) {
  if (!r) return;
  for (int i = 0; i < r->nhandles; i++) {
    free(r->handles[i].container);
    free(r->handles[i].shared_name);
  }
  for (int i = 0; i < r->nvars; i++) free(r->vars[i].data);
  free(r->handles);
  free(r->vars);
  free(r);
}

static TflResources *resources(TflContext *ctx) {
  TflResources **r = tfl_ctx_resources(ctx);
  if (!*r) *r = calloc(1, sizeof **r);
  return *r;
}

static char *copy_name(const char *s, size_t n) {
  const char *nul = memchr(s, 0, n);
  if (nul) n = (size_t)(nul - s);
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

/* The id of (container, shared_name), a new one (the number of names seen so far) on first use; -1 out of memory. */
static int32_t handle_id(TflContext *ctx, const char *c, size_t clen, const char *s, size_t slen) {
  TflResources *r = resources(ctx);
  if (!r) return -1;
  char *container = copy_name(c, clen), *shared_name = copy_name(s, slen);
  if (!container || !shared_name) goto oom;
  for (int i = 0; i < r->nhandles; i++)
    if (strcmp(r->handles[i].container, container) == 0 && strcmp(r->handles[i].shared_name, shared_name) == 0) {
      free(container);
      free(shared_name);
      return i;
    }
  Handle *h = realloc(r->handles, sizeof *h * ((size_t)r->nhandles + 1));
  if (!h) goto oom;
  r->handles = h;
  h[r->nhandles].container = container;
  h[r->nhandles].shared_name = shared_name;
  return r->nhandles++;
oom:
  free(container);
  free(shared_name);
  return -1;
}

static Var *find_var(TflContext *ctx, int32_t id) {
  TflResources *r = *tfl_ctx_resources(ctx);
  if (r)
    for (int i = 0; i < r->nvars; i++)
      if (r->vars[i].id == id) return &r->vars[i];
  return NULL;
}

/* ---- VAR_HANDLE: no inputs; output 0 holds the int32 id ---- */

static TflStatus var_handle_prepare(TflContext *ctx, TflNode *node) {
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!out) return tfl_error(ctx, "VAR_HANDLE: missing output");
  if ((out->type != TFL_RESOURCE && out->type != TFL_INT32) || tfl_num_elements(out) != 1)
    return tfl_error(ctx, "VAR_HANDLE: the output must be one resource (or int32) element, not %s with %lld elements",
                     tfl_type_name(out->type), (long long)tfl_num_elements(out));
  const char *c, *s;
  size_t clen, slen;
  if (tfl_opt_string(node, TFL_VarHandleOptions_container, &c, &clen) < 0 ||
      tfl_opt_string(node, TFL_VarHandleOptions_shared_name, &s, &slen) < 0)
    return tfl_error(ctx, "malformed model: VAR_HANDLE's container or shared_name lies outside the file");
  const int32_t id = handle_id(ctx, c ? c : "", clen, s ? s : "", slen);
  if (id < 0) return tfl_error(ctx, "VAR_HANDLE: out of memory");
  int32_t *p = malloc(sizeof *p);
  if (!p) return tfl_error(ctx, "VAR_HANDLE: out of memory");
  *p = id;
  node->user_data = p;
  node->free_user_data = free;
  /* a resource tensor has no element size: the id gets 4 bytes of storage the tensor owns */
  return tfl_tensor_set_bytes(ctx, out, &id, sizeof id);
}

static TflStatus var_handle_eval(TflContext *ctx, TflNode *node) {
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!node->user_data || !out->data || out->bytes < sizeof(int32_t)) return tfl_error(ctx, "VAR_HANDLE: not prepared");
  memcpy(out->data, node->user_data, sizeof(int32_t));
  return TFL_OK;
}

/* ---- READ_VARIABLE (id) -> value, ASSIGN_VARIABLE (id, value) ---- */

static TflStatus check_id_operand(TflContext *ctx, TflNode *node, const char *op) {
  TflTensor *id = tfl_input(ctx, node, 0);
  if (!id) return tfl_error(ctx, "%s: missing resource id input", op);
  if (id->type != TFL_RESOURCE && id->type != TFL_INT32)
    return tfl_error(ctx, "%s: the resource id input is %s, not resource or int32", op, tfl_type_name(id->type));
  if (tfl_num_elements(id) != 1) return tfl_error(ctx, "%s: the resource id input must have one element", op);
  return TFL_OK;
}

static TflStatus read_id(TflContext *ctx, TflNode *node, const char *op, int32_t *id) {
  const TflTensor *t = tfl_input(ctx, node, 0);
  if (!t || !t->data || t->bytes < sizeof(int32_t)) return tfl_error(ctx, "%s: the resource id input holds no id", op);
  memcpy(id, t->data, sizeof *id);
  return TFL_OK;
}

static TflStatus read_variable_prepare(TflContext *ctx, TflNode *node) {
  if (node->ninputs != 1 || node->noutputs != 1) return tfl_error(ctx, "READ_VARIABLE: expects 1 input and 1 output");
  TflStatus st = check_id_operand(ctx, node, "READ_VARIABLE");
  if (st != TFL_OK) return st;
  TflTensor *out = tfl_output(ctx, node, 0);
  if (!out) return tfl_error(ctx, "READ_VARIABLE: missing output");
  out->alloc = TFL_ALLOC_DYNAMIC; /* the shape is the stored value's */
  return TFL_OK;
}

static TflStatus read_variable_eval(TflContext *ctx, TflNode *node) {
  int32_t id = 0;
  if (read_id(ctx, node, "READ_VARIABLE", &id) != TFL_OK) return TFL_ERROR;
  const Var *v = find_var(ctx, id);
  if (!v) return tfl_error(ctx, "READ_VARIABLE: resource variable %d has no value (it was never assigned)", id);
  TflTensor *out = tfl_output(ctx, node, 0);
  if (out->type != v->type)
    return tfl_error(ctx, "READ_VARIABLE: the variable holds %s, the output is %s", tfl_type_name(v->type), tfl_type_name(out->type));
  if (tfl_resize(ctx, out, v->rank, v->dims) != TFL_OK) return TFL_ERROR;
  if (out->type == TFL_STRING) return tfl_tensor_set_bytes(ctx, out, v->data, v->bytes);
  if (out->bytes != v->bytes) return tfl_error(ctx, "READ_VARIABLE: stored value size %zu, output %zu", v->bytes, out->bytes);
  if (v->bytes) memcpy(out->data, v->data, v->bytes);
  return TFL_OK;
}

static TflStatus assign_variable_prepare(TflContext *ctx, TflNode *node) {
  if (node->ninputs != 2 || node->noutputs != 0) return tfl_error(ctx, "ASSIGN_VARIABLE: expects 2 inputs and no output");
  if (!tfl_input(ctx, node, 1)) return tfl_error(ctx, "ASSIGN_VARIABLE: missing value input");
  return check_id_operand(ctx, node, "ASSIGN_VARIABLE");
}

static TflStatus assign_variable_eval(TflContext *ctx, TflNode *node) {
  int32_t id = 0;
  if (read_id(ctx, node, "ASSIGN_VARIABLE", &id) != TFL_OK) return TFL_ERROR;
  const TflTensor *value = tfl_input(ctx, node, 1);
  if (value->bytes && !value->data) return tfl_error(ctx, "ASSIGN_VARIABLE: the value has no data");
  Var *v = find_var(ctx, id);
  if (!v) { /* created on first assignment, as CreateResourceVariableIfNotAvailable */
    TflResources *r = resources(ctx);
    Var *vars = r ? realloc(r->vars, sizeof *vars * ((size_t)r->nvars + 1)) : NULL;
    if (!vars) return tfl_error(ctx, "ASSIGN_VARIABLE: out of memory");
    r->vars = vars;
    v = &vars[r->nvars++];
    memset(v, 0, sizeof *v);
    v->id = id;
  }
  if (!v->data || v->bytes != value->bytes) {
    void *p = malloc(value->bytes ? value->bytes : 1);
    if (!p) return tfl_error(ctx, "ASSIGN_VARIABLE: out of memory for %zu bytes", value->bytes);
    free(v->data);
    v->data = p;
  }
  v->type = value->type;
  v->rank = value->rank;
  memcpy(v->dims, value->dims, sizeof v->dims);
  v->bytes = value->bytes;
  if (value->bytes) memcpy(v->data, value->data, value->bytes);
  return TFL_OK;
}

const TflKernel tfl_kernels_resource[] = {
    {TFL_OP_VAR_HANDLE, "VAR_HANDLE", 1, 1, var_handle_prepare, var_handle_eval},
    {TFL_OP_READ_VARIABLE, "READ_VARIABLE", 1, 1, read_variable_prepare, read_variable_eval},
    {TFL_OP_ASSIGN_VARIABLE, "ASSIGN_VARIABLE", 1, 1, assign_variable_prepare, assign_variable_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
