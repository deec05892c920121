"""optimize rules: activations and affine folds (TF `optimize_patterns.td` / `optimize.cc` semantics).

- Relu/Relu6/Relu1 (and the max/min clamps they come from) fused into the producer's `fused_activation_function`.
- add/sub of a per-channel constant after conv/depthwise/transpose_conv/fully_connected -> bias;
  mul/div -> filter and bias scaled per output channel (BatchNorm after a conv disappears this way).
- mul/add by a per-input-channel constant before conv/depthwise/fully_connected -> filter/bias (input scaling).
- pad + VALID conv/depthwise -> SAME when the pad is exactly what SAME adds (odd pixel bottom/right).
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tfl
from passes.optimize_common import (
    AFFINE,
    CONVS,
    RELU_ACTIVATIONS,
    activation,
    bias_index,
    channel_vector,
    const_and_other,
    no_value,
    out_channels,
    owner,
    rebuild,
    replace_root,
)
from passes.patterns import (
    const_value,
    dims_of,
    is_f32,
    op_accepts,
    rule,
    same_padding,
    single_use,
    splat,
    tfl_const,
)

# ---- activation fusion ------------------------------------------------------------------------------------------

# Not CONCATENATION: its float kernel in LiteRT ignores fused_activation_function (measured in test_optimize.py).
FUSES_ACTIVATION = (
    tfl.Conv2DOp,
    tfl.DepthwiseConv2DOp,
    tfl.FullyConnectedOp,
    tfl.AveragePool2DOp,
    tfl.MaxPool2DOp,
    tfl.AddOp,
    tfl.SubOp,
    tfl.MulOp,
    tfl.DivOp,
)


def _can_take_activation(producer: Operation) -> bool:
    values = [*producer.operands, producer.results[0]]
    return activation(producer) == "NONE" and op_accepts(type(producer), values, fused_activation=True)


@rule(*RELU_ACTIVATIONS)
def fuse_activation(op: Operation, rewriter: PatternRewriter) -> None:
    """relu(conv(...)) -> conv(..., fused_activation_function=RELU) when conv has no activation and one use."""
    x = op.operands[0]
    producer = owner(x, *FUSES_ACTIVATION)
    if producer is None or not single_use(x) or not _can_take_activation(producer):
        return
    fused = rebuild(producer, fused_activation_function=RELU_ACTIVATIONS[type(op)])
    replace_root(rewriter, op, [fused], dead=[producer])


def _clamp(op: Operation | None, cls: type[Operation]) -> tuple[SSAValue, float] | None:
    """For op = max/min(x, c) of class `cls` with a splat constant c and x of the result's type: (x, c)."""
    if not isinstance(op, cls) or not is_f32(op.results[0]):
        return None
    m = const_and_other(op)
    if m is None:
        return None
    c = splat(op.operands[1] if m[2] else op.operands[0])
    if c is None or m[1].type != op.results[0].type:
        return None
    return m[1], c


# (lower, upper) clamp bounds -> the relu op computing them
CLAMPS: dict[tuple[float, float], type[Operation]] = {(0.0, 6.0): tfl.Relu6Op, (-1.0, 1.0): tfl.Relu1Op}


@rule(tfl.MaximumOp)
def relu_from_max(op: Operation, rewriter: PatternRewriter) -> None:
    """max(x, 0) -> relu(x); max(min(x, 6), 0) -> relu6(x); max(min(x, 1), -1) -> relu_n1_to_1(x)."""
    m = _clamp(op, tfl.MaximumOp)
    if m is None:
        return
    y, lo = m
    inner = _clamp(y.owner, tfl.MinimumOp) if single_use(y) else None  # type: ignore[arg-type]
    if inner is not None and (lo, inner[1]) in CLAMPS:
        x = inner[0]
        replace_root(rewriter, op, [CLAMPS[lo, inner[1]].build([x], [x.type])], dead=[y.owner])  # type: ignore
    elif lo == 0.0:
        replace_root(rewriter, op, [tfl.ReluOp.build([y], [y.type])])


@rule(tfl.MinimumOp)
def relu_from_min(op: Operation, rewriter: PatternRewriter) -> None:
    """min(relu(x), 6) / min(max(x, 0), 6) -> relu6(x); min(max(x, -1), 1) -> relu_n1_to_1(x)."""
    m = _clamp(op, tfl.MinimumOp)
    if m is None or not single_use(m[0]):
        return
    y, hi = m
    inner_op = y.owner
    if isinstance(inner_op, tfl.ReluOp):
        inner: tuple[SSAValue, float] | None = (inner_op.operands[0], 0.0)
    else:
        inner = _clamp(inner_op, tfl.MaximumOp)  # type: ignore[arg-type]
    if inner is not None and (inner[1], hi) in CLAMPS:
        x = inner[0]
        replace_root(rewriter, op, [CLAMPS[inner[1], hi].build([x], [x.type])], dead=[inner_op])  # type: ignore


