"""Quantized recurrent layers side by side with TensorFlow 2.21's converter and LiteRT (issue 11).

What TF writes for a tf-keras LSTM (fused UNIDIRECTIONAL_SEQUENCE_LSTM):
- dynamic range: the hybrid LSTM (version 3): the 8 gate matrices int8 with one scale each (not per channel), biases
  and states float, asymmetric_quantize_inputs = true; gate matrices under 1024 elements leave the op float.
- full int8 (representative dataset): LiteRT's integer 8x8->16 LSTM: int8 input/output/hidden state, int32 biases
  (scale input * weight), int16 cell state with a power-of-two scale, 5 intermediates of which only the hidden one
  is quantized. When the calibrated cell range is under 0.5 TF picks the scale 2^-16, for which LiteRT's kernel
  computes no tanh (15 + log2(scale) integer bits must be 0..6): its file then gives garbage in LiteRT.
- int16x8: TF fails ("Quantization to 16x8-bit not yet supported for op: 'UNIDIRECTIONAL_SEQUENCE_LSTM'").
- tf-keras SimpleRNN is not fused by TF (a WHILE loop), and its full-int8 conversion crashes TF 2.21 (SIGSEGV).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.corpus import run_litert_reference

T = 6


def _tf_keras_lstm(features: int, units: int, batch: int):  # noqa: ANN202
    import tf_keras

    tf_keras.utils.set_random_seed(5)
    return tf_keras.Sequential(
        [tf_keras.Input((T, features), batch_size=batch), tf_keras.layers.LSTM(units, return_sequences=True)]
    )


def _ours(path: str, x: np.ndarray) -> np.ndarray:
    from runtime import Interpreter

    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


def _lstm_operands(model: bytes) -> list[tuple[str, float, tuple[int, ...], bytes]]:
    """(dtype, first scale, shape, data bytes) of the LSTM's operands, in operand order (-1: omitted)."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model)
    details = {t["index"]: t for t in it.get_tensor_details()}
    (lstm,) = [o for o in it._get_ops_details() if o["op_name"] == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    out = []
    for i in lstm["inputs"]:
        if i < 0:
            out.append(("none", 0.0, (), b""))
            continue
        t = details[i]
        try:
            data = it.get_tensor(i).tobytes()
        except ValueError:
            data = b""
        out.append((t["dtype"].__name__, float(t["quantization"][0]), tuple(t["shape"]), data))
    return out


def _sqnr(ref: np.ndarray, got: np.ndarray) -> float:
    return float(
        10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / np.sum((ref.astype(np.float64) - got) ** 2))
    )


def test_lstm_dynamic_range_like_tf(tmp_path) -> None:  # noqa: ANN001
    """Hybrid LSTM: same operand types, scales and weight bytes as TF's file, the same LiteRT output, and tflc's
    runtime within float rounding of LiteRT (the gate nonlinearities are libm's, LiteRT's are vectorized)."""
    import tensorflow as tf

    from compiler import TFLiteConverter

    model = _tf_keras_lstm(32, 32, 2)
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    theirs = c.convert()
    c = TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    ours = c.convert()
    a, b = _lstm_operands(theirs), _lstm_operands(ours)
    assert [o[:3] for o in a] == [o[:3] for o in b]
    assert sum(o[0] == "int8" for o in b) == 8
    for (kind, _, _, da), (_, _, _, db) in zip(a, b, strict=True):
        if kind == "int8":
            assert da == db
    (tmp_path / "t.tflite").write_bytes(theirs)
    (tmp_path / "o.tflite").write_bytes(ours)
    x = np.random.default_rng(0).uniform(-1, 1, (2, T, 32)).astype(np.float32)
    ref = run_litert_reference(str(tmp_path / "t.tflite"), [x])[0]
    got = run_litert_reference(str(tmp_path / "o.tflite"), [x])[0]
    assert np.array_equal(ref, got)
    assert np.abs(_ours(str(tmp_path / "o.tflite"), x) - got).max() <= 1e-6
    want = np.asarray(model(x))
    assert _sqnr(want, got) >= _sqnr(want, ref) - 0.5


def _rep(features: int, batch: int, amplitude: float):  # noqa: ANN202
    def rep():  # noqa: ANN202
        rng = np.random.default_rng(0)
        for _ in range(8):
            yield [rng.uniform(-amplitude, amplitude, (batch, T, features)).astype(np.float32)]

    return rep


def _full_int8(converter_class, model, rep) -> bytes:  # noqa: ANN001
    import tensorflow as tf

    c = converter_class.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    return c.convert()


def _intermediates(model: bytes) -> list[tuple[int, list[float], list[int]]]:
    """(type, scales, zero points) of the LSTM's Operator.intermediates."""
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    sg = m.Subgraphs(0)
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        if op.IntermediatesLength():
            out = []
            for j in range(op.IntermediatesLength()):
                t = sg.Tensors(op.Intermediates(j))
                q = t.Quantization()
                scales = list(q.ScaleAsNumpy()) if q and q.ScaleLength() else []
                zps = list(q.ZeroPointAsNumpy()) if q and q.ZeroPointLength() else []
                out.append((t.Type(), scales, zps))
            return out
    return []


