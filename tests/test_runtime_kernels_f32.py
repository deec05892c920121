"""Float32 kernels of the C runtime against LiteRT's reference kernels (BUILTIN_REF), one small single-op model each.

Each model comes from TensorFlow's converter (a tf.function with fixed input specs); both interpreters get the same
seeded random inputs; the max abs difference must be <= 1e-5 x max(1, max|ref|).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ai_edge_litert.interpreter as litert  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import Interpreter  # noqa: E402

TOL = 1e-5


def convert(fn, specs, *, allow_custom=False) -> bytes:
    """Converts fn (a Python function of tensors) with fixed TensorSpecs to a float32 .tflite."""
    cf = tf.function(fn, input_signature=specs).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([cf])
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    model = conv.convert()
    if os.environ.get("TFLC_RECORD_OPS"):  # audit which builtin ops the suite exercises
        with open(os.environ["TFLC_RECORD_OPS"], "a") as f:
            f.write(" ".join(sorted(builtin_ops(model))) + "\n")
    return model


def random_inputs(details, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    out = []
    for d in details:
        shape, dt = tuple(d["shape"]), d["dtype"]
        if dt == np.bool_:
            out.append(rng.random(shape) < 0.5)
        elif np.issubdtype(dt, np.integer):
            out.append(rng.integers(0, 4, size=shape).astype(dt))
        else:
            out.append(rng.uniform(low, high, size=shape).astype(dt))
    return out


def run_ref(model: bytes, inputs):
    try:
        it = litert.Interpreter(
            model_content=model,
            num_threads=1,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
        )
    except ValueError as e:  # a few ops (CEIL) have no reference kernel registered: use the builtin one
        if "Didn't find op" not in str(e):
            raise
        it = litert.Interpreter(
            model_content=model,
            num_threads=1,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def run_ours(model: bytes, inputs):
    it = Interpreter(model_content=model, num_threads=1)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def builtin_ops(model: bytes) -> set[str]:
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    ops = set()
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        ops.add(names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?"))
    return ops


def check(fn, specs, expect_op=None, inputs=None, seed=0, low=-2.0, high=2.0, tol=TOL):
    model = convert(fn, specs)
    if expect_op is not None:
        ops = builtin_ops(model)
        assert expect_op in ops, f"converter emitted {ops}, not {expect_op}"
    if inputs is None:
        it = litert.Interpreter(model_content=model)
        inputs = random_inputs(it.get_input_details(), seed, low, high)
    ref = run_ref(model, inputs)
    ours = run_ours(model, inputs)
    assert len(ref) == len(ours)
    for r, o in zip(ref, ours):
        assert r.shape == o.shape, (r.shape, o.shape)
        assert r.dtype == o.dtype, (r.dtype, o.dtype)
        if r.dtype.kind in "biu":
            np.testing.assert_array_equal(o, r)
        else:
            scale = max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
            err = float(np.max(np.abs(r.astype(np.float64) - o))) if r.size else 0.0
            assert np.array_equal(np.isnan(r), np.isnan(o)), "NaN pattern differs"
            if np.isnan(err):
                m = ~np.isnan(r)
                err = float(np.max(np.abs(r[m].astype(np.float64) - o[m]))) if m.any() else 0.0
            assert err <= tol * scale, f"max abs err {err} > {tol} x {scale}"
    return model


def spec(*shape, dtype=None):
    return tf.TensorSpec(shape, dtype or tf.float32)


def const(rng, *shape, scale=0.5):
    return tf.constant(rng.uniform(-scale, scale, size=shape).astype(np.float32))


ACTS = {"none": lambda x: x, "relu": tf.nn.relu, "relu6": tf.nn.relu6}

# ----------------------------------------------------------------------------------------------- convolutions


@pytest.mark.parametrize(
    "k,stride,dil,pad,act,cin,cout",
    [
        (3, 1, 1, "SAME", "relu", 3, 8),
        (3, 2, 1, "SAME", "relu6", 4, 16),
        (3, 2, 1, "VALID", "none", 5, 7),
        (1, 1, 1, "VALID", "none", 8, 24),
        (1, 1, 1, "SAME", "relu6", 17, 33),
        (5, 1, 2, "SAME", "relu", 3, 6),
        (2, 2, 1, "SAME", "none", 6, 20),
        (4, 3, 1, "VALID", "relu", 2, 5),
    ],
)
def test_conv2d(k, stride, dil, pad, act, cin, cout):
    rng = np.random.default_rng(1)
    w = const(rng, k, k, cin, cout)
    b = const(rng, cout)
    f = lambda x: ACTS[act](tf.nn.conv2d(x, w, stride, pad, dilations=dil) + b)
    check(f, [spec(1, 11, 13, cin)], "CONV_2D")


def test_conv2d_batch_no_bias():
    rng = np.random.default_rng(2)
    w = const(rng, 3, 3, 4, 9)
    check(lambda x: tf.nn.conv2d(x, w, 1, "SAME"), [spec(2, 8, 8, 4)], "CONV_2D")


@pytest.mark.parametrize(
    "k,stride,dil,pad,act,c,mult",
    [
        (3, 1, 1, "SAME", "relu6", 8, 1),
        (3, 2, 1, "SAME", "relu", 16, 1),
        (3, 2, 1, "VALID", "none", 70, 1),
        (5, 1, 1, "SAME", "none", 4, 2),
        (3, 1, 2, "SAME", "relu6", 6, 1),
        (3, 1, 1, "VALID", "none", 3, 3),
    ],
)
def test_depthwise(k, stride, dil, pad, act, c, mult):
    rng = np.random.default_rng(3)
    w = const(rng, k, k, c, mult)
    b = const(rng, c * mult)
    f = lambda x: ACTS[act](
        tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], pad, dilations=[dil, dil]) + b
    )
    check(f, [spec(1, 12, 10, c)], "DEPTHWISE_CONV_2D")


@pytest.mark.parametrize(
    "k,stride,pad,out_hw",
    [(3, 2, "SAME", (16, 20)), (2, 2, "VALID", (16, 20)), (3, 1, "SAME", (8, 10)), (3, 2, "VALID", (17, 21))],
)
def test_transpose_conv(k, stride, pad, out_hw):
    rng = np.random.default_rng(4)
    w = const(rng, k, k, 5, 3)  # [h, w, out, in]
    f = lambda x: tf.nn.conv2d_transpose(x, w, [1, out_hw[0], out_hw[1], 5], stride, pad)
    check(f, [spec(1, 8, 10, 3)], "TRANSPOSE_CONV")


# ----------------------------------------------------------------------------------------- fully connected


@pytest.mark.parametrize(
    "batch,din,dout,act,bias",
    [
        (1, 16, 10, "none", True),
        (3, 40, 33, "relu", True),
        (7, 5, 64, "relu6", False),
        (1, 1280, 100, "none", True),
    ],
)
def test_fully_connected(batch, din, dout, act, bias):
    rng = np.random.default_rng(5)
    w = const(rng, din, dout)
    b = const(rng, dout)
    f = lambda x: ACTS[act](tf.matmul(x, w) + b) if bias else ACTS[act](tf.matmul(x, w))
    check(f, [spec(batch, din)], "FULLY_CONNECTED")


def test_fully_connected_keep_num_dims():
    rng = np.random.default_rng(6)
    w = const(rng, 24, 12)
    b = const(rng, 12)
    check(lambda x: tf.einsum("bsd,de->bse", x, w) + b, [spec(2, 5, 24)])


@pytest.mark.parametrize(
    "xs,ys,ax,ay",
    [
        ((2, 3, 4), (2, 4, 5), False, False),
        ((3, 4), (2, 4, 6), False, False),
        ((2, 1, 5, 4), (3, 6, 4), False, True),
        ((2, 4, 3), (2, 4, 5), True, False),
        ((1, 2, 7, 9), (1, 2, 9, 17), False, False),
    ],
)
def test_batch_matmul(xs, ys, ax, ay):
    f = lambda x, y: tf.linalg.matmul(x, y, adjoint_a=ax, adjoint_b=ay)
    check(f, [spec(*xs), spec(*ys)], "BATCH_MATMUL")


# ---------------------------------------------------------------------------------------------------- pooling


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("k,stride,pad", [(2, 2, "VALID"), (3, 2, "SAME"), (3, 1, "SAME"), (3, 3, "VALID")])
def test_pool(kind, k, stride, pad):
    fn = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d
    check(
        lambda x: fn(x, k, stride, pad),
        [spec(2, 11, 9, 6)],
        "AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D",
    )


def test_pool_fused_relu6():
    check(lambda x: tf.nn.relu6(tf.nn.avg_pool2d(x, 2, 2, "SAME")), [spec(1, 8, 8, 3)], low=-4, high=9)


@pytest.mark.parametrize(
    "method,align,half",
    [
        ("bilinear", False, True),
        ("bilinear", True, False),
        ("bilinear", False, False),
        ("nearest", False, True),
        ("nearest", True, False),
        ("nearest", False, False),
    ],
)
@pytest.mark.parametrize("size", [(13, 17), (4, 3)])
def test_resize(method, align, half, size):
    if method == "bilinear":
        f = lambda x: tf.compat.v1.image.resize_bilinear(
            x, size, align_corners=align, half_pixel_centers=half
        )
    else:
        f = lambda x: tf.compat.v1.image.resize_nearest_neighbor(
            x, size, align_corners=align, half_pixel_centers=half
        )
    check(f, [spec(1, 6, 7, 3)])


# ------------------------------------------------------------------------------------------------ elementwise

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "max": tf.maximum,
    "min": tf.minimum,
    "sqdiff": tf.math.squared_difference,
}


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((2, 3, 4), (2, 3, 4)),
        ((2, 3, 4), (4,)),
        ((1, 3, 1), (2, 1, 5)),
        ((2, 1, 3, 1, 2, 3), (1, 4, 3, 2, 1, 3)),
        ((5,), ()),
    ],
)
def test_binary(sa, sb):
    # one model computing every binary op on the same broadcast pair (outputs in BINARY's order)
    check(lambda a, b: tuple(fn(a, b) for fn in BINARY.values()), [spec(*sa), spec(*sb)])


@pytest.mark.parametrize("act", ["relu", "relu6"])
@pytest.mark.parametrize("name", ["add", "sub", "mul"])
def test_binary_fused_activation(name, act):
    check(lambda a, b: ACTS[act](BINARY[name](a, b)), [spec(2, 8, 3), spec(8, 3)], low=-5, high=5)


def test_pow():
    check(lambda a, b: tf.pow(a, b), [spec(3, 4), spec(4)], low=0.1, high=2.0)


def test_atan2():
    # all four quadrants and the axes: inputs are (y, x)
    rng = np.random.default_rng(12)
    y = rng.uniform(-3, 3, size=(4, 9)).astype(np.float32)
    x = rng.uniform(-3, 3, size=(4, 9)).astype(np.float32)
    y[0, :3], x[0, :3] = 0.0, [-1.0, 0.0, 1.0]
    check(lambda a, b: tf.math.atan2(a, b), [spec(4, 9), spec(4, 9)], expect_op="ATAN2", inputs=[y, x])


@pytest.mark.parametrize(
    ("src", "dst", "shape"),
    [(tf.float32, tf.int32, (3, 5)), (tf.float32, tf.int8, (3, 5)), (tf.int8, tf.float32, (3, 5, 4))],
    ids=["same-width", "split", "merge"],
)
def test_bitcast(src, dst, shape):
    rng = np.random.default_rng(13)
    if src == tf.int8:
        x = rng.integers(-128, 128, size=shape).astype(np.int8)
    else:
        x = rng.uniform(-4, 4, size=shape).astype(np.float32)
    # the identity around the bitcast keeps TF's converter from folding it into the graph's I/O
    check(
        lambda a: tf.bitcast(tf.identity(a), dst), [spec(*shape, dtype=src)], expect_op="BITCAST", inputs=[x]
    )


def test_every_op_the_compiler_emits_has_a_kernel():
    """Issue 3: the runtime executes every builtin op tflc's exporter can write."""
    import dialects.tfl as tfl
    from runtime import _tflrt

    emitted = {op.BUILTIN: op.name for op in tfl.TFL_OPS if getattr(op, "BUILTIN", None) is not None}
    assert len(emitted) > 50
    missing = sorted(name for code, name in emitted.items() if not _tflrt.has_kernel(int(code)))
    assert not missing, f"ops tflc emits but the runtime cannot execute: {missing}"


