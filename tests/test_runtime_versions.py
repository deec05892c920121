"""Kernel registration with OperatorCode version ranges (LiteRT's AddBuiltin(op, reg, min_version, max_version)):
the runtime refuses, when the model is loaded, a node whose version no kernel of its op implements, and its ranges
cover every version TensorFlow's converter writes (float, int8, int16x8, dynamic-range, float16)."""

import os
import re
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import _tflrt  # noqa: E402


def _supported(op: int) -> set[int]:
    """Versions the runtime's kernels of op implement, from the registry's own description ("1-3, 5")."""
    text = _tflrt.kernel_versions(op)
    out = set()
    for part in text.split(", "):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _conv_model():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3, 2, 4)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 6, 6, 2], tf.float32)])
    def f(x):
        return tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME")) + 1.0

    return ru.convert(f)


@pytest.fixture(scope="module")
def conv_model():
    return _conv_model()


def _with_version(model: bytes, op_name: str, version: int) -> tuple[bytes, int]:
    """The model with op_name's OperatorCode.version set by hand; also returns the index of the first node using it."""
    m = ru.model_object(model)
    code = ru.op_code(op_name)
    idx = next(
        i for i, oc in enumerate(m.operatorCodes) if max(oc.builtinCode, oc.deprecatedBuiltinCode) == code
    )
    m.operatorCodes[idx].version = version
    node = next(j for j, op in enumerate(m.subgraphs[0].operators) if op.opcodeIndex == idx)
    return ru.pack_model(m), node


def test_version_beyond_the_registered_range_is_refused_with_a_rich_message(conv_model):
    top = max(_supported(ru.op_code("CONV_2D")))
    model, node = _with_version(conv_model, "CONV_2D", top + 1)
    with pytest.raises(ValueError) as err:
        ru.ours(model)
    assert str(err.value) == (
        f"unsupported operator version: CONV_2D version {top + 1} (subgraph 0, node {node}): "
        f"this runtime implements CONV_2D versions 1-{top}"
    )


def test_version_zero_is_refused_like_litert(conv_model):
    model, node = _with_version(conv_model, "ADD", 0)
    with pytest.raises(
        ValueError, match=rf"ADD version 0 \(subgraph 0, node {node}\): this runtime implements ADD"
    ):
        ru.ours(model)
    with pytest.raises((ValueError, RuntimeError), match="version"):
        ru.litert(model)


def test_every_registered_version_runs(conv_model):
    """A node at any version inside the range is accepted and computes the same numbers as LiteRT."""
    for version in sorted(_supported(ru.op_code("CONV_2D"))):
        model, _ = _with_version(conv_model, "CONV_2D", version)
        ru.compare_with_litert(model)


def test_control_flow_versions():
    assert _tflrt.kernel_versions(ru.op_code("WHILE")) == "1"
    # no kernel: reported at allocate_tensors
    assert _tflrt.kernel_versions(ru.op_code("HASHTABLE_LOOKUP")) is None


def _litert_accepts(op: int, version: int) -> bool:
    """Whether LiteRT's builtin resolver has a kernel for (op, version): builds a one-node model and loads it."""
    from ai_edge_litert.interpreter import Interpreter
    from tensorflow.lite.python import schema_py_generated as schema

    m = schema.ModelT()
    m.version = 3
    oc = schema.OperatorCodeT()
    oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = op, min(op, 127), version
    m.operatorCodes, m.buffers = [oc], [schema.BufferT()]
    tensors = []
    for name in ("x", "y"):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name, np.array([1, 4], np.int32), 0, 0
        tensors.append(t)
    sg = schema.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs = tensors, np.array([0], np.int32), np.array([1], np.int32)
    node = schema.OperatorT()
    node.opcodeIndex, node.inputs, node.outputs = 0, np.array([0], np.int32), np.array([1], np.int32)
    sg.operators, m.subgraphs = [node], [sg]
    try:
        Interpreter(model_content=ru.pack_model(m))
    except (ValueError, RuntimeError) as e:
        if re.search(r"Didn't find op for builtin opcode", str(e)):
            return False
    return True


def test_registered_versions_are_versions_litert_knows():
    """We never claim a version LiteRT's own resolver (register.cc) does not register."""
    for op in range(ru.op_code("BITCAST") + 1):
        if not _tflrt.has_kernel(op) or op in (ru.op_code("IF"), ru.op_code("WHILE")):
            continue
        versions = _supported(op)
        assert _litert_accepts(op, min(versions)) and _litert_accepts(op, max(versions)), _tflrt.op_name(op)


def _corpus():
    """Small models through TF's converter in every quantization mode the runtime runs."""
    rng = np.random.default_rng(3)
    # weights above 1024 elements, so that dynamic-range quantization makes hybrid kernels
    w = rng.normal(size=(3, 3, 4, 32)).astype(np.float32)
    dw = rng.normal(size=(3, 3, 32, 1)).astype(np.float32)
    fc = rng.normal(size=(32, 40)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 4], tf.float32)])
    def f(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w, 1, "SAME"))
        y = tf.nn.depthwise_conv2d(y, dw, [1, 1, 1, 1], "SAME", dilations=[2, 2])
        y = tf.nn.max_pool2d(y, 2, 2, "VALID") + tf.nn.avg_pool2d(y, 2, 2, "VALID")
        y = tf.concat([y, tf.nn.sigmoid(y)], axis=-1)[..., :32] * 0.5 - tf.tanh(y)
        y = tf.image.resize(y, [6, 6], method="bilinear")
        y = tf.reshape(tf.reduce_mean(y, axis=[1, 2]), [1, 32])
        y = tf.nn.softmax(tf.matmul(y, fc))
        return tf.transpose(tf.reshape(tf.pad(y, [[0, 0], [1, 3]]), [1, 44, 1]), [0, 2, 1])

    rep = ru.rep_dataset([(1, 8, 8, 4)])
    return {
        "float32": ru.convert(f),
        "int8": ru.convert(f, quantize="int8", representative=rep, int8_io=True),
        "int16x8": ru.convert(f, quantize="int16x8", representative=rep),
        "dynamic": ru.convert(f, quantize="dynamic"),
        "float16": ru.convert(f, quantize="float16"),
    }


def test_ranges_cover_what_tensorflows_converter_writes():
    seen = {}
    for mode, model in _corpus().items():
        m = ru.model_object(model)
        for oc in m.operatorCodes:
            code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
            seen.setdefault((_tflrt.op_name(code), oc.version), mode)
            assert oc.version in _supported(code), f"{mode}: {_tflrt.op_name(code)} version {oc.version}"
        ru.ours(model).allocate_tensors()
    # the corpus reaches past version 1 (int8, int16x8, hybrid and dilation versions), so the check has teeth
    assert sum(v > 1 for _, v in seen) >= 5, sorted(seen)
