"""Float kernels on every ISA level (issue 15): exact mode (the default) gives bit-identical outputs on each level the
machine has (runtime._tflrt.set_isa caps it; the lower levels always run) and for 1 and 2 threads, and stays within
1e-5 of LiteRT's reference kernels; experimental_fast_float (FMA) stays within 1e-5 of exact mode."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402
from runtime_util import reset_isa  # noqa: E402, F401 (autouse)

from runtime import Interpreter, _tflrt  # noqa: E402

NAMES = ru.ISA_NAMES
LEVELS = ru.isa_levels()
TOL = 1e-5


@pytest.fixture(scope="module")
def small_model():
    """Conv 3x3 with 40 output channels (a partial panel pair), 1x1 conv, depthwise 3x3 over 20 channels (a masked
    channel tail), depthwise 5x5 stride 2 with multiplier 2, transpose conv, fully connected, batch matmul, and large
    elementwise / activation / reduction ops."""
    rng = np.random.default_rng(11)
    w1, b1 = ru.normal_weights(rng, 3, 3, 6, 40), ru.normal_weights(rng, 40)
    w2, b2 = ru.normal_weights(rng, 1, 1, 40, 20), ru.normal_weights(rng, 20)
    dw1, db1 = ru.normal_weights(rng, 3, 3, 20, 1), ru.normal_weights(rng, 20)
    dw2, db2 = ru.normal_weights(rng, 5, 5, 20, 2), ru.normal_weights(rng, 40)
    wt = ru.normal_weights(rng, 3, 3, 16, 40, scale=0.1)
    wf, bf = ru.normal_weights(rng, 40, 24, scale=0.1), ru.normal_weights(rng, 24)
    wm = ru.normal_weights(rng, 24, 33)

    @tf.function(input_signature=[tf.TensorSpec([1, 48, 48, 6], tf.float32)])
    def f(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        y = tf.nn.conv2d(y, w2, 1, "VALID") + b2
        y = tf.nn.relu(tf.nn.depthwise_conv2d(y, dw1, [1, 1, 1, 1], "SAME") + db1)
        y = tf.nn.depthwise_conv2d(y, dw2, [1, 2, 2, 1], "SAME") + db2  # 24x24x40
        big = tf.sigmoid(y) * y + tf.tanh(y)  # elementwise and activations over 23k elements
        t = tf.nn.conv2d_transpose(big, wt, [1, 48, 48, 16], 2, "SAME")
        g = tf.reduce_mean(big, axis=[1, 2])  # [1, 40]
        h = tf.nn.relu(tf.matmul(g, wf) + bf)  # [1, 24]
        seq = tf.reshape(big[:, :, :, :24], [1, 24 * 24, 24])
        m = tf.nn.softmax(tf.matmul(seq, wm))
        return tf.reduce_sum(t, axis=3), h, m

    return ru.convert(f)


@pytest.fixture(scope="module")
def conv_paths_model():
    """The float GEMM and depthwise paths added for issue 15's fast mode: 3x3 stride-2 conv over 3 channels (im2col
    window rows copied as one span, inline short copies), 29x29 = 841 rows (7-row fast tiles with a remainder),
    24 and 40 output channels (partial panel pairs), dilated conv (per-tap im2col), a 24-channel 3x3 conv (long spans),
    a 1x1 conv over 1680 channels (K blocked on AVX-512: partial sums stored and reloaded), depthwise 3x3 at strides 1 and 2 over
    widths that leave 1-3 pixels after the 4-pixel interior blocks, and a masked channel tail. Window rows of at most
    32 floats take the AVX-512 masked im2col: 9 (the stem, edges cut on all sides), 16 (4x4 over 4 channels, uneven
    SAME padding), 15 (5 wide over 3 channels, dilated in y only), 21 (ResNet's 7x7 stride-2 stem) and 32. Depthwise
    5x5 at strides 1 and 2 and a dilated 3x3 depthwise take the four-pixel blocks for any window (interior widths that
    leave 1-3 pixels)."""
    rng = np.random.default_rng(12)
    wa, ba = ru.normal_weights(rng, 3, 3, 3, 24), ru.normal_weights(rng, 24)
    dwa, dba = ru.normal_weights(rng, 3, 3, 24, 1), ru.normal_weights(rng, 24)
    dwb = ru.normal_weights(rng, 3, 3, 24, 1)
    wd = ru.normal_weights(rng, 3, 3, 24, 40, scale=0.1)
    wl, bl = ru.normal_weights(rng, 3, 3, 24, 40, scale=0.1), ru.normal_weights(rng, 40)
    wk = ru.normal_weights(rng, 1, 1, 1680, 20, scale=0.03)
    ww, bw = ru.normal_weights(rng, 1, 1, 24, 7), ru.normal_weights(rng, 7)
    w4, wy = ru.normal_weights(rng, 4, 4, 4, 8), ru.normal_weights(rng, 3, 5, 3, 16)
    w7, w8 = ru.normal_weights(rng, 7, 7, 3, 8, scale=0.2), ru.normal_weights(rng, 2, 8, 4, 8, scale=0.2)
    dw5, db5, dwd = (
        ru.normal_weights(rng, 5, 5, 24, 1, scale=0.2),
        ru.normal_weights(rng, 24),
        ru.normal_weights(rng, 3, 3, 24, 1),
    )

    @tf.function(input_signature=[tf.TensorSpec([1, 57, 57, 3], tf.float32)])
    def f(x):
        a = tf.nn.relu6(tf.nn.conv2d(x, wa, 2, "SAME") + ba)  # [1, 29, 29, 24]
        d1 = tf.nn.depthwise_conv2d(a, dwa, [1, 1, 1, 1], "SAME") + dba
        d2 = tf.nn.relu(tf.nn.depthwise_conv2d(a, dwb, [1, 2, 2, 1], "VALID"))  # [1, 14, 14, 24]
        dil = tf.nn.conv2d(a, wd, 1, "SAME", dilations=2)
        lng = tf.nn.relu(tf.nn.conv2d(d1, wl, 1, "SAME") + bl)
        deep = tf.nn.conv2d(tf.concat([a] * 70, axis=3), wk, 1, "VALID")  # K = 1680
        narrow = tf.nn.conv2d(d2, ww, 1, "VALID") + bw  # 7 output channels, 196 rows
        sq = tf.nn.conv2d(tf.concat([x, x[..., :1]], axis=3), w4, 1, "SAME")  # window rows of 16 floats
        dy = tf.nn.conv2d(x, wy, 1, "VALID", dilations=[1, 2, 1, 1])  # 15 floats, dilation 2 in y only
        st = tf.nn.conv2d(x, w7, 2, "SAME")  # 21 floats
        w32 = tf.nn.conv2d(tf.concat([x, x[..., :1]], axis=3), w8, 1, "VALID")  # 32 floats
        f5 = tf.nn.relu6(tf.nn.depthwise_conv2d(a, dw5, [1, 1, 1, 1], "SAME") + db5)  # interior 25 columns
        f5s2 = tf.nn.depthwise_conv2d(a, dw5, [1, 2, 2, 1], "SAME")  # 15x15
        fd = tf.nn.depthwise_conv2d(a, dwd, [1, 1, 1, 1], "SAME", dilations=[2, 2])
        return d1, d2, dil, lng, deep, narrow, sq, dy, st, w32, f5, f5s2, fd

    return ru.convert(f)


@pytest.fixture(scope="module")
def reduce_pool_model():
    """Reductions and pooling large enough to be split over threads: MEAN over H, W (the kept channel dim split), SUM
    over channels (rows split), REDUCE_MAX / REDUCE_MIN / REDUCE_PROD over one middle axis (kept dims on both sides),
    max and average pooling."""

    @tf.function(input_signature=[tf.TensorSpec([1, 48, 64, 96], tf.float32)])
    def f(x):
        near_one = 1.0 + 0.01 * x
        return (
            tf.reduce_mean(x, axis=[1, 2]),
            tf.reduce_sum(x, axis=3),
            tf.reduce_max(x, axis=1),
            tf.reduce_min(x, axis=2, keepdims=True),
            tf.reduce_prod(near_one, axis=1),
            tf.nn.max_pool2d(x, 3, 2, "SAME"),
            tf.nn.avg_pool2d(x, 2, 2, "VALID"),
        )

    return ru.convert(f)


def _run(model, inputs, isa=None, threads=1, fast=False, split512=None):
    _tflrt.set_isa(isa)
    _tflrt.set_split512(split512)
    try:
        it = Interpreter(model_content=model, num_threads=threads, experimental_fast_float=fast)
        return ru.run(it, inputs)
    finally:
        _tflrt.set_isa(None)
        _tflrt.set_split512(None)


# Every exact GEMM form: on the AVX-512 levels both the 256-bit tiles (CPUs that split 512-bit operations, AMD Zen 4)
# and the 512-bit ones (the rest), whichever this CPU would pick.
FORMS = ru.isa_forms()


def _assert_every_form_equals(model, inputs, want, threads):
    """Exact mode's outputs on every ISA form and thread count equal `want` bit for bit."""
    for isa, split in FORMS:
        for n in threads:
            got = _run(model, inputs, isa, n, split512=split)
            for i, (g, w) in enumerate(zip(got, want, strict=True)):
                assert g.tobytes() == w.tobytes(), (
                    f"output {i} differs at {isa} (split512 {split}), {n} threads"
                )


def _rel(got, ref):
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(np.asarray(got, np.float64) - ref))) / max(float(np.max(np.abs(ref))), 1e-30)


