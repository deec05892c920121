"""legalize-tf rules: unary math and activations that map onto one builtin.

Sigmoid -> logistic, LeakyRelu keeps `alpha`, Softmax is beta 1 on the last axis, Gelu keeps `approximate`; the
element type must be one the builtin's kernel takes (`op_accepts`).
"""

from __future__ import annotations

from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.patterns import FLOAT, bool_attr, float_attr, has_dtype, op_accepts, rank_of, replace_with, rule

UNARY: dict[type[Operation], type[tfl.TflOp]] = {
    tf.ReluOp: tfl.ReluOp,
    tf.Relu6Op: tfl.Relu6Op,
    tf.EluOp: tfl.EluOp,
    tf.SigmoidOp: tfl.LogisticOp,
    tf.TanhOp: tfl.TanhOp,
    tf.RsqrtOp: tfl.RsqrtOp,
    tf.SqrtOp: tfl.SqrtOp,
    tf.SquareOp: tfl.SquareOp,
    tf.ExpOp: tfl.ExpOp,
    tf.LogOp: tfl.LogOp,
    tf.NegOp: tfl.NegOp,
    tf.AbsOp: tfl.AbsOp,
    tf.SinOp: tfl.SinOp,
    tf.CosOp: tfl.CosOp,
    tf.FloorOp: tfl.FloorOp,
    tf.CeilOp: tfl.CeilOp,
    tf.RoundOp: tfl.RoundOp,  # both round half to even
    tf.LogicalNotOp: tfl.LogicalNotOp,
    tf.LogSoftmaxOp: tfl.LogSoftmaxOp,
    tf.SignOp: tfl.SignOp,
}


@rule(*UNARY)
def legalize_unary(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """One-to-one unary ops (Relu, Sigmoid -> logistic, Rsqrt, Exp, ...), element type checked."""
    new_cls = UNARY[type(op)]
    x = op.operands[0]
    if not op_accepts(new_cls, [x]) or x.type != op.results[0].type:
        return
    if isinstance(op, tf.LogSoftmaxOp) and not rank_of(x):
        return  # TF requires rank >= 1
    replace_with(rewriter, op, [new_cls.build([x], [op.results[0].type])])


@rule(tf.LeakyReluOp)
def legalize_leaky_relu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.LeakyRelu(alpha) -> tfl.leaky_relu(alpha)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT):
        return
    alpha = float_attr(op, "alpha", 0.2)
    replace_with(rewriter, op, [tfl.LeakyReluOp.build([x], [op.results[0].type], alpha=alpha)])


@rule(tf.SoftmaxOp)
def legalize_softmax(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softmax (always the last axis) -> tfl.softmax(beta = 1)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT) or not rank_of(x):
        return
    replace_with(rewriter, op, [tfl.SoftmaxOp.build([x], [op.results[0].type], beta=1.0)])


@rule(tf.GeluOp)
def legalize_gelu_op(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Gelu(approximate) -> tfl.gelu(approximate)."""
    x = op.operands[0]
    if not has_dtype([x], FLOAT):
        return
    replace_with(
        rewriter, op, [tfl.GeluOp.build([x], [op.results[0].type], approximate=bool_attr(op, "approximate"))]
    )


RULES = [legalize_unary, legalize_leaky_relu, legalize_softmax, legalize_gelu_op]
