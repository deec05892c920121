"""Recurrent layers (compiler/frontends/rnn.py): Keras 3 LSTM / GRU / SimpleRNN / Bidirectional and tf-keras LSTM,
side by side with TensorFlow 2.21's converter on the same models.

Keras 3 runs RNN layers as While loops reading their weights from captured variables; TF's converter fails on all
of them (TensorListReserve needs a static element_shape), tflc fuses LSTM and SimpleRNN loops and unrolls GRU.
Outputs are checked against TensorFlow (the Keras model) in LiteRT, and tflc's runtime against LiteRT.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.corpus import count_ops, rel_error, run_litert

T, I = 6, 3


def _op_names(model: bytes) -> list[str]:
    import tflite

    from dialects.tfl.base import builtin_name

    m = tflite.Model.GetRootAsModel(model, 0)
    sg = m.Subgraphs(0)
    return [
        builtin_name(m.OperatorCodes(sg.Operators(i).OpcodeIndex()).BuiltinCode())
        for i in range(sg.OperatorsLength())
    ]


def run_tflc_runtime(path: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """tflc's runtime, inputs set as given (corpus.run_tflc_runtime quantizes integer inputs: token ids are not)."""
    from runtime import Interpreter

    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs, strict=True):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def _keras3(name: str):  # noqa: ANN202
    import keras

    keras.utils.set_random_seed(3)
    L = keras.layers
    if name == "lstm2":  # return_sequences, then the last state
        return keras.Sequential([keras.Input((T, I)), L.LSTM(5, return_sequences=True), L.LSTM(4)])
    if name == "lstm_backwards":
        return keras.Sequential([keras.Input((T, I)), L.LSTM(4, go_backwards=True, return_sequences=True)])
    if name == "gru_text":  # Embedding + GRU text classifier
        return keras.Sequential(
            [keras.Input((T,), dtype="int32"), L.Embedding(20, 4), L.GRU(5), L.Dense(3, activation="softmax")]
        )
    if name == "gru_reset_before":
        return keras.Sequential([keras.Input((T, I)), L.GRU(4, reset_after=False, return_sequences=True)])
    if name == "bilstm2":  # two stacked Bidirectional(LSTM)
        return keras.Sequential(
            [
                keras.Input((T, I)),
                L.Bidirectional(L.LSTM(4, return_sequences=True)),
                L.Bidirectional(L.LSTM(3)),
            ]
        )
    if name == "simple_rnn":
        return keras.Sequential([keras.Input((T, I)), L.SimpleRNN(4, return_sequences=True), L.SimpleRNN(3)])
    if name == "lstm_relu":  # not the fused op's math: must not fuse
        return keras.Sequential([keras.Input((T, I)), L.LSTM(4, activation="relu")])
    raise KeyError(name)


def _inputs(model) -> list[np.ndarray]:  # noqa: ANN001
    rng = np.random.default_rng(7)
    if model.inputs[0].dtype in ("int32", "int64"):
        return [rng.integers(0, 20, (1, T)).astype(np.int32)]
    return [rng.uniform(-1, 1, (1, T, I)).astype(np.float32)]


# model -> (the fused ops tflc emits (None: unrolled builtins), the most operators the model may have)
KERAS3 = {
    "lstm2": ({"UNIDIRECTIONAL_SEQUENCE_LSTM": 2}, 3),  # + the last-output STRIDED_SLICE
    "lstm_backwards": (
        {"UNIDIRECTIONAL_SEQUENCE_LSTM": 1},
        4,
    ),  # + REVERSE_V2 of the input, RESHAPEs (transposes at batch 1)
    "gru_text": (None, 114),  # dynamic batch (the default): 110 at a static batch
    "gru_reset_before": (None, 110),
    # + per backward layer the RESHAPE back to batch-major, + the last-output slices of the second pair
    "bilstm2": ({"UNIDIRECTIONAL_SEQUENCE_LSTM": 4, "REVERSE_V2": 3, "CONCATENATION": 2}, 14),
    "simple_rnn": ({"UNIDIRECTIONAL_SEQUENCE_RNN": 2}, 3),
    "lstm_relu": (None, 100),
}


