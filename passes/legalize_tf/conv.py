"""legalize-tf rules: convolutions and pooling.

    tf.Conv2D                (NHWC, filter HWIO)     -> tfl.conv_2d           (filter OHWI, bias [O])
    tf.DepthwiseConv2dNative (NHWC, filter HWCM)     -> tfl.depthwise_conv_2d (filter [1, H, W, C*M], bias [C*M])
    tf.Conv2DBackpropInput   (NHWC, filter HWOI)     -> tfl.transpose_conv    (weights OHWI, bias [O])
    tf.MaxPool / tf.AvgPool  (NHWC)                  -> tfl.max_pool_2d / tfl.average_pool_2d

The filter must be a constant (a conv with a computed filter stays TF and is reported). Only NHWC is legalized
(prepare-tf rewrites NCHW ops to NHWC between transposes; without it an NCHW op stays TF). A grouped Conv2D (input
channels a multiple of the filter's) is a CONV_2D too; LiteRT runs it (TensorFlow's op_version.cc gives grouped
CONV_2D version 6). The bias operand is a zero constant, as in TensorFlow's converter, unless the conv's only user
is a `tf.BiasAdd` with a constant bias: that add is absorbed into the conv's bias here (prepare-tf turns a per-
channel add after a conv into such a BiasAdd). EXPLICIT padding becomes `tfl.pad` + VALID (prepare-tf does the same
at the TF level, so this only fires when prepare-tf did not run).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.patterns import (
    Window,
    const_value,
    dims_of,
    dtype_of,
    ints_attr,
    named,
    nhwc_window,
    padded_nhwc,
    rank_of,
    replace_with,
    rule,
    str_attr,
    tfl_const,
)


def float_const(value: SSAValue) -> np.ndarray | None:
    """A constant floating-point array (conv filters and biases), else None."""
    arr = const_value(value)
    if arr is None or not np.issubdtype(arr.dtype, np.floating):
        return None
    return arr


def absorbed_bias(
    op: Operation, channels: int, dtype: np.dtype
) -> tuple[Operation | None, SSAValue, Operation | None]:
    """The bias operand for a conv: the constant of a `tf.BiasAdd` that is the conv's only user, else zeros.

    Returns (op to insert or None, bias value, the absorbed BiasAdd or None)."""
    result = op.results[0]
    uses = list(result.uses)
    if len(uses) == 1:
        user = uses[0].operation
        if (
            isinstance(user, tf.BiasAddOp)
            and uses[0].index == 0
            and str_attr(user, "data_format", "NHWC") == "NHWC"
        ):
            bias_val = user.operands[1]
            b = float_const(bias_val)
            if b is not None and b.shape == (channels,) and user.results[0].type == result.type:
                if isinstance(bias_val.owner, tfl.ConstOp) and b.dtype == dtype:
                    return None, bias_val, user
                c = tfl_const(b.astype(dtype, copy=False))
                return c, c.output, user
    c = tfl_const(np.zeros((channels,), dtype))
    return c, c.output, None


def _finish(
    rewriter: PatternRewriter, op: Operation, new_ops: list[Operation], bias_add: Operation | None
) -> None:
    """Replace `op` by `new_ops`; if a BiasAdd was absorbed, its result becomes the new op's result."""
    if bias_add is not None:
        named(new_ops[-1], bias_add)
    replace_with(rewriter, op, new_ops)
    if bias_add is not None:
        rewriter.replace(bias_add, [], [new_ops[-1].results[0]])


def explicit_pad(value: SSAValue, window: Window) -> tuple[list[Operation], SSAValue] | None:
    """`tfl.pad` ops for an EXPLICIT-padded input (NHWC), or ([], value) when there is nothing to pad."""
    if window.padding != "EXPLICIT" or not any(window.explicit):
        return [], value
    shape = dims_of(value)
    if shape is None or len(shape) != 4:
        return None
    pads, out_type = padded_nhwc(value, window.explicit)
    paddings = tfl_const(pads)
    pad = tfl.PadOp.build([value, paddings.output], [out_type])
    return [paddings, pad], pad.output


def hwio_to_ohwi(w: np.ndarray, block: int = 256) -> np.ndarray:
    """Move the last axis first ([H,W,I,O] -> [O,H,W,I]) as a 2-D transpose, in cache-sized tiles when large."""
    *spatial, out = w.shape
    m = w.reshape(-1, out)
    if m.size <= 1 << 18:
        return np.ascontiguousarray(m.T).reshape(out, *spatial)
    rows = m.shape[0]
    res = np.empty((out, rows), w.dtype)
    for r in range(0, rows, block):
        for c in range(0, out, block):
            res[c : c + block, r : r + block] = m[r : r + block, c : c + block].T
    return res.reshape(out, *spatial)


def _replace_by_conv(
    rewriter: PatternRewriter,
    op: Operation,
    cls: type[tfl.TflOp],
    x: SSAValue,
    window: Window,
    filt: np.ndarray,
    channels: int,
    **options: Any,
) -> None:
    """Replace a TF conv by `cls`(pad(x), filt, bias) with the window's padding, strides and dilations (EXPLICIT
    padding becomes a pad op and VALID; the bias is absorbed from a following BiasAdd, else zeros)."""
    padded = explicit_pad(x, window)
    if padded is None:
        return
    pre, x = padded
    b, bias, bias_add = absorbed_bias(op, channels, filt.dtype)
    filt_c = tfl_const(filt)
    conv = cls.build(
        [x, filt_c.output, bias],
        [op.results[0].type],
        padding="VALID" if window.padding == "EXPLICIT" else window.padding,
        stride_h=window.stride_h,
        stride_w=window.stride_w,
        dilation_h_factor=window.dilation_h,
        dilation_w_factor=window.dilation_w,
        **options,
    )
    _finish(rewriter, op, [*pre, filt_c, *([b] if b is not None else []), conv], bias_add)


