"""Every input format reaches the same tf -> tfl -> FlatBuffer path, checked against TensorFlow in LiteRT."""

from __future__ import annotations

import os

import numpy as np
import pytest
from corpus import build, rel_error, run_litert, sample_inputs

from compiler import ConversionError, TFLiteConverter

TOL = 1e-5


@pytest.fixture(scope="module")
def mlp():
    return build("mlp")


def _check_keras(model, data: bytes) -> None:
    x = sample_inputs(model)
    ref = model(x[0] if len(x) == 1 else x, training=False).numpy()
    out = run_litert(data, x)
    assert len(out) == 1
    assert rel_error(next(iter(out.values())), ref) <= TOL


def test_keras_object(mlp):
    _check_keras(mlp, TFLiteConverter.from_keras_model(mlp).convert())


def test_keras_file(mlp, tmp_path):
    path = tmp_path / "mlp.keras"
    mlp.save(path)
    _check_keras(mlp, TFLiteConverter.from_keras_file(str(path)).convert())


def test_h5_file(mlp, tmp_path):
    path = tmp_path / "mlp.h5"
    mlp.save(path)
    _check_keras(mlp, TFLiteConverter.from_keras_file(str(path)).convert())


def test_saved_model_from_keras_export(mlp, tmp_path):
    mlp.export(str(tmp_path / "sm"), verbose=False)
    # Keras export writes two signatures ("serve", "serving_default"); both are converted by default.
    data = TFLiteConverter.from_saved_model(
        str(tmp_path / "sm"), signature_keys=["serving_default"]
    ).convert()
    _check_keras(mlp, data)


def test_concrete_function():
    import tensorflow as tf

    w = tf.Variable(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([2, 6], tf.float32, name="x")])
    def f(x):
        return {"y": tf.nn.relu(tf.matmul(x, w) + 0.5)}

    cf = f.get_concrete_function()
    data = TFLiteConverter.from_concrete_functions([cf], f).convert()
    x = np.random.default_rng(1).standard_normal((2, 6)).astype(np.float32)
    out = run_litert(data, {"x": x})
    assert rel_error(out["y"], f(x)["y"].numpy()) <= TOL


def _two_signature_module():
    import tensorflow as tf

    class TwoHeads(tf.Module):
        def __init__(self):
            rng = np.random.default_rng(2)
            self.w = tf.Variable(rng.standard_normal((4, 4)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="a")])
        def encode(self, a):
            return {"code": tf.nn.relu(tf.matmul(a, self.w))}

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="b")])
        def decode(self, b):
            return {"recon": tf.matmul(b, self.w, transpose_b=True)}

    return TwoHeads()


def test_multi_signature_saved_model(tmp_path):
    import tensorflow as tf

    m = _two_signature_module()
    path = str(tmp_path / "two")
    tf.saved_model.save(m, path, signatures={"encode": m.encode, "decode": m.decode})
    data = TFLiteConverter.from_saved_model(path).convert()
    from ai_edge_litert.interpreter import Interpreter

    sigs = Interpreter(model_content=data).get_signature_list()
    assert sigs == {
        "decode": {"inputs": ["b"], "outputs": ["recon"]},
        "encode": {"inputs": ["a"], "outputs": ["code"]},
    }
    x = np.random.default_rng(3).standard_normal((1, 4)).astype(np.float32)
    assert rel_error(run_litert(data, {"a": x}, "encode")["code"], m.encode(x)["code"].numpy()) <= TOL
    assert rel_error(run_litert(data, {"b": x}, "decode")["recon"], m.decode(x)["recon"].numpy()) <= TOL

    only = TFLiteConverter.from_saved_model(path, signature_keys=["decode"]).convert()
    assert list(Interpreter(model_content=only).get_signature_list()) == ["decode"]


def test_same_input_same_bytes(mlp):
    assert TFLiteConverter.from_keras_model(mlp).convert() == TFLiteConverter.from_keras_model(mlp).convert()


def test_missing_saved_model_dir(tmp_path):
    with pytest.raises(ConversionError, match="does not exist"):
        TFLiteConverter.from_saved_model(str(tmp_path / "nope")).convert()


def test_not_a_saved_model(tmp_path):
    with pytest.raises(ConversionError, match="not a SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path)).convert()


def test_corrupt_saved_model(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ConversionError, match="cannot load SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path)).convert()


def test_unknown_signature(tmp_path, mlp):
    mlp.export(str(tmp_path / "sm"), verbose=False)
    with pytest.raises(ConversionError, match="not in SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path / "sm"), signature_keys=["nope"]).convert()


def test_unlegalized_ops_listed_once_with_names():
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([3, 3], tf.float32)])
    def f(x):
        return tf.linalg.det(x) + tf.linalg.det(x * 2.0)

    with pytest.raises(ConversionError) as info:
        TFLiteConverter.from_concrete_functions([f.get_concrete_function()]).convert()
    msg = str(info.value)
    assert "MatrixDeterminant x2" in msg
    assert "SELECT_TF_OPS" in msg


def test_unsupported_flag_is_an_error(mlp):
    from compiler import Optimize, UnsupportedFlagError

    c = TFLiteConverter.from_keras_model(mlp)
    c.optimizations = [Optimize.DEFAULT]
    c.representative_dataset = lambda: iter([])  # full-integer quantization is not implemented yet
    with pytest.raises(UnsupportedFlagError, match="representative_dataset"):
        c.convert()


def test_tf_enums_accepted(mlp):
    import tensorflow as tf

    c = TFLiteConverter.from_keras_model(mlp)
    c.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS}
    assert c.convert()[4:8] == b"TFL3"


def test_no_tensorflow_import_for_dialects_and_export():
    import subprocess
    import sys

    code = "import sys, compiler.export, dialects.tf, dialects.tfl, passes.legalize_tf; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert out.stdout.strip() == "False"


def test_several_concrete_functions_become_named_signatures():
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32, name="x")])
    def double(x):
        return {"y": x * 2.0}

    @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32, name="x")])
    def shift(x):
        return {"y": x + 1.0}

    data = TFLiteConverter.from_concrete_functions(
        [double.get_concrete_function(), shift.get_concrete_function()]
    ).convert()
    x = np.random.default_rng(4).standard_normal((1, 3)).astype(np.float32)
    assert rel_error(run_litert(data, {"x": x}, "double")["y"], double(x)["y"].numpy()) <= TOL
    assert rel_error(run_litert(data, {"x": x}, "shift")["y"], shift(x)["y"].numpy()) <= TOL
