"""The rest of TensorFlow's builtin legalizations (issue 10, deliverable 3), side by side with TensorFlow's converter
on the same tf.function: the same builtin ops and versions, min_runtime_version and operator count, LiteRT outputs
of our file equal to those of TF's file (float: within 1e-5 of the output's scale; integers exact), our runtime
equal to LiteRT, LiteRT equal to TensorFlow; and no Flex op where TF needs none."""

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
from test_legalize_more import _side_by_side, _spec  # noqa: E402
from test_legalize_topk import _structure  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402


def _ints(shape, lo, hi, dtype, seed=0):
    return np.random.default_rng(seed).integers(lo, hi, shape).astype(dtype)


def _xla_dynamic_update_slice(x, u, i):
    from tensorflow.compiler.tf2xla.python import xla

    return xla.dynamic_update_slice(x, u, i)


_RNG = np.random.default_rng(11)
_LABELS = np.abs(_RNG.standard_normal((3, 5))).astype(np.float32)

# name -> (function, input specs, inputs or None for random floats in [-2, 2])
_CASES = {
    "broadcast_args": (
        lambda a, b: tf.raw_ops.BroadcastArgs(s0=a, s1=b),
        [_spec((3,), "int32", "a"), _spec((2,), "int32", "b")],
        [np.array([4, 1, 3], np.int32), np.array([5, 1], np.int32)],
    ),
    "broadcast_args_int64": (
        lambda a, b: tf.raw_ops.BroadcastArgs(s0=a, s1=b),
        [_spec((2,), "int64", "a"), _spec((4,), "int64", "b")],
        [np.array([1, 7], np.int64), np.array([2, 3, 1, 7], np.int64)],
    ),
    "bitwise_xor_int32": (
        tf.bitwise.bitwise_xor,
        [_spec((2, 3), "int32"), _spec((3,), "int32", "y")],
        [_ints((2, 3), -1000, 1000, np.int32), _ints((3,), -1000, 1000, np.int32, 1)],
    ),
    "bitwise_xor_uint8": (
        tf.bitwise.bitwise_xor,
        [_spec((4,), "uint8"), _spec((4,), "uint8", "y")],
        [_ints((4,), 0, 256, np.uint8), _ints((4,), 0, 256, np.uint8, 1)],
    ),
    "right_shift_int16": (
        tf.bitwise.right_shift,
        [_spec((2, 4), "int16"), _spec((2, 4), "int16", "y")],
        [_ints((2, 4), -30000, 30000, np.int16), _ints((2, 4), 0, 16, np.int16, 1)],
    ),
    "right_shift_int32_broadcast": (
        tf.bitwise.right_shift,
        [_spec((3, 2), "int32"), _spec((1, 2), "int32", "y")],
        [_ints((3, 2), -(2**31), 2**31 - 1, np.int32), np.array([[3, 31]], np.int32)],
    ),
    "reverse_sequence": (
        lambda x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
        [_spec((3, 5, 2)), _spec((3,), "int32", "n")],
        [_RNG.standard_normal((3, 5, 2)).astype(np.float32), np.array([5, 0, 3], np.int32)],
    ),
    "reverse_sequence_batch_last": (
        lambda x: tf.reverse_sequence(x, [2, 4], seq_axis=0, batch_axis=1),
        [_spec((4, 2), "int32")],
        [_ints((4, 2), -9, 9, np.int32)],
    ),
    "bucketize": (
        lambda x: tf.raw_ops.Bucketize(input=x, boundaries=[-1.0, 0.0, 0.5, 1.5]),
        [_spec((3, 4))],
        [np.array([[-3, -1, -0.5, 0], [0.25, 0.5, 1, 1.5], [2, 1.49, -1.01, 7]], np.float32)],
    ),
    "bucketize_int32": (
        lambda x: tf.raw_ops.Bucketize(input=x, boundaries=[-2.0, 3.0]),
        [_spec((5,), "int32")],
        [np.array([-5, -2, 0, 3, 9], np.int32)],
    ),
    "lrn": (lambda x: tf.nn.local_response_normalization(x, 2, 1.5, 0.3, 0.75), [_spec((1, 3, 3, 7))], None),
    "lrn_default": (lambda x: tf.nn.lrn(x), [_spec((2, 2, 2, 12))], None),
    "softmax_cross_entropy": (
        lambda x: tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=x, labels=_LABELS),
        [_spec((3, 5))],
        None,
    ),  # fmt: skip
    "dynamic_update_slice": (
        lambda x, i: _xla_dynamic_update_slice(x, tf.ones((2, 2)), i),
        [_spec((4, 5)), _spec((2,), "int32", "i")],
        [_RNG.standard_normal((4, 5)).astype(np.float32), np.array([3, -1], np.int32)],  # clamped to [2, 0]
    ),
    "dynamic_update_slice_int32": (
        lambda x, u: _xla_dynamic_update_slice(x, u, tf.constant([1, 0, 2])),
        [_spec((2, 3, 4), "int32"), _spec((1, 2, 2), "int32", "u")],
        [_ints((2, 3, 4), -9, 9, np.int32), _ints((1, 2, 2), 10, 20, np.int32, 1)],
    ),
    "dynamic_update_slice_int16_int64_indices": (
        lambda x, i: _xla_dynamic_update_slice(x, tf.zeros((1, 2), tf.int16), i),
        [_spec((3, 4), "int16"), _spec((2,), "int64", "i")],
        [_ints((3, 4), -9, 9, np.int16), np.array([1, 5], np.int64)],
    ),
    "sparse_to_dense": (
        lambda v: tf.raw_ops.SparseToDense(
            sparse_indices=[[0, 1], [2, 3]], output_shape=[3, 5], sparse_values=v, default_value=-1.0
        ),
        [_spec((2,), name="v")],
        None,
    ),  # fmt: skip
    **{
        f"sparse_to_dense_{dt}": (
            lambda v, dt=dt: tf.raw_ops.SparseToDense(
                sparse_indices=[[0, 1], [2, 3]],
                output_shape=[3, 5],
                sparse_values=v,
                default_value=tf.constant(1, dt),
            ),
            [_spec((2,), dt, "v")],
            [np.array([5, 7], dt)],
        )
        for dt in ("int64", "int8", "uint8")  # versions 2, 3, 3
    },
    "sparse_to_dense_runtime_indices": (
        lambda i: tf.raw_ops.SparseToDense(
            sparse_indices=i, output_shape=[6], sparse_values=7, default_value=0
        ),
        [_spec((3,), "int32", "i")],
        [np.array([0, 4, 5], np.int32)],
    ),
}


