"""Dynamic-range and float16 weight quantization side by side with TensorFlow's converter on the same Keras model:
every weight TF quantizes is byte-identical in our file (same storage type, shape, scales, zero points and
quantized dimension), the OperatorCode versions and min_runtime_version agree, LiteRT runs both files to the same
outputs (within 1e-6 of the output's scale), and our C runtime runs our file as LiteRT does."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import runtime_util as ru  # noqa: E402

from compiler import Optimize, TFLiteConverter, UnsupportedFlagError  # noqa: E402

OUTPUT_RTOL = 1e-6  # LiteRT outputs of our file vs TF's file, relative to max |output|
_TYPES = {v: k for k, v in vars(tflite.TensorType).items() if k.isupper()}
_OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}

# Converter attribute settings per mode (TF's and ours take the same ones).
MODES = {
    "dynamic": {},
    "dynamic-per-tensor": {"_experimental_disable_per_channel": True},
    "dynamic-dense-per-tensor": {"_experimental_disable_per_channel_quantization_for_dense_layers": True},
    "float16": {"supported_types": True},
}


def _convert(converter_cls, model, mode: str, tf) -> bytes:
    c = converter_cls.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT if converter_cls is not TFLiteConverter else Optimize.DEFAULT]
    for name, value in MODES[mode].items():
        if name == "supported_types":
            c.target_spec.supported_types = [tf.float16]
        else:
            setattr(c, name, value)
    return c.convert()


def _both(model, mode: str) -> tuple[bytes, bytes]:
    import tensorflow as tf

    return _convert(tf.lite.TFLiteConverter, model, mode, tf), _convert(TFLiteConverter, model, mode, tf)


def quantized_weights(model: bytes) -> list[tuple]:
    """(type, shape, data bytes, scales, zero points, quantized dimension) of every constant INT8 or FLOAT16
    tensor, sorted (tensor order and names differ between converters)."""
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    out = []
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        data = m.Buffers(t.Buffer()).DataAsNumpy()
        if _TYPES[t.Type()] not in ("INT8", "FLOAT16") or isinstance(data, int):
            continue
        q = t.Quantization()
        scales = tuple(q.ScaleAsNumpy().tobytes() for _ in [0]) if q is not None and q.ScaleLength() else ()
        zps = tuple(q.ZeroPointAsNumpy().tolist()) if q is not None and q.ZeroPointLength() else ()
        dim = q.QuantizedDimension() if q is not None else 0
        out.append((_TYPES[t.Type()], tuple(t.ShapeAsNumpy().tolist()), data.tobytes(), scales, zps, dim))
    return sorted(out)


def op_versions(model: bytes) -> tuple[dict[str, int], bytes]:
    m = tflite.Model.GetRootAsModel(model, 0)
    ops = {}
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        ops[_OPS[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())]] = oc.Version()
    runtime = b""
    for i in range(m.MetadataLength()):
        if m.Metadata(i).Name() == b"min_runtime_version":
            runtime = m.Buffers(m.Metadata(i).Buffer()).DataAsNumpy().tobytes()
    return ops, runtime


def metadata(model: bytes) -> dict[str, bytes]:
    m = tflite.Model.GetRootAsModel(model, 0)
    out = {}
    for i in range(m.MetadataLength()):
        md = m.Metadata(i)
        out[md.Name().decode()] = m.Buffers(md.Buffer()).DataAsNumpy().tobytes()
    return out


def optimization_modes(conversion_metadata: bytes) -> list[int]:
    """ConversionMetadata.options.model_optimization_modes (conversion_metadata.fbs: table 1 field 0)."""
    import flatbuffers

    buf = bytearray(conversion_metadata)
    root = flatbuffers.table.Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    off = root.Offset(6)  # ConversionMetadata.options
    if not off:
        return []
    opts = flatbuffers.table.Table(buf, root.Indirect(root.Pos + off))
    vec = opts.Offset(4)  # ConversionOptions.model_optimization_modes
    if not vec:
        return []
    n, start = opts.VectorLen(vec), opts.Vector(vec)
    return [flatbuffers.encode.Get(flatbuffers.packer.int32, buf, start + 4 * k) for k in range(n)]


def _per_tensor_hybrid_depthwise(model: bytes) -> bool:
    """Whether a DEPTHWISE_CONV_2D runs LiteRT's hybrid kernel with a single weight scale (version 4)."""
    return op_versions(model)[0].get("DEPTHWISE_CONV_2D") == 4


