"""Dynamic dimensions (issue 11 point 4): by default, as TF, a signature's None dims stay dynamic (shape_signature
-1) and the model is resized at run time in LiteRT and in our runtime, compared with TensorFlow at every size; the
static opt-in (`experimental_static_batch = N`, `tflc convert --static-batch N`) fixes them for maximal folding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tensorflow as tf
from corpus import build, count_ops, rel_error

from compiler import TFLiteConverter
from compiler.errors import ConversionNote

TOL = 1e-5


def _tensor_shapes(model: bytes) -> dict[str, tuple[list[int], list[int] | None]]:
    """Tensor name -> (shape, shape_signature or None) of subgraph 0."""
    import tflite

    sg = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0)
    out = {}
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        sig = t.ShapeSignatureAsNumpy().tolist() if t.ShapeSignatureLength() else None
        out[t.Name().decode()] = (t.ShapeAsNumpy().tolist() if t.ShapeLength() else [], sig)
    return out


def _io_signatures(model: bytes) -> tuple[list[list[int] | None], list[list[int] | None]]:
    import tflite

    sg = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0)

    def sig(i: int) -> list[int] | None:
        t = sg.Tensors(i)
        return t.ShapeSignatureAsNumpy().tolist() if t.ShapeSignatureLength() else None

    return [sig(sg.Inputs(k)) for k in range(sg.InputsLength())], [
        sig(sg.Outputs(k)) for k in range(sg.OutputsLength())
    ]


def _interpreters(model: bytes) -> list[tuple[str, object]]:
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    return [
        ("litert", LiteRT(model_content=model, num_threads=1)),
        ("ours", Ours(model_content=model, num_threads=1)),
    ]


def _run_resized(interp, xs: list[np.ndarray]) -> np.ndarray:
    """resize_tensor_input + allocate_tensors + invoke, as a LiteRT user does for another batch size."""
    details = interp.get_input_details()
    for d, x in zip(details, xs, strict=True):
        interp.resize_tensor_input(d["index"], list(x.shape))
    interp.allocate_tensors()
    for d, x in zip(details, xs, strict=True):
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def _convert_saved_model(path: str, static_batch: int | None = None) -> tuple[bytes, list[str]]:
    """Our converter on a SavedModel: the default (dims dynamic) unless a static batch is asked for; the file and
    the conversion's notes."""
    c = TFLiteConverter.from_saved_model(path)
    if static_batch is not None:
        c.experimental_static_batch = static_batch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConversionNote)
        data = c.convert()
    return data, list(c.result.notes)


def _transformer_dynamic_tokens():
    """The corpus transformer block with a dynamic token count (Input((None, 128)))."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(3)
    inp = keras.Input((None, 128))
    att = layers.MultiHeadAttention(num_heads=4, key_dim=32)(inp, inp)
    x = layers.LayerNormalization()(inp + att)
    ff = layers.Dense(256, activation="gelu")(x)
    ff = layers.Dense(128)(ff)
    out = layers.LayerNormalization()(x + ff)
    return keras.Model(inp, out, name="transformer_tokens")


_BUILDERS = {
    "mobilenet_v2": lambda: build("mobilenet_v2"),
    "transformer_block": lambda: build("transformer_block"),
    "transformer_tokens": _transformer_dynamic_tokens,
}


@pytest.fixture(scope="module", params=sorted(_BUILDERS))
def converted(request, tmp_path_factory):
    """One model exported once (Keras 3 `model.export()`, dims None) and converted each way: ours with the default
    (dims dynamic), ours with the static opt-in (batch 1), TensorFlow's converter on the same SavedModel."""
    model = _BUILDERS[request.param]()
    path = str(tmp_path_factory.mktemp(request.param) / "saved_model")
    model.export(path, verbose=False)
    ours, notes = _convert_saved_model(path)
    assert not [n for n in notes if "pinned" in n or "could not be kept" in n], notes  # dims kept dynamic
    static, static_notes = _convert_saved_model(path, 1)
    # the static opt-in pins inputs whose dims the model reads as values (Keras' MultiHeadAttention and Dense on 3-D
    # inputs do) with one RESHAPE: the one op it may have beyond the dynamic file's
    pins = sum("inputs are pinned" in n for n in static_notes)
    theirs = tf.lite.TFLiteConverter.from_saved_model(path).convert()
    return request.param, model, ours, (static, pins), theirs


def _sizes(name: str) -> list[tuple[int, ...]]:
    """Input shapes each model is resized to: batch 1 and 8; the token model 16 and 64 tokens."""
    return [(1, 16, 128), (2, 64, 128)] if name == "transformer_tokens" else [(1,), (8,)]


