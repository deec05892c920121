"""The JAX frontend: Flax models lowered to StableHLO by JAX, converted by tflc, against JAX's outputs, LiteRT, our
runtime and TensorFlow 2.21's own `experimental_from_jax` on the same functions."""

from __future__ import annotations

import collections
import functools
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from corpus import rel_error, run_interpreter, run_litert, run_litert_reference, run_tflc_runtime
from runtime_util import rep_dataset

from compiler import Optimize, TFLiteConverter
from compiler.errors import ConversionError

jax = pytest.importorskip("jax")
jnp = jax.numpy
nn = pytest.importorskip("flax.linen")

ROOT = Path(__file__).resolve().parents[1]


class MLP(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(64)(x))
        x = nn.relu(nn.Dense(32)(x))
        return nn.Dense(10)(x)


class CNN(nn.Module):
    """conv, batch norm (inference mode), max / average pooling, dense."""

    @nn.compact
    def __call__(self, x):
        x = nn.Conv(16, (3, 3))(x)
        x = nn.BatchNorm(use_running_average=True)(x)
        x = nn.relu(x)
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = nn.Conv(32, (3, 3), padding="VALID")(x)
        x = nn.relu(x)
        x = nn.avg_pool(x, (2, 2), strides=(2, 2))
        return nn.Dense(10)(x.reshape((x.shape[0], -1)))


class EncoderBlock(nn.Module):
    """Pre-norm transformer encoder block: multi-head self-attention, layer norm, GELU MLP."""

    @nn.compact
    def __call__(self, x):
        y = nn.LayerNorm()(x)
        x = x + nn.MultiHeadDotProductAttention(num_heads=4)(y, y)
        y = nn.Dense(64)(nn.LayerNorm()(x))
        return x + nn.Dense(32)(nn.gelu(y))


_MODELS = {"mlp": (MLP, (1, 20)), "cnn": (CNN, (1, 16, 16, 3)), "encoder": (EncoderBlock, (1, 8, 32))}


def _random_params(module, x, seed: int):
    """Parameters of `module` drawn with numpy at the shapes Flax's init gives (jax.eval_shape: nothing runs, so no
    XLA compilation); batch-norm variances positive."""
    shapes = jax.eval_shape(module.init, jax.random.PRNGKey(0), x)
    rng = np.random.default_rng(seed)

    def draw(path, s):
        fan_in = int(np.prod(s.shape[:-1])) if len(s.shape) > 1 else 1
        if str(path[-1]).find("var") >= 0:
            return rng.uniform(0.5, 1.5, s.shape).astype(np.float32)
        return (rng.standard_normal(s.shape) / np.sqrt(fan_in)).astype(np.float32)

    return jax.tree_util.tree_map_with_path(draw, shapes)


def _histogram(model: bytes) -> collections.Counter[str]:
    import tflite

    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    out: collections.Counter[str] = collections.Counter()
    for i in range(g.OperatorsLength()):
        oc = m.OperatorCodes(g.Operators(i).OpcodeIndex())
        out[names[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())]] += 1
    return out


@pytest.fixture(scope="module")
def flax_models():
    """name -> (function with its params applied, example input, params, module)."""
    out = {}
    for i, (name, (cls, shape)) in enumerate(_MODELS.items()):
        x = jax.random.normal(jax.random.PRNGKey(1), shape, jnp.float32)
        module = cls()
        params = _random_params(module, x, i)
        out[name] = (functools.partial(module.apply, params), np.asarray(x), params, module)
    return out


def _litert_first_output(model: bytes, x: np.ndarray) -> np.ndarray:
    """LiteRT on a model without SignatureDefs (TF's experimental_from_jax writes none)."""
    from ai_edge_litert.interpreter import Interpreter

    return run_interpreter(Interpreter(model_content=model, num_threads=1), [x])[0]


def _tf_from_jax(fn, x, **settings) -> tuple[bytes, float]:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.experimental_from_jax([fn], [[("x", x)]])
    for k, v in settings.items():
        setattr(converter, k, v)
    t0 = time.perf_counter()
    data = converter.convert()
    return data, time.perf_counter() - t0


