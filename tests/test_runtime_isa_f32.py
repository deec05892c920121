"""Float kernels on every ISA level (issue 15): exact mode (the default) gives bit-identical outputs on each level the
machine has (runtime._tflrt.set_isa caps it; the lower levels always run) and for 1 and 2 threads, and stays within
1e-5 of LiteRT's reference kernels; experimental_fast_float (FMA) stays within 1e-5 of exact mode."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import Interpreter, _tflrt  # noqa: E402

NAMES = ("scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni")
LEVELS = NAMES[: NAMES.index(_tflrt.isa()[1]) + 1]
TOL = 1e-5


@pytest.fixture(autouse=True)
def _reset_isa():
    yield
    _tflrt.set_isa(None)


def _w(rng, *shape, scale=0.3):
    return (rng.normal(size=shape) * scale).astype(np.float32)


@pytest.fixture(scope="module")
def small_model():
    """Conv 3x3 with 40 output channels (a partial panel pair), 1x1 conv, depthwise 3x3 over 20 channels (a masked
    channel tail), depthwise 5x5 stride 2 with multiplier 2, transpose conv, fully connected, batch matmul, and large
    elementwise / activation / reduction ops."""
    rng = np.random.default_rng(11)
    w1, b1 = _w(rng, 3, 3, 6, 40), _w(rng, 40)
    w2, b2 = _w(rng, 1, 1, 40, 20), _w(rng, 20)
    dw1, db1 = _w(rng, 3, 3, 20, 1), _w(rng, 20)
    dw2, db2 = _w(rng, 5, 5, 20, 2), _w(rng, 40)
    wt = _w(rng, 3, 3, 16, 40, scale=0.1)
    wf, bf = _w(rng, 40, 24, scale=0.1), _w(rng, 24)
    wm = _w(rng, 24, 33)

    @tf.function(input_signature=[tf.TensorSpec([1, 48, 48, 6], tf.float32)])
    def f(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        y = tf.nn.conv2d(y, w2, 1, "VALID") + b2
        y = tf.nn.relu(tf.nn.depthwise_conv2d(y, dw1, [1, 1, 1, 1], "SAME") + db1)
        y = tf.nn.depthwise_conv2d(y, dw2, [1, 2, 2, 1], "SAME") + db2  # 24x24x40
        big = tf.sigmoid(y) * y + tf.tanh(y)  # elementwise and activations over 23k elements
        t = tf.nn.conv2d_transpose(big, wt, [1, 48, 48, 16], 2, "SAME")
        g = tf.reduce_mean(big, axis=[1, 2])  # [1, 40]
        h = tf.nn.relu(tf.matmul(g, wf) + bf)  # [1, 24]
        seq = tf.reshape(big[:, :, :, :24], [1, 24 * 24, 24])
        m = tf.nn.softmax(tf.matmul(seq, wm))
        return tf.reduce_sum(t, axis=3), h, m

    return ru.convert(f)


def _run(model, inputs, isa=None, threads=1, fast=False):
    _tflrt.set_isa(isa)
    try:
        it = Interpreter(model_content=model, num_threads=threads, experimental_fast_float=fast)
        return ru.run(it, inputs)
    finally:
        _tflrt.set_isa(None)


def _rel(got, ref):
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(np.asarray(got, np.float64) - ref))) / max(float(np.max(np.abs(ref))), 1e-30)


def test_levels_listed():
    assert _tflrt.isa()[1] in NAMES
    assert LEVELS[0] == "scalar" and "sse2" in LEVELS


def test_exact_bit_identical_across_isa_and_threads(small_model):
    inputs = ru.random_inputs(ru.ours(small_model).get_input_details(), seed=3)
    base = _run(small_model, inputs, "scalar", 1)
    for isa in LEVELS:
        for threads in (1, 2):
            got = _run(small_model, inputs, isa, threads)
            for i, (g, b) in enumerate(zip(got, base, strict=True)):
                assert np.array_equal(g, b), f"output {i} differs at {isa}, {threads} threads"
    ref = ru.run(ru.litert(small_model), inputs)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL


def test_fast_float_within_tolerance(small_model):
    inputs = ru.random_inputs(ru.ours(small_model).get_input_details(), seed=4)
    exact = _run(small_model, inputs)
    for threads in (1, 2):
        fast = _run(small_model, inputs, threads=threads, fast=True)
        for g, e in zip(fast, exact, strict=True):
            assert np.all(np.isfinite(g)) and _rel(g, e) <= TOL
    # fast mode is deterministic across thread counts too (tasks never change what an element computes)
    a = _run(small_model, inputs, threads=1, fast=True)
    b = _run(small_model, inputs, threads=2, fast=True)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_cap_applies_to_interpreters_created_afterwards(small_model):
    top = _tflrt.isa()[1]
    assert _tflrt.set_isa("sse2") == "sse2"
    assert _tflrt.isa() == ("sse2", top)
    _tflrt.set_isa(None)
    assert _tflrt.isa() == (top, top)


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["mobilenet_v2", "transformer_block"])
def test_model_exact_across_levels_and_fast(name):
    from corpus import build, sample_inputs

    model = build(name)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    data = conv.convert()
    inputs = sample_inputs(model)
    base = _run(data, inputs, LEVELS[-1], 1)
    for isa in sorted({"sse2", "avx2", LEVELS[-1]} & set(LEVELS)):
        for threads in (1, 2):
            got = _run(data, inputs, isa, threads)
            assert all(np.array_equal(g, b) for g, b in zip(got, base, strict=True)), (isa, threads)
    fast = _run(data, inputs, fast=True)
    for g, b in zip(fast, base, strict=True):
        assert _rel(g, b) <= TOL
    ref = ru.run(ru.litert(data), inputs)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL


def test_hybrid_conv_input_quantization_threads():
    """Dynamic-range CONV_2D on a 368k-element input: its input quantization is split over threads (min/max by ranges,
    folded in order), bit-exact with LiteRT's reference kernel and with one thread."""
    rng = np.random.default_rng(5)
    w = _w(rng, 3, 3, 40, 64)

    @tf.function(input_signature=[tf.TensorSpec([1, 96, 96, 40], tf.float32)])
    def f(x):
        return tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME"))

    model = ru.convert(f, quantize="dynamic")
    assert "CONV_2D" in ru.model_ops(model)
    inputs = ru.random_inputs(ru.ours(model).get_input_details(), seed=2, lo=-3.0, hi=2.0)
    want = ru.run(ru.litert(model), inputs)
    for threads in (1, 2):
        got = ru.run(ru.ours(model, num_threads=threads), inputs)
        assert all(np.array_equal(g, x) for g, x in zip(got, want, strict=True)), threads