@pytest.mark.heavy
def test_dynamic_model_resizes_and_matches_tensorflow(converted):
    name, model, ours, (static, pins), theirs = converted
    sig_in, sig_out = _io_signatures(ours)
    want_in = [-1 if d is None else d for d in model.inputs[0].shape]
    assert sig_in == [want_in], sig_in
    assert sig_out[0] is not None and sig_out[0][0] == -1, sig_out
    assert _io_signatures(static) == ([None], [None])  # static opt-in: no dynamic dims left
    for k, size in enumerate(_sizes(name)):
        shape = list(size) + [d for d in model.inputs[0].shape[len(size) :]]
        x = np.random.default_rng(k).uniform(-1, 1, shape).astype(np.float32)
        ref = model(x, training=False).numpy()
        for who, interp in _interpreters(ours):
            err = rel_error(_run_resized(interp, [x]), ref)
            print(f"{name} {who} {shape}: rel err {err:.2e}")
            assert err <= TOL, (who, shape, err)
    n_ours, n_static, n_tf = count_ops(ours), count_ops(static), count_ops(theirs)
    print(f"{name}: ops dynamic {n_ours}, static opt-in {n_static} ({pins} pin), TensorFlow (dynamic) {n_tf}")
    assert n_ours <= n_tf
    if name != "transformer_tokens":  # only a batch is dynamic: no shape arithmetic is left
        assert n_ours == n_static - pins


@pytest.mark.heavy
def test_dynamic_dims_reach_every_tensor_they_touch(converted):
    """shape_signature carries -1 on each dynamic dim, the tensor's shape holds 1 there (as TF writes)."""
    name, _, ours, _, theirs = converted
    ours_t, theirs_t = _tensor_shapes(ours), _tensor_shapes(theirs)
    dynamic = [(s, sig) for s, sig in ours_t.values() if sig is not None]
    assert dynamic
    for shape, sig in dynamic:
        assert len(shape) == len(sig) and all(
            (d == 1) if g == -1 else (d == g) for d, g in zip(shape, sig, strict=True)
        )
    # As many dynamic tensors as TF leaves (its extra ones are shape arithmetic we fold away).
    assert sum(1 for _, sig in theirs_t.values() if sig is not None and -1 in sig) >= len(dynamic) - 2


_BATCH_READS = {
    "divide_by_batch": (lambda x: x / tf.cast(tf.shape(x)[0], tf.float32), [None, 3]),
    "reshape_by_batch": (lambda x: tf.reshape(x, [tf.shape(x)[0], -1]), [None, 2, 3]),
}


