"""legalize-tf rules: TF ops TensorFlow's converter lowers to other TF ops first (lower_tf.td, legalize_patterns.td)
and so ends with builtins; the formulas and their op order are TF's.

    tf.MulNoNan(x, y)       -> select_v2(y == 0, 0, x * y)
    tf.SigmoidGrad(y, dy)   -> dy * (y * (1 - y))
    tf.TanhGrad(y, dy)      -> dy * (1 - square(y))
    tf.RsqrtGrad(y, dy)     -> (y * y * y) * (dy * -0.5)
    tf.L2Loss(x)            -> sum(x * x, all axes) * 0.5
    tf.BiasAddGrad(dy)      -> sum(dy, all axes but the channels)   (NHWC)
    tf.Gather(p, i)         -> tfl.gather {axis 0}
    tf.ApproxTopK(x) {k}    -> tfl.topk_v2(x, k) for the max k along the last axis (recall is then exact)

All float32 except Gather (any element type GATHER takes).
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.expr import Builder, select, square
from passes.patterns import (
    FLOAT,
    bool_attr,
    has_dtype,
    int_attr,
    op_accepts,
    rank_of,
    replace_with,
    rule,
    shape_of,
    str_attr,
    tfl_const,
)


def _same_float(op: tf.TFOp) -> bool:
    """Float32 operands of the result's type (no broadcasting)."""
    out = op.results[0].type
    return has_dtype(list(op.operands), FLOAT) and all(v.type == out for v in op.operands)


@rule(tf.MulNoNanOp)
def legalize_mul_no_nan(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MulNoNan(x, y) = y == 0 ? 0 : x * y (an inf or NaN x times a zero y is 0)."""
    if not _same_float(op):
        return
    b = Builder(op)
    x, y, zero = b(op.operands[0]), b(op.operands[1]), b.const(0.0)
    is_zero = y == zero
    product = x * y
    b.replace(rewriter, select(is_zero, zero, product))


@rule(tf.SigmoidGradOp)
def legalize_sigmoid_grad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SigmoidGrad(y, dy) = dy * y * (1 - y)."""
    if not _same_float(op):
        return
    b = Builder(op)
    y, dy = b(op.operands[0]), b(op.operands[1])
    b.replace(rewriter, dy * (y * (b.const(1.0) - y)))


@rule(tf.TanhGradOp)
def legalize_tanh_grad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.TanhGrad(y, dy) = dy * (1 - y^2)."""
    if not _same_float(op):
        return
    b = Builder(op)
    y, dy = b(op.operands[0]), b(op.operands[1])
    y2 = square(y)
    b.replace(rewriter, dy * (b.const(1.0) - y2))


@rule(tf.RsqrtGradOp)
def legalize_rsqrt_grad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.RsqrtGrad(y, dy) = y^3 * dy / -2."""
    if not _same_float(op):
        return
    b = Builder(op)
    y, dy = b(op.operands[0]), b(op.operands[1])
    cube = y * y * y
    b.replace(rewriter, cube * (dy * b.const(-0.5)))


def _sum(x: SSAValue, axes: list[int], out_type: Attribute) -> list[Operation]:
    """tfl.sum of x over `axes` (an int32 constant), keep_dims false."""
    axes_c = tfl_const(np.asarray(axes, np.int32))
    return [axes_c, tfl.SumOp.build([x, axes_c.output], [out_type], keep_dims=False)]


@rule(tf.L2LossOp)
def legalize_l2_loss(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.L2Loss(x) = sum(x^2) / 2, written x * x, sum over every axis, * 0.5."""
    x = op.operands[0]
    shape = shape_of(x)
    if not has_dtype([x], FLOAT) or not shape:
        return
    out = op.results[0].type
    sq = tfl.MulOp.build([x, x], [x.type])
    total = _sum(sq.output, list(range(len(shape))), out)
    half = tfl_const(np.asarray(0.5, np.float32))
    loss = tfl.MulOp.build([total[-1].results[0], half.output], [out])
    replace_with(rewriter, op, [sq, *total, half, loss])


@rule(tf.BiasAddGradOp)
def legalize_bias_add_grad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BiasAddGrad(dy) {NHWC} = sum of dy over every axis but the last."""
    dy = op.operands[0]
    rank = rank_of(dy)
    if not has_dtype([dy], FLOAT) or rank is None or rank < 2:
        return
    if str_attr(op, "data_format", "NHWC") != "NHWC":
        return
    replace_with(rewriter, op, _sum(dy, list(range(rank - 1)), op.results[0].type))


@rule(tf.GatherOp)
def legalize_gather_v1(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Gather(params, indices) (v1: axis 0) -> tfl.gather {axis 0, batch_dims 0}."""
    params, indices = op.operands
    if not op_accepts(tfl.GatherOp, [params, indices]):
        return
    gather = tfl.GatherOp.build([params, indices], [op.results[0].type], axis=0, batch_dims=0)
    replace_with(rewriter, op, [gather])


@rule(tf.ApproxTopKOp)
def legalize_approx_top_k(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ApproxTopK {k, reduction_dimension = last, is_max_k} -> tfl.topk_v2(x, int32 k) (sorted, exact)."""
    x = op.operands[0]
    rank, k = rank_of(x), int_attr(op, "k")
    dim = int_attr(op, "reduction_dimension", -1)
    if rank is None or k is None or not bool_attr(op, "is_max_k", True) or dim not in (-1, rank - 1):
        return
    k_c = tfl_const(np.asarray(k, np.int32))
    values, indices = (r.type for r in op.results)
    if not isinstance(indices, TensorType) or not op_accepts(tfl.TopKV2Op, [x, k_c.output]):
        return
    replace_with(rewriter, op, [k_c, tfl.TopKV2Op.build([x, k_c.output], [values, indices])])


RULES = [
    legalize_mul_no_nan,
    legalize_sigmoid_grad,
    legalize_tanh_grad,
    legalize_rsqrt_grad,
    legalize_l2_loss,
    legalize_bias_add_grad,
    legalize_gather_v1,
    legalize_approx_top_k,
]