@pytest.mark.parametrize("name", sorted(KERAS3))
def test_keras3_rnn(name: str, tmp_path) -> None:  # noqa: ANN001
    import tensorflow as tf

    from compiler import TFLiteConverter

    model = _keras3(name)
    x = _inputs(model)
    want = np.asarray(model(*x, training=False))
    # TensorFlow 2.21's converter on the same model: fails (TensorList ops of a Keras 3 While loop)
    with pytest.raises(Exception, match="TensorList"):
        tf.lite.TFLiteConverter.from_keras_model(model).convert()
    data = TFLiteConverter.from_keras_model(model).convert()
    ops = _op_names(data)
    expected, most = KERAS3[name]
    assert len(ops) <= most, ops
    if expected is None:
        assert not any("SEQUENCE" in op for op in ops), ops
        assert "WHILE" not in ops
    else:
        for op, n in expected.items():
            assert ops.count(op) == n, ops
    got = next(iter(run_litert(data, x).values()))
    assert rel_error(got, want) <= 1e-5
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    ours = run_tflc_runtime(str(path), x)[0]
    assert rel_error(ours, got) <= 1e-5


def test_keras3_lstm_saved_model_export(tmp_path) -> None:  # noqa: ANN001
    """The path users take: model.export() SavedModel -> from_saved_model."""
    import tensorflow as tf

    from compiler import TFLiteConverter

    model = _keras3("lstm2")
    model.export(str(tmp_path / "sm"), verbose=False)
    x = _inputs(model)
    want = np.asarray(model(*x, training=False))
    with pytest.raises(Exception, match="TensorList"):
        tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm")).convert()
    data = TFLiteConverter.from_saved_model(str(tmp_path / "sm")).convert()
    assert _op_names(data).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == 2
    got = next(iter(run_litert(data, x).values()))
    assert rel_error(got, want) <= 1e-5
    # with the signature's batch None kept: the same fused ops, run at batch 3
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    c = TFLiteConverter.from_saved_model(str(tmp_path / "sm"))
    c.experimental_static_batch = None
    data = c.convert()
    assert _op_names(data).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == 2
    x3 = np.random.default_rng(3).uniform(-1, 1, (3, T, I)).astype(np.float32)
    got = _resize_and_run(LiteRT(model_content=data), data, x3)
    assert rel_error(got, np.asarray(model(x3, training=False))) <= 1e-5


@pytest.mark.parametrize("stacked", [False, True])
def test_tf_keras_lstm_fused_like_tf(stacked: bool, tmp_path) -> None:  # noqa: ANN001
    """tf-keras LSTM: TF's converter fuses it (api_implements); tflc fuses the same loop, with no more ops."""
    import tensorflow as tf
    import tf_keras

    from compiler import TFLiteConverter

    tf_keras.utils.set_random_seed(5)
    layers = [tf_keras.layers.LSTM(4, return_sequences=stacked)]
    if stacked:
        layers.append(tf_keras.layers.LSTM(3))
    model = tf_keras.Sequential([tf_keras.Input((T, I), batch_size=1), *layers])
    x = _inputs(model)
    want = np.asarray(model(*x, training=False))
    theirs = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    ours = TFLiteConverter.from_keras_model(model).convert()
    n_lstm = 2 if stacked else 1
    assert _op_names(theirs).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == n_lstm
    assert _op_names(ours).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == n_lstm
    assert count_ops(ours) <= count_ops(theirs)
    got = next(iter(run_litert(ours, x).values()))
    ref = next(iter(run_litert(theirs, x).values()))
    assert rel_error(got, want) <= 1e-5
    assert rel_error(ref, want) <= 1e-5
    path = tmp_path / "m.tflite"
    path.write_bytes(ours)
    assert rel_error(run_tflc_runtime(str(path), x)[0], got) <= 1e-5


