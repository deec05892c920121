"""Hybrid (dynamic-range) kernels of the C runtime that the weight quantizer's files need, bit-exact against LiteRT's
BUILTIN_REF kernels on files written by TensorFlow's converter: BATCH_MATMUL version 4 (float32 lhs, int8 constant
rhs, asymmetric per-row input quantization) and TRANSPOSE_CONV version 2 (int8 filter)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402


def _version(model: bytes, op: str) -> int:
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    code = getattr(tflite.BuiltinOperator, op)
    versions = [
        m.OperatorCodes(i).Version()
        for i in range(m.OperatorCodesLength())
        if max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode()) == code
    ]
    assert versions, f"TF's file has no {op}"
    return versions[0]


def _bit_exact(model: bytes, seeds=(0, 1, 2)) -> None:
    for seed in seeds:
        ref = ru.litert(model)
        inputs = ru.random_inputs(ref.get_input_details(), seed=seed, lo=-3.0, hi=2.0)
        want = ru.run(ref, inputs)
        got = ru.run(ru.ours(model), inputs)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype
            assert np.array_equal(g, w), f"max |d| {np.max(np.abs(g.astype(np.float64) - w))}"


def _matmul_model(lhs_shape, rhs_shape, transpose_a=False, transpose_b=False, seed=0) -> bytes:
    import tensorflow as tf

    w = tf.constant(np.random.default_rng(seed).uniform(-1, 1, rhs_shape).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec(lhs_shape, tf.float32)])
    def f(x):
        return tf.matmul(x, w, transpose_a=transpose_a, transpose_b=transpose_b)

    return ru.convert(f, quantize="dynamic")


@pytest.mark.parametrize(
    "lhs, rhs, ta, tb",
    [
        ((2, 4, 64), (2, 64, 32), False, False),
        ((3, 5, 40), (3, 40, 48), False, False),  # K not a multiple of 8: the quantizer's scalar tail
        ((2, 64, 4), (2, 64, 32), True, False),  # adj_x: lhs rows are columns
        ((2, 4, 64), (2, 32, 64), False, True),  # adj_y: the weights are already [N, K]
        ((2, 3, 4, 64), (2, 3, 64, 16), False, False),  # two batch dims: LiteRT's own row-block offsets
        ((2, 3, 4, 64), (3, 64, 16), False, False),  # broadcast over the first batch dim
    ],
)
def test_hybrid_batch_matmul(lhs, rhs, ta, tb):
    model = _matmul_model(lhs, rhs, ta, tb)
    assert _version(model, "BATCH_MATMUL") == 4
    _bit_exact(model)


def test_hybrid_batch_matmul_symmetric_inputs():
    """asymmetric_quantize_inputs = false (versions 1-3 semantics): symmetric per-row input quantization."""
    from tensorflow.lite.python import schema_py_generated as schema

    m = ru.model_object(_matmul_model((2, 6, 64), (2, 64, 24)))
    for op in m.subgraphs[0].operators:
        if isinstance(op.builtinOptions, schema.BatchMatMulOptionsT):
            op.builtinOptions.asymmetricQuantizeInputs = False
    _bit_exact(ru.pack_model(m))


def test_hybrid_batch_matmul_zero_rows():
    """An all-zero lhs row: scale 1, offset 0 (no division by a zero range)."""
    model = _matmul_model((2, 4, 64), (2, 64, 32))
    ref = ru.litert(model)
    x = np.random.default_rng(3).uniform(-1, 1, (2, 4, 64)).astype(np.float32)
    x[0, 1] = 0.0
    want = ru.run(ref, [x])
    got = ru.run(ru.ours(model), [x])
    assert np.array_equal(got[0], want[0])


def _transpose_conv_model(in_shape, filters, kernel, strides, padding, bias=True, activation=None) -> bytes:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(in_shape, batch_size=2),
            keras.layers.Conv2DTranspose(
                filters, kernel, strides=strides, padding=padding, use_bias=bias, activation=activation
            ),
        ]
    )
    if bias:
        layer = model.layers[-1]
        layer.bias.assign(np.random.default_rng(1).uniform(-1, 1, layer.bias.shape).astype(np.float32))
    import tensorflow as tf

    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    return c.convert()


@pytest.mark.parametrize(
    "in_shape, filters, kernel, strides, padding, bias, activation",
    [
        ((8, 8, 16), 16, 3, 2, "same", True, None),
        ((7, 5, 32), 8, 3, 2, "valid", True, "relu"),
        ((6, 6, 24), 12, (4, 2), (2, 3), "same", False, None),
        ((5, 5, 64), 4, 2, 1, "valid", True, None),
    ],
)
def test_hybrid_transpose_conv(in_shape, filters, kernel, strides, padding, bias, activation):
    model = _transpose_conv_model(in_shape, filters, kernel, strides, padding, bias, activation)
    assert _version(model, "TRANSPOSE_CONV") >= 2
    _bit_exact(model)