@pytest.mark.parametrize("name", ["add", "sub", "mul", "max", "min", "floordiv", "floormod"])
def test_binary_int32(name):
    ops = dict(BINARY, floordiv=tf.math.floordiv, floormod=tf.math.floormod)
    rng = np.random.default_rng(7)
    a = rng.integers(-20, 20, size=(3, 5)).astype(np.int32)
    b = rng.integers(1, 6, size=(5,)).astype(np.int32) * rng.choice([-1, 1], size=5).astype(np.int32)
    check(lambda x, y: ops[name](x, y), [spec(3, 5, dtype=tf.int32), spec(5, dtype=tf.int32)], inputs=[a, b])


@pytest.mark.parametrize("name", ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"])
def test_compare(name):
    fn = getattr(tf.math, name)
    rng = np.random.default_rng(8)
    a = rng.integers(-2, 2, size=(3, 4)).astype(np.float32)
    b = rng.integers(-2, 2, size=(4,)).astype(np.float32)
    check(lambda x, y: fn(x, y), [spec(3, 4), spec(4)], inputs=[a, b])


UNARY = {
    "rsqrt": (tf.math.rsqrt, 0.1, 4),
    "sqrt": (tf.sqrt, 0, 4),
    "square": (tf.square, -3, 3),
    "exp": (tf.exp, -5, 5),
    "log": (tf.math.log, 0.01, 10),
    "abs": (tf.abs, -3, 3),
    "neg": (tf.negative, -3, 3),
    "sin": (tf.sin, -6, 6),
    "cos": (tf.cos, -6, 6),
    "floor": (tf.floor, -5, 5),
    "ceil": (tf.math.ceil, -5, 5),
    "relu": (tf.nn.relu, -3, 3),
    "relu6": (tf.nn.relu6, -3, 9),
    "relu_n1_to_1": (lambda x: tf.clip_by_value(x, -1.0, 1.0), -3, 3),
    "elu": (tf.nn.elu, -4, 4),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, 0.3), -3, 3),
    "logistic": (tf.sigmoid, -20, 20),
    "tanh": (tf.tanh, -6, 6),
    "hard_swish": (lambda x: x * tf.nn.relu6(x + 3) / 6, -5, 5),
    "gelu": (lambda x: tf.nn.gelu(x, approximate=False), -4, 4),
    "gelu_approx": (lambda x: tf.nn.gelu(x, approximate=True), -4, 4),
    "softmax": (tf.nn.softmax, -5, 5),
    "softmax_beta": (lambda x: tf.nn.softmax(x * 0.5), -5, 5),
    "log_softmax": (tf.nn.log_softmax, -5, 5),
    "l2norm": (lambda x: tf.math.l2_normalize(x, axis=-1), -3, 3),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name):
    fn, lo, hi = UNARY[name]
    check(fn, [spec(3, 7, 11)], low=lo, high=hi)


