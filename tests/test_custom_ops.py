"""Custom ops (allow_custom_ops) through tflc, side by side with TensorFlow's converter: the op becomes a CUSTOM
operator named by its TF op type with its attributes as a FlexBuffer map, byte-identical to TF's file; the model runs
in our runtime with a Python implementation (`custom_ops=`) or a C kernel registered by custom code, and matches
TensorFlow. A custom op without an implementation is refused when the model is loaded."""

import ctypes
import math
import os
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402
from test_select_tf import _ours, _theirs, operators  # noqa: E402

import runtime  # noqa: E402
from runtime.custom_ops import decode_custom_options  # noqa: E402

BUILTINS = ("TFLITE_BUILTINS",)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@tf.function(input_signature=[tf.TensorSpec([2, 5], tf.float32, name="x")])
def erfc_model(x):
    return tf.math.erfc(x) * 2.0 + 1.0


@tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32, name="x")])
def cumprod_model(x):
    return tf.math.cumprod(x, axis=1, exclusive=True, reverse=True)


@tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
def i0e_model(x):
    return tf.math.special.bessel_i0e(x)


@tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
def i1e_model(x):  # left without an implementation (kernel registrations are process-wide)
    return tf.math.special.bessel_i1e(x)


def _x(shape, seed=0, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


def erfc_py(inputs, options):
    assert options == {"T": 0}  # the attribute map TF writes: T = float32 as a TFLite TensorType code
    return np.vectorize(math.erfc, otypes=[np.float32])(inputs[0])


def cumprod_py(inputs, options):
    x, axis = inputs[0], int(inputs[1])
    if options["reverse"]:
        x = np.flip(x, axis)
    y = np.cumprod(x, axis=axis, dtype=np.float32)
    if options["exclusive"]:
        y = np.concatenate([np.ones_like(np.take(y, [0], axis)), np.delete(y, -1, axis)], axis)
    return np.flip(y, axis) if options["reverse"] else y


@pytest.mark.parametrize(
    ("fn", "impl", "code"),
    [(erfc_model, erfc_py, "Erfc"), (cumprod_model, cumprod_py, "Cumprod")],
    ids=["erfc", "cumprod"],
)
def test_custom_op_matches_tensorflow(fn, impl, code):
    ours, theirs = _ours(fn, BUILTINS, custom=True), _theirs(fn, BUILTINS, custom=True)
    a, b = operators(ours), operators(theirs)
    assert sorted((c, cc) for c, cc, _ in a) == sorted((c, cc) for c, cc, _ in b)
    mine = [o for _, cc, o in a if cc == code]
    tfs = [o for _, cc, o in b if cc == code]
    assert (
        len(mine) == 1 and mine == tfs
    )  # TF sorts the attribute map: byte-identical even with several attributes
    x = _x((2, 5) if fn is erfc_model else (2, 4), lo=-2 if fn is erfc_model else 0.5)
    got = ru.ours(ours, custom_ops={code: impl}).get_signature_runner()(x=x)
    ru.assert_match(next(iter(got.values())), fn(tf.constant(x)).numpy())
    # TF's file runs the same way
    ru.assert_match(ru.run(ru.ours(theirs, custom_ops={code: impl}), [x])[0], fn(tf.constant(x)).numpy())


def test_custom_options_decode_to_the_attributes():
    ours = _ours(cumprod_model, BUILTINS, custom=True)
    (opts,) = [o for _, cc, o in operators(ours) if cc == "Cumprod"]
    assert decode_custom_options(opts) == {"T": 0, "Tidx": 2, "exclusive": True, "reverse": True}


def test_unresolved_custom_op_is_refused_at_load():
    model = _ours(i1e_model, BUILTINS, custom=True)
    assert [cc for _, cc, _ in operators(model)] == ["BesselI1e"]
    with pytest.raises(ValueError, match="'BesselI1e'.*custom_ops=.*register_custom_op"):
        runtime.Interpreter(model_content=model)


_C_KERNEL = r"""
#include <math.h>
#include "tflrt.h"

static const TflApi *api;

static TflStatus prepare(TflContext *ctx, TflNode *node) {
  TflTensor *in = api->input(ctx, node, 0), *out = api->output(ctx, node, 0);
  if (!in || !out || in->type != TFL_FLOAT32) return api->error(ctx, "BesselI0e test kernel: float32 only");
  return api->resize(ctx, out, in->rank, in->dims);
}

/* i0e(x) = exp(-|x|) * I0(x), I0 by its power series (enough terms for |x| <= 3) */
static TflStatus eval(TflContext *ctx, TflNode *node) {
  const TflTensor *in = api->input(ctx, node, 0);
  TflTensor *out = api->output(ctx, node, 0);
  for (int64_t i = 0; i < api->num_elements(in); i++) {
    double x = ((const float *)in->data)[i], term = 1.0, sum = 1.0;
    for (int k = 1; k < 40; k++) {
      term *= (x * x / 4.0) / ((double)k * k);
      sum += term;
    }
    ((float *)out->data)[i] = (float)(exp(-fabs(x)) * sum);
  }
  return TFL_OK;
}

static const TflKernel kernel = {0, "BesselI0e (test kernel)", 1, 1, prepare, eval};

int register_kernels(const TflApi *a) {
  if (a->api_version != TFL_API_VERSION) return -1;
  api = a;
  return a->register_custom_op("BesselI0e", &kernel);
}
"""


def test_c_kernel_registered_by_custom_code(tmp_path):
    """A kernel compiled outside the runtime (no rebuild) registers through the `_C_API` capsule and runs."""
    src = tmp_path / "i0e.c"
    src.write_text(_C_KERNEL)
    lib = tmp_path / "libi0e.so"
    cc = sysconfig.get_config_var("CC") or "cc"
    subprocess.run(
        [
            *cc.split(),
            "-shared",
            "-fPIC",
            "-O1",
            "-I",
            os.path.join(ROOT, "runtime", "src"),
            str(src),
            "-o",
            str(lib),
            "-lm",
        ],
        check=True,
    )
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    api = get_pointer(runtime._tflrt._C_API, b"runtime._tflrt._C_API")
    kernels = ctypes.CDLL(str(lib))
    kernels.register_kernels.argtypes = [ctypes.c_void_p]
    assert kernels.register_kernels(api) == 0

    model = _ours(i0e_model, BUILTINS, custom=True)
    x = _x((3,), lo=-3, hi=3)
    got = ru.ours(model).get_signature_runner()(x=x)
    ru.assert_match(next(iter(got.values())), i0e_model(tf.constant(x)).numpy())


@pytest.fixture(scope="module")
def mixed_saved_model(tmp_path_factory):
    """A SavedModel with a builtin op (Relu), an allowlisted op with no builtin (Erf) and one outside TF's Flex
    allowlist (Erfc)."""

    class Mixed(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x):
            return {"out": tf.math.erfc(tf.math.erf(tf.nn.relu(x)))}

    d = tmp_path_factory.mktemp("mixed") / "sm"
    m = Mixed()
    tf.saved_model.save(m, str(d), signatures=m.__call__)
    return d


def _cli(*args):
    from typer.testing import CliRunner

    from compiler.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_convert_select_tf_and_custom_ops(mixed_saved_model, tmp_path):
    out = tmp_path / "m.tflite"
    r = _cli("convert", "--saved-model-dir", mixed_saved_model, "-o", out, "-q")
    assert r.exit_code == 1 and not out.exists()
    r = _cli(
        "convert",
        "--saved-model-dir",
        mixed_saved_model,
        "-o",
        out,
        "-q",
        "--select-tf-ops",
        "--allow-custom-ops",
    )
    assert r.exit_code == 0, r.output
    ops = operators(out.read_bytes())
    assert sorted(cc for _, cc, _ in ops) == ["", "Erfc", "FlexErf"]
    x = _x((1, 4))
    got = ru.ours(out.read_bytes(), custom_ops={"Erfc": erfc_py}).get_signature_runner()(x=x)
    ru.assert_match(got["out"], tf.math.erfc(tf.math.erf(tf.nn.relu(x))).numpy())


def test_cli_analyze_reports_flex_and_custom_status(mixed_saved_model):
    import json

    def rows(*flags):
        r = _cli("analyze", "--saved-model-dir", mixed_saved_model, "--json", *flags)
        assert r.exit_code == 0, r.output
        return {row["op_type"]: row for row in json.loads(r.stdout)["rows"]}

    plain = rows()
    assert plain["Relu"]["status"] == "builtin"
    assert plain["Erf"]["status"] == "builtin"  # decomposed into builtins when no fallback is allowed
    assert plain["Erfc"]["status"] == "unsupported" and plain["Erfc"]["fallback"] == "custom"
    assert "allow_custom_ops" in plain["Erfc"]["fix"] and "cannot carry it" in plain["Erfc"]["fix"]
    flagged = rows("--select-tf-ops", "--allow-custom-ops")
    assert flagged["Erf"]["status"] == "flex" and "FlexErf" in flagged["Erf"]["fix"]
    assert flagged["Erfc"]["status"] == "custom" and "kernel" in flagged["Erfc"]["fix"]
    assert flagged["Relu"]["status"] == "builtin"


def test_python_custom_op_with_wrong_output_type_is_an_error():
    model = _ours(erfc_model, BUILTINS, custom=True)
    it = ru.ours(model, custom_ops={"Erfc": lambda inputs, options: inputs[0].astype(np.float64)})
    with pytest.raises(
        RuntimeError, match="custom op Erfc output 0 has type FLOAT64, the model declares FLOAT32"
    ):
        it.get_signature_runner()(x=_x((2, 5)))
