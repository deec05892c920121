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


def _side_by_side(fn, specs, inputs=None, seed=0, **litert_kw):
    f = tf.function(fn, input_signature=specs)
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    if inputs is None:
        inputs = ru.random_inputs(
            ru.litert(ours, **litert_kw).get_input_details(), seed=seed, lo=-2.0, hi=2.0
        )
    want = ru.run(ru.litert(theirs, **litert_kw), inputs)
    got = ru.run(ru.litert(ours, **litert_kw), inputs)
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
    "space_to_batch": (lambda x: tf.space_to_batch(x, [2, 2], [[0, 0], [1, 1]]), [_spec((1, 4, 4, 2))]),
    "space_to_batch_uneven": (
        lambda x: tf.space_to_batch(x, [2, 3], [[1, 1], [0, 1]]),
        [_spec((2, 4, 5, 3))],
    ),
    "batch_to_space": (lambda x: tf.batch_to_space(x, [2, 2], [[0, 0], [0, 1]]), [_spec((4, 3, 3, 2))]),
    "batch_to_space_int32": (
        lambda x: tf.batch_to_space(x, [1, 2], [[0, 0], [1, 0]]),
        [_spec((4, 2, 3, 1), "int32")],
    ),
    "scatter_nd": (lambda u: tf.scatter_nd([[0], [2], [0]], u, [4, 3]), [_spec((3, 3), name="u")]),
    "scatter_nd_elements": (lambda u: tf.scatter_nd([[1, 2], [0, 0]], u, [3, 4]), [_spec((2,), name="u")]),
}


@pytest.mark.parametrize("name", list(_REARRANGE))
def test_rearrange_matches_tensorflow_converter(name):
    fn, specs = _REARRANGE[name]
    _side_by_side(fn, specs)


def test_gather_nd_runtime_indices():
    specs = [_spec((3, 4, 5)), _spec((2, 2), "int32", "i")]
    x = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)
    _side_by_side(lambda x, i: tf.gather_nd(x, i), specs, [x, np.array([[2, 3], [0, 1]], np.int32)])


def test_dilated_conv_still_fuses():
    # prepare-tf folds SpaceToBatchND -> conv -> BatchToSpaceND into a dilated conv (both converters); only leftovers
    # become SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND
    w = np.random.default_rng(2).standard_normal((3, 3, 2, 1)).astype(np.float32)

    def f(x):
        y = tf.space_to_batch(x, [2, 2], [[2, 2], [2, 2]])
        y = tf.nn.depthwise_conv2d(y, w, [1, 1, 1, 1], "VALID")
        return tf.batch_to_space(y, [2, 2], [[0, 0], [0, 0]])

    ours = _side_by_side(f, [_spec((1, 8, 8, 2))])
    assert _structure(ours)[0] == {"DEPTHWISE_CONV_2D": 2}


def test_space_batch_around_an_elementwise_op():
    # no convolution between them: nothing to fold, both converters keep SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND
    def f(x):
        y = tf.nn.relu(tf.space_to_batch(x, [2, 2], [[1, 2], [1, 2]]))
        return tf.batch_to_space(y * 2.0, [2, 2], [[1, 2], [1, 2]])

    _side_by_side(f, [_spec((1, 7, 7, 2))])


@pytest.mark.parametrize(("axis", "dtype"), [(-1, "float32"), (0, "float32"), (1, "int32")])
def test_one_hot(axis, dtype):
    idx = np.array([[0, 3, 7], [4, -1, 2]], np.int32)  # -1 and 7 (>= depth): all-off rows

    def fn(i):
        return tf.one_hot(i, 5, on_value=tf.constant(3, dtype), off_value=tf.constant(-1, dtype), axis=axis)

    _side_by_side(fn, [_spec((2, 3), "int32", "i")], [idx])


def test_scatter_nd_runtime_indices():
    u = np.arange(6, dtype=np.float32).reshape(2, 3)
    _side_by_side(lambda i, u: tf.scatter_nd(i, u, [4, 3]), [_spec((2, 1), "int32", "i"), _spec((2, 3), name="u")],
                  [np.array([[3], [3]], np.int32), u])  # fmt: skip


