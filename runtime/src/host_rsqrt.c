/* The host CPU's reciprocal square root estimate (x86 RSQRTPS), for the compiler's constant folding.
 *
 * TensorFlow folds a float32 Rsqrt with its CPU kernel: Eigen's packet rsqrt on x86 is the RSQRTPS estimate refined
 * by one Newton step. The estimate's bits are CPU-specific (AMD and Intel tables differ), so the compiler can only
 * reproduce TF's folded constants by asking this CPU; the Newton step itself is done in numpy
 * (passes/fold_constants.py tf_rsqrt). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <xmmintrin.h>
#define TFL_HAVE_RSQRTPS 1
#endif

/* rsqrt_estimate(float32 buffer) -> bytes of the RSQRTPS estimates, or None where the CPU has no such instruction.
 * SSE's 4-lane and AVX's 8-lane forms give the same bits on one CPU; SSE is in every x86-64. */
PyObject *tfl_py_rsqrt_estimate(PyObject *m, PyObject *arg) {
#ifdef TFL_HAVE_RSQRTPS
  Py_buffer in;
  if (PyObject_GetBuffer(arg, &in, PyBUF_C_CONTIGUOUS) < 0) return NULL;
  if (in.len % 4) {
    PyBuffer_Release(&in);
    return PyErr_Format(PyExc_ValueError, "rsqrt_estimate: %zd bytes is not a whole number of float32", in.len);
  }
  PyObject *out = PyBytes_FromStringAndSize(NULL, in.len);
  if (!out) {
    PyBuffer_Release(&in);
    return NULL;
  }
  const char *src = in.buf;
  char *dst = PyBytes_AS_STRING(out);
  Py_ssize_t n = in.len / 4;
  for (Py_ssize_t i = 0; i < n; i += 4) {
    float lanes[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    Py_ssize_t k = n - i < 4 ? n - i : 4;
    memcpy(lanes, src + 4 * i, (size_t)k * 4);
    _mm_storeu_ps(lanes, _mm_rsqrt_ps(_mm_loadu_ps(lanes)));
    memcpy(dst + 4 * i, lanes, (size_t)k * 4);
  }
  PyBuffer_Release(&in);
  return out;
#else
  Py_RETURN_NONE;
#endif
}
