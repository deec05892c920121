"""legalize-tf rules: non-max suppression and multinomial sampling (legalize_patterns.td).

    tf.NonMaxSuppressionV4 (either pad_to_max_output_size) -> tfl.non_max_suppression_v4
    tf.NonMaxSuppressionV3                                  -> tfl.non_max_suppression_v4 (valid_outputs unused)
    tf.NonMaxSuppressionV5                                  -> tfl.non_max_suppression_v5
    tf.Multinomial {seed, seed2, output_dtype}              -> tfl.multinomial {seed, seed2}

LiteRT's kernels always write `max_output_size` indices (zero past the valid count), as TF's converter leaves them.
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, i32
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.patterns import int_attr, replace_with, rule


@rule(tf.NonMaxSuppressionV4Op, tf.NonMaxSuppressionV3Op)
def legalize_non_max_suppression_v4(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.NonMaxSuppressionV4 / V3(boxes, scores, max_output_size, iou_threshold, score_threshold) ->
    tfl.non_max_suppression_v4 (V3 gets the valid count as an unused second result, as TF writes it)."""
    types = [r.type for r in op.results]
    if len(types) == 1:
        types.append(TensorType(i32, []))
    new = tfl.NonMaxSuppressionV4Op.build(list(op.operands), types)
    replace_with(rewriter, op, [new], list(new.results[: len(op.results)]))


@rule(tf.NonMaxSuppressionV5Op)
def legalize_non_max_suppression_v5(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.NonMaxSuppressionV5(..., soft_nms_sigma) -> tfl.non_max_suppression_v5."""
    new = tfl.NonMaxSuppressionV5Op.build(list(op.operands), [r.type for r in op.results])
    replace_with(rewriter, op, [new])


@rule(tf.MultinomialOp)
def legalize_multinomial(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Multinomial(logits, num_samples) {seed, seed2} -> tfl.multinomial with the same seeds (LiteRT draws the
    Philox stream RANDOM_UNIFORM draws, fresh seeds when both are 0, as TF)."""
    new = tfl.MultinomialOp.build(
        list(op.operands), [op.results[0].type], seed=int_attr(op, "seed", 0), seed2=int_attr(op, "seed2", 0)
    )
    replace_with(rewriter, op, [new])


RULES = [legalize_non_max_suppression_v4, legalize_non_max_suppression_v5, legalize_multinomial]
