/* Validating .tflite FlatBuffer reader. Nothing is dereferenced before its bounds are checked against the file size;
 * all multi-byte reads go through memcpy so misaligned (hostile) offsets are harmless. */
#include "reader.h"

#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const uint8_t *buf;
  size_t len;
  char *err;
  size_t errlen;
  int failed;
  size_t budget; /* bytes we may still copy out of the file (guards against shared-vector amplification) */
} Rd;

typedef struct {
  size_t pos;    /* table start */
  size_t vt;     /* vtable start */
  uint16_t vtsize;
  uint16_t tsize;
} Tbl;

static int fail(Rd *r, const char *fmt, ...) {
  if (!r->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    r->failed = 1;
  }
  return -1;
}

static uint32_t ld_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static int32_t ld_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static uint16_t ld_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static int spend(Rd *r, size_t bytes, const char *what) {
  if (bytes > r->budget) return fail(r, "malformed model: %s needs more memory than the file can describe (shared or oversized vectors)", what);
  r->budget -= bytes;
  return 0;
}

/* Validate a table at pos. */
static int tbl_at(Rd *r, size_t pos, Tbl *t, const char *what) {
  if (pos > r->len || r->len - pos < 4) return fail(r, "malformed model: %s table offset %zu out of bounds (file is %zu bytes)", what, pos, r->len);
  int64_t vt = (int64_t)pos - (int64_t)ld_i32(r->buf + pos);
  if (vt < 0 || (uint64_t)vt > r->len - 4) return fail(r, "malformed model: %s vtable out of bounds", what);
  uint16_t vs = ld_u16(r->buf + vt), ts = ld_u16(r->buf + vt + 2);
  if (vs < 4 || (vs & 1) || (size_t)vt + vs > r->len) return fail(r, "malformed model: %s vtable size %u invalid", what, (unsigned)vs);
  if (ts < 4 || r->len - pos < ts) return fail(r, "malformed model: %s table size %u exceeds file", what, (unsigned)ts);
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vtsize = vs;
  t->tsize = ts;
  return 0;
}

/* Field offset within table (0 when absent); checks the field's bytes lie inside the table. */
static int fld(Rd *r, const Tbl *t, int id, size_t size, size_t *off, const char *what) {
  size_t slot = 4 + 2 * (size_t)id;
  *off = 0;
  if (slot + 2 > t->vtsize) return 0;
  uint16_t o = ld_u16(r->buf + t->vt + slot);
  if (o == 0) return 0;
  if ((size_t)o + size > t->tsize) return fail(r, "malformed model: field %s lies outside its table", what);
  *off = o;
  return 0;
}

