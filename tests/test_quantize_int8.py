"""Full-integer int8 quantization (passes/quantize_int8.py through the converter) side by side with TensorFlow's
converter on the same Keras model and the same seeded representative data (16 samples):

- no more operators than TF's file;
- for >= 95% of TF's int8 activation tensors (operator outputs) that have a counterpart in ours
  (`match_activations`: through the graphs, by value where they differ) our scale is within 1% of TF's and the
  zero point within 1;
- SQNR of our int8 model's output against TensorFlow's float output >= TF's int8 model's SQNR - 0.5 dB;
- our file runs in LiteRT (BUILTIN_REF) and in tflc's runtime to identical outputs.
Plus integer I/O (int8 / uint8 tensors with TF's parameters), TFLITE_BUILTINS_INT8 with an op tflc does not
quantize (one error naming it; without that set a float fallback that runs), and the flags still refused."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import corpus  # noqa: E402
import runtime_util as ru  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402
from compiler.errors import ConversionError, UnsupportedFlagError  # noqa: E402

_OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}
SAMPLES = 16
SAME_VALUES = 0.25  # relative L2 distance under which two dequantized activations compute the same thing


def rep_data(shape, seed=0, n=SAMPLES):
    return ru.rep_dataset([shape], n=n, seed=seed)


def mlp(activation: str = "relu"):
    """Dense layers; `activation` is the second one's (tests/test_quantize_int16.py's is tanh)."""
    import keras

    return keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(16, activation=activation),
            keras.layers.Dense(10),
            keras.layers.Softmax(),
        ],
        name="mlp",
    )


def small_cnn(activation: str = "relu"):
    """`activation` is the strided conv's (tests/test_quantize_int16.py's is sigmoid)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.DepthwiseConv2D(3, activation="relu", padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, strides=2, activation=activation),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="cnn",
    )


def residual(mean: bool = False, bias: str = "zeros"):
    """Conv, residual ADD with a fused ReLU, MUL of a tensor by itself, (with `mean` a MEAN,) dense; `bias`
    initializes the 1x1 conv's and the dense layer's biases."""
    import keras
    from keras import layers

    x = keras.Input((8, 8, 4))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    b = layers.Conv2D(4, 1, bias_initializer=bias)(a)
    s = layers.ReLU()(layers.Add()([a, b]))
    m = layers.Multiply()([s, s])
    g = layers.GlobalAveragePooling2D()(m) if mean else layers.Flatten()(m)
    return keras.Model(x, layers.Dense(5, bias_initializer=bias)(g), name="residual")


def ops():
    """Ops the big models need beyond convolutions: CONCATENATION of differently scaled branches, PAD, standalone
    RELU6 and RELU, STRIDED_SLICE, TRANSPOSE, RESIZE_BILINEAR, SUB, HARD_SWISH, GELU. (Not nearest upsampling: TF
    writes it as an int8 TILE, version 3, which LiteRT 2.21 does not register.)"""
    import keras
    from keras import layers

    x = keras.Input((8, 8, 4))
    c = layers.Concatenate()([layers.Conv2D(4, 1)(x), layers.Rescaling(3.0)(layers.Conv2D(6, 1)(x))])
    r = layers.ReLU(6.0)(layers.ZeroPadding2D(1)(c))
    t = layers.Permute((2, 1, 3))(layers.Cropping2D(((1, 2), (2, 1)))(r))
    u = layers.UpSampling2D(2, interpolation="bilinear")(t)
    h = layers.Activation("hard_swish")(layers.Subtract()([u, layers.Conv2D(10, 1)(u)]))
    g = layers.Activation("gelu")(layers.Conv2D(4, 1)(h))
    y = layers.ReLU()(layers.Add()([g, layers.Conv2D(4, 1)(h)]))
    return keras.Model(x, layers.Dense(5)(layers.Flatten()(y)), name="ops")


def convert_both(model, shape, dataset=None, **settings):
    """(ours, TF's) full-integer files for the same model, dataset (default: seeded, of `shape`) and settings
    (`supported_ops`: target_spec's)."""
    import tensorflow as tf

    files = []
    for cls in (TFLiteConverter, tf.lite.TFLiteConverter):
        c = cls.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = dataset or rep_data(shape)
        for k, v in settings.items():
            if k == "supported_ops":
                c.target_spec.supported_ops = v
            else:
                setattr(c, k, v)
        files.append(c.convert())
    return files[0], files[1]


def operators(model: bytes) -> list[tuple[str, list[tuple[float, int] | None]]]:
    """Per operator: builtin name and its outputs' per-tensor (scale, zero point), None for float outputs."""
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    out = []
    for k in range(g.OperatorsLength()):
        op = g.Operators(k)
        oc = m.OperatorCodes(op.OpcodeIndex())
        params = []
        for i in op.OutputsAsNumpy():
            t = g.Tensors(int(i))
            q = t.Quantization()
            if t.Type() == tflite.TensorType.INT8 and q is not None and q.ScaleLength() == 1:
                params.append((float(q.Scale(0)), int(q.ZeroPoint(0))))
            else:
                params.append(None)
        out.append((_OPS[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())], params))
    return out


