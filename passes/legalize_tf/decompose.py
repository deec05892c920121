"""legalize-tf rules: ops with no builtin, written as formulas over builtins (`passes.expr`).

Reciprocal -> 1 / x; Softplus -> relu(x) + log(1 + exp(-|x|)) (the stable form of TensorFlow's kernel); Selu ->
elu(x) * select_v2(x > 0, scale, scale * alpha); Softsign -> x / (1 + |x|); Expm1 -> tanh(x / 2) * (exp(x) + 1);
Log1p -> a 4-term series near 0, log(1 + x) elsewhere; IsNan -> x != x, IsInf/IsFinite -> |x| >=/< FLT_MAX;
DivNoNan -> select_v2(y == 0, 0, x / y). All float32. Erf/Erfc have no builtin and stay TF, except inside GELU.
The statements of each rule are in the order its ops are emitted.
"""

from __future__ import annotations

import numpy as np
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf
from passes.expr import Builder, elu, exp, log, relu, select, tanh
from passes.legalize_tf.binary import needs_broadcast
from passes.patterns import FLOAT, has_dtype, rank_of, rule, shape_of


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
