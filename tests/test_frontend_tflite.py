"""TF's own quantized files read into tfl IR (compiler/frontends/tflite.py) and exported again: the same tensors
(name, type, shape, QuantizationParameters, buffer bytes), the same operators in the same order (versions, inputs,
outputs, declared options), the same min_runtime_version, and LiteRT runs both files to identical outputs.

Not byte-identical, by design of the exporter: tensor and buffer order (tflc numbers tensors as it meets them),
the description string, CONVERSION_METADATA (left out here), and the trailing no-value bias input TF omits on
TRANSPOSE_CONV (tflc writes -1) and the empty LessOptions table TF leaves out."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import runtime_util as ru  # noqa: E402

from compiler.errors import ModelImportError  # noqa: E402
from compiler.export import export  # noqa: E402
from compiler.frontends.tflite import import_tflite  # noqa: E402
from compiler.options import ExportOptions  # noqa: E402

_OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}


def structure(model: bytes) -> tuple[list[tuple], list[tuple], bytes]:
    """(sorted tensors, operators in order, min_runtime_version) of subgraph 0, tensors referred to by name."""
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    tensors = []
    names = []
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        q = t.Quantization()
        params = None
        if q is not None and q.ScaleLength():
            params = (
                q.ScaleAsNumpy().tobytes(),
                tuple(q.ZeroPointAsNumpy().tolist()),
                q.QuantizedDimension(),
            )
        b = m.Buffers(t.Buffer())
        data = b.DataAsNumpy().tobytes() if b.DataLength() else b""
        shape = tuple(t.ShapeAsNumpy().tolist()) if t.ShapeLength() else ()
        names.append(t.Name().decode())
        tensors.append((names[-1], t.Type(), shape, params, data))
    ops = []
    for k in range(g.OperatorsLength()):
        op = g.Operators(k)
        oc = m.OperatorCodes(op.OpcodeIndex())
        ops.append(
            (
                _OPS[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())],
                oc.Version(),
                tuple(names[i] for i in op.InputsAsNumpy() if i >= 0),
                tuple(names[i] for i in op.OutputsAsNumpy()),
            )
        )
    runtime = b""
    for i in range(m.MetadataLength()):
        if m.Metadata(i).Name() == b"min_runtime_version":
            runtime = m.Buffers(m.Metadata(i).Buffer()).DataAsNumpy().tobytes()
    return sorted(tensors), ops, runtime


@pytest.fixture(scope="module")
def tf_files() -> dict[str, bytes]:
    """TF's int8 (float and int8 I/O), dynamic-range and float16 conversions of the corpus small CNN."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = corpus.small_cnn()
    files = {}
    for name in ("int8", "int8-io", "dynamic", "float16"):
        c = tf.lite.TFLiteConverter.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        if name.startswith("int8"):
            c.representative_dataset = ru.rep_dataset([(1, 32, 32, 3)], n=8)
        if name == "int8-io":
            c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
        if name == "float16":
            c.target_spec.supported_types = [tf.float16]
        files[name] = c.convert()
    return files


@pytest.mark.parametrize("name", ["int8", "int8-io", "dynamic", "float16"])
def test_round_trip(tf_files, name):
    theirs = tf_files[name]
    module = import_tflite(theirs)
    module.verify()
    ours = export(module, ExportOptions(include_conversion_metadata=False))
    want, got = structure(theirs), structure(ours)
    assert got[0] == want[0], "tensors (name, type, shape, quantization, data) differ"
    assert got[1] == want[1], "operators (builtin, version, inputs, outputs) differ"
    assert got[2] == want[2], "min_runtime_version differs"
    # Declared options survive: reading our file gives the same IR as reading TF's.
    assert str(import_tflite(ours)) == str(module)
    inputs = ru.random_inputs(ru.litert(theirs).get_input_details(), seed=3)
    for g, w in zip(ru.run(ru.litert(ours), inputs), ru.run(ru.litert(theirs), inputs), strict=True):
        np.testing.assert_array_equal(g, w)


def test_quantized_types_in_ir(tf_files):
    """A per-channel int8 filter and its int32 bias read as !quant.uniform types on a numpy-held constant."""
    text = str(import_tflite(tf_files["int8"]))
    assert "!quant.uniform<i8:f32:0, {" in text
    assert "tfl.pseudo_const <int32 [8]" in text and "!quant.uniform<i32:f32:0, {" in text
    assert '"tfl.quantize"' in text and '"tfl.dequantize"' in text


def test_not_a_tflite_file():
    with pytest.raises(ModelImportError, match="TFL3"):
        import_tflite(b"\0" * 64)
