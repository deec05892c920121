"""legalize-tf rules: elementwise ops, activations, and the GELU composite.

Binary ops map one-to-one onto TFLite builtins when the element type is one the kernel supports and the
operands broadcast within the kernel's rank limit (TensorFlow's `TFL_OperandsHaveSameShapesOrBroadcastableShape`):

    limit 6: ADD, SUB, MUL, DIV, LOGICAL_AND/OR     limit 5: MAXIMUM, MINIMUM, SELECT_V2
    limit 4: SQUARED_DIFFERENCE, POW, FLOOR_DIV, FLOOR_MOD, comparisons     none: ATAN2

Operands of the same shape, and a single-element operand (a scalar constant) against anything, need no broadcast
and are accepted at any rank. Beyond the limit, like TensorFlow's converter, the operands are broadcast
explicitly with `tfl.broadcast_to` (static shapes, output rank <= 8); otherwise the op stays TF.
SquaredDifference beyond rank 4 becomes sub + square (as TensorFlow does).

Activations and unary math map directly (Sigmoid -> logistic, LeakyRelu keeps `alpha`, Softmax is beta 1 on the
last axis). Decompositions: Reciprocal -> div(1, x); Softplus -> relu(x) + log(1 + exp(-|x|)) (no builtin; the
stable form of TensorFlow's kernel); Selu -> elu(x) * select_v2(x > 0, scale, scale * alpha); Softsign ->
x / (1 + |x|); Expm1 -> tanh(x / 2) * (exp(x) + 1); Log1p -> a 4-term series near 0, log(1 + x) elsewhere;
IsNan -> x != x, IsInf/IsFinite -> |x| >=/< FLT_MAX; AddN -> a chain of adds;
DivNoNan -> select_v2(y == 0, 0, x / y); Select with a rank-1 condition -> reshape + select_v2; Bitcast (same
element width) -> tfl.bitcast and BitwiseAnd with the int32 sign mask -> a sign test (Keras 3 argmax/signbit).
Erf/Erfc have no builtin and stay TF, except inside GELU.

GELU: `tf.nn.gelu`/Keras 3 `gelu` spell the activation out as elementwise ops, `0.5 * x * erfc(-x / sqrt 2)`
(TF 2.21, approximate=False), `0.5 * x * (1 + erf(x / sqrt 2))`, or
`0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` (approximate=True). `legalize_gelu` is rooted at the
final tf.Mul (or a tf.RealDiv by 2) and matches products as flattened trees of single-use muls in any
association and operand order; constants are compared with a relative tolerance. Because legalize-tf is one
forward sweep, the ops feeding the root have already been legalized when the root is visited, so every step
of the match accepts the tf op and its tfl counterpart (with no fused activation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import TensorType, i1
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint

from dialects import tf, tfl
from dialects.elements import numpy_dtype
from passes.legalize_tf.table import LEGALIZE_TF
from passes.patterns import bool_attr, const_value, float_attr, replace_with, shape_of, tfl_const

# ---- types and broadcasting --------------------------------------------------------------------------------------

F32 = np.dtype(np.float32)
I8, U8, I16 = np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.int16)
I32, I64 = np.dtype(np.int32), np.dtype(np.int64)
BOOL = np.dtype(np.bool_)

FLOAT = frozenset({F32})
NUMERIC = frozenset({F32, I32, I64})
ORDERED = frozenset({F32, I32, I64, I8, U8, I16})

# Largest output rank tfl.broadcast_to handles.
MAX_BROADCAST_TO_RANK = 8

# numpy dtype -> TFLite schema TensorType name (CastOptions, ArgMax output_type).
TFL_TYPE_NAMES = {
    np.dtype(np.float32): "FLOAT32",
    np.dtype(np.float16): "FLOAT16",
    np.dtype(np.float64): "FLOAT64",
    np.dtype(np.int32): "INT32",
    np.dtype(np.int64): "INT64",
    np.dtype(np.int16): "INT16",
    np.dtype(np.int8): "INT8",
    np.dtype(np.uint8): "UINT8",
    np.dtype(np.bool_): "BOOL",
}


def dtype_of(value: SSAValue) -> np.dtype | None:
    """The numpy element type of a tensor value, or None (opaque/unsupported types)."""
    ty = value.type
    if not isinstance(ty, TensorType):
        return None
    try:
        return numpy_dtype(ty.element_type)
    except ValueError:
        return None


def has_dtype(values: list[SSAValue], allowed: frozenset[np.dtype]) -> bool:
    dts = [dtype_of(v) for v in values]
    return all(d is not None and d in allowed for d in dts) and len(set(dts)) == 1


def _ranked_shape(value: SSAValue) -> tuple[int, ...] | None:
    ty = value.type
    return tuple(ty.get_shape()) if isinstance(ty, TensorType) else None


def _single_element(shape: tuple[int, ...]) -> bool:
    return all(d == 1 for d in shape)


def needs_broadcast(values: list[SSAValue], out_rank: int) -> bool | None:
    """Whether the kernel has to broadcast (None if a rank is unknown).

    Identical shapes need none; neither does a single-element operand (a scalar against a tensor, which kernels
    run as a flat loop) as long as it does not raise the rank."""
    shapes = [_ranked_shape(v) for v in values]
    if any(s is None for s in shapes):
        return None
    big = [s for s in shapes if not (_single_element(s) and len(s) <= out_rank)]  # type: ignore[arg-type]
    if not big:
        return False
    if any(-1 in s for s in big):  # type: ignore[operator]
        return True
    return any(s != big[0] for s in big)


def _broadcasts_to(values: list[SSAValue], out_shape: tuple[int, ...]) -> bool:
    """False if static operand shapes do not broadcast to the static result shape (e.g. tf.Equal with
    `incompatible_shape_error = false`, which then returns a scalar)."""
    shapes = [shape_of(v) for v in values]
    if any(s is None for s in shapes) or any(d < 0 for d in out_shape):
        return True
    try:
        return tuple(np.broadcast_shapes(*shapes)) == out_shape  # type: ignore[arg-type]
    except ValueError:
        return False


def broadcast_operands(
    values: list[SSAValue], out: SSAValue, limit: int
) -> tuple[list[Operation], list[SSAValue]] | None:
    """Operands for a kernel that broadcasts up to rank `limit`: unchanged when within the limit, else each
    operand not already of the output shape goes through `tfl.broadcast_to` (TF's converter does the same).
    Returns (new ops, operands) or None when neither works."""
    out_shape = _ranked_shape(out)
    if out_shape is None or not _broadcasts_to(values, out_shape):
        return None
    need = needs_broadcast(values, len(out_shape))
    if need is None:
        return None
    if limit == 0:  # the kernel does not broadcast at all, not even a scalar
        need, limit = any(_ranked_shape(v) != out_shape for v in values), -1
    if not need or len(out_shape) <= limit:
        return [], list(values)
    static = shape_of(out)
    if static is None or len(static) > MAX_BROADCAST_TO_RANK:
        return None
    ops: list[Operation] = []
    new_values: list[SSAValue] = []
    for v in values:
        shape = _ranked_shape(v)
        if shape == static or (
            limit >= 0 and shape is not None and _single_element(shape) and len(shape) <= len(static)
        ):
            new_values.append(v)
            continue
        shape_c = tfl_const(np.asarray(static, np.int32))
        bt = tfl.BroadcastToOp.build([v, shape_c.output], [TensorType(v.type.element_type, static)])
        ops += [shape_c, bt]
        new_values.append(bt.results[0])
    return ops, new_values


# ---- binary ops --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Binary:
    op: type[tfl.TflOp]
    dtypes: frozenset[np.dtype]
    limit: int  # largest output rank the kernel broadcasts to


_BINARY: dict[type[Operation], Binary] = {
    tf.AddOp: Binary(tfl.AddOp, NUMERIC | {I16}, 6),
    tf.AddV2Op: Binary(tfl.AddOp, NUMERIC | {I16}, 6),
    tf.SubOp: Binary(tfl.SubOp, NUMERIC | {I16}, 6),
    tf.MulOp: Binary(tfl.MulOp, NUMERIC | {I16}, 6),
    tf.RealDivOp: Binary(tfl.DivOp, frozenset({F32, I32}), 6),
    tf.MaximumOp: Binary(tfl.MaximumOp, ORDERED, 5),
    tf.MinimumOp: Binary(tfl.MinimumOp, ORDERED, 5),
    tf.PowOp: Binary(tfl.PowOp, frozenset({F32, I32}), 4),
    tf.FloorDivOp: Binary(tfl.FloorDivOp, frozenset({F32, I32}), 4),
    tf.FloorModOp: Binary(tfl.FloorModOp, NUMERIC, 4),
    tf.GreaterOp: Binary(tfl.GreaterOp, ORDERED, 4),
    tf.GreaterEqualOp: Binary(tfl.GreaterEqualOp, ORDERED, 4),
    tf.LessOp: Binary(tfl.LessOp, ORDERED, 4),
    tf.LessEqualOp: Binary(tfl.LessEqualOp, ORDERED, 4),
    tf.EqualOp: Binary(tfl.EqualOp, ORDERED | {BOOL}, 4),
    tf.NotEqualOp: Binary(tfl.NotEqualOp, ORDERED | {BOOL}, 4),
    tf.LogicalAndOp: Binary(tfl.LogicalAndOp, frozenset({BOOL}), 6),
    tf.LogicalOrOp: Binary(tfl.LogicalOrOp, frozenset({BOOL}), 6),
    tf.Atan2Op: Binary(tfl.Atan2Op, FLOAT, 0),  # ATAN2 needs operands of the output's shape
}


# Mul and RealDiv first try the GELU match (registered below, ahead of this rule).
@LEGALIZE_TF.register(*(t for t in _BINARY if t not in (tf.MulOp, tf.RealDivOp)))
def legalize_binary(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.AddV2/Sub/Mul/RealDiv/Maximum/.../LogicalOr -> the matching tfl builtin (types and rank checked)."""
    spec = _BINARY[type(op)]
    if len(op.operands) != 2 or not has_dtype(list(op.operands), spec.dtypes):
        return
    plan = broadcast_operands(list(op.operands), op.results[0], spec.limit)
    if plan is None:
        return
    pre, operands = plan
    replace_with(rewriter, op, [*pre, spec.op.build(operands, [op.results[0].type])])


@LEGALIZE_TF.register(tf.SquaredDifferenceOp)
def legalize_squared_difference(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SquaredDifference -> tfl.squared_difference (broadcast within rank 4), else sub + square."""
    x, y = op.operands
    out = op.results[0]
    if not has_dtype([x, y], frozenset({F32, I32})):
        return
    out_shape = _ranked_shape(out)
    need = needs_broadcast([x, y], len(out_shape)) if out_shape is not None else None
    if need is None:
        return
    if not need or len(out_shape) <= 4:  # type: ignore[arg-type]
        replace_with(rewriter, op, [tfl.SquaredDifferenceOp.build([x, y], [out.type])])
        return
    if dtype_of(x) != F32:
        return  # SQUARE has a float kernel only
    plan = broadcast_operands([x, y], out, 6)
    if plan is None:
        return
    pre, (a, b) = plan
    sub = tfl.SubOp.build([a, b], [out.type])
    replace_with(rewriter, op, [*pre, sub, tfl.SquareOp.build([sub.results[0]], [out.type])])


@LEGALIZE_TF.register(tf.AddNOp)
def legalize_add_n(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.AddN(a, b, c, ...) -> ((a + b) + c) + ... (TF requires identical shapes)."""
    values = list(op.operands)
    out = op.results[0]
    if not values or not has_dtype(values, NUMERIC) or any(v.type != out.type for v in values):
        return
    if len(values) == 1:
        rewriter.replace(op, [], [values[0]])
        return
    ops: list[Operation] = []
    acc = values[0]
    for v in values[1:]:
        add = tfl.AddOp.build([acc, v], [out.type])
        ops.append(add)
        acc = add.results[0]
    replace_with(rewriter, op, ops)


def _scalar_const(value: float | int | bool, like: SSAValue) -> tfl.ConstOp:
    dt = dtype_of(like)
    return tfl_const(np.asarray(value, dtype=dt))


@LEGALIZE_TF.register(tf.DivNoNanOp)
def legalize_div_no_nan(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.DivNoNan(x, y) -> select_v2(y == 0, 0, x / y) (float32, output rank <= 4 or no broadcasting)."""
    x, y = op.operands
    out = op.results[0]
    out_shape = _ranked_shape(out)
    if not has_dtype([x, y], FLOAT) or out_shape is None:
        return
    if len(out_shape) > 4 and needs_broadcast([x, y], len(out_shape)) is not False:
        return
    zero = _scalar_const(0.0, x)
    div = tfl.DivOp.build([x, y], [out.type])
    is_zero = tfl.EqualOp.build([y, zero.output], [TensorType(i1, y.type.get_shape())])
    sel = tfl.SelectV2Op.build([is_zero.results[0], zero.output, div.results[0]], [out.type])
    replace_with(rewriter, op, [zero, div, is_zero, sel])


@LEGALIZE_TF.register(tf.SelectV2Op, tf.SelectOp)
def legalize_select(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SelectV2 -> tfl.select_v2 (broadcast within rank 5); tf.Select (v1) with a condition of the values'
    shape likewise, and with a rank-1 condition (row selection) after reshaping it to [n, 1, ..., 1]."""
    cond, t, e = op.operands
    out = op.results[0]
    if dtype_of(cond) != BOOL or not has_dtype([t, e], ORDERED | {BOOL}):
        return
    pre: list[Operation] = []
    if isinstance(op, tf.SelectOp):
        c_shape, t_shape = _ranked_shape(cond), _ranked_shape(t)
        if c_shape is None or t_shape is None or t.type != e.type:
            return
        if len(c_shape) == 1 and len(t_shape) > 1:
            if c_shape[0] < 0:
                return
            new_shape = (c_shape[0],) + (1,) * (len(t_shape) - 1)
            shape_c = tfl_const(np.asarray(new_shape, np.int32))
            reshape = tfl.ReshapeOp.build(
                [cond, shape_c.output], [TensorType(cond.type.element_type, new_shape)]
            )
            pre = [shape_c, reshape]
            cond = reshape.results[0]
        elif c_shape and c_shape != t_shape:
            return  # v1 takes a scalar, a row vector or a same-shape condition
    plan = broadcast_operands([cond, t, e], out, 5)
    if plan is None:
        return
    bpre, operands = plan
    replace_with(rewriter, op, [*pre, *bpre, tfl.SelectV2Op.build(operands, [out.type])])


# ---- unary ops and activations -----------------------------------------------------------------------------------

_UNARY: dict[type[Operation], tuple[type[tfl.TflOp], frozenset[np.dtype]]] = {
    tf.ReluOp: (tfl.ReluOp, FLOAT),
    tf.Relu6Op: (tfl.Relu6Op, FLOAT),
    tf.EluOp: (tfl.EluOp, FLOAT),
    tf.SigmoidOp: (tfl.LogisticOp, FLOAT),
    tf.TanhOp: (tfl.TanhOp, FLOAT),
    tf.RsqrtOp: (tfl.RsqrtOp, FLOAT),
    tf.SqrtOp: (tfl.SqrtOp, FLOAT),
    tf.SquareOp: (tfl.SquareOp, FLOAT),
    tf.ExpOp: (tfl.ExpOp, FLOAT),
    tf.LogOp: (tfl.LogOp, FLOAT),
    tf.NegOp: (tfl.NegOp, NUMERIC),
    tf.AbsOp: (tfl.AbsOp, frozenset({F32, I32, I16, I8})),
    tf.SinOp: (tfl.SinOp, FLOAT),
    tf.CosOp: (tfl.CosOp, FLOAT),
    tf.FloorOp: (tfl.FloorOp, FLOAT),
    tf.CeilOp: (tfl.CeilOp, FLOAT),
    tf.RoundOp: (tfl.RoundOp, FLOAT),  # both round half to even
    tf.LogicalNotOp: (tfl.LogicalNotOp, frozenset({BOOL})),
    tf.LogSoftmaxOp: (tfl.LogSoftmaxOp, FLOAT),
    tf.SignOp: (tfl.SignOp, frozenset({F32, I32})),
}


@LEGALIZE_TF.register(*_UNARY)
def legalize_unary(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """One-to-one unary ops (Relu, Sigmoid -> logistic, Rsqrt, Exp, ...), element type checked."""
    new_cls, dtypes = _UNARY[type(op)]
    x = op.operands[0]
    if not has_dtype([x], dtypes) or x.type != op.results[0].type:
        return
    if isinstance(op, tf.LogSoftmaxOp) and not _ranked_shape(x):
        return  # TF requires rank >= 1
    replace_with(rewriter, op, [new_cls.build([x], [op.results[0].type])])


@LEGALIZE_TF.register(tf.BiasAddOp)
def legalize_bias_add(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BiasAdd (NHWC) -> tfl.add with the bias broadcast over the last axis."""
    value, bias = op.operands
    fmt = op.attributes.get("data_format")
    if fmt is not None and getattr(fmt, "data", "NHWC") not in ("NHWC", "N..C"):
        return
    if not has_dtype([value, bias], NUMERIC) or _ranked_shape(bias) is None or len(_ranked_shape(bias)) != 1:
        return
    replace_with(rewriter, op, [tfl.AddOp.build([value, bias], [op.results[0].type])])


@LEGALIZE_TF.register(tf.LeakyReluOp)
def legalize_leaky_relu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.LeakyRelu(alpha) -> tfl.leaky_relu(alpha)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT):
        return
    alpha = float_attr(op, "alpha", 0.2)
    replace_with(rewriter, op, [tfl.LeakyReluOp.build([x], [op.results[0].type], alpha=alpha)])


@LEGALIZE_TF.register(tf.SoftmaxOp)
def legalize_softmax(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softmax (always the last axis) -> tfl.softmax(beta = 1)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT) or not _ranked_shape(x):
        return
    replace_with(rewriter, op, [tfl.SoftmaxOp.build([x], [op.results[0].type], beta=1.0)])


@LEGALIZE_TF.register(tf.GeluOp)
def legalize_gelu_op(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Gelu(approximate) -> tfl.gelu(approximate)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT):
        return
    replace_with(
        rewriter, op, [tfl.GeluOp.build([x], [op.results[0].type], approximate=bool_attr(op, "approximate"))]
    )


@LEGALIZE_TF.register(tf.ReciprocalOp)
def legalize_reciprocal(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Reciprocal(x) -> tfl.div(1, x) (float32; no builtin)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT):
        return
    one = _scalar_const(1.0, x)
    replace_with(rewriter, op, [one, tfl.DivOp.build([one.output, x], [op.results[0].type])])


@LEGALIZE_TF.register(tf.SoftplusOp)
def legalize_softplus(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softplus(x) = log(1 + exp(x)) -> relu(x) + log(1 + exp(-|x|)) (no builtin; never overflows)."""
    x = op.operands[0]
    ty = op.results[0].type
    if not has_dtype([x], FLOAT) or x.type != ty:
        return
    one = _scalar_const(1.0, x)
    ab = tfl.AbsOp.build([x], [ty])
    neg = tfl.NegOp.build([ab.results[0]], [ty])
    ex = tfl.ExpOp.build([neg.results[0]], [ty])
    plus = tfl.AddOp.build([ex.results[0], one.output], [ty])
    lg = tfl.LogOp.build([plus.results[0]], [ty])
    relu = tfl.ReluOp.build([x], [ty])
    out = tfl.AddOp.build([relu.results[0], lg.results[0]], [ty])
    replace_with(rewriter, op, [one, ab, neg, ex, plus, lg, relu, out])


SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


@LEGALIZE_TF.register(tf.SeluOp)
def legalize_selu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Selu(x) = scale * (x > 0 ? x : alpha * expm1(x)) -> elu(x) * select_v2(x > 0, scale, scale * alpha)."""
    x = op.operands[0]
    ty = op.results[0].type
    if not has_dtype([x], FLOAT) or x.type != ty or shape_of(x) is None:
        return
    zero = _scalar_const(0.0, x)
    pos = _scalar_const(SELU_SCALE, x)
    neg = _scalar_const(SELU_SCALE * SELU_ALPHA, x)
    elu = tfl.EluOp.build([x], [ty])
    gt = tfl.GreaterOp.build([x, zero.output], [TensorType(i1, x.type.get_shape())])
    factor = tfl.SelectV2Op.build([gt.results[0], pos.output, neg.output], [ty])
    out = tfl.MulOp.build([elu.results[0], factor.results[0]], [ty])
    replace_with(rewriter, op, [zero, pos, neg, elu, gt, factor, out])


@LEGALIZE_TF.register(tf.SoftsignOp)
def legalize_softsign(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softsign(x) = x / (1 + |x|) (no builtin)."""
    x = op.operands[0]
    ty = op.results[0].type
    if not has_dtype([x], FLOAT) or x.type != ty:
        return
    one = _scalar_const(1.0, x)
    ab = tfl.AbsOp.build([x], [ty])
    den = tfl.AddOp.build([ab.results[0], one.output], [ty])
    replace_with(rewriter, op, [one, ab, den, tfl.DivOp.build([x, den.results[0]], [ty])])


@LEGALIZE_TF.register(tf.Expm1Op)
def legalize_expm1(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Expm1(x) = exp(x) - 1 -> tanh(x / 2) * (exp(x) + 1) (no builtin; the identity keeps full relative
    precision near 0, where exp(x) - 1 would cancel)."""
    x = op.operands[0]
    ty = op.results[0].type
    if not has_dtype([x], FLOAT) or x.type != ty:
        return
    half = _scalar_const(0.5, x)
    one = _scalar_const(1.0, x)
    hx = tfl.MulOp.build([x, half.output], [ty])
    th = tfl.TanhOp.build([hx.results[0]], [ty])
    ex = tfl.ExpOp.build([x], [ty])
    ep1 = tfl.AddOp.build([ex.results[0], one.output], [ty])
    replace_with(
        rewriter, op, [half, one, hx, th, ex, ep1, tfl.MulOp.build([th.results[0], ep1.results[0]], [ty])]
    )


@LEGALIZE_TF.register(tf.IsNanOp, tf.IsInfOp, tf.IsFiniteOp)
def legalize_float_class(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.IsNan(x) -> x != x; tf.IsInf(x) -> |x| >= FLT_MAX; tf.IsFinite(x) -> |x| < FLT_MAX (false for NaN).

    FLT_MAX rather than inf: TFLite's float ADD/SUB/MUL/DIV kernels clamp their results to [-FLT_MAX, FLT_MAX]
    (the activation range of NONE), so an overflow that is inf in TensorFlow arrives here as +-FLT_MAX."""
    x, out = op.operands[0], op.results[0]
    if not has_dtype([x], FLOAT) or shape_of(x) != shape_of(out):
        return
    if isinstance(op, tf.IsNanOp):
        replace_with(rewriter, op, [tfl.NotEqualOp.build([x, x], [out.type])])
        return
    big = _scalar_const(np.finfo(np.float32).max, x)
    ab = tfl.AbsOp.build([x], [x.type])
    cmp = tfl.GreaterEqualOp if isinstance(op, tf.IsInfOp) else tfl.LessOp
    replace_with(rewriter, op, [big, ab, cmp.build([ab.results[0], big.output], [out.type])])


LOG1P_SERIES_BOUND = 3e-2


@LEGALIZE_TF.register(tf.Log1pOp)
def legalize_log1p(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Log1p(x) -> |x| < 0.03 ? x - x^2/2 + x^3/3 - x^4/4 : log(1 + x) (no builtin).

    log(1 + x) alone (what TF's converter emits) loses the relative precision of small x; the series is within
    2e-7 there, and log(1 + x) is within 3e-6 above the bound. Tricks that recover the rounding error of 1 + x
    (log(u) * x / (u - 1)) are exact in the builtin kernels but break under XNNPACK, so they are not used."""
    x = op.operands[0]
    ty = op.results[0].type
    if not has_dtype([x], FLOAT) or x.type != ty or shape_of(x) is None:
        return
    ops: list[Operation] = []

    def const(v: float) -> SSAValue:
        c = _scalar_const(v, x)
        ops.append(c)
        return c.output

    def binary(cls: type[tfl.TflOp], a: SSAValue, b: SSAValue, out_ty=ty) -> SSAValue:  # noqa: ANN001
        o = cls.build([a, b], [out_ty])
        ops.append(o)
        return o.results[0]

    acc = binary(tfl.MulOp, x, const(-0.25))
    for c in (1.0 / 3.0, -0.5, 1.0):
        acc = binary(tfl.MulOp, binary(tfl.AddOp, acc, const(c)), x)
    ab = tfl.AbsOp.build([x], [ty])
    ops.append(ab)
    small = binary(tfl.LessOp, ab.results[0], const(LOG1P_SERIES_BOUND), TensorType(i1, x.type.get_shape()))
    lg = tfl.LogOp.build([binary(tfl.AddOp, x, const(1.0))], [ty])
    ops.append(lg)
    ops.append(tfl.SelectV2Op.build([small, acc, lg.results[0]], [ty]))
    replace_with(rewriter, op, ops)


@LEGALIZE_TF.register(tf.CastOp)
def legalize_cast(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Cast -> tfl.cast with CastOptions in/out types (a cast to the same type disappears)."""
    x, out = op.operands[0], op.results[0]
    src, dst = dtype_of(x), dtype_of(out)
    if src not in TFL_TYPE_NAMES or dst not in TFL_TYPE_NAMES or src == np.float64 or dst == np.float64:
        return
    if x.type == out.type:
        rewriter.replace(op, [], [x])
        return
    cast = tfl.CastOp.build(
        [x], [out.type], in_data_type=TFL_TYPE_NAMES[src], out_data_type=TFL_TYPE_NAMES[dst]
    )
    replace_with(rewriter, op, [cast])


@LEGALIZE_TF.register(tf.BitcastOp)
def legalize_bitcast(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Bitcast between element types of the same width (shape unchanged) -> tfl.bitcast."""
    x, out = op.operands[0], op.results[0]
    src, dst = dtype_of(x), dtype_of(out)
    if src is None or dst is None or src.itemsize != dst.itemsize or shape_of(x) is None:
        return
    if shape_of(x) != shape_of(out) or src not in TFL_TYPE_NAMES or dst not in TFL_TYPE_NAMES:
        return
    replace_with(rewriter, op, [tfl.BitcastOp.build([x], [out.type])])


@LEGALIZE_TF.register(tf.BitwiseAndOp)
def legalize_sign_mask(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BitwiseAnd(v, INT32_MIN) (the sign-bit mask; no builtin for bitwise and):
    users `mask < 0` become `v < 0`; otherwise the mask is select_v2(v < 0, INT32_MIN, 0).

    Keras 3's `ops.argmax`/`signbit` on floats test the sign bit as Less(BitwiseAnd(Bitcast(x), INT32_MIN), 0)."""
    v, m = op.operands
    if const_value(v) is not None and const_value(m) is None:
        v, m = m, v
    mask = const_value(m)
    out = op.results[0]
    if dtype_of(v) != I32 or mask is None or mask.size == 0 or not np.all(mask == np.iinfo(np.int32).min):
        return
    if mask.ndim > 0 and v.type != out.type:
        return
    zero = tfl_const(np.asarray(0, np.int32))
    is_neg = tfl.LessOp.build([v, zero.output], [TensorType(i1, v.type.get_shape())])
    users = [u.operation for u in out.uses]
    if users and all(
        isinstance(u, tf.LessOp)
        and u.operands[0] is out
        and _is_zero(u.operands[1])
        and u.results[0].type == is_neg.results[0].type
        for u in users
    ):
        rewriter.insert([zero, is_neg], InsertPoint.before(op))
        for u in users:
            rewriter.replace(u, [], [is_neg.results[0]])
        rewriter.erase(op)
        return
    lo = tfl_const(np.asarray(np.iinfo(np.int32).min, np.int32))
    sel = tfl.SelectV2Op.build([is_neg.results[0], lo.output, zero.output], [out.type])
    replace_with(rewriter, op, [zero, is_neg, lo, sel])


def _is_zero(value: SSAValue) -> bool:
    c = const_value(value)
    return c is not None and c.size > 0 and c.ndim == 0 and bool(np.all(c == 0))


# ---- GELU --------------------------------------------------------------------------------------------------------

SQRT1_2 = 1.0 / math.sqrt(2.0)
SQRT2_PI = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715
RTOL = 1e-5

_KIND: dict[type[Operation], str] = {
    tf.MulOp: "mul",
    tfl.MulOp: "mul",
    tf.RealDivOp: "div",
    tfl.DivOp: "div",
    tf.AddOp: "add",
    tf.AddV2Op: "add",
    tfl.AddOp: "add",
    tf.NegOp: "neg",
    tfl.NegOp: "neg",
    tf.TanhOp: "tanh",
    tfl.TanhOp: "tanh",
    tf.PowOp: "pow",
    tfl.PowOp: "pow",
    tf.SquareOp: "square",
    tfl.SquareOp: "square",
    tf.ErfOp: "erf",
    tf.ErfcOp: "erfc",
}


def kind(value: SSAValue) -> str | None:
    """What the op defining `value` computes, the same for a tf op and its legalized tfl op; None for anything
    else (including tfl ops with a fused activation)."""
    op = value.owner
    if not isinstance(op, Operation):
        return None
    if isinstance(op, tfl.TflOp) and op.activation() != "NONE":
        return None
    k = _KIND.get(type(op))
    if k is None and isinstance(op, tf.TFOp):
        k = {"Erfc": "erfc", "Erf": "erf"}.get(op.op_type)
    return k


def splat(value: SSAValue) -> float | None:
    """The float a constant holds in every element, else None."""
    arr = const_value(value)
    if arr is None or arr.size == 0 or not np.issubdtype(arr.dtype, np.floating):
        return None
    first = arr.reshape(-1)[0]
    if arr.size > 1 and not np.all(arr == first):
        return None
    return float(first)


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    return abs(a - b) <= rtol * abs(b)


def single_use(value: SSAValue) -> bool:
    return value.has_one_use()


@dataclass
class Product:
    """A product of single-use muls (and divisions by constants) flattened: the non-constant factors, the product
    of the constants, the sign from negations, and the ops it covers."""

    factors: list[SSAValue] = field(default_factory=list)
    scale: float = 1.0
    ops: list[Operation] = field(default_factory=list)

    @staticmethod
    def of(value: SSAValue, *, root: bool = False) -> Product:
        prod = Product()
        prod._add(value, root)
        return prod

    def _add(self, v: SSAValue, root: bool = False) -> None:
        c = splat(v)
        if c is not None:
            self.scale *= c
            return
        k = kind(v)
        if root or single_use(v):
            op = v.owner
            if k == "mul":
                self.ops.append(op)  # type: ignore[arg-type]
                self._add(op.operands[0])  # type: ignore[union-attr]
                self._add(op.operands[1])  # type: ignore[union-attr]
                return
            if k == "div":
                d = splat(op.operands[1])  # type: ignore[union-attr]
                if d is not None and d != 0.0:
                    self.ops.append(op)  # type: ignore[arg-type]
                    self.scale /= d
                    self._add(op.operands[0])  # type: ignore[union-attr]
                    return
            if k == "neg":
                self.ops.append(op)  # type: ignore[arg-type]
                self.scale = -self.scale
                self._add(op.operands[0])  # type: ignore[union-attr]
                return
        self.factors.append(v)

    def only(self) -> SSAValue | None:
        return self.factors[0] if len(self.factors) == 1 else None


def _plus_const(v: SSAValue, expected: float) -> tuple[SSAValue, Operation] | None:
    """For v = y + expected (single use): (y, the add)."""
    if kind(v) != "add" or not single_use(v):
        return None
    add = v.owner
    a, b = add.operands  # type: ignore[union-attr]
    for c, y in ((a, b), (b, a)):
        s = splat(c)
        if s is not None and close(s, expected) and splat(y) is None:
            return y, add  # type: ignore[return-value]
    return None


def _is_scaled(v: SSAValue, x: SSAValue, expected: float) -> list[Operation] | None:
    """For v = expected * x (any spelling): the ops."""
    p = Product.of(v, root=True)
    if p.only() is x and close(p.scale, expected):
        return p.ops
    return None


def _erf_factor(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    """v = 1 + erf(x / sqrt 2) or erfc(-x / sqrt 2): the ops it covers."""
    if not single_use(v):
        return None
    if kind(v) == "erfc":
        inner = _is_scaled(v.owner.operands[0], x, -SQRT1_2)  # type: ignore[union-attr]
        return None if inner is None else [v.owner, *inner]  # type: ignore[list-item]
    m = _plus_const(v, 1.0)
    if m is None or kind(m[0]) != "erf" or not single_use(m[0]):
        return None
    erf = m[0].owner
    inner = _is_scaled(erf.operands[0], x, SQRT1_2)  # type: ignore[union-attr]
    return None if inner is None else [m[1], erf, *inner]  # type: ignore[list-item]


def _cube(p: Product, x: SSAValue) -> list[Operation] | None:
    """The factors of `p` are x^3 (x*x*x, x*square(x), pow(x, 3)): the extra ops."""
    f = p.factors
    if len(f) == 3 and all(v is x for v in f):
        return []
    if len(f) == 2:
        for a, b in ((f[0], f[1]), (f[1], f[0])):
            if a is x and kind(b) == "square" and single_use(b) and b.owner.operands[0] is x:  # type: ignore[union-attr]
                return [b.owner]  # type: ignore[list-item]
    if len(f) == 1 and kind(f[0]) == "pow" and single_use(f[0]):
        pw = f[0].owner
        e = splat(pw.operands[1])  # type: ignore[union-attr]
        if pw.operands[0] is x and e == 3.0:  # type: ignore[union-attr]
            return [pw]  # type: ignore[list-item]
    return None


def _tanh_factor(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    """v = 1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)): the ops it covers."""
    m = _plus_const(v, 1.0)
    if m is None or kind(m[0]) != "tanh" or not single_use(m[0]):
        return None
    th = m[0].owner
    arg = Product.of(th.operands[0], root=True)  # type: ignore[union-attr]
    s = arg.only()
    if s is None or not close(arg.scale, SQRT2_PI) or kind(s) != "add" or not single_use(s):
        return None
    add = s.owner
    a, b = add.operands  # type: ignore[union-attr]
    for lin, cub in ((a, b), (b, a)):
        if lin is not x or not single_use(cub):
            continue
        p = Product.of(cub)
        if not close(p.scale, GELU_CUBIC):
            continue
        extra = _cube(p, x)
        if extra is not None:
            return [m[1], th, *arg.ops, add, *p.ops, *extra]  # type: ignore[list-item]
    return None


def _erase_dead(rewriter: PatternRewriter, ops: list[Operation]) -> None:
    """Erase matched ops (users first) and then constants they leave unused."""
    work = list(ops)
    while work:
        op = work.pop(0)
        if op.parent is None or any(r.uses for r in op.results):
            continue
        producers = [v.owner for v in op.operands]
        rewriter.erase(op)
        work += [p for p in producers if isinstance(p, tf.ConstOp | tfl.ConstOp)]


@LEGALIZE_TF.register(tf.MulOp, tf.RealDivOp)
def legalize_gelu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """0.5 * x * erfc(-x / sqrt 2), 0.5 * x * (1 + erf(x / sqrt 2)) -> tfl.gelu(x);
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) -> tfl.gelu(x, approximate = true)."""
    out = op.results[0]
    if dtype_of(out) != F32:
        return
    root = Product.of(out, root=True)
    if len(root.factors) != 2 or not close(root.scale, 0.5):
        return
    for x, f in ((root.factors[0], root.factors[1]), (root.factors[1], root.factors[0])):
        if x.type != out.type:
            continue
        approximate = False
        covered = _erf_factor(f, x)
        if covered is None:
            covered, approximate = _tanh_factor(f, x), True
        if covered is not None:
            gelu = tfl.GeluOp.build([x], [out.type], approximate=approximate)
            root_consts = [v.owner for v in op.operands if isinstance(v.owner, tf.ConstOp | tfl.ConstOp)]
            replace_with(rewriter, op, [gelu])
            _erase_dead(rewriter, [o for o in root.ops if o is not op] + covered + root_consts)
            return


LEGALIZE_TF.register(tf.MulOp, tf.RealDivOp)(legalize_binary)
