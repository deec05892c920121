"""PAD / PADV2 split over threads by output rows (kernels/pad.c): equal to LiteRT's reference kernels, and the same
bytes at 1, 2 and 3 threads, for each place the innermost padded dimension can be (sizes big enough to split)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

CASES = {
    # name: (input shape, paddings, constant value or None)
    "spatial": ((1, 56, 56, 64), [[0, 0], [1, 1], [1, 1], [0, 0]], None),
    "rgb_stem": ((1, 112, 112, 3), [[0, 0], [3, 3], [3, 3], [0, 0]], None),
    "last_dim": ((1, 40, 40, 30), [[0, 0], [0, 0], [0, 0], [2, 3]], None),
    "first_dim_only": ((3, 50, 50, 16), [[1, 2], [0, 0], [0, 0], [0, 0]], None),
    "every_dim_value": ((2, 30, 33, 20), [[1, 0], [2, 1], [0, 3], [1, 1]], 3.5),
    "rank2_value": ((300, 301), [[4, 0], [0, 5]], -2.0),
}


def _model(shape, pads, value, quantize=False):
    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def f(x):
        y = tf.pad(x, pads) if value is None else tf.pad(x, pads, constant_values=value)
        return y * 1.0 if not quantize else tf.nn.relu(y)

    if not quantize:
        return ru.convert(f)
    return ru.convert(
        f, quantize="int8", representative=ru.rep_dataset([shape], lo=-0.5, hi=1.5), int8_io=True
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_pad_split_matches_litert(case):
    shape, pads, value = CASES[case]
    model = _model(shape, pads, value)
    assert any(op in ("PAD", "PADV2") for op in ru.model_ops(model))
    ref = ru.litert(model)
    x = ru.random_inputs(ref.get_input_details(), seed=2)
    want = ru.run(ref, x)
    outs = []
    for threads in (1, 2, 3):
        it = ru.ours(model, num_threads=threads, experimental_profile=True)
        got = ru.run(it, x)
        ru.assert_match(got[0], want[0])
        outs.append(got[0])
        pad = next(n for n in it.get_profile()["nodes"] if n["op_name"] in ("PAD", "PADV2"))
        split = pad["parallel_calls"] > 0
        assert split == (threads > 1 and case != "first_dim_only"), pad  # one row when only dim 0 is padded
    assert all(o.tobytes() == outs[0].tobytes() for o in outs)


def test_pad_int8_zero_point_fill():
    """int8 PAD fills with the output zero point (not 0): bit-exact with LiteRT at every thread count."""
    model = _model((1, 48, 48, 32), [[0, 0], [2, 2], [1, 3], [0, 0]], None, quantize=True)
    assert "PAD" in ru.model_ops(model)
    ref = ru.litert(model)
    x = ru.random_inputs(ref.get_input_details(), seed=4)
    want = ru.run(ref, x)
    for threads in (1, 2, 3):
        got = ru.run(ru.ours(model, num_threads=threads), x)
        ru.assert_match(got[0], want[0])
