"""legalize-tf rules: data rearrangement and n-d gathers that map onto one builtin each.

    tf.DepthToSpace / SpaceToDepth (NHWC) -> tfl.depth_to_space / tfl.space_to_depth {block_size}
    tf.GatherNd                           -> tfl.gather_nd
    tf.ReverseV2(x, axis)                 -> tfl.reverse_v2 (axes as an int32 constant)
    tf.SpaceToBatchND / BatchToSpaceND    -> tfl.space_to_batch_nd / tfl.batch_to_space_nd (rank 4; what the
                                             dilated-conv recognition in prepare-tf leaves)
    tf.OneHot {axis}                      -> tfl.one_hot {axis}
    tf.ScatterNd(indices, updates, shape) -> tfl.scatter_nd (int32 indices and shape)
    tf.MatrixDiag{,V2,V3} / MatrixSetDiag{,V2,V3} of the main diagonal -> tfl.matrix_diag / tfl.matrix_set_diag
    tf.MatrixBandPart(x, lower, upper)    -> tfl.select_v2(band mask, x, 0): the mask of a static [m, n] with
                                             constant bounds is computed here (TF's lowering computes it with
                                             NEG/GREATER_EQUAL/LOGICAL_AND; both are a select, so outputs are equal)

As TF's converter (legalize_patterns.td): one builtin per op; the element types must be ones LiteRT's kernel takes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from dialects.elements import numpy_dtype
from passes.legalize_tf.shape import int32_const
from passes.patterns import (
    I32,
    Rule,
    const_value,
    dtype_of,
    int_attr,
    op_accepts,
    rank_of,
    replace_with,
    rule,
    shape_of,
    str_attr,
    tfl_const,
)


@rule(tf.DepthToSpaceOp, tf.SpaceToDepthOp)
def legalize_depth_space(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.DepthToSpace / SpaceToDepth {block_size, data_format = NHWC} on a rank-4 tensor."""
    x = op.operands[0]
    block = int_attr(op, "block_size")
    new_cls = tfl.DepthToSpaceOp if isinstance(op, tf.DepthToSpaceOp) else tfl.SpaceToDepthOp
    if (str_attr(op, "data_format", "NHWC") != "NHWC" or rank_of(x) != 4 or block is None or block < 2
            or not op_accepts(new_cls, [x])):  # fmt: skip
        return
    replace_with(rewriter, op, [new_cls.build([x], [op.results[0].type], block_size=block)])