def _outputs(model: bytes, inputs: list[np.ndarray], interpreter) -> list[np.ndarray]:
    return ru.run(interpreter(model), inputs)


def _max_rel(got: list[np.ndarray], want: list[np.ndarray]) -> float:
    worst = 0.0
    for g, w in zip(got, want, strict=True):
        scale = max(float(np.max(np.abs(w))), 1e-30)
        worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) / scale)
    return worst


def float_weights_differing(keras_model) -> tuple[set[tuple[int, ...]], bytes]:
    """Shapes of float32 constants that TF's and our float conversions already write differently (BatchNorm
    folded into a conv filter rounds differently in tflc's float pipeline: 1-2 ULPs in some elements)."""
    import tensorflow as tf

    def consts(model: bytes) -> dict[tuple[int, ...], set[bytes]]:
        m = tflite.Model.GetRootAsModel(model, 0)
        g = m.Subgraphs(0)
        out: dict[tuple[int, ...], set[bytes]] = {}
        for i in range(g.TensorsLength()):
            t = g.Tensors(i)
            data = m.Buffers(t.Buffer()).DataAsNumpy()
            if _TYPES[t.Type()] == "FLOAT32" and not isinstance(data, int):
                out.setdefault(tuple(t.ShapeAsNumpy().tolist()), set()).add(data.tobytes())
        return out

    tf_float = tf.lite.TFLiteConverter.from_keras_model(keras_model).convert()
    theirs = consts(tf_float)
    mine = consts(TFLiteConverter.from_keras_model(keras_model).convert())
    return {shape for shape, data in theirs.items() if not data <= mine.get(shape, set())}, tf_float


def _close_quantized(got: tuple, want: tuple) -> bool:
    """int8 values within 1 and scales within 2 float32 ULPs, float16 values within 1 float16 ULP (for weights whose
    float source already differs by 1-2 ULPs: tflc folds BatchNorm's rsqrt with numpy, TF with its own kernel)."""
    if got[0] == want[0] == "FLOAT16":  # within one float16 ULP
        d = np.frombuffer(got[2], np.int16).astype(np.int64) - np.frombuffer(want[2], np.int16)
        return int(np.max(np.abs(d))) <= 1
    if got[0] != "INT8" or got[4:] != want[4:]:
        return False
    q = np.frombuffer(got[2], np.int8).astype(int) - np.frombuffer(want[2], np.int8)
    s = np.frombuffer(b"".join(got[3]), np.int32) - np.frombuffer(b"".join(want[3]), np.int32).astype(
        np.int64
    )
    return int(np.max(np.abs(q))) <= 1 and int(np.max(np.abs(s))) <= 2