# ---- binary op after an affine op: fold into its bias / filter ------------------------------------------------------


@rule(tfl.AddOp, tfl.SubOp, tfl.MulOp, tfl.DivOp)
def fold_into_preceding_affine(op: Operation, rewriter: PatternRewriter) -> None:
    """conv(x, W, b) (+|-) c -> conv(x, W, b (+|-) c); conv(x, W, b) (*|/) c -> conv(x, W (*|/) c, b (*|/) c)."""
    m = const_and_other(op)
    if m is None:
        return
    c, y, c_is_rhs = m
    if not c_is_rhs and isinstance(op, tfl.SubOp | tfl.DivOp):
        return
    aff = owner(y, *AFFINE)
    if aff is None or not single_use(y) or activation(aff) != "NONE" or not is_f32(y):
        return
    if op.results[0].type != y.type:
        return  # the constant would broadcast the result to a larger shape
    if isinstance(aff, tfl.TransposeConvOp) and activation(op) != "NONE":
        return  # TRANSPOSE_CONV takes a fused activation only from version 4 on: keep it a separate op
    w = const_value(aff.operands[1])
    bias = aff.operands[bias_index(aff)]
    b = const_value(bias)
    if w is None or w.dtype != np.float32 or (b is None and not no_value(bias)):
        return
    channels = out_channels(aff, w)
    vec = channel_vector(c, channels, len(dims_of(y) or ()))
    if vec is None:
        return
    new_consts: list[Operation] = []
    operands = list(aff.operands)
    if isinstance(op, tfl.AddOp | tfl.SubOp):
        base = b if b is not None else np.zeros((channels,), np.float32)
        nb = (base + vec) if isinstance(op, tfl.AddOp) else (base - vec)
        new_consts.append(tfl_const(nb.astype(np.float32)))
        operands[bias_index(aff)] = new_consts[-1].results[0]
    else:
        scale = (
            vec.reshape((1, 1, 1, channels))
            if isinstance(aff, tfl.DepthwiseConv2DOp)
            else vec.reshape((channels,) + (1,) * (w.ndim - 1))
        )
        nw = (w * scale) if isinstance(op, tfl.MulOp) else (w / scale)
        new_consts.append(tfl_const(nw.astype(np.float32)))
        operands[1] = new_consts[-1].results[0]
        if b is not None:
            nb = (b * vec) if isinstance(op, tfl.MulOp) else (b / vec)
            new_consts.append(tfl_const(nb.astype(np.float32)))
            operands[bias_index(aff)] = new_consts[-1].results[0]
    fused = rebuild(aff, operands, [op.results[0].type], fused_activation_function=activation(op))
    replace_root(rewriter, op, [*new_consts, fused], dead=[aff])


# ---- binary op before an affine op: input scaling ---------------------------------------------------------------