@pytest.mark.parametrize(("features", "units", "batch", "amplitude"), [(8, 16, 1, 4.0), (32, 32, 2, 3.0)])
def test_lstm_full_int8_like_tf(features, units, batch, amplitude, tmp_path) -> None:  # noqa: ANN001
    """Full int8: tflc writes TF's integer LSTM (same ops, operand types, weight and bias bytes, scales within 1%,
    zero points, intermediates), its SQNR against the float model is TF's (>= TF's - 0.5 dB), and tflc's runtime
    (lstm_q.c) equals LiteRT BUILTIN_REF bit for bit on both files."""
    import tensorflow as tf

    from compiler import TFLiteConverter
    from tests.test_rnn import _op_names

    model = _tf_keras_lstm(features, units, batch)
    rep = _rep(features, batch, amplitude)
    theirs = _full_int8(tf.lite.TFLiteConverter, model, rep)
    ours = _full_int8(TFLiteConverter, model, rep)
    assert _op_names(ours) == _op_names(theirs) == ["QUANTIZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "DEQUANTIZE"]
    a, b = _lstm_operands(theirs), _lstm_operands(ours)
    kinds = [o[0] for o in b]
    assert kinds == [o[0] for o in a]
    assert kinds[:9] == ["int8"] * 9 and kinds[12:16] == ["int32"] * 4 and kinds[18:20] == ["int8", "int16"]
    for i, ((_, sa, _, da), (_, sb, _, db)) in enumerate(zip(a, b, strict=True)):
        assert sb == pytest.approx(sa, rel=0.01), i
        if 1 <= i <= 15:  # weights and biases
            assert da == db, i
    ia, ib = _intermediates(theirs), _intermediates(ours)
    assert [t for t, _, _ in ia] == [t for t, _, _ in ib] and len(ib) == 5
    assert ib[4][1] == pytest.approx(ia[4][1], rel=0.01) and ib[4][2] == ia[4][2]
    paths = {"theirs": tmp_path / "t.tflite", "ours": tmp_path / "o.tflite"}
    paths["theirs"].write_bytes(theirs)
    paths["ours"].write_bytes(ours)
    for seed in range(2):
        x = (
            np.random.default_rng(seed + 3)
            .uniform(-amplitude, amplitude, (batch, T, features))
            .astype(np.float32)
        )
        got = {k: run_litert_reference(str(p), [x])[0] for k, p in paths.items()}
        want = np.asarray(model(x))
        assert _sqnr(want, got["ours"]) >= _sqnr(want, got["theirs"]) - 0.5
        for k, p in paths.items():
            assert np.array_equal(_ours(str(p), x), got[k]), k


def test_integer_lstm_cell_scale_outside_litert_range_refused(tmp_path) -> None:  # noqa: ANN001
    """TF's file for a small LSTM whose cell state stays under 0.5: cell scale 2^-16, which LiteRT's integer kernel
    runs without computing tanh (SQNR below 0 dB against the float model); tflc's runtime refuses it by name."""
    import tensorflow as tf

    model = _tf_keras_lstm(3, 8, 1)

    def rep():  # noqa: ANN202
        rng = np.random.default_rng(0)
        for _ in range(8):
            yield [rng.uniform(-1, 1, (1, T, 3)).astype(np.float32)]

    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    path = tmp_path / "q.tflite"
    path.write_bytes(c.convert())
    x = np.random.default_rng(1).uniform(-1, 1, (1, T, 3)).astype(np.float32)
    assert _sqnr(np.asarray(model(x)), run_litert_reference(str(path), [x])[0]) < 0
    with pytest.raises(Exception, match=r"UNIDIRECTIONAL_SEQUENCE_LSTM \(int8\): cell state scale 2\^-16"):
        _ours(str(path), x)
    # tflc keeps the cell scale at 2^-15 or more: a working integer LSTM, bit-exact in tflc's runtime
    from compiler import TFLiteConverter

    ours = tmp_path / "o.tflite"
    ours.write_bytes(_full_int8(TFLiteConverter, model, rep))
    assert _lstm_operands(ours.read_bytes())[19][1] == 2.0**-15
    got = run_litert_reference(str(ours), [x])[0]
    assert _sqnr(np.asarray(model(x)), got) > 25
    assert np.array_equal(_ours(str(ours), x), got)


def test_lstm_int16x8_fails_in_tf() -> None:
    """TF 2.21 has no 16x8 LSTM: its converter raises (stated here so a TF upgrade that adds it is noticed)."""
    import tensorflow as tf

    model = _tf_keras_lstm(3, 8, 1)
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([np.zeros((1, T, 3), np.float32)] for _ in range(2))
    c.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    with pytest.raises(Exception, match="16x8-bit not yet supported for op: 'UNIDIRECTIONAL_SEQUENCE_LSTM'"):
        c.convert()


@pytest.mark.parametrize("mode", ["dynamic_range", "int8"])
def test_keras3_lstm_quantizes_with_the_same_machinery(mode, tmp_path) -> None:  # noqa: ANN001
    """Keras 3 LSTMs (TF's converter cannot convert them, see test_rnn.py) are fused by tflc and quantized like the
    tf-keras ones: hybrid or integer LSTM, tflc's runtime equal to LiteRT (bit for bit for the integer kernel), SQNR
    against Keras above 25 dB (measured: ~38 dB int8, ~45 dB dynamic range)."""
    import keras
    import tensorflow as tf

    from compiler import TFLiteConverter

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((T, 32)), keras.layers.LSTM(32, return_sequences=True)])
    c = TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "int8":
        c.representative_dataset = _rep(32, 1, 2.0)
    path = tmp_path / "m.tflite"
    path.write_bytes(c.convert())
    kinds = [o[0] for o in _lstm_operands(path.read_bytes())]
    assert kinds[0] == ("int8" if mode == "int8" else "float32") and kinds[1:9] == ["int8"] * 8
    x = np.random.default_rng(4).uniform(-2, 2, (1, T, 32)).astype(np.float32)
    got = run_litert_reference(str(path), [x])[0]
    sqnr = _sqnr(np.asarray(model(x)), got)
    assert sqnr > 25, sqnr
    ours = _ours(str(path), x)
    if mode == "int8":
        assert np.array_equal(ours, got)
    else:
        assert np.abs(ours - got).max() <= 1e-6