def test_levels_listed():
    assert _tflrt.isa()[1] in NAMES
    assert LEVELS[0] == "scalar" and "sse2" in LEVELS


def test_exact_bit_identical_across_isa_and_threads(small_model):
    inputs = ru.random_inputs(ru.ours(small_model).get_input_details(), seed=3)
    base = _run(small_model, inputs, "scalar", 1)
    _assert_every_form_equals(small_model, inputs, base, (1, 2))
    ref = ru.run(ru.litert(small_model), inputs)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL


def test_fast_float_within_tolerance(small_model):
    inputs = ru.random_inputs(ru.ours(small_model).get_input_details(), seed=4)
    exact = _run(small_model, inputs)
    for threads in (1, 2):
        fast = _run(small_model, inputs, threads=threads, fast=True)
        for g, e in zip(fast, exact, strict=True):
            assert np.all(np.isfinite(g)) and _rel(g, e) <= TOL
    # fast mode is deterministic across thread counts too (tasks never change what an element computes)
    a = _run(small_model, inputs, threads=1, fast=True)
    b = _run(small_model, inputs, threads=2, fast=True)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_cap_applies_to_interpreters_created_afterwards(small_model):
    top = _tflrt.isa()[1]
    assert _tflrt.set_isa("sse2") == "sse2"
    assert _tflrt.isa() == ("sse2", top)
    _tflrt.set_isa(None)
    assert _tflrt.isa() == (top, top)


