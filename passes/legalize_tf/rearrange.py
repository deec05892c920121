"""legalize-tf rules: data rearrangement and n-d gathers that map onto one builtin each.

    tf.DepthToSpace / SpaceToDepth (NHWC) -> tfl.depth_to_space / tfl.space_to_depth {block_size}
    tf.GatherNd                           -> tfl.gather_nd
    tf.ReverseV2(x, axis)                 -> tfl.reverse_v2 (axes as an int32 constant)

As TF's converter (legalize_patterns.td): one builtin per op; the element types must be ones LiteRT's kernel takes.
"""

from __future__ import annotations

from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.shape import int32_const
from passes.patterns import int_attr, op_accepts, rank_of, replace_with, rule, str_attr


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


RULES = [legalize_depth_space, legalize_gather_nd, legalize_reverse_v2]
