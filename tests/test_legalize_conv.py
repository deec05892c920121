"""Conv / pooling legalization and prepare-tf, end to end: Keras models -> tflc -> LiteRT vs TensorFlow.

Each model is converted with `compiler.TFLiteConverter`, run in `ai_edge_litert` (1 thread) and compared with the
Keras model's own output on the same random input (max error relative to the output's max magnitude <= 1e-5).
The op lists checked are what prepare-tf and legalize-tf guarantee (e.g. no MUL/ADD left for a BatchNorm after
a conv); activation fusion is the optimizer's business and is not asserted here.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ai_edge_litert.interpreter as litert  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402
from compiler.errors import ConversionError  # noqa: E402

TOL = 1e-5


def _litert_ops(data: bytes) -> list[str]:
    interp = litert.Interpreter(model_content=data, num_threads=1)
    return [d["op_name"] for d in interp._get_ops_details()]


def _run_litert(data: bytes, x: np.ndarray) -> np.ndarray:
    interp = litert.Interpreter(model_content=data, num_threads=1)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def _rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    assert got.shape == ref.shape, (got.shape, ref.shape)
    return float(np.max(np.abs(got - ref)) / max(float(np.max(np.abs(ref))), 1e-30))


def _randomize(model: keras.Model, seed: int = 1) -> None:
    """Non-trivial biases and BatchNorm statistics (Keras initializes them to 0/1)."""
    rs = np.random.RandomState(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = weights
            layer.set_weights(
                [
                    rs.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                    rs.randn(*beta.shape).astype(np.float32),
                    rs.randn(*mean.shape).astype(np.float32),
                    rs.uniform(0.5, 2.0, var.shape).astype(np.float32),
                ]
            )
        else:
            layer.set_weights([w if w.ndim > 1 else rs.randn(*w.shape).astype(np.float32) for w in weights])


def convert_and_compare(model: keras.Model, seed: int = 0) -> list[str]:
    """Convert `model`, check LiteRT against TensorFlow, return the converted model's op names."""
    _randomize(model)
    data = TFLiteConverter.from_keras_model(model).convert()
    shape = tuple(model.inputs[0].shape)
    x = np.random.RandomState(seed).randn(*shape).astype(np.float32)
    ref = np.asarray(model(x))
    got = _run_litert(data, x)
    err = _rel_err(got, ref)
    assert err <= TOL, f"relative error {err:.3g} > {TOL}"
    return _litert_ops(data)


def _model(input_shape: tuple[int, ...], *layers: keras.layers.Layer) -> keras.Model:
    inp = keras.Input(input_shape, batch_size=1)
    x = inp
    for layer in layers:
        x = layer(x)
    return keras.Model(inp, x)


# ---- Conv2D -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "kernel", "strides", "dilation", "padding", "use_bias"),
    [
        (4, 3, 1, 1, "same", True),
        (4, 3, 2, 1, "valid", False),
        (5, (3, 2), (2, 1), 1, "same", True),
        (3, 1, 1, 1, "valid", True),
        (4, 3, 1, 2, "same", True),  # dilation: SpaceToBatchND/Conv2D/BatchToSpaceND -> one dilated conv
        (4, 3, 1, (2, 3), "valid", False),
        (2, 5, 3, 1, "same", True),
    ],
)
def test_conv2d(filters, kernel, strides, dilation, padding, use_bias):
    model = _model(
        (11, 12, 3),
        keras.layers.Conv2D(
            filters, kernel, strides=strides, dilation_rate=dilation, padding=padding, use_bias=use_bias
        ),
    )
    assert convert_and_compare(model) == ["CONV_2D"]


def test_conv2d_relu_chain():
    model = _model(
        (9, 9, 2),
        keras.layers.Conv2D(6, 3, padding="same"),
        keras.layers.ReLU(),
        keras.layers.Conv2D(3, 3, strides=2),
        keras.layers.ReLU(6.0),
    )
    ops = convert_and_compare(model)
    assert ops.count("CONV_2D") == 2
    assert "ADD" not in ops  # biases absorbed


# ---- DepthwiseConv2D --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel", "multiplier", "strides", "dilation", "padding", "use_bias"),
    [
        (3, 1, 1, 1, "same", True),
        (3, 2, 2, 1, "valid", False),
        (3, 3, 1, 2, "same", True),
        ((2, 3), 1, 2, 1, "same", True),
    ],
)
def test_depthwise(kernel, multiplier, strides, dilation, padding, use_bias):
    model = _model(
        (10, 10, 4),
        keras.layers.DepthwiseConv2D(
            kernel,
            strides=strides,
            depth_multiplier=multiplier,
            dilation_rate=dilation,
            padding=padding,
            use_bias=use_bias,
        ),
    )
    assert convert_and_compare(model) == ["DEPTHWISE_CONV_2D"]


