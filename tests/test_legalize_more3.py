"""The last of TensorFlow's non-complex builtin legalizations (issue 10): NON_MAX_SUPPRESSION_V4/V5, MULTINOMIAL, and
FakeQuant / QuantizeAndDequantize ops in a float conversion, side by side with TensorFlow's converter on the same
tf.function: the same builtins, versions, min_runtime_version and operator count, LiteRT outputs of our file equal to
those of TF's file, our runtime equal to LiteRT, LiteRT equal to TensorFlow where LiteRT's kernel agrees with TF's."""

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
from compiler.errors import ConversionError  # noqa: E402


def _boxes(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 1, (n, 2))
    size = rng.uniform(0.1, 0.6, (n, 2))
    boxes = np.concatenate([corner, corner + size], axis=1).astype(np.float32)
    boxes[1::3] = boxes[1::3][:, [2, 3, 0, 1]]  # some flipped corners
    return boxes, rng.permutation(n).astype(
        np.float32
    ) / n  # distinct scores: TF breaks ties by index, LiteRT not


def _ours_and_theirs(f) -> tuple[bytes, bytes]:
    ours = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    theirs = ru.convert(f)
    assert _structure(ours) == _structure(theirs)
    return ours, theirs


def _runs(model: bytes, inputs) -> list[list[np.ndarray]]:
    return [ru.run(interp, inputs) for interp in (ru.litert(model), ru.ours(model))]


def _same_outputs_as_litert(f, b, s) -> list[np.ndarray]:
    """Converts f both ways; LiteRT and our runtime on our file give exactly LiteRT's outputs on TF's file."""
    ours, theirs = _ours_and_theirs(f)
    want = ru.run(ru.litert(theirs), [b, s])
    for got in _runs(ours, [b, s]):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    return want


