"""legalize-tf rules: ops with no builtin, written as formulas over builtins (`passes.expr`).

Reciprocal -> 1 / x; Softplus -> relu(x) + log(1 + exp(-|x|)) (the stable form of TensorFlow's kernel); Selu ->
elu(x) * select_v2(x > 0, scale, scale * alpha); Softsign -> x / (1 + |x|); Expm1 -> tanh(x / 2) * (exp(x) + 1);
Log1p -> a 4-term series near 0, log(1 + x) elsewhere; IsNan -> x != x, IsInf/IsFinite -> |x| >=/< FLT_MAX;
DivNoNan -> select_v2(y == 0, 0, x / y); Erf -> a polynomial below 0.9, 1 - exp(-x^2) * poly(1 / (1 + |x|/2)) above
(|error| < 1.4e-7). All float32. Erfc has no builtin and stays TF.
The statements of each rule are in the order its ops are emitted.
"""

from __future__ import annotations

import numpy as np
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.composites import match_gelu
from passes.expr import Builder, Expr, elu, exp, log, relu, select, tanh
from passes.legalize_tf.binary import needs_broadcast
from passes.patterns import FLOAT, has_dtype, rank_of, rule, shape_of, single_use


def _float_unary(op: tf.TFOp, *, same_type: bool = True) -> bool:
    """A float32 unary op whose result has its operand's type."""
    x = op.operands[0]
    return has_dtype([x], FLOAT) and (not same_type or x.type == op.results[0].type)