@pytest.mark.parametrize("name", list(_MODELS))
def test_flax_model_side_by_side(flax_models, name, tmp_path):
    """Converts; LiteRT within 1e-5 of JAX (relative to the output's scale); our runtime matches LiteRT; op count
    <= TF 2.21's experimental_from_jax on the same function."""
    fn, x, params, module = flax_models[name]
    ref = np.asarray(jax.jit(fn)(x))
    mine = TFLiteConverter.experimental_from_jax([fn], [[("x", x)]]).convert()
    out = run_litert(mine, {"x": x})["output_0"]
    assert rel_error(out, ref) <= 1e-5
    path = tmp_path / "m.tflite"
    path.write_bytes(mine)
    assert rel_error(run_tflc_runtime(str(path), [x])[0], out) <= 1e-6
    theirs, _ = _tf_from_jax(functools.partial(module.apply, params), x)
    assert rel_error(_litert_first_output(theirs, x), ref) <= 1e-5  # TF's path works with this JAX too
    assert sum(_histogram(mine).values()) <= sum(_histogram(theirs).values()), (
        _histogram(mine),
        _histogram(theirs),
    )
    kinds = set(_histogram(mine))
    expected = {
        "mlp": {"FULLY_CONNECTED"},
        "cnn": {"CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED"},
        "encoder": {"FULLY_CONNECTED", "BATCH_MATMUL", "SOFTMAX", "GELU", "MEAN"},
    }[name]
    assert expected <= kinds, kinds


def test_from_jax_pytree_inputs_and_outputs():
    """from_jax names inputs by the function's parameters (pytree leaves by their path); outputs are flattened."""

    def f(x, extra):
        return {"sum": x + extra["bias"], "prod": x * extra["scale"]}

    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    extra = {"bias": np.ones(3, np.float32), "scale": np.full((2, 3), 2.0, np.float32)}
    data = TFLiteConverter.from_jax(jax.jit(f), x, extra, signature_name="main").convert()
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_content=data).get_signature_runner("main")
    assert sorted(runner.get_input_details()) == ["extra_bias", "extra_scale", "x"]
    got = runner(x=x, extra_bias=extra["bias"], extra_scale=extra["scale"])
    ref = jax.tree_util.tree_leaves(f(x, extra))  # dict leaves in key order: prod, sum
    np.testing.assert_array_equal(got["output_0"], np.asarray(ref[0]))
    np.testing.assert_array_equal(got["output_1"], np.asarray(ref[1]))


def test_two_entry_points_are_two_signatures(tmp_path):
    """Two JAX functions -> two signatures named by the functions, each callable by name (LiteRT and ours)."""
    w = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)

    def encode(x):
        return jnp.tanh(x @ w)

    def decode(z):
        return jax.nn.sigmoid(z @ w.T)

    x = np.random.default_rng(1).standard_normal((1, 8)).astype(np.float32)
    z = np.random.default_rng(2).standard_normal((1, 4)).astype(np.float32)
    data = TFLiteConverter.experimental_from_jax([encode, decode], [[("x", x)], [("z", z)]]).convert()
    from ai_edge_litert.interpreter import Interpreter

    from runtime import Interpreter as Ours

    assert sorted(Interpreter(model_content=data).get_signature_list()) == ["decode", "encode"]
    path = tmp_path / "two.tflite"
    path.write_bytes(data)
    for key, arg, fn in (("encode", {"x": x}, encode), ("decode", {"z": z}, decode)):
        out = run_litert(data, arg, signature=key)["output_0"]
        assert rel_error(out, np.asarray(fn(*arg.values()))) <= 1e-6
        ours = Ours(model_path=str(path)).get_signature_runner(key)(**arg)["output_0"]
        np.testing.assert_allclose(ours, out, rtol=1e-6, atol=1e-7)