def versions(model: bytes) -> dict[str, int]:
    m = tflite.Model.GetRootAsModel(model, 0)
    out = {}
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        out[_OPS[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())]] = oc.Version()
    return out


class _Graph:
    """Operators, tensors and (after one run with every tensor kept) dequantized int8 values of one subgraph."""

    def __init__(self, model: bytes, x: np.ndarray) -> None:
        from ai_edge_litert.interpreter import Interpreter

        m = tflite.Model.GetRootAsModel(model, 0)
        g = m.Subgraphs(0)
        self.g = g
        self.inputs = [int(i) for i in g.InputsAsNumpy()]
        self.ops = []
        for k in range(g.OperatorsLength()):
            op = g.Operators(k)
            code = m.OperatorCodes(op.OpcodeIndex())
            kind = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            self.ops.append(
                (kind, [int(i) for i in op.InputsAsNumpy()], [int(i) for i in op.OutputsAsNumpy()])
            )
        self.data = {}
        for t in range(g.TensorsLength()):
            buf = m.Buffers(g.Tensors(t).Buffer())
            if buf is not None and buf.DataLength() > 0:
                self.data[t] = buf.DataAsNumpy().tobytes()
        it = Interpreter(model_content=model, num_threads=1, experimental_preserve_all_tensors=True)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        self.values = {}
        for _, _, outs in self.ops:
            for t in outs:
                p = self.params(t)
                if p is not None:
                    self.values[t] = (it.get_tensor(t).astype(np.float64) - p[1]) * p[0]

    def params(self, t: int) -> tuple[float, int] | None:
        tensor = self.g.Tensors(t)
        q = tensor.Quantization()
        if tensor.Type() != tflite.TensorType.INT8 or q is None or q.ScaleLength() != 1:
            return None
        return float(q.Scale(0)), int(q.ZeroPoint(0))

    def activations(self, inputs: list[int]) -> list[int]:
        """The non-constant float / int8 operands (not shape or index tensors)."""
        kinds = (tflite.TensorType.FLOAT32, tflite.TensorType.INT8)
        return [t for t in inputs if t >= 0 and t not in self.data and self.g.Tensors(t).Type() in kinds]

    def size(self, t: int) -> int:
        """Elements of `t` as run (TF's dynamic-batch tensors declare a batch of 1 and run with more)."""
        v = self.values.get(t)
        return int(v.size) if v is not None else int(np.prod(self.g.Tensors(t).ShapeAsNumpy()))


def match_activations(ours: _Graph, theirs: _Graph) -> dict[int, int]:
    """TF's int8 operator outputs -> ours computing the same thing.

    Walks TF's operators in order: an op whose activation operands are all paired is paired with our unused op of
    the same kind, on the paired operands, with the same output shapes (equal constant operands break ties, e.g.
    the attention's Q/K/V projections; sizes, not shapes, as TF's dynamic-batch tensors declare a batch of 1). An
    unmatched single-operand op of TF's (dynamic-batch RESHAPE, the
    attention scale MUL, DEQUANTIZE/NEG/QUANTIZE) passes its operand's partner on. Any other unmatched output is
    paired by value: our tensor of the same size whose dequantized values are nearest, if within SAME_VALUES."""
    pair = dict(zip(theirs.inputs, ours.inputs, strict=True))
    used: set[int] = set()
    matched: dict[int, int] = {}
    for kind, inputs, outputs in theirs.ops:
        acts = theirs.activations(inputs)
        found = None
        if all(t in pair for t in acts):
            want = sorted(pair[t] for t in acts)
            sizes = [theirs.size(t) for t in outputs]
            consts = sorted(theirs.data[t] for t in inputs if t in theirs.data)
            candidates = [
                j
                for j, (k, ins, outs) in enumerate(ours.ops)
                if j not in used
                and k == kind
                and sorted(ours.activations(ins)) == want
                and [ours.size(t) for t in outs] == sizes
            ]
            same_consts = [
                j
                for j in candidates
                if sorted(ours.data[t] for t in ours.ops[j][1] if t in ours.data) == consts
            ]
            found = (same_consts or candidates or [None])[0]
        if found is not None:
            used.add(found)
            for a, b in zip(outputs, ours.ops[found][2], strict=True):
                pair[a] = b
                matched[a] = b
            continue
        for t in outputs:
            if len(acts) == 1 and len(outputs) == 1 and acts[0] in pair:
                pair[t] = pair[acts[0]]
            elif t in theirs.values:
                b = _nearest(theirs.values[t], ours)
                if b is not None:
                    pair[t] = matched[t] = b
    return {a: b for a, b in matched.items() if a in theirs.values and b in ours.values}


