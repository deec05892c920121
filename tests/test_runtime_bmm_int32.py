"""int8 x int8 -> int32 BATCH_MATMUL (TF's BatchMatMulV3 with Tout=int32) in the C runtime.

Each model is written by TensorFlow's converter. LiteRT's reference kernel stores the raw int32 sum of products of
the int8 operands (no zero points, no scales, broadcast batch dims); our runtime must be bit-exact with
ai_edge_litert under OpResolverType.BUILTIN_REF and equal to TensorFlow's own result.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ai_edge_litert.interpreter as litert  # noqa: E402
import tensorflow as tf  # noqa: E402

import runtime  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (lhs shape, rhs shape, adj_x, adj_y)
CASES = [
    ((3, 4), (4, 5), False, False),
    ((2, 3, 7), (2, 7, 5), False, False),
    ((2, 3, 9), (2, 5, 9), False, True),
    ((2, 13, 3), (2, 13, 6), True, False),
    ((1, 11, 4), (3, 6, 11), True, True),
    ((2, 1, 3, 17), (4, 17, 2), False, False),
    ((3, 5), (2, 2, 5, 33), False, False),
    ((2, 1, 2, 6, 10), (1, 3, 1, 10, 4), False, False),
]


def _model(ls, rs, adj_x, adj_y) -> tuple[bytes, tf.types.experimental.ConcreteFunction]:
    @tf.function(input_signature=[tf.TensorSpec(ls, tf.int8), tf.TensorSpec(rs, tf.int8)])
    def bmm(x, y):
        return tf.raw_ops.BatchMatMulV3(x=x, y=y, Tout=tf.int32, adj_x=adj_x, adj_y=adj_y)

    conv = tf.lite.TFLiteConverter.from_concrete_functions([bmm.get_concrete_function()], bmm)
    return conv.convert(), bmm.get_concrete_function()


def _run(interp, xs):
    interp.allocate_tensors()
    for d, x in zip(interp.get_input_details(), xs, strict=True):
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def _inputs(ls, rs, kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "random":
        return [rng.integers(-128, 128, s, dtype=np.int8) for s in (ls, rs)]
    if kind == "min":  # -128 * -128 summed: the largest positive sums
        return [np.full(ls, -128, np.int8), np.full(rs, -128, np.int8)]
    # mixed extremes: -128 * 127 and 127 * 127 products
    return [rng.choice(np.array([-128, 127], np.int8), s) for s in (ls, rs)]


@pytest.mark.parametrize("ls,rs,adj_x,adj_y", CASES)
def test_bmm_int8_int32_matches_litert_ref_and_tf(ls, rs, adj_x, adj_y):
    content, fn = _model(ls, rs, adj_x, adj_y)
    ours = runtime.Interpreter(model_content=content, num_threads=1)
    ref = litert.Interpreter(
        model_content=content, num_threads=1, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    ops = {op["op_name"] for op in ref._get_ops_details()}
    assert ops == {"BATCH_MATMUL"}, ops
    for seed, kind in enumerate(("random", "min", "extremes")):
        xs = _inputs(ls, rs, kind, seed)
        got = _run(ours, xs)
        want = _run(ref, xs)
        tf_out = fn(*[tf.constant(x) for x in xs]).numpy()
        assert got.dtype == np.int32 and want.dtype == np.int32
        assert np.array_equal(got, want), (kind, got, want)
        assert np.array_equal(got, tf_out), kind


def test_bmm_int8_int32_ignores_scales_and_zero_points():
    """With quantization parameters on the int8 operands (as a QAT graph may carry), LiteRT still stores the raw sums:
    zero points are not subtracted. The parameters are added to TF's converted model with the schema's object API."""
    import runtime_util as ru
    from tensorflow.lite.python import schema_py_generated as schema

    ls, rs = (2, 3, 10), (2, 10, 4)
    content, fn = _model(ls, rs, False, False)
    m = ru.model_object(content)
    sg = m.subgraphs[0]
    for ti, (scale, zp) in zip(sg.inputs, ((0.05, 3), (0.02, -7)), strict=True):
        q = schema.QuantizationParametersT()
        q.scale, q.zeroPoint = [scale], [zp]
        sg.tensors[ti].quantization = q
    content = ru.pack_model(m)
    ours = runtime.Interpreter(model_content=content, num_threads=1)
    ref = litert.Interpreter(
        model_content=content, num_threads=1, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    assert all(d["quantization"][1] != 0 for d in ref.get_input_details())
    for seed, kind in enumerate(("random", "extremes")):
        xs = _inputs(ls, rs, kind, seed)
        got = _run(ours, xs)
        assert np.array_equal(got, _run(ref, xs)), kind
        assert np.array_equal(got, fn(*[tf.constant(x) for x in xs]).numpy()), kind