@pytest.mark.parametrize("name", list(_CASES))
def test_matches_tensorflow_converter(name):
    fn, specs, inputs = _CASES[name]
    kw = {}
    if name.startswith("lrn"):
        # LiteRT's reference LRN sums channels [c - r, c + r), one short of TF's window; its builtin kernel (and
        # ours) sums [c - r, c + r] as TensorFlow
        from ai_edge_litert.interpreter import OpResolverType

        kw["experimental_op_resolver_type"] = OpResolverType.BUILTIN
    _side_by_side(fn, specs, inputs, **kw)


@pytest.mark.parametrize(("dtype", "shape"), [("bool", (3, 4)), ("float32", (2, 3, 2)), ("int32", (5,))])
def test_where_dynamic_output(dtype, shape):
    # the row count of WHERE's output depends on the values: a dynamic tensor in both runtimes
    x = _ints(shape, 0, 2, np.int32, 3) * _ints(shape, -3, 4, np.int32, 4)
    x = x.astype(dtype)
    fn = tf.where if dtype == "bool" else (lambda x: tf.where(x))
    f = tf.function(fn, input_signature=[_spec(shape, dtype)])
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    want = f(x).numpy()
    for interp in (ru.litert(theirs), ru.litert(ours), ru.ours(ours)):
        np.testing.assert_array_equal(ru.run(interp, [x])[0], want)
    np.testing.assert_array_equal(
        ru.run(ru.ours(ours), [np.zeros(shape, dtype)])[0], np.zeros((0, len(shape)))
    )


@pytest.mark.parametrize(("dtype", "out_idx"), [("float32", "int32"), ("int32", "int64"), ("int8", "int32")])
def test_unique_dynamic_output(dtype, out_idx):
    # the distinct values have a data-dependent length: a dynamic tensor in both runtimes
    x = np.array([3, -1, 3, 0, 7, -1, -1, 2], dtype)
    f = tf.function(
        lambda x: tf.unique(x, out_idx=getattr(tf, out_idx)), input_signature=[_spec((8,), dtype)]
    )
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    want = [t.numpy() for t in f(x)]
    for interp in (ru.litert(theirs), ru.litert(ours), ru.ours(ours)):
        got = ru.run(interp, [x])
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
            assert g.dtype == w.dtype