def test_prelu():
    rng = np.random.default_rng(9)
    alpha = const(rng, 5)
    check(lambda x: tf.maximum(x, 0.0) + alpha * tf.minimum(x, 0.0), [spec(2, 4, 5)])


# -------------------------------------------------------------------------------------------------- reductions

REDUCE = {
    "mean": tf.reduce_mean,
    "sum": tf.reduce_sum,
    "max": tf.reduce_max,
    "min": tf.reduce_min,
    "prod": tf.reduce_prod,
}


@pytest.mark.parametrize(
    "axis,keep",
    [([1, 2], True), ([1, 2], False), ([-1], False), ([0, 3], True), ([2], True), ([0, 1, 2, 3], False)],
)
def test_reduce(axis, keep):
    # one model with every reduction over the same axes (outputs in REDUCE's order)
    check(
        lambda x: tuple(fn(x, axis=axis, keepdims=keep) for fn in REDUCE.values()),
        [spec(2, 5, 6, 3)],
        low=0.5,
        high=1.5,
    )


@pytest.mark.parametrize("fn", [tf.argmax, tf.argmin])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_arg_minmax(fn, axis):
    check(lambda x: fn(x, axis=axis, output_type=tf.int32), [spec(4, 6, 5)])


# ------------------------------------------------------------------------------------------------- shape ops