static int64_t get_scalar(Rd *r, const Tbl *t, int id, size_t size, int is_signed, int64_t dflt, const char *what) {
  size_t o;
  if (fld(r, t, id, size, &o, what) || !o) return dflt;
  const uint8_t *p = r->buf + t->pos + o;
  switch (size) {
    case 1: return is_signed ? (int64_t)(int8_t)p[0] : (int64_t)p[0];
    case 2: { uint16_t v = ld_u16(p); return is_signed ? (int64_t)(int16_t)v : (int64_t)v; }
    case 4: { uint32_t v = ld_u32(p); return is_signed ? (int64_t)(int32_t)v : (int64_t)v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
  }
}

/* Follow a uoffset field; returns 1 when present (target in *tgt), 0 absent, -1 error. */
static int ref(Rd *r, const Tbl *t, int id, size_t *tgt, const char *what) {
  size_t o;
  if (fld(r, t, id, 4, &o, what)) return -1;
  if (!o) return 0;
  size_t at = t->pos + o;
  uint64_t target = (uint64_t)at + ld_u32(r->buf + at);
  if (target > r->len || r->len - target < 4) return fail(r, "malformed model: %s offset out of bounds", what);
  *tgt = (size_t)target;
  return 1;
}

/* Vector field: returns 1 with count and element start when present. */
static int vec(Rd *r, const Tbl *t, int id, size_t elem, size_t *n, size_t *start, const char *what) {
  size_t tgt = 0;
  int k = ref(r, t, id, &tgt, what);
  if (k <= 0) { *n = 0; *start = 0; return k; }
  uint64_t cnt = ld_u32(r->buf + tgt);
  if (cnt > (r->len - tgt - 4) / elem) return fail(r, "malformed model: %s vector length %llu exceeds file", what, (unsigned long long)cnt);
  *n = (size_t)cnt;
  *start = tgt + 4;
  return 1;
}

static int table_in_vec(Rd *r, size_t start, size_t i, Tbl *t, const char *what) {
  size_t at = start + 4 * i;
  uint64_t target = (uint64_t)at + ld_u32(r->buf + at);
  if (target > r->len) return fail(r, "malformed model: %s[%zu] offset out of bounds", what, i);
  return tbl_at(r, (size_t)target, t, what);
}

/* Copy a string field into a fresh NUL-terminated string (NULL when absent). */
static int str(Rd *r, const Tbl *t, int id, char **out, const char *what) {
  size_t n = 0, s = 0;
  *out = NULL;
  int k = vec(r, t, id, 1, &n, &s, what);
  if (k < 0) return -1;
  if (k == 0) return 0;
  if (spend(r, n + 1, what)) return -1;
  char *p = malloc(n + 1);
  if (!p) return fail(r, "out of memory reading %s", what);
  memcpy(p, r->buf + s, n);
  p[n] = 0;
  if (memchr(p, 0, n)) p[strlen(p)] = 0; /* embedded NUL: truncate (names are informational) */
  *out = p;
  return 0;
}

static int int_vec(Rd *r, const Tbl *t, int id, int32_t **out, int32_t *count, const char *what) {
  size_t n = 0, s = 0;
  *out = NULL;
  *count = 0;
  int k = vec(r, t, id, 4, &n, &s, what);
  if (k < 0) return -1;
  if (k == 0 || n == 0) return 0;
  if (n > INT32_MAX / 4) return fail(r, "malformed model: %s too long", what);
  if (spend(r, n * 4, what)) return -1;
  int32_t *p = malloc(n * 4);
  if (!p) return fail(r, "out of memory reading %s", what);
  memcpy(p, r->buf + s, n * 4);
  *out = p;
  *count = (int32_t)n;
  return 0;
}

static size_t elem_size(int32_t type) {
  size_t s = tfl_type_size(type);
  return s;
}

static int parse_quant(Rd *r, const Tbl *tt, TflTensorDesc *d, const char *tname) {
  size_t qpos = 0;
  int k = ref(r, tt, 4, &qpos, "Tensor.quantization");
  if (k <= 0) return k;
  Tbl q;
  if (tbl_at(r, qpos, &q, "QuantizationParameters")) return -1;
  int64_t dt = get_scalar(r, &q, 4, 1, 0, 0, "QuantizationParameters.details_type");
  if (dt > 3) return fail(r, "malformed model: tensor '%s' has unknown quantization details type %d", tname, (int)dt);
  size_t ns = 0, ss = 0, nz = 0, zs = 0;
  if (vec(r, &q, 2, 4, &ns, &ss, "QuantizationParameters.scale") < 0) return -1;
  if (vec(r, &q, 3, 8, &nz, &zs, "QuantizationParameters.zero_point") < 0) return -1;
  d->qdim = (int32_t)get_scalar(r, &q, 6, 4, 1, 0, "QuantizationParameters.quantized_dimension");
  if (ns == 0) return 0;
  if (nz != 0 && nz != ns)
    return fail(r, "malformed model: tensor '%s' has %zu scales but %zu zero points", tname, ns, nz);
  if (ns > INT32_MAX / 8) return fail(r, "malformed model: tensor '%s' quantization too long", tname);
  if (spend(r, ns * 12, "quantization parameters")) return -1;
  d->scales = malloc(ns * 4);
  d->zero_points = calloc(ns, 8);
  if (!d->scales || !d->zero_points) return fail(r, "out of memory");
  memcpy(d->scales, r->buf + ss, ns * 4);
  for (size_t i = 0; i < ns; i++) /* kernels turn scales into multipliers; NaN, infinite or negative ones are garbage */
    if (!(d->scales[i] >= 0.0f && d->scales[i] <= FLT_MAX))
      return fail(r, "malformed model: tensor '%s' has quantization scale %g", tname, (double)d->scales[i]);
  if (nz) memcpy(d->zero_points, r->buf + zs, nz * 8);
  /* A zero point is a value of the quantized type; kernels rely on that range (found by the fuzzer: an int8 zero point
   * of 2^30 overflowed int32 arithmetic in CONV_2D). Other types (int32 bias, float...) only need int32. */
  int64_t zlo = INT32_MIN, zhi = INT32_MAX;
  if (d->type == TFL_INT8) zlo = -128, zhi = 127;
  else if (d->type == TFL_UINT8) zlo = 0, zhi = 255;
  else if (d->type == TFL_INT16) zlo = -32768, zhi = 32767;
  else if (d->type == TFL_INT4) zlo = -8, zhi = 7;
  for (size_t i = 0; i < nz; i++)
    if (d->zero_points[i] < zlo || d->zero_points[i] > zhi)
      return fail(r, "malformed model: tensor '%s' has zero point %lld outside the range of %s", tname, (long long)d->zero_points[i],
                  tfl_type_name(d->type));
  d->nq = (int32_t)ns;
  if (ns > 1) {
    if (d->qdim < 0 || d->qdim >= d->rank)
      return fail(r, "malformed model: tensor '%s' quantized_dimension %d out of range for rank %d", tname, d->qdim, d->rank);
    if (d->dims[d->qdim] != (int32_t)ns)
      return fail(r, "malformed model: tensor '%s' has %zu scales but dimension %d has size %d", tname, ns, d->qdim, d->dims[d->qdim]);
  }
  return 0;
}

typedef struct {
  const uint8_t *data;
  size_t len;
} BufView;

static int parse_tensor(Rd *r, size_t pos, TflTensorDesc *d, const BufView *bufs, size_t nbufs, int sgi, int ti) {
  Tbl t;
  char what[64];
  snprintf(what, sizeof what, "subgraph %d tensor %d", sgi, ti);
  if (tbl_at(r, pos, &t, what)) return -1;
  if (str(r, &t, 3, &d->name, "Tensor.name")) return -1;
  const char *tname = d->name ? d->name : what;
  int32_t *shape = NULL, n = 0;
  if (int_vec(r, &t, 0, &shape, &n, "Tensor.shape")) return -1;
  if (n > TFL_MAX_RANK) { free(shape); return fail(r, "malformed model: tensor '%s' has rank %d (max %d)", tname, n, TFL_MAX_RANK); }
  d->rank = n;
  for (int i = 0; i < n; i++) {
    if (shape[i] < 0) { int v = shape[i]; free(shape); return fail(r, "malformed model: tensor '%s' has negative dimension %d", tname, v); }
    d->dims[i] = shape[i];
  }
  free(shape);
  int32_t *sig = NULL;
  if (int_vec(r, &t, 7, &sig, &n, "Tensor.shape_signature")) return -1;
  if (sig || n) {
    if (n > TFL_MAX_RANK) { free(sig); return fail(r, "malformed model: tensor '%s' shape_signature has rank %d", tname, n); }
    d->has_signature = 1;
    d->sig_rank = n;
    for (int i = 0; i < n; i++) d->sig[i] = sig[i] < -1 ? -1 : sig[i];
    free(sig);
  }
  {
    size_t o;
    if (fld(r, &t, 7, 4, &o, "Tensor.shape_signature")) return -1;
    if (o) d->has_signature = 1;
  }
  int64_t ty = get_scalar(r, &t, 1, 1, 1, 0, "Tensor.type");
  if (ty < 0 || ty > 20) return fail(r, "malformed model: tensor '%s' has unknown type %d", tname, (int)ty);
  d->type = (int32_t)ty;
  d->is_variable = get_scalar(r, &t, 5, 1, 0, 0, "Tensor.is_variable") != 0;
  size_t sp = 0;
  int k = ref(r, &t, 6, &sp, "Tensor.sparsity");
  if (k < 0) return -1;
  if (k > 0) {
    Tbl st;
    if (tbl_at(r, sp, &st, "SparsityParameters")) return -1;
    d->is_sparse = 1;
  }
  if (parse_quant(r, &t, d, tname)) return -1;
  int64_t b = get_scalar(r, &t, 2, 4, 0, 0, "Tensor.buffer");
  if ((size_t)b >= nbufs && !(b == 0 && nbufs == 0))
    return fail(r, "malformed model: tensor '%s' refers to buffer %lld but the model has %zu buffers", tname, (long long)b, nbufs);
  d->buffer = (uint32_t)b;
  if (nbufs && bufs[b].len) {
    d->data = bufs[b].data;
    d->data_len = bufs[b].len;
    if (!d->is_sparse && d->type != TFL_STRING && d->type != TFL_RESOURCE && d->type != TFL_VARIANT) {
      /* shape product with overflow guard */
      uint64_t ne = 1;
      for (int i = 0; i < d->rank; i++) {
        ne *= (uint64_t)d->dims[i];
        if (ne > ((uint64_t)1 << 48)) return fail(r, "malformed model: tensor '%s' has too many elements", tname);
      }
      uint64_t need;
      if (d->type == TFL_INT4 || d->type == 20 /* UINT4 */) need = (ne + 1) / 2;
      else if (d->type == 19 /* INT2 */) need = (ne + 3) / 4;
      else need = ne * elem_size(d->type);
      int ok = need == d->data_len || ((d->type == TFL_INT4 || d->type == 20) && ne == d->data_len);
      if (!ok)
        return fail(r, "malformed model: tensor '%s' buffer %u holds %zu bytes but shape and type need %llu", tname,
                    d->buffer, d->data_len, (unsigned long long)need);
    }
  }
  return 0;
}

static int check_index_vec(Rd *r, const int32_t *v, int32_t n, int32_t nt, int allow_neg, const char *what, int sgi, int opi) {
  for (int32_t i = 0; i < n; i++) {
    if (v[i] == -1 && allow_neg) continue;
    if (v[i] < 0 || v[i] >= nt) {
      if (opi >= 0)
        return fail(r, "malformed model: subgraph %d operator %d %s[%d] = %d is not a valid tensor index (subgraph has %d tensors)",
                    sgi, opi, what, i, v[i], nt);
      return fail(r, "malformed model: subgraph %d %s[%d] = %d is not a valid tensor index (subgraph has %d tensors)", sgi, what,
                  i, v[i], nt);
    }
  }
  return 0;
}

static int parse_op(Rd *r, size_t pos, TflOpDesc *o, int sgi, int opi, int32_t nt, int32_t nopcodes) {
  Tbl t;
  char what[64];
  snprintf(what, sizeof what, "subgraph %d operator %d", sgi, opi);
  if (tbl_at(r, pos, &t, what)) return -1;
  int64_t oc = get_scalar(r, &t, 0, 4, 0, 0, "Operator.opcode_index");
  if (oc >= nopcodes)
    return fail(r, "malformed model: %s has opcode_index %lld but the model has %d operator codes", what, (long long)oc, nopcodes);
  o->opcode_index = (uint32_t)oc;
  if (int_vec(r, &t, 1, &o->inputs, &o->ninputs, "Operator.inputs")) return -1;
  if (int_vec(r, &t, 2, &o->outputs, &o->noutputs, "Operator.outputs")) return -1;
  if (int_vec(r, &t, 8, &o->intermediates, &o->nintermediates, "Operator.intermediates")) return -1;
  if (check_index_vec(r, o->inputs, o->ninputs, nt, 1, "inputs", sgi, opi)) return -1;
  if (check_index_vec(r, o->outputs, o->noutputs, nt, 1, "outputs", sgi, opi)) return -1;
  if (check_index_vec(r, o->intermediates, o->nintermediates, nt, 1, "intermediates", sgi, opi)) return -1;
  int64_t ot = get_scalar(r, &t, 3, 1, 0, 0, "Operator.builtin_options_type");
  if (ot > TFL_NUM_OPTIONS_TYPES) return fail(r, "malformed model: %s has unknown builtin_options type %d", what, (int)ot);
  o->options_type = (int32_t)ot;
  if (ot) {
    size_t p = 0;
    int k = ref(r, &t, 4, &p, "Operator.builtin_options");
    if (k < 0) return -1;
    if (k > 0) {
      Tbl ob;
      if (tbl_at(r, p, &ob, "builtin options")) return -1;
      o->options = r->buf + p;
    }
  }
  size_t n = 0, s = 0;
  int k = vec(r, &t, 5, 1, &n, &s, "Operator.custom_options");
  if (k < 0) return -1;
  if (k > 0) {
    o->custom_options = r->buf + s;
    o->custom_options_len = n;
  }
  uint64_t loff = (uint64_t)get_scalar(r, &t, 9, 8, 0, 0, "Operator.large_custom_options_offset");
  uint64_t lsize = (uint64_t)get_scalar(r, &t, 10, 8, 0, 0, "Operator.large_custom_options_size");
  if (r->failed) return -1;
  if (loff > 1) {
    if (loff > r->len || lsize > r->len - loff)
      return fail(r, "malformed model: %s large custom options [%llu, +%llu) lie outside the %zu-byte file", what,
                  (unsigned long long)loff, (unsigned long long)lsize, r->len);
    o->custom_options = r->buf + loff;
    o->custom_options_len = (size_t)lsize;
  }
  return r->failed ? -1 : 0;
}

static int parse_subgraph(Rd *r, size_t pos, TflSubgraphDesc *g, int sgi, const BufView *bufs, size_t nbufs, int32_t nopcodes) {
  Tbl t;
  if (tbl_at(r, pos, &t, "SubGraph")) return -1;
  size_t n = 0, s = 0;
  if (vec(r, &t, 0, 4, &n, &s, "SubGraph.tensors") < 0) return -1;
  if (n > INT32_MAX / 2) return fail(r, "malformed model: too many tensors");
  if (spend(r, n * sizeof(TflTensorDesc) / 8, "tensors")) return -1;
  g->tensors = calloc(n ? n : 1, sizeof(TflTensorDesc));
  if (!g->tensors) return fail(r, "out of memory");
  g->ntensors = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    size_t at = s + 4 * i;
    uint64_t target = (uint64_t)at + ld_u32(r->buf + at);
    if (target > r->len) return fail(r, "malformed model: subgraph %d tensor %zu offset out of bounds", sgi, i);
    if (parse_tensor(r, (size_t)target, &g->tensors[i], bufs, nbufs, sgi, (int)i)) return -1;
  }
  if (int_vec(r, &t, 1, &g->inputs, &g->ninputs, "SubGraph.inputs")) return -1;
  if (int_vec(r, &t, 2, &g->outputs, &g->noutputs, "SubGraph.outputs")) return -1;
  if (check_index_vec(r, g->inputs, g->ninputs, g->ntensors, 0, "inputs", sgi, -1)) return -1;
  if (check_index_vec(r, g->outputs, g->noutputs, g->ntensors, 0, "outputs", sgi, -1)) return -1;
  if (str(r, &t, 4, &g->name, "SubGraph.name")) return -1;
  if (vec(r, &t, 3, 4, &n, &s, "SubGraph.operators") < 0) return -1;
  if (n > INT32_MAX / 2) return fail(r, "malformed model: too many operators");
  if (spend(r, n * sizeof(TflOpDesc) / 8, "operators")) return -1;
  g->ops = calloc(n ? n : 1, sizeof(TflOpDesc));
  if (!g->ops) return fail(r, "out of memory");
  g->nops = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    size_t at = s + 4 * i;
    uint64_t target = (uint64_t)at + ld_u32(r->buf + at);
    if (target > r->len) return fail(r, "malformed model: subgraph %d operator %zu offset out of bounds", sgi, i);
    if (parse_op(r, (size_t)target, &g->ops[i], sgi, (int)i, g->ntensors, nopcodes)) return -1;
  }
  return 0;
}

