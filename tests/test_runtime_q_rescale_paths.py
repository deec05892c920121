"""int8 requantization shortcuts of the zmm kernels against LiteRT BUILTIN_REF, bit-exact.

ADD/SUB rescale their inputs in 32-bit lanes when the right shifts are 0..19 and in the 64-bit form otherwise: the
scale ratios below give input shifts from 0 to past 19. GEMM and depthwise outputs clamped at or above the zero
point (ReLU family) skip the correction for negative products; single-panel GEMM tiles (16 channels or fewer) store
through an int32 clamp. The comparison covers every op output (test_runtime_kernels_q._check_exact).
"""

from __future__ import annotations

import pytest
import tensorflow as tf
from test_runtime_kernels_q import INT8, _cached, _check_exact, _const, _convert


@pytest.mark.parametrize("ratio", [1.0, 0.37, 700.0, 1.0e5, 3.0e6])
@pytest.mark.parametrize("op", ["add", "sub"])
def test_add_sub_input_shifts(op, ratio):
    def fn(a, c):
        return a + ratio * c if op == "add" else ratio * c - a

    model = _cached(("rescale_add", op, ratio), lambda: _convert(fn, [(1, 777), (1, 777)], INT8))
    _check_exact(model, seed=int(ratio * 10) % 1000, expect_ops=[op.upper()])


@pytest.mark.parametrize("act", ["none", "relu", "relu6"])
@pytest.mark.parametrize("oc", [16, 24, 144])
def test_pointwise_clamps(act, oc):
    w = _const((1, 1, 24, oc), 210 + oc, 0.4)
    b = _const((oc,), 220 + oc)

    def fn(x):
        y = tf.nn.conv2d(x, w, 1, "VALID") + b
        return {"none": y, "relu": tf.nn.relu(y), "relu6": tf.nn.relu6(y)}[act]

    model = _cached(("rescale_pw", act, oc), lambda: _convert(fn, [(1, 19, 23, 24)], INT8))
    _check_exact(model, seed=oc, expect_ops=["CONV_2D"])


@pytest.mark.parametrize("act", ["none", "relu6"])
def test_depthwise_clamps(act):
    w = _const((3, 3, 144, 1), 231, 0.5)
    b = _const((144,), 232)

    def fn(x):
        y = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME") + b
        return tf.nn.relu6(y) if act == "relu6" else y

    model = _cached(("rescale_dw", act), lambda: _convert(fn, [(1, 13, 11, 144)], INT8))
    _check_exact(model, seed=7, expect_ops=["DEPTHWISE_CONV_2D"])