def test_reshape_squeeze_expand():
    check(lambda x: tf.expand_dims(tf.squeeze(tf.reshape(x, [6, 1, 4]), 1), 0) * 2.0, [spec(2, 3, 4)])


def test_reshape_dynamic_shape():
    # shape computed at run time from the input's shape
    def f(x):
        s = tf.shape(x)
        return tf.reshape(x, tf.stack([s[0] * s[1], s[2]])) + 1.0

    check(f, [spec(2, 3, 4)])


@pytest.mark.parametrize("perm", [[0, 2, 1], [2, 0, 1], [1, 0, 2]])
def test_transpose(perm):
    check(lambda x: tf.transpose(x, perm) + 0.0, [spec(3, 4, 5)])


def test_transpose_4d():
    check(lambda x: tf.transpose(x, [0, 3, 1, 2]) + 0.0, [spec(2, 3, 4, 5)])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    check(lambda a, b: tf.nn.relu(tf.concat([a, b * 2.0], axis)), [spec(2, 3, 4), spec(2, 3, 4)])


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_pack_unpack(axis):
    def f(a, b):
        s = tf.stack([a, b, a + b], axis=axis)
        u = tf.unstack(s * 1.5, axis=axis)
        return u[0] + u[2], u[1]

    check(f, [spec(3, 4), spec(3, 4)])