def test_split512_setting():
    """set_split512 forces either exact GEMM form and None returns to what cpuid says: True only on AMD family 19h."""
    assert _tflrt.set_split512(True) is True
    assert _tflrt.set_split512(False) is False
    detected = _tflrt.set_split512(None)
    with open("/proc/cpuinfo") as f:
        info = f.read()
    amd_19h = "AuthenticAMD" in info and "\ncpu family\t: 25\n" in info
    assert detected is amd_19h


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["mobilenet_v2", "transformer_block"])
def test_model_exact_across_levels_and_fast(name):
    from corpus import build, sample_inputs

    model = build(name)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    data = conv.convert()
    inputs = sample_inputs(model)
    base = _run(data, inputs, LEVELS[-1], 1)
    for isa, split in [f for f in FORMS if f[0] in ("sse2", "avx2", LEVELS[-1])]:
        for threads in (1, 2):
            got = _run(data, inputs, isa, threads, split512=split)
            assert all(np.array_equal(g, b) for g, b in zip(got, base, strict=True)), (isa, split, threads)
    fast = _run(data, inputs, fast=True)
    for g, b in zip(fast, base, strict=True):
        assert _rel(g, b) <= TOL
    ref = ru.run(ru.litert(data), inputs)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL


def test_hybrid_conv_input_quantization_threads():
    """Dynamic-range CONV_2D on a 368k-element input: its input quantization is split over threads (min/max by ranges,
    folded in order), bit-exact with LiteRT's reference kernel and with one thread."""
    rng = np.random.default_rng(5)
    w = ru.normal_weights(rng, 3, 3, 40, 64)

    @tf.function(input_signature=[tf.TensorSpec([1, 96, 96, 40], tf.float32)])
    def f(x):
        return tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME"))

    model = ru.convert(f, quantize="dynamic")
    assert "CONV_2D" in ru.model_ops(model)
    inputs = ru.random_inputs(ru.ours(model).get_input_details(), seed=2, lo=-3.0, hi=2.0)
    want = ru.run(ru.litert(model), inputs)
    for threads in (1, 2):
        got = ru.run(ru.ours(model, num_threads=threads), inputs)
        assert all(np.array_equal(g, x) for g, x in zip(got, want, strict=True)), threads


