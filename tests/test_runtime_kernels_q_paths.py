"""Fast int8 paths of the C runtime against LiteRT BUILTIN_REF, bit-exact.

test_runtime_kernels_q.py covers the op semantics on small shapes; these shapes reach the code paths the small ones
miss: the shared GEMM driver with several row blocks and tasks, 1x1 convolutions without im2col, channel counts with
and without a partial 16-channel panel, full and partial 16-channel blocks of the depthwise tap-pair kernel, and the
vector ADD/SUB with a scalar tail. Run normally (AVX2 when the CPU has it) and with TFLRT_DISABLE_AVX2=1 (portable
and SSE2 paths), both must be bit-exact; a subprocess test checks that the two give identical bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from test_runtime_kernels_q import INT8, _cached, _check_exact, _const, _convert

import runtime

HERE = os.path.dirname(os.path.abspath(__file__))

CONV_CASES = [
    # (input shape, kernel h, kernel w, out channels, strides, padding)
    ((1, 30, 30, 24), 1, 1, 40, 1, "VALID"),  # pointwise, many row blocks, partial last panel
    ((2, 17, 13, 16), 1, 1, 96, 1, "SAME"),  # pointwise across a batch
    ((1, 23, 21, 16), 3, 3, 32, 1, "SAME"),  # contiguous im2col rows, borders
    ((1, 24, 24, 3), 3, 3, 32, 2, "SAME"),  # MobileNet stem: odd depth 27
    ((1, 9, 9, 160), 1, 1, 8, 2, "VALID"),  # strided 1x1 (im2col path), fewer channels than a panel
]


@pytest.mark.parametrize("act", ["none", "relu6"])
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv2d_paths(act, case):
    shape, kh, kw, oc, s, pad = CONV_CASES[case]
    w = _const((kh, kw, shape[3], oc), 110 + case, 0.5)
    b = _const((oc,), 120 + case)

    def fn(x):
        y = tf.nn.conv2d(x, w, strides=s, padding=pad) + b
        return tf.nn.relu6(y) if act == "relu6" else y

    model = _cached(("conv_paths", act, case), lambda: _convert(fn, [shape], INT8))
    _check_exact(model, seed=case, expect_ops=["CONV_2D"])


DW_CASES = [
    # (input shape, kernel h, kernel w, strides, padding, dilation)
    ((1, 19, 17, 32), 3, 3, 1, "SAME", 1),  # full 16-channel blocks
    ((1, 20, 18, 48), 3, 3, 2, "SAME", 1),  # stride 2
    ((2, 11, 12, 40), 3, 3, 1, "VALID", 1),  # full + partial block, batch 2
    ((1, 13, 13, 24), 5, 5, 2, "SAME", 1),  # 25 taps (odd: padded pair)
    ((1, 15, 15, 16), 3, 3, 1, "SAME", 2),  # dilation
]


@pytest.mark.parametrize("act", ["none", "relu6"])
@pytest.mark.parametrize("case", range(len(DW_CASES)))
def test_depthwise_paths(act, case):
    shape, kh, kw, s, pad, dil = DW_CASES[case]
    w = _const((kh, kw, shape[3], 1), 130 + case)
    b = _const((shape[3],), 140 + case)

    def fn(x):
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, s, s, 1], padding=pad, dilations=[dil, dil]) + b
        return tf.nn.relu6(y) if act == "relu6" else y

    model = _cached(("dw_paths", act, case), lambda: _convert(fn, [shape], INT8))
    _check_exact(model, seed=case, expect_ops=["DEPTHWISE_CONV_2D"])


@pytest.mark.parametrize("batch", [1, 9, 70])
def test_fully_connected_paths(batch):
    w = _const((333, 37), 150, 0.2)
    b = _const((37,), 151)

    def fn(x):
        return tf.matmul(x, w) + b

    model = _cached(("fc_paths", batch), lambda: _convert(fn, [(batch, 333)], INT8))
    _check_exact(model, seed=batch, expect_ops=["FULLY_CONNECTED"])


@pytest.mark.parametrize("op", ["add", "sub", "add_relu"])
@pytest.mark.parametrize("n", [16, 1000, 4099])
def test_binary_same_shape_paths(op, n):
    def fn(a, c):
        if op == "sub":
            return a - 0.5 * c
        y = a + 2.5 * c
        return tf.nn.relu(y) if op == "add_relu" else y

    model = _cached(("bin_paths", op, n), lambda: _convert(fn, [(1, n), (1, n)], INT8))
    _check_exact(model, seed=n, expect_ops=[op.split("_")[0].upper()])


def _mobilenet_block():
    """Expand 1x1 -> depthwise 3x3 -> project 1x1 -> residual ADD, the MobileNetV2 pattern, as one model."""
    w1 = _const((1, 1, 24, 144), 160, 0.3)
    wd = _const((3, 3, 144, 1), 161, 0.5)
    w2 = _const((1, 1, 144, 24), 162, 0.1)

    def fn(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w1, 1, "VALID"))
        y = tf.nn.relu6(tf.nn.depthwise_conv2d(y, wd, [1, 1, 1, 1], "SAME"))
        return x + tf.nn.conv2d(y, w2, 1, "VALID")

    return _convert(fn, [(1, 28, 28, 24)], INT8)


def test_block_exact_and_thread_count_independent():
    model = _cached(("mbv2_block",), _mobilenet_block)
    ref, ours = _check_exact(model, seed=3, expect_ops=["CONV_2D", "DEPTHWISE_CONV_2D", "ADD"])
    x = ref.get_tensor(ref.get_input_details()[0]["index"])
    outs = []
    for threads in (1, 2, 3):
        it = runtime.Interpreter(model_content=model, num_threads=threads)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
    for o in outs[1:]:
        assert np.array_equal(o, outs[0])
    assert np.array_equal(outs[0], ref.get_tensor(ref.get_output_details()[0]["index"]))


_SUBPROCESS = """
import sys, numpy as np
sys.path.insert(0, {root!r})
import runtime
m = open({path!r}, "rb").read()
it = runtime.Interpreter(model_content=m, num_threads=1)
it.allocate_tensors()
d = it.get_input_details()[0]
it.set_tensor(d["index"], np.random.default_rng(5).integers(-128, 128, d["shape"]).astype(np.int8))
it.invoke()
sys.stdout.write(it.get_tensor(it.get_output_details()[0]["index"]).tobytes().hex())
"""


def test_avx2_and_baseline_paths_agree(tmp_path):
    """The same model in two processes, AVX2 dispatch on and off (TFLRT_DISABLE_AVX2=1): identical bytes."""
    path = tmp_path / "block.tflite"
    path.write_bytes(_cached(("mbv2_block",), _mobilenet_block))
    code = _SUBPROCESS.format(root=os.path.dirname(HERE), path=str(path))
    outs = []
    for disable in ("0", "1"):
        env = dict(os.environ, TFLRT_DISABLE_AVX2=disable)
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outs.append(res.stdout)
    assert len(outs[0]) > 0 and outs[0] == outs[1]
