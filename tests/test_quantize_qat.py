"""Quantization-aware-trained models (passes/quantize_qat.py through the converter) side by side with TensorFlow
2.21's converter on the same model: the FakeQuant ops give the ranges, no calibration.

- FakeQuantWithMinMaxArgs / Vars / VarsPerChannel in a tf.function: same operators, and every operator's tensors
  equal TF's (type, shape, scales, zero points, quantized dimension, constant bytes); LiteRT outputs identical;
- a tf-keras CNN quantized with tensorflow-model-optimization and trained on scikit-learn's digits (in a child
  process: tfmot switches the process to Keras 2 for good), converted from the same SavedModel: op count <= TF's,
  every tensor equal, identical LiteRT outputs on the whole test split, tflc's runtime bit-exact against LiteRT's
  reference kernels; `_experimental_qdq_conversion_mode` and integer I/O as TF;
- int8 x int8 -> int32 BatchMatMulV3 -> BATCH_MATMUL as TF writes it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import corpus  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402
from compiler.errors import ConversionError, UnsupportedFlagError  # noqa: E402


def _tensors(model: bytes) -> list[list[tuple]]:
    """Per operator (in order): its op code and, per input/output tensor, (type, shape, scales, zero points,
    quantized dimension, constant bytes)."""
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    out = []
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex())
        row: list[tuple] = [(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), code.Version())]
        for idx in [*op.InputsAsNumpy(), *op.OutputsAsNumpy()]:
            if idx < 0:
                row.append(("none",))
                continue
            t = g.Tensors(int(idx))
            q = t.Quantization()
            scales = tuple(q.ScaleAsNumpy().tolist()) if q is not None and q.ScaleLength() else ()
            zps = tuple(q.ZeroPointAsNumpy().tolist()) if q is not None and q.ZeroPointLength() else ()
            dim = q.QuantizedDimension() if q is not None and scales else 0
            buf = m.Buffers(t.Buffer())
            data = buf.DataAsNumpy().tobytes() if buf is not None and buf.DataLength() else b""
            if not data and buf is not None and buf.Size():
                data = model[buf.Offset() : buf.Offset() + buf.Size()]
            if (
                not scales
            ):  # unquantized constants may differ: RESHAPE's [-1, n] is our [1, n] (batch fixed to 1)
                data = b"" if t.Type() in (tflite.TensorType.INT32, tflite.TensorType.INT64) else data
            row.append(
                (
                    t.Type(),
                    tuple(t.ShapeAsNumpy().tolist()) if t.ShapeLength() else (),
                    scales,
                    zps,
                    dim,
                    data,
                )
            )
        out.append(row)
    return out


def optimization_modes(model: bytes) -> list[int]:
    """CONVERSION_METADATA's ConversionOptions.model_optimization_modes."""
    import flatbuffers

    m = tflite.Model.GetRootAsModel(model, 0)
    for i in range(m.MetadataLength()):
        md = m.Metadata(i)
        if md.Name() != b"CONVERSION_METADATA":
            continue
        buf = m.Buffers(md.Buffer())
        data = (
            buf.DataAsNumpy().tobytes()
            if buf.DataLength()
            else model[buf.Offset() : buf.Offset() + buf.Size()]
        )
        root = flatbuffers.table.Table(data, flatbuffers.encode.Get(flatbuffers.packer.uoffset, data, 0))
        options = flatbuffers.table.Table(data, root.Indirect(root.Offset(6) + root.Pos))
        field = options.Offset(4)
        if not field:
            return []
        start = options.Vector(field)
        return [
            flatbuffers.encode.Get(flatbuffers.packer.int32, data, start + 4 * j)
            for j in range(options.VectorLen(field))
        ]
    raise AssertionError("no CONVERSION_METADATA")


def assert_same_tensors(ours: bytes, theirs: bytes) -> None:
    a, b = _tensors(ours), _tensors(theirs)
    assert [r[0] for r in a] == [r[0] for r in b], "operators (code, version) differ"
    for i, (ra, rb) in enumerate(zip(a, b, strict=True)):
        assert len(ra) == len(rb), f"operator {i}: operand count"
        for j, (ta, tb) in enumerate(zip(ra[1:], rb[1:], strict=True)):
            assert ta == tb, f"operator {i} ({ra[0]}), tensor {j}: ours {ta[:5]} != TF's {tb[:5]}"


