"""Calibration (compiler/calibrate.py): representative datasets accepted and refused as TensorFlow's calibrator does,
the .npz / .npy-folder loaders, and per-tensor ranges equal bit for bit to LiteRT's (BUILTIN_REF, all tensors kept)
on the same float file, close to TF's own calibrator and to TensorFlow's outputs."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from compiler.calibrate import (  # noqa: E402
    CalibrationError,
    RepresentativeDatasetError,
    annotate_ranges,
    calibrate,
    calibration_model,
    load_representative_data,
    normalize_dataset,
    observed_values,
    read_ranges,
    signature_inputs,
    tf_calibrator_ranges,
    tf_graph_differs,
)
from compiler.errors import UsageError  # noqa: E402


def _quiet_tf():
    import tensorflow as tf

    warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
    return tf


# ---------------------------------------------------------------------------------------------------------------
# Models: a two-input function, a two-signature SavedModel, Keras models
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_signatures(tmp_path_factory):
    """SavedModel with f(b, a) -> {out} and g(z) -> {y}: ours and TF's float conversions."""
    tf = _quiet_tf()
    from compiler import TFLiteConverter

    class M(tf.Module):
        @tf.function(
            input_signature=[
                tf.TensorSpec([1, 4], tf.float32, name="b"),
                tf.TensorSpec([1, 4], tf.float32, name="a"),
            ]
        )
        def f(self, b, a):
            return {"out": tf.nn.relu(b * 2.0 + a)}

        @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32, name="z")])
        def g(self, z):
            return {"y": tf.tanh(z) * 3.0}

    m = M()
    path = str(tmp_path_factory.mktemp("calib") / "sm")
    tf.saved_model.save(
        m, path, signatures={"f": m.f.get_concrete_function(), "g": m.g.get_concrete_function()}
    )
    conv = TFLiteConverter.from_saved_model(path)
    conv.convert()
    tf_float = tf.lite.TFLiteConverter.from_saved_model(path).convert()
    single = TFLiteConverter.from_saved_model(path, signature_keys=["f"])
    single.convert()
    tf_single = tf.lite.TFLiteConverter.from_saved_model(path, signature_keys=["f"]).convert()
    return {
        "module": conv.result.module,
        "tf": tf_float,
        "single": single.result.module,
        "tf_single": tf_single,
    }


def _keras_module(model):
    from compiler import TFLiteConverter

    conv = TFLiteConverter.from_keras_model(model)
    data = conv.convert()
    return conv.result.module, data


def _mlp():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(8, activation="sigmoid"),
        ]
    )


def _cnn():
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(8, 3, activation="relu6", padding="same"),
            layers.MaxPooling2D(),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"),
            layers.Conv2D(8, 1),
            layers.BatchNormalization(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(5, activation="softmax"),
        ]
    )


