"""The issue-2 corpus end to end: Keras object and SavedModel -> tflc -> LiteRT, compared with TensorFlow.

Whole keras.applications models are marked `heavy` (they still run in CI). Errors are relative to the output's
max magnitude; the bound is 1e-5 for every model.
"""

from __future__ import annotations

import numpy as np
import pytest
from corpus import HEAVY, MODELS, build, count_ops, rel_error, run_litert, sample_inputs

from compiler import TFLiteConverter

TOL = 1e-5

_cache: dict[str, object] = {}

# Operator counts TensorFlow 2.21's converter produces on the corpus (DESIGN.md section 6, measured here), and
# whether TF leaves shape arithmetic behind (then ours must be strictly below, else at most equal).
TF_OP_COUNTS = {
    "mobilenet_v2": (64, False),
    "resnet50": (74, False),
    "efficientnet_b0": (302, True),
    "transformer_block": (61, True),
}


def _model(name: str):
    if name not in _cache:
        _cache.clear()  # keep one big model alive at a time
        _cache[name] = build(name)
    return _cache[name]


def _params():
    for name in MODELS:
        marks = [pytest.mark.heavy] if name in HEAVY else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_keras_object(name):
    model = _model(name)
    x = sample_inputs(model)
    ref = model(x[0] if len(x) == 1 else x, training=False).numpy()
    data = TFLiteConverter.from_keras_model(model).convert()
    out = run_litert(data, x)
    err = rel_error(next(iter(out.values())), ref)
    print(f"{name}: keras object, {count_ops(data)} ops, {len(data)} bytes, rel err {err:.2e}")
    assert err <= TOL
    if name in TF_OP_COUNTS:
        tf_count, strictly = TF_OP_COUNTS[name]
        n = count_ops(data)
        assert (n < tf_count) if strictly else (n <= tf_count), f"{n} ops vs TensorFlow's {tf_count}"


@pytest.mark.parametrize("name", list(_params()))
def test_saved_model(name, tmp_path):
    model = _model(name)
    model.export(str(tmp_path / name), verbose=False)
    x = sample_inputs(model)
    ref = model(x[0] if len(x) == 1 else x, training=False).numpy()
    data = TFLiteConverter.from_saved_model(str(tmp_path / name)).convert()  # default keys, as users call it
    import tflite

    assert tflite.Model.GetRootAsModel(data, 0).SubgraphsLength() == 1  # `serving_default` only, as TF keeps
    out = run_litert(data, x)
    err = rel_error(next(iter(out.values())), ref)
    print(f"{name}: SavedModel, {count_ops(data)} ops, {len(data)} bytes, rel err {err:.2e}")
    assert err <= TOL


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["efficientnet_b0", "transformer_block"])
def test_no_shape_arithmetic_left(name):
    """With static input shapes, shape computations fold away (TF's converter leaves SHAPE/PACK/... in)."""
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator as B

    data = TFLiteConverter.from_keras_model(_model(name)).convert()
    m = tflite.Model.GetRootAsModel(data, 0)
    codes = [
        max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())
        for i in range(m.OperatorCodesLength())
    ]
    sg = m.Subgraphs(0)
    used = {codes[sg.Operators(i).OpcodeIndex()] for i in range(sg.OperatorsLength())}
    shape_math = {B.SHAPE, B.STRIDED_SLICE, B.PACK, B.GATHER, B.REDUCE_PROD}
    assert not (used & shape_math)


def test_batchnorm_folded_into_conv():
    """Conv + BatchNormalization + ReLU must leave no MUL/ADD behind the conv."""
    import keras
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator as B

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Conv2D(8, 3),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]
    )
    # Non-trivial moving statistics, as in a trained model.
    bn = model.layers[1]
    rng = np.random.default_rng(0)
    bn.moving_mean.assign(rng.standard_normal(8).astype(np.float32))
    bn.moving_variance.assign(rng.uniform(0.5, 2, 8).astype(np.float32))
    data = TFLiteConverter.from_keras_model(model).convert()
    m = tflite.Model.GetRootAsModel(data, 0)
    sg = m.Subgraphs(0)
    codes = [
        max(
            m.OperatorCodes(sg.Operators(i).OpcodeIndex()).BuiltinCode(),
            m.OperatorCodes(sg.Operators(i).OpcodeIndex()).DeprecatedBuiltinCode(),
        )
        for i in range(sg.OperatorsLength())
    ]
    assert B.MUL not in codes and B.ADD not in codes
    x = sample_inputs(model)
    assert rel_error(next(iter(run_litert(data, x).values())), model(x[0], training=False).numpy()) <= TOL


@pytest.mark.heavy
def test_cli_converts_mobilenet_v2(tmp_path):
    """The corpus through the CLI as well: `tflc convert --saved-model-dir` on MobileNetV2."""
    import os
    import subprocess
    import sys

    model = _model("mobilenet_v2")
    model.export(str(tmp_path / "sm"), verbose=False)
    out = tmp_path / "m.tflite"
    tflc = os.path.join(os.path.dirname(sys.executable), "tflc")
    p = subprocess.run(
        [
            tflc,
            "convert",
            "--saved-model-dir",
            str(tmp_path / "sm"),
            "--signature-key",
            "serving_default",
            "--output-file",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    x = sample_inputs(model)
    err = rel_error(next(iter(run_litert(out.read_bytes(), x).values())), model(x[0], training=False).numpy())
    assert err <= TOL