static int parse_tensor_maps(Rd *r, const Tbl *t, int id, TflSigTensor **out, int32_t *count, const TflModel *m, int32_t sg,
                             const char *key) {
  size_t n = 0, s = 0;
  if (vec(r, t, id, 4, &n, &s, "SignatureDef tensors") < 0) return -1;
  if (n > INT32_MAX / 2) return fail(r, "malformed model: too many signature tensors");
  if (spend(r, n * sizeof(TflSigTensor), "signature tensors")) return -1;
  *out = calloc(n ? n : 1, sizeof(TflSigTensor));
  if (!*out) return fail(r, "out of memory");
  *count = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    Tbl tm;
    if (table_in_vec(r, s, i, &tm, "TensorMap")) return -1;
    if (str(r, &tm, 0, &(*out)[i].name, "TensorMap.name")) return -1;
    int64_t ti = get_scalar(r, &tm, 1, 4, 0, 0, "TensorMap.tensor_index");
    if (r->failed) return -1;
    if (ti >= m->subgraphs[sg].ntensors)
      return fail(r, "malformed model: signature '%s' refers to tensor %lld but subgraph %d has %d tensors", key, (long long)ti, sg,
                  m->subgraphs[sg].ntensors);
    if (!(*out)[i].name) {
      (*out)[i].name = malloc(1);
      if (!(*out)[i].name) return fail(r, "out of memory");
      (*out)[i].name[0] = 0;
    }
    (*out)[i].tensor = (int32_t)ti;
  }
  return 0;
}

