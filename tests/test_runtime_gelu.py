"""Float32 GELU of the C runtime bit-identical to LiteRT's kernel, for approximate=False (erfc) and True (tanh).

The model is tf.nn.gelu converted by TensorFlow's converter with a dynamic-length input. LiteRT's GELU kernel is the
same in BUILTIN_REF and in the default builtin resolver (Eigen array expressions; compared here with
BUILTIN_WITHOUT_DEFAULT_DELEGATES); the default resolver with its XNNPACK delegate runs XNNPACK's own GELU, which
differs from both in the last bits, so it is not the reference. Inputs: 2^20 values covering [-10, 10] densely plus
zeros, denormals, huge values, infinities and NaN; and short lengths that are not multiples of 4/8/16, because
LiteRT evaluates 4-float packets and the remaining elements through Eigen's scalar path (libm exp).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ai_edge_litert.interpreter as litert  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import Interpreter  # noqa: E402

EXTREMES = np.array(
    [0.0, -0.0, 1e-45, -1e-45, 1e-38, -1e-38, 1e-30, -1e-30, 3.4e38, -3.4e38, np.inf, -np.inf, np.nan, -np.nan,
     1e10, -1e10, 1e5, -1e5, 11.0, -11.0, 12.5, -12.5, 15.0, -15.0, 20.0, -20.0, 1.0, -1.0, 1e-4, -1e-4,
     8.0, -8.0, 9.0, -9.0, 100.0, -100.0],
    np.float32,
)  # fmt: skip


def dense_values() -> np.ndarray:
    """2^20 float32 values: [-10, 10] on a uniform grid, then the extremes."""
    grid = np.linspace(-10.0, 10.0, (1 << 20) - EXTREMES.size, dtype=np.float32)
    return np.concatenate([grid, EXTREMES]).astype(np.float32)


@pytest.fixture(scope="module", params=[False, True], ids=["erfc", "tanh"])
def gelu_model(request) -> tuple[bool, bytes]:
    approximate = request.param
    fn = tf.function(
        lambda x: tf.nn.gelu(x, approximate=approximate), input_signature=[tf.TensorSpec([None], tf.float32)]
    )
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])
    return approximate, conv.convert()


def run(interp, x: np.ndarray) -> np.ndarray:
    inp = interp.get_input_details()[0]["index"]
    interp.resize_tensor_input(inp, list(x.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp, x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).copy()


def litert_interpreter(model: bytes, resolver):
    return litert.Interpreter(model_content=model, num_threads=1, experimental_op_resolver_type=resolver)


def bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32)


def check_bit_exact(model: bytes, x: np.ndarray) -> None:
    ref = run(litert_interpreter(model, litert.OpResolverType.BUILTIN_REF), x)
    builtin = run(litert_interpreter(model, litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES), x)
    ours = run(Interpreter(model_content=model, num_threads=1), x)
    assert np.array_equal(bits(builtin), bits(ref)), "LiteRT's builtin and reference GELU kernels disagree"
    bad = np.flatnonzero(bits(ours) != bits(ref))
    assert bad.size == 0, (
        f"{bad.size} of {x.size} differ, e.g. x={x[bad[:4]]} ours={ours[bad[:4]]} ref={ref[bad[:4]]}"
    )


def test_gelu_is_one_litert_op(gelu_model):
    _, model = gelu_model
    interp = litert_interpreter(model, litert.OpResolverType.BUILTIN_REF)
    assert [op["op_name"] for op in interp._get_ops_details()] == ["GELU"]


def test_gelu_dense_range_bit_exact(gelu_model):
    _, model = gelu_model
    check_bit_exact(model, dense_values())


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 9, 12, 13, 15, 17, 23, 31, 33, 63])
def test_gelu_packet_tails_bit_exact(gelu_model, n):
    _, model = gelu_model
    # |x| in [1.5, 10]: where Eigen's packet exp and libm's expf round differently
    rng = np.random.default_rng(n)
    x = (rng.uniform(1.5, 10.0, n) * rng.choice([-1.0, 1.0], n)).astype(np.float32)
    check_bit_exact(model, x)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("level", ["scalar", "sse2", "avx2", None])
def test_gelu_vector_clones_bit_exact(gelu_model, level, threads):
    """The 8-lane body (baseline and AVX2 clones) and the split over threads give LiteRT's bits; None: the CPU's own
    level."""
    from runtime import _tflrt

    _, model = gelu_model
    x = dense_values()
    ref = run(litert_interpreter(model, litert.OpResolverType.BUILTIN_REF), x)
    try:
        _tflrt.set_isa(level)
        ours = run(Interpreter(model_content=model, num_threads=threads), x)
    finally:
        _tflrt.set_isa(None)
    bad = np.flatnonzero(bits(ours) != bits(ref))
    assert bad.size == 0, f"{bad.size} differ at {level}, {threads} threads, e.g. x={x[bad[:4]]}"