def _attention_block():
    """Transformer-ish: multi-head self-attention (Softmax), residual + LayerNorm, ReLU feed-forward, LayerNorm."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((10, 16))
    att = layers.MultiHeadAttention(num_heads=2, key_dim=8)(inp, inp)
    x = layers.LayerNormalization()(inp + att)
    ff = layers.Dense(32, activation="relu")(x)
    ff = layers.Dense(16)(ff)
    out = layers.LayerNormalization()(x + ff)
    return keras.Model(inp, out)


MODELS = {"mlp": _mlp, "cnn": _cnn, "attention": _attention_block}


def _samples(model, n, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    shape = [1, *model.inputs[0].shape[1:]]
    return [(rng.standard_normal(shape) * scale).astype(np.float32) for _ in range(n)]


# ---------------------------------------------------------------------------------------------------------------
# Dataset normalization
# ---------------------------------------------------------------------------------------------------------------

X4 = np.ones((1, 4), np.float32)
Z3 = np.ones((1, 3), np.float32)


def _norm(module, items):
    return list(normalize_dataset(lambda: iter(items), signature_inputs(module)))


def test_signature_inputs(two_signatures):
    sigs = signature_inputs(two_signatures["module"])
    assert [s.key for s in sigs] == ["f", "g"]
    assert sorted(sigs[0].names) == ["a", "b"] and sigs[1].names == ("z",)
    assert sigs[0].shapes == ((1, 4), (1, 4)) and sigs[0].dtypes == (np.dtype(np.float32),) * 2


def test_list_dict_and_signature_tuples(two_signatures):
    single, multi = two_signatures["single"], two_signatures["module"]
    names = signature_inputs(single)[0].names
    a, b = X4, X4 * 2
    (s,) = _norm(single, [[a, b]])
    assert s.signature == 0 and s.inputs[0] is a and s.inputs[1] is b  # list: the subgraph's input order
    (s,) = _norm(single, [{"a": a, "b": b, "unused": Z3}])  # extra keys are ignored, as TF does
    assert [x is {"a": a, "b": b}[n] for n, x in zip(names, s.inputs, strict=True)] == [True, True]
    got = _norm(multi, [("g", {"z": Z3}), ("f", {"a": a, "b": b}), [a, b]])
    assert [s.signature for s in got] == [1, 0, 0]  # a list feeds the first signature
    assert got[0].inputs[0] is Z3
    tf = _quiet_tf()
    (s,) = _norm(single, [[tf.constant(a), tf.constant(b)]])  # tf.Tensor values are accepted
    assert np.array_equal(s.inputs[1], b)


REFUSED = {
    "tuple_of_arrays": ([(X4, X4)], "tuple must be (signature_key"),
    "bare_array": ([np.stack([X4, X4])], "each sample must be"),
    "too_few": ([[X4]], "has 1 input(s), but signature 'f' expects 2 input(s)"),
    "too_many": ([[X4, X4, X4]], "has 3 input(s)"),
    "float64": ([[X4.astype(np.float64), X4]], "got float64, expected float32"),
    "int32": ([[X4.astype(np.int32), X4]], "got int32, expected float32"),
    "python_list": ([[X4.tolist(), X4]], "got a list, expected an array"),
    "missing_key": ([{"a": X4}], "lacks input(s) 'b'"),
    "tuple_list": ([("f", [X4, X4])], "tuple must be (signature_key"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_like_tensorflow(two_signatures, case):
    """Each sample TF's calibrator refuses on TF's file, we refuse on ours, with the expected inputs named."""
    from tensorflow.lite.python.optimize import calibrator

    items, message = REFUSED[case]
    _quiet_tf()
    with pytest.raises(Exception):  # noqa: B017  (TF raises ValueError, KeyError or AttributeError)
        calibrator.Calibrator(two_signatures["tf_single"]).calibrate(lambda: iter(items))
    with pytest.raises(RepresentativeDatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _norm(two_signatures["single"], items)


def test_multi_signature_errors(two_signatures):
    from tensorflow.lite.python.optimize import calibrator

    _quiet_tf()
    multi = two_signatures["module"]
    for items, message in [
        ([{"a": X4, "b": X4}], "model has 2 signatures"),
        ([("h", {"a": X4, "b": X4})], "names signature 'h'"),
        ([("g", {"a": X4})], "lacks input\\(s\\) 'z'"),
    ]:
        with pytest.raises(Exception):  # noqa: B017
            calibrator.Calibrator(two_signatures["tf"]).calibrate(lambda items=items: iter(items))
        with pytest.raises(RepresentativeDatasetError, match=message):
            _norm(multi, items)
    # TF accepts (key, dict) samples for both signatures of the same file
    calibrator.Calibrator(two_signatures["tf"]).calibrate(
        lambda: iter([("f", {"a": X4, "b": X4}), ("g", {"z": Z3})])
    )
    ranges = calibrate(multi, lambda: iter([("f", {"a": X4, "b": -X4}), ("g", {"z": Z3})]), quiet=True)
    by_sig = [signature_inputs(multi)[i].key for i in range(2)]
    assert by_sig == ["f", "g"] and len(ranges) == len(observed_values(multi))


def test_not_callable_and_shape_change(two_signatures):
    single = two_signatures["single"]
    with pytest.raises(RepresentativeDatasetError, match="must be a callable"):
        list(normalize_dataset(iter([[X4, X4]]), signature_inputs(single)))
    two = np.ones((2, 4), np.float32)
    with pytest.raises(RepresentativeDatasetError, match="shapes changed"):
        calibrate(single, lambda: iter([[X4, X4], [two, two]]), quiet=True)
    # like TF (which resizes the inputs to the first sample), a batch of 2 throughout is fine
    r = calibrate(single, lambda: iter([[two, two * 3]]), quiet=True, match_tf_calibrator=False)
    assert set(r.values()) == {(1.0, 1.0), (3.0, 3.0), (6.0, 6.0), (7.0, 7.0)}  # a, b, b * 2, relu(b * 2 + a)
    assert (
        calibrate(single, lambda: iter([]), quiet=True) == {}
    )  # an empty dataset measures nothing (TF: no stats)


def test_later_samples_reuse_the_plan_on_any_signature(two_signatures):
    """Samples after a signature's first run neither resize nor re-plan memory and are read through views, in
    subgraph 1 too: the output range over four samples equals that of LiteRT's outputs of TF's file."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    from xdsl.dialects import func

    multi = two_signatures["module"]
    rng = np.random.default_rng(3)
    zs = [rng.uniform(-2, 2, (1, 3)).astype(np.float32) for _ in range(4)]
    items = [("f", {"a": X4, "b": -X4})] + [("g", {"z": z}) for z in zs]
    ranges = calibrate(multi, lambda: iter(items), quiet=True, match_tf_calibrator=False)
    runner = Interpreter(
        model_content=two_signatures["tf"], experimental_op_resolver_type=OpResolverType.BUILTIN_REF
    ).get_signature_runner("g")
    ys = np.concatenate([runner(z=z)["y"].reshape(-1) for z in zs])
    g = [op for op in multi.ops if isinstance(op, func.FuncOp) and op.sym_name.data == "g"][0]
    lo, hi = ranges[g.body.block.last_op.operands[0]]
    assert abs(lo - float(ys.min())) <= 1e-6 * 3 and abs(hi - float(ys.max())) <= 1e-6 * 3
    assert lo < -1 and hi > 1  # four samples, not just the first: tanh(z) * 3 over z in [-2, 2]


