"""prepare-tf: TF-level canonicalization before legalization, run to a fixed point.

Rules (all stay in the `tf` dialect, so the prepared module still means the same thing to TensorFlow):

- `tf.FusedBatchNorm`/`FusedBatchNormV3` in inference mode (`is_training = false`, NHWC, constant statistics)
  -> `x * mult + (offset - mean * mult)` with `mult = scale * rsqrt(variance + epsilon)` computed in numpy, as
  `tf.Mul`/`tf.AddV2` by constants (TensorFlow's prepare_tf.cc does the same rewrite; rsqrt rounded as TF's CPU
  kernel folds it, passes/fold_constants.py tf_rsqrt).
- Dilated convolution written as `SpaceToBatchND -> Conv2D/DepthwiseConv2dNative (VALID) -> BatchToSpaceND`
  (what `tf.nn.convolution` emits for dilation > 1; also the 1-D form with ExpandDims/Squeeze inside, from a
  dilated Conv1D) -> one conv with `dilations`, padding SAME/VALID/EXPLICIT.
- EXPLICIT padding on Conv2D/DepthwiseConv2dNative -> `tf.Pad` + VALID; a zero `tf.Pad` that pads exactly what
  SAME would, followed by a VALID conv (Keras' ZeroPadding2D, MobileNetV2's stride-2 blocks) -> a SAME conv.
- A per-channel constant `tf.Mul`/`tf.RealDiv` directly after a conv (single use; constant broadcastable along
  the last axis only) is folded into the conv's filter; a per-channel constant `tf.AddV2`/`tf.Add`/`tf.Sub`/
  `tf.BiasAdd` becomes (or merges into) a `tf.BiasAdd` with a constant bias directly after the conv, which
  legalize-tf absorbs into the conv's bias operand. Applies to Conv2D, DepthwiseConv2dNative and
  Conv2DBackpropInput. This is how BatchNorm disappears into the preceding conv. A per-channel op after a
  Squeeze/Reshape that keeps the channel axis (Conv1D) first moves above it.

- NCHW Conv2D/DepthwiseConv2dNative/MaxPool/AvgPool/BiasAdd/FusedBatchNorm -> Transpose to NHWC, the NHWC op,
  Transpose back; inverse transpose pairs cancel, an NHWC->NCHW transpose sinks through elementwise ops (constant
  operands permuted) and into reductions, so a channels-first model keeps only the transposes at its edges.

Small constant subexpressions feeding these rules (BatchNorm statistics computed from variables, a bias reshaped
by Keras) are evaluated in numpy on the spot, so the rules do not depend on fold-constants having run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, ModuleOp, StringAttr, TensorType, i32, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf
from dialects.names import NAME
from passes.fold_constants import tf_rsqrt
from passes.patterns import (
    PatternTable,
    axis_set,
    bool_attr,
    const_value,
    dims_of,
    dtype_of,
    float_attr,
    ints_attr,
    named,
    nhwc_window,
    padded_nhwc,
    replace_with,
    rule,
    same_padding,
    shape_of,
    single_use,
    str_attr,
    tf_const,
)

# Largest constant subexpression evaluated on the spot (per-channel vectors are far smaller).
_EVAL_LIMIT = 1 << 16

_CONVS = (tf.Conv2DOp, tf.DepthwiseConv2dNativeOp, tf.Conv2DBackpropInputOp)


# ---- small constant evaluation ----------------------------------------------------------------------------------


_UNARY_EVAL = {
    tf.RsqrtOp: tf_rsqrt,  # TF's own folding of BatchNorm's rsqrt, bit for bit
    tf.SqrtOp: np.sqrt,
    tf.NegOp: np.negative,
    tf.ReciprocalOp: lambda a: 1 / a,
    tf.SquareOp: np.square,
    tf.IdentityOp: lambda a: a,
    tf.CastOp: lambda a: a,
}
_BINARY_EVAL = {
    tf.MulOp: np.multiply,
    tf.AddV2Op: np.add,
    tf.AddOp: np.add,
    tf.SubOp: np.subtract,
    tf.RealDivOp: np.divide,
    tf.MaximumOp: np.maximum,
    tf.MinimumOp: np.minimum,
}
_RESHAPES = (tf.ReshapeOp, tf.SqueezeOp, tf.ExpandDimsOp)


def small_const(value: SSAValue, depth: int = 12) -> np.ndarray | None:
    """The value as a numpy array if it is a constant or a small pure computation on constants, else None."""
    arr = const_value(value)
    if arr is not None:
        return arr
    owner = value.owner
    shape, dtype = shape_of(value), dtype_of(value)
    if depth == 0 or not isinstance(owner, Operation) or shape is None or dtype is None:
        return None
    if int(np.prod(shape)) > _EVAL_LIMIT or len(owner.results) != 1:
        return None
    kind = type(owner)
    with np.errstate(all="ignore"):
        if kind in _UNARY_EVAL:
            a = small_const(owner.operands[0], depth - 1)
            out = None if a is None else _UNARY_EVAL[kind](a)
        elif kind in _BINARY_EVAL:
            a = small_const(owner.operands[0], depth - 1)
            b = small_const(owner.operands[1], depth - 1) if a is not None else None
            out = None if b is None else _BINARY_EVAL[kind](a, b)
        elif kind in _RESHAPES:
            a = small_const(owner.operands[0], depth - 1)
            out = None if a is None or a.size != int(np.prod(shape)) else a.reshape(shape)
        else:
            return None
    if out is None:
        return None
    out = np.asarray(out).astype(dtype, copy=False)
    return out if out.shape == shape else None


# ---- helpers ----------------------------------------------------------------------------------------------------


def _ints(values: list[int]) -> ArrayAttr:
    return ArrayAttr([IntegerAttr(int(v), i64) for v in values])


def _clone_tf(op: tf.TFOp, operands: list[SSAValue], result_type=None, **attrs) -> tf.TFOp:  # noqa: ANN001
    """A copy of a typed TF op with new operands and some attributes replaced (name attribute dropped)."""
    attributes = {k: v for k, v in op.attributes.items() if k != NAME}
    attributes.update(attrs)
    return type(op)(operands, [result_type or op.results[0].type], attributes)


def _t_attr(op: Operation) -> dict:
    return {"T": op.attributes["T"]} if "T" in op.attributes else {}


def _channel_vector(c: np.ndarray, out: SSAValue) -> np.ndarray | None:
    """`c` as a vector over the last axis of `out` if it broadcasts only along that axis, else None."""
    shape = dims_of(out)  # a dynamic batch is fine: only the channel count is read
    if (
        shape is None
        or not shape
        or shape[-1] < 0
        or c.ndim > len(shape)
        or any(d != 1 for d in c.shape[:-1])
    ):
        return None
    channels = shape[-1]
    if c.ndim and c.shape[-1] not in (1, channels):
        return None
    return np.broadcast_to(c.reshape(-1) if c.ndim else c, (channels,))


def _channel_const(value: SSAValue, out: SSAValue) -> np.ndarray | None:
    """A floating constant (or small constant computation) as a vector over the last axis of `out`, else None."""
    c = small_const(value)
    if c is None or not np.issubdtype(c.dtype, np.floating):
        return None
    return _channel_vector(c, out)


def _conv_filter(conv: Operation) -> np.ndarray | None:
    w = const_value(conv.operands[1])
    if w is None or w.ndim != 4 or not np.issubdtype(w.dtype, np.floating):
        return None
    return w


def _scale_filter(conv: Operation, w: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The filter whose conv output is the original output times `scale` (one factor per output channel)."""
    scale = scale.astype(w.dtype, copy=False)
    if isinstance(conv, tf.Conv2DOp):  # HWIO
        return w * scale
    if isinstance(conv, tf.DepthwiseConv2dNativeOp):  # H W C M, output channel c*M + m
        kh, kw, c, m = w.shape
        return (w.reshape(kh, kw, c * m) * scale).reshape(w.shape)
    return w * scale[:, None]  # Conv2DBackpropInput: H W O I