# ---- Conv2DTranspose --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "kernel", "strides", "padding", "use_bias"),
    [
        (5, 3, 2, "same", True),
        (3, 3, 1, "valid", False),
        (4, (2, 3), 2, "valid", True),
        (2, 4, (2, 1), "same", False),
    ],
)
def test_conv2d_transpose(filters, kernel, strides, padding, use_bias):
    model = _model(
        (5, 6, 3),
        keras.layers.Conv2DTranspose(filters, kernel, strides=strides, padding=padding, use_bias=use_bias),
    )
    assert convert_and_compare(model) == ["TRANSPOSE_CONV"]


# ---- pooling ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "op"),
    [
        (lambda: keras.layers.MaxPooling2D(2), "MAX_POOL_2D"),
        (lambda: keras.layers.MaxPooling2D(3, strides=2, padding="same"), "MAX_POOL_2D"),
        (lambda: keras.layers.MaxPooling2D((2, 3), strides=(1, 2), padding="valid"), "MAX_POOL_2D"),
        (lambda: keras.layers.AveragePooling2D(2), "AVERAGE_POOL_2D"),
        (lambda: keras.layers.AveragePooling2D(3, strides=1, padding="same"), "AVERAGE_POOL_2D"),
        (lambda: keras.layers.AveragePooling2D(3, strides=2, padding="same"), "AVERAGE_POOL_2D"),
    ],
)
def test_pooling(layer, op):
    model = _model((9, 8, 3), layer())
    assert convert_and_compare(model) == [op]


# ---- prepare-tf: BatchNorm, padding ----------------------------------------------------------------------------


def test_conv_batchnorm_relu6():
    """Conv + BatchNormalization + ReLU6 (MobileNet block): the BatchNorm is folded into the conv."""
    model = _model(
        (9, 9, 3),
        keras.layers.Conv2D(8, 3, strides=2, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(6.0),
        keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(6.0),
        keras.layers.Conv2D(4, 1, use_bias=True),
        keras.layers.BatchNormalization(),
    )
    ops = convert_and_compare(model)
    assert ops.count("CONV_2D") == 2 and ops.count("DEPTHWISE_CONV_2D") == 1
    assert set(ops) <= {"CONV_2D", "DEPTHWISE_CONV_2D", "RELU6"}, ops


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # Conv1D: ExpandDims -> Conv2D -> Squeeze; bias and BatchNorm move above the Squeeze and fold.
        (
            lambda: _model(
                (16, 3), keras.layers.Conv1D(4, 3, padding="same"), keras.layers.BatchNormalization()
            ),
            ["RESHAPE", "CONV_2D", "RESHAPE"],
        ),
        # dilated causal Conv1D: the 1-D SpaceToBatchND/BatchToSpaceND pair becomes a dilated CONV_2D.
        (
            lambda: _model((16, 3), keras.layers.Conv1D(4, 3, dilation_rate=2, padding="causal")),
            ["PAD", "RESHAPE", "CONV_2D", "RESHAPE"],
        ),
        (
            lambda: _model(
                (9, 9, 3),
                keras.layers.SeparableConv2D(5, 3, depth_multiplier=2, padding="same"),
                keras.layers.BatchNormalization(),
            ),
            ["DEPTHWISE_CONV_2D", "CONV_2D"],
        ),
        (
            lambda: _model(
                (5, 5, 3),
                keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
                keras.layers.BatchNormalization(),
            ),
            ["TRANSPOSE_CONV"],
        ),
        (
            lambda: _model((9, 9, 4), keras.layers.Conv2D(6, 3, groups=2), keras.layers.BatchNormalization()),
            ["CONV_2D"],
        ),
        (
            lambda: _model(
                (9, 9, 4),
                keras.layers.DepthwiseConv2D(3, depth_multiplier=3, dilation_rate=2),
                keras.layers.BatchNormalization(),
            ),
            ["DEPTHWISE_CONV_2D"],
        ),
    ],
    ids=[
        "conv1d_bn",
        "conv1d_dilated_causal",
        "separable_bn",
        "conv_transpose_bn",
        "grouped_bn",
        "depthwise_dilated_bn",
    ],
)
def test_conv_variants(make, expected):
    assert convert_and_compare(make()) == expected