def test_simple_rnn_dynamic_range_hybrid_kernel(tmp_path) -> None:  # noqa: ANN001
    """Keras 3 SimpleRNN (fused by tflc; TF fuses no SimpleRNN: tf-keras gives a WHILE loop) with dynamic range:
    LiteRT's hybrid UNIDIRECTIONAL_SEQUENCE_RNN (version 3, int8 weights with one scale, asymmetric inputs);
    tflc's runtime within float rounding of LiteRT, SQNR against Keras above 30 dB (measured ~40 dB)."""
    import keras
    import tensorflow as tf

    from compiler import TFLiteConverter
    from tests.corpus import count_ops

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((T, 32)), keras.layers.SimpleRNN(32, return_sequences=True)])
    c = TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    data = c.convert()
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    assert count_ops(data) == 1
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data)
    details = {t["index"]: t for t in it.get_tensor_details()}
    (rnn,) = it._get_ops_details()
    assert [details[i]["dtype"].__name__ for i in rnn["inputs"]] == [
        "float32",
        "int8",
        "int8",
        "float32",
        "float32",
    ]
    for seed in range(2):
        x = np.random.default_rng(seed).uniform(-2, 2, (1, T, 32)).astype(np.float32)
        got = run_litert_reference(str(path), [x])[0]
        assert _sqnr(np.asarray(model(x)), got) > 30
        assert np.abs(_ours(str(path), x) - got).max() <= 1e-6


def test_lstm_dynamic_range_small_input_matrices_stay_float() -> None:
    """8 features x 32 units: the input-to-gate matrices hold 256 < 1024 elements; TF then leaves the whole LSTM
    float (the 32x32 recurrent matrices too, LiteRT's hybrid kernel needs all in int8), and so does tflc."""
    import tensorflow as tf

    from compiler import TFLiteConverter

    model = _tf_keras_lstm(8, 32, 1)
    files = []
    for cls in (tf.lite.TFLiteConverter, TFLiteConverter):
        c = cls.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        files.append(c.convert())
    for data in files:
        assert {k for k, _, _, _ in _lstm_operands(data)} == {"float32", "none"}


def test_stacked_lstm_full_int8(tmp_path) -> None:  # noqa: ANN001
    """Two stacked tf-keras LSTMs: the ops of TF's file (the second LSTM reads the first's int8 output directly);
    TF gives the second LSTM the cell scale 2^-16 (SQNR below 0 dB in LiteRT), tflc 2^-15 (above 25 dB, measured
    34 dB); tflc's runtime equals LiteRT bit for bit."""
    import tensorflow as tf
    import tf_keras

    from compiler import TFLiteConverter
    from tests.test_rnn import _op_names

    tf_keras.utils.set_random_seed(5)
    model = tf_keras.Sequential(
        [
            tf_keras.Input((T, 16), batch_size=1),
            tf_keras.layers.LSTM(16, return_sequences=True),
            tf_keras.layers.LSTM(8),
        ]
    )
    rep = _rep(16, 1, 3.0)
    theirs, ours = (_full_int8(c, model, rep) for c in (tf.lite.TFLiteConverter, TFLiteConverter))
    assert _op_names(ours) == _op_names(theirs)
    assert _op_names(ours).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == 2
    path = tmp_path / "o.tflite"
    path.write_bytes(ours)
    (tmp_path / "t.tflite").write_bytes(theirs)
    x = np.random.default_rng(2).uniform(-3, 3, (1, T, 16)).astype(np.float32)
    want = np.asarray(model(x))
    got = run_litert_reference(str(path), [x])[0]
    assert _sqnr(want, run_litert_reference(str(tmp_path / "t.tflite"), [x])[0]) < 0
    assert _sqnr(want, got) > 25
    assert np.array_equal(_ours(str(path), x), got)