def test_model_that_cannot_run_names_inputs(two_signatures):
    import keras

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    module, _ = _keras_module(model)
    bad = np.ones((3, 5), np.float32)  # resizable, but the model's reshape cannot take it
    with pytest.raises(CalibrationError, match=r"expects 1 input\(s\) \(.*float32\[1, 4, 4, 1\]\)"):
        calibrate(module, lambda: iter([[bad]]), quiet=True)


# ---------------------------------------------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------------------------------------------


def test_npz_and_npy_folder(tmp_path, two_signatures):
    single, multi = two_signatures["single"], two_signatures["module"]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 4)).astype(np.float32)  # [samples, 4]: the samples axis is the batch axis
    b = rng.standard_normal((5, 1, 4)).astype(np.float32)  # [samples, 1, 4]: one stored input per sample
    np.savez(tmp_path / "d.npz", a=a, b=b)
    data = load_representative_data(tmp_path / "d.npz", ["a", "b"], limit=3)
    assert len(data) == 3
    names = signature_inputs(single)[0].names
    got = list(normalize_dataset(data, signature_inputs(single)))
    assert len(got) == 3 and all(x.shape == (1, 4) for s in got for x in s.inputs)
    want = {"a": a[:3], "b": b[:3, 0]}
    for i, s in enumerate(got):
        for n, x in zip(names, s.inputs, strict=True):
            assert np.array_equal(x[0], want[n][i])
    # the same file ranges equal the same samples given as a generator of dicts
    gen = calibrate(single, lambda: ({"a": a[i : i + 1], "b": b[i]} for i in range(3)), quiet=True)
    assert calibrate(single, data, quiet=True) == gen
    # as a plain callable it yields TF-style dict samples, so TF's converter can take it too
    assert all(set(d) == {"a", "b"} and d["a"].shape == (1, 4) for d in data())

    folder = tmp_path / "npy"
    (folder / "f").mkdir(parents=True)
    (folder / "g").mkdir()
    np.save(folder / "f" / "a.npy", a)
    np.save(folder / "f" / "b.npy", a + 1)
    np.save(folder / "g" / "z.npy", rng.standard_normal((5, 3)).astype(np.float32))
    multi_data = load_representative_data(folder)
    got = list(normalize_dataset(multi_data, signature_inputs(multi)))
    assert [s.signature for s in got] == [0, 1] * 5
    r = calibrate(multi, multi_data, quiet=True)
    assert len(r) == len(observed_values(multi))