int tfl_model_parse(const uint8_t *buf, size_t len, TflModel *m, char *err, size_t errlen) {
  Rd rd = {buf, len, err, errlen, 0, 0};
  Rd *r = &rd;
  BufView *bufs = NULL;
  memset(m, 0, sizeof *m);
  m->buf = buf;
  m->len = len;
  if (errlen) err[0] = 0;
  rd.budget = len * 16 + ((size_t)1 << 20);
  if (len < 8) { fail(r, "malformed model: file is only %zu bytes (not a FlatBuffer)", len); goto bad; }
  {
    const uint8_t *id = buf + 4;
    if (memcmp(id, "TFL3", 4) != 0) {
      int printable = 1;
      for (int i = 0; i < 4; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z'))) printable = 0;
      if (printable) {
        fail(r, "malformed model: file identifier is '%c%c%c%c', expected 'TFL3'", id[0], id[1], id[2], id[3]);
        goto bad;
      }
    }
  }
  Tbl mt;
  if (tbl_at(r, ld_u32(buf), &mt, "Model")) goto bad;
  m->version = (uint32_t)get_scalar(r, &mt, 0, 4, 0, 0, "Model.version");
  if (r->failed) goto bad;
  if (m->version != 3) { fail(r, "malformed model: schema version %u, expected 3", m->version); goto bad; }
  if (str(r, &mt, 3, &m->description, "Model.description")) goto bad;

  /* buffers */
  size_t nb = 0, bs = 0;
  if (vec(r, &mt, 4, 4, &nb, &bs, "Model.buffers") < 0) goto bad;
  if (spend(r, nb * sizeof(BufView) / 4, "buffers")) goto bad;
  bufs = calloc(nb ? nb : 1, sizeof(BufView));
  if (!bufs) { fail(r, "out of memory"); goto bad; }
  for (size_t i = 0; i < nb; i++) {
    Tbl bt;
    if (table_in_vec(r, bs, i, &bt, "Buffer")) goto bad;
    size_t n = 0, s = 0;
    if (vec(r, &bt, 0, 1, &n, &s, "Buffer.data") < 0) goto bad;
    uint64_t off = (uint64_t)get_scalar(r, &bt, 1, 8, 0, 0, "Buffer.offset");
    uint64_t size = (uint64_t)get_scalar(r, &bt, 2, 8, 0, 0, "Buffer.size");
    if (r->failed) goto bad;
    if (off > 1) {
      if (off > len || size > len - off) {
        fail(r, "malformed model: buffer %zu [offset %llu, size %llu] lies outside the %zu-byte file", i, (unsigned long long)off,
             (unsigned long long)size, len);
        goto bad;
      }
      bufs[i].data = buf + off;
      bufs[i].len = (size_t)size;
    } else if (n) {
      bufs[i].data = buf + s;
      bufs[i].len = n;
    }
  }

  /* operator codes */
  size_t n = 0, s = 0;
  if (vec(r, &mt, 1, 4, &n, &s, "Model.operator_codes") < 0) goto bad;
  if (n > INT32_MAX / 2) { fail(r, "malformed model: too many operator codes"); goto bad; }
  if (spend(r, n * sizeof(TflOpCode) / 4, "operator codes")) goto bad;
  m->opcodes = calloc(n ? n : 1, sizeof(TflOpCode));
  if (!m->opcodes) { fail(r, "out of memory"); goto bad; }
  m->nopcodes = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    Tbl ct;
    if (table_in_vec(r, s, i, &ct, "OperatorCode")) goto bad;
    int64_t dep = get_scalar(r, &ct, 0, 1, 1, 0, "OperatorCode.deprecated_builtin_code");
    int64_t code = get_scalar(r, &ct, 3, 4, 1, 0, "OperatorCode.builtin_code");
    int64_t ver = get_scalar(r, &ct, 2, 4, 1, 1, "OperatorCode.version");
    if (r->failed) goto bad;
    int64_t op = dep > code ? dep : code;
    if (op < 0 || tfl_op_name((int32_t)op) == NULL) {
      fail(r, "malformed model: operator code %zu has unknown builtin code %lld", i, (long long)op);
      goto bad;
    }
    m->opcodes[i].op = (int32_t)op;
    m->opcodes[i].version = (int32_t)ver;
    if (str(r, &ct, 1, &m->opcodes[i].custom_code, "OperatorCode.custom_code")) goto bad;
  }

  /* subgraphs */
  if (vec(r, &mt, 2, 4, &n, &s, "Model.subgraphs") < 0) goto bad;
  if (n == 0) { fail(r, "malformed model: the model has no subgraphs"); goto bad; }
  if (n > INT32_MAX / 2) { fail(r, "malformed model: too many subgraphs"); goto bad; }
  if (spend(r, n * sizeof(TflSubgraphDesc) / 4, "subgraphs")) goto bad;
  m->subgraphs = calloc(n, sizeof(TflSubgraphDesc));
  if (!m->subgraphs) { fail(r, "out of memory"); goto bad; }
  m->nsubgraphs = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    size_t at = s + 4 * i;
    uint64_t target = (uint64_t)at + ld_u32(buf + at);
    if (target > len) { fail(r, "malformed model: subgraph %zu offset out of bounds", i); goto bad; }
    if (parse_subgraph(r, (size_t)target, &m->subgraphs[i], (int)i, bufs, nb, m->nopcodes)) goto bad;
  }

  /* signature defs */
  if (vec(r, &mt, 7, 4, &n, &s, "Model.signature_defs") < 0) goto bad;
  if (n > INT32_MAX / 2) { fail(r, "malformed model: too many signatures"); goto bad; }
  if (spend(r, n * sizeof(TflSignature), "signatures")) goto bad;
  m->signatures = calloc(n ? n : 1, sizeof(TflSignature));
  if (!m->signatures) { fail(r, "out of memory"); goto bad; }
  m->nsignatures = (int32_t)n;
  for (size_t i = 0; i < n; i++) {
    Tbl st;
    TflSignature *sd = &m->signatures[i];
    if (table_in_vec(r, s, i, &st, "SignatureDef")) goto bad;
    if (str(r, &st, 2, &sd->key, "SignatureDef.signature_key")) goto bad;
    if (!sd->key) {
      sd->key = malloc(1);
      if (!sd->key) { fail(r, "out of memory"); goto bad; }
      sd->key[0] = 0;
    }
    int64_t sg = get_scalar(r, &st, 4, 4, 0, 0, "SignatureDef.subgraph_index");
    if (r->failed) goto bad;
    if (sg >= m->nsubgraphs) {
      fail(r, "malformed model: signature '%s' refers to subgraph %lld but the model has %d", sd->key, (long long)sg, m->nsubgraphs);
      goto bad;
    }
    sd->subgraph = (int32_t)sg;
    if (parse_tensor_maps(r, &st, 0, &sd->inputs, &sd->ninputs, m, sd->subgraph, sd->key)) goto bad;
    if (parse_tensor_maps(r, &st, 1, &sd->outputs, &sd->noutputs, m, sd->subgraph, sd->key)) goto bad;
  }
  free(bufs);
  return 0;
