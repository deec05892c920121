/* CPython extension runtime._tflrt: a thin object over interp.c. The Python layer (runtime/interpreter.py) builds the
 * LiteRT-compatible API on top of it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "interp.h"

typedef struct {
  PyObject_HEAD
  TflContext *ctx;
  Py_buffer model; /* keeps the model bytes alive: constant tensors point into them */
  int have_model;
  PyObject *flex; /* callable(custom_code, custom_options: bytes, inputs: list) -> list[(type, shape, buffer)] */
  PyObject *observer; /* callable(subgraph, tensor, min, max, has_nan) per float32 tensor seen (tfl_set_observer) */
  int busy;       /* allocate/invoke running without the GIL: other calls on this object are refused */
  Py_ssize_t views; /* live TensorBuffer objects (numpy views onto tensor storage): allocate/invoke/resize refused */
} InterpObject;

/* LiteRT's words (interpreter.py _ensure_safe) for a call that could move tensor storage while a view is alive. */
#define TFL_VIEWS_ALIVE_MSG                                                                                       \
  "There is at least 1 reference to internal data\n      in the interpreter in the form of a numpy array or slice. " \
  "Be sure to\n      only hold the function returned from tensor() if you are using raw\n      data access."
#define NO_LIVE_VIEWS                                                  \
  if (self->views > 0) {                                               \
    PyErr_SetString(PyExc_RuntimeError, TFL_VIEWS_ALIVE_MSG);         \
    return NULL;                                                       \
  }

/* The storage of one tensor exported through the buffer protocol (Interp.view): holds a reference to the interpreter,
 * so the memory outlives neither the interpreter nor the model bytes, and counts itself in interp->views while alive,
 * so nothing that may move or free tensor storage (allocate, resize, invoke) runs under a live view. */
typedef struct {
  PyObject_HEAD
  InterpObject *interp;
  void *data;
  Py_ssize_t len;
  int readonly;
} TensorBufferObject;

static int TensorBuffer_getbuffer(TensorBufferObject *self, Py_buffer *view, int flags) {
  return PyBuffer_FillInfo(view, (PyObject *)self, self->data, self->len, self->readonly, flags);
}

static void TensorBuffer_dealloc(TensorBufferObject *self) {
  if (self->interp) {
    self->interp->views--;
    Py_DECREF(self->interp);
  }
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyBufferProcs TensorBuffer_as_buffer = {(getbufferproc)TensorBuffer_getbuffer, NULL};

static PyTypeObject TensorBufferType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "runtime._tflrt.TensorBuffer",
    .tp_basicsize = sizeof(TensorBufferObject),
    .tp_dealloc = (destructor)TensorBuffer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Storage of one interpreter tensor (keeps the interpreter alive; blocks reallocation while alive).",
    .tp_as_buffer = &TensorBuffer_as_buffer,
};

static PyObject *raise_ctx(InterpObject *self, int allocate_or_invoke) {
  const char *msg = tfl_last_error(self->ctx);
  if (!msg || !msg[0]) msg = "unknown error";
  PyObject *exc = PyExc_ValueError;
  if (allocate_or_invoke && strncmp(msg, "malformed model", 15) != 0) exc = PyExc_RuntimeError;
  PyErr_SetString(exc, msg);
  return NULL;
}

static TflStatus flex_call(TflContext *ctx, TflNode *node, InterpObject *self);

/* The observer sees each float32 tensor's min and max (NaN left out) as soon as it is written, not its storage:
 * tensors cannot be read from Python while invoke runs. Called without the GIL, from tfl_invoke. */
static int observe_trampoline(TflContext *ctx, int sg, int tensor, const TflTensor *t, void *user) {
  (void)ctx;
  InterpObject *self = (InterpObject *)user;
  if (!self->observer || t->type != TFL_FLOAT32 || !t->data) return 0;
  const int64_t n = tfl_num_elements(t);
  const float *v = (const float *)t->data;
  float lo = INFINITY, hi = -INFINITY;
  int nan = 0;
  for (int64_t i = 0; i < n; i++) {
    if (v[i] != v[i]) nan = 1;
    else {
      if (v[i] < lo) lo = v[i];
      if (v[i] > hi) hi = v[i];
    }
  }
  if (n <= 0) return 0;
  PyGILState_STATE g = PyGILState_Ensure();
  PyObject *r = PyObject_CallFunction(self->observer, "iiddi", sg, tensor, (double)lo, (double)hi, nan);
  int rc = r ? 0 : -1;
  Py_XDECREF(r);
  PyGILState_Release(g);
  return rc;
}

/* Called from tfl_invoke, which runs without the GIL: take it for the Python handler. */
static TflStatus flex_trampoline(TflContext *ctx, TflNode *node, void *user) {
  PyGILState_STATE g = PyGILState_Ensure();
  TflStatus st = flex_call(ctx, node, (InterpObject *)user);
  PyGILState_Release(g);
  return st;
}