def test_loader_errors(tmp_path, two_signatures):
    single = two_signatures["single"]
    sigs = signature_inputs(single)
    with pytest.raises(UsageError, match="does not exist"):
        load_representative_data(tmp_path / "nope.npz")
    np.savez(tmp_path / "n.npz", a=np.ones((3, 4), np.float32), b=np.ones((2, 4), np.float32))
    with pytest.raises(UsageError, match="disagree on the number of samples"):
        load_representative_data(tmp_path / "n.npz")
    np.savez(tmp_path / "m.npz", a=np.ones((3, 4), np.float32))
    with pytest.raises(UsageError, match="no array for input"):
        load_representative_data(tmp_path / "m.npz", ["a", "b"])
    with pytest.raises(RepresentativeDatasetError, match="no array for input\\(s\\) 'b'"):
        list(normalize_dataset(load_representative_data(tmp_path / "m.npz"), sigs))
    np.savez(tmp_path / "d.npz", a=np.ones((3, 4)), b=np.ones((3, 4), np.float32))
    with pytest.raises(RepresentativeDatasetError, match="'a' is float64, expected float32"):
        list(normalize_dataset(load_representative_data(tmp_path / "d.npz"), sigs))
    np.savez(tmp_path / "s.npz", a=np.ones((3, 5), np.float32), b=np.ones((3, 4), np.float32))
    with pytest.raises(
        RepresentativeDatasetError, match=r"'a' has shape \[3, 5\]; expected \[samples, 1, 4\]"
    ):
        list(normalize_dataset(load_representative_data(tmp_path / "s.npz"), sigs))
    with pytest.raises(RepresentativeDatasetError, match="model has 2 signatures"):
        list(
            normalize_dataset(
                load_representative_data(tmp_path / "m.npz"), signature_inputs(two_signatures["module"])
            )
        )
    with pytest.raises(UsageError, match="at least 1"):
        load_representative_data(tmp_path / "m.npz", limit=0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no .npy files"):
        load_representative_data(tmp_path / "empty")


# ---------------------------------------------------------------------------------------------------------------
# Ranges: LiteRT on the same file (bit for bit), TF's calibrator, TensorFlow's outputs
# ---------------------------------------------------------------------------------------------------------------


def _litert_ranges(model: bytes, samples: list[np.ndarray]) -> dict[str, tuple[np.float32, np.float32]]:
    """Global min/max per float tensor name: LiteRT reference kernels, every tensor kept."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    warnings.filterwarnings("ignore", message=".*experimental_preserve_all_tensors.*")
    it = Interpreter(
        model_content=model,
        num_threads=1,
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
    )
    runner = it.get_signature_runner()
    (name,) = runner.get_input_details()
    out: dict[str, tuple[np.float32, np.float32]] = {}
    details = [d for d in it.get_tensor_details() if d["dtype"] == np.float32]
    for x in samples:
        runner(**{name: x})
        for d in details:
            try:
                a = it.get_tensor(d["index"])
            except ValueError:
                continue  # never allocated
            if a.size == 0:
                continue
            lo, hi = out.get(d["name"], (np.float32(np.inf), np.float32(-np.inf)))
            out[d["name"]] = (min(lo, a.min()), max(hi, a.max()))
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_ranges_equal_litert_and_tensorflow(name):
    tf = _quiet_tf()
    model = MODELS[name]()
    module, float_bytes = _keras_module(model)
    samples = _samples(model, 6, scale=2.0)
    ranges = calibrate(module, lambda: ([x] for x in samples), quiet=True, match_tf_calibrator=False)
    assert set(ranges) == set(observed_values(module))

    # 1. LiteRT (reference kernels) on the very file calibration ran: every tensor's min/max bit for bit
    calib_bytes, names = calibration_model(module)
    litert = _litert_ranges(calib_bytes, samples)
    by_value = {v: n for n, v in names[0].items()}
    fn = next(iter(module.ops))
    compared = 0
    for value, (lo, hi) in ranges.items():
        tensor = by_value.get(value) or signature_inputs(module)[0].names[list(fn.args).index(value)]
        assert (np.float32(lo), np.float32(hi)) == litert[tensor], tensor
        assert np.float32(lo) == lo and np.float32(hi) == hi  # float32 values, exactly
        compared += 1
    assert compared == len(observed_values(module)) >= 3

    # 2. TensorFlow on the same samples: the model's output range
    outs = np.concatenate([np.asarray(model(x, training=False)).reshape(-1) for x in samples])
    ret = fn.body.block.last_op
    lo, hi = ranges[ret.operands[0]]
    scale = max(abs(float(outs.min())), abs(float(outs.max())))
    assert abs(lo - float(outs.min())) <= 1e-5 * scale and abs(hi - float(outs.max())) <= 1e-5 * scale

    # 3. TF's own calibrator on the same file: same tensors, same ranges (up to its optimized kernels) once its
    # in-place logging is reproduced
    tf_ranges = _tf_calibrator_ranges(tf, calib_bytes, samples)
    as_tf = tf_calibrator_ranges(module, ranges)
    # the default: TF's logging except on tensors TF's graph holds where no in-place op widens them
    default = calibrate(module, lambda: ([x] for x in samples), quiet=True)
    assert default == tf_calibrator_ranges(module, ranges, keep_own=tf_graph_differs)
    for value, (lo, hi) in as_tf.items():
        tensor = by_value.get(value)
        if tensor is None:
            continue
        tlo, thi = tf_ranges[tensor]
        scale = max(abs(tlo), abs(thi), 1e-30)
        assert abs(lo - tlo) <= 1e-5 * scale and abs(hi - thi) <= 1e-5 * scale, (tensor, (lo, hi), (tlo, thi))


def _tf_calibrator_ranges(tf, model: bytes, samples: list[np.ndarray]) -> dict[str, tuple[float, float]]:
    """TF's calibrator writes each logged tensor's min/max into its QuantizationParameters."""
    import tflite
    from tensorflow.lite.python.optimize import calibrator

    out = calibrator.Calibrator(model).calibrate(lambda: ([x] for x in samples))
    m = tflite.Model.GetRootAsModel(out, 0)
    sg = m.Subgraphs(0)
    ranges = {}
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        q = t.Quantization()
        if q is not None and q.MinLength() == 1:
            ranges[t.Name().decode()] = (float(q.Min(0)), float(q.Max(0)))
    return ranges


def test_nan_skipped_and_inf_kept_as_tensorflow():
    """NaN values are left out (with a warning), infinities count: checked against TF's calibrator."""
    tf = _quiet_tf()
    from compiler import TFLiteConverter

    @tf.function(input_signature=[tf.TensorSpec([1, 6], tf.float32)])
    def f(x):
        return tf.sqrt(x) + 1.0, tf.math.log(tf.abs(x))

    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()])
    conv.convert()
    module = conv.result.module
    samples = [np.array([[-1.0, 0.0, 4.0, 9.0, -4.0, 2.0]], np.float32)]
    with pytest.warns(RuntimeWarning, match="NaN"):
        ranges = calibrate(module, lambda: ([x] for x in samples), quiet=True, match_tf_calibrator=False)
    calib_bytes, names = calibration_model(module)
    tf_ranges = _tf_calibrator_ranges(tf, calib_bytes, samples)
    as_tf = tf_calibrator_ranges(module, ranges)
    for tensor, value in names[0].items():
        assert as_tf[value] == pytest.approx(tf_ranges[tensor], rel=1e-6), tensor
    outs = [ranges[v] for v in next(iter(module.ops)).body.block.last_op.operands]
    assert outs[0] == (1.0, 4.0)  # sqrt of negatives is NaN: skipped
    assert outs[1][0] == -np.inf  # log(0) = -inf: kept (TF writes -FLT_MAX)