def check_side_by_side(keras_model, mode: str, our_runtime: bool = True) -> dict[str, float]:
    """Every assertion of the module docstring for one model and mode; returns the measured figures.
    `our_runtime=False` leaves out the C runtime run (a kernel it lacks)."""
    theirs, mine = _both(keras_model, mode)
    want_w, got_w = quantized_weights(theirs), quantized_weights(mine)
    assert want_w, "TF quantized nothing: the case tests nothing"
    float_differs, tf_float = float_weights_differing(keras_model)
    extra = list(got_w)
    near = 0
    for want in want_w:
        same_shape = [g for g in extra if g[:2] == want[:2]]
        assert same_shape, f"TF's {want[0]} {list(want[1])} is not quantized in ours"
        if want not in same_shape and want[1] in float_differs:
            close = [g for g in same_shape if _close_quantized(g, want)]
            assert close, f"{want[0]} {list(want[1])}: differs by more than its float source does"
            extra.remove(close[0])
            near += 1
            continue
        assert want in same_shape, (
            f"{want[0]} {list(want[1])}: bytes, scales, zero points or dimension differ"
        )
        extra.remove(want)
    # tflc keeps all-zero FULLY_CONNECTED biases that TF's optimizer drops (a float-pipeline difference).
    for t in extra:
        assert t[0] == "FLOAT16" and not any(t[2]), f"ours quantizes {t[0]} {list(t[1])}, TF does not"
    (ops_mine, runtime_mine), (ops_theirs, runtime_theirs) = op_versions(mine), op_versions(theirs)
    # TF may keep shape arithmetic (SHAPE/STRIDED_SLICE/PACK before a RESHAPE) that tflc folds away.
    assert set(ops_mine) <= set(ops_theirs), f"ops TF does not use: {set(ops_mine) - set(ops_theirs)}"
    assert ops_mine == {k: v for k, v in ops_theirs.items() if k in ops_mine}
    assert runtime_mine == runtime_theirs
    meta_mine, meta_theirs = metadata(mine), metadata(theirs)
    assert meta_mine.get("reduced_precision_support") == meta_theirs.get("reduced_precision_support")
    assert optimization_modes(meta_mine["CONVERSION_METADATA"]) == optimization_modes(
        meta_theirs["CONVERSION_METADATA"]
    )

    inputs = ru.random_inputs(ru.litert(theirs).get_input_details(), seed=1)
    if mode == "dynamic-per-tensor" and _per_tensor_hybrid_depthwise(theirs):
        # LiteRT's hybrid DEPTHWISE_CONV_2D with one weight scale (version 4) gives different, sometimes NaN, outputs
        # run to run on TF's own file (BUILTIN_REF and BUILTIN alike): compare both files in our runtime instead.
        if not our_runtime:
            return {"weights": len(want_w), "identical": len(want_w) - near}
        rel = _max_rel(_outputs(mine, inputs, ru.ours), _outputs(theirs, inputs, ru.ours))
        assert rel <= OUTPUT_RTOL, f"our runtime runs our file and TF's {rel:g} apart"
        return {"weights": len(want_w), "identical": len(want_w) - near, "runtime_tf_vs_ours_rel": rel}
    want = _outputs(theirs, inputs, ru.litert)
    got = _outputs(mine, inputs, ru.litert)
    rel = _max_rel(got, want)
    if not near:
        assert rel <= OUTPUT_RTOL, (
            f"LiteRT outputs of our file differ from TF's by {rel:g} of the output scale"
        )
    else:
        # Float weights already 1-2 ULPs apart flip some on-the-fly activation roundings in hybrid kernels: the
        # files must then be no further apart than TF's own quantized model is from TF's float model.
        quant_err = _max_rel(want, _outputs(tf_float, inputs, ru.litert))
        assert rel <= quant_err, f"LiteRT outputs differ by {rel:g}, TF's quantization error is {quant_err:g}"
    rel_rt = float("nan")
    if our_runtime:
        rel_rt = _max_rel(_outputs(mine, inputs, ru.ours), got)
        assert rel_rt <= OUTPUT_RTOL, f"our runtime differs from LiteRT on our file by {rel_rt:g}"
    return {
        "weights": len(want_w),
        "identical": len(want_w) - near,
        "same_int8_values": sum(1 for w in want_w if w[2] in {g[2] for g in got_w}),
        "zero_biases_kept": len(extra),
        "litert_rel": rel,
        "runtime_rel": rel_rt,
    }