_W3 = np.random.default_rng(3).standard_normal((2, 3, 2, 3, 4)).astype(np.float32)
_W3T = np.random.default_rng(4).standard_normal((2, 3, 2, 4, 3)).astype(np.float32)
_CONV3D = {
    "same_strided": lambda x: tf.nn.conv3d(x, _W3, [1, 1, 2, 1, 1], "SAME"),
    "valid": lambda x: tf.nn.conv3d(x, _W3, [1, 1, 1, 1, 1], "VALID"),
    "bias": lambda x: tf.nn.conv3d(x, _W3, [1, 2, 2, 2, 1], "SAME") + np.arange(4, dtype=np.float32),
    "relu": lambda x: tf.nn.relu(tf.nn.conv3d(x, _W3, [1, 2, 2, 2, 1], "SAME")),
    "transpose_same": lambda x: tf.nn.conv3d_transpose(x, _W3T, [1, 4, 10, 6, 4], [1, 1, 2, 1, 1], "SAME"),
    "transpose_valid": lambda x: tf.nn.conv3d_transpose(x, _W3T, [1, 9, 11, 13, 4], [1, 2, 2, 2, 1], "VALID"),
}


@pytest.mark.parametrize("name", list(_CONV3D))
def test_conv3d(name):
    _side_by_side(_CONV3D[name], [_spec((1, 4, 5, 6, 3))])


def test_conv3d_dilated_where_tensorflow_converter_fails():
    # TF 2.21's converter cannot convert a dilated Conv3D (its shape inference rejects the result type); ours matches
    # TensorFlow in LiteRT and in our runtime
    f = tf.function(
        lambda x: tf.nn.conv3d(x, _W3, [1, 1, 1, 1, 1], "VALID", dilations=[1, 2, 1, 2, 1]),
        input_signature=[_spec((1, 4, 5, 6, 3))],
    )
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    assert _structure(ours)[0] == {"CONV_3D": 1}
    x = np.random.default_rng(5).standard_normal((1, 4, 5, 6, 3)).astype(np.float32)
    want = f(x).numpy()
    for interp in (ru.litert(ours), ru.ours(ours)):
        ru.assert_match(ru.run(interp, [x])[0], want, type(interp).__module__)


@pytest.mark.parametrize(
    ("lower", "upper", "shape"), [(-1, 0, (4, 4)), (1, 2, (2, 3, 5)), (0, -1, (3, 3)), (0, 0, (5, 2))]
)
def test_matrix_band_part(lower, upper, shape):
    # TF's converter lowers it to NEG/GREATER_EQUAL/LOGICAL_AND/ZEROS_LIKE/SELECT around a folded offset table; the
    # mask is computed at conversion time here: one SELECT_V2, no op TF's file lacks but the select's V2 form
    fn = lambda x: tf.linalg.band_part(x, lower, upper)  # noqa: E731
    f = tf.function(fn, input_signature=[_spec(shape)])
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours)[0] == {"SELECT_V2": 1}
    assert set(_structure(theirs)[0]) <= {"NEG", "GREATER_EQUAL", "LOGICAL_AND", "ZEROS_LIKE", "SELECT", "SELECT_V2"}  # fmt: skip
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    x.flat[0] = np.inf  # select, not a multiply: inf and NaN outside the band become 0 as in TF
    want = ru.run(ru.litert(theirs), [x])[0]
    np.testing.assert_array_equal(ru.run(ru.litert(ours), [x])[0], want)
    np.testing.assert_array_equal(ru.run(ru.ours(ours), [x])[0], want)
    np.testing.assert_array_equal(want, f(x).numpy())