def _convert(converter_cls, fn=None, saved_model=None, **settings) -> bytes:
    if saved_model is not None:
        c = converter_cls.from_saved_model(saved_model)
    else:
        c = converter_cls.from_concrete_functions([fn])
    for k, v in settings.items():
        setattr(c, k, v)
    return c.convert()


def _both(fn=None, saved_model=None, **settings) -> tuple[bytes, bytes]:
    """(ours, TF's) for the same model and settings (optimizations given as DEFAULT by name)."""
    import tensorflow as tf

    from compiler import Optimize

    opt = settings.pop("optimize", True)
    ours = _convert(
        TFLiteConverter, fn, saved_model, optimizations=[Optimize.DEFAULT] if opt else [], **settings
    )
    theirs = _convert(
        tf.lite.TFLiteConverter,
        fn,
        saved_model,
        optimizations=[tf.lite.Optimize.DEFAULT] if opt else [],
        **settings,
    )
    return ours, theirs


def _convert_tf(fn) -> bytes:
    import tensorflow as tf

    return _convert(tf.lite.TFLiteConverter, fn, optimizations=[tf.lite.Optimize.DEFAULT])


def _interpreters(model: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from runtime import Interpreter as Ours

    tf_default = Interpreter(model_content=model, num_threads=1)
    ref = Interpreter(
        model_content=model, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF
    )
    return tf_default, ref, Ours(model_content=model, num_threads=1)


def _run(interp, x: np.ndarray) -> list[np.ndarray]:
    return corpus.run_interpreter(interp, [x])


# ---- FakeQuant ops in a tf.function ------------------------------------------------------------------------------


def _fake_quant_function(per_channel_dense: bool = False, per_tensor_conv: bool = False):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 0.4, (3, 3, 3, 6)).astype(np.float32)
    m1 = np.abs(w1).max(axis=(0, 1, 2)) * np.linspace(0.9, 1.05, 6).astype(np.float32)  # stale ranges clip
    b1 = rng.normal(0, 0.1, 6).astype(np.float32)
    wd = rng.normal(0, 0.5, (3, 3, 6, 1)).astype(np.float32)
    w2 = rng.normal(0, 0.2, (54, 10)).astype(np.float32)
    b2 = rng.normal(0, 0.1, 10).astype(np.float32)
    m2 = np.abs(w2).max(axis=0) if per_channel_dense else np.float32(np.abs(w2).max() * 0.95)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32)])
    def model(x):
        x = tf.quantization.fake_quant_with_min_max_args(x, min=-1.0, max=1.0)
        if per_tensor_conv:
            w = tf.quantization.fake_quant_with_min_max_vars(w1, -m1.max(), m1.max(), narrow_range=True)
        else:
            w = tf.quantization.fake_quant_with_min_max_vars_per_channel(w1, -m1, m1, narrow_range=True)
        y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "SAME"), b1))
        y = tf.quantization.fake_quant_with_min_max_vars(y, -0.31, 2.7)
        d = tf.quantization.fake_quant_with_min_max_vars_per_channel(wd, [-0.9], [0.9], narrow_range=True)
        y = tf.nn.relu6(tf.nn.depthwise_conv2d(y, d, [1, 1, 1, 1], "VALID"))
        y = tf.quantization.fake_quant_with_min_max_vars(y, -0.2, 6.0)
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = tf.reshape(y, [1, 54])
        fq = (
            tf.quantization.fake_quant_with_min_max_vars_per_channel
            if per_channel_dense
            else tf.quantization.fake_quant_with_min_max_vars
        )
        w = fq(w2, -m2, m2, narrow_range=True)
        y = tf.nn.bias_add(tf.matmul(y, w), b2)
        return tf.quantization.fake_quant_with_min_max_vars(y, -3.1, 2.9)

    return model.get_concrete_function()


@pytest.fixture(scope="module")
def fake_quant_fn():
    return _fake_quant_function()


def _inputs(n: int = 8, shape=(1, 8, 8, 3), seed: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.2, 1.2, shape).astype(np.float32) for _ in range(n)]


