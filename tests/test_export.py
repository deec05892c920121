"""FlatBuffer details checked against what TensorFlow's converter writes for the same model."""

from __future__ import annotations

import numpy as np
import pytest
import tflite
from corpus import build

from compiler import TFLiteConverter


def _model(data: bytes) -> tflite.Model:
    return tflite.Model.GetRootAsModel(data, 0)


def _metadata(m: tflite.Model, data: bytes) -> dict[str, bytes]:
    out = {}
    for i in range(m.MetadataLength()):
        md = m.Metadata(i)
        buf = m.Buffers(md.Buffer())
        out[md.Name().decode()] = buf.DataAsNumpy().tobytes() if buf.DataLength() else b""
    return out


def _op_versions(m: tflite.Model) -> dict[int, int]:
    out = {}
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        out[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())] = oc.Version()
    return out


@pytest.fixture(scope="module")
def pair():
    import tensorflow as tf

    model = build("small_cnn")
    ours = TFLiteConverter.from_keras_model(model).convert()
    theirs = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    return ours, theirs


def test_header_and_sentinel_buffer(pair):
    ours, _ = pair
    assert ours[4:8] == b"TFL3"
    m = _model(ours)
    assert m.Version() == 3
    assert m.Buffers(0).DataLength() == 0


def test_constant_data_is_16_byte_aligned_and_deduplicated(pair):
    ours, _ = pair
    m = _model(ours)
    seen = set()
    for i in range(1, m.BuffersLength()):
        b = m.Buffers(i)
        if b.DataLength() == 0:
            continue
        off = b._tab.Vector(b._tab.Offset(4))
        assert off % 16 == 0
        data = b.DataAsNumpy().tobytes()
        assert data not in seen
        seen.add(data)


def test_op_versions_match_tensorflow(pair):
    ours, theirs = pair
    mine, tfs = _op_versions(_model(ours)), _op_versions(_model(theirs))
    shared = set(mine) & set(tfs)
    assert shared
    assert {k: mine[k] for k in shared} == {k: tfs[k] for k in shared}


def test_min_runtime_version_matches_tensorflow(pair):
    ours, theirs = pair
    a = _metadata(_model(ours), ours)["min_runtime_version"]
    b = _metadata(_model(theirs), theirs)["min_runtime_version"]
    assert len(a) == 16
    assert a.rstrip(b"\0") == b.rstrip(b"\0")


def test_conversion_metadata_readable_by_tensorflow(pair):
    from tensorflow.lite.python import conversion_metadata_schema_py_generated as cm

    ours, _ = pair
    raw = _metadata(_model(ours), ours)["CONVERSION_METADATA"]
    meta = cm.ConversionMetadataT.InitFromObj(cm.ConversionMetadata.GetRootAsConversionMetadata(raw, 0))
    import tensorflow as tf

    assert meta.environment.tensorflowVersion.decode() == tf.__version__
    assert meta.environment.modelType == cm.ModelType.KERAS_MODEL
    assert meta.environment.apiVersion == 2
    assert not meta.options.enableSelectTfOps


def test_signature_matches_tensorflow(pair):
    from ai_edge_litert.interpreter import Interpreter

    ours, theirs = pair
    a = Interpreter(model_content=ours).get_signature_list()
    b = Interpreter(model_content=theirs).get_signature_list()
    assert list(a) == list(b) == ["serving_default"]
    assert a["serving_default"]["outputs"] == b["serving_default"]["outputs"]


def test_exclude_conversion_metadata():
    model = build("mlp")
    c = TFLiteConverter.from_keras_model(model)
    c.exclude_conversion_metadata = True
    data = c.convert()
    assert "CONVERSION_METADATA" not in _metadata(_model(data), data)


def test_input_details_match_tensorflow(pair):
    from ai_edge_litert.interpreter import Interpreter

    ours, theirs = pair
    a = Interpreter(model_content=ours).get_input_details()[0]
    b = Interpreter(model_content=theirs).get_input_details()[0]
    assert np.array_equal(a["shape"], b["shape"]) and a["dtype"] == b["dtype"]


_VERSION_CASES = {
    "sub_5d_same_shape": (lambda a, b: a - b, [([1, 2, 3, 4, 5], "float32")] * 2),
    "sub_5d_broadcast": (lambda a, b: a - b, [([2, 2, 3, 4, 5], "float32"), ([1, 1, 1, 1, 5], "float32")]),
    "add_int64": (lambda a, b: a + b, [([4], "int64")] * 2),
    "maximum_5d_broadcast": (
        lambda a, b: a * 0 + __import__("tensorflow").maximum(a, b),
        [([2, 2, 3, 4, 5], "float32"), ([1, 1, 1, 1, 5], "float32")],
    ),
    "floor_div_float": (lambda a, b: a // b, [([4], "float32")] * 2),
    "abs_int32": (lambda a: abs(a), [([4], "int32")]),
    "gather_batch_dims": (
        lambda a, i: __import__("tensorflow").gather(a, i, axis=1, batch_dims=1),
        [([2, 5, 3], "float32"), ([2, 4], "int32")],
    ),
    "fc_keep_num_dims": (
        lambda a: __import__("tensorflow").einsum("abc,cd->abd", a, np.ones((3, 6), np.float32)),
        [([1, 4, 3], "float32")],
    ),
}


@pytest.mark.parametrize("case", sorted(_VERSION_CASES))
def test_op_version_rules_match_tensorflow(case):
    """OperatorCode versions equal those TensorFlow's converter writes for the same function."""
    import tensorflow as tf

    fn, specs = _VERSION_CASES[case]
    cf = tf.function(fn).get_concrete_function(*[tf.TensorSpec(s, d) for s, d in specs])
    ours = _op_versions(_model(TFLiteConverter.from_concrete_functions([cf]).convert()))
    theirs = _op_versions(_model(tf.lite.TFLiteConverter.from_concrete_functions([cf]).convert()))
    shared = set(ours) & set(theirs)
    assert shared, (ours, theirs)
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}


def test_grouped_conv_version_matches_tensorflow():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 8)), keras.layers.Conv2D(8, 3, groups=4)])
    ours = _op_versions(_model(TFLiteConverter.from_keras_model(model).convert()))
    theirs = _op_versions(_model(tf.lite.TFLiteConverter.from_keras_model(model).convert()))
    shared = set(ours) & set(theirs)
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}