def test_zero_padding_as_same():
    """ZeroPadding2D exactly as SAME pads (MobileNetV2's stride-2 blocks) becomes a SAME conv: no PAD."""
    model = _model(
        (8, 8, 3),
        keras.layers.ZeroPadding2D(((0, 1), (0, 1))),
        keras.layers.Conv2D(4, 3, strides=2, padding="valid"),
        keras.layers.ZeroPadding2D(1),
        keras.layers.DepthwiseConv2D(3, padding="valid"),
    )
    assert convert_and_compare(model) == ["CONV_2D", "DEPTHWISE_CONV_2D"]


def _convert_function(fn, *specs) -> bytes:
    concrete = tf.function(fn).get_concrete_function(*specs)
    return TFLiteConverter.from_concrete_functions([concrete]).convert()


def test_fused_batch_norm_v3_into_conv():
    """tf.nn.conv2d + FusedBatchNormV3 (inference) + BiasAdd-free: one CONV_2D, nothing left of the BatchNorm."""
    rs = np.random.RandomState(3)
    w = tf.constant(rs.randn(3, 3, 2, 5).astype(np.float32))
    scale, offset, mean = (tf.constant(rs.randn(5).astype(np.float32)) for _ in range(3))
    var = tf.constant(rs.uniform(0.5, 2.0, 5).astype(np.float32))

    def fn(x):
        y = tf.nn.conv2d(x, w, strides=1, padding="SAME")
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(
            y, scale, offset, mean, var, epsilon=1e-3, is_training=False
        )
        return tf.nn.relu(y)

    data = _convert_function(fn, tf.TensorSpec([1, 6, 6, 2], tf.float32))
    x = rs.randn(1, 6, 6, 2).astype(np.float32)
    assert _rel_err(_run_litert(data, x), fn(x).numpy()) <= TOL
    ops = _litert_ops(data)
    assert ops.count("CONV_2D") == 1 and set(ops) <= {"CONV_2D", "RELU"}, ops


@pytest.mark.parametrize("kind", ["conv", "depthwise", "transpose"])
def test_per_channel_chain_folds_into_conv(kind):
    """conv (+bias) * c / d + e - f, constants of various broadcastable shapes: one conv op, same numbers."""
    rs = np.random.RandomState(5)
    channels = 6

    def const(*shape):
        return tf.constant(rs.uniform(0.5, 1.5, shape).astype(np.float32))

    if kind == "conv":
        w = tf.constant(rs.randn(3, 3, 3, channels).astype(np.float32))
        conv = lambda x: tf.nn.conv2d(x, w, strides=2, padding="SAME")  # noqa: E731
        op = "CONV_2D"
    elif kind == "depthwise":
        w = tf.constant(rs.randn(3, 3, 3, 2).astype(np.float32))
        conv = lambda x: tf.nn.depthwise_conv2d(x, w, strides=[1, 1, 1, 1], padding="VALID")  # noqa: E731
        op = "DEPTHWISE_CONV_2D"
    else:
        w = tf.constant(rs.randn(3, 3, channels, 3).astype(np.float32))
        conv = lambda x: tf.nn.conv2d_transpose(x, w, [1, 14, 14, channels], strides=2)  # noqa: E731
        op = "TRANSPOSE_CONV"
    bias, c, d, e, f = (
        const(channels),
        const(1, 1, 1, channels),
        const(channels),
        const(1, channels),
        const(1),
    )

    def fn(x):
        y = tf.nn.bias_add(conv(x), bias)
        return tf.nn.relu(((y * c) / d + e) - f)

    data = _convert_function(fn, tf.TensorSpec([1, 7, 7, 3], tf.float32))
    x = rs.randn(1, 7, 7, 3).astype(np.float32)
    assert _rel_err(_run_litert(data, x), fn(x).numpy()) <= TOL
    ops = _litert_ops(data)
    assert ops.count(op) == 1 and set(ops) <= {op, "RELU"}, ops


@pytest.mark.parametrize(
    ("paddings", "expected"),
    [
        ([[0, 0], [1, 1], [1, 1], [0, 0]], ["CONV_2D"]),  # equal to SAME's: no PAD at all
        ([[0, 0], [2, 0], [1, 3], [0, 0]], ["PAD", "CONV_2D"]),
    ],
)
def test_explicit_padding(paddings, expected):
    """tf.nn.conv2d with explicit paddings: PAD + VALID conv, or a SAME conv when the padding is SAME's."""
    rs = np.random.RandomState(4)
    w = tf.constant(rs.randn(3, 3, 2, 3).astype(np.float32))

    def fn(x):
        return tf.nn.conv2d(x, w, strides=1, padding=paddings)

    data = _convert_function(fn, tf.TensorSpec([1, 5, 5, 2], tf.float32))
    x = rs.randn(1, 5, 5, 2).astype(np.float32)
    assert _rel_err(_run_litert(data, x), fn(x).numpy()) <= TOL
    assert _litert_ops(data) == expected