_LOWERED = {
    "mul_no_nan": (lambda x, y: tf.math.multiply_no_nan(x, y), [_spec((2, 3)), _spec((2, 3), name="y")]),
    "sigmoid_grad": (lambda y, d: tf.raw_ops.SigmoidGrad(y=y, dy=d), [_spec((2, 3), name="y"), _spec((2, 3), name="d")]),
    "tanh_grad": (lambda y, d: tf.raw_ops.TanhGrad(y=y, dy=d), [_spec((2, 3), name="y"), _spec((2, 3), name="d")]),
    "rsqrt_grad": (lambda y, d: tf.raw_ops.RsqrtGrad(y=y, dy=d), [_spec((2, 3), name="y"), _spec((2, 3), name="d")]),
    "l2_loss": (lambda x: tf.nn.l2_loss(x), [_spec((2, 3))]),
    "bias_add_grad": (lambda x: tf.raw_ops.BiasAddGrad(out_backprop=x), [_spec((2, 3, 4))]),
    "div": (lambda x, y: tf.raw_ops.Div(x=x, y=y), [_spec((2, 3)), _spec((2, 3), name="y")]),
    "gather_v1": (lambda x, i: tf.raw_ops.Gather(params=x, indices=i), [_spec((4, 3)), _spec((2,), "int32", "i")]),
    "approx_max_k": (lambda x: tf.math.approx_max_k(x, 2), [_spec((3, 6))]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(_LOWERED))
def test_lowered_by_tensorflow(name):
    fn, specs = _LOWERED[name]
    details = [{"dtype": np.dtype(s.dtype.as_numpy_dtype), "shape": s.shape} for s in specs]
    inputs = ru.random_inputs(details, seed=7, lo=-2.0, hi=2.0)
    if name == "mul_no_nan":
        inputs[0][0, 0], inputs[1][0, :2] = np.inf, 0.0  # inf * 0 -> 0
    if name == "gather_v1":
        inputs[1] = np.array([3, 1], np.int32)
    _side_by_side(fn, specs, inputs)


def test_integer_div_truncates_as_tensorflow():
    specs = [_spec((2, 4), "int32"), _spec((2, 4), "int32", "y")]
    x = np.array([[7, -7, 9, -9], [1, -1, 100, -100]], np.int32)
    y = np.array([[2, 2, -4, -4], [3, 3, 7, 7]], np.int32)
    _side_by_side(lambda x, y: tf.raw_ops.Div(x=x, y=y), specs, [x, y])


@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("reduction", ["segment_sum", "sum", "max", "min", "prod"])
def test_segment_reductions(reduction, dtype):
    ids = [0, 0, 1, 2, 2] if reduction == "segment_sum" else [3, 0, 3, 1, 0]  # unsorted: segment 2 empty

    def fn(x):
        if reduction == "segment_sum":
            return tf.math.segment_sum(x, ids)
        return getattr(tf.math, f"unsorted_segment_{reduction}")(x, ids, 4)

    x = np.random.default_rng(8).integers(-3, 4, (5, 3)).astype(dtype)
    kw = {}
    if reduction == "segment_sum":  # LiteRT's reference resolver has no SEGMENT_SUM: its builtin kernel
        from ai_edge_litert.interpreter import OpResolverType

        kw["experimental_op_resolver_type"] = OpResolverType.BUILTIN
    _side_by_side(fn, [_spec((5, 3), dtype)], [x], **kw)


def test_unsorted_segment_runtime_ids():
    specs = [_spec((4, 2)), _spec((4,), "int32", "ids")]
    x = np.random.default_rng(9).standard_normal((4, 2)).astype(np.float32)
    _side_by_side(
        lambda x, i: tf.math.unsorted_segment_sum(x, i, 3), specs, [x, np.array([2, 0, 2, 1], np.int32)]
    )


def test_segment_sum_gap_refused_as_litert_does():
    # TF fills a missing segment id with zeros; LiteRT's SEGMENT_SUM refuses ids that skip one, and so does ours
    from ai_edge_litert.interpreter import OpResolverType

    f = tf.function(lambda x: tf.math.segment_sum(x, [0, 2]), input_signature=[_spec((2, 3))])
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    x = np.ones((2, 3), np.float32)
    with pytest.raises(RuntimeError, match="delta"):
        ru.run(ru.litert(ours, experimental_op_resolver_type=OpResolverType.BUILTIN), [x])
    with pytest.raises(Exception, match="without gaps"):
        ru.run(ru.ours(ours), [x])


_DIAG = {
    "diag": (lambda x: tf.linalg.diag(x), [_spec((2, 3))]),
    "diag_int32": (lambda x: tf.linalg.diag(x), [_spec((4,), "int32")]),
    "set_diag": (lambda x, d: tf.linalg.set_diag(x, d), [_spec((2, 3, 3)), _spec((2, 3), name="d")]),
    "set_diag_wide": (lambda x, d: tf.linalg.set_diag(x, d), [_spec((3, 5)), _spec((3,), name="d")]),
    "diag_v1": (lambda x: tf.raw_ops.MatrixDiag(diagonal=x), [_spec((3,))]),
    "set_diag_v1": (lambda x, d: tf.raw_ops.MatrixSetDiag(input=x, diagonal=d), [_spec((2, 2)), _spec((2,), name="d")]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(_DIAG))
def test_matrix_diag(name):
    fn, specs = _DIAG[name]
    _side_by_side(fn, specs)


def test_builtins_stay_builtins_with_select_tf_ops():
    """Every model above converts with SELECT_TF_OPS on to the same builtin operators, versions and count as
    without (no CUSTOM op: no Flex where TF needs none)."""
    models = [
        *_REARRANGE.values(),
        *((fn, [_spec((1, 4, 5, 6, 3))]) for fn in _CONV3D.values()),
        *_LOWERED.values(),
        *_DIAG.values(),
    ]
    for fn, specs in models:
        f = tf.function(fn, input_signature=specs)
        files = []
        for ops in (
            {tf.lite.OpsSet.TFLITE_BUILTINS},
            {tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS},
        ):
            conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
            conv.target_spec.supported_ops = ops
            files.append(conv.convert())
        assert _structure(files[0]) == _structure(files[1]), fn
        assert "CUSTOM" not in _structure(files[1])[0], fn