def test_tensor_array_while_loop_not_a_cell_stays_a_loop() -> None:
    """A While over TensorArrays whose body is no RNN cell is neither fused nor unrolled: the generic While path
    (a WHILE subgraph, or the error naming the While where that path does not convert it)."""
    import tensorflow as tf

    from compiler import TFLiteConverter

    @tf.function(input_signature=[tf.TensorSpec([1, T, I], tf.float32)])
    def f(x):  # noqa: ANN001, ANN202
        xs = tf.TensorArray(tf.float32, size=T).unstack(tf.transpose(x, [1, 0, 2]))

        def body(t, h, out):  # noqa: ANN001, ANN202
            h = h * 0.5 + tf.sin(xs.read(t))
            return t + 1, h, out.write(t, h)

        _, _, out = tf.while_loop(
            lambda t, h, o: t < T, body, [0, tf.zeros([1, I]), tf.TensorArray(tf.float32, T)]
        )
        return out.stack()

    cf = f.get_concrete_function()
    assert "WHILE" in _op_names(tf.lite.TFLiteConverter.from_concrete_functions([cf], f).convert())
    try:
        ours = TFLiteConverter.from_concrete_functions([cf]).convert()
    except Exception as e:  # noqa: BLE001
        assert "While" in str(e)
    else:
        ops = _op_names(ours)
        assert "WHILE" in ops and not any("SEQUENCE" in op for op in ops)


