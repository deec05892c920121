"""Complex numbers and the real FFT (issue 10: RFFT2D, RFFT, Real, Imag, ComplexAbs, Complex), side by side with
TensorFlow's converter on the same tf.function: the same builtin ops and versions, min_runtime_version and
operator count; LiteRT on our file equal to LiteRT on TF's (within 1e-5 of the output's scale); our runtime equal to
LiteRT; LiteRT equal to TensorFlow; no Flex op where TF needs none. complex64 outputs are compared as their
(re, im) float32 pairs."""

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
from test_legalize_more import _spec  # noqa: E402
from test_legalize_topk import _structure  # noqa: E402
from test_select_tf import assert_same_ops  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402
from compiler.errors import ConversionError  # noqa: E402


def _pairs(a) -> np.ndarray:
    """A complex array as its (re, im) parts along a new last axis; other arrays unchanged."""
    a = np.asarray(a)
    return np.stack([a.real, a.imag], -1) if a.dtype.kind == "c" else a


def _random(spec, rng) -> np.ndarray:
    shape, dtype = spec.shape.as_list(), spec.dtype.as_numpy_dtype
    if spec.dtype.is_complex:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.uniform(-2.0, 2.0, shape).astype(dtype)


def _ours(f, select_tf: bool = False) -> bytes:
    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    if select_tf:
        conv.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS}
    return conv.convert()


def _check_outputs(f, ours: bytes, theirs: bytes | None, inputs: list[np.ndarray]) -> None:
    got = ru.run(ru.litert(ours), inputs)
    mine = ru.run(ru.ours(ours), inputs)
    ref = f(*inputs)
    ref = [r.numpy() for r in (ref if isinstance(ref, list | tuple) else [ref])]
    want = ru.run(ru.litert(theirs), inputs) if theirs is not None else ref
    assert len(got) == len(want) == len(mine) == len(ref)
    for g, w, m, r in zip(got, want, mine, ref, strict=True):
        assert g.dtype == w.dtype == m.dtype == r.dtype
        ru.assert_match(_pairs(g), _pairs(w), "LiteRT on tflc's file vs TF's file")
        ru.assert_match(_pairs(m), _pairs(g), "tflc runtime vs LiteRT")
        ru.assert_match(_pairs(g), _pairs(r), "LiteRT vs TensorFlow")


def _stft_magnitude(x):
    # a spectrogram: frames of 64 with hop 32, Hann window, |rfft| (tf.signal.stft's 33 bins)
    return tf.abs(tf.signal.stft(x, frame_length=64, frame_step=32, fft_length=64))


_C = tf.constant([1 + 2j, 3 - 1j], tf.complex64)
_R = tf.constant([0.5, -4.0])

# name -> (function, input specs)
_CASES = {
    "rfft": (tf.signal.rfft, [_spec((3, 16))]),
    "rfft_vector": (tf.signal.rfft, [_spec((32,))]),
    "rfft_crop": (lambda x: tf.signal.rfft(x, fft_length=[8]), [_spec((2, 16))]),
    "rfft_zero_pad": (lambda x: tf.signal.rfft(x, fft_length=[32]), [_spec((2, 3, 20))]),
    "rfft2d": (tf.signal.rfft2d, [_spec((2, 8, 16))]),
    "rfft2d_crop_pad": (lambda x: tf.signal.rfft2d(x, fft_length=[16, 8]), [_spec((2, 10, 12))]),
    "rfft2d_rank4": (lambda x: tf.signal.rfft2d(x, fft_length=[4, 64]), [_spec((2, 3, 4, 50))]),
    "real_of_rfft": (lambda x: tf.math.real(tf.signal.rfft(x)), [_spec((2, 16))]),
    "imag_of_rfft": (lambda x: tf.math.imag(tf.signal.rfft(x)), [_spec((2, 16))]),
    "abs_of_rfft": (lambda x: tf.abs(tf.signal.rfft(x)), [_spec((2, 16))]),
    "complex64_input": (
        lambda z: (tf.math.real(z), tf.math.imag(z), tf.abs(z)),
        [_spec((2, 3), "complex64", "z")],
    ),
    "complex128_input": (
        lambda z: (tf.math.real(z), tf.math.imag(z), tf.abs(z)),
        [_spec((4,), "complex128", "z")],
    ),
    "spectrogram": (_stft_magnitude, [_spec((1, 512))]),
    # constants fold (TF's converter folds them with TF's kernels): one ADD/MUL left
    "imag_of_constant": (lambda x: x + tf.math.imag(_C), [_spec((2,))]),
    "abs_of_constant": (lambda x: x * tf.abs(_C), [_spec((2,))]),
    "rfft_of_constant": (
        lambda x: x + tf.abs(tf.signal.rfft(tf.constant([1.0, 2.0, 3.0, 4.0])))[:2],
        [_spec((2,))],
    ),
    "complex_of_constants": (lambda x: x + tf.abs(tf.complex(_R, -_R)), [_spec((2,))]),
    "complex_constant_output": (lambda x: (x + 1, tf.reshape(_C, [2, 1])), [_spec((2,))]),
}