def _assert_same_outputs(ours: bytes, theirs: bytes, inputs: list[np.ndarray]) -> None:
    """LiteRT outputs of our file identical to those of TF's; tflc's runtime bit-exact vs LiteRT BUILTIN_REF."""
    o_default, o_ref, o_ours = _interpreters(ours)
    t_default = _interpreters(theirs)[0]
    for x in inputs:
        got = _run(o_default, x)
        np.testing.assert_array_equal(got[0], _run(t_default, x)[0])
        np.testing.assert_array_equal(_run(o_ours, x)[0], _run(o_ref, x)[0])


def test_fake_quant_ops_as_tf(fake_quant_fn):
    ours, theirs = _both(fake_quant_fn)
    assert corpus.count_ops(ours) <= corpus.count_ops(theirs)
    assert_same_tensors(ours, theirs)
    _assert_same_outputs(ours, theirs, _inputs())


def test_per_tensor_conv_weights_as_tf():
    ours, theirs = _both(_fake_quant_function(per_tensor_conv=True))
    assert_same_tensors(ours, theirs)


def test_per_channel_dense_weights_refused_as_tf():
    from tensorflow.lite.python.convert_phase import ConverterError

    fn = _fake_quant_function(per_channel_dense=True)
    with pytest.raises(ConverterError, match="mismatched quantized axes"):
        _convert_tf(fn)
    with pytest.raises(ConversionError, match="per-channel FakeQuant weights of a matmul"):
        _convert(TFLiteConverter, fn, optimizations=["DEFAULT"])


def test_integer_io_as_tf(fake_quant_fn):
    import tensorflow as tf

    ours, theirs = _both(fake_quant_fn, inference_input_type=tf.int8, inference_output_type=tf.int8)
    assert_same_tensors(ours, theirs)
    _assert_same_outputs(ours, theirs, _inputs(4))


def test_without_optimizations_as_tf(fake_quant_fn):
    # a float model that fake-quantizes at run time: uint8 QUANTIZE/DEQUANTIZE pairs, on the weights in the
    # builtins' layouts (tests/test_legalize_more3.py has the single ops)
    ours, theirs = _both(fake_quant_fn, optimize=False)
    assert [r[0] for r in _tensors(ours)] == [r[0] for r in _tensors(theirs)]
    _assert_same_outputs(ours, theirs, _inputs(4))


def test_qdq_mode_on_float_model_refused():
    import tensorflow as tf

    fn = tf.function(lambda x: tf.nn.relu(x), input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    with pytest.raises(UnsupportedFlagError, match="without FakeQuant ops"):
        _convert(TFLiteConverter, fn.get_concrete_function(), _experimental_qdq_conversion_mode="STATIC")


def test_fake_quant_range_without_zero_refused():
    import tensorflow as tf

    fn = tf.function(
        lambda x: tf.quantization.fake_quant_with_min_max_args(x, min=0.5, max=2.0),
        input_signature=[tf.TensorSpec([1, 4], tf.float32)],
    )
    from compiler import Optimize

    with pytest.raises(ConversionError, match=r"FakeQuantWithMinMaxArgs.*must contain 0"):
        _convert(TFLiteConverter, fn.get_concrete_function(), optimizations=[Optimize.DEFAULT])


# ---- int8 x int8 -> int32 BatchMatMulV3 ----------------------------------------------------------------------------


def test_batch_matmul_v3_int8_to_int32_as_tf():
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([2, 3, 4], tf.int8), tf.TensorSpec([2, 5, 4], tf.int8)])
    def bmm(a, b):
        return tf.raw_ops.BatchMatMulV3(x=a, y=b, Tout=tf.int32, adj_y=True)

    ours, theirs = _both(bmm.get_concrete_function(), optimize=False)
    assert_same_tensors(ours, theirs)
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (2, 3, 4), dtype=np.int8)
    b = rng.integers(-128, 128, (2, 5, 4), dtype=np.int8)
    want = np.einsum("bik,bjk->bij", a.astype(np.int32), b.astype(np.int32))
    # LiteRT's default and reference kernels and tflc's runtime
    for model in (ours, theirs):
        for interp in _interpreters(model):
            interp.allocate_tensors()
            ins = interp.get_input_details()
            interp.set_tensor(ins[0]["index"], a)
            interp.set_tensor(ins[1]["index"], b)
            interp.invoke()
            np.testing.assert_array_equal(interp.get_tensor(interp.get_output_details()[0]["index"]), want)