def _nearest(values: np.ndarray, ours: _Graph) -> int | None:
    norm = max(float(np.linalg.norm(values)), 1e-30)
    best = min(
        (
            (float(np.linalg.norm(v.ravel() - values.ravel())) / norm, t)
            for t, v in ours.values.items()
            if v.size == values.size
        ),
        default=None,
    )
    return best[1] if best is not None and best[0] <= SAME_VALUES else None


def min_runtime_version(model: bytes) -> bytes | None:
    m = tflite.Model.GetRootAsModel(model, 0)
    for i in range(m.MetadataLength()):
        if m.Metadata(i).Name() == b"min_runtime_version":
            return m.Buffers(m.Metadata(i).Buffer()).DataAsNumpy().tobytes().rstrip(b"\0")
    return None


def assert_same_versions(ours: bytes, theirs: bytes) -> None:
    """Operators both files use have the same OperatorCode version (op_version.cc's int8 rules), and the files the
    same min_runtime_version (runtime_version.cc)."""
    a, b = versions(ours), versions(theirs)
    common = sorted(a.keys() & b.keys())
    assert {k: a[k] for k in common} == {k: b[k] for k in common}
    assert min_runtime_version(ours) == min_runtime_version(theirs)


def activation_agreement(ours: bytes, theirs: bytes, x: np.ndarray) -> tuple[float, float, int, int, str]:
    """(fraction of TF's matched int8 activations whose scale is within 1% and zero point within 1, worst relative
    scale difference, worst zero-point difference, number matched, the worst tensor's TF name)."""
    a, b = _Graph(ours, x), _Graph(theirs, x)
    pairs = match_activations(a, b)
    good = 0
    worst, worst_zp, worst_name = 0.0, 0, ""
    for t, u in pairs.items():
        (scale, zp), (s, z) = b.params(t), a.params(u)
        rel, dz = abs(s - scale) / scale, abs(z - zp)
        good += rel <= 0.01 and dz <= 1
        if (rel, dz) > (worst, worst_zp):
            worst, worst_zp, worst_name = rel, dz, b.g.Tensors(t).Name().decode()
    assert pairs
    return good / len(pairs), worst, worst_zp, len(pairs), worst_name


def sqnr(ref: np.ndarray, got: np.ndarray) -> float:
    ref = ref.astype(np.float64)
    noise = np.sum((ref - got.astype(np.float64)) ** 2)
    return float(10 * np.log10(np.sum(ref**2) / max(noise, 1e-30)))


def outputs(model: bytes, xs: list[np.ndarray], interp=ru.litert) -> np.ndarray:
    it = interp(model)
    return np.concatenate([ru.run(it, [x])[0] for x in xs])


def eval_inputs(shape, n=32, seed=7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(n)]


def side_by_side(model, shape) -> dict[str, float]:
    ours, theirs = convert_both(model, shape)
    n_ours, n_tf = len(operators(ours)), len(operators(theirs))
    assert n_ours <= n_tf, f"{n_ours} operators, TF {n_tf}"
    assert_same_versions(ours, theirs)
    xs = eval_inputs(shape)
    frac, worst_scale, worst_zp, _, _ = activation_agreement(ours, theirs, xs[0])
    assert frac >= 0.95, (
        f"only {frac:.0%} of activations match TF's (worst scale {worst_scale:.2%}, zp {worst_zp})"
    )
    ref = np.concatenate([model(x).numpy() for x in xs])
    ours_out, tf_out = outputs(ours, xs), outputs(theirs, xs)
    s_ours, s_tf = sqnr(ref, ours_out), sqnr(ref, tf_out)
    assert s_ours >= s_tf - 0.5, f"SQNR {s_ours:.2f} dB vs TF's {s_tf:.2f} dB"
    # our runtime and LiteRT's reference kernels agree bit for bit on our file
    np.testing.assert_array_equal(outputs(ours, xs, ru.ours), ours_out)
    figures = {
        "ops": n_ours,
        "tf_ops": n_tf,
        "match": frac,
        "worst_scale": worst_scale,
        "worst_zp": worst_zp,
        "sqnr": s_ours,
        "tf_sqnr": s_tf,
    }
    print(f"\n{model.name}: {figures}")
    return figures


@pytest.mark.parametrize(
    "build,shape",
    [(mlp, (1, 20)), (small_cnn, (1, 16, 16, 3)), (residual, (1, 8, 8, 4)), (ops, (1, 8, 8, 4))],
    ids=["mlp", "cnn", "residual", "ops"],
)
def test_side_by_side(build, shape):
    import keras

    keras.utils.set_random_seed(0)
    side_by_side(build(), shape)