@pytest.mark.parametrize("name", list(_CASES))
def test_matches_tensorflow_converter(name):
    fn, specs = _CASES[name]
    f = tf.function(fn, input_signature=specs)
    ours, theirs = _ours(f), ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    rng = np.random.default_rng(7)
    _check_outputs(f, ours, theirs, [_random(s, rng) for s in specs])


def test_spectrogram_ops_as_tensorflow_writes_them():
    # tf.signal.stft -> |.|: frames gathered, windowed, one RFFT2D of height 1 between reshapes, COMPLEX_ABS
    f = tf.function(_stft_magnitude, input_signature=[_spec((1, 512))])
    ops, runtime, count = _structure(_ours(f))
    assert ops == {"RESHAPE": 1, "GATHER": 1, "MUL": 1, "RFFT2D": 1, "COMPLEX_ABS": 1}
    assert (runtime, count) == (b"2.5.0", 8)


def test_builtins_stay_builtins_with_select_tf_ops():
    """Every model above converts with SELECT_TF_OPS on to the same builtins as without: no Flex where TF needs
    none."""
    for name, (fn, specs) in _CASES.items():
        f = tf.function(fn, input_signature=specs)
        assert "CUSTOM" not in _structure(_ours(f, select_tf=True))[0], name


def _flex_ops(model: bytes) -> list[tuple[bytes, bytes]]:
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    sg, out = m.Subgraphs(0), []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex()).CustomCode()
        if code is not None:
            out.append((code, op.CustomOptionsAsNumpy().tobytes()))
    return out


def test_complex_decomposed_where_tensorflow_converter_needs_flex():
    # TF 2.21 cannot write tf.Complex as a builtin (the schema has no COMPLEX): it needs SELECT_TF_OPS and writes
    # FlexComplex. Ours writes PACK + BITCAST (complex64 is the (re, im) float32 pair), exact; with SELECT_TF_OPS
    # ours writes FlexComplex as TF does.
    f = tf.function(
        lambda x, y: (tf.complex(x, y), tf.abs(tf.complex(y, x))),
        input_signature=[_spec((2, 5)), _spec((2, 5), name="y")],
    )
    with pytest.raises(Exception, match="Complex"):
        ru.convert(f)
    ours = _ours(f)
    ops = _structure(ours)[0]
    assert ops == {"PACK": 1, "BITCAST": 1, "COMPLEX_ABS": 1}
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 2, 5)).astype(np.float32)
    _check_outputs(f, ours, None, [x, y])
    z = ru.run(ru.ours(ours), [x, y])[0]
    np.testing.assert_array_equal(z, x + 1j * y)  # the bitcast is exact
    flex_ours, flex_theirs = _ours(f, select_tf=True), ru.convert(f, select_tf=True)
    assert _structure(flex_ours) == _structure(flex_theirs)
    assert {code for code, _ in _flex_ops(flex_ours)} == {b"FlexComplex"}
    assert_same_ops(flex_ours, flex_theirs)  # custom_options as TF writes them (NodeDef attrs in any order)
    for g, r in zip(ru.run(ru.ours(flex_ours), [x, y]), f(x, y), strict=True):  # Flex nodes run through TF
        np.testing.assert_array_equal(g, r.numpy())


