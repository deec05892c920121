"""Dynamic dimensions (issue 11 point 4): a signature's None dims stay dynamic (shape_signature -1) and the model is
resized at run time in LiteRT and in our runtime, compared with TensorFlow at every size; the static opt-in
(`experimental_static_batch = N`, `tflc convert --static-batch N`) fixes them for maximal folding."""

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


def _convert(model, static_batch: int | None) -> bytes:
    c = TFLiteConverter.from_keras_model(model)
    c.experimental_static_batch = static_batch
    return c.convert()


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
def converted(request):
    """One model converted once each way: ours dynamic (default), ours static (opt-in), TensorFlow's converter."""
    model = _BUILDERS[request.param]()
    ours = _convert(model, None)
    static = _convert(model, 1)
    theirs = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    return request.param, model, ours, static, theirs


def _sizes(name: str) -> list[tuple[int, ...]]:
    """Input shapes each model is resized to: batch 1 and 8; the token model 16 and 64 tokens."""
    return [(1, 16, 128), (2, 64, 128)] if name == "transformer_tokens" else [(1,), (8,)]


@pytest.mark.heavy
def test_dynamic_model_resizes_and_matches_tensorflow(converted):
    name, model, ours, static, theirs = converted
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
    print(f"{name}: ops dynamic {n_ours}, static opt-in {n_static}, TensorFlow (dynamic) {n_tf}")
    assert n_ours <= n_tf
    if name != "transformer_tokens":  # only a batch is dynamic: no shape arithmetic is left
        assert n_ours == n_static


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
        c.experimental_static_batch = None  # dynamic dims (tflc's default is static for now)
        model = c.convert()
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
    """`tflc convert --dynamic-batch` keeps the batch dynamic; `--static-batch 1` (the default) writes the fully static
    file."""
    import keras
    from typer.testing import CliRunner

    from compiler.cli import app

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    path = tmp_path / "m.keras"
    model.save(path)
    runner = CliRunner()
    for flag, want in ((["--dynamic-batch"], [[-1, 5]]), (["--static-batch", "1"], [None]), ([], [None])):
        out = tmp_path / f"m{'_'.join(flag)}.tflite"
        res = runner.invoke(app, ["convert", "--keras-model-file", str(path), "-o", str(out), "-q", *flag])
        assert res.exit_code == 0, res.output
        assert _io_signatures(out.read_bytes())[0] == want
