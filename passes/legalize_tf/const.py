"""legalize-tf rules: constants."""

from __future__ import annotations

from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.patterns import replace_with, rule


@rule(tf.ConstOp)
def legalize_const(op: tf.ConstOp, rewriter: PatternRewriter) -> None:
    """tf.Const -> tfl.pseudo_const (same numpy-held value, no copy)."""
    replace_with(rewriter, op, [tfl.ConstOp(op.value)])


RULES = [legalize_const]