bad:
  free(bufs);
  tfl_model_free(m);
  if (!r->failed) fail(r, "malformed model");
  return -1;
}

void tfl_model_free(TflModel *m) {
  if (m->opcodes)
    for (int i = 0; i < m->nopcodes; i++) free(m->opcodes[i].custom_code);
  free(m->opcodes);
  if (m->subgraphs)
    for (int i = 0; i < m->nsubgraphs; i++) {
      TflSubgraphDesc *g = &m->subgraphs[i];
      if (g->tensors)
        for (int j = 0; j < g->ntensors; j++) {
          free(g->tensors[j].name);
          free(g->tensors[j].scales);
          free(g->tensors[j].zero_points);
        }
      free(g->tensors);
      if (g->ops)
        for (int j = 0; j < g->nops; j++) {
          free(g->ops[j].inputs);
          free(g->ops[j].outputs);
          free(g->ops[j].intermediates);
        }
      free(g->ops);
      free(g->inputs);
      free(g->outputs);
      free(g->name);
    }
  free(m->subgraphs);
  if (m->signatures)
    for (int i = 0; i < m->nsignatures; i++) {
      TflSignature *s = &m->signatures[i];
      free(s->key);
      if (s->inputs)
        for (int j = 0; j < s->ninputs; j++) free(s->inputs[j].name);
      if (s->outputs)
        for (int j = 0; j < s->noutputs; j++) free(s->outputs[j].name);
      free(s->inputs);
      free(s->outputs);
    }
  free(m->signatures);
  free(m->description);
  memset(m, 0, sizeof *m);
}

