"""Full-integer int8 quantization (passes/quantize_int8.py through the converter) side by side with TensorFlow's
converter on the same Keras model and the same seeded representative data (16 samples):

- no more operators than TF's file;
- for >= 95% of the int8 activation tensors (operator outputs, matched in operator order) our scale is within 1% of
  TF's and the zero point within 1;
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
import runtime_util as ru  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402
from compiler.errors import ConversionError, UnsupportedFlagError  # noqa: E402

_OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}
SAMPLES = 16


def rep_data(shape, seed=0, n=SAMPLES):
    return ru.rep_dataset([shape], n=n, seed=seed)


def mlp():
    import keras

    return keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(10),
            keras.layers.Softmax(),
        ],
        name="mlp",
    )


def small_cnn():
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.DepthwiseConv2D(3, activation="relu", padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, strides=2, activation="relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="cnn",
    )


def residual():
    """Conv, residual ADD with a fused ReLU, MUL of a tensor by itself, dense."""
    import keras
    from keras import layers

    x = keras.Input((8, 8, 4))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    b = layers.Conv2D(4, 1)(a)
    s = layers.ReLU()(layers.Add()([a, b]))
    m = layers.Multiply()([s, s])
    return keras.Model(x, layers.Dense(5)(layers.Flatten()(m)), name="residual")


def convert_both(model, shape, **settings):
    """(ours, TF's) int8 files for the same model, dataset and settings."""
    import tensorflow as tf

    files = []
    for cls in (TFLiteConverter, tf.lite.TFLiteConverter):
        c = cls.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = rep_data(shape)
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


def activation_agreement(ours: bytes, theirs: bytes) -> tuple[float, float, int]:
    """(fraction of TF's int8 activations that we match within 1% scale / 1 zero point, worst relative scale error,
    worst zero-point difference). Operators are matched in order, ours as a subsequence of TF's (TF keeps e.g.
    SHAPE/STRIDED_SLICE/PACK/RESHAPE for a dynamic batch where tflc's float pipeline folded the shape or dropped the
    RESHAPE in front of FULLY_CONNECTED); the fraction is over the activations both files have."""
    a, b = operators(ours), operators(theirs)
    pairs, j = [], 0
    for name, pa in a:
        while j < len(b) and b[j][0] != name:
            j += 1
        assert j < len(b), f"operator {name} of ours has no counterpart in TF's {[n for n, _ in b]}"
        pairs.append((pa, b[j][1]))
        j += 1
    total = good = 0
    worst_scale, worst_zp = 0.0, 0
    for pa, pb in pairs:
        for x, y in zip(pa, pb, strict=True):
            if y is None:
                assert x is None
                continue
            assert x is not None
            total += 1
            rel = abs(x[0] - y[0]) / y[0]
            dz = abs(x[1] - y[1])
            worst_scale, worst_zp = max(worst_scale, rel), max(worst_zp, dz)
            good += rel <= 0.01 and dz <= 1
    assert total > 0
    return good / total, worst_scale, worst_zp


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
    frac, worst_scale, worst_zp = activation_agreement(ours, theirs)
    assert frac >= 0.95, (
        f"only {frac:.0%} of activations match TF's (worst scale {worst_scale:.2%}, zp {worst_zp})"
    )
    xs = eval_inputs(shape)
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
    [(mlp, (1, 20)), (small_cnn, (1, 16, 16, 3)), (residual, (1, 8, 8, 4))],
    ids=["mlp", "cnn", "residual"],
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


def _sin_model():
    import keras

    x = keras.Input((8,))
    y = keras.layers.Dense(8)(x)
    y = keras.layers.Activation(keras.ops.sin, name="sine")(y)
    return keras.Model(x, keras.layers.Dense(4)(y))


def test_int8_only_names_unquantizable_op():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    c = TFLiteConverter.from_keras_model(_sin_model())
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
    model = _sin_model()
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
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    digits = sklearn_datasets.load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.DepthwiseConv2D(3, activation="relu", padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="digits_cnn",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=40, batch_size=32, verbose=0)
    float_acc = float(np.mean(np.argmax(model.predict(x_test, verbose=0), -1) == y_test))

    import tensorflow as tf

    def rep():
        for i in range(SAMPLES):
            yield [x_train[i : i + 1]]

    files = []
    for cls in (TFLiteConverter, tf.lite.TFLiteConverter):
        c = cls.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = rep
        files.append(c.convert())
    ours, theirs = files
    assert len(operators(ours)) <= len(operators(theirs))
    frac, worst_scale, worst_zp = activation_agreement(ours, theirs)
    assert frac >= 0.95
    xs = [x_test[i : i + 1] for i in range(len(x_test))]
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