def _same_adds_padding(op: Operation, in_shape: tuple[int, ...], w: np.ndarray) -> bool:
    """Whether SAME padding of this conv adds any pixel on this input."""
    if op.padding.data != "SAME":  # type: ignore[attr-defined]
        return False
    kh, kw = w.shape[1], w.shape[2]
    for size, k, s, d in (
        (in_shape[1], kh, op.stride_h, op.dilation_h_factor),  # type: ignore[attr-defined]
        (in_shape[2], kw, op.stride_w, op.dilation_w_factor),
    ):  # type: ignore[attr-defined]
        s, d = s.value.data, d.value.data
        out = -(-size // s)
        if max((out - 1) * s + (k - 1) * d + 1 - size, 0) > 0:
            return True
    return False


@rule(tfl.Conv2DOp, tfl.DepthwiseConv2DOp, tfl.FullyConnectedOp)
def fold_input_scaling(op: Operation, rewriter: PatternRewriter) -> None:
    """conv(x * c) -> conv'(x) with the filter scaled per input channel; conv(x + c) -> conv'(x) with a bias term
    (only when no padding is added, since padded zeros would not have been shifted)."""
    x = op.operands[0]
    pre = owner(x, tfl.MulOp, tfl.AddOp, tfl.SubOp)
    if pre is None or not single_use(x) or activation(pre) != "NONE" or not is_f32(x):
        return
    m = const_and_other(pre)
    if m is None:
        return
    c, src, c_is_rhs = m
    if (not c_is_rhs and isinstance(pre, tfl.SubOp)) or src.type != x.type:
        return
    w, bias = const_value(op.operands[1]), op.operands[2]
    b = const_value(bias)
    if w is None or w.dtype != np.float32 or (b is None and not no_value(bias)):
        return
    in_shape = dims_of(x)  # a dynamic batch is fine: only channels (and, for padding, spatial dims) are read
    if in_shape is None or in_shape[-1] < 0 or any(d < 0 for d in in_shape[1:]):
        return
    cin = in_shape[-1]
    vec = channel_vector(c, cin, len(in_shape))
    if vec is None:
        return
    if isinstance(op, tfl.DepthwiseConv2DOp):
        mult = w.shape[-1] // cin
        if mult * cin != w.shape[-1]:
            return
        per_out = np.repeat(vec, mult)  # output channel k reads input channel k // mult
    operands = list(op.operands)
    operands[0] = src
    new_consts: list[Operation] = []
    if isinstance(pre, tfl.MulOp):
        if isinstance(op, tfl.Conv2DOp):
            nw = w * vec.reshape(1, 1, 1, cin)
        elif isinstance(op, tfl.DepthwiseConv2DOp):
            nw = w * per_out.reshape(1, 1, 1, -1)
        else:
            if w.ndim != 2 or w.shape[1] != cin:
                return
            nw = w * vec.reshape(1, cin)
        new_consts.append(tfl_const(nw.astype(np.float32)))
        operands[1] = new_consts[-1].results[0]
    else:
        if isinstance(pre, tfl.SubOp):
            vec = -vec
        if isinstance(op, CONVS):
            if _same_adds_padding(op, in_shape, w) and np.any(vec != 0):
                return
        if isinstance(op, tfl.Conv2DOp):
            if w.shape[3] != cin:
                return
            delta = np.einsum("ohwi,i->o", w.astype(np.float64), vec.astype(np.float64))
        elif isinstance(op, tfl.DepthwiseConv2DOp):
            vec = np.repeat(vec, mult)
            delta = w.astype(np.float64).sum(axis=(0, 1, 2)) * vec
        else:
            if w.ndim != 2 or w.shape[1] != cin:
                return
            delta = w.astype(np.float64) @ vec.astype(np.float64)
        base = (
            b
            if b is not None
            else np.zeros((w.shape[-1] if isinstance(op, tfl.DepthwiseConv2DOp) else w.shape[0],), np.float32)
        )
        new_consts.append(tfl_const((base.astype(np.float64) + delta).astype(np.float32)))
        operands[2] = new_consts[-1].results[0]
    fused = rebuild(op, operands)
    replace_root(rewriter, op, [*new_consts, fused], dead=[pre])


# ---- pad + VALID conv -> SAME ------------------------------------------------------------------------------------


@rule(*CONVS)
def fold_pad_into_conv(op: Operation, rewriter: PatternRewriter) -> None:
    """conv(pad(x, p), VALID) -> conv(x, SAME) when p is exactly SAME's padding (extra pixel bottom/right)."""
    if op.padding.data != "VALID":  # type: ignore[attr-defined]
        return
    x = op.operands[0]
    pad = owner(x, tfl.PadOp, tfl.PadV2Op)
    if pad is None:
        return
    if isinstance(pad, tfl.PadV2Op) and splat(pad.operands[2]) != 0.0:
        return
    p = const_value(pad.operands[1])
    src_shape, w = dims_of(pad.operands[0]), const_value(op.operands[1])  # only H and W must be static
    if p is None or src_shape is None or w is None or p.shape != (4, 2) or len(src_shape) != 4:
        return
    if src_shape[1] < 0 or src_shape[2] < 0:
        return
    if np.any(p[0] != 0) or np.any(p[3] != 0):
        return
    for axis, k, s, d in (
        (1, w.shape[1], op.stride_h, op.dilation_h_factor),  # type: ignore[attr-defined]
        (2, w.shape[2], op.stride_w, op.dilation_w_factor),
    ):  # type: ignore[attr-defined]
        if tuple(int(v) for v in p[axis]) != same_padding(
            src_shape[axis], int(k), s.value.data, d.value.data
        ):
            return
    fused = rebuild(op, [pad.operands[0], *op.operands[1:]], padding="SAME")
    replace_root(rewriter, op, [fused], dead=[pad])


RULES = [
    fuse_activation,
    relu_from_max,
    relu_from_min,
    fold_into_preceding_affine,
    fold_input_scaling,
    fold_pad_into_conv,
]
