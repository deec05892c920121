"""TF ops TensorFlow's converter legalizes to builtins that tflc added for issue 10 (deliverable 3), side by side with
TensorFlow's converter on the same tf.function: the same builtin ops and versions, the same min_runtime_version and
operator count, LiteRT outputs of our file equal to those of TF's file (float: within 1e-5 of the output's scale),
and our runtime equal to LiteRT on our file."""

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
from test_legalize_topk import _structure  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402


def _spec(shape, dtype="float32", name="x"):
    return tf.TensorSpec(shape, dtype, name=name)


def _side_by_side(fn, specs, inputs=None, seed=0):
    f = tf.function(fn, input_signature=specs)
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    if inputs is None:
        inputs = ru.random_inputs(ru.litert(ours).get_input_details(), seed=seed, lo=-2.0, hi=2.0)
    want = ru.run(ru.litert(theirs), inputs)
    got = ru.run(ru.litert(ours), inputs)
    mine = ru.run(ru.ours(ours), inputs)
    assert len(got) == len(want) == len(mine)
    for g, w, m in zip(got, want, mine, strict=True):
        ru.assert_match(g, w, "LiteRT on tflc's file vs TF's file")
        ru.assert_match(m, g, "tflc runtime vs LiteRT")
    ref = f(*inputs)
    ref = ref if isinstance(ref, list | tuple) else [ref]
    for g, r in zip(got, ref, strict=True):
        ru.assert_match(g, r.numpy(), "LiteRT vs TensorFlow")
    return ours


_REARRANGE = {
    "depth_to_space": (lambda x: tf.nn.depth_to_space(x, 2), [_spec((1, 2, 3, 8))]),
    "depth_to_space_b3": (lambda x: tf.nn.depth_to_space(x, 3), [_spec((2, 2, 2, 18))]),
    "space_to_depth": (lambda x: tf.nn.space_to_depth(x, 2), [_spec((1, 4, 6, 3))]),
    "depth_to_space_int32": (lambda x: tf.nn.depth_to_space(x, 2), [_spec((1, 2, 2, 4), "int32")]),
    "gather_nd_const": (lambda x: tf.gather_nd(x, [[0, 1], [2, 0]]), [_spec((3, 4, 5))]),
    "gather_nd_full": (lambda x: tf.gather_nd(x, [[[0, 1, 2]], [[2, 3, 4]]]), [_spec((3, 4, 5))]),
    "reverse_one_axis": (lambda x: tf.reverse(x, [1]), [_spec((2, 3, 4))]),
    "reverse_last_axis": (lambda x: tf.reverse(x, [-1]), [_spec((2, 3, 4))]),
}


@pytest.mark.parametrize("name", list(_REARRANGE))
def test_rearrange_matches_tensorflow_converter(name):
    fn, specs = _REARRANGE[name]
    _side_by_side(fn, specs)


def test_gather_nd_runtime_indices():
    specs = [_spec((3, 4, 5)), _spec((2, 2), "int32", "i")]
    x = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)
    _side_by_side(lambda x, i: tf.gather_nd(x, i), specs, [x, np.array([[2, 3], [0, 1]], np.int32)])