/* ---- options accessors for kernels ---- */

static int opt_field(const TflNode *node, int field, size_t size, const uint8_t **p) {
  if (!node || !node->options || !node->file || field < 0 || field > 1000) return 0;
  const uint8_t *base = node->file;
  size_t len = node->file_len;
  size_t pos = (size_t)(node->options - base);
  if (pos > len || len - pos < 4) return 0;
  int64_t vt = (int64_t)pos - (int64_t)ld_i32(node->options);
  if (vt < 0 || (uint64_t)vt > len - 4) return 0;
  uint16_t vs = ld_u16(base + vt), ts = ld_u16(base + vt + 2);
  size_t slot = 4 + 2 * (size_t)field;
  if (slot + 2 > vs || (size_t)vt + vs > len || len - pos < ts) return 0;
  uint16_t o = ld_u16(base + vt + slot);
  if (!o || (size_t)o + size > ts) return 0;
  *p = node->options + o;
  return 1;
}

static int64_t ld_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static float ld_f32(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

/* One reader per scalar width and type; schema_gen.h picks the reader of each field from the schema. */
#define TFL_OPT_SCALAR(NAME, T, WIDTH, LOAD)                                   \
  T NAME(const TflNode *node, int field, T dflt) {                             \
    const uint8_t *p;                                                          \
    return opt_field(node, field, WIDTH, &p) ? (T)(LOAD) : dflt;                \
  }
TFL_OPT_SCALAR(tfl_opt_bool, int, 1, p[0] != 0)
TFL_OPT_SCALAR(tfl_opt_i8, int32_t, 1, (int8_t)p[0])
TFL_OPT_SCALAR(tfl_opt_u8, int32_t, 1, p[0])
TFL_OPT_SCALAR(tfl_opt_i16, int32_t, 2, (int16_t)ld_u16(p))
TFL_OPT_SCALAR(tfl_opt_i32, int32_t, 4, ld_i32(p))
TFL_OPT_SCALAR(tfl_opt_u32, uint32_t, 4, ld_u32(p))
TFL_OPT_SCALAR(tfl_opt_int64, int64_t, 8, ld_i64(p))
TFL_OPT_SCALAR(tfl_opt_float, float, 4, ld_f32(p))
#undef TFL_OPT_SCALAR

/* Writes at most cap entries but returns the vector's full length (or -1): a caller must refuse n > cap before it
 * loops to n (every caller passes a capacity one above the limit it enforces, e.g. TFL_MAX_RANK + 1). */
int tfl_opt_int_vec(const TflNode *node, int field, int32_t *out, int cap) {
  const uint8_t *p;
  if (!opt_field(node, field, 4, &p)) return -1;
  const uint8_t *base = node->file;
  size_t len = node->file_len;
  size_t at = (size_t)(p - base);
  uint64_t target = (uint64_t)at + ld_u32(p);
  if (target > len || len - target < 4) return -1;
  uint64_t n = ld_u32(base + target);
  if (n > (len - target - 4) / 4) return -1;
  if (n > INT32_MAX) return -1;
  for (uint64_t i = 0; i < n && (int64_t)i < cap; i++) out[i] = ld_i32(base + target + 4 + 4 * i);
  return (int)n;
}

/* A string field (FlatBuffer string: u32 length, bytes): 1 with *s (not NUL-terminated) and *len when present, 0 when
 * absent, -1 when its offset or length points outside the file. */
int tfl_opt_string(const TflNode *node, int field, const char **s, size_t *len) {
  const uint8_t *p;
  *s = NULL;
  *len = 0;
  if (!opt_field(node, field, 4, &p)) return 0;
  const uint8_t *base = node->file;
  size_t flen = node->file_len;
  uint64_t target = (uint64_t)(size_t)(p - base) + ld_u32(p);
  if (target > flen || flen - target < 4) return -1;
  uint64_t n = ld_u32(base + target);
  if (n > flen - target - 4) return -1;
  *s = (const char *)base + target + 4;
  *len = (size_t)n;
  return 1;
}