@pytest.mark.parametrize("fixture", ["conv_paths_model", "reduce_pool_model"])
def test_new_paths_exact_across_isa_threads_and_fast(fixture, request):
    """Exact mode bit-identical on every level and for 1, 2 and 3 threads (uneven task splits) and within 1e-5 of
    LiteRT's reference kernels; fast mode within 1e-5 of exact and identical for any thread count."""
    model = request.getfixturevalue(fixture)
    inputs = ru.random_inputs(ru.ours(model).get_input_details(), seed=5)
    base = _run(model, inputs, "scalar", 1)
    _assert_every_form_equals(model, inputs, base, (1, 2, 3))
    ref = ru.run(ru.litert(model), inputs)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL
    fast1 = _run(model, inputs, threads=1, fast=True)
    for g, e in zip(fast1, base, strict=True):
        assert np.all(np.isfinite(g)) and _rel(g, e) <= TOL
    for threads in (2, 3):
        got = _run(model, inputs, threads=threads, fast=True)
        assert all(np.array_equal(x, y) for x, y in zip(got, fast1, strict=True)), threads
    if LEVELS[-1].startswith("avx512"):
        # fast mode's K blocks (256 unless the CPU splits 512-bit operations, else 1536) never change a result
        for split in (True, False):
            got = _run(model, inputs, threads=2, fast=True, split512=split)
            assert all(np.array_equal(x, y) for x, y in zip(got, fast1, strict=True)), split


@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_edge_pixels_equal_reference(stride):
    """Depthwise 3x3 (SAME) over maps made mostly of edge pixels: 1x1, 1x2, 2x1, 2x3, 3x2, 5x6, 7x7, 9x14, 1x9 and
    2x10, over 20 channels (a masked block) and 48: exact mode equals LiteRT's reference kernel bit for bit on every ISA
    form and for 1-3 threads (the AVX-512 kernel's edge pixels take only their valid taps, in order)."""
    rng = np.random.default_rng(21 + stride)
    specs = [(1, 1, 20), (1, 2, 48), (2, 1, 20), (2, 3, 48), (3, 2, 20), (5, 6, 48), (7, 7, 20), (9, 14, 48)]
    specs += [(1, 9, 48), (2, 10, 20)]  # four-pixel groups over one window row, and over two in both rows
    weights = [(ru.normal_weights(rng, 3, 3, c, 1), ru.normal_weights(rng, c)) for _, _, c in specs]

    @tf.function(input_signature=[tf.TensorSpec([1, h, w, c], tf.float32) for h, w, c in specs])
    def f(*xs):
        return tuple(
            tf.nn.relu6(tf.nn.depthwise_conv2d(x, wd, [1, stride, stride, 1], "SAME") + bd)
            for x, (wd, bd) in zip(xs, weights, strict=True)
        )

    model = ru.convert(f)
    inputs = ru.random_inputs(ru.ours(model).get_input_details(), seed=7, lo=-3.0, hi=3.0)
    want = ru.run(ru.litert(model), inputs)
    _assert_every_form_equals(model, inputs, want, (1, 2, 3))


def test_reduce_keeps_nan_and_order_across_threads(reduce_pool_model):
    """A NaN and signed zeros in the reduced data: the split reductions keep what the serial loop gives (REDUCE_MAX's
    `x > v ? x : v` drops a NaN met after a larger value, keeps one met first), equal for any thread count."""
    x = ru.random_inputs(ru.ours(reduce_pool_model).get_input_details(), seed=6)[0]
    x[0, 0, 5, 7] = np.nan
    x[0, 3, 9, :] = -0.0
    one = _run(reduce_pool_model, [x], threads=1)
    for threads in (2, 3):
        got = _run(reduce_pool_model, [x], threads=threads)
        for i, (g, b) in enumerate(zip(got, one, strict=True)):
            assert np.array_equal(g, b, equal_nan=True), f"output {i}, {threads} threads"
    assert np.isnan(one[0][0, 7])  # the mean over the NaN's channel