_NMS = {
    # tf.image.non_max_suppression is NonMaxSuppressionV3: NON_MAX_SUPPRESSION_V4 in TF's file
    "v3": lambda b, s: tf.image.non_max_suppression(b, s, 6, iou_threshold=0.3, score_threshold=0.1),
    "v4_padded": lambda b, s: tf.raw_ops.NonMaxSuppressionV4(
        boxes=b,
        scores=s,
        max_output_size=8,
        iou_threshold=0.4,
        score_threshold=0.2,
        pad_to_max_output_size=True,
    ),
    "v4": lambda b, s: tf.raw_ops.NonMaxSuppressionV4(
        boxes=b, scores=s, max_output_size=5, iou_threshold=0.5, score_threshold=-1.0
    ),
    "v5_hard": lambda b, s: tf.raw_ops.NonMaxSuppressionV5(
        boxes=b,
        scores=s,
        max_output_size=6,
        iou_threshold=0.3,
        score_threshold=0.1,
        soft_nms_sigma=0.0,
        pad_to_max_output_size=True,
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", list(_NMS))
def test_non_max_suppression_matches_tensorflow_converter(name):
    b, s = _boxes(20)
    specs = [_spec((20, 4), name="b"), _spec((20,), name="s")]
    f = tf.function(_NMS[name], input_signature=specs)
    want = _same_outputs_as_litert(f, b, s)
    want_tf = f(b, s)
    want_tf = list(want_tf) if isinstance(want_tf, tuple | list) else [want_tf]
    count = int(want_tf[-1]) if len(want_tf) > 1 else len(want_tf[0])
    assert 0 < count < 20
    np.testing.assert_array_equal(want[0][:count], want_tf[0].numpy()[:count])  # LiteRT selects as TF
    assert not np.any(want[0][count:])  # LiteRT's padding: zeros past the valid count


def test_soft_nms_matches_litert():
    # Soft-NMS (sigma > 0): LiteRT's kernel decays scores differently from TF's (TF picks index 2 where LiteRT picks
    # 4 on this data); our kernel reproduces LiteRT's selection and decayed scores exactly
    b, s = _boxes(24, seed=3)
    f = tf.function(
        lambda b, s: tf.image.non_max_suppression_with_scores(
            b, s, 10, iou_threshold=0.6, score_threshold=0.05, soft_nms_sigma=0.4
        ),
        input_signature=[_spec((24, 4), name="b"), _spec((24,), name="s")],
    )
    _same_outputs_as_litert(f, b, s)


def test_non_max_suppression_equal_scores_in_litert_order():
    # many equal scores: LiteRT's order comes from std::priority_queue's heap, which our kernel reproduces
    b, _ = _boxes(31, seed=5)
    s = np.repeat(np.float32([0.9, 0.5, 0.7]), [11, 10, 10])
    f = tf.function(
        lambda b, s: tf.raw_ops.NonMaxSuppressionV4(
            boxes=b, scores=s, max_output_size=31, iou_threshold=0.2, score_threshold=0.0
        ),
        input_signature=[_spec((31, 4), name="b"), _spec((31,), name="s")],
    )
    want = _same_outputs_as_litert(f, b, s)
    assert want[1] > 5


@pytest.mark.parametrize(
    ("shape", "samples", "dtype", "seed"),
    [((2, 4), 7, "int64", 3), ((3, 6), 5, "int32", 11), ((1, 3), 2000, "int64", 1)],
)
def test_multinomial_draws_litert_samples(shape, samples, dtype, seed):
    # LiteRT's MULTINOMIAL draws Philox keyed by the op's seeds, skipping ahead each invocation: the same file gives
    # the same samples in LiteRT and our runtime, over three invocations (TF's own kernel draws another stream)
    tf.random.set_seed(5)
    f = tf.function(
        lambda x: tf.random.categorical(x, samples, dtype=getattr(tf, dtype), seed=seed),
        input_signature=[_spec(shape)],
    )
    ours, theirs = _ours_and_theirs(f)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    if shape == (3, 6):
        x[0, 2], x[1, :] = (
            -np.inf,
            -np.inf,
        )  # a class never drawn; a row of no finite logit gives the class count
    draws = []
    for interp in (ru.litert(theirs), ru.litert(ours), ru.ours(ours)):
        interp.allocate_tensors()
        draws.append(np.stack([ru.run(interp, [x])[0].copy() for _ in range(3)]))
    for d in draws[1:]:
        np.testing.assert_array_equal(d, draws[0])
        assert d.dtype == np.dtype(dtype)
    assert not np.array_equal(draws[0][0], draws[0][1])
    if shape == (3, 6):
        assert np.all(draws[0][:, 1] == 6) and not np.any(draws[0][:, 0] == 2)
    if samples == 2000:  # the frequencies follow the softmax
        p = np.exp(x[0]) / np.exp(x[0]).sum()
        np.testing.assert_allclose(np.bincount(draws[0][0, 0], minlength=3) / samples, p, atol=0.04)


_W = np.random.default_rng(4).normal(0, 0.5, (4, 3)).astype(np.float32)
_K = np.random.default_rng(5).normal(0, 0.3, (3, 3, 4, 5)).astype(np.float32)


def _qdq(x, lo, hi, **kw):
    return tf.raw_ops.QuantizeAndDequantizeV4(input=x, input_min=lo, input_max=hi, **kw)


_FAKE_QUANT = {
    "args": ((8, 4), lambda x: tf.quantization.fake_quant_with_min_max_args(x, -1.0, 2.0)),
    "args_narrow": ((8, 4), lambda x: tf.quantization.fake_quant_with_min_max_args(x, -1.0, 2.0, narrow_range=True)),
    "args_positive_range": ((8, 4), lambda x: tf.quantization.fake_quant_with_min_max_args(x, 0.5, 2.0)),
    "vars": ((8, 4), lambda x: tf.quantization.fake_quant_with_min_max_vars(x, tf.constant(-1.0), tf.constant(2.0))),
    "qdq_v4": ((8, 4), lambda x: _qdq(x, -1.0, 2.0, range_given=True)),
    "qdq_v4_unsigned": ((8, 4), lambda x: _qdq(x, 0.0, 2.0, range_given=True, signed_input=False)),
    "qdq_v4_no_range": ((8, 4), lambda x: _qdq(x, -1.0, 2.0, range_given=False, narrow_range=True)),
    "qdq_v2": ((8, 4), lambda x: tf.raw_ops.QuantizeAndDequantizeV2(input=x, input_min=-1.0, input_max=2.0)),
    "between_ops": ((8, 4), lambda x: tf.nn.relu(tf.quantization.fake_quant_with_min_max_args(x * 2.0 + 1.0, -1.0, 1.0))),
    "matmul_weights": ((8, 4), lambda x: tf.matmul(x, tf.quantization.fake_quant_with_min_max_args(tf.constant(_W), -0.8, 1.0))),
    "dense_weights_bias": (
        (8, 4),
        lambda x: tf.nn.bias_add(
            tf.matmul(x, tf.quantization.fake_quant_with_min_max_vars(_W, -1.0, 1.0, narrow_range=True)), [1.0, 2.0, 3.0]
        ),
    ),
    "conv_weights_per_channel": (
        (1, 6, 6, 4),
        lambda x: tf.nn.conv2d(
            x, tf.quantization.fake_quant_with_min_max_vars_per_channel(_K, -np.abs(_K).max((0, 1, 2)), np.abs(_K).max((0, 1, 2))), 1, "SAME"
        ),
    ),
    # TF folds a QuantizeAndDequantize of a constant with its own kernel (signed, clamped, half to even)
    "qdq_v4_constant_weights": ((8, 4), lambda x: tf.matmul(x, _qdq(tf.constant(_W), -1.0, 1.0, range_given=True))),
    "qdq_v4_constant_no_range": (
        (8, 4),
        lambda x: tf.matmul(x, _qdq(tf.constant(_W), -1.0, 1.0, range_given=False, narrow_range=True, num_bits=5)),
    ),
    "qdq_v4_constant_unsigned": (
        (8, 4),
        lambda x: tf.matmul(x, _qdq(tf.constant(np.abs(_W)), 0.0, 0.5, range_given=True, signed_input=False)),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(_FAKE_QUANT))
def test_fake_quant_float_model_matches_tensorflow_converter(name):
    shape, fn = _FAKE_QUANT[name]
    f = tf.function(fn, input_signature=[_spec(shape)])
    ours, theirs = _ours_and_theirs(f)
    x = np.random.default_rng(2).uniform(-3, 3, shape).astype(np.float32)
    want = ru.run(ru.litert(theirs), [x])[0]
    for got in _runs(ours, [x]):
        np.testing.assert_array_equal(got[0], want)
    # the quantized tensors: same uint8 types, scales and zero points as TF's file
    quant = [
        (
            t["dtype"],
            tuple(t["quantization_parameters"]["scales"]),
            tuple(t["quantization_parameters"]["zero_points"]),
        )
        for m in (ours, theirs)
        for t in ru.litert(m).get_tensor_details()
        if len(t["quantization_parameters"]["scales"])
    ]
    assert quant[: len(quant) // 2] == quant[len(quant) // 2 :]
    assert all(q[0] == np.uint8 for q in quant)
    if name.startswith("qdq_v4_constant"):  # TF's own kernel folded: LiteRT equals TensorFlow
        ru.assert_match(want, f(x).numpy(), "LiteRT vs TensorFlow")


def test_fake_quant_four_bits_refused():
    # TF 2.21 writes a 4-bit FakeQuant as a UINT4 QUANTIZE, a type tflc does not have
    f = tf.function(
        lambda x: tf.quantization.fake_quant_with_min_max_args(x, -1.0, 2.0, num_bits=4),
        input_signature=[_spec((4,))],
    )
    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    with pytest.raises(ConversionError, match="FakeQuantWithMinMaxArgs.*num_bits=4"):
        conv.convert()


def test_builtins_stay_builtins_with_select_tf_ops():
    """NMS and MULTINOMIAL convert with SELECT_TF_OPS on to the same builtins as without: no Flex where TF needs
    none."""
    cases = [
        (_NMS["v4_padded"], [_spec((20, 4), name="b"), _spec((20,), name="s")]),
        (_NMS["v5_hard"], [_spec((20, 4), name="b"), _spec((20,), name="s")]),
        (lambda x: tf.random.categorical(x, 3, seed=1), [_spec((2, 4))]),
    ]
    for fn, specs in cases:
        f = tf.function(fn, input_signature=specs)
        conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
        conv.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS}
        assert "CUSTOM" not in _structure(conv.convert())[0]


def test_side_by_side_helper_on_nms_count():
    # the padded V4's valid count alone, through the shared side-by-side helper (LiteRT vs TF too)
    b, s = _boxes(12, seed=7)
    _side_by_side(
        lambda b, s: tf.raw_ops.NonMaxSuppressionV4(
            boxes=b,
            scores=s,
            max_output_size=4,
            iou_threshold=0.5,
            score_threshold=0.3,
            pad_to_max_output_size=True,
        )[1],
        [_spec((12, 4), name="b"), _spec((12,), name="s")],
        [b, s],
    )


def test_sparse_to_dense_full_int8_as_tensorflow():
    # TF's full-int8 conversion keeps SPARSE_TO_DENSE in int8 (version 3), the values and result sharing one scale;
    # ours too. TF quantizes the default value with its own range, which LiteRT's kernel copies as raw int8 into the
    # result's scale (a default of 0.0 reads back as 0.517 here); ours takes the result's parameters, so the
    # default reads back as itself. Everything else is bit-exact with TF's file.
    rng = np.random.default_rng(1)
    spec = [_spec((4,), name="v")]
    indices = [[0, 0], [0, 1], [1, 1], [2, 3]]  # sorted, as TF validates them
    f = tf.function(
        lambda v: tf.nn.relu6(
            tf.raw_ops.SparseToDense(
                sparse_indices=indices, output_shape=[3, 5], sparse_values=v * 2.0 + 0.5, default_value=0.0
            )
        ),
        input_signature=spec,
    )
    rep = ru.rep_dataset([(4,)], 8, seed=0)
    theirs = ru.convert(f, quantize="int8", representative=rep)
    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    ours = conv.convert()
    assert _structure(ours) == _structure(theirs)
    assert _structure(ours)[0]["SPARSE_TO_DENSE"] == 3

    def output_params(model):
        interp = ru.litert(model)
        ops = {o["op_name"]: o for o in interp._get_ops_details()}
        return [interp.get_tensor_details()[i]["quantization"] for i in ops["SPARSE_TO_DENSE"]["outputs"]]

    assert output_params(ours) == output_params(theirs)
    mask = np.zeros((3, 5), bool)
    mask[tuple(np.array(indices).T)] = True
    for _ in range(4):
        x = rng.uniform(-1, 1, (4,)).astype(np.float32)
        want, got = ru.run(ru.litert(theirs), [x])[0], ru.run(ru.litert(ours), [x])[0]
        np.testing.assert_array_equal(ru.run(ru.ours(ours), [x])[0], got)  # our runtime bit-exact with LiteRT
        np.testing.assert_array_equal(got[mask], want[mask])
        assert np.all(got[~mask] == 0.0)  # the default, exactly
        assert np.all(want[~mask] > 0.5)  # TF's file: the default's raw int8 read in the result's scale
        np.testing.assert_allclose(got, f(x).numpy(), atol=0.03)


def test_unique_full_int8_as_tensorflow():
    # TF's full-int8 conversion keeps UNIQUE in int8 (values on the input's scale, int32 indices): ours too, and
    # LiteRT on our file, LiteRT on TF's and our runtime give the same bytes (distinct int8 values, dynamic length)
    f = tf.function(lambda x: tf.unique(x * 3.0)[0] * 2.0, input_signature=[_spec((8,), name="x")])
    rep = ru.rep_dataset([(8,)], 8, seed=0)
    theirs = ru.convert(f, quantize="int8", representative=rep)
    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    ours = conv.convert()
    assert _structure(ours) == _structure(theirs)
    x = np.array([0.5, -0.25, 0.5, 0.0, 0.75, -0.25, -0.25, 0.1], np.float32)
    want = ru.run(ru.litert(theirs), [x])[0]
    assert len(want) == 5
    for got in _runs(ours, [x]):
        np.testing.assert_array_equal(got[0], want)
    np.testing.assert_allclose(want, f(x).numpy(), atol=0.05)
