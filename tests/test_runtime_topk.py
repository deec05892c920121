"""TOPK_V2 kernels against LiteRT's reference kernels (BUILTIN_REF) on models from TensorFlow's converter: float32 in
exact order and value, integer and int8 values bit for bit, indices equal; ties (lower index first), k = 1 and k =
the last dimension; k given as a constant and as a model input (dynamic output shape)."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

SHAPE = (2, 3, 12)


def _topk_fn(k: int, dtype=tf.float32, shape=SHAPE, index_type=tf.int32):
    @tf.function(input_signature=[tf.TensorSpec(shape, dtype, name="x")])
    def f(x):
        values, indices = tf.math.top_k(x, k=k, index_type=index_type)
        return values, indices

    return f


def _ties(dtype, seed=0, shape=SHAPE):
    """Values drawn from a handful of levels, so most rows hold equal entries."""
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 4, shape).astype(dtype)


def _check(model: bytes, inputs: list) -> tuple[np.ndarray, np.ndarray]:
    """Runs both interpreters; asserts values bit for bit (a selection copies floats too) and indices equal. Returns
    (values, indices): the model's outputs in that order, as the functions below return them."""
    want = ru.run(ru.litert(model), inputs)
    got = ru.run(ru.ours(model), inputs)
    assert len(got) == len(want) == 2 and want[1].dtype in (np.int32, np.int16)
    for name, g, w in zip(("values", "indices"), got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, name
        np.testing.assert_array_equal(g, w, err_msg=name)
    return got[0], got[1]


def _ops(model: bytes) -> dict[str, int]:
    from runtime import _tflrt

    m = ru.model_object(model)
    return {
        _tflrt.op_name(max(oc.builtinCode, oc.deprecatedBuiltinCode)): oc.version for oc in m.operatorCodes
    }


@pytest.mark.parametrize("k", [1, 5, SHAPE[-1]])
def test_float32_matches_litert_and_tensorflow(k):
    f = _topk_fn(k)
    model = ru.convert(f)
    assert _ops(model) == {"TOPK_V2": 1}
    for x in (np.random.default_rng(k).normal(size=SHAPE).astype(np.float32), _ties(np.float32, seed=k)):
        values, indices = _check(model, [x])
        want = tf.math.top_k(x, k=k)
        np.testing.assert_array_equal(values, want.values.numpy())
        np.testing.assert_array_equal(indices, want.indices.numpy())


def test_ties_go_to_the_lower_index():
    x = np.array([[1, 3, 3, 0, 3, 1, 1, 2]], np.float32)
    model = ru.convert(_topk_fn(6, shape=x.shape))
    values, indices = _check(model, [x])
    assert values.tolist() == [[3, 3, 3, 2, 1, 1]]
    assert indices.tolist() == [[1, 2, 4, 7, 0, 5]]


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int8, np.int16])
def test_integer_values(dtype):
    """Plain (unquantized) integer tensors, as TensorFlow's converter keeps them."""
    model = ru.convert(_topk_fn(4, tf.as_dtype(dtype)))
    assert _ops(model) == {"TOPK_V2": {np.int8: 2, np.int16: 3}.get(dtype, 1)}
    _check(model, [_ties(dtype, seed=3)])
    rng = np.random.default_rng(4)
    info = np.iinfo(dtype)
    _check(model, [rng.integers(info.min, info.max, SHAPE, endpoint=True).astype(dtype)])


@pytest.mark.parametrize("k", [1, 3, SHAPE[-1]])
def test_int8_full_integer_quantization(k):
    f = _topk_fn(k)
    model = ru.convert(f, quantize="int8", representative=ru.rep_dataset([SHAPE]), int8_io=True)
    assert _ops(model)["TOPK_V2"] == 2
    ref = ru.litert(model)
    (xin,) = ref.get_input_details()
    assert xin["dtype"] == np.int8
    rng = np.random.default_rng(k)
    x = np.clip(np.round(rng.normal(size=SHAPE) * 20), -128, 127).astype(np.int8)
    _check(model, [x])
    _check(model, [_ties(np.int8, seed=k)])


def test_int16_indices():
    """TOPK_V2 version 3: int16 indices output."""
    model = ru.convert(_topk_fn(5, index_type=tf.int16))
    assert _ops(model) == {"TOPK_V2": 3}
    x = _ties(np.float32, seed=5)
    values, indices = _check(model, [x])
    assert indices.dtype == np.int16
    np.testing.assert_array_equal(indices, tf.math.top_k(x, k=5).indices.numpy())


def test_k_as_a_model_input_gives_dynamic_outputs():
    @tf.function(
        input_signature=[tf.TensorSpec(SHAPE, tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="k")]
    )
    def f(x, k):
        values, indices = tf.math.top_k(x, k=k)
        return values, indices

    model = ru.convert(f)
    assert "TOPK_V2" in _ops(model)
    x = _ties(np.float32, seed=7)
    for k in (1, 7, SHAPE[-1]):
        values, indices = _check(model, [x, np.array(k, np.int32)])
        assert values.shape == (*SHAPE[:-1], k)


def test_k_beyond_the_last_dimension_is_an_error():
    @tf.function(
        input_signature=[tf.TensorSpec(SHAPE, tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="k")]
    )
    def f(x, k):
        return tf.math.top_k(x, k=k).values

    model = ru.convert(f)
    mine = ru.ours(model)
    mine.allocate_tensors()
    mine.set_tensor(mine.get_input_details()[0]["index"], _ties(np.float32))
    mine.set_tensor(mine.get_input_details()[1]["index"], np.array(SHAPE[-1] + 1, np.int32))
    with pytest.raises(RuntimeError, match=r"TOPK_V2.*k = 13 outside \[0, 12\]"):
        mine.invoke()