def test_cli_enable_resource_variables(tmp_path) -> None:  # noqa: ANN001
    """`tflc convert --enable-resource-variables` on a stateful signature: the state is kept across invokes in our
    runtime exactly as LiteRT keeps it running TF's file (experimental_enable_resource_variables=True); without
    the switch the write is one error naming the switch."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    class Counter(tf.Module):
        def __init__(self) -> None:
            self.v = tf.Variable([2.0, -1.0, 0.5])

        @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
        def f(self, x):  # noqa: ANN001, ANN202
            self.v.assign_add(x * 1.5)
            return {"out": self.v.read_value() * 2.0}

    m = Counter()
    sm = str(tmp_path / "sm")
    tf.saved_model.save(m, sm, signatures={"serving_default": m.f.get_concrete_function()})
    theirs = tf.lite.TFLiteConverter.from_saved_model(sm)
    theirs.experimental_enable_resource_variables = True
    tf_file = theirs.convert()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-m", "compiler.cli", "convert", "--saved-model-dir", sm, "-q"]
    out = tmp_path / "m.tflite"
    refused = subprocess.run(
        [*cmd, "-o", str(tmp_path / "no.tflite")], capture_output=True, text=True, env=env
    )
    assert refused.returncode != 0 and "--enable-resource-variables" in refused.stderr, refused.stderr
    assert not (tmp_path / "no.tflite").exists()
    done = subprocess.run(
        [*cmd, "--enable-resource-variables", "-o", str(out)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    ours = Ours(model_path=str(out), num_threads=1)
    ref = LiteRT(model_content=tf_file)
    for it in (ours, ref):
        it.allocate_tensors()
    xs = [np.array([1.0, 2.0, -3.0], np.float32), np.array([0.25, -0.5, 4.0], np.float32)]
    got, want = [], []
    for x in xs:  # two invokes: the second sees the first's assign
        for it, res in ((ours, got), (ref, want)):
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            res.append(it.get_tensor(it.get_output_details()[0]["index"]).copy())
    expect = np.array([2.0, -1.0, 0.5], np.float32)
    for k, x in enumerate(xs):
        expect = expect + x * 1.5
        np.testing.assert_allclose(want[k], expect * 2.0, rtol=1e-6)
        np.testing.assert_array_equal(got[k], want[k])


def _variable_tensors(model: bytes) -> list[int]:
    """Indices of the main subgraph's variable tensors (the fused ops' states)."""
    import tflite

    sg = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0)
    return [i for i in range(sg.TensorsLength()) if sg.Tensors(i).IsVariable()]


def _resize_and_run(it, model: bytes, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Resize the input to x's shape and the fused ops' state variables to its batch (LiteRT does not resize them
    with the input: its Prepare checks that a state holds batch x units elements), then run once."""
    inp = it.get_input_details()[0]["index"]
    it.resize_tensor_input(inp, list(x.shape))
    for i in _variable_tensors(model):
        it.resize_tensor_input(i, [x.shape[0], int(it._get_tensor_details(i, 0)["shape_signature"][-1])])
    it.allocate_tensors()
    it.set_tensor(inp, x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"]).copy()


# model -> fused ops (None: unrolled builtins) with dynamic dims; (batch, steps) each file is run at
DYNAMIC = {
    "lstm2": {"UNIDIRECTIONAL_SEQUENCE_LSTM": 2},
    "simple_rnn": {"UNIDIRECTIONAL_SEQUENCE_RNN": 2},
    "bilstm2": {"UNIDIRECTIONAL_SEQUENCE_LSTM": 4, "REVERSE_V2": 3, "CONCATENATION": 2},
    "gru_text": None,
}


@pytest.mark.parametrize("dims", ["batch", "tokens"])
@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_keras3_rnn_dynamic_dims(name: str, dims: str, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Batch None (Input((T, F))) and batch + sequence length None (Input((None, F))) stay dynamic: -1 in
    shape_signature, fused ops whose states follow the batch; LiteRT and our runtime resized to two batch sizes
    (and two lengths) match TensorFlow. TF 2.21 fails on the same models."""
    import warnings

    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    import tests.test_rnn as mod
    from compiler import TFLiteConverter
    from compiler.errors import ConversionNote
    from runtime import Interpreter as Ours

    if dims == "tokens":
        monkeypatch.setattr(mod, "T", None)
    model = _keras3(name)
    with pytest.raises(Exception, match="TensorList"):
        tf.lite.TFLiteConverter.from_keras_model(model).convert()
    c = TFLiteConverter.from_keras_model(model)
    c.experimental_static_batch = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = c.convert()
    notes = [str(w.message) for w in caught if issubclass(w.category, ConversionNote)]
    assert not [n for n in notes if "could not be kept" in n], notes  # no fallback to fixed dims
    ops = _op_names(data)
    if DYNAMIC[name] is None:
        assert "WHILE" in ops if dims == "tokens" else not any("SEQUENCE" in op for op in ops), ops
    else:
        for op, n in DYNAMIC[name].items():
            assert ops.count(op) == n, ops
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    litert, ours = LiteRT(model_content=data), Ours(model_path=str(path), num_threads=1)
    sig = list(litert.get_input_details()[0]["shape_signature"])
    assert sig[0] == -1 and (sig[1] == -1) == (dims == "tokens"), sig
    rng = np.random.default_rng(11)
    sizes = [(2, 4), (5, 9)] if dims == "tokens" else [(3, T), (5, T)]
    for batch, steps in sizes:
        if model.inputs[0].dtype in ("int32", "int64"):
            x = rng.integers(0, 20, (batch, steps)).astype(np.int32)
        else:
            x = rng.uniform(-1, 1, (batch, steps, I)).astype(np.float32)
        want = np.asarray(model(x, training=False))
        got = _resize_and_run(litert, data, x)
        assert got.shape == want.shape
        assert rel_error(got, want) <= 1e-5, (batch, steps)
        assert rel_error(_resize_and_run(ours, data, x), got) <= 1e-5, (batch, steps)


def test_runtime_resizes_state_variables_as_litert(tmp_path) -> None:  # noqa: ANN001
    """A dynamic-batch fused LSTM in our runtime and in LiteRT, step by step: the states persist across invokes,
    allocate_tensors alone keeps them, resizing them (batch 3, then 5, then 3) restarts them from zero; without
    resizing the states to the new batch both refuse to prepare."""
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from compiler import TFLiteConverter
    from runtime import Interpreter as Ours

    c = TFLiteConverter.from_keras_model(_keras3("lstm2"))
    c.experimental_static_batch = None
    data = c.convert()
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    rng = np.random.default_rng(5)
    x3, x5 = (rng.uniform(-1, 1, (b, T, I)).astype(np.float32) for b in (3, 5))
    runs = []
    for it in (LiteRT(model_content=data), Ours(model_path=str(path), num_threads=1)):
        inp, out = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
        it.resize_tensor_input(inp, [3, T, I])
        with pytest.raises((RuntimeError, ValueError)):
            it.allocate_tensors()  # states still [1, units]

        def invoke(x: np.ndarray, it=it, inp=inp, out=out) -> np.ndarray:  # noqa: ANN001
            it.set_tensor(inp, x)
            it.invoke()
            return it.get_tensor(out).copy()

        seq = [_resize_and_run(it, data, x3), invoke(x3)]
        it.allocate_tensors()
        seq += [invoke(x3), _resize_and_run(it, data, x5), _resize_and_run(it, data, x3)]
        runs.append(seq)
    litert, ours = runs
    assert not np.allclose(litert[0], litert[1])  # the state carried over
    np.testing.assert_array_equal(litert[0], litert[4])  # resized back: restarted
    for a, b in zip(litert, ours, strict=True):
        assert rel_error(b, a) <= 1e-5


def test_gru_rule_long_or_dynamic_sequence_is_a_while_loop(tmp_path) -> None:  # noqa: ANN001
    """The GRU rule: unrolled when the sequence length is static and <= MAX_UNROLL (64) steps, else a WHILE loop
    (here 70 steps with a dynamic batch: lists of a run-time batch, states filled at run time); LiteRT and our
    runtime at batch 2 and 3 match TensorFlow."""
    import keras
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from compiler import TFLiteConverter
    from compiler.frontends.rnn import MAX_UNROLL
    from runtime import Interpreter as Ours

    keras.utils.set_random_seed(3)
    steps = MAX_UNROLL + 6
    model = keras.Sequential([keras.Input((steps, I)), keras.layers.GRU(4, return_sequences=True)])
    c = TFLiteConverter.from_keras_model(model)
    c.experimental_static_batch = None
    data = c.convert()
    assert "WHILE" in _op_names(data) and len(_op_names(data)) <= 12, _op_names(data)
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    litert, ours = LiteRT(model_content=data), Ours(model_path=str(path), num_threads=1)
    for batch in (2, 3):
        x = np.random.default_rng(batch).uniform(-1, 1, (batch, steps, I)).astype(np.float32)
        want = np.asarray(model(x, training=False))
        got = _resize_and_run(litert, data, x)
        assert rel_error(got, want) <= 1e-5
        assert rel_error(_resize_and_run(ours, data, x), got) <= 1e-5


@pytest.mark.parametrize("steps", [T, None])
def test_tf_keras_lstm_dynamic_dims(steps: int | None, tmp_path) -> None:  # noqa: ANN001
    """tf-keras stacked LSTM with batch None (and sequence length None): TF 2.21 fails on it (its fused path needs
    a static batch); tflc fuses both layers with -1 dims; LiteRT and our runtime at two sizes match TensorFlow."""
    import tensorflow as tf
    import tf_keras
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from compiler import TFLiteConverter
    from runtime import Interpreter as Ours

    tf_keras.utils.set_random_seed(5)
    layers = [tf_keras.layers.LSTM(4, return_sequences=True), tf_keras.layers.LSTM(3)]
    model = tf_keras.Sequential([tf_keras.Input((steps, I)), *layers])
    with pytest.raises(Exception, match="TensorList"):
        tf.lite.TFLiteConverter.from_keras_model(model).convert()
    c = TFLiteConverter.from_keras_model(model)
    c.experimental_static_batch = None
    data = c.convert()
    assert _op_names(data).count("UNIDIRECTIONAL_SEQUENCE_LSTM") == 2 and len(_op_names(data)) == 3
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    litert, ours = LiteRT(model_content=data), Ours(model_path=str(path), num_threads=1)
    for batch, length in ((2, steps or 4), (5, steps or 9)):
        x = np.random.default_rng(batch).uniform(-1, 1, (batch, length, I)).astype(np.float32)
        want = np.asarray(model(x, training=False))
        got = _resize_and_run(litert, data, x)
        assert rel_error(got, want) <= 1e-5
        assert rel_error(_resize_and_run(ours, data, x), got) <= 1e-5


def test_dynamic_batch_state_note_names_the_state_tensors() -> None:
    """LiteRT does not resize variable tensors with the inputs (see the test above): a dynamic-batch recurrent model
    converts with a note naming its state tensors and the resize the user must do; a static one has no such note."""
    import warnings

    from compiler import TFLiteConverter
    from compiler.errors import ConversionNote

    def notes(static_batch: int | None) -> list[str]:
        c = TFLiteConverter.from_keras_model(_keras3("lstm2"))
        c.experimental_static_batch = static_batch
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c.convert()
        return [str(w.message) for w in caught if issubclass(w.category, ConversionNote)]

    dynamic = [n for n in notes(None) if "variable tensor" in n]
    assert len(dynamic) == 1 and "resize_tensor_input(state_index, [batch, units])" in dynamic[0]
    assert "[-1, " in dynamic[0]  # the state shapes are shown with their dynamic batch
    assert not [n for n in notes(1) if "variable tensor" in n]