def test_split_splitv():
    def f(x):
        a, b = tf.split(x, 2, axis=1)
        c, d, e = tf.split(x, [1, 2, 3], axis=1)
        return a * b, c + e[:, :1], d

    check(f, [spec(2, 6, 3)])


@pytest.mark.parametrize(
    "sl",
    [
        (slice(1, 3), slice(None), slice(0, 4, 2)),
        (Ellipsis, slice(1, None)),
        (slice(None, None, -1), 1),
        (slice(None), None, slice(2, -1)),
        (0, Ellipsis, None, slice(-3, None, -1)),
        (slice(-2, None), slice(None, 2)),
    ],
)
def test_strided_slice(sl):
    check(lambda x: x[sl] * 1.0, [spec(4, 5, 6)], "STRIDED_SLICE")


def test_slice():
    check(lambda x: tf.slice(x, [1, 0, 2], [2, -1, 3]) + 0.0, [spec(4, 5, 6)])


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad(mode):
    check(lambda x: tf.pad(x, [[0, 1], [2, 1], [1, 2]], mode=mode) + 0.0, [spec(2, 4, 5)])


def test_padv2():
    check(lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=3.5) + 0.0, [spec(3, 4)])


@pytest.mark.parametrize("axis,batch_dims", [(0, 0), (1, 0), (2, 0), (1, 1)])
def test_gather(axis, batch_dims):
    idx = np.array([[2, 0, 1], [1, 1, 0], [0, 2, 2]][:3], np.int32)
    check(lambda x: tf.gather(x, idx, axis=axis, batch_dims=batch_dims) + 0.0, [spec(3, 3, 4)], "GATHER")


def test_gather_input_indices():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((10, 4)).astype(np.float32)
    i = rng.integers(0, 10, size=(2, 3)).astype(np.int32)
    check(lambda p, q: tf.gather(p, q), [spec(10, 4), spec(2, 3, dtype=tf.int32)], inputs=[x, i])


def test_gather_nd():
    idx = np.array([[0, 1], [2, 3], [1, 0]], np.int32)
    check(lambda x: tf.gather_nd(x, idx) + 0.0, [spec(3, 4, 5)], "GATHER_ND")


def test_tile_broadcast_to():
    check(lambda x: tf.tile(x, [2, 1, 3]) + tf.broadcast_to(x[:, :1, :1], [2, 3, 12]), [spec(1, 3, 4)])


def test_cast_fill_range_shape_zeros():
    def f(x):
        n = tf.cast(x * 3.0, tf.int32)
        r = tf.range(2, 14, 3)
        return (
            tf.cast(n, tf.float32) + tf.cast(tf.reduce_sum(r), tf.float32),
            tf.shape(x),
            tf.zeros_like(x) + tf.fill([3, 4], 2.0),
        )

    check(f, [spec(3, 4)])


def test_select_v2():
    check(lambda c, x, y: tf.where(c, x, y), [spec(3, 1, dtype=tf.bool), spec(3, 4), spec(4)])


def test_mean_global_pool_then_fc():
    rng = np.random.default_rng(11)
    w = const(rng, 32, 10)
    check(lambda x: tf.matmul(tf.reduce_mean(x, axis=[1, 2]), w), [spec(1, 7, 7, 32)])


# ------------------------------------------------------------------------------------------- float16 weights


def test_dequantize_float16():
    rng = np.random.default_rng(12)
    w = const(rng, 3, 3, 4, 8)
    cf = tf.function(
        lambda x: tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME")), input_signature=[spec(1, 8, 8, 4)]
    ).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([cf])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    model = conv.convert()
    assert "DEQUANTIZE" in builtin_ops(model)
    x = np.random.default_rng(0).standard_normal((1, 8, 8, 4)).astype(np.float32)
    ref, ours = run_ref(model, [x]), run_ours(model, [x])
    assert np.max(np.abs(ref[0] - ours[0])) <= TOL * max(1.0, np.max(np.abs(ref[0])))


# ------------------------------------------------------------------------------------------------------- LSTM


