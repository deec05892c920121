"""legalize-tf rule: GELU spelled out in elementwise ops -> tfl.gelu (the matcher is `passes.composites`).

Rooted at the final tf.Mul (or a tf.RealDiv by 2); it runs before the plain binary rule on those ops.
"""

from __future__ import annotations

from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.composites import match_gelu
from passes.patterns import erase_dead, replace_with, rule


@rule(tf.MulOp, tf.RealDivOp)
def legalize_gelu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """0.5 * x * erfc(-x / sqrt 2), 0.5 * x * (1 + erf(x / sqrt 2)) -> tfl.gelu(x);
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) -> tfl.gelu(x, approximate = true)."""
    m = match_gelu(op.results[0])
    if m is None:
        return
    root_consts = [v.owner for v in op.operands if isinstance(v.owner, tf.ConstOp | tfl.ConstOp)]
    replace_with(rewriter, op, [tfl.GeluOp.build([m.x], [op.results[0].type], approximate=m.approximate)])
    erase_dead(rewriter, [o for o in m.ops if o is not op] + root_consts)


RULES = [legalize_gelu]
