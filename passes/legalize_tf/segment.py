"""legalize-tf rules: segment reductions, one builtin each as TensorFlow's converter (legalize_patterns.td), with the
segment ids and num_segments made int32 (a constant is re-made, a computed int32 one passes, int64 stays TF).

    tf.SegmentSum(data, ids)                -> tfl.segment_sum
    tf.UnsortedSegment{Sum,Max,Min,Prod}    -> tfl.unsorted_segment_{sum,max,min,prod}
"""

from __future__ import annotations

from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.rearrange import int32_operand
from passes.patterns import op_accepts, replace_with, rule

SEGMENT: dict[type[Operation], type[tfl.TflOp]] = {
    tf.SegmentSumOp: tfl.SegmentSumOp,
    tf.UnsortedSegmentSumOp: tfl.UnsortedSegmentSumOp,
    tf.UnsortedSegmentMaxOp: tfl.UnsortedSegmentMaxOp,
    tf.UnsortedSegmentMinOp: tfl.UnsortedSegmentMinOp,
    tf.UnsortedSegmentProdOp: tfl.UnsortedSegmentProdOp,
}


@rule(*SEGMENT)
def legalize_segment(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SegmentSum / UnsortedSegment* -> the tfl op of the same reduction (int32 ids and num_segments)."""
    new_cls = SEGMENT[type(op)]
    pre: list[Operation] = []
    data, *rest = op.operands
    ints = [int32_operand(v, pre) for v in rest]
    if any(v is None for v in ints) or not op_accepts(new_cls, [data, *ints]):
        return
    replace_with(rewriter, op, [*pre, new_cls.build([data, *ints], [op.results[0].type])])


RULES = [legalize_segment]