def lstm_model(
    T,
    B,
    I,
    C,
    O,
    *,
    cifg=False,
    peep=False,
    proj=False,
    ln=False,
    time_major=False,
    cell_clip=0.0,
    proj_clip=0.0,
    seed=0,
) -> bytes:
    """A single UNIDIRECTIONAL_SEQUENCE_LSTM model written with the FlatBuffer bindings (24-input layout)."""
    import flatbuffers
    import tflite

    rng = np.random.default_rng(seed)
    b = flatbuffers.Builder(1024)
    buffers = [b""]  # buffer 0 is empty
    tensors = []  # (name, shape, buffer, is_variable)

    def add(name, shape, data=None, variable=False):
        buf = 0
        if data is not None:
            buffers.append(np.asarray(data, np.float32).tobytes())
            buf = len(buffers) - 1
        tensors.append((name, shape, buf, variable))
        return len(tensors) - 1

    def w(*shape):
        return rng.uniform(-0.5, 0.5, size=shape)

    x_shape = [T, B, I] if time_major else [B, T, I]
    ins = [add("x", x_shape)]
    ins.append(-1 if cifg else add("wxi", [C, I], w(C, I)))
    ins += [add(n, [C, I], w(C, I)) for n in ("wxf", "wxc", "wxo")]
    ins.append(-1 if cifg else add("whi", [C, O], w(C, O)))
    ins += [add(n, [C, O], w(C, O)) for n in ("whf", "whc", "who")]
    ins.append(add("pi", [C], w(C)) if peep and not cifg else -1)
    ins += [add(n, [C], w(C)) if peep else -1 for n in ("pf", "po")]
    ins.append(-1 if cifg else add("bi", [C], w(C)))
    ins += [add(n, [C], w(C)) for n in ("bf", "bc", "bo")]
    ins.append(add("wp", [O, C], w(O, C)) if proj else -1)
    ins.append(add("bp", [O], w(O)) if proj else -1)
    ins.append(add("h", [B, O], variable=True))
    ins.append(add("c", [B, C], variable=True))
    ins.append(add("lni", [C], 1 + w(C)) if ln and not cifg else -1)
    ins += [add(n, [C], 1 + w(C)) if ln else -1 for n in ("lnf", "lnc", "lno")]
    out = add("y", [x_shape[0], x_shape[1], O])

    buf_offs = []
    for data in buffers:
        dv = None
        if data:
            b.StartVector(1, len(data), 16)
            for byte in reversed(data):
                b.PrependByte(byte)
            dv = b.EndVector()
        tflite.BufferStart(b)
        if dv is not None:
            tflite.BufferAddData(b, dv)
        buf_offs.append(tflite.BufferEnd(b))
    t_offs = []
    for name, shape, buf, var in tensors:
        nm = b.CreateString(name)
        tflite.TensorStartShapeVector(b, len(shape))
        for s in reversed(shape):
            b.PrependInt32(s)
        sv = b.EndVector()
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, sv)
        tflite.TensorAddType(b, tflite.TensorType.FLOAT32)
        tflite.TensorAddBuffer(b, buf)
        tflite.TensorAddName(b, nm)
        tflite.TensorAddIsVariable(b, var)
        t_offs.append(tflite.TensorEnd(b))

    def ivec(start, vals):
        start(b, len(vals))
        for v in reversed(vals):
            b.PrependInt32(v)
        return b.EndVector()

    tflite.UnidirectionalSequenceLSTMOptionsStart(b)
    tflite.UnidirectionalSequenceLSTMOptionsAddFusedActivationFunction(b, tflite.ActivationFunctionType.TANH)
    tflite.UnidirectionalSequenceLSTMOptionsAddCellClip(b, cell_clip)
    tflite.UnidirectionalSequenceLSTMOptionsAddProjClip(b, proj_clip)
    tflite.UnidirectionalSequenceLSTMOptionsAddTimeMajor(b, time_major)
    opts = tflite.UnidirectionalSequenceLSTMOptionsEnd(b)
    op_in = ivec(tflite.OperatorStartInputsVector, ins)
    op_out = ivec(tflite.OperatorStartOutputsVector, [out])
    tflite.OperatorStart(b)
    tflite.OperatorAddOpcodeIndex(b, 0)
    tflite.OperatorAddInputs(b, op_in)
    tflite.OperatorAddOutputs(b, op_out)
    tflite.OperatorAddBuiltinOptionsType(b, tflite.BuiltinOptions.UnidirectionalSequenceLSTMOptions)
    tflite.OperatorAddBuiltinOptions(b, opts)
    op = tflite.OperatorEnd(b)

    tflite.SubGraphStartTensorsVector(b, len(t_offs))
    for t in reversed(t_offs):
        b.PrependUOffsetTRelative(t)
    tv = b.EndVector()
    sg_in = ivec(tflite.SubGraphStartInputsVector, [0])
    sg_out = ivec(tflite.SubGraphStartOutputsVector, [out])
    tflite.SubGraphStartOperatorsVector(b, 1)
    b.PrependUOffsetTRelative(op)
    ov = b.EndVector()
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tv)
    tflite.SubGraphAddInputs(b, sg_in)
    tflite.SubGraphAddOutputs(b, sg_out)
    tflite.SubGraphAddOperators(b, ov)
    sg = tflite.SubGraphEnd(b)

    code = tflite.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    tflite.OperatorCodeStart(b)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(b, code)
    tflite.OperatorCodeAddBuiltinCode(b, code)
    tflite.OperatorCodeAddVersion(b, 1)
    oc = tflite.OperatorCodeEnd(b)

    def ovec(start, offs):
        start(b, len(offs))
        for o in reversed(offs):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    codes = ovec(tflite.ModelStartOperatorCodesVector, [oc])
    sgs = ovec(tflite.ModelStartSubgraphsVector, [sg])
    bufs = ovec(tflite.ModelStartBuffersVector, buf_offs)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, codes)
    tflite.ModelAddSubgraphs(b, sgs)
    tflite.ModelAddBuffers(b, bufs)
    b.Finish(tflite.ModelEnd(b), b"TFL3")
    return bytes(b.Output())


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"time_major": True},
        {"cifg": True},
        {"peep": True},
        {"proj": True, "proj_clip": 0.4},
        {"cell_clip": 0.3, "peep": True, "cifg": True},
        {"ln": True},
        {"ln": True, "cifg": True, "proj": True},
    ],
)
def test_unidirectional_sequence_lstm(kw):
    T, B, I, C = 5, 2, 3, 6
    O = 4 if kw.get("proj") else C
    model = lstm_model(T, B, I, C, O, **kw)
    x = (
        np.random.default_rng(1)
        .uniform(-1, 1, size=(T, B, I) if kw.get("time_major") else (B, T, I))
        .astype(np.float32)
    )
    ref_it = litert.Interpreter(
        model_content=model, num_threads=1, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    ours_it = Interpreter(model_content=model, num_threads=1)
    for it in (ref_it, ours_it):
        it.allocate_tensors()
    # two invocations: the state variables carry over between them
    for step in range(2):
        outs = []
        for it in (ref_it, ours_it):
            it.set_tensor(it.get_input_details()[0]["index"], x * (step + 1))
            it.invoke()
            outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
        ref, ours = outs
        assert ref.shape == ours.shape
        assert np.max(np.abs(ref - ours)) <= TOL * max(1.0, np.max(np.abs(ref))), (
            step,
            np.max(np.abs(ref - ours)),
        )


# ------------------------------------------------------------------------------- ops with run-time operands


def test_range_fill_dynamic():
    def f(start, limit, delta, dims, v):
        return tf.range(start, limit, delta), tf.fill(dims, v), tf.range(1.5, tf.cast(limit, tf.float32), 0.5)

    ins = [np.int32(2), np.int32(17), np.int32(3), np.array([2, 3], np.int32), np.float32(1.25)]
    check(
        f,
        [spec(dtype=tf.int32), spec(dtype=tf.int32), spec(dtype=tf.int32), spec(2, dtype=tf.int32), spec()],
        inputs=ins,
    )


def test_expand_dims_runtime_axis():
    check(
        lambda x, a: tf.expand_dims(x, a) * 2.0,
        [spec(3, 4), spec(dtype=tf.int32)],
        inputs=[np.ones((3, 4), np.float32), np.int32(-1)],
    )


def test_shape_of_dynamic_batch():
    # the unknown batch dim keeps SHAPE (and the shape math after it) in the model
    def f(x):
        s = tf.shape(x)
        return tf.reshape(x, tf.stack([s[0], 2, -1])) + tf.zeros_like(x)[:, :1, None], tf.shape(x)

    check(f, [tf.TensorSpec([None, 6], tf.float32)])


def test_resize_tensor_input_reprepares_shape_math():
    def f(x):
        s = tf.shape(x)
        return tf.reshape(x, tf.stack([s[0] * 3, -1])) * 2.0

    model = convert(f, [tf.TensorSpec([None, 3, 4], tf.float32)])
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)
    outs = []
    for it in (
        litert.Interpreter(
            model_content=model, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
        ),
        Interpreter(model_content=model),
    ):
        it.resize_tensor_input(it.get_input_details()[0]["index"], [5, 3, 4])
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
    assert outs[0].shape == outs[1].shape == (15, 4)
    np.testing.assert_allclose(outs[1], outs[0], rtol=0, atol=1e-6)