def _foldable_conv(value: SSAValue) -> Operation | None:
    """The conv defining `value` if its only use is the op being folded and its filter is constant."""
    conv = value.owner
    if isinstance(conv, _CONVS) and single_use(value) and _conv_filter(conv) is not None:
        return conv
    return None


def _new_conv(conv: Operation, scale: np.ndarray | None) -> list[Operation]:
    """[filter const, conv] computing the conv's output times `scale` per channel (a plain copy if None)."""
    w = _conv_filter(conv)
    assert w is not None
    filt = tf_const(_scale_filter(conv, w, scale) if scale is not None else w)
    named(filt, conv.operands[1].owner)
    operands = list(conv.operands)
    operands[1] = filt.output
    return [filt, named(_clone_tf(conv, operands), conv)]


def _bias_add(like: Operation, value: SSAValue, bias: np.ndarray) -> list[Operation]:
    b = tf_const(bias)
    add = tf.BiasAddOp([value, b.output], [value.type], {**_t_attr(like), "data_format": StringAttr("NHWC")})
    return [b, add]


# ---- per-channel binary ops after a conv -> conv filter / bias --------------------------------------------------


_FOLDABLE = (tf.MulOp, tf.RealDivOp, tf.AddV2Op, tf.AddOp, tf.SubOp, tf.BiasAddOp)
_COMMUTATIVE = (tf.MulOp, tf.AddV2Op, tf.AddOp)