@rule(tf.ReciprocalOp)
def legalize_reciprocal(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Reciprocal(x) -> tfl.div(1, x) (float32; no builtin)."""
    if not _float_unary(op, same_type=False):
        return
    b = Builder(op)
    b.replace(rewriter, 1.0 / b(op.operands[0]))


@rule(tf.SoftplusOp)
def legalize_softplus(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softplus(x) = log(1 + exp(x)) -> relu(x) + log(1 + exp(-|x|)) (no builtin; never overflows)."""
    if not _float_unary(op):
        return
    b = Builder(op)
    x, one = b(op.operands[0]), b.const(1.0)
    tail = log(exp(-abs(x)) + one)
    b.replace(rewriter, relu(x) + tail)


SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


@rule(tf.SeluOp)
def legalize_selu(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Selu(x) = scale * (x > 0 ? x : alpha * expm1(x)) -> elu(x) * select_v2(x > 0, scale, scale * alpha)."""
    if not _float_unary(op) or shape_of(op.operands[0]) is None:
        return
    b = Builder(op)
    x = b(op.operands[0])
    zero, pos, neg = b.const(0.0), b.const(SELU_SCALE), b.const(SELU_SCALE * SELU_ALPHA)
    b.replace(rewriter, elu(x) * select(x > zero, pos, neg))


@rule(tf.SoftsignOp)
def legalize_softsign(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Softsign(x) = x / (1 + |x|) (no builtin)."""
    if not _float_unary(op):
        return
    b = Builder(op)
    x, one = b(op.operands[0]), b.const(1.0)
    b.replace(rewriter, x / (abs(x) + one))


@rule(tf.Expm1Op)
def legalize_expm1(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Expm1(x) = exp(x) - 1 -> tanh(x / 2) * (exp(x) + 1) (no builtin; the identity keeps full relative
    precision near 0, where exp(x) - 1 would cancel)."""
    if not _float_unary(op):
        return
    b = Builder(op)
    x, half, one = b(op.operands[0]), b.const(0.5), b.const(1.0)
    b.replace(rewriter, tanh(x * half) * (exp(x) + one))


FLT_MAX = np.finfo(np.float32).max


@rule(tf.IsNanOp, tf.IsInfOp, tf.IsFiniteOp)
def legalize_float_class(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.IsNan(x) -> x != x; tf.IsInf(x) -> |x| >= FLT_MAX; tf.IsFinite(x) -> |x| < FLT_MAX (false for NaN).

    FLT_MAX rather than inf: TFLite's float ADD/SUB/MUL/DIV kernels clamp their results to [-FLT_MAX, FLT_MAX]
    (the activation range of NONE), so an overflow that is inf in TensorFlow arrives here as +-FLT_MAX."""
    if not _float_unary(op, same_type=False) or shape_of(op.operands[0]) != shape_of(op.results[0]):
        return
    b = Builder(op)
    x = b(op.operands[0])
    if isinstance(op, tf.IsNanOp):
        b.replace(rewriter, x != x)
        return
    big = b.const(FLT_MAX)
    b.replace(rewriter, abs(x) >= big if isinstance(op, tf.IsInfOp) else abs(x) < big)


LOG1P_SERIES_BOUND = 3e-2


@rule(tf.Log1pOp)
def legalize_log1p(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Log1p(x) -> |x| < 0.03 ? x - x^2/2 + x^3/3 - x^4/4 : log(1 + x) (no builtin).

    log(1 + x) alone (what TF's converter emits) loses the relative precision of small x; the series is within
    2e-7 there, and log(1 + x) is within 3e-6 above the bound. Tricks that recover the rounding error of 1 + x
    (log(u) * x / (u - 1)) are exact in the builtin kernels but break under XNNPACK, so they are not used."""
    if not _float_unary(op) or shape_of(op.operands[0]) is None:
        return
    b = Builder(op)
    x = b(op.operands[0])
    series = x * -0.25  # Horner: (((-x/4 + 1/3) x - 1/2) x + 1) x
    for c in (1.0 / 3.0, -0.5, 1.0):
        series = (series + c) * x
    b.replace(rewriter, select(abs(x) < LOG1P_SERIES_BOUND, series, log(x + 1.0)))


@rule(tf.DivNoNanOp)
def legalize_div_no_nan(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.DivNoNan(x, y) -> select_v2(y == 0, 0, x / y) (float32, output rank <= 4 or no broadcasting)."""
    x, y = op.operands
    rank = rank_of(op.results[0])
    if not has_dtype([x, y], FLOAT) or rank is None:
        return
    if rank > 4 and needs_broadcast([x, y], rank) is not False:
        return
    b = Builder(op)
    x, y, zero = b(x), b(y), b.const(0.0)
    quotient = x / y
    b.replace(rewriter, select(y == zero, zero, quotient))


# Erf: x * P(x^2) for |x| < ERF_SPLIT (P fits erf(x)/x), sign(x) * (1 - exp(-x^2) * Q(t)), t = 1 / (1 + |x|/2),
# above (Q fits erfcx(x) = exp(x^2) erfc(x) on [ERF_SPLIT, ERF_CLAMP]); |x| is clamped to ERF_CLAMP, where erf is 1 in
# float32. Least-squares fits at Chebyshev nodes, coefficients rounded to float32, highest power first. Evaluated in
# float32 ops the error is < 1.4e-7 on all of [-6, 6] (an erf that TF 2.21's converter only has as a Flex op).
ERF_SPLIT = 0.9
ERF_CLAMP = 4.0
ERF_SMALL = (-0.0006144192302599549, 0.005023307632654905, -0.026787415146827698, 0.11282408982515335,
             -0.3761255443096161, 1.1283791065216064)  # fmt: skip
ERF_LARGE = (-0.04577432945370674, -0.08000313490629196, 0.4310855567455292, 0.08399887382984161,
             0.33692610263824463, 0.27248772978782654, 0.0006928947987034917)  # fmt: skip


def _horner(z: Expr, coefficients: tuple[float, ...]) -> Expr:
    result = z * coefficients[0] + coefficients[1]
    for c in coefficients[2:]:
        result = result * z + c
    return result


def _in_gelu(op: tf.TFOp, depth: int = 4) -> bool:
    """Whether the Erf is part of a GELU rooted a few single-use ops later (the sweep reaches the Erf first; the
    GELU rule then makes it one tfl.gelu)."""
    value = op.results[0]
    for _ in range(depth):
        if not single_use(value):
            return False
        user = next(iter(value.uses)).operation
        if not user.results:
            return False
        value = user.results[0]
        m = match_gelu(value)
        if m is not None and op in m.ops:
            return True
    return False


@rule(tf.ErfOp)
def legalize_erf(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Erf(x) (no builtin) -> select_v2(|x| < 0.9, x * P(x^2), sign(x) * (1 - exp(-x^2) * Q(1 / (1 + |x|/2))))
    with |x| clamped to 4 (float32)."""
    if not _float_unary(op) or shape_of(op.operands[0]) is None or _in_gelu(op):
        return
    b = Builder(op)
    x = b(op.operands[0])
    ax = Expr(b, tfl.MinimumOp, (abs(x), b.const(ERF_CLAMP)))
    z = ax * ax
    t = 1.0 / (ax * 0.5 + 1.0)
    tail = exp(-z) * _horner(t, ERF_LARGE)
    large = Expr(b, tfl.SignOp, (x,)) * (1.0 - tail)
    small = x * _horner(z, ERF_SMALL)
    b.replace(rewriter, select(ax < ERF_SPLIT, small, large))


RULES = [
    legalize_reciprocal,
    legalize_softplus,
    legalize_selu,
    legalize_softsign,
    legalize_expm1,
    legalize_float_class,
    legalize_log1p,
    legalize_div_no_nan,
]

# Decompositions of ops TensorFlow's converter has no builtins for (it needs Flex): run only when the conversion
# has no Flex or custom-op fallback, so with one the file is what TF writes.
BEYOND_TF_RULES = [legalize_erf]