def test_prelu_keras():
    import keras

    m = keras.Sequential(
        [
            keras.Input((5, 6, 4)),
            keras.layers.PReLU(alpha_initializer=keras.initializers.RandomUniform(-1, 1, seed=1)),
        ]
    )
    model = tf.lite.TFLiteConverter.from_keras_model(m).convert()
    assert "PRELU" in builtin_ops(model)
    x = np.random.default_rng(0).standard_normal((1, 5, 6, 4)).astype(np.float32)
    np.testing.assert_allclose(run_ours(model, [x])[0], run_ref(model, [x])[0], rtol=0, atol=1e-6)


def test_select_v1_reverse_space_depth():
    def f(c, x, y):
        s = tf.raw_ops.Select(condition=c, x=x, y=y)
        r = tf.reverse(x, [1])
        d = tf.nn.space_to_depth(tf.reshape(y, [1, 4, 6, 2]), 2)
        return s, r, tf.nn.depth_to_space(d, 2)

    check(f, [spec(4, 12, dtype=tf.bool), spec(4, 12), spec(4, 12)])


def test_logical_sign_round_any():
    def f(a, b):
        l1 = tf.logical_and(a > 0, b > 0)
        l2 = tf.logical_or(a > 1, tf.logical_not(b < 0))
        return (
            tf.cast(l1, tf.float32) + tf.sign(a) + tf.round(b * 3.0),
            tf.reduce_any(l2, axis=1),
            tf.reduce_all(l2, axis=0),
        )

    check(f, [spec(3, 5), spec(3, 5)])


