"""legalize-tf rules: elementwise ops and activations."""

from __future__ import annotations

from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.table import LEGALIZE_TF
from passes.patterns import replace_with


@LEGALIZE_TF.register(tf.BiasAddOp)
def legalize_bias_add(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BiasAdd (NHWC) -> tfl.add with the bias broadcast over the last axis."""
    value, bias = op.operands
    replace_with(rewriter, op, [tfl.AddOp.build([value, bias], [op.results[0].type])])


_UNARY = {
    tf.ReluOp: tfl.ReluOp,
    tf.Relu6Op: tfl.Relu6Op,
}


@LEGALIZE_TF.register(*_UNARY)
def legalize_unary(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    replace_with(rewriter, op, [_UNARY[type(op)].build([op.operands[0]], [op.results[0].type])])