def _value_and_constant(op: tf.TFOp) -> list[tuple[SSAValue, SSAValue]]:
    """(value, per-channel operand) pairs to try: both orders of a commutative op; none for an NCHW BiasAdd."""
    if isinstance(op, tf.BiasAddOp) and str_attr(op, "data_format", "NHWC") != "NHWC":
        return []
    orders = [(0, 1), (1, 0)] if isinstance(op, _COMMUTATIVE) else [(0, 1)]
    return [(op.operands[v], op.operands[c]) for v, c in orders]


_CONVS_OR_BIAS = (*_CONVS, tf.BiasAddOp)


@rule(*_FOLDABLE)
def fold_into_conv(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """conv * c, conv / c -> conv with scaled filter; conv + c, conv - c -> BiasAdd(conv, c) (merging biases)."""
    out = op.results[0]
    for value, per_channel in _value_and_constant(op):
        producer = value.owner
        if not isinstance(producer, _CONVS_OR_BIAS) or value.type != out.type:  # the cheap test first
            continue
        c = _channel_const(per_channel, out)
        if c is None:
            continue
        if _fold(op, value, c, rewriter):
            return


def _fold(op: tf.TFOp, value: SSAValue, c: np.ndarray, rewriter: PatternRewriter) -> bool:
    """Fold `op(value, c)` (c per channel) into the conv producing `value`, directly or through its BiasAdd."""
    scales = isinstance(op, tf.MulOp | tf.RealDivOp)
    if isinstance(op, tf.RealDivOp):
        if np.any(c == 0):
            return False
        c = np.reciprocal(c)
    elif isinstance(op, tf.SubOp):
        c = np.negative(c)
    dtype = dtype_of(op.results[0])

    conv = _foldable_conv(value)
    if conv is not None:  # op directly after the conv
        if scales:
            replace_with(rewriter, op, _new_conv(conv, c))
            rewriter.erase(conv)
            return True
        if isinstance(op, tf.BiasAddOp) and const_value(op.operands[1]) is not None:
            return False  # already canonical: BiasAdd(conv, constant)
        replace_with(rewriter, op, _bias_add(op, conv.results[0], c.astype(dtype)))
        return True

    # op after BiasAdd(conv, b)
    bias_add = value.owner
    if not isinstance(bias_add, tf.BiasAddOp) or not single_use(bias_add.results[0]):
        return False
    if str_attr(bias_add, "data_format", "NHWC") != "NHWC":
        return False
    conv = _foldable_conv(bias_add.operands[0])
    b = small_const(bias_add.operands[1])
    if conv is None or b is None or b.ndim != 1 or b.shape[0] != c.shape[0]:
        return False
    if scales:
        new = _new_conv(conv, c)
        ops = [*new, *_bias_add(bias_add, new[-1].results[0], (b * c).astype(b.dtype))]
    else:
        ops = _bias_add(bias_add, conv.results[0], (b + c).astype(b.dtype))
    replace_with(rewriter, op, ops)
    rewriter.erase(bias_add)
    if scales:
        rewriter.erase(conv)
    return True


@rule(*_FOLDABLE)
def move_before_reshape(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """op(reshape(conv), c) -> reshape(op(conv, c)) when the reshape keeps the channel (last) axis.

    Keras' Conv1D squeezes the conv's output before its bias and BatchNorm; moving the per-channel op above the
    Squeeze/Reshape lets it fold into the conv (TensorFlow's MoveBinaryOperatorBeforeReshape, at the TF level)."""
    out = op.results[0]
    for value, per_channel in _value_and_constant(op):
        reshape = value.owner
        if not isinstance(reshape, tf.SqueezeOp | tf.ReshapeOp) or value.type != out.type:
            continue
        inner = reshape.operands[0]
        if not single_use(value) or not isinstance(inner.owner, (*_CONVS, tf.BiasAddOp)):
            continue
        in_shape, out_shape = dims_of(inner), dims_of(value)
        if (
            in_shape is None
            or out_shape is None
            or not in_shape
            or not out_shape
            or in_shape[-1] < 0
            or in_shape[-1] != out_shape[-1]
        ):
            continue
        c = _channel_const(per_channel, value)
        if c is None:
            continue
        c_op = tf_const(np.ascontiguousarray(c, dtype=dtype_of(out)))
        moved = type(op)(
            [inner, c_op.output], [inner.type], {k: v for k, v in op.attributes.items() if k != NAME}
        )
        new_reshape = _clone_tf(reshape, [moved.results[0], *reshape.operands[1:]], out.type)
        replace_with(rewriter, op, [c_op, moved, new_reshape])
        rewriter.erase(reshape)
        return


# ---- FusedBatchNorm (inference) -> Mul + AddV2 ------------------------------------------------------------------


@rule(tf.FusedBatchNormOp, tf.FusedBatchNormV3Op)
def lower_fused_batch_norm(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """y = x * mult + (offset - mean * mult), mult = scale * rsqrt(variance + epsilon)."""
    if bool_attr(op, "is_training", True) or str_attr(op, "data_format", "NHWC") not in ("NHWC", "NDHWC"):
        return
    if any(list(r.uses) for r in op.results[1:]):
        return
    x = op.operands[0]
    dtype = dtype_of(op.results[0])
    stats = [small_const(v) for v in op.operands[1:5]]
    shape = dims_of(x)  # only the channel count is read
    if dtype is None or shape is None or not shape or any(s is None or s.ndim != 1 for s in stats):
        return
    scale, offset, mean, variance = (s.astype(np.float32) for s in stats)
    if any(s.shape != (shape[-1],) for s in (scale, offset, mean, variance)):
        return
    eps = np.float32(float_attr(op, "epsilon", 1e-4))
    mult = scale * tf_rsqrt(variance + eps)  # rounded as TF folds its Rsqrt
    shift = offset - mean * mult
    t = {"T": op.attributes["T"]} if "T" in op.attributes else {}
    mult_c = tf_const(mult.astype(dtype))
    mul = tf.MulOp([x, mult_c.output], [op.results[0].type], dict(t))
    name = str_attr(op, NAME)
    if name:
        mul.attributes[NAME] = StringAttr(name + "/mul")
    shift_c = tf_const(shift.astype(dtype))
    add = tf.AddV2Op([mul.results[0], shift_c.output], [op.results[0].type], dict(t))
    replace_with(
        rewriter, op, [mult_c, mul, shift_c, add], [add.results[0], *([None] * (len(op.results) - 1))]
    )


# ---- EXPLICIT padding -> Pad + VALID ----------------------------------------------------------------------------


@rule(tf.Conv2DOp, tf.DepthwiseConv2dNativeOp)
def explicit_padding_to_pad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    window = nhwc_window(op)
    if window is None or window.padding != "EXPLICIT":
        return
    x = op.operands[0]
    shape = dims_of(x)  # padded_nhwc keeps dynamic dims dynamic
    if shape is None or len(shape) != 4:
        return
    new_ops: list[Operation] = []
    if any(window.explicit):
        pads, pad_type = padded_nhwc(x, window.explicit)
        paddings = tf_const(pads)
        pad = tf.PadOp([x, paddings.output], [pad_type], {**_t_attr(op), "Tpaddings": i32})
        new_ops += [paddings, pad]
        x = pad.results[0]
    conv = _clone_tf(op, [x, op.operands[1]], padding=StringAttr("VALID"), explicit_paddings=_ints([]))
    replace_with(rewriter, op, [*new_ops, conv])


@rule(tf.Conv2DOp, tf.DepthwiseConv2dNativeOp)
def zero_pad_to_same(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """Pad(x, zeros as SAME would add) -> conv VALID  ==>  conv SAME on x (Keras' ZeroPadding2D before a conv)."""
    window = nhwc_window(op)
    pad = op.operands[0].owner
    if window is None or window.padding != "VALID" or not isinstance(pad, tf.PadOp):
        return
    if not single_use(pad.results[0]):
        return
    paddings = small_const(pad.operands[1])
    x = pad.operands[0]
    x_shape, w_shape = dims_of(x), shape_of(op.operands[1])  # the batch may be dynamic, H and W not
    if (
        paddings is None
        or paddings.shape != (4, 2)
        or x_shape is None
        or w_shape is None
        or len(x_shape) != 4
        or min(x_shape[1:3]) < 0
    ):
        return
    if paddings[0].any() or paddings[3].any():
        return
    want = (
        same_padding(x_shape[1], w_shape[0], window.stride_h, window.dilation_h),
        same_padding(x_shape[2], w_shape[1], window.stride_w, window.dilation_w),
    )
    if tuple(map(tuple, paddings[1:3].tolist())) != want:
        return
    conv = _clone_tf(op, [x, op.operands[1]], padding=StringAttr("SAME"))
    replace_with(rewriter, op, [conv])
    rewriter.erase(pad)


# ---- SpaceToBatchND -> conv -> BatchToSpaceND  ==>  dilated conv ------------------------------------------------


def _generic(value: SSAValue, tf_op: str) -> tf.GenericOp | None:
    owner = value.owner
    if isinstance(owner, tf.GenericOp) and owner.tf_op.data == tf_op:
        return owner
    return None


@rule(tf.GenericOp)
def fuse_dilated_conv(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """BatchToSpaceND(conv(SpaceToBatchND(x))) -> conv(x) with dilations = block shape.

    Also the 1-D form Keras' dilated Conv1D emits: SpaceToBatchND -> ExpandDims -> conv -> Squeeze ->
    BatchToSpaceND becomes ExpandDims -> dilated conv -> Squeeze. The effective padding is the
    SpaceToBatchND paddings minus the BatchToSpaceND crops: VALID if zero, SAME if it equals SAME's, else EXPLICIT.
    """
    if op.tf_op.data != "BatchToSpaceND" or len(op.operands) != 3 or len(op.results) != 1:
        return
    squeeze = op.operands[0].owner if isinstance(op.operands[0].owner, tf.SqueezeOp) else None
    conv_out = squeeze.operands[0] if squeeze is not None else op.operands[0]
    conv = conv_out.owner
    if not isinstance(conv, tf.Conv2DOp | tf.DepthwiseConv2dNativeOp) or not single_use(conv_out):
        return
    if squeeze is not None and not single_use(squeeze.results[0]):
        return
    window = nhwc_window(conv)
    if window is None or window.padding != "VALID" or (window.stride_h, window.stride_w) != (1, 1):
        return
    if (window.dilation_h, window.dilation_w) != (1, 1):
        return
    expand = None
    stb_out = conv.operands[0]
    if squeeze is not None:
        expand = stb_out.owner
        if not isinstance(expand, tf.ExpandDimsOp) or not single_use(stb_out):
            return
        stb_out = expand.operands[0]
    stb = _generic(stb_out, "SpaceToBatchND")
    if stb is None or len(stb.operands) != 3 or not single_use(stb_out):
        return
    block, block2 = small_const(stb.operands[1]), small_const(op.operands[1])
    pads, crops = small_const(stb.operands[2]), small_const(op.operands[2])
    if any(a is None for a in (block, block2, pads, crops)) or not np.array_equal(block, block2):
        return
    nsp = 1 if squeeze is not None else 2
    if block.shape != (nsp,) or pads.shape != (nsp, 2) or crops.shape != (nsp, 2):
        return
    x = stb.operands[0]
    x_shape, out_shape, w_shape = shape_of(x), shape_of(op.results[0]), shape_of(conv.operands[1])
    if x_shape is None or out_shape is None or w_shape is None or len(x_shape) != nsp + 2:
        return
    eff_1d = [[int(pads[i, 0] - crops[i, 0]), int(pads[i, 1] - crops[i, 1])] for i in range(nsp)]
    dil_1d = [int(d) for d in block]
    if squeeze is not None:  # 1-D: insert the unit spatial axis the ExpandDims adds
        axis = small_const(expand.operands[1])
        if axis is None or axis.size != 1:
            return
        a = int(axis.reshape(())) % 4
        squeezed = [d % 4 for d in (ints_attr(squeeze, "squeeze_dims") or [])]
        if a not in (1, 2) or squeezed != [a]:
            return
        x4 = (*x_shape[:a], 1, *x_shape[a:])
        out4 = (*out_shape[:a], 1, *out_shape[a:])
        eff2, dil2 = (
            ([[0, 0], eff_1d[0]], [1, dil_1d[0]]) if a == 1 else ([eff_1d[0], [0, 0]], [dil_1d[0], 1])
        )
    else:
        x4, out4, eff2, dil2 = x_shape, out_shape, eff_1d, dil_1d
    if len(out4) != 4 or x4[0] != out4[0] or min(min(p) for p in eff2) < 0:
        return
    for i in range(2):
        if x4[1 + i] + sum(eff2[i]) - (w_shape[i] - 1) * dil2[i] != out4[1 + i]:
            return
    eff = [*eff2[0], *eff2[1]]
    same = [*same_padding(x4[1], w_shape[0], 1, dil2[0]), *same_padding(x4[2], w_shape[1], 1, dil2[1])]
    if not any(eff):
        padding, explicit = "VALID", []
    elif eff == same:
        padding, explicit = "SAME", []
    else:
        padding, explicit = "EXPLICIT", [0, 0, *eff, 0, 0]
    new_ops: list[Operation] = []
    conv_in = x
    if expand is not None:
        new_expand = _clone_tf(expand, [x, expand.operands[1]], TensorType(x.type.element_type, x4))
        new_ops.append(named(new_expand, expand))
        conv_in = new_expand.results[0]
    conv_type = TensorType(op.results[0].type.element_type, out4)
    new_conv = _clone_tf(
        conv,
        [conv_in, conv.operands[1]],
        conv_type,
        dilations=_ints([1, *dil2, 1]),
        padding=StringAttr(padding),
        explicit_paddings=_ints(explicit),
    )
    new_ops.append(named(new_conv, conv))
    if squeeze is not None:
        new_ops.append(_clone_tf(squeeze, [new_conv.results[0]], op.results[0].type))
    replace_with(rewriter, op, new_ops)
    for dead in (squeeze, conv, expand, stb):
        if dead is not None:
            rewriter.erase(dead)


# ---- NCHW -> NHWC with transposes, then transposes cancelled / sunk ---------------------------------------------

_TO_NHWC = (0, 2, 3, 1)
_TO_NCHW = (0, 3, 1, 2)
_NCHW_OPS = (
    tf.Conv2DOp,
    tf.DepthwiseConv2dNativeOp,
    tf.MaxPoolOp,
    tf.AvgPoolOp,
    tf.BiasAddOp,
    tf.FusedBatchNormOp,
    tf.FusedBatchNormV3Op,
)


def _transpose(value: SSAValue, perm: tuple[int, ...], like: Operation) -> list[Operation]:
    """[perm const, tf.Transpose(value, perm)] (static shape required)."""
    shape = shape_of(value)
    assert shape is not None
    p = tf_const(np.array(perm, np.int32))
    out_type = TensorType(value.type.element_type, [shape[i] for i in perm])
    t = tf.TransposeOp([value, p.output], [out_type], {**_t_attr(like), "Tperm": i32})
    return [p, t]


def _nhwc_list(op: Operation, key: str, pairs: bool = False) -> dict:
    """The NCHW-ordered list attribute `key` reordered to NHWC (absent -> nothing)."""
    vals = ints_attr(op, key)
    if vals is None or not vals:
        return {}
    if pairs:
        if len(vals) != 8:
            return {}
        nchw = [vals[2 * i : 2 * i + 2] for i in range(4)]
        return {key: _ints([v for i in _TO_NHWC for v in nchw[i]])}
    if len(vals) != 4:
        return {}
    return {key: _ints([vals[i] for i in _TO_NHWC])}


@rule(*_NCHW_OPS)
def nchw_to_nhwc(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """An NCHW conv/pool/BiasAdd/BatchNorm -> Transpose to NHWC, the NHWC op, Transpose back.

    The transposes between consecutive ops cancel (`cancel_transposes`) or move past elementwise ops
    (`sink_transpose`), so a channels-first model becomes an NHWC one with transposes at its edges."""
    if str_attr(op, "data_format") != "NCHW":
        return
    x = op.operands[0]
    x_shape, y_shape = shape_of(x), shape_of(op.results[0])
    if x_shape is None or y_shape is None or len(x_shape) != 4 or len(y_shape) != 4:
        return
    if any(list(r.uses) for r in op.results[1:]):
        return
    pre = _transpose(x, _TO_NHWC, op)
    attrs = {k: v for k, v in op.attributes.items() if k != NAME}
    attrs["data_format"] = StringAttr("NHWC")
    for key in ("strides", "dilations", "ksize"):
        attrs.update(_nhwc_list(op, key))
    attrs.update(_nhwc_list(op, "explicit_paddings", pairs=True))
    nhwc_type = TensorType(op.results[0].type.element_type, [y_shape[i] for i in _TO_NHWC])
    new = type(op)(
        [pre[-1].results[0], *op.operands[1:]], [nhwc_type, *(r.type for r in op.results[1:])], attrs
    )
    named(new, op)
    post = _transpose(new.results[0], _TO_NCHW, op)
    replace_with(rewriter, op, [*pre, new, *post], [post[-1].results[0], *new.results[1:]])


def _perm(value: SSAValue) -> tuple[int, ...] | None:
    owner = value.owner
    if not isinstance(owner, tf.TransposeOp):
        return None
    p = small_const(owner.operands[1])
    return tuple(int(v) for v in p.reshape(-1)) if p is not None else None


@rule(tf.TransposeOp)
def cancel_transposes(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """Transpose(Transpose(x, p1), p2) -> x when the two permutations cancel."""
    p1, p2 = _perm(op.operands[0]), small_const(op.operands[1])
    if p1 is None or p2 is None or p2.size != len(p1):
        return
    if [p1[int(i)] for i in p2.reshape(-1)] != list(range(len(p1))):
        return
    x = op.operands[0].owner.operands[0]
    if x.type != op.results[0].type:
        return
    rewriter.replace(op, [], [x])


_SINK_UNARY = (
    tf.ReluOp,
    tf.Relu6Op,
    tf.EluOp,
    tf.SeluOp,
    tf.SigmoidOp,
    tf.TanhOp,
    tf.LeakyReluOp,
    tf.SoftplusOp,
)
_SINK_BINARY = (
    tf.AddV2Op,
    tf.AddOp,
    tf.SubOp,
    tf.MulOp,
    tf.RealDivOp,
    tf.MaximumOp,
    tf.MinimumOp,
    tf.BiasAddOp,
)


def _to_nchw_input(value: SSAValue) -> SSAValue | None:
    """x if `value` is Transpose(x, NHWC->NCHW) with no other user, else None."""
    if _perm(value) == _TO_NCHW and single_use(value):
        return value.owner.operands[0]
    return None


@rule(*_SINK_UNARY, *_SINK_BINARY)
def sink_transpose(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """f(Transpose(x, NHWC->NCHW), ...) -> Transpose(f(x, ...)) for elementwise f, so transposes meet and cancel.

    Binary ops take a second operand that is transposed the same way or a constant (permuted to NHWC here)."""
    out = op.results[0]
    out_shape = shape_of(out)
    if out_shape is None or len(out_shape) != 4 or len(op.results) != 1:
        return
    new_ops: list[Operation] = []
    operands: list[SSAValue] = []
    if isinstance(op, _SINK_UNARY):
        x = _to_nchw_input(op.operands[0])
        if x is None:
            return
        operands = [x, *op.operands[1:]]
    else:
        if isinstance(op, tf.BiasAddOp):
            return  # NCHW BiasAdd is rewritten by nchw_to_nhwc; an NHWC one on NCHW data does not occur
        xs = [_to_nchw_input(v) for v in op.operands]
        if all(x is None for x in xs):
            return
        for v, x in zip(op.operands, xs, strict=True):
            if x is not None:
                if shape_of(x) is None or shape_of(v) != out_shape:
                    return
                operands.append(x)
                continue
            c = small_const(v)
            if c is None or c.ndim > 4:
                return
            c_op = tf_const(
                np.ascontiguousarray(c.reshape((1,) * (4 - c.ndim) + c.shape).transpose(_TO_NHWC))
            )
            new_ops.append(c_op)
            operands.append(c_op.output)
    attrs = {k: v for k, v in op.attributes.items() if k != NAME}
    nhwc_type = TensorType(out.type.element_type, [out_shape[i] for i in _TO_NHWC])
    new = type(op)(operands, [nhwc_type], attrs)
    named(new, op)
    post = _transpose(new.results[0], _TO_NCHW, op)
    transposes = [v.owner for v in op.operands if _perm(v) == _TO_NCHW and single_use(v)]
    replace_with(rewriter, op, [*new_ops, new, *post])
    for t in transposes:
        rewriter.erase(t)


@rule(tf.MeanOp, tf.SumOp, tf.MaxOp, tf.MinOp, tf.ProdOp)
def reduce_through_transpose(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """reduce(Transpose(x, p), axes) -> reduce(x, p[axes]) when the kept axes stay in order (keep_dims false)."""
    if bool_attr(op, "keep_dims"):
        return
    p = _perm(op.operands[0])
    axes = small_const(op.operands[1])
    if p is None or axes is None or not single_use(op.operands[0]):
        return
    rank = len(p)
    ax = list(axis_set(axes, rank))
    kept = [p[i] for i in range(rank) if i not in ax]
    if kept != sorted(kept):
        return
    new_axes = tf_const(np.array(sorted(p[a] for a in ax), axes.dtype))
    transpose = op.operands[0].owner
    new = _clone_tf(op, [transpose.operands[0], new_axes.output])
    replace_with(rewriter, op, [new_axes, new])
    rewriter.erase(transpose)


PREPARE_TF = PatternTable(
    "prepare-tf",
    [
        fold_into_conv,
        move_before_reshape,
        lower_fused_batch_norm,
        explicit_padding_to_pad,
        zero_pad_to_same,
        fuse_dilated_conv,
        nchw_to_nhwc,
        cancel_transposes,
        sink_transpose,
        reduce_through_transpose,
    ],
)


@dataclass(frozen=True)
class PrepareTF(ModulePass):
    """TF-level canonicalization before legalization: BatchNorm -> mul/add, dilated conv recognition, explicit
    padding -> Pad, per-channel mul/add after a conv folded into its filter/bias."""

    name = "prepare-tf"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PREPARE_TF.apply(op)


__all__ = ["PREPARE_TF", "PrepareTF", "small_const"]
