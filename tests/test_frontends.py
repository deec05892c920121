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
    data = TFLiteConverter.from_saved_model(
        str(tmp_path / "sm"), signature_keys=["serving_default"]
    ).convert()
    _check_keras(mlp, data)


@pytest.mark.parametrize("keys", [None, ["serve", "serving_default"]])
def test_keras_export_keeps_serving_default_as_tensorflow_does(mlp, tmp_path, keys):
    """`model.export()` writes signatures `serve` and `serving_default` (one function); TF's from_saved_model
    converts `serving_default` alone, so `get_signature_runner()` without a key works. Same signatures as TF."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    mlp.export(str(tmp_path / "sm"), verbose=False)
    ours = TFLiteConverter.from_saved_model(str(tmp_path / "sm"), signature_keys=keys).convert()
    theirs = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm"), signature_keys=keys).convert()
    a, b = Interpreter(model_content=ours), Interpreter(model_content=theirs)
    assert (
        a.get_signature_list()
        == b.get_signature_list()
        == {"serving_default": b.get_signature_list()["serving_default"]}
    )
    x = np.random.default_rng(0).standard_normal((1, *mlp.input_shape[1:])).astype(np.float32)
    (name,) = b.get_signature_list()["serving_default"]["inputs"]
    got, want = a.get_signature_runner()(**{name: x}), b.get_signature_runner()(**{name: x})
    assert got.keys() == want.keys()
    for k in want:
        assert rel_error(got[k], want[k]) <= TOL


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


# Bad inputs fail at construction, as TF's converter does, with a ValueError (ModelImportError) naming the problem.


def test_missing_saved_model_dir(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        TFLiteConverter.from_saved_model(str(tmp_path / "nope"))


def test_not_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match="not a SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path))


def test_corrupt_saved_model(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ValueError, match="cannot load SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path))


def test_unknown_signature_fails_at_construction_like_tensorflow(tmp_path, mlp):
    import tensorflow as tf

    mlp.export(str(tmp_path / "sm"), verbose=False)
    with pytest.raises(ValueError, match="nope"):
        tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm"), signature_keys=["nope"])
    with pytest.raises(ValueError, match="not in SavedModel"):
        TFLiteConverter.from_saved_model(str(tmp_path / "sm"), signature_keys=["nope"])


def test_saved_model_without_signatures_fails_at_construction_like_tensorflow(tmp_path):
    import tensorflow as tf

    module = tf.Module()
    module.v = tf.Variable(1.0)
    tf.saved_model.save(module, str(tmp_path / "sm"), signatures={})
    with pytest.raises(ValueError):
        tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm"))
    with pytest.raises(ValueError, match="no signatures"):
        TFLiteConverter.from_saved_model(str(tmp_path / "sm"))


def test_a_tf_function_is_not_a_concrete_function_like_tensorflow():
    import tensorflow as tf

    f = tf.function(lambda x: x + 1.0, input_signature=[tf.TensorSpec([2], tf.float32)])
    with pytest.raises(ValueError, match="call get_concrete_function") as theirs:
        tf.lite.TFLiteConverter.from_concrete_functions([f])
    with pytest.raises(ValueError) as ours:
        TFLiteConverter.from_concrete_functions([f])
    assert str(ours.value) == str(theirs.value)


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
    import tensorflow as tf

    from compiler import Optimize, UnsupportedFlagError

    c = TFLiteConverter.from_keras_model(mlp)
    c.optimizations = [Optimize.DEFAULT]
    c.target_spec.supported_types = [tf.int16]  # int16x8 quantization is not implemented yet
    with pytest.raises(UnsupportedFlagError, match="supported_types"):
        c.convert()
    c = TFLiteConverter.from_keras_model(mlp)
    c.representative_dataset = lambda: iter([])  # without optimizations TF ignores it; tflc refuses it
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


# ---- converter settings: honoured or refused, never ignored ----------------------------------------------------


def _identity_function():
    import tensorflow as tf

    return tf.function(
        lambda x: x * 2.0, input_signature=[tf.TensorSpec([2], tf.float32)]
    ).get_concrete_function()


def test_every_setting_of_tensorflows_converter_exists_on_ours():
    import tensorflow as tf

    theirs = tf.lite.TFLiteConverter.from_concrete_functions([_identity_function()])
    ours = TFLiteConverter.from_concrete_functions([_identity_function()])
    settings = [
        n
        for n in vars(theirs)
        if not n.startswith("_") or n.startswith("_experimental") or n == "_debug_info"
    ]
    missing = [n for n in settings if not hasattr(ours, n)]
    assert not missing, missing


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("serialize_debug_metadata", True),
        ("_experimental_unfold_large_splat_constant", True),
        ("_experimental_qdq_conversion_mode", "STATIC"),
        ("experimental_use_stablehlo_quantizer", True),
        ("experimental_new_converter", False),
    ],
)
def test_a_setting_tflc_does_not_implement_is_refused(name, value):
    from compiler.errors import UnsupportedFlagError

    conv = TFLiteConverter.from_concrete_functions([_identity_function()])
    setattr(conv, name, value)
    with pytest.raises(UnsupportedFlagError, match=name):
        conv.convert()


def test_a_misspelt_setting_is_an_attribute_error_with_the_fix():
    conv = TFLiteConverter.from_concrete_functions([_identity_function()])
    with pytest.raises(AttributeError, match="did you mean 'optimizations'"):
        conv.optimisations = ["DEFAULT"]


def test_convert_inside_a_graph_context_gives_the_same_model(mlp):
    """A user's `with tf.Graph().as_default():` around convert() (TF's converter fails there on this model)."""
    import tensorflow as tf

    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))
    cf = tf.function(lambda x: tf.matmul(x, w), input_signature=[tf.TensorSpec([1, 3], tf.float32)])
    cf = cf.get_concrete_function()
    outside = TFLiteConverter.from_concrete_functions([cf]).convert()
    keras_outside = TFLiteConverter.from_keras_model(mlp).convert()
    with tf.Graph().as_default():
        assert TFLiteConverter.from_concrete_functions([cf]).convert() == outside
        assert TFLiteConverter.from_keras_model(mlp).convert() == keras_outside


def _io_names(data: bytes) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per signature: its input and output names -> tensor names in the file."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data)
    out = {}
    for key in it.get_signature_list():
        r = it.get_signature_runner(key)
        ins = {k: d["name"] for k, d in r.get_input_details().items()}
        outs = {k: d["name"] for k, d in r.get_output_details().items()}
        out[key] = (ins, outs)
    return out


def test_io_tensor_names_match_tensorflow(tmp_path):
    """Signature input/output tensors carry the names TF's converter writes (`serving_default_x:0`,
    `StatefulPartitionedCall_1:0`, a SavedModel's SignatureDef names), for every frontend; compared side by side."""
    import keras
    import tensorflow as tf

    class Module(tf.Module):
        def __init__(self):
            self.v = tf.Variable([1.0, 2.0, 3.0, 4.0])

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="a")] * 2)
        def stateful(self, a, b):
            return {"sum": a + b, "prod": a * b, "scaled": a * self.v}

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="z")])
        def pure(self, z):
            return z + 1.0, z * 2.0

    m = Module()
    tf.saved_model.save(m, str(tmp_path / "sm"), signatures={"first": m.stateful, "second": m.pure})
    x1, x2 = keras.Input((4,), name="x1"), keras.Input((3,), name="x2")
    km = keras.Model([x1, x2], {"zeta": keras.layers.Dense(2)(x1), "alpha": keras.layers.Dense(2)(x2)})
    km.export(str(tmp_path / "export"), verbose=False)
    cases = {
        "saved_model": lambda c: c.from_saved_model(str(tmp_path / "sm"), signature_keys=["first", "second"]),
        "keras_export": lambda c: c.from_saved_model(str(tmp_path / "export")),
        "keras": lambda c: c.from_keras_model(km),
        "stateful_cf": lambda c: c.from_concrete_functions([m.stateful.get_concrete_function()], m),
        "pure_cf": lambda c: c.from_concrete_functions([m.pure.get_concrete_function()], m),
    }
    for label, make in cases.items():
        ours = _io_names(make(TFLiteConverter).convert())
        theirs = _io_names(make(tf.lite.TFLiteConverter).convert())
        assert ours == theirs, label