def test_cast_int_bool():
    def f(x, i):
        return tf.cast(x, tf.int32), tf.cast(i, tf.float32), tf.cast(i, tf.bool), tf.cast(x > 0, tf.int32) + i

    check(f, [spec(3, 4), spec(3, 4, dtype=tf.int32)], low=-20, high=20)


# ---------------------------------------------------------------------------------- baseline-ISA kernel clones


def test_baseline_isa_clones_match():
    """The SSE2 clones (picked on CPUs without AVX2+FMA; forced here with TFLRT_DISABLE_AVX2=1) give the same
    results as LiteRT for the GEMM, depthwise and vector-exp kernels."""
    import subprocess
    import sys

    rng = np.random.default_rng(13)
    w, dw, fc = const(rng, 3, 3, 5, 19), const(rng, 3, 3, 19, 1), const(rng, 19, 7)

    def f(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w, 2, "SAME"))
        y = tf.sigmoid(tf.nn.depthwise_conv2d(y, dw, [1, 1, 1, 1], "SAME")) * y
        return tf.nn.softmax(tf.matmul(tf.reduce_mean(y, axis=[1, 2]), fc))

    model = convert(f, [spec(2, 15, 13, 5)])
    x = np.random.default_rng(0).uniform(-2, 2, size=(2, 15, 13, 5)).astype(np.float32)
    ref = run_ref(model, [x])[0]
    code = (
        "import sys, numpy as np; sys.path.insert(0, sys.argv[1]); from runtime import Interpreter\n"
        "it = Interpreter(model_content=open(sys.argv[2], 'rb').read()); it.allocate_tensors()\n"
        "it.set_tensor(it.get_input_details()[0]['index'], np.load(sys.argv[3])); it.invoke()\n"
        "np.save(sys.argv[4], it.get_tensor(it.get_output_details()[0]['index']))\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        mp, xp, op = os.path.join(d, "m.tflite"), os.path.join(d, "x.npy"), os.path.join(d, "o.npy")
        open(mp, "wb").write(model)
        np.save(xp, x)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, TFLRT_DISABLE_AVX2="1")
        subprocess.run([sys.executable, "-c", code, root, mp, xp, op], check=True, env=env)
        ours = np.load(op)
    assert np.max(np.abs(ref - ours)) <= TOL * max(1.0, float(np.max(np.abs(ref))))


@pytest.mark.parametrize(
    "axis,exclusive,reverse", [(0, False, False), (1, True, False), (-1, False, True), (1, True, True)]
)
def test_cumsum(axis, exclusive, reverse):
    check(
        lambda x, i: (
            tf.math.cumsum(x, axis, exclusive=exclusive, reverse=reverse),
            tf.math.cumsum(i, axis, exclusive=exclusive, reverse=reverse),
        ),
        [spec(3, 4, 5), spec(3, 4, 5, dtype=tf.int32)],
        "CUMSUM",
    )