# ---------------------------------------------------------------------------------------------------------------
# The module is left alone; IR annotation; progress; the runtime's exact-math switch
# ---------------------------------------------------------------------------------------------------------------


def test_module_unchanged_and_annotation_round_trip(capsys):
    from compiler.export import export

    model = _cnn()
    module, float_bytes = _keras_module(model)
    text = str(module)
    ranges = calibrate(module, lambda: ([x] for x in _samples(model, 2)))  # not quiet, but stderr is no TTY
    assert capsys.readouterr().err == ""
    assert str(module) == text and export(module) == export(module.clone())
    annotate_ranges(module, ranges)
    assert read_ranges(module) == ranges
    assert "tflc.range = [array<f32: " in str(module) and "tflc.arg_ranges" in str(module)
    module.verify()
    stripped = module.clone()
    for op in stripped.walk():
        op.attributes.pop("tflc.range", None)
        op.attributes.pop("tflc.arg_ranges", None)
    assert export(module) == export(stripped)  # annotations never reach the FlatBuffer


def test_progress_callback():
    model = _mlp()
    module, _ = _keras_module(model)
    seen = []

    def progress(items):
        for item in items:
            seen.append(item.signature)
            yield item

    calibrate(module, lambda: ([x] for x in _samples(model, 4)), progress=progress)
    assert seen == [0, 0, 0, 0]


