"""tf.math.top_k through tflc, side by side with TensorFlow's converter on the same function: the same TOPK_V2 op
and version, the same min_runtime_version, and outputs equal to TensorFlow's (values bit for bit, indices equal) in
LiteRT's reference kernels and in our runtime. Inputs hold many ties (a tie goes to the lower index in TF and LiteRT)."""

import os
import sys

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402

SHAPE = (2, 3, 9)


def _ours(fn) -> bytes:
    return TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn).convert()


def _structure(model: bytes) -> tuple[dict[str, int], bytes, int]:
    """(builtin op name -> version, min_runtime_version, operator count) of a model's only subgraph."""
    m = tflite.Model.GetRootAsModel(model, 0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}
    ops = {}
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        ops[names[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())]] = oc.Version()
    runtime = b""
    for i in range(m.MetadataLength()):
        if m.Metadata(i).Name() == b"min_runtime_version":
            runtime = m.Buffers(m.Metadata(i).Buffer()).DataAsNumpy().tobytes().rstrip(b"\0")
    return ops, runtime, m.Subgraphs(0).OperatorsLength()


def _ties(dtype, shape=SHAPE, seed=0) -> np.ndarray:
    lo, hi = (0, 7) if np.dtype(dtype) == np.uint8 else (-3, 4)
    return np.random.default_rng(seed).integers(lo, hi, shape).astype(dtype)


def _check_outputs(model: bytes, inputs: list[np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> None:
    for interp in (ru.litert(model), ru.ours(model)):
        got = ru.run(interp, inputs)
        assert len(got) == 2
        for name, g, w in zip(("values", "indices"), got, want, strict=True):
            assert g.dtype == w.dtype and g.shape == w.shape, (
                type(interp).__module__,
                name,
                g.dtype,
                g.shape,
            )
            np.testing.assert_array_equal(g, w, err_msg=f"{type(interp).__module__} {name}")


_CASES = [
    ("float32", "int32", 3),
    ("float32", "int32", SHAPE[-1]),
    ("float32", "int32", 0),
    ("int8", "int32", 4),  # version 2
    ("int16", "int32", 2),  # version 3
    ("float32", "int16", 5),  # int16 indices: version 3
    ("int32", "int32", 1),
    ("int64", "int32", 6),
    ("uint8", "int32", 3),
]


@pytest.mark.parametrize(("dtype", "index_type", "k"), _CASES, ids=[f"{d}-{i}-k{k}" for d, i, k in _CASES])
def test_top_k_matches_tensorflow_converter(dtype, index_type, k):
    @tf.function(input_signature=[tf.TensorSpec(SHAPE, dtype, name="x")])
    def f(x):
        return tf.math.top_k(x, k=k, index_type=tf.as_dtype(index_type))

    ours, theirs = _ours(f), ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    # k = 0 selects nothing: both converters fold the outputs to empty constants
    assert set(_structure(ours)[0]) == ({"TOPK_V2"} if k else set())
    for seed in range(2):
        x = _ties(dtype, seed=seed)
        if dtype == "float32":
            x = x + np.random.default_rng(seed).choice([0.0, 0.25], SHAPE).astype(np.float32)
        ref = f(tf.constant(x))
        _check_outputs(ours, [x], (ref.values.numpy(), ref.indices.numpy()))


def test_computed_k_gives_a_dynamic_last_dimension():
    """k as a model input: the output's last dimension is k at run time, in both interpreters."""

    @tf.function(
        input_signature=[tf.TensorSpec([4, 8], tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="k")]
    )
    def f(x, k):
        return tf.math.top_k(x, k=k)

    ours, theirs = _ours(f), ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    x = _ties(np.float32, (4, 8), seed=3)
    for k in (1, 3, 8):  # LiteRT cannot read back a dynamic tensor of zero elements (k = 0)
        ref = f(tf.constant(x), tf.constant(k, tf.int32))
        _check_outputs(ours, [x, np.array(k, np.int32)], (ref.values.numpy(), ref.indices.numpy()))


def test_unsorted_top_k_is_a_sorted_top_k():
    """sorted=False leaves TF's order unspecified; TOPK_V2 returns the same k entries, sorted, as TF's converter."""

    @tf.function(input_signature=[tf.TensorSpec(SHAPE, tf.float32, name="x")])
    def f(x):
        return tf.math.top_k(x, k=4, sorted=False)

    ours, theirs = _ours(f), ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    x = np.random.default_rng(5).normal(size=SHAPE).astype(np.float32)
    ref = tf.math.top_k(tf.constant(x), k=4, sorted=True)
    _check_outputs(ours, [x], (ref.values.numpy(), ref.indices.numpy()))


def test_float64_top_k_is_refused_with_the_op_named():
    """LiteRT's TOPK_V2 has no float64 kernel: the conversion fails naming the op, not a different model."""
    from compiler.errors import TflcError

    @tf.function(input_signature=[tf.TensorSpec(SHAPE, tf.float64, name="x")])
    def f(x):
        return tf.math.top_k(x, k=2)

    with pytest.raises(TflcError, match="TopKV2"):
        _ours(f)