@rule(tf.Conv2DOp)
def legalize_conv2d(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Conv2D(x, W[H,W,I,O]) -> tfl.conv_2d(x, W^T[O,H,W,I], bias[O])."""
    window, x = nhwc_window(op), op.operands[0]
    w, x_shape = float_const(op.operands[1]), dims_of(x)  # N, H, W may be dynamic; C must not
    if window is None or w is None or w.ndim != 4 or x_shape is None or len(x_shape) != 4 or x_shape[3] < 0:
        return
    if w.shape[2] == 0 or x_shape[3] % w.shape[2] or w.shape[3] % (x_shape[3] // w.shape[2]):
        return  # input channels must be a multiple of the filter's (more than one: grouped convolution)
    _replace_by_conv(rewriter, op, tfl.Conv2DOp, x, window, hwio_to_ohwi(w), w.shape[3])


@rule(tf.DepthwiseConv2dNativeOp)
def legalize_depthwise(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.DepthwiseConv2dNative(x, W[H,W,C,M]) -> tfl.depthwise_conv_2d(x, W[1,H,W,C*M], bias[C*M])."""
    window, x = nhwc_window(op), op.operands[0]
    w, x_shape = float_const(op.operands[1]), dims_of(x)  # N, H, W may be dynamic; C must not
    if window is None or w is None or w.ndim != 4 or x_shape is None or len(x_shape) != 4:
        return
    kh, kw, c, m = w.shape
    if x_shape[3] != c:
        return
    filt = w.reshape(1, kh, kw, c * m)
    _replace_by_conv(rewriter, op, tfl.DepthwiseConv2DOp, x, window, filt, c * m, depth_multiplier=m)


@rule(tf.Conv2DBackpropInputOp)
def legalize_conv2d_backprop_input(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Conv2DBackpropInput(sizes, W[H,W,O,I], dy) -> tfl.transpose_conv(sizes, W^T[O,H,W,I], dy, bias[O])."""
    window = nhwc_window(op)
    sizes_val, w_val, dy = op.operands
    w = float_const(w_val)
    sizes = const_value(sizes_val)
    out_shape = dims_of(op.results[0])
    if window is None or w is None or w.ndim != 4 or out_shape is None or len(out_shape) != 4:
        return
    if window.padding not in ("SAME", "VALID") or window.dilation_h != 1 or window.dilation_w != 1:
        return
    if out_shape[3] != w.shape[2]:
        return
    if sizes is None:  # output size computed at run time (dynamic batch): TRANSPOSE_CONV reads it as a tensor
        if dtype_of(sizes_val) != np.int32 or rank_of(sizes_val) != 1:
            return
    elif sizes.shape != (4,) or tuple(int(s) for s in sizes) != out_shape:
        return
    channels = w.shape[2]
    b, bias, bias_add = absorbed_bias(op, channels, w.dtype)
    filt = tfl_const(np.ascontiguousarray(w.transpose(2, 0, 1, 3)))
    ops: list[Operation] = [filt]
    if sizes is None or (isinstance(sizes_val.owner, tfl.ConstOp) and sizes.dtype == np.int32):
        shape_v = sizes_val
    else:
        shape_c = tfl_const(np.asarray(sizes, np.int32))
        ops.insert(0, shape_c)
        shape_v = shape_c.output
    if bias_add is not None:
        ops += [b] if b is not None else []
        bias_v = bias
    else:
        none = tfl.NoValueOp()  # TensorFlow's converter leaves TRANSPOSE_CONV without bias
        ops.append(none)
        bias_v = none.none
    conv = tfl.TransposeConvOp.build(
        [shape_v, filt.output, dy, bias_v],
        [op.results[0].type],
        padding=window.padding,
        stride_h=window.stride_h,
        stride_w=window.stride_w,
    )
    _finish(rewriter, op, [*ops, conv], bias_add)


_POOLS = {tf.MaxPoolOp: tfl.MaxPool2DOp, tf.AvgPoolOp: tfl.AveragePool2DOp}


@rule(*_POOLS)
def legalize_pool(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MaxPool / tf.AvgPool (NHWC, SAME/VALID) -> tfl.max_pool_2d / tfl.average_pool_2d."""
    window = nhwc_window(op)
    ksize = ints_attr(op, "ksize")
    if window is None or window.padding not in ("SAME", "VALID") or ksize is None or len(ksize) != 4:
        return
    if ksize[0] != 1 or ksize[3] != 1 or rank4(op.operands[0]) is False:
        return
    pool = _POOLS[type(op)].build(
        [op.operands[0]],
        [op.results[0].type],
        padding=window.padding,
        stride_h=window.stride_h,
        stride_w=window.stride_w,
        filter_height=ksize[1],
        filter_width=ksize[2],
    )
    replace_with(rewriter, op, [pool])


def rank4(value: SSAValue) -> bool | None:
    ty = value.type
    return len(ty.get_shape()) == 4 if isinstance(ty, TensorType) else None


RULES = [legalize_conv2d, legalize_depthwise, legalize_conv2d_backprop_input, legalize_pool]