def test_convolution_layouts_and_groups():
    """NCHW / OIHW convolutions with strides, dilation, asymmetric padding and feature groups (depthwise and
    grouped) convert exactly; the depthwise one becomes DEPTHWISE_CONV_2D."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 9, 9)).astype(np.float32)
    w_dw = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)  # 4 groups of 1 input channel, multiplier 2
    w_g = rng.standard_normal((6, 2, 2, 2)).astype(np.float32)  # 2 groups of 2 input channels
    lax = jax.lax

    def f(x):
        y = lax.conv_general_dilated(
            x,
            w_dw,
            (1, 1),
            ((1, 1), (1, 1)),
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
            feature_group_count=4,
        )
        y = lax.conv_general_dilated(
            y[:, :4],
            w_g,
            (2, 2),
            ((0, 1), (1, 0)),
            rhs_dilation=(2, 1),
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
            feature_group_count=2,
        )
        return y

    data = TFLiteConverter.from_jax(f, x).convert()
    assert rel_error(run_litert(data, {"x": x})["output_0"], np.asarray(f(x))) <= 1e-5
    assert {"DEPTHWISE_CONV_2D", "CONV_2D"} <= set(_histogram(data))


def _unsupported(x):
    y = jnp.sort(x, axis=-1)  # stablehlo.sort
    z = jnp.cumsum(x, axis=-1)  # reduce_window over a 2-D (non-NHWC) window
    return jnp.fft.fft(y).real + z + jnp.sort(-x, axis=-1)


def test_unknown_ops_are_one_error_with_source_locations():
    x = np.ones((2, 8), np.float32)
    with pytest.raises(ConversionError) as e:
        TFLiteConverter.from_jax(_unsupported, x).convert()
    msg = str(e.value)
    assert "stablehlo.sort x2" in msg and "stablehlo.fft (FFT: TFLite has the real FFT" in msg, msg
    assert "stablehlo.reduce_window (pooling windows other than NHWC" in msg, (
        msg
    )  # the cumsum, in the same error
    assert f"{Path(__file__).name}:" in msg and "jnp.sort" not in msg, msg  # JAX's source location: this file


def test_cli_jax_exported(flax_models, tmp_path):
    """`tflc convert --jax-exported FILE` converts a serialized jax.export.Exported; an unknown op fails with one
    error naming it and leaves no output file."""
    fn, x, *_ = flax_models["cnn"]
    good, bad = tmp_path / "cnn.jax", tmp_path / "bad.jax"
    good.write_bytes(jax.export.export(jax.jit(fn))(x).serialize())
    bad.write_bytes(jax.export.export(jax.jit(_unsupported))(np.ones((2, 8), np.float32)).serialize())
    out = tmp_path / "cnn.tflite"
    from typer.testing import CliRunner

    from compiler.cli import app

    result = CliRunner().invoke(app, ["convert", "--jax-exported", str(good), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert rel_error(run_litert(out.read_bytes(), {"args_0": x})["output_0"], np.asarray(fn(x))) <= 1e-5
    out2 = tmp_path / "bad.tflite"
    tflc = [sys.executable, "-m", "compiler.cli"]  # as a user runs it: one error line, exit code 1, no file
    p = subprocess.run(
        [*tflc, "convert", "--jax-exported", bad, "-o", out2, "-q"], capture_output=True, text=True
    )
    errors = [line for line in p.stderr.splitlines() if line.startswith("error:")]
    assert p.returncode == 1 and len(errors) == 1, p.stderr
    assert "stablehlo.sort" in p.stderr and "stablehlo.fft" in p.stderr and not out2.exists()


def test_importing_the_frontend_imports_no_tensorflow():
    """The JAX frontend and a whole JAX conversion run without importing TensorFlow."""
    code = (
        "import sys, numpy as np, jax.numpy as jnp\n"
        "import compiler.frontends.jax, compiler.frontends.jax_stablehlo\n"
        "assert 'tensorflow' not in sys.modules\n"
        "from compiler import TFLiteConverter\n"
        "w = np.ones((4, 3), np.float32)\n"
        "data = TFLiteConverter.from_jax(lambda x: jnp.maximum(x @ w, 0.0), np.ones((1, 4), np.float32)).convert()\n"
        "assert data[4:8] == b'TFL3' and 'tensorflow' not in sys.modules, sorted(sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr


def test_dynamic_range_quantization_matches_tf(flax_models):
    """optimizations=[DEFAULT] on a JAX-converted MLP: hybrid FULLY_CONNECTED ops as TF's experimental_from_jax
    with the same setting. TF's JAX path quantizes dense weights per tensor (its Keras path, and tflc by default,
    per channel): with per-channel dense quantization off, tflc's int8 weights are byte-identical to TF's and the
    LiteRT outputs agree."""
    fn, x, params, module = flax_models["mlp"]
    converter = TFLiteConverter.experimental_from_jax([fn], [[("x", x)]])
    converter.optimizations = [Optimize.DEFAULT]
    per_channel = converter.convert()
    assert rel_error(run_litert(per_channel, {"x": x})["output_0"], np.asarray(jax.jit(fn)(x))) <= 0.02
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    mine = converter.convert()
    import tensorflow as tf

    theirs, _ = _tf_from_jax(
        functools.partial(module.apply, params), x, optimizations=[tf.lite.Optimize.DEFAULT]
    )
    assert _histogram(mine) == _histogram(theirs)
    assert sorted(_int8_weights(mine)) == sorted(_int8_weights(theirs))
    np.testing.assert_allclose(run_litert(mine, [x])["output_0"], _litert_first_output(theirs, x), atol=1e-6)


def _int8_weights(model: bytes) -> list[bytes]:
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    out = []
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        data = m.Buffers(t.Buffer()).DataAsNumpy()
        if t.Type() == tflite.TensorType.INT8 and not isinstance(data, int):
            out.append(data.tobytes())
    return out


def test_int8_quantization_side_by_side(flax_models, tmp_path):
    """Full-integer quantization of the JAX-converted CNN: op count <= TF's experimental_from_jax with the same
    seeded representative data, outputs within two output scales of TF's int8 model, and our runtime bit-exact with
    LiteRT's reference kernels."""
    fn, x, params, module = flax_models["cnn"]
    settings = {"representative_dataset": rep_dataset([x.shape], n=8)}
    converter = TFLiteConverter.experimental_from_jax([fn], [[("x", x)]])
    converter.optimizations = [Optimize.DEFAULT]
    converter.representative_dataset = settings["representative_dataset"]
    mine = converter.convert()
    import tensorflow as tf

    theirs, _ = _tf_from_jax(
        functools.partial(module.apply, params), x, optimizations=[tf.lite.Optimize.DEFAULT], **settings
    )
    assert sum(_histogram(mine).values()) <= sum(_histogram(theirs).values()), (
        _histogram(mine),
        _histogram(theirs),
    )
    sample = np.random.default_rng(5).uniform(-1, 1, x.shape).astype(np.float32)
    path, tpath = tmp_path / "mine.tflite", tmp_path / "theirs.tflite"
    path.write_bytes(mine)
    tpath.write_bytes(theirs)
    ours_ref = run_litert_reference(str(path), [sample])[0]
    np.testing.assert_array_equal(run_tflc_runtime(str(path), [sample])[0], ours_ref)
    assert rel_error(ours_ref, np.asarray(fn(sample))) <= 0.05
    assert rel_error(ours_ref, run_litert_reference(str(tpath), [sample])[0]) <= 0.05