@pytest.mark.parametrize("case", sorted(_BATCH_READS))
def test_shape_reads_are_computed_at_run_time(case):
    """The issue-14 cases: with the batch dynamic, tf.shape(x)[0] is SHAPE + STRIDED_SLICE at run time, so batch 4
    gives TF's answer in LiteRT and our runtime (no pin, no note); TF's converter keeps the same ops."""
    body, shape = _BATCH_READS[case]
    f = tf.function(body, input_signature=[tf.TensorSpec(shape, tf.float32, name="x")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
        model = c.convert()  # the default: dims dynamic
    assert not [w for w in caught if issubclass(w.category, ConversionNote)]
    theirs = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    assert count_ops(model) <= count_ops(theirs)
    for batch in (1, 4):
        x = np.random.default_rng(batch).normal(size=[batch, *shape[1:]]).astype(np.float32)
        want = f(tf.constant(x)).numpy()
        for name, interp in _interpreters(model):
            got = interp.get_signature_runner()(x=x)["output_0"]
            np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"{name} batch {batch}")


def test_static_batch_fixes_the_batch_and_folds():
    """experimental_static_batch = 4: input [4, 3], no shape_signature, tf.shape(x)[0] folded to 4 (one DIV by a
    constant); the input is pinned, as issue 14 does for folded dims."""
    f = tf.function(
        lambda x: x / tf.cast(tf.shape(x)[0], tf.float32),
        input_signature=[tf.TensorSpec([None, 3], tf.float32)],
    )
    c = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    c.experimental_static_batch = 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = c.convert()
    assert any("pinned" in str(w.message) for w in caught if issubclass(w.category, ConversionNote))
    assert _io_signatures(model) == ([None], [None])
    x = np.random.default_rng(0).normal(size=[4, 3]).astype(np.float32)
    for name, interp in _interpreters(model):
        np.testing.assert_allclose(
            interp.get_signature_runner()(x=x)["output_0"],
            f(tf.constant(x)).numpy(),
            rtol=1e-6,
            err_msg=name,
        )


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_static_batch_rejects_non_positive_ints(bad):
    f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    c = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    c.experimental_static_batch = bad
    with pytest.raises(ValueError, match="experimental_static_batch"):
        c.convert()


def test_cli_static_batch(tmp_path):
    """`tflc convert` keeps the batch dynamic, as TF (`--dynamic-batch` is the explicit form of the default);
    `--static-batch 1` writes the fully static file."""
    import keras
    from typer.testing import CliRunner

    from compiler.cli import app

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    path = tmp_path / "m.keras"
    model.save(path)
    runner = CliRunner()
    for flag, want in ((["--dynamic-batch"], [[-1, 5]]), (["--static-batch", "1"], [None]), ([], [[-1, 5]])):
        out = tmp_path / f"m{'_'.join(flag)}.tflite"
        res = runner.invoke(app, ["convert", "--keras-model-file", str(path), "-o", str(out), "-q", *flag])
        assert res.exit_code == 0, res.output
        assert _io_signatures(out.read_bytes())[0] == want


def _stem_and_se_block():
    """EfficientNet's stem and squeeze-excite shape, small: Rescaling + Normalization + ZeroPadding2D + strided
    VALID conv + BatchNorm + swish, then a quantizable 1x1 conv and GlobalAveragePooling -> Reshape((1, 1, C))."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(5)
    inp = keras.Input((32, 32, 3))
    x = layers.Rescaling(1.0 / 255.0)(inp)
    x = layers.Normalization(mean=0.0, variance=1.0)(x)  # as EfficientNetB0 without ImageNet weights
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = layers.Conv2D(32, 3, strides=2, padding="valid", use_bias=False)(x)
    bn = layers.BatchNormalization()
    x = layers.Activation("swish")(bn(x))
    x = layers.Conv2D(64, 1, activation="swish")(x)
    se = layers.Reshape((1, 1, 64))(layers.GlobalAveragePooling2D()(x))
    se = layers.Conv2D(64, 1, activation="sigmoid")(layers.Conv2D(16, 1, activation="swish")(se))
    model = keras.Model(inp, layers.GlobalAveragePooling2D()(layers.Multiply()([x, se])))
    rng = np.random.default_rng(5)
    bn.set_weights(
        [rng.uniform(0.5, 1.5, 32), rng.normal(0, 0.1, 32), rng.normal(0, 0.1, 32), rng.uniform(0.5, 2, 32)]
    )
    return model


def _first_op_constants(model: bytes) -> list[bytes]:
    """The bytes of the constant operands of subgraph 0's first operator."""
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    sg = m.Subgraphs(0)
    op = sg.Operators(0)
    bufs = [
        m.Buffers(sg.Tensors(op.Inputs(i)).Buffer()) for i in range(op.InputsLength()) if op.Inputs(i) >= 0
    ]
    return [b.DataAsNumpy().tobytes() for b in bufs if b.DataLength()]


def _run_reference(model: bytes, x: np.ndarray) -> np.ndarray:
    """LiteRT's reference kernels (BUILTIN_REF), resized to x's shape."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(
        model_content=model, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF
    )
    return _run_resized(interp, [x])


def test_dynamic_range_dynamic_batch_file_runs_as_tensorflows():
    """Dynamic-range quantization with the batch dynamic (EfficientNetB0's 2.5% difference): the input scaling,
    padding and BatchNorm fold into the stem conv in TF's order (its filter was a few ulps off before, which the
    hybrid kernels' input quantization amplified), so the stem's constants are TF's bit for bit and LiteRT's
    reference kernels give TF's file's outputs exactly at batch 1 and 3; the SE block's MEAN + RESHAPE become MEAN keep_dims, as with a static batch."""
    model = _stem_and_se_block()
    ours = TFLiteConverter.from_keras_model(model)
    ours.optimizations = [tf.lite.Optimize.DEFAULT]
    static = TFLiteConverter.from_keras_model(model)
    static.optimizations = [tf.lite.Optimize.DEFAULT]
    static.experimental_static_batch = 1
    theirs = tf.lite.TFLiteConverter.from_keras_model(model)
    theirs.optimizations = [tf.lite.Optimize.DEFAULT]
    ours_b, static_b, theirs_b = ours.convert(), static.convert(), theirs.convert()
    assert _io_signatures(ours_b)[0] == [[-1, 32, 32, 3]]
    assert _first_op_constants(ours_b) == _first_op_constants(
        theirs_b
    )  # the stem conv's filter and bias, bitwise
    for batch in (1, 3):
        x = np.random.default_rng(batch).uniform(0, 255, [batch, 32, 32, 3]).astype(np.float32)
        np.testing.assert_array_equal(
            _run_reference(ours_b, x), _run_reference(theirs_b, x), err_msg=f"batch {batch}"
        )
    print(
        f"ops: dynamic {count_ops(ours_b)}, static opt-in {count_ops(static_b)}, TensorFlow {count_ops(theirs_b)}"
    )
    assert count_ops(ours_b) == count_ops(static_b) <= count_ops(theirs_b)


def test_probe_sees_a_clamped_batch_as_dynamic():
    """A dim TF's shape inference leaves unknown and that is the same at the probe sizes 7 and 11 (min(batch, 5) rows
    gathered) is still dynamic: the third, small probe size tells. With two probes the output was typed [20] and
    batch 3 failed in RESHAPE; now it is [-1] and batch 3 and 8 give TF's answer in LiteRT and our runtime."""

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def f(x):
        rows = tf.gather(x, tf.range(tf.minimum(tf.shape(x)[0], 5))) * 2.0
        return tf.reshape(rows, [-1])

    model = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    assert _io_signatures(model) == ([[-1, 4]], [[-1]])
    for batch in (3, 8):
        x = np.random.default_rng(batch).normal(size=[batch, 4]).astype(np.float32)
        want = f(tf.constant(x)).numpy()
        for name, interp in _interpreters(model):
            got = interp.get_signature_runner()(x=x)["output_0"]
            np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"{name} batch {batch}")
