"""Whole models in tflc's C runtime vs LiteRT's reference kernels (BUILTIN_REF), including TensorFlow's own
converter output: float32, float16 weights, dynamic range and full int8.

Float outputs must agree within 1e-5 of the output's scale; integer outputs bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter as LiteRT
from ai_edge_litert.interpreter import OpResolverType
from corpus import build, rel_error, sample_inputs

from runtime import Interpreter

pytestmark = pytest.mark.heavy


def _tf_convert(model, mode: str) -> bytes:
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode == "float16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    elif mode == "dynamic_range":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    elif mode == "int8":
        x = sample_inputs(model)

        def data():
            rng = np.random.default_rng(0)
            for _ in range(8):
                yield [rng.uniform(-1, 1, t.shape).astype(np.float32) for t in x]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = data
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def _run(interp, inputs: list[np.ndarray]) -> np.ndarray:
    interp.allocate_tensors()
    for d, x in zip(interp.get_input_details(), inputs, strict=True):
        if d["dtype"] == np.int8:
            scale, zp = d["quantization"]
            x = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


CASES = [
    ("mobilenet_v2", "float32"),
    ("mobilenet_v2", "float16"),
    ("efficientnet_b0", "float32"),
    ("transformer_block", "float32"),
    ("transformer_block", "float16"),
    ("transformer_block", "dynamic_range"),
    ("transformer_block", "int8"),
]


@pytest.mark.parametrize(("name", "mode"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_tensorflow_converted_model_matches_litert_reference(name: str, mode: str) -> None:
    model = build(name)
    data = _tf_convert(model, mode)
    x = sample_inputs(model)
    ref = _run(
        LiteRT(model_content=data, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF), x
    )
    ours = _run(Interpreter(model_content=data, num_threads=1), x)
    if ref.dtype.kind in "iu":
        assert np.array_equal(ours, ref)
    else:
        assert rel_error(ours, ref) <= 1e-5


def test_tflc_converted_resnet50_matches_litert_reference() -> None:
    from compiler import TFLiteConverter

    model = build("resnet50")
    data = TFLiteConverter.from_keras_model(model).convert()
    x = sample_inputs(model)
    ref = _run(
        LiteRT(model_content=data, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF), x
    )
    assert rel_error(_run(Interpreter(model_content=data, num_threads=1), x), ref) <= 1e-5