def test_zero_padding_not_same_keeps_pad():
    """ResNet-style ZeroPadding2D(3) before a stride-2 7x7 conv is not SAME's padding: PAD stays."""
    model = _model((12, 12, 3), keras.layers.ZeroPadding2D(3), keras.layers.Conv2D(4, 7, strides=2))
    assert convert_and_compare(model) == ["PAD", "CONV_2D"]


# ---- must not legalize -------------------------------------------------------------------------------------------


def test_non_constant_filter_is_reported():
    def fn(x, w):
        return tf.nn.conv2d(x, w, strides=1, padding="SAME")

    with pytest.raises(ConversionError, match="Conv2D"):
        _convert_function(
            fn, tf.TensorSpec([1, 4, 4, 2], tf.float32), tf.TensorSpec([3, 3, 2, 2], tf.float32)
        )


def test_channels_first_model():
    """A Keras channels_first (NCHW) model: transposes to NHWC around each op cancel or sink, leaving one
    TRANSPOSE at the input; BatchNorm and biases still fold. TensorFlow cannot run NCHW convs on CPU, so the
    reference is the same model built channels_last with the same weights, on the transposed input."""

    def build(channels_first: bool) -> keras.Model:
        df, axis = ("channels_first", 1) if channels_first else ("channels_last", -1)
        inp = keras.Input((3, 10, 10) if channels_first else (10, 10, 3), batch_size=1)
        x = keras.layers.Conv2D(4, 3, data_format=df, padding="same", strides=2)(inp)
        x = keras.layers.BatchNormalization(axis=axis)(x)
        x = keras.layers.ReLU()(x)
        y = keras.layers.Conv2D(4, 1, data_format=df, use_bias=False)(x)
        y = keras.layers.BatchNormalization(axis=axis)(y)
        x = keras.layers.Add()([x, y])
        x = keras.layers.MaxPooling2D(2, data_format=df)(x)
        x = keras.layers.DepthwiseConv2D(2, data_format=df, depth_multiplier=2)(x)
        x = keras.layers.GlobalAveragePooling2D(data_format=df)(x)
        return keras.Model(inp, x)

    nchw, nhwc = build(True), build(False)
    _randomize(nhwc)
    nchw.set_weights(nhwc.get_weights())
    data = TFLiteConverter.from_keras_model(nchw).convert()
    x = np.random.RandomState(0).randn(1, 3, 10, 10).astype(np.float32)
    ref = np.asarray(nhwc(x.transpose(0, 2, 3, 1)))
    assert _rel_err(_run_litert(data, x), ref) <= TOL
    ops = _litert_ops(data)
    assert ops.count("TRANSPOSE") == 1 and ops.count("CONV_2D") == 2, ops
    assert not {"MUL", "SUB"} & set(ops), ops


def test_nchw_function():
    """tf.nn.conv2d / bias_add / max_pool in NCHW inside a tf.function: NHWC ops between two transposes."""
    rs = np.random.RandomState(6)
    w = tf.constant(rs.randn(3, 3, 2, 4).astype(np.float32))
    b = tf.constant(rs.randn(4).astype(np.float32))

    def fn(x):
        y = tf.nn.conv2d(
            x, w, strides=[1, 1, 2, 1], padding=[[0, 0], [0, 0], [1, 1], [2, 0]], data_format="NCHW"
        )
        y = tf.nn.relu(tf.nn.bias_add(y, b, data_format="NCHW"))
        return tf.nn.max_pool2d(y, 2, 1, "VALID", data_format="NCHW")

    def reference(x):
        y = tf.nn.conv2d(x, w, strides=[1, 2, 1, 1], padding=[[0, 0], [1, 1], [2, 0], [0, 0]])
        return tf.nn.max_pool2d(tf.nn.relu(tf.nn.bias_add(y, b)), 2, 1, "VALID").numpy().transpose(0, 3, 1, 2)

    data = _convert_function(fn, tf.TensorSpec([1, 2, 6, 5], tf.float32))
    x = rs.randn(1, 2, 6, 5).astype(np.float32)
    assert _rel_err(_run_litert(data, x), reference(x.transpose(0, 2, 3, 1))) <= TOL
    ops = _litert_ops(data)
    assert ops.count("TRANSPOSE") == 2 and "CONV_2D" in ops and "MAX_POOL_2D" in ops, ops