def test_rfft2d_fft_length_computed_at_run_time():
    # a run-time fft_length: RFFT2D as TF writes it, the output sized at invoke (a dynamic tensor in both runtimes)
    f = tf.function(
        lambda x, n: tf.raw_ops.RFFT2D(input=x, fft_length=n),
        input_signature=[_spec((2, 8, 16)), _spec((2,), "int32", "n")],
    )
    ours, theirs = _ours(f), ru.convert(f)
    assert _structure(ours) == _structure(theirs) == ({"RFFT2D": 1}, b"2.5.0", 1)
    x = np.random.default_rng(2).standard_normal((2, 8, 16)).astype(np.float32)
    for n in ([4, 8], [2, 16], [8, 16]):
        _check_outputs(f, ours, theirs, [x, np.array(n, np.int32)])


def test_rfft_length_not_a_power_of_two_refused():
    # LiteRT's RFFT2D kernel runs only power-of-2 lengths: TF's converter writes the op anyway and LiteRT refuses
    # the file when allocating; ours names the op at conversion (or, with SELECT_TF_OPS, writes FlexRFFT)
    f = tf.function(lambda x: tf.signal.rfft(x, fft_length=[12]), input_signature=[_spec((2, 16))])
    theirs = ru.convert(f)
    assert "RFFT2D" in _structure(theirs)[0]
    with pytest.raises(RuntimeError):
        ru.litert(theirs).allocate_tensors()
    with pytest.raises(RuntimeError, match="power of 2"):
        ru.ours(theirs).allocate_tensors()
    with pytest.raises(ConversionError, match="RFFT"):
        _ours(f)
    assert [code for code, _ in _flex_ops(_ours(f, select_tf=True))] == [b"FlexRFFT"]


def test_complex_tensors_through_signature_runner():
    # complex64 in and out of a signature, in our runtime as in LiteRT (numpy complex64 arrays)
    f = tf.function(
        lambda z, x: (tf.math.real(z) + x, tf.signal.rfft(x)),
        input_signature=[_spec((4,), "complex64", "z"), _spec((4,), name="x")],
    )
    model = _ours(f)
    z = np.array([1 + 2j, -3j, 4, 0.5 - 0.5j], np.complex64)
    x = np.arange(4, dtype=np.float32)
    outs = []
    for interp in (ru.litert(model), ru.ours(model)):
        runner = interp.get_signature_runner()
        outs.append(runner(z=z, x=x))
    assert outs[0].keys() == outs[1].keys()
    for key in outs[0]:
        assert outs[1][key].dtype == outs[0][key].dtype
        np.testing.assert_array_equal(outs[1][key], outs[0][key])
    assert {a.dtype for a in outs[1].values()} == {np.dtype(np.float32), np.dtype(np.complex64)}
    interp = ru.ours(model)
    interp.allocate_tensors()
    detail = next(d for d in interp.get_input_details() if d["dtype"] == np.complex64)
    interp.set_tensor(detail["index"], z)
    np.testing.assert_array_equal(interp.get_tensor(detail["index"]), z)


def test_jax_fft_and_complex_parts():
    # the JAX frontend: stablehlo.fft (RFFT, 1-D and 2-D), real, imag, abs of complex and complex -> the same
    # builtins as the TF path; LiteRT and our runtime equal to JAX
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def f(x, y):
        z = jnp.fft.rfft(x)
        c = jax.lax.complex(x, y)
        return jnp.abs(z), jnp.real(z), jnp.imag(jnp.fft.rfft2(x.reshape(2, 4, 4))), jnp.abs(c), c

    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 2, 16)).astype(np.float32)
    model = TFLiteConverter.from_jax(f, x, y).convert()
    ops = _structure(model)[0]
    assert set(ops) == {"RESHAPE", "RFFT2D", "COMPLEX_ABS", "REAL", "IMAG", "PACK", "BITCAST"}
    want = [np.asarray(a) for a in f(x, y)]
    for interp in (ru.litert(model), ru.ours(model)):
        got = ru.run(interp, [x, y])
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype
            ru.assert_match(_pairs(g), _pairs(w), "vs JAX")