@pytest.mark.parametrize("op", ["softmax", "logistic"])
def test_runtime_exact_math_matches_litert_reference(op):
    """runtime: `_exact_math=True` makes float SOFTMAX/LOGISTIC equal LiteRT's BUILTIN_REF bit for bit."""
    tf = _quiet_tf()
    from ai_edge_litert.interpreter import Interpreter as LiteRT
    from ai_edge_litert.interpreter import OpResolverType

    from runtime import Interpreter

    fn = {"softmax": lambda x: tf.nn.softmax(x * 0.7), "logistic": tf.sigmoid}[op]
    f = tf.function(fn, input_signature=[tf.TensorSpec([64, 37], tf.float32)])
    data = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()]).convert()
    x = (np.random.default_rng(3).standard_normal((64, 37)) * 8).astype(np.float32)
    x[0, :4] = [-30.0, 20.0, -9.5, 16.7]  # LOGISTIC's cut-offs

    def run(it):
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        return it.get_tensor(it.get_output_details()[0]["index"])

    want = run(LiteRT(model_content=data, experimental_op_resolver_type=OpResolverType.BUILTIN_REF))
    assert np.array_equal(run(Interpreter(model_content=data, _exact_math=True)), want)
    fast = run(Interpreter(model_content=data))
    assert np.abs(fast - want).max() <= 1e-6 * np.abs(want).max()  # the default vector exp stays close


def test_tf_calibrator_in_place_logging():
    """TF's calibrator logs an op's inputs again after it ran: inputs whose buffer LiteRT let the op overwrite (ADD,
    SUB, MUL, DIV, SOFTMAX; used once, same size, not graph inputs) take in the output's range. Ops that never
    share, shared roots used twice, broadcasts and 4-byte tensors keep their own range."""
    tf = _quiet_tf()
    from compiler import TFLiteConverter

    rng = np.random.default_rng(0)
    w = [tf.constant(rng.standard_normal((16, 16)).astype(np.float32) * 0.3) for _ in range(16)]

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32)])
    def f(x):
        mm = [tf.matmul(x, wi) for wi in w]
        shared = mm[6]
        outs = [
            mm[0] + 10.0,  # shares
            mm[1] - mm[2] * 3.0,  # SUB shares input 0; MUL shares mm[2]
            mm[3] / (tf.abs(mm[4]) + 0.5),  # DIV shares input 0; ADD shares ABS's output
            tf.nn.softmax(mm[5] * 0.01),  # SOFTMAX shares the MUL output
            tf.reshape(shared, [4, 4]) + 10.0,  # the reshape's root is used twice: no sharing
            shared * 2.0,
            tf.nn.gelu(mm[7] * 0.01 + 3.0),  # GELU never shares
            tf.sigmoid(mm[8] * 0.01),  # LOGISTIC never shares
            tf.tanh(mm[9] * 0.01 + 3.0),
            tf.maximum(mm[10], 5.0),
            mm[11] + tf.ones([4, 16]) * 10.0,  # broadcast: output larger than input
            tf.reduce_sum(mm[12], keepdims=True) + 100.0,  # 4-byte tensor
            -tf.abs(mm[13]) - 1.0,  # all negative: TF's max is FLT_MIN
        ]
        return tf.concat([tf.reshape(o, [-1]) for o in outs], 0)

    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()])
    conv.convert()
    module = conv.result.module
    samples = [rng.standard_normal((1, 16)).astype(np.float32) for _ in range(4)]
    ranges = calibrate(module, lambda: ([x] for x in samples), quiet=True, match_tf_calibrator=False)
    as_tf = tf_calibrator_ranges(module, ranges)
    calib_bytes, names = calibration_model(module)
    tf_ranges = _tf_calibrator_ranges(tf, calib_bytes, samples)
    widened = 0
    for tensor, value in names[0].items():
        if value not in as_tf:
            continue
        lo, hi = as_tf[value]
        tlo, thi = tf_ranges[tensor]
        scale = max(abs(tlo), abs(thi))
        assert abs(lo - tlo) <= 1e-5 * scale and abs(hi - thi) <= 1e-5 * scale, (tensor, value.owner.name)
        widened += as_tf[value] != ranges[value]
    assert widened >= 7