static TflStatus flex_call(TflContext *ctx, TflNode *node, InterpObject *self) {
  if (!self->flex) return tfl_error(ctx, "no Flex handler installed");
  PyObject *inputs = PyList_New(node->ninputs);
  if (!inputs) goto pyerr;
  for (int i = 0; i < node->ninputs; i++) {
    TflTensor *t = tfl_input(ctx, node, i);
    PyObject *item;
    if (!t) {
      Py_INCREF(Py_None);
      item = Py_None;
    } else {
      PyObject *shape = PyTuple_New(t->rank);
      if (!shape) { Py_DECREF(inputs); goto pyerr; }
      for (int d = 0; d < t->rank; d++) PyTuple_SET_ITEM(shape, d, PyLong_FromLong(t->dims[d]));
      PyObject *data = PyBytes_FromStringAndSize(t->data ? (const char *)t->data : "", t->data ? (Py_ssize_t)t->bytes : 0);
      if (!data) { Py_DECREF(shape); Py_DECREF(inputs); goto pyerr; }
      item = Py_BuildValue("(iNN)", (int)t->type, shape, data);
      if (!item) { Py_DECREF(inputs); goto pyerr; }
    }
    PyList_SET_ITEM(inputs, i, item);
  }
  PyObject *opts = PyBytes_FromStringAndSize(node->custom_options ? (const char *)node->custom_options : "",
                                             (Py_ssize_t)node->custom_options_len);
  if (!opts) { Py_DECREF(inputs); goto pyerr; }
  PyObject *res = PyObject_CallFunction(self->flex, "sNN", node->custom_code ? node->custom_code : "", opts, inputs);
  if (!res) goto pyerr;
  PyObject *seq = PySequence_Fast(res, "Flex handler must return a sequence");
  Py_DECREF(res);
  if (!seq) goto pyerr;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n != node->noutputs) {
    Py_DECREF(seq);
    return tfl_error(ctx, "custom op %s produced %zd outputs, the model declares %d", node->custom_code, n, node->noutputs);
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    TflTensor *t = tfl_output(ctx, node, (int)i);
    if (!t) continue;
    int type;
    PyObject *shape, *data;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iOO", &type, &shape, &data)) { Py_DECREF(seq); goto pyerr; }
    if (type != t->type) {
      Py_DECREF(seq);
      return tfl_error(ctx, "custom op %s output %zd has type %s, the model declares %s", node->custom_code, i, tfl_type_name(type),
                       tfl_type_name(t->type));
    }
    PyObject *sh = PySequence_Fast(shape, "shape must be a sequence");
    if (!sh) { Py_DECREF(seq); goto pyerr; }
    Py_ssize_t rank = PySequence_Fast_GET_SIZE(sh);
    int32_t dims[TFL_MAX_RANK];
    if (rank > TFL_MAX_RANK) {
      Py_DECREF(sh);
      Py_DECREF(seq);
      return tfl_error(ctx, "custom op %s output %zd has rank %zd (max %d)", node->custom_code, i, rank, TFL_MAX_RANK);
    }
    for (Py_ssize_t d = 0; d < rank; d++) dims[d] = (int32_t)PyLong_AsLong(PySequence_Fast_GET_ITEM(sh, d));
    Py_DECREF(sh);
    if (PyErr_Occurred()) { Py_DECREF(seq); goto pyerr; }
    if (tfl_resize(ctx, t, (int32_t)rank, dims) != TFL_OK) { Py_DECREF(seq); return TFL_ERROR; }
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_C_CONTIGUOUS) < 0) { Py_DECREF(seq); goto pyerr; }
    if (t->type == TFL_STRING) { /* LiteRT string layout: the size comes with the data */
      TflStatus st = tfl_tensor_set_bytes(ctx, t, view.buf, (size_t)view.len);
      PyBuffer_Release(&view);
      if (st != TFL_OK) { Py_DECREF(seq); return st; }
      continue;
    }
    if ((size_t)view.len != t->bytes) {
      size_t got = (size_t)view.len;
      PyBuffer_Release(&view);
      Py_DECREF(seq);
      return tfl_error(ctx, "custom op %s output %zd has %zu bytes, expected %zu", node->custom_code, i, got, t->bytes);
    }
    if (t->bytes) memcpy(t->data, view.buf, t->bytes);
    PyBuffer_Release(&view);
  }
  Py_DECREF(seq);
  return TFL_OK;
pyerr : {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyObject *s = value ? PyObject_Str(value) : NULL;
  const char *m = s ? PyUnicode_AsUTF8(s) : NULL;
  tfl_error(ctx, "custom op %s: %s: %s", node->custom_code ? node->custom_code : "?",
            type ? ((PyTypeObject *)type)->tp_name : "error", m ? m : "");
  PyErr_Clear();
  Py_XDECREF(s);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return TFL_ERROR;
}
}

