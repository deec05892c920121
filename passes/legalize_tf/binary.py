"""legalize-tf rules: binary elementwise ops, Select, AddN, BiasAdd, and the broadcasting they need.

Binary ops map one-to-one onto TFLite builtins when the element type is one the kernel supports and the
operands broadcast within the kernel's rank limit (both asked of `op_accepts` / `broadcast_rank`; TensorFlow's
`TFL_OperandsHaveSameShapesOrBroadcastableShape`):

    limit 6: ADD, SUB, MUL, DIV, LOGICAL_AND/OR     limit 5: MAXIMUM, MINIMUM, SELECT_V2
    limit 4: SQUARED_DIFFERENCE, POW, FLOOR_DIV, FLOOR_MOD, comparisons     none: ATAN2

Operands of the same shape, and a single-element operand (a scalar constant) against anything, need no broadcast
and are accepted at any rank. Beyond the limit, like TensorFlow's converter, the operands are broadcast
explicitly with `tfl.broadcast_to` (static shapes, output rank <= 8); otherwise the op stays TF.
SquaredDifference beyond rank 4 becomes sub + square (as TensorFlow does); AddN becomes a chain of adds; Select
with a rank-1 condition becomes reshape + select_v2.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.expr import Builder, square
from passes.patterns import (
    BOOL,
    F32,
    NUMERIC,
    broadcast_rank,
    dtype_of,
    has_dtype,
    op_accepts,
    replace_with,
    rule,
    shape_of,
    tfl_const,
)

# Largest output rank tfl.broadcast_to handles.
MAX_BROADCAST_TO_RANK = 8


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

BINARY: dict[type[Operation], type[tfl.TflOp]] = {
    tf.AddOp: tfl.AddOp,
    tf.AddV2Op: tfl.AddOp,
    tf.SubOp: tfl.SubOp,
    tf.MulOp: tfl.MulOp,
    tf.RealDivOp: tfl.DivOp,
    tf.DivOp: tfl.DivOp,  # truncating for integers, as LiteRT's DIV
    tf.MaximumOp: tfl.MaximumOp,
    tf.MinimumOp: tfl.MinimumOp,
    tf.PowOp: tfl.PowOp,
    tf.FloorDivOp: tfl.FloorDivOp,
    tf.FloorModOp: tfl.FloorModOp,
    tf.GreaterOp: tfl.GreaterOp,
    tf.GreaterEqualOp: tfl.GreaterEqualOp,
    tf.LessOp: tfl.LessOp,
    tf.LessEqualOp: tfl.LessEqualOp,
    tf.EqualOp: tfl.EqualOp,
    tf.NotEqualOp: tfl.NotEqualOp,
    tf.LogicalAndOp: tfl.LogicalAndOp,
    tf.LogicalOrOp: tfl.LogicalOrOp,
    tf.Atan2Op: tfl.Atan2Op,
}


@rule(*BINARY)
def legalize_binary(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.AddV2/Sub/Mul/RealDiv/Maximum/.../LogicalOr -> the matching tfl builtin (types and rank checked)."""
    new_cls = BINARY[type(op)]
    if len(op.operands) != 2 or not op_accepts(new_cls, op.operands):
        return
    plan = broadcast_operands(list(op.operands), op.results[0], broadcast_rank(new_cls))  # type: ignore[arg-type]
    if plan is None:
        return
    pre, operands = plan
    replace_with(rewriter, op, [*pre, new_cls.build(operands, [op.results[0].type])])


@rule(tf.SquaredDifferenceOp)
def legalize_squared_difference(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SquaredDifference -> tfl.squared_difference (broadcast within rank 4), else sub + square."""
    x, y = op.operands
    out = op.results[0]
    if not op_accepts(tfl.SquaredDifferenceOp, [x, y]):
        return
    out_shape = _ranked_shape(out)
    need = needs_broadcast([x, y], len(out_shape)) if out_shape is not None else None
    if need is None:
        return
    if not need or len(out_shape) <= broadcast_rank(tfl.SquaredDifferenceOp):  # type: ignore[arg-type, operator]
        replace_with(rewriter, op, [tfl.SquaredDifferenceOp.build([x, y], [out.type])])
        return
    if dtype_of(x) != F32:
        return  # SQUARE has a float kernel only
    plan = broadcast_operands([x, y], out, broadcast_rank(tfl.SubOp))  # type: ignore[arg-type]
    if plan is None:
        return
    pre, (a, b) = plan
    e = Builder(op)
    e.replace(rewriter, square(e(a) - e(b)), before=pre)


@rule(tf.AddNOp)
def legalize_add_n(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.AddN(a, b, c, ...) -> ((a + b) + c) + ... (TF requires identical shapes)."""
    values = list(op.operands)
    out = op.results[0]
    if not values or not has_dtype(values, NUMERIC) or any(v.type != out.type for v in values):
        return
    if len(values) == 1:
        rewriter.replace(op, [], [values[0]])
        return
    e = Builder(op)
    e.replace(rewriter, functools.reduce(operator.add, map(e, values)))


@rule(tf.SelectV2Op, tf.SelectOp)
def legalize_select(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SelectV2 -> tfl.select_v2 (broadcast within rank 5); tf.Select (v1) with a condition of the values'
    shape likewise, and with a rank-1 condition (row selection) after reshaping it to [n, 1, ..., 1]."""
    cond, t, e = op.operands
    out = op.results[0]
    if dtype_of(cond) != BOOL or not op_accepts(tfl.SelectV2Op, [cond, t, e]):
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
    plan = broadcast_operands([cond, t, e], out, broadcast_rank(tfl.SelectV2Op))  # type: ignore[arg-type]
    if plan is None:
        return
    bpre, operands = plan
    replace_with(rewriter, op, [*pre, *bpre, tfl.SelectV2Op.build(operands, [out.type])])


@rule(tf.BiasAddOp)
def legalize_bias_add(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BiasAdd (NHWC) -> tfl.add with the bias broadcast over the last axis."""
    value, bias = op.operands
    fmt = op.attributes.get("data_format")
    if fmt is not None and getattr(fmt, "data", "NHWC") not in ("NHWC", "N..C"):
        return
    if not has_dtype([value, bias], NUMERIC) or _ranked_shape(bias) is None or len(_ranked_shape(bias)) != 1:
        return
    replace_with(rewriter, op, [tfl.AddOp.build([value, bias], [op.results[0].type])])


RULES = [legalize_binary, legalize_squared_difference, legalize_add_n, legalize_select, legalize_bias_add]