@pytest.mark.heavy
def test_efficientnet_b0_ranges_equal_litert_and_tf_calibrator():
    """Whole model (238 float activations, LOGISTIC/MUL swish, residual ADDs): our ranges equal LiteRT's
    BUILTIN_REF bit for bit, and the TF-compatible ranges give TF's calibrator's int8 scales."""
    tf = _quiet_tf()
    from corpus import build

    from compiler import TFLiteConverter

    conv = TFLiteConverter.from_keras_model(build("efficientnet_b0"))
    conv.convert()
    module = conv.result.module
    rng = np.random.default_rng(0)
    samples = [rng.uniform(-1, 1, signature_inputs(module)[0].shapes[0]).astype(np.float32) for _ in range(2)]
    own = calibrate(module, lambda: ([x] for x in samples), quiet=True, match_tf_calibrator=False)
    calib_bytes, names = calibration_model(module)
    litert = _litert_ranges(calib_bytes, samples)
    assert all((np.float32(own[v][0]), np.float32(own[v][1])) == litert[n] for n, v in names[0].items())

    def scale(r):
        return (max(r[1], 0.0) - min(r[0], 0.0)) / 255

    as_tf = tf_calibrator_ranges(module, own)
    tf_ranges = _tf_calibrator_ranges(tf, calib_bytes, samples)
    errors = [abs(scale(as_tf[v]) / scale(tf_ranges[n]) - 1) for n, v in names[0].items()]
    assert len(errors) == 238 and max(errors) < 1e-5


def test_calibrate_pass(tmp_path):
    """`calibrate{data=...}` (for `tflc opt` pipelines) writes the same ranges as calling calibrate."""
    from compiler.calibrate import Calibrate
    from compiler.pipeline import make_context

    model = _mlp()
    module, _ = _keras_module(model)
    samples = _samples(model, 5)
    np.savez(tmp_path / "d.npz", **{signature_inputs(module)[0].names[0]: np.concatenate(samples)})
    want = calibrate(module, lambda: ([x] for x in samples[:3]), quiet=True)
    Calibrate(data=str(tmp_path / "d.npz"), samples=3).apply(make_context(), module)
    assert read_ranges(module) == want
    with pytest.raises(UsageError, match="needs representative data"):
        Calibrate().apply(make_context(), module)


def test_progress_bar_only_on_a_terminal_after_a_second(monkeypatch):
    import io
    import sys
    import time

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    model = _mlp()
    module, _ = _keras_module(model)
    samples = _samples(model, 4)

    def slow():
        for x in samples:
            time.sleep(0.4)
            yield [x]

    for quiet, shown in [(False, True), (True, False)]:
        err = Terminal()
        monkeypatch.setattr(sys, "stderr", err)
        calibrate(module, slow, quiet=quiet)
        assert ("calibrating" in err.getvalue()) == shown
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    calibrate(module, lambda: ([x] for x in samples))  # fast: no bar
    assert err.getvalue() == ""