@pytest.mark.parametrize("io", ["int8", "uint8"])
def test_integer_io(io):
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = mlp()
    dtype = getattr(tf, io)
    ours, theirs = convert_both(model, (1, 20), inference_input_type=dtype, inference_output_type=dtype)
    assert len(operators(ours)) <= len(operators(theirs))
    got, want = ru.litert(ours), ru.litert(theirs)
    for kind in ("get_input_details", "get_output_details"):
        (g,), (w,) = getattr(got, kind)(), getattr(want, kind)()
        assert g["dtype"] == w["dtype"] == np.dtype(io)
        assert g["quantization"][1] == w["quantization"][1], kind
        assert abs(g["quantization"][0] - w["quantization"][0]) <= 0.01 * w["quantization"][0], kind
    inputs = ru.random_inputs(got.get_input_details(), seed=1)
    np.testing.assert_array_equal(ru.run(ru.ours(ours), inputs)[0], ru.run(ru.litert(ours), inputs)[0])


def sin_model():
    import keras

    x = keras.Input((8,))
    y = keras.layers.Dense(8)(x)
    y = keras.layers.Activation(keras.ops.sin, name="sine")(y)
    return keras.Model(x, keras.layers.Dense(4)(y))


def test_int8_only_names_unquantizable_op():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    c = TFLiteConverter.from_keras_model(sin_model())
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep_data((1, 8))
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with pytest.raises(ConversionError, match=r"(?s)cannot quantize these ops to int8.*tfl\.sin") as e:
        c.convert()
    assert str(e.value).count("\n  - ") == 1


def test_float_fallback_runs():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = sin_model()
    c = TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep_data((1, 8))
    data = c.convert()
    names = [n for n, _ in operators(data)]
    assert names == [
        "QUANTIZE",
        "FULLY_CONNECTED",
        "DEQUANTIZE",
        "SIN",
        "QUANTIZE",
        "FULLY_CONNECTED",
        "DEQUANTIZE",
    ]
    xs = eval_inputs((1, 8))
    ref = np.concatenate([model(x).numpy() for x in xs])
    got = outputs(data, xs)
    assert sqnr(ref, got) > 25.0
    np.testing.assert_array_equal(outputs(data, xs, ru.ours), got)


def test_refused_settings():
    import keras
    import tensorflow as tf

    model = mlp()  # (16x8 is tests/test_quantize_int16.py's)
    c = TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep_data((1, 20))
    c.inference_input_type = tf.int16
    with pytest.raises(UnsupportedFlagError, match="inference_input_type"):
        c.convert()
    c = TFLiteConverter.from_keras_model(model)
    c.inference_input_type = tf.int8  # without full-integer quantization
    with pytest.raises(UnsupportedFlagError, match="inference_input_type"):
        c.convert()
    del keras


@pytest.mark.heavy
def test_digits_cnn():
    """A small CNN trained in seconds on scikit-learn's digits: int8 accuracy within 1 point of float and of TF's
    int8 model, plus the side-by-side figures."""
    pytest.importorskip("sklearn.datasets")
    model, d = corpus.digits_cnn()
    x_train, x_test, y_test = d["x_train"] / np.float32(16), d["x_test"] / np.float32(16), d["y_test"]
    float_acc = float(np.mean(np.argmax(model.predict(x_test, verbose=0), -1) == y_test))

    def rep():
        for i in range(SAMPLES):
            yield [x_train[i : i + 1]]

    ours, theirs = convert_both(model, None, dataset=rep)
    assert len(operators(ours)) <= len(operators(theirs))
    xs = [x_test[i : i + 1] for i in range(len(x_test))]
    frac, worst_scale, worst_zp, _, _ = activation_agreement(ours, theirs, xs[0])
    assert frac >= 0.95
    ours_out, tf_out = outputs(ours, xs), outputs(theirs, xs)
    ref = model.predict(x_test, verbose=0)
    acc_ours = float(np.mean(np.argmax(ours_out, -1) == y_test))
    acc_tf = float(np.mean(np.argmax(tf_out, -1) == y_test))
    print(
        f"\ndigits: float acc {float_acc:.4f}, ours int8 {acc_ours:.4f}, TF int8 {acc_tf:.4f}; match {frac:.0%}, "
        f"worst scale {worst_scale:.2e}, zp {worst_zp}; SQNR ours {sqnr(ref, ours_out):.2f} dB, "
        f"TF {sqnr(ref, tf_out):.2f} dB"
    )
    assert float_acc >= 0.95
    assert abs(acc_ours - float_acc) <= 0.01 and abs(acc_ours - acc_tf) <= 0.01
    assert sqnr(ref, ours_out) >= sqnr(ref, tf_out) - 0.5
    np.testing.assert_array_equal(outputs(ours, xs[:64], ru.ours), ours_out[:64])
