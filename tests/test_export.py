"""FlatBuffer details checked against what TensorFlow's converter writes for the same model."""

from __future__ import annotations

import numpy as np
import pytest
import tflite
from corpus import build

from compiler import TFLiteConverter
from dialects import tfl


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


def test_every_tensor_has_rank_as_tensorflow(pair):
    # TF writes has_rank = true for every ranked tensor; LiteRT reads a false one with no dims as unranked
    for data in pair:
        sg = _model(data).Subgraphs(0)
        assert sg.TensorsLength() > 0
        assert all(sg.Tensors(i).HasRank() for i in range(sg.TensorsLength()))


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


# ---- options: the value read back is the value meant -------------------------------------------------------------


def _option_cases(op: type) -> list[dict]:
    """Every field at its property default, then every field at a value other than both defaults."""
    other = {
        "int": 3,
        "float": 0.5,
        "bool": True,
        "int_vec": [1, 2],
        "float_vec": [-1.5, 0.25],
        "int64": -(2**40),
    }
    changed = {}
    for name, f in op.OPTIONS.fields.items():
        changed[name] = (
            next(m for m in reversed(list(f.enum)) if m != f.default) if f.kind == "enum" else other[f.kind]
        )
    return [{}, changed]


_OPTION_OPS = [op for op in tfl.TFL_OPS if getattr(op, "OPTIONS", None)]


@pytest.mark.parametrize("op", _OPTION_OPS, ids=lambda op: op.name)
def test_options_read_back_as_meant(op):
    """Each options table, written through the generated builder, reads back (with the generated reader, schema
    defaults for absent fields) as the op's own values, whether they equal our defaults, the schema's or neither."""
    import flatbuffers
    from xdsl.dialects.builtin import TensorType, f32
    from xdsl.ir import Block

    from compiler.export import _build_options

    d = op.get_irdl_definition()
    for options in _option_cases(op):
        ty = TensorType(f32, [1, 2, 2, 2])
        block = Block(arg_types=[ty] * len(d.operands))
        instance = op.build(list(block.args), [ty] * len(d.results), **options)
        b = flatbuffers.Builder(64)
        _, table = _build_options(b, instance)
        b.Finish(table)
        reader = getattr(tflite, op.OPTIONS.table)()
        reader.Init(b.Output(), flatbuffers.encode.Get(flatbuffers.packer.uoffset, b.Output(), 0))
        for name, meant in instance.options().items():
            camel = "".join(p[:1].upper() + p[1:] for p in name.split("_"))
            got = (
                list(getattr(reader, camel + "AsNumpy")())
                if isinstance(meant, list)
                else getattr(reader, camel)()
            )
            assert got == pytest.approx(meant), (op.name, name, options)


# ---- min_runtime_version for ops the old central table missed ------------------------------------------------------

_RUNTIME_CASES = {
    "cumsum": (lambda a: __import__("tensorflow").math.cumsum(a, axis=1), [([2, 3], "float32")]),
    "sigmoid": (lambda a: __import__("tensorflow").sigmoid(a), [([2, 3], "float32")]),
    "argmax": (lambda a: __import__("tensorflow").argmax(a, axis=1), [([2, 3], "float32")]),
    "resize_bilinear": (
        lambda a: __import__("tensorflow").image.resize(a, [4, 4]),
        [([1, 2, 2, 1], "float32")],
    ),
    "split": (lambda a: __import__("tensorflow").split(a, 2, axis=1)[1], [([2, 4], "float32")]),
    # version rules that depend on element type and rank (tools/versioning/op_version.cc)
    "mul_int64": (lambda a: a * a, [([2, 3], "int64")]),
    "sub_int64": (lambda a: a - 1, [([2, 3], "int64")]),
    "transpose_5d": (
        lambda a: __import__("tensorflow").transpose(a, [4, 3, 2, 1, 0]),
        [([1, 2, 3, 4, 5], "float32")],
    ),
    "transpose_bool": (lambda a: __import__("tensorflow").transpose(a), [([2, 3], "bool")]),
    "transpose_int8": (lambda a: __import__("tensorflow").transpose(a), [([2, 3], "int8")]),
    "strided_slice_5d": (lambda a: a[:, 1:, :, ::2, :], [([1, 2, 3, 4, 5], "float32")]),
    "strided_slice_bool": (lambda a: a[1:, ::2], [([3, 4], "bool")]),
}


@pytest.mark.parametrize("case", sorted(_RUNTIME_CASES))
def test_min_runtime_version_of_each_op_matches_tensorflow(case):
    """The runtime version declared on each op class gives the min_runtime_version TensorFlow's converter writes."""
    import tensorflow as tf

    fn, specs = _RUNTIME_CASES[case]
    cf = tf.function(fn).get_concrete_function(*[tf.TensorSpec(s, d) for s, d in specs])
    ours = TFLiteConverter.from_concrete_functions([cf]).convert()
    theirs = tf.lite.TFLiteConverter.from_concrete_functions([cf]).convert()
    assert _op_versions(_model(ours)) == _op_versions(_model(theirs))
    a = _metadata(_model(ours), ours)["min_runtime_version"].rstrip(b"\0")
    b = _metadata(_model(theirs), theirs)["min_runtime_version"].rstrip(b"\0")
    assert a == b