def test_rank_of_an_unranked_input():
    # a known rank folds (both converters); RANK remains for an unranked input, which tflc's frontend refuses
    # (static shapes), so the kernel runs TF's file, against LiteRT, after resizing the input
    f = tf.function(tf.rank, input_signature=[tf.TensorSpec(None, tf.float32)])
    theirs = ru.convert(f)
    assert _structure(theirs)[0] == {"RANK": 1}
    for shape in [(2, 3, 4), (5,), ()]:
        x = np.ones(shape, np.float32)
        got = []
        for interp in (ru.litert(theirs), ru.ours(theirs)):
            interp.resize_tensor_input(interp.get_input_details()[0]["index"], list(shape))
            got.append(np.asarray(ru.run(interp, [x])[0]))
        assert got[0] == got[1] == len(shape) and got[1].dtype == np.int32


@pytest.mark.parametrize(
    ("draw", "shape", "seed"),
    [("uniform", (2, 3), 7), ("uniform", (5,), 123), ("normal", (3, 7), 9), ("normal", (1,), 2)],
)
def test_random_draws_litert_stream(draw, shape, seed):
    # LiteRT's RANDOM_UNIFORM draws Philox keyed by the op's seeds, continuing across invocations: the same file
    # gives the same numbers in LiteRT and our runtime (TF's own kernel draws another stream from these seeds)
    tf.random.set_seed(5)
    sample = tf.random.uniform if draw == "uniform" else tf.random.normal
    f = tf.function(lambda x: x + sample(shape, seed=seed), input_signature=[_spec(shape)])
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    x = np.zeros(shape, np.float32)
    draws = []
    for interp in (ru.litert(theirs), ru.litert(ours), ru.ours(ours)):
        interp.allocate_tensors()
        i, o = interp.get_input_details()[0]["index"], interp.get_output_details()[0]["index"]
        runs = []
        for _ in range(3):
            interp.set_tensor(i, x)
            interp.invoke()
            runs.append(interp.get_tensor(o).copy())
        draws.append(np.stack(runs))
    np.testing.assert_array_equal(draws[1], draws[0])
    np.testing.assert_array_equal(draws[2], draws[1])
    assert len(np.unique(draws[0])) == draws[0].size
    if draw == "uniform":
        assert np.all((draws[0] >= 0) & (draws[0] < 1))


def test_builtins_stay_builtins_with_select_tf_ops():
    """Every model above converts with SELECT_TF_OPS on to the same builtins as without: no Flex where TF needs
    none."""
    for name, (fn, specs, _) in _CASES.items():
        f = tf.function(fn, input_signature=specs)
        conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
        conv.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS}
        ops = _structure(conv.convert())[0]
        assert "CUSTOM" not in ops, name


def test_erf_decomposed_where_tensorflow_converter_needs_flex():
    # TF 2.21's converter writes a standalone Erf only as FlexErf; ours writes builtins within 2e-7 of erf
    from scipy.special import erf

    f = tf.function(tf.math.erf, input_signature=[_spec((4001,))])
    theirs = ru.convert(f, select_tf=True)
    assert "CUSTOM" in _structure(theirs)[0]
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    assert "CUSTOM" not in _structure(ours)[0]
    x = np.linspace(-6.0, 6.0, 4001, dtype=np.float32)
    x[:6] = [0.0, -0.0, 1e-30, -3e-8, np.inf, -np.inf]
    exact = erf(x.astype(np.float64))
    got = ru.run(ru.litert(ours), [x])[0]
    assert np.max(np.abs(got - exact)) < 2e-7
    ru.assert_match(got, f(x).numpy(), "LiteRT vs TensorFlow")
    ru.assert_match(ru.run(ru.ours(ours), [x])[0], got, "tflc runtime vs LiteRT")
    dense = np.linspace(-4.5, 4.5, 4001, dtype=np.float32)
    assert np.max(np.abs(ru.run(ru.litert(ours), [dense])[0] - erf(dense.astype(np.float64)))) < 2e-7
