"""Residual ADDs run inside the CONV_2D before them (interp.c fused_adds, tfl_take_fused_add): a float ADD right after a
convolution, the only reader of its output, adding a tensor of the same shape. The fused pair writes the same bytes as
the two nodes: compared with our runtime with every tensor kept (which never fuses) and with LiteRT's reference
kernels, on every ISA form, in exact and fast mode, at 1-3 threads; ADDs that must stay nodes of their own do."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402
from runtime_util import reset_isa  # noqa: E402, F401 (autouse)

from runtime import Interpreter, _tflrt  # noqa: E402
from runtime.profile import format_profile  # noqa: E402

LEVELS = ru.isa_levels()
FORMS = ru.isa_forms()


@pytest.fixture(scope="module")
def residual_model():
    """MobileNetV2-like blocks whose skip ADDs can run inside the projecting convolution: 1x1 (the direct GEMM),
    3x3 (im2col, or the AVX-512 direct runs with border rows), the conv's output as the ADD's first or second
    operand, ADD activations NONE / RELU / RELU6 after a conv with or without its own; a 7x7 map with 320 output
    channels (split over threads by column panels, so each task adds a block of rows x panels). And ADDs that must stay
    nodes: the conv's output read by another op too, a broadcasting ADD, the conv's output a model output."""
    rng = np.random.default_rng(31)
    we, be = ru.normal_weights(rng, 1, 1, 24, 72), ru.normal_weights(rng, 72)
    wd, bd = ru.normal_weights(rng, 3, 3, 72, 1), ru.normal_weights(rng, 72)
    wp, bp = ru.normal_weights(rng, 1, 1, 72, 24, scale=0.2), ru.normal_weights(rng, 24)
    w3, b3 = ru.normal_weights(rng, 3, 3, 24, 24, scale=0.1), ru.normal_weights(rng, 24)
    w1, b1 = ru.normal_weights(rng, 1, 1, 24, 24), ru.normal_weights(rng, 24)
    w4, w5, w6 = (
        ru.normal_weights(rng, 1, 1, 24, 24),
        ru.normal_weights(rng, 1, 1, 24, 24),
        ru.normal_weights(rng, 1, 1, 24, 24),
    )
    wz1, wz2 = (
        ru.normal_weights(rng, 1, 1, 160, 320, scale=0.1),
        ru.normal_weights(rng, 1, 1, 320, 320, scale=0.05),
    )

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, 13, 11, 24], tf.float32),
            tf.TensorSpec([1, 7, 7, 160], tf.float32),
        ]
    )
    def f(x, z):
        h = tf.nn.relu6(tf.nn.conv2d(x, we, 1, "VALID") + be)
        h = tf.nn.relu6(tf.nn.depthwise_conv2d(h, wd, [1, 1, 1, 1], "SAME") + bd)
        a1 = (tf.nn.conv2d(h, wp, 1, "VALID") + bp) + x  # fused: conv first, no activation
        a2 = tf.nn.relu(a1 + (tf.nn.conv2d(a1, w3, 1, "SAME") + b3))  # fused: conv second, RELU
        y3 = tf.nn.relu6(tf.nn.conv2d(a2, w1, 1, "VALID") + b1)
        a3 = tf.nn.relu6(y3 + a2)  # fused: both activations
        y4 = tf.nn.conv2d(a3, w4, 1, "VALID")
        a4 = y4 + a3  # not fused: y4 is read by the MUL too
        twice = y4 * 2.0
        a5 = tf.nn.conv2d(a4, w5, 1, "VALID") + tf.reduce_mean(
            a4, axis=[1, 2], keepdims=True
        )  # broadcast: not fused
        y6 = tf.nn.conv2d(a5, w6, 1, "VALID")
        a6 = y6 + a5  # not fused: y6 is a model output
        s = tf.nn.conv2d(z, wz1, 1, "VALID")
        t = tf.nn.conv2d(tf.nn.relu(s), wz2, 1, "VALID") + s  # fused: panels
        return a6, y6, twice, t

    return ru.convert(f)


FUSED = 4  # the ADDs marked "fused" in the model above


def _run(model, inputs, isa=None, threads=1, fast=False, split512=None, keep=False):
    """Outputs and the indices of the nodes that ran inside the node before them (from the profile)."""
    _tflrt.set_isa(isa)
    _tflrt.set_split512(split512)
    try:
        it = Interpreter(
            model_content=model,
            num_threads=threads,
            experimental_fast_float=fast,
            experimental_preserve_all_tensors=keep,
            experimental_profile=True,
        )
        outs = [o.copy() for o in ru.run(it, inputs)]
        prof = it.get_profile()
        return outs, [n["index"] for n in prof["nodes"] if n["fused"]], prof
    finally:
        _tflrt.set_isa(None)
        _tflrt.set_split512(None)


def _same_bits(got, want, what):
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.tobytes() == w.tobytes(), f"output {i} differs: {what}"


def test_fused_adds_are_the_residual_ones(residual_model):
    inputs = ru.random_inputs(ru.ours(residual_model).get_input_details(), seed=5, lo=-2.0, hi=2.0)
    _, fused, prof = _run(residual_model, inputs)
    ops = [n["op_name"] for n in prof["nodes"]]
    assert len(fused) == FUSED, format_profile(prof)
    for i in fused:
        assert ops[i] == "ADD" and ops[i - 1] == "CONV_2D"
        assert prof["nodes"][i]["runs"] == 0 and prof["nodes"][i]["fused"] == 1
    assert "(run inside #" in format_profile(prof)
    assert ops.count("ADD") == FUSED + 3  # the three that stay nodes ran as nodes
    _, kept, _ = _run(residual_model, inputs, keep=True)
    assert kept == []  # every tensor kept: the conv's own output is written, nothing fused


@pytest.mark.parametrize("fast", [False, True])
def test_fused_equals_unfused_on_every_form(residual_model, fast):
    """Exact mode: the same bytes as the unfused run and as LiteRT's reference kernels, every ISA form, 1-3 threads.
    Fast mode: the same bytes as the unfused fast run (fast mode's own results, within 1e-5 of exact)."""
    inputs = ru.random_inputs(ru.ours(residual_model).get_input_details(), seed=9, lo=-2.0, hi=2.0)
    ref = ru.run(ru.litert(residual_model), inputs)
    for isa, split in FORMS:
        for n in (1, 2, 3):
            got, fused, _ = _run(residual_model, inputs, isa, n, fast, split)
            want, _, _ = _run(residual_model, inputs, isa, n, fast, split, keep=True)
            assert len(fused) == FUSED
            _same_bits(got, want, f"{isa} split512 {split}, {n} threads, fast {fast}")
            for g, r in zip(got, ref, strict=True):
                if fast:
                    ru.assert_match(g, r)
                else:
                    assert g.tobytes() == r.tobytes(), (
                        f"differs from LiteRT at {isa} split512 {split}, {n} threads"
                    )


def test_fused_add_keeps_nan_and_infinity(residual_model):
    """A NaN and infinities in the skip path reach the fused ADD as they reach the unfused one, bit for bit in the ADD's
    operand order (two NaNs: the result keeps the first operand's payload). Compared with our unfused run, not with
    LiteRT: LiteRT's reference kernels clamp an activation-free CONV_2D's output to +-FLT_MAX, where ours keeps the
    infinity (a difference of the conv kernel, with or without the fusion)."""
    x, z = ru.random_inputs(ru.ours(residual_model).get_input_details(), seed=2)
    x[0, 3, 4, 5] = np.nan
    x[0, 6, 2, :] = np.inf
    z[0, 1, 1, 7] = -np.inf
    z[0, 5, 5, 9] = np.float32(np.frombuffer(np.uint32(0x7FC01234).tobytes(), np.float32)[0])
    for n in (1, 2):
        got, fused, _ = _run(residual_model, [x, z], threads=n)
        want, _, _ = _run(residual_model, [x, z], threads=n, keep=True)
        assert len(fused) == FUSED
        _same_bits(got, want, f"{n} threads")
    assert np.isnan(got[0]).any() and np.isnan(got[3]).any()


def test_fused_add_after_resize(residual_model):
    """A resized input re-plans the fusion: the new shapes fuse the same ADDs and give LiteRT's bytes."""
    shapes = [(2, 9, 15, 24), (1, 7, 7, 160)]
    rng = np.random.default_rng(4)
    inputs = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
    ref = ru.litert(residual_model)
    ours = Interpreter(model_content=residual_model, num_threads=2, experimental_profile=True)
    results = []
    for it in (ref, ours):
        for d, s in zip(it.get_input_details(), shapes, strict=True):
            it.resize_tensor_input(d["index"], list(s))
        results.append([o.copy() for o in ru.run(it, inputs)])
    assert sum(1 for n in ours.get_profile()["nodes"] if n["fused"]) == FUSED
    _same_bits(results[1], results[0], "resized input, 2 threads")


def test_hybrid_conv_leaves_the_add_a_node():
    """Dynamic-range quantized weights: the convs run the hybrid kernel, which does not take the offered ADD, so every
    ADD runs as a node of its own and the outputs are LiteRT's."""
    rng = np.random.default_rng(31)
    wz1 = ru.normal_weights(rng, 1, 1, 64, 64, scale=0.1)  # >= 1024 weights: quantized

    @tf.function(input_signature=[tf.TensorSpec([1, 7, 7, 64], tf.float32)])
    def f(z):
        return tf.nn.conv2d(tf.nn.relu(z), wz1, 1, "VALID") + z

    model = ru.convert(f, quantize="dynamic")
    inputs = ru.random_inputs(ru.ours(model).get_input_details(), seed=3)
    ref = ru.run(ru.litert(model), inputs)
    for n in (1, 2):
        got, fused, prof = _run(model, inputs, threads=n)
        ops = [node["op_name"] for node in prof["nodes"]]
        assert (
            ops[ops.index("CONV_2D") + 1] == "ADD"
        )  # offered: the ADD right after the conv, its only reader
        assert fused == []
        for g, r in zip(got, ref, strict=True):
            ru.assert_match(g, r)