class _EmbedConv1D(nn.Module):
    """nn.Embed (a gather with JAX's out-of-range fill), a 1-D convolution, argmax."""

    @nn.compact
    def __call__(self, ids):
        h = nn.Conv(6, (3,))(nn.Embed(50, 8)(ids))
        return h, jnp.argmax(h, axis=-1)


def test_embedding_conv1d_argmax():
    """Embedding lookups, 1-D convolutions and argmax convert exactly: out-of-range ids give JAX's NaN fill (the
    gather's indices are clamped as StableHLO clamps them), argmax indices are identical."""
    module = _EmbedConv1D()
    ids = np.array([[1, 5, 7, 49, 0, 3]], np.int32)
    params = _random_params(module, ids, 7)
    fn = functools.partial(module.apply, params)
    data = TFLiteConverter.from_jax(fn, ids).convert()
    assert {"GATHER", "CONV_2D", "ARG_MAX"} <= set(_histogram(data))
    for sample in (ids, np.array([[1, 5, 70, -3, 0, 3]], np.int32)):
        h, am = (np.asarray(v) for v in jax.jit(fn)(sample))
        got = run_litert(data, {"args_0": sample})  # apply(*args): positional inputs are args_i
        np.testing.assert_allclose(got["output_0"], h, rtol=1e-5, atol=1e-5 * np.nanmax(np.abs(h)))
        np.testing.assert_array_equal(np.isnan(got["output_0"]), np.isnan(h))
        valid = ~np.isnan(h).any(axis=-1)
        np.testing.assert_array_equal(got["output_1"][valid], am[valid])


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_transposed_convolution(padding):
    """flax ConvTranspose (a convolution over the stride-dilated input) -> TRANSPOSE_CONV, exactly."""
    module = nn.ConvTranspose(4, (3, 3), strides=(2, 2), padding=padding)
    x = np.random.default_rng(3).standard_normal((1, 5, 6, 2)).astype(np.float32)
    fn = functools.partial(module.apply, _random_params(module, x, 3))
    data = TFLiteConverter.from_jax(fn, x).convert()
    assert "TRANSPOSE_CONV" in _histogram(data)
    assert rel_error(run_litert(data, {"args_0": x})["output_0"], np.asarray(jax.jit(fn)(x))) <= 1e-5