@pytest.fixture(scope="module")
def pool_tail_model():
    """Pooling over 20 channels (a masked 4-channel tail after one 16-channel block) with SAME borders (average
    divisors from 4 to 9 taps) and a fused ReLU6; LOGISTIC over 13340 elements (a 12-element tail after the
    16-lane blocks) on arguments past both of its cutoffs (x < -9, x > 16.6)."""

    @tf.function(input_signature=[tf.TensorSpec([1, 23, 29, 20], tf.float32)])
    def f(x):
        return (
            tf.nn.max_pool2d(x, 3, 2, "SAME"),
            tf.nn.avg_pool2d(x, 3, 1, "SAME"),
            tf.nn.relu6(tf.nn.max_pool2d(x, 2, 2, "VALID")),
            tf.nn.relu(tf.nn.avg_pool2d(x, [2, 3], [1, 2], "SAME")),
            tf.sigmoid(x * 20.0),
        )

    return ru.convert(f)


def test_pool_tail_nan_and_zeros_across_levels(pool_tail_model):
    """The AVX-512 pooling rows equal the scalar loops bit for bit on a NaN and signed zeros (max keeps the running
    value unless the tap is larger; the clamp keeps NaN and -0) at every level and thread count, and LiteRT's
    reference kernels on finite data."""
    x = ru.random_inputs(ru.ours(pool_tail_model).get_input_details(), seed=7)[0]
    ref = ru.run(ru.litert(pool_tail_model), [x])
    base = _run(pool_tail_model, [x], "scalar", 1)
    for g, r in zip(base, ref, strict=True):
        assert _rel(g, r) <= TOL
    x[0, 4, 6, 3] = np.nan
    x[0, 10, 11, 17] = np.nan
    x[0, 7, :, :] = -0.0
    x[0, 12, 3:9, 15:20] = 0.0
    base = _run(pool_tail_model, [x], "scalar", 1)
    for isa in LEVELS:
        for threads in (1, 2, 3):
            got = _run(pool_tail_model, [x], isa, threads)
            for i, (g, b) in enumerate(zip(got[:4], base[:4], strict=True)):
                assert np.array_equal(g.view(np.uint32), b.view(np.uint32)), (
                    f"output {i} differs at {isa}, {threads}"
                )
            assert np.array_equal(got[4], base[4], equal_nan=True), f"LOGISTIC differs at {isa}, {threads}"
    assert np.isnan(base[1]).any() and (np.signbit(base[0]) & (base[0] == 0)).any()
    fast = _run(pool_tail_model, [x], fast=True)
    assert _rel(np.nan_to_num(fast[4]), np.nan_to_num(base[4])) <= TOL


def test_sum_mean_rows_and_columns_equal_reference():
    """Float MEAN / SUM over an input that collapses to [rows, cols] (partial sums in registers: 64 kept columns at a
    time, or 8 kept rows at a time, then 8-wide and single tails): each output adds its inputs in memory order, so
    the bytes are LiteRT's reference kernel's on every ISA form and at 1-3 threads, with a NaN and a row of -0."""

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, 7, 7, 1290], tf.float32),
            tf.TensorSpec([1, 67, 131], tf.float32),
            tf.TensorSpec([3, 70], tf.float32),
        ]
    )
    def f(x, y, z):
        return (
            tf.reduce_mean(x, axis=[1, 2]),
            tf.reduce_mean(y, axis=-1, keepdims=True),
            tf.reduce_sum(z, axis=0),
            tf.reduce_sum(z, axis=1),
            tf.reduce_sum(y, axis=1),
        )

    model = ru.convert(f)
    rng = np.random.default_rng(1)
    inputs = [(rng.normal(size=s) * 10).astype(np.float32) for s in ([1, 7, 7, 1290], [1, 67, 131], [3, 70])]
    inputs[0][0, 3, 3, 5] = np.nan
    inputs[1][0, 4, :] = -0.0
    want = ru.run(ru.litert(model), inputs)
    _assert_every_form_equals(model, inputs, want, (1, 2, 3))