static int Interp_init(InterpObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"model", "num_threads", "preserve_all", "max_bytes", NULL};
  PyObject *model;
  int num_threads = 1, preserve_all = 0;
  unsigned long long max_bytes = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|ipK", kwlist, &model, &num_threads, &preserve_all, &max_bytes)) return -1;
  if (self->ctx) {
    PyErr_SetString(PyExc_RuntimeError, "already initialized");
    return -1;
  }
  if (PyObject_GetBuffer(model, &self->model, PyBUF_SIMPLE) < 0) return -1;
  self->have_model = 1;
  char err[2048];
  self->ctx = tfl_create((const uint8_t *)self->model.buf, (size_t)self->model.len, num_threads, preserve_all, (size_t)max_bytes, err,
                         sizeof err);
  if (!self->ctx) {
    PyErr_SetString(PyExc_ValueError, err);
    return -1;
  }
  tfl_set_flex(self->ctx, flex_trampoline, self);
  return 0;
}

static void Interp_dealloc(InterpObject *self) {
  tfl_destroy(self->ctx);
  self->ctx = NULL;
  if (self->have_model) PyBuffer_Release(&self->model);
  Py_XDECREF(self->flex);
  Py_XDECREF(self->observer);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

#define NEED_CTX                                                                                           \
  if (!self->ctx) {                                                                                        \
    PyErr_SetString(PyExc_RuntimeError, "interpreter not created");                                       \
    return NULL;                                                                                           \
  }                                                                                                        \
  if (self->busy) {                                                                                        \
    PyErr_SetString(PyExc_RuntimeError,                                                                    \
                    "interpreter is busy: allocate_tensors() or invoke() is running on another thread"); \
    return NULL;                                                                                           \
  }

static PyObject *str_or_none(const char *s) {
  if (!s) Py_RETURN_NONE;
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

static PyObject *int_tuple(const int32_t *v, int n) {
  PyObject *t = PyTuple_New(n < 0 ? 0 : n);
  if (!t) return NULL;
  for (int i = 0; i < n; i++) PyTuple_SET_ITEM(t, i, PyLong_FromLong(v[i]));
  return t;
}

static PyObject *Interp_set_observer(InterpObject *self, PyObject *fn) {
  NEED_CTX
  if (self->busy) return PyErr_Format(PyExc_RuntimeError, "interpreter is busy");
  Py_XDECREF(self->observer);
  self->observer = NULL;
  if (fn != Py_None) {
    Py_INCREF(fn);
    self->observer = fn;
  }
  tfl_set_observer(self->ctx, self->observer ? observe_trampoline : NULL, self);
  Py_RETURN_NONE;
}

static PyObject *Interp_set_flex(InterpObject *self, PyObject *fn) {
  NEED_CTX
  Py_XDECREF(self->flex);
  if (fn == Py_None) self->flex = NULL;
  else {
    Py_INCREF(fn);
    self->flex = fn;
  }
  Py_RETURN_NONE;
}

/* route_custom(custom_code) -> number of nodes now handed to the host handler (Python custom op implementations). */
static PyObject *Interp_route_custom(InterpObject *self, PyObject *arg) {
  NEED_CTX
  const char *code = PyUnicode_AsUTF8(arg);
  if (!code) return NULL;
  return PyLong_FromLong(tfl_route_custom_to_host(self->ctx, code));
}

static PyObject *sig_maps(const TflSigTensor *v, int n) {
  PyObject *l = PyList_New(n);
  if (!l) return NULL;
  for (int i = 0; i < n; i++) {
    PyObject *it = Py_BuildValue("(Ni)", str_or_none(v[i].name), v[i].tensor);
    if (!it) { Py_DECREF(l); return NULL; }
    PyList_SET_ITEM(l, i, it);
  }
  return l;
}

/* model_info() -> dict(subgraphs=[dict(name, inputs, outputs, num_tensors, ops=[(name, version, inputs, outputs)],
 *                                      custom_codes=[code of each CUSTOM node])],
 *                      signatures=[(key, subgraph, [(name, idx)], [(name, idx)])], description) */
static PyObject *Interp_model_info(InterpObject *self, PyObject *unused) {
  NEED_CTX
  const TflModel *m = tfl_get_model(self->ctx);
  PyObject *subs = PyList_New(m->nsubgraphs);
  if (!subs) return NULL;
  for (int i = 0; i < m->nsubgraphs; i++) {
    const TflSubgraphDesc *g = &m->subgraphs[i];
    PyObject *ops = PyList_New(g->nops);
    PyObject *customs = PyList_New(0); /* custom codes of the CUSTOM nodes, in node order */
    if (!ops || !customs) { Py_XDECREF(ops); Py_XDECREF(customs); Py_DECREF(subs); return NULL; }
    for (int j = 0; j < g->nops; j++) {
      const TflOpCode *oc = &m->opcodes[g->ops[j].opcode_index];
      if (oc->op == TFL_OP_CUSTOM) {
        PyObject *c = str_or_none(oc->custom_code ? oc->custom_code : "");
        if (!c || PyList_Append(customs, c) < 0) { Py_XDECREF(c); Py_DECREF(ops); Py_DECREF(customs); Py_DECREF(subs); return NULL; }
        Py_DECREF(c);
      }
      const char *nm = oc->op == TFL_OP_CUSTOM && oc->custom_code ? oc->custom_code : tfl_op_name(oc->op);
      PyObject *it = Py_BuildValue("(NiNN)", str_or_none(nm), oc->version, int_tuple(g->ops[j].inputs, g->ops[j].ninputs),
                                   int_tuple(g->ops[j].outputs, g->ops[j].noutputs));
      if (!it) { Py_DECREF(ops); Py_DECREF(customs); Py_DECREF(subs); return NULL; }
      PyList_SET_ITEM(ops, j, it);
    }
    PyObject *d = Py_BuildValue("{s:N,s:N,s:N,s:i,s:N,s:N}", "name", str_or_none(g->name), "inputs", int_tuple(g->inputs, g->ninputs),
                                "outputs", int_tuple(g->outputs, g->noutputs), "num_tensors", g->ntensors, "ops", ops,
                                "custom_codes", customs);
    if (!d) { Py_DECREF(subs); return NULL; }
    PyList_SET_ITEM(subs, i, d);
  }
  PyObject *sigs = PyList_New(m->nsignatures);
  if (!sigs) { Py_DECREF(subs); return NULL; }
  for (int i = 0; i < m->nsignatures; i++) {
    const TflSignature *s = &m->signatures[i];
    PyObject *it = Py_BuildValue("(NiNN)", str_or_none(s->key), s->subgraph, sig_maps(s->inputs, s->ninputs),
                                 sig_maps(s->outputs, s->noutputs));
    if (!it) { Py_DECREF(sigs); Py_DECREF(subs); return NULL; }
    PyList_SET_ITEM(sigs, i, it);
  }
  return Py_BuildValue("{s:N,s:N,s:N}", "subgraphs", subs, "signatures", sigs, "description", str_or_none(m->description));
}

static TflTensor *get_t(InterpObject *self, int sg, int idx) {
  TflTensor *t = tfl_get_tensor(self->ctx, sg, idx);
  if (!t) PyErr_Format(PyExc_ValueError, "Tensor index %d out of range for subgraph %d", idx, sg);
  return t;
}

/* tensor_info(sg, i) -> (name, type, shape, shape_signature or None, scales, zero_points, qdim, alloc, bytes, sparse) */
static PyObject *Interp_tensor_info(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg, idx;
  if (!PyArg_ParseTuple(args, "ii", &sg, &idx)) return NULL;
  TflTensor *t = get_t(self, sg, idx);
  if (!t) return NULL;
  const TflTensorDesc *d = &tfl_get_model(self->ctx)->subgraphs[sg].tensors[idx];
  PyObject *sig;
  if (d->has_signature) sig = int_tuple(d->sig, d->sig_rank);
  else {
    Py_INCREF(Py_None);
    sig = Py_None;
  }
  PyObject *scales = PyList_New(t->nq), *zps = PyList_New(t->nq);
  if (!scales || !zps || !sig) {
    Py_XDECREF(scales);
    Py_XDECREF(zps);
    Py_XDECREF(sig);
    return NULL;
  }
  for (int i = 0; i < t->nq; i++) {
    PyList_SET_ITEM(scales, i, PyFloat_FromDouble(t->scales[i]));
    PyList_SET_ITEM(zps, i, PyLong_FromLongLong(t->zero_points[i]));
  }
  return Py_BuildValue("(NiNNNNiinii)", str_or_none(t->name), t->type, int_tuple(t->dims, t->rank), sig, scales, zps, t->qdim,
                       t->alloc, (Py_ssize_t)t->bytes, d->is_sparse, t->data != NULL);
}

static PyObject *Interp_allocate(InterpObject *self, PyObject *args) {
  NEED_CTX
  NO_LIVE_VIEWS
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  int rc;
  self->busy = 1;
  Py_BEGIN_ALLOW_THREADS
  rc = tfl_allocate(self->ctx, sg);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  if (rc) return raise_ctx(self, 1);
  Py_RETURN_NONE;
}

static PyObject *Interp_is_allocated(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  return PyBool_FromLong(tfl_is_allocated(self->ctx, sg));
}

static PyObject *Interp_invoke(InterpObject *self, PyObject *args) {
  NEED_CTX
  NO_LIVE_VIEWS
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  int rc;
  /* kernels run without the GIL (other Python threads, and other interpreters, run meanwhile); Flex nodes take it
   * back in flex_trampoline. The flex handler is held for the duration: set_flex is refused while busy. */
  self->busy = 1;
  Py_BEGIN_ALLOW_THREADS
  rc = tfl_invoke(self->ctx, sg);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  if (rc) {
    if (PyErr_Occurred()) return NULL;
    return raise_ctx(self, 1);
  }
  Py_RETURN_NONE;
}

static PyObject *Interp_reset_variables(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  if (tfl_reset_variables(self->ctx, sg)) return raise_ctx(self, 0);
  Py_RETURN_NONE;
}

static PyObject *Interp_resize_input(InterpObject *self, PyObject *args) {
  NEED_CTX
  NO_LIVE_VIEWS
  int sg, idx;
  PyObject *shape;
  if (!PyArg_ParseTuple(args, "iiO", &sg, &idx, &shape)) return NULL;
  PyObject *seq = PySequence_Fast(shape, "shape must be a sequence");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n > TFL_MAX_RANK) {
    Py_DECREF(seq);
    return PyErr_Format(PyExc_ValueError, "rank %zd exceeds the maximum of %d", n, TFL_MAX_RANK);
  }
  int32_t dims[TFL_MAX_RANK];
  for (Py_ssize_t i = 0; i < n; i++) {
    long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (v == -1 && PyErr_Occurred()) { Py_DECREF(seq); return NULL; }
    if (v < 0 || v > INT32_MAX) { Py_DECREF(seq); return PyErr_Format(PyExc_ValueError, "invalid dimension %ld", v); }
    dims[i] = (int32_t)v;
  }
  Py_DECREF(seq);
  if (tfl_resize_input(self->ctx, sg, idx, (int)n, dims)) return raise_ctx(self, 0);
  Py_RETURN_NONE;
}

static PyObject *Interp_set_tensor(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg, idx;
  PyObject *obj;
  if (!PyArg_ParseTuple(args, "iiO", &sg, &idx, &obj)) return NULL;
  TflTensor *t = get_t(self, sg, idx);
  if (!t) return NULL;
  if (t->alloc == TFL_ALLOC_CONST) return PyErr_Format(PyExc_ValueError, "Tensor %d is a constant and cannot be set", idx);
  if (!t->data) return PyErr_Format(PyExc_ValueError, "Tensor %d has no storage; call allocate_tensors() first", idx);
  Py_buffer v;
  if (PyObject_GetBuffer(obj, &v, PyBUF_C_CONTIGUOUS) < 0) return NULL;
  if ((size_t)v.len != t->bytes) {
    Py_ssize_t got = v.len;
    PyBuffer_Release(&v);
    return PyErr_Format(PyExc_ValueError, "Tensor %d expects %zu bytes, got %zd", idx, t->bytes, got);
  }
  if (t->bytes) memmove(t->data, v.buf, t->bytes); /* v may be a view onto this very tensor (tensor()) */
  PyBuffer_Release(&v);
  Py_RETURN_NONE;
}

/* set_string(sg, idx, data): a STRING tensor's buffer (LiteRT layout, any length). */
static PyObject *Interp_set_string(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg, idx;
  Py_buffer v;
  if (!PyArg_ParseTuple(args, "iiy*", &sg, &idx, &v)) return NULL;
  TflTensor *t = get_t(self, sg, idx);
  if (!t || t->type != TFL_STRING || tfl_tensor_set_bytes(self->ctx, t, v.buf, (size_t)v.len) != TFL_OK) {
    PyBuffer_Release(&v);
    if (!t) return NULL;
    if (t->type != TFL_STRING) return PyErr_Format(PyExc_ValueError, "Tensor %d is not a string tensor", idx);
    return raise_ctx(self, 0);
  }
  PyBuffer_Release(&v);
  Py_RETURN_NONE;
}

static PyObject *Interp_get_tensor(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg, idx;
  PyObject *out;
  if (!PyArg_ParseTuple(args, "iiO", &sg, &idx, &out)) return NULL;
  TflTensor *t = get_t(self, sg, idx);
  if (!t) return NULL;
  if (!t->data && t->bytes) return PyErr_Format(PyExc_ValueError, "Tensor data is null. Run allocate_tensors() first");
  Py_buffer v;
  if (PyObject_GetBuffer(out, &v, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) return NULL;
  if ((size_t)v.len != t->bytes) {
    Py_ssize_t got = v.len;
    PyBuffer_Release(&v);
    return PyErr_Format(PyExc_ValueError, "Tensor %d holds %zu bytes, output buffer has %zd", idx, t->bytes, got);
  }
  if (t->bytes) memmove(v.buf, t->data, t->bytes); /* v may overlap tensor storage (a view) */
  PyBuffer_Release(&v);
  Py_RETURN_NONE;
}

static PyObject *Interp_view(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg, idx;
  if (!PyArg_ParseTuple(args, "ii", &sg, &idx)) return NULL;
  TflTensor *t = get_t(self, sg, idx);
  if (!t) return NULL;
  if (!t->data) return PyErr_Format(PyExc_ValueError, "Tensor data is null. Run allocate_tensors() first");
  TensorBufferObject *b = PyObject_New(TensorBufferObject, &TensorBufferType);
  if (!b) return NULL;
  Py_INCREF(self);
  b->interp = self;
  b->data = t->data;
  b->len = (Py_ssize_t)t->bytes;
  b->readonly = t->alloc == TFL_ALLOC_CONST;
  self->views++;
  PyObject *mv = PyMemoryView_FromObject((PyObject *)b);
  Py_DECREF(b); /* the memoryview holds it */
  return mv;
}

static PyObject *Interp_arena_bytes(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  return PyLong_FromSize_t(tfl_arena_bytes(self->ctx, sg));
}

static PyObject *Interp_persistent_bytes(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  return PyLong_FromSize_t(tfl_persistent_bytes(self->ctx, sg));
}

static PyObject *Interp_set_max_loop(InterpObject *self, PyObject *arg) {
  NEED_CTX
  long long n = PyLong_AsLongLong(arg);
  if (n == -1 && PyErr_Occurred()) return NULL;
  tfl_set_max_loop_iterations(self->ctx, n < 0 ? 0 : n);
  Py_RETURN_NONE;
}

static PyObject *Interp_set_exact_math(InterpObject *self, PyObject *arg) {
  NEED_CTX
  int on = PyObject_IsTrue(arg);
  if (on < 0) return NULL;
  tfl_set_exact_math(self->ctx, on);
  Py_RETURN_NONE;
}

static PyObject *Interp_set_fast_float(InterpObject *self, PyObject *arg) {
  NEED_CTX
  int on = PyObject_IsTrue(arg);
  if (on < 0) return NULL;
  tfl_set_fast_float(self->ctx, on);
  Py_RETURN_NONE;
}

static PyObject *Interp_scratch_bytes(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  size_t shared = 0, node = tfl_scratch_bytes(self->ctx, sg, &shared);
  return Py_BuildValue("(nn)", (Py_ssize_t)node, (Py_ssize_t)shared);
}

static PyObject *Interp_set_profile(InterpObject *self, PyObject *arg) {
  NEED_CTX
  int on = PyObject_IsTrue(arg);
  if (on < 0) return NULL;
  if (tfl_set_profile(self->ctx, on)) return raise_ctx(self, 0);
  Py_RETURN_NONE;
}

static PyObject *Interp_reset_profile(InterpObject *self, PyObject *unused) {
  NEED_CTX
  tfl_reset_profile(self->ctx);
  Py_RETURN_NONE;
}

/* profile(sg) -> None (off) or (invokes, wall_ns, [(runs, wall_ns, par_ns, calls, tasks, start_ns, tail_ns, woken,
 * fused, (busy_ns per thread...)) per node]) */
static PyObject *Interp_profile(InterpObject *self, PyObject *args) {
  NEED_CTX
  int sg = 0;
  if (!PyArg_ParseTuple(args, "|i", &sg)) return NULL;
  if (sg < 0 || sg >= tfl_get_model(self->ctx)->nsubgraphs) return PyErr_Format(PyExc_ValueError, "subgraph index %d out of range", sg);
  if (!tfl_node_profile(self->ctx, sg, 0) && tfl_node_count(self->ctx, sg) > 0) Py_RETURN_NONE;
  const int nn = tfl_node_count(self->ctx, sg), nt = tfl_num_threads(self->ctx);
  PyObject *nodes = PyList_New(nn);
  if (!nodes) return NULL;
  for (int j = 0; j < nn; j++) {
    const TflNodeProfile *r = tfl_node_profile(self->ctx, sg, j);
    PyObject *busy = PyTuple_New(nt);
    if (!busy) { Py_DECREF(nodes); return NULL; }
    for (int t = 0; t < nt; t++) PyTuple_SET_ITEM(busy, t, PyLong_FromLongLong(r->busy_ns[t]));
    PyObject *it = Py_BuildValue("(LLLLLLLLLN)", (long long)r->runs, (long long)r->wall_ns, (long long)r->par_ns, (long long)r->calls,
                                 (long long)r->tasks, (long long)r->start_ns, (long long)r->tail_ns, (long long)r->woken,
                                 (long long)r->fused, busy);
    if (!it) { Py_DECREF(nodes); return NULL; }
    PyList_SET_ITEM(nodes, j, it);
  }
  int64_t wall = 0;
  const int64_t invokes = tfl_profile_invokes(self->ctx, sg, &wall);
  return Py_BuildValue("(LLN)", (long long)invokes, (long long)wall, nodes);
}

static PyMethodDef Interp_methods[] = {
    {"set_profile", (PyCFunction)Interp_set_profile, METH_O, "Per-node profiling on (sums cleared) or off."},
    {"reset_profile", (PyCFunction)Interp_reset_profile, METH_NOARGS, "Clear the profile's sums."},
    {"profile", (PyCFunction)Interp_profile, METH_VARARGS, "The profile's sums of a subgraph (None when off)."},
    {"scratch_bytes", (PyCFunction)Interp_scratch_bytes, METH_VARARGS, "(per-node scratch total, shared eval scratch)."},
    {"set_max_loop_iterations", (PyCFunction)Interp_set_max_loop, METH_O, "Bound WHILE loops (0 = unbounded)."},
    {"set_exact_math", (PyCFunction)Interp_set_exact_math, METH_O, "libm expf in float kernels (bit-exact vs LiteRT reference)."},
    {"set_fast_float", (PyCFunction)Interp_set_fast_float, METH_O, "FMA float kernels (nodes prepared afterwards)."},
    {"set_flex", (PyCFunction)Interp_set_flex, METH_O, "Install the Flex op handler."},
    {"set_observer", (PyCFunction)Interp_set_observer, METH_O,
     "Call fn(subgraph, tensor, min, max, has_nan) for each float32 tensor as invoke writes it (None: stop)."},
    {"route_custom", (PyCFunction)Interp_route_custom, METH_O, "Hand nodes with this custom code to the Flex/host handler."},
    {"model_info", (PyCFunction)Interp_model_info, METH_NOARGS, "Static model structure."},
    {"tensor_info", (PyCFunction)Interp_tensor_info, METH_VARARGS, "Current tensor metadata."},
    {"allocate", (PyCFunction)Interp_allocate, METH_VARARGS, "Prepare nodes and plan memory for a subgraph."},
    {"is_allocated", (PyCFunction)Interp_is_allocated, METH_VARARGS, "Whether a subgraph is allocated."},
    {"invoke", (PyCFunction)Interp_invoke, METH_VARARGS, "Run a subgraph."},
    {"reset_variables", (PyCFunction)Interp_reset_variables, METH_VARARGS, "Reset variable tensors."},
    {"resize_input", (PyCFunction)Interp_resize_input, METH_VARARGS, "Resize a subgraph input."},
    {"set_tensor", (PyCFunction)Interp_set_tensor, METH_VARARGS, "Copy bytes into a tensor."},
    {"set_string", (PyCFunction)Interp_set_string, METH_VARARGS, "Set a STRING tensor's buffer (LiteRT string layout)."},
    {"get_tensor", (PyCFunction)Interp_get_tensor, METH_VARARGS, "Copy a tensor into a writable buffer."},
    {"view", (PyCFunction)Interp_view, METH_VARARGS,
     "memoryview of a tensor's storage (no copy); while any is alive, allocate/invoke/resize_input are refused."},
    {"arena_bytes", (PyCFunction)Interp_arena_bytes, METH_VARARGS, "Size of the subgraph's activation arena."},
    {"persistent_bytes", (PyCFunction)Interp_persistent_bytes, METH_VARARGS, "Bytes held by variable tensors."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject InterpType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "runtime._tflrt.Interp",
    .tp_basicsize = sizeof(InterpObject),
    .tp_dealloc = (destructor)Interp_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Low-level C interpreter over a .tflite model.",
    .tp_methods = Interp_methods,
    .tp_init = (initproc)Interp_init,
    .tp_new = PyType_GenericNew,
};

static PyObject *mod_op_name(PyObject *m, PyObject *arg) {
  long op = PyLong_AsLong(arg);
  if (op == -1 && PyErr_Occurred()) return NULL;
  return str_or_none(tfl_op_name((int32_t)op));
}

static PyObject *mod_has_kernel(PyObject *m, PyObject *arg) {
  long op = PyLong_AsLong(arg);
  if (op == -1 && PyErr_Occurred()) return NULL;
  /* IF, WHILE and CALL_ONCE are executed by the interpreter core itself */
  return PyBool_FromLong(op == TFL_OP_IF || op == TFL_OP_WHILE || op == TFL_OP_CALL_ONCE || tfl_registry_has_op((int32_t)op));
}

static PyObject *mod_kernel_versions(PyObject *m, PyObject *arg) {
  long op = PyLong_AsLong(arg);
  if (op == -1 && PyErr_Occurred()) return NULL;
  char buf[128];
  if (op == TFL_OP_IF || op == TFL_OP_WHILE || op == TFL_OP_CALL_ONCE) return PyUnicode_FromString("1");
  if (op < 0 || op > INT32_MAX || !tfl_registry_has_op((int32_t)op)) Py_RETURN_NONE;
  tfl_registry_describe_versions((int32_t)op, buf, sizeof buf);
  return PyUnicode_FromString(buf);
}

static PyObject *mod_has_custom_kernel(PyObject *m, PyObject *arg) {
  const char *code = PyUnicode_AsUTF8(arg);
  if (!code) return NULL;
  return PyBool_FromLong(tfl_custom_kernel(code) != NULL);
}

/* register_custom_op(custom_code, kernel_address): a TflKernel at that address (e.g. from ctypes) serves the code. */
static PyObject *mod_register_custom_op(PyObject *m, PyObject *args) {
  const char *code;
  unsigned long long addr;
  if (!PyArg_ParseTuple(args, "sK", &code, &addr)) return NULL;
  if (!addr) return PyErr_Format(PyExc_ValueError, "custom op '%s': kernel address is NULL", code);
  if (tfl_register_custom_op(code, (const TflKernel *)(uintptr_t)addr))
    return PyErr_Format(PyExc_ValueError,
                        "custom op '%s': cannot register (empty or over-long code, kernel without prepare/eval, or table full)", code);
  Py_RETURN_NONE;
}

/* rsqrt_estimate(float32 buffer) -> bytes of the CPU's RSQRTPS estimates (host_rsqrt.c), or None off x86. */
static PyObject *tfl_py_rsqrt_estimate(PyObject *m, PyObject *arg) {
  (void)m;
  Py_buffer in;
  if (PyObject_GetBuffer(arg, &in, PyBUF_C_CONTIGUOUS) < 0) return NULL;
  if (in.len % 4) {
    PyBuffer_Release(&in);
    return PyErr_Format(PyExc_ValueError, "rsqrt_estimate: %zd bytes is not a whole number of float32", in.len);
  }
  PyObject *out = PyBytes_FromStringAndSize(NULL, in.len);
  if (out && tfl_rsqrt_estimate(in.buf, (float *)PyBytes_AS_STRING(out), (size_t)in.len / 4)) {
    Py_DECREF(out);
    out = Py_NewRef(Py_None);
  }
  PyBuffer_Release(&in);
  return out;
}

/* isa() -> (level in effect, level the CPU has); set_isa(name or None) caps the level for interpreters made later. */
static PyObject *mod_isa(PyObject *m, PyObject *noargs) {
  (void)m;
  (void)noargs;
  return Py_BuildValue("(ss)", tfl_isa_name(tfl_isa()), tfl_isa_name(tfl_isa_detected()));
}

static PyObject *mod_set_isa(PyObject *m, PyObject *arg) {
  (void)m;
  int cap = -1;
  if (arg != Py_None) {
    const char *name = PyUnicode_AsUTF8(arg);
    if (!name) return NULL;
    cap = tfl_isa_parse(name);
    if (cap < 0)
      return PyErr_Format(PyExc_ValueError,
                          "unknown ISA level '%s' (expected scalar, sse2, avx2, avx2_vnni, avx512 or avx512_vnni)", name);
  }
  return PyUnicode_FromString(tfl_isa_name(tfl_set_isa_cap(cap)));
}

/* set_split512(None | bool) -> bool: force (or detect again) whether exact float GEMMs use 256-bit tiles on AVX-512 */
static PyObject *mod_set_split512(PyObject *m, PyObject *arg) {
  (void)m;
  int v = -1;
  if (arg != Py_None) {
    v = PyObject_IsTrue(arg);
    if (v < 0) return NULL;
  }
  return PyBool_FromLong(tfl_set_split512(v));
}

static PyMethodDef module_methods[] = {
    {"isa", mod_isa, METH_NOARGS, "(ISA level kernels use, ISA level the CPU has)."},
    {"set_isa", mod_set_isa, METH_O, "Cap the ISA level (None: no cap) for interpreters prepared afterwards."},
    {"set_split512", mod_set_split512, METH_O,
     "Force (True / False; None: detect) 256-bit exact float GEMM tiles on AVX-512, for interpreters prepared afterwards; "
     "returns the setting in effect."},
    {"rsqrt_estimate", tfl_py_rsqrt_estimate, METH_O, "The CPU's RSQRTPS estimates of a float32 buffer (None off x86)."},
    {"has_custom_kernel", mod_has_custom_kernel, METH_O, "Whether a C kernel is registered for a custom code."},
    {"register_custom_op", mod_register_custom_op, METH_VARARGS,
     "register_custom_op(custom_code, kernel_address): run custom op nodes with this code by the TflKernel at the address."},
    {"op_name", mod_op_name, METH_O, "BuiltinOperator name for a code."},
    {"has_kernel", mod_has_kernel, METH_O, "Whether the runtime can execute a BuiltinOperator code."},
    {"kernel_versions", mod_kernel_versions, METH_O, "OperatorCode versions the kernels of a BuiltinOperator code implement, e.g. '1-3' (None: no kernel)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tflrt_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_tflrt",
    .m_doc = "C reference interpreter for .tflite models",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__tflrt(void) {
  if (PyType_Ready(&InterpType) < 0 || PyType_Ready(&TensorBufferType) < 0) return NULL;
  PyObject *m = PyModule_Create(&tflrt_module);
  if (!m) return NULL;
  Py_INCREF(&InterpType);
  if (PyModule_AddObject(m, "Interp", (PyObject *)&InterpType) < 0) {
    Py_DECREF(&InterpType);
    Py_DECREF(m);
    return NULL;
  }
  /* the kernel API for custom ops built outside the runtime (tflrt.h, TflApi) */
  PyObject *api = PyCapsule_New((void *)&tfl_api, "runtime._tflrt._C_API", NULL);
  if (!api || PyModule_AddObject(m, "_C_API", api) < 0) {
    Py_XDECREF(api);
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
