"""legalize-tf rules: reductions and arg-max/arg-min.

    tf.Mean / Sum / Max / Min / Prod (x, axes; keep_dims)  -> tfl.mean / sum / reduce_max / reduce_min / reduce_prod
    tf.Any / All (bool x, axes; keep_dims)                 -> tfl.reduce_any / reduce_all
    tf.ArgMax / ArgMin (x, dimension; output_type)         -> tfl.arg_max / arg_min (output_type INT32 | INT64)
    tf.Cumsum (x, axis; exclusive, reverse)                -> tfl.cumsum
    tf.TopKV2 (x, k; sorted, index_type)                   -> tfl.topk_v2 (k an int32 scalar when constant)

The axes must be a constant; they become an int32 constant (1-D), as TensorFlow's converter emits. An empty axes
list reduces nothing: the op is replaced by its input. Out-of-range or repeated axes, element types the builtin's
kernel does not take (asked of the tfl op) and non-constant axes leave the op in TF.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from dialects.tensor_types import tensor_type_name
from passes.patterns import (
    I32,
    I64,
    NUMERIC,
    bool_attr,
    const_value,
    dtype_of,
    has_dtype,
    op_accepts,
    rank_of,
    replace_with,
    rule,
    shape_of,
    tfl_const,
)

_REDUCE: dict[type[Operation], type[tfl.TflOp]] = {
    tf.MeanOp: tfl.MeanOp,
    tf.SumOp: tfl.SumOp,
    tf.MaxOp: tfl.ReduceMaxOp,
    tf.MinOp: tfl.ReduceMinOp,
    tf.ProdOp: tfl.ReduceProdOp,
    tf.AnyOp: tfl.ReduceAnyOp,
    tf.AllOp: tfl.ReduceAllOp,
}


def const_axes(op: Operation, index: int, rank: int) -> np.ndarray | None:
    """The constant integer axes operand as int32, if every axis is in [-rank, rank) and none repeats."""
    axes = const_value(op.operands[index])
    if axes is None or not np.issubdtype(axes.dtype, np.integer) or axes.ndim > 1:
        return None
    flat = axes.reshape(-1).astype(np.int64)
    if rank == 0:
        return flat.astype(np.int32) if flat.size == 0 else None
    if np.any(flat < -rank) or np.any(flat >= rank):
        return None
    normalized = [int(a) % rank for a in flat]
    if len(set(normalized)) != len(normalized):
        return None
    return flat.astype(np.int32)


@rule(*_REDUCE)
def legalize_reduce(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Mean/Sum/Max/Min/Prod/Any/All -> tfl.mean/sum/reduce_max/reduce_min/reduce_prod/reduce_any/reduce_all
    (keep_dims, int32 axes)."""
    new_cls = _REDUCE[type(op)]
    x = op.operands[0]
    out = op.results[0]
    rank = rank_of(x)
    if rank is None or not op_accepts(new_cls, [x]) or dtype_of(out) != dtype_of(x):
        return
    axes = const_axes(op, 1, rank)
    if axes is None:
        return
    if axes.size == 0:
        if x.type == out.type:
            rewriter.replace(op, [], [x])
        return
    axes_c = tfl_const(axes.reshape(-1))
    red = new_cls.build([x, axes_c.output], [out.type], keep_dims=bool_attr(op, "keep_dims"))
    replace_with(rewriter, op, [axes_c, red])


_ARG = {tf.ArgMaxOp: tfl.ArgMaxOp, tf.ArgMinOp: tfl.ArgMinOp}


@rule(*_ARG)
def legalize_arg(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ArgMax/ArgMin(x, dim) -> tfl.arg_max/arg_min(x, dim as int32) with output_type INT32/INT64."""
    x, out = op.operands[0], op.results[0]
    rank = rank_of(x)
    out_dt = dtype_of(out)
    if rank is None or rank == 0 or not op_accepts(_ARG[type(op)], [x]) or out_dt not in (I32, I64):
        return
    dim = const_axes(op, 1, rank)
    if dim is None or dim.size != 1:
        return
    dim_c = tfl_const(dim.reshape(const_value(op.operands[1]).shape))
    arg = _ARG[type(op)].build([x, dim_c.output], [out.type], output_type=tensor_type_name(out_dt))
    replace_with(rewriter, op, [dim_c, arg])


@rule(tf.CumsumOp)
def legalize_cumsum(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Cumsum(x, axis) -> tfl.cumsum(x, axis as int32) with exclusive/reverse."""
    x, out = op.operands[0], op.results[0]
    rank = rank_of(x)
    if rank is None or rank == 0 or not has_dtype([x], NUMERIC) or x.type != out.type:
        return
    axis = const_axes(op, 1, rank)
    if axis is None or axis.size != 1:
        return
    axis_c = tfl_const(np.asarray(axis.reshape(-1)[0], np.int32))
    cs = tfl.CumsumOp.build(
        [x, axis_c.output], [out.type], exclusive=bool_attr(op, "exclusive"), reverse=bool_attr(op, "reverse")
    )
    replace_with(rewriter, op, [axis_c, cs])


@rule(tf.TopKV2Op)
def legalize_top_k(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.TopKV2(x, k) -> tfl.topk_v2(x, k): a constant k becomes an int32 scalar (TF allows int16/int32/int64 k),
    checked against the last dimension; a computed k must already be an int32 or int16 scalar."""
    x, k = op.operands
    values, indices = op.results
    if not rank_of(x):
        return
    k_value = const_value(k)
    pre: list[Operation] = []
    if k_value is not None:
        last = shape_of(x)[-1] if shape_of(x) is not None else -1  # type: ignore[index]
        if k_value.size != 1 or not 0 <= int(k_value.reshape(-1)[0]) <= (
            last if last >= 0 else np.iinfo(np.int32).max
        ):
            return
        k_const = tfl_const(np.asarray(k_value.reshape(-1)[0], np.int32))
        pre, k = [k_const], k_const.output
    elif rank_of(k) != 0:
        return
    if not tfl.TopKV2Op.accepts([x.type, k.type], [values.type, indices.type]):
        return
    replace_with(rewriter, op, [*pre, tfl.TopKV2Op.build([x, k], [values.type, indices.type])])


RULES = [legalize_reduce, legalize_arg, legalize_cumsum, legalize_top_k]