@rule(tf.GatherNdOp)
def legalize_gather_nd(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.GatherNd(params, indices) -> tfl.gather_nd (indices as they are: int32 or int64)."""
    params, indices = op.operands
    if not op_accepts(tfl.GatherNdOp, [params, indices]) or not rank_of(indices):
        return
    replace_with(rewriter, op, [tfl.GatherNdOp.build([params, indices], [op.results[0].type])])


@rule(tf.ReverseV2Op)
def legalize_reverse_v2(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ReverseV2(tensor, axis) with constant axes -> tfl.reverse_v2(tensor, int32 axes)."""
    x, axis = op.operands
    made = int32_const(axis)
    if made is None or not op_accepts(tfl.ReverseV2Op, [x]):
        return
    axes, _ = made
    replace_with(rewriter, op, [axes, tfl.ReverseV2Op.build([x, axes.output], [op.results[0].type])])


def generic_rule(*tf_types: str) -> Callable[[Rule], Rule]:
    """A rule for TF ops that import as `tf.generic` (prepare-tf matches SpaceToBatchND/BatchToSpaceND there):
    it runs on the generic ops of these op types; `generic_op_types` names them for the coverage table."""

    def deco(fn: Rule) -> Rule:
        @rule(tf.GenericOp)
        @functools.wraps(fn)
        def on_generic(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
            if op.op_type in tf_types:
                fn(op, rewriter)

        on_generic.generic_op_types = tf_types  # type: ignore[attr-defined]
        return on_generic

    return deco


@generic_rule("SpaceToBatchND", "BatchToSpaceND")
def legalize_space_batch(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """tf.SpaceToBatchND(x, block_shape, paddings) / BatchToSpaceND(x, block_shape, crops) on rank-4 data with
    constant block shape and paddings/crops (both re-made int32): what prepare-tf's dilated-conv fusion leaves."""
    if len(op.operands) != 3 or len(op.results) != 1:
        return
    x, block_v, pads_v = op.operands
    new_cls = tfl.SpaceToBatchNdOp if op.op_type == "SpaceToBatchND" else tfl.BatchToSpaceNdOp
    block, pads = int32_const(block_v), int32_const(pads_v)
    if (
        block is None
        or pads is None
        or rank_of(x) != 4
        or block[1].shape != (2,)
        or not op_accepts(new_cls, [x])
    ):
        return
    new = new_cls.build([x, block[0].output, pads[0].output], [op.results[0].type])
    replace_with(rewriter, op, [block[0], pads[0], new])


@rule(tf.OneHotOp)
def legalize_one_hot(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.OneHot(indices, depth, on_value, off_value) {axis} -> tfl.one_hot {axis}."""
    if not op_accepts(tfl.OneHotOp, list(op.operands)):
        return
    axis = int_attr(op, "axis", -1)
    replace_with(rewriter, op, [tfl.OneHotOp.build(list(op.operands), [op.results[0].type], axis=axis)])


def int32_operand(value: SSAValue, pre: list[Operation]) -> SSAValue | None:
    """A constant integer operand re-made int32 (appended to `pre`), an int32 one as it is, else None."""
    made = int32_const(value)
    if made is not None:
        pre.append(made[0])
        return made[0].output
    return value if dtype_of(value) == I32 else None


@rule(tf.ScatterNdOp)
def legalize_scatter_nd(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ScatterNd(indices, updates, shape) -> tfl.scatter_nd with int32 indices and shape (TF casts them)."""
    pre: list[Operation] = []
    indices = int32_operand(op.operands[0], pre)
    shape = int32_operand(op.operands[2], pre)
    updates = op.operands[1]
    if indices is None or shape is None or not op_accepts(tfl.ScatterNdOp, [indices, updates, shape]):
        return
    replace_with(rewriter, op, [*pre, tfl.ScatterNdOp.build([indices, updates, shape], [op.results[0].type])])


@rule(tf.MatrixBandPartOp)
def legalize_matrix_band_part(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MatrixBandPart(x, num_lower, num_upper): keep x[..., i, j] where (num_lower < 0 or i - j <= num_lower)
    and (num_upper < 0 or j - i <= num_upper), else 0 -> tfl.select_v2(mask [m, n], x, 0)."""
    x, lower_v, upper_v = op.operands
    shape, lower, upper = shape_of(x), const_value(lower_v), const_value(upper_v)
    if shape is None or len(shape) < 2 or lower is None or upper is None:
        return
    if lower.size != 1 or upper.size != 1:
        return
    m, n = shape[-2:]
    lo, hi = int(lower.reshape(-1)[0]), int(upper.reshape(-1)[0])
    offset = np.arange(m)[:, None] - np.arange(n)[None, :]  # i - j
    mask = ((lo < 0) | (offset <= lo)) & ((hi < 0) | (-offset <= hi))
    mask_c, zero = tfl_const(mask), tfl_const(np.zeros((), numpy_dtype(x.type.element_type)))
    if not op_accepts(tfl.SelectV2Op, [mask_c.output, x, zero.output]):
        return
    select = tfl.SelectV2Op.build([mask_c.output, x, zero.output], [op.results[0].type])
    replace_with(rewriter, op, [mask_c, zero, select])


def _const_int(value: SSAValue) -> int | None:
    arr = const_value(value)
    return int(arr.reshape(-1)[0]) if arr is not None and arr.size == 1 and arr.dtype.kind in "iu" else None


@rule(tf.MatrixDiagOp, tf.MatrixDiagV2Op, tf.MatrixDiagV3Op)
def legalize_matrix_diag(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MatrixDiag(diagonal), or V2/V3 with k = 0, num_rows = num_cols = -1 and a zero padding value (the square
    matrix of the main diagonal, as TF's converter requires) -> tfl.matrix_diag."""
    diagonal = op.operands[0]
    if not isinstance(op, tf.MatrixDiagOp):
        if len(op.operands) != 5 or [_const_int(v) for v in op.operands[1:4]] != [0, -1, -1]:
            return
        pad = const_value(op.operands[4])
        if pad is None or pad.size != 1 or pad.reshape(-1)[0] != 0:
            return
    if not op_accepts(tfl.MatrixDiagOp, [diagonal]):
        return
    replace_with(rewriter, op, [tfl.MatrixDiagOp.build([diagonal], [op.results[0].type])])


@rule(tf.MatrixSetDiagOp, tf.MatrixSetDiagV2Op, tf.MatrixSetDiagV3Op)
def legalize_matrix_set_diag(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MatrixSetDiag(input, diagonal), or V2/V3 with k = 0 (the main diagonal) -> tfl.matrix_set_diag."""
    x, diagonal = op.operands[0], op.operands[1]
    if not isinstance(op, tf.MatrixSetDiagOp) and (len(op.operands) != 3 or _const_int(op.operands[2]) != 0):
        return
    if not op_accepts(tfl.MatrixSetDiagOp, [x, diagonal]):
        return
    replace_with(rewriter, op, [tfl.MatrixSetDiagOp.build([x, diagonal], [op.results[0].type])])


RULES = [
    legalize_depth_space,
    legalize_gather_nd,
    legalize_reverse_v2,
    legalize_space_batch,
    legalize_one_hot,
    legalize_scatter_nd,
    legalize_matrix_band_part,
    legalize_matrix_diag,
    legalize_matrix_set_diag,
]