def conv_dense_cnn():
    """conv + depthwise + dense with weights over 1024 elements and no BatchNorm to fold."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((16, 16, 8)),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.DepthwiseConv2D(3, depth_multiplier=4, padding="same"),
            layers.MaxPooling2D(4),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name="conv_dense_cnn",
    )


@pytest.fixture(scope="module")
def keras_models():
    import keras

    keras.utils.set_random_seed(0)
    return {"mlp": corpus.mlp(), "small_cnn": corpus.small_cnn(), "conv_dense_cnn": conv_dense_cnn()}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", ["mlp", "small_cnn", "conv_dense_cnn"])
def test_side_by_side(keras_models, name, mode):
    figures = check_side_by_side(keras_models[name], mode)
    print(f"{name} {mode}: {figures}")


def test_layers_with_large_weights():
    """Conv2D, DepthwiseConv2D (multiplier 8), Conv2DTranspose, Dense and an Embedding table all over 1024
    elements: hybrid CONV_2D/DEPTHWISE/TRANSPOSE_CONV/FULLY_CONNECTED, int8 GATHER + DEQUANTIZE."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    inp = keras.Input((8, 8, 16))
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same")(inp)
    x = layers.Conv2D(32, 3, padding="same")(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=8, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    image = keras.Model(inp, layers.Dense(64)(x))
    tok = keras.Input((5,), dtype="int32")
    e = layers.Embedding(300, 8)(tok)
    text = keras.Model(tok, layers.EinsumDense("abc,cd->abd", output_shape=(5, 200))(e))
    for model in (image, text):
        for mode in MODES:
            figures = check_side_by_side(model, mode)
            print(f"{model.name} {mode}: {figures}")


def test_batch_matmul_and_matmul_weights():
    """A rank-3 constant right operand stays BATCH_MATMUL (hybrid, per tensor, asymmetric inputs: version 4); a
    rank-2 one becomes a per-channel hybrid FULLY_CONNECTED (version 12), as TF writes them."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    w3 = tf.constant(rng.uniform(-1, 1, (2, 64, 32)).astype(np.float32))
    w2 = tf.constant(rng.uniform(-1, 1, (64, 48)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([2, 4, 64], tf.float32)])
    def f(x):
        return tf.matmul(x, w3), tf.matmul(x, w2)

    files = []
    for cls, opt in (
        (tf.lite.TFLiteConverter, tf.lite.Optimize.DEFAULT),
        (TFLiteConverter, Optimize.DEFAULT),
    ):
        c = cls.from_concrete_functions([f.get_concrete_function()], f)
        c.optimizations = [opt]
        files.append(c.convert())
    theirs, mine = files
    assert quantized_weights(mine) == quantized_weights(theirs)
    assert (
        op_versions(mine)
        == op_versions(theirs)
        == (
            {"BATCH_MATMUL": 4, "FULLY_CONNECTED": 12},
            b"2.17.0".ljust(16, b"\0"),
        )
    )
    inputs = ru.random_inputs(ru.litert(theirs).get_input_details(), seed=2)
    want = _outputs(theirs, inputs, ru.litert)
    got = _outputs(mine, inputs, ru.litert)
    assert _max_rel(got, want) <= OUTPUT_RTOL
    # our runtime's hybrid BATCH_MATMUL v4 / FULLY_CONNECTED v12 run our file as LiteRT BUILTIN_REF does
    assert all(np.array_equal(a, b) for a, b in zip(_outputs(mine, inputs, ru.ours), got, strict=True))


def test_near_zero_channels():
    """Channels whose range is under 1e-6 (all zero, 1e-7, 4.9e-7) get TF's widened range [-0.5e-6, 0.5e-6];
    5.1e-7 keeps its own."""
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32)])
    w = np.random.default_rng(0).uniform(-1, 1, (64, 32)).astype(np.float32)
    w[:, 3:9] = 0.0
    w[0, 5], w[0, 6], w[0, 7], w[0, 8] = 1e-7, 4.9e-7, 5.1e-7, -4.9e-7
    model.layers[0].kernel.assign(w)
    theirs = _convert(tf.lite.TFLiteConverter, model, "dynamic", tf)
    mine = _convert(TFLiteConverter, model, "dynamic", tf)
    assert quantized_weights(mine) == quantized_weights(theirs)
    scales = np.frombuffer(quantized_weights(mine)[0][3][0], np.float32)
    assert scales[3] == np.float32(0.5e-6 / 127) and scales[7] == np.float32(5.1e-7 / 127)


def test_unimplemented_quantization_settings_are_refused(keras_models):
    import tensorflow as tf

    for configure, what in [
        # full int8 is implemented (tests/test_quantize_int8.py); int16x8 and int16 I/O are not
        (
            lambda c: setattr(
                c.target_spec,
                "supported_ops",
                [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8],
            ),
            "supported_ops",
        ),
        (lambda c: setattr(c.target_spec, "supported_types", [tf.int16]), "supported_types"),
        (lambda c: setattr(c, "inference_input_type", tf.int16), "inference_input_type"),
        (
            lambda c: setattr(c, "inference_input_type", tf.int8),
            "inference_input_type",
        ),  # no representative data
        (lambda c: setattr(c, "optimizations", [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]), "optimizations"),
    ]:
        c = TFLiteConverter.from_keras_model(keras_models["mlp"])
        c.optimizations = [Optimize.DEFAULT]
        configure(c)
        with pytest.raises(UnsupportedFlagError, match=what):
            c.convert()


def quantize_tf_float_file(model, mode: str) -> tuple[bytes, bytes]:
    """(TF's quantized file, TF's float file read by tflc and quantized by our pass): the quantizer alone, on the
    very float weights TF quantizes."""
    import tensorflow as tf

    from compiler.export import export
    from compiler.frontends.tflite import import_tflite
    from compiler.options import ExportOptions
    from compiler.pipeline import run_pipeline

    module = import_tflite(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    run_pipeline(
        module, {"dynamic": "quantize-dynamic-range", "float16": "quantize-float16"}[mode], verify_each=True
    )
    return _convert(tf.lite.TFLiteConverter, model, mode, tf), export(module, ExportOptions())


@pytest.mark.heavy
def test_mobilenet_v2_side_by_side():
    """End to end (BatchNorm folded with TF's rounding of rsqrt) every quantized weight is TF's, and quantizing TF's
    own float file gives TF's bytes too."""
    import keras

    keras.utils.set_random_seed(0)
    model = corpus.mobilenet_v2()
    for mode in ("dynamic", "float16"):
        figures = check_side_by_side(model, mode)
        print(f"mobilenet_v2 {mode}: {figures}")
        assert figures["identical"] == figures["weights"]
        theirs, mine = quantize_tf_float_file(model, mode)
        assert quantized_weights(mine) == quantized_weights(theirs)
        assert op_versions(mine) == op_versions(theirs)
        inputs = ru.random_inputs(ru.litert(theirs).get_input_details(), seed=1)
        rel = _max_rel(_outputs(mine, inputs, ru.litert), _outputs(theirs, inputs, ru.litert))
        assert rel == 0.0, rel
        print(f"mobilenet_v2 {mode} from TF's float file: {len(quantized_weights(theirs))} weights identical")


def _tflc(*args: str) -> subprocess.CompletedProcess[str]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "compiler.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_cli_print_pipeline_and_refusals():
    p = _tflc("convert", "--print-pipeline", "--quantize", "dynamic")
    assert p.returncode == 0 and p.stdout.strip().endswith(",dce,quantize-dynamic-range"), p.stdout + p.stderr
    p = _tflc("convert", "--print-pipeline", "--quantize", "float16", "--pass-pipeline", "tflite-float")
    assert p.returncode == 0 and p.stdout.strip().endswith(",dce,quantize-float16"), p.stdout + p.stderr
    for mode in ("int8", "int16x8"):  # full integer: the float pipeline, then calibration and quantization
        p = _tflc("convert", "--print-pipeline", "--quantize", mode)
        assert p.returncode == 0 and p.stdout.strip().endswith(",optimize,dce"), p.stdout + p.stderr
        assert f"quantize-{mode}, post-quantize" in p.stderr, p.stderr


def test_cli_quantize_matches_tf(keras_models, tmp_path):
    """`tflc convert --quantize dynamic|float16` on a .keras file writes the weights TF's converter writes."""
    import keras
    import tensorflow as tf

    path = tmp_path / "cnn.keras"
    keras_models["conv_dense_cnn"].save(path)
    loaded = keras.models.load_model(path)
    for mode in ("dynamic", "float16"):
        out = tmp_path / f"cnn_{mode}.tflite"
        p = _tflc("convert", "--keras-model-file", str(path), "--quantize", mode, "-o", str(out), "-q")
        assert p.returncode == 0, p.stderr
        theirs = _convert(tf.lite.TFLiteConverter, loaded, mode, tf)
        mine = out.read_bytes()
        assert set(quantized_weights(theirs)) <= set(quantized_weights(mine))
        assert op_versions(mine)[1] == op_versions(theirs)[1]


def test_conversion_metadata_is_tfs(keras_models):
    """CONVERSION_METADATA byte for byte as TF 2.21 writes it (empty modes vector for float, the mode otherwise,
    options, environment), with model_hash = TF's get_model_hash of our file (TF's own file numbers tensors
    differently, so its hash differs)."""
    import flatbuffers
    import tensorflow as tf
    from tensorflow.lite.python import conversion_metadata_schema_py_generated as cm
    from tensorflow.lite.python import util
    from tensorflow.lite.tools import flatbuffer_utils

    model = keras_models["small_cnn"]
    for mode in ("float", "dynamic", "float16"):
        if mode == "float":
            theirs = tf.lite.TFLiteConverter.from_keras_model(model).convert()
            mine = TFLiteConverter.from_keras_model(model).convert()
        else:
            theirs, mine = _both(model, mode)
        want = cm.ConversionMetadataT.InitFromObj(
            cm.ConversionMetadata.GetRootAs(metadata(theirs)["CONVERSION_METADATA"], 0)
        )
        want.environment.modelHash = int(
            util.get_model_hash(flatbuffer_utils.convert_bytearray_to_object(bytearray(mine)))
        )
        b = flatbuffers.Builder(0)
        b.Finish(want.Pack(b))
        assert metadata(mine)["CONVERSION_METADATA"] == bytes(b.Output()), mode