# ---- a tfmot-trained CNN on scikit-learn's digits ------------------------------------------------------------------

# Runs in a child process: importing tensorflow_model_optimization sets TF_USE_LEGACY_KERAS=1 and binds tf.keras to
# tf_keras for the rest of that process, which must not leak into the Keras 3 tests.
_TRAIN = textwrap.dedent(
    """
    import sys
    import numpy as np
    import tensorflow_model_optimization as tfmot
    import tf_keras as keras

    sys.path.insert(0, sys.argv[2])  # tests/, for corpus.digits_data (numpy and scikit-learn only)
    import corpus

    d = corpus.digits_data()
    x_train, y_train = d["x_train"] / np.float32(16), d["y_train"]
    x_test, y_test = d["x_test"] / np.float32(16), d["y_test"]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
        keras.layers.DepthwiseConv2D(3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10),
    ])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(keras.optimizers.Adam(0.005), loss, metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    print("float-accuracy", model.evaluate(x_test, y_test, verbose=0)[1])
    q = tfmot.quantization.keras.quantize_model(model)  # then fine-tuned with FakeQuant, as tfmot advises
    q.compile(keras.optimizers.Adam(0.001), loss, metrics=["accuracy"])
    q.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
    print("qat-accuracy", q.evaluate(x_test, y_test, verbose=0)[1])
    q.export(sys.argv[1])
    """
)


@pytest.fixture(scope="module")
def digits_qat(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("qat") / "digits_qat")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    proc = subprocess.run(
        [sys.executable, "-c", _TRAIN, path, os.path.dirname(os.path.abspath(__file__))],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    accuracy = float(re.search(r"^qat-accuracy (\S+)$", proc.stdout, re.M).group(1))
    float_accuracy = float(re.search(r"^float-accuracy (\S+)$", proc.stdout, re.M).group(1))
    d = corpus.digits_data()  # the child's test split, one image a batch
    return path, (float_accuracy, accuracy), d["x_test"][:, None] / np.float32(16), d["y_test"]


@pytest.mark.heavy
def test_tfmot_digits_cnn_as_tf(digits_qat):
    path, (float_accuracy, accuracy), xs, ys = digits_qat
    assert accuracy > 0.95 and accuracy >= float_accuracy - 0.02
    ours, theirs = _both(saved_model=path)
    assert corpus.count_ops(ours) <= corpus.count_ops(theirs)
    assert_same_tensors(ours, theirs)
    assert optimization_modes(ours) == optimization_modes(theirs)
    _assert_same_outputs(ours, theirs, list(xs))
    o_default = _interpreters(ours)[0]
    correct = sum(int(np.argmax(_run(o_default, x)[0]) == y) for x, y in zip(xs, ys))
    assert correct / len(ys) >= accuracy - 0.01, (correct / len(ys), accuracy, float_accuracy)


@pytest.mark.heavy
def test_tfmot_digits_qdq_modes_as_tf(digits_qat):
    import tensorflow as tf

    path, _, xs, _ = digits_qat
    default, _ = _both(saved_model=path)
    for mode in ("STATIC", "DYNAMIC"):
        ours, theirs = _both(saved_model=path, _experimental_qdq_conversion_mode=mode)
        assert ours == default
        assert_same_tensors(ours, theirs)
    # DYNAMIC without optimizations: TF's int8 model all the same (without the QAT optimization mode metadata)
    ours, theirs = _both(saved_model=path, optimize=False, _experimental_qdq_conversion_mode="DYNAMIC")
    assert_same_tensors(ours, theirs)
    assert optimization_modes(ours) == optimization_modes(theirs) == []
    assert optimization_modes(default) == [2000]  # QUANTIZATION_AWARE_TRAINING, as TF writes it
    _assert_same_outputs(ours, theirs, list(xs[:20]))
    # STATIC without optimizations: the int8 model with int8 inputs and outputs
    ours, theirs = _both(saved_model=path, optimize=False, _experimental_qdq_conversion_mode="STATIC")
    assert_same_tensors(ours, theirs)
    _assert_same_outputs(ours, theirs, list(xs[:20]))
    ours, theirs = _both(saved_model=path, inference_input_type=tf.int8, inference_output_type=tf.int8)
    assert_same_tensors(ours, theirs)
