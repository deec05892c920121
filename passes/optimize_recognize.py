"""optimize rules: recognise composite activations and normalisations spelled out in elementwise ops.

HardSwish (x * relu6(x + 3) / 6 and its variants), GELU (erf/erfc and tanh forms -> tfl.gelu with `approximate`),
Softmax / LogSoftmax (exp / sum chains over the last axis, with or without the max subtraction), L2Normalization
(x * rsqrt(max(sum(x^2), eps)) and x / sqrt(...)), PRelu (relu(x) + c * relu(-x)), LeakyRelu (max(x, a * x)) and
Sigmoid (1 / (1 + exp(-x))). Products are matched as flattened trees of single-use muls (divisions by constants
become factors), so operand order and association do not matter.

Also small algebra that saves ops: softmax(x * c) -> softmax(x, beta=c); a*c +- b*c -> (a +- b)*c (LayerNorm's
tail); a + neg(b) -> a - b; chains of constant adds/subs or muls merged into one op.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tfl
from passes.composites import Product, match_gelu
from passes.optimize_common import (
    activation,
    const_and_other,
    owner,
    replace_root,
)
from passes.patterns import (
    close,
    const_value,
    is_f32,
    is_splat,
    rank_of,
    rule,
    shape_of,
    single_use,
    splat,
    tfl_const,
)


def _add_const(v: SSAValue, expected: float) -> SSAValue | None:
    """For v = add(y, expected) (NONE activation, single use): y."""
    op = owner(v, tfl.AddOp)
    if op is None or not single_use(v) or activation(op) != "NONE":
        return None
    m = const_and_other(op)
    if m is None or not is_splat(op.operands[1] if m[2] else op.operands[0], expected):
        return None
    return m[1]


# ---- HardSwish --------------------------------------------------------------------------------------------------


def _relu6_plus3(v: SSAValue) -> tuple[SSAValue, list[Operation]] | None:
    """For v = relu6(x + 3) (as a relu6 op or an add with fused RELU6): (x, ops)."""
    if not single_use(v):
        return None
    op = v.owner
    if isinstance(op, tfl.Relu6Op):
        add = owner(op.operands[0], tfl.AddOp)
        x = _add_const(op.operands[0], 3.0)
        return (x, [op, add]) if x is not None else None
    if isinstance(op, tfl.AddOp) and activation(op) == "RELU6":
        m = const_and_other(op)
        if m is not None and is_splat(op.operands[1] if m[2] else op.operands[0], 3.0):
            return m[1], [op]
    return None


@rule(tfl.MulOp, tfl.DivOp)
def recognize_hard_swish(op: Operation, rewriter: PatternRewriter) -> None:
    """x * relu6(x + 3) / 6 (any association, 1/6 as a mul or 6 as a div) -> hard_swish(x)."""
    if not is_f32(op.results[0]):
        return
    prod = Product.of(op.results[0], root=True)
    if not close(prod.scale, 1 / 6, 1e-6):
        return
    for x, r in prod.two():
        m = _relu6_plus3(r)
        if m is not None and m[0] is x and x.type == op.results[0].type:
            replace_root(rewriter, op, [tfl.HardSwishOp.build([x], [x.type])], dead=[*prod.ops, *m[1]])
            return


# ---- GELU -------------------------------------------------------------------------------------------------------


@rule(tfl.MulOp)
def recognize_gelu(op: Operation, rewriter: PatternRewriter) -> None:
    """0.5 * x * (1 + erf(x / sqrt 2)) / 0.5 * x * erfc(-x / sqrt 2) -> gelu(x);
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) -> gelu(x, approximate=true) (the same matcher as
    legalize-tf's, for products that only appear after legalization)."""
    m = match_gelu(op.results[0])
    if m is not None:
        gelu = tfl.GeluOp.build([m.x], [m.x.type], approximate=m.approximate)
        replace_root(rewriter, op, [gelu], dead=m.ops)


# ---- Softmax / LogSoftmax ---------------------------------------------------------------------------------------


def _last_axis_reduce(v: SSAValue, cls: type[Operation]) -> Operation | None:
    """The `cls` reduction defining v if it reduces only the last axis with keep_dims."""
    op = owner(v, cls)
    if op is None or not op.keep_dims.value.data:  # type: ignore[attr-defined]
        return None
    axes, rank = const_value(op.operands[1]), rank_of(op.operands[0])
    if axes is None or rank is None or axes.size != 1 or int(axes.reshape(-1)[0]) not in (-1, rank - 1):
        return None
    return op


def _minus_max(z: SSAValue, uses: int) -> tuple[SSAValue, list[Operation]]:
    """For z = x - reduce_max(x, last axis) used `uses` times: (x, ops); else (z, [])."""
    sub = owner(z, tfl.SubOp)
    if sub is None or activation(sub) != "NONE" or len(list(z.uses)) != uses:
        return z, []
    x, mx = sub.operands
    red = _last_axis_reduce(mx, tfl.ReduceMaxOp)
    if red is None or red.operands[0] is not x or not single_use(mx) or x.type != z.type:
        return z, []
    return x, [sub, red]


def _softmax_rank_ok(v: SSAValue) -> bool:
    r = rank_of(v)
    return r is not None and 1 <= r <= 4 and is_f32(v)


@rule(tfl.DivOp)
def recognize_softmax(op: Operation, rewriter: PatternRewriter) -> None:
    """exp(z) / sum(exp(z), -1, keep) -> softmax(x), z = x - max(x, -1) or z = x."""
    if activation(op) != "NONE":
        return
    e, s = op.operands
    exp = owner(e, tfl.ExpOp)
    red = _last_axis_reduce(s, tfl.SumOp)
    if exp is None or red is None or red.operands[0] is not e or not single_use(s) or len(list(e.uses)) != 2:
        return
    x, ops = _minus_max(exp.operands[0], 1)
    if x.type != op.results[0].type or not _softmax_rank_ok(x):
        return
    replace_root(rewriter, op, [tfl.SoftmaxOp.build([x], [x.type], beta=1.0)], dead=[red, exp, *ops])


@rule(tfl.SoftmaxOp)
def drop_max_before_softmax(op: Operation, rewriter: PatternRewriter) -> None:
    """softmax(x - max(x, -1)) -> softmax(x) (softmax is shift invariant)."""
    x, ops = _minus_max(op.operands[0], 1)
    if ops:
        replace_root(rewriter, op, [tfl.SoftmaxOp.build([x], [x.type], beta=op.beta.value.data)], dead=ops)


@rule(tfl.SubOp)
def recognize_log_softmax(op: Operation, rewriter: PatternRewriter) -> None:
    """z - log(sum(exp(z), -1, keep)) -> log_softmax(x), z = x - max(x, -1) or z = x."""
    if activation(op) != "NONE":
        return
    z, lg = op.operands
    log = owner(lg, tfl.LogOp)
    if log is None or not single_use(lg):
        return
    red = _last_axis_reduce(log.operands[0], tfl.SumOp)
    if red is None or not single_use(log.operands[0]):
        return
    exp = owner(red.operands[0], tfl.ExpOp)
    if exp is None or exp.operands[0] is not z or not single_use(red.operands[0]):
        return
    x, ops = _minus_max(z, 2)
    if x.type != op.results[0].type or not _softmax_rank_ok(x):
        return
    replace_root(rewriter, op, [tfl.LogSoftmaxOp.build([x], [x.type])], dead=[log, red, exp, *ops])


# ---- L2Normalization --------------------------------------------------------------------------------------------


def _sum_of_squares(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    red = _last_axis_reduce(v, tfl.SumOp)
    if red is None or not single_use(v):
        return None
    sq = red.operands[0]
    if not single_use(sq):
        return None
    op = sq.owner
    if isinstance(op, tfl.SquareOp) and op.operands[0] is x:
        return [red, op]
    if isinstance(op, tfl.MulOp) and activation(op) == "NONE" and op.operands[0] is x and op.operands[1] is x:
        return [red, op]
    return None


def _norm_eps(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    """v = max(sum(x^2), eps) or sum(x^2) + eps with eps < 1e-3 (what TFLite's kernel absorbs)."""
    if not single_use(v):
        return None
    op = v.owner
    if isinstance(op, tfl.MaximumOp | tfl.AddOp) and (
        not isinstance(op, tfl.AddOp) or activation(op) == "NONE"
    ):
        m = const_and_other(op)
        if m is None:
            return None
        eps = splat(op.operands[1] if m[2] else op.operands[0])
        if eps is None or not 0 <= eps < 1e-3:
            return None
        inner = _sum_of_squares(m[1], x)
        return [op, *inner] if inner is not None else None
    return _sum_of_squares(v, x)


@rule(tfl.MulOp, tfl.DivOp)
def recognize_l2_normalization(op: Operation, rewriter: PatternRewriter) -> None:
    """x * rsqrt(max(sum(x^2, -1), eps)) or x / sqrt(...) -> l2_normalization(x) (last axis, rank <= 4)."""
    if activation(op) != "NONE" or not is_f32(op.results[0]):
        return
    pairs = (
        [(op.operands[0], op.operands[1], tfl.SqrtOp)]
        if isinstance(op, tfl.DivOp)
        else [(op.operands[0], op.operands[1], tfl.RsqrtOp), (op.operands[1], op.operands[0], tfl.RsqrtOp)]
    )
    for x, n, cls in pairs:
        root = owner(n, cls)
        if root is None or not single_use(n) or x.type != op.results[0].type or (rank_of(x) or 0) > 4:
            continue
        ops = _norm_eps(root.operands[0], x)
        if ops is not None:
            replace_root(rewriter, op, [tfl.L2NormalizationOp.build([x], [x.type])], dead=[root, *ops])
            return


# ---- PRelu / LeakyRelu ------------------------------------------------------------------------------------------


def _neg_relu_neg(v: SSAValue) -> tuple[SSAValue, np.ndarray, list[Operation]] | None:
    """v = c * relu(-x) with c constant: (x, -c, ops)."""
    mul = owner(v, tfl.MulOp)
    if mul is None or not single_use(v) or activation(mul) != "NONE":
        return None
    m = const_and_other(mul)
    if m is None:
        return None
    c, r, _ = m
    relu = owner(r, tfl.ReluOp)
    if relu is None or not single_use(r):
        return None
    neg = owner(relu.operands[0], tfl.NegOp)
    if neg is None or not single_use(relu.operands[0]):
        return None
    return neg.operands[0], -c, [mul, relu, neg]


@rule(tfl.AddOp)
def recognize_prelu(op: Operation, rewriter: PatternRewriter) -> None:
    """relu(x) + c * relu(-x) -> prelu(x, -c) (alpha broadcastable to x, rank <= 4)."""
    if activation(op) != "NONE" or not is_f32(op.results[0]):
        return
    for p, n in ((op.operands[0], op.operands[1]), (op.operands[1], op.operands[0])):
        relu = owner(p, tfl.ReluOp)
        m = _neg_relu_neg(n)
        if relu is None or m is None or not single_use(p) or relu.operands[0] is not m[0]:
            continue
        x, alpha, ops = m
        xs = x.type.get_shape()  # type: ignore[attr-defined]
        if x.type != op.results[0].type or alpha.dtype != np.float32 or len(xs) > 4 or alpha.ndim > len(xs):
            continue
        lead = len(xs) - alpha.ndim  # alpha must broadcast into x: 1 or x's (static) size per dim
        if any(a != 1 and a != xs[lead + i] for i, a in enumerate(alpha.shape)):
            continue
        ac = tfl_const(np.ascontiguousarray(alpha))
        replace_root(rewriter, op, [ac, tfl.PReluOp.build([x, ac.output], [x.type])], dead=[relu, *ops])
        return


@rule(tfl.MaximumOp)
def recognize_leaky_relu(op: Operation, rewriter: PatternRewriter) -> None:
    """max(x, a * x) with 0 <= a <= 1 -> leaky_relu(x, alpha=a)."""
    if not is_f32(op.results[0]):
        return
    for x, m in ((op.operands[0], op.operands[1]), (op.operands[1], op.operands[0])):
        prod = Product.of(m)
        if prod.only() is not x or m is x or not single_use(m):
            continue
        if not 0.0 <= prod.scale <= 1.0 or x.type != op.results[0].type:
            continue
        leaky = tfl.LeakyReluOp.build([x], [x.type], alpha=prod.scale)
        replace_root(rewriter, op, [leaky], dead=prod.ops)
        return


# ---- algebra that saves ops -------------------------------------------------------------------------------------


@rule(tfl.SoftmaxOp)
def fold_scale_into_softmax(op: Operation, rewriter: PatternRewriter) -> None:
    """softmax(x * c) with a scalar c > 0 -> softmax(x, beta = beta * c) (attention's 1/sqrt(d) scaling)."""
    y = op.operands[0]
    mul = owner(y, tfl.MulOp)
    if mul is None or not single_use(y) or activation(mul) != "NONE":
        return
    m = const_and_other(mul)
    c = splat(mul.operands[1] if m is not None and m[2] else mul.operands[0]) if m is not None else None
    if m is None or c is None or not c > 0 or m[1].type != y.type:
        return
    new = tfl.SoftmaxOp.build([m[1]], [y.type], beta=op.beta.value.data * c)  # type: ignore[attr-defined]
    replace_root(rewriter, op, [new], dead=[mul])


def _broadcast(*values: SSAValue) -> tuple[int, ...] | None:
    """The broadcast shape of the values' types; a dynamic dim (-1) stays -1 unless a static size > 1 meets it."""
    shapes = [tuple(v.type.get_shape()) for v in values]  # type: ignore[attr-defined]
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        sizes = {d for d in dims if d > 1 or d == 0}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else (-1 if -1 in dims else 1))
    return tuple(out)


@rule(tfl.AddOp, tfl.SubOp)
def factor_common_multiplier(op: Operation, rewriter: PatternRewriter) -> None:
    """a * c (+|-) b * c -> (a (+|-) b) * c when both products have one use (LayerNorm's x*inv - mean*inv)."""
    if not is_f32(op.results[0]) or (rank_of(op.results[0]) or 0) > 4:
        return
    p, q = owner(op.operands[0], tfl.MulOp), owner(op.operands[1], tfl.MulOp)
    if p is None or q is None or p is q or not single_use(op.operands[0]) or not single_use(op.operands[1]):
        return
    if activation(p) != "NONE" or activation(q) != "NONE":
        return
    for c in p.operands:
        if c not in q.operands:
            continue
        a = p.operands[1] if p.operands[0] is c else p.operands[0]
        b = q.operands[1] if q.operands[0] is c else q.operands[0]
        inner_shape = _broadcast(a, b)
        if inner_shape is None or _broadcast(a, b, c) != tuple(op.results[0].type.get_shape()):  # type: ignore
            continue
        from xdsl.dialects.builtin import TensorType

        inner_type = TensorType(op.results[0].type.element_type, list(inner_shape))  # type: ignore[attr-defined]
        inner = type(op).build([a, b], [inner_type])
        out = tfl.MulOp.build(
            [inner.results[0], c], [op.results[0].type], fused_activation_function=activation(op)
        )
        replace_root(rewriter, op, [inner, out], dead=[p, q])
        return


@rule(tfl.AddOp)
def add_neg_to_sub(op: Operation, rewriter: PatternRewriter) -> None:
    """a + neg(b) -> a - b (and neg(b) + a)."""
    for a, n in ((op.operands[0], op.operands[1]), (op.operands[1], op.operands[0])):
        neg = owner(n, tfl.NegOp)
        if neg is None or not single_use(n):
            continue
        sub = tfl.SubOp.build(
            [a, neg.operands[0]], [op.results[0].type], fused_activation_function=activation(op)
        )
        replace_root(rewriter, op, [sub], dead=[neg])
        return


def _offset(op: Operation, root: bool = False) -> tuple[SSAValue, np.ndarray] | None:
    """For add(x, c) / add(c, x) / sub(x, c): (x, +-c) as x + offset (an inner op must have no activation)."""
    if not isinstance(op, tfl.AddOp | tfl.SubOp) or (not root and activation(op) != "NONE"):
        return None
    m = const_and_other(op)
    if m is None or (isinstance(op, tfl.SubOp) and not m[2]) or m[0].dtype != np.float32:
        return None
    return m[1], (-m[0] if isinstance(op, tfl.SubOp) else m[0])


def _factor(op: Operation, root: bool = False) -> tuple[SSAValue, np.ndarray] | None:
    """For mul(x, c) / mul(c, x): (x, c) (an inner op must have no activation)."""
    if not isinstance(op, tfl.MulOp) or (not root and activation(op) != "NONE"):
        return None
    m = const_and_other(op)
    return None if m is None or m[0].dtype != np.float32 else (m[1], m[0])


@rule(tfl.AddOp, tfl.SubOp, tfl.MulOp)
def merge_constant_chain(op: Operation, rewriter: PatternRewriter) -> None:
    """(x + a) + b -> x + (a + b), (x - a) + b -> x + (b - a), (x * a) * b -> x * (a * b)."""
    if not is_f32(op.results[0]):
        return
    part = _factor if isinstance(op, tfl.MulOp) else _offset
    outer = part(op, root=True)
    if outer is None or not single_use(outer[0]):
        return
    inner = part(outer[0].owner)  # type: ignore[arg-type]
    if inner is None:
        return
    x = inner[0]
    c = inner[1] * outer[1] if isinstance(op, tfl.MulOp) else inner[1] + outer[1]
    xs, out_shape = shape_of(x), shape_of(op.results[0])
    if xs is None or out_shape is None or np.broadcast_shapes(xs, c.shape) != out_shape:
        return
    cst = tfl_const(np.ascontiguousarray(c.astype(np.float32)))
    cls = tfl.MulOp if isinstance(op, tfl.MulOp) else tfl.AddOp
    new = cls.build([x, cst.output], [op.results[0].type], fused_activation_function=activation(op))
    replace_root(rewriter, op, [cst, new], dead=[outer[0].owner])  # type: ignore[list-item]


@rule(tfl.DivOp)
def recognize_sigmoid(op: Operation, rewriter: PatternRewriter) -> None:
    """1 / (1 + exp(-x)) -> logistic(x)."""
    if activation(op) != "NONE" or not is_splat(op.operands[0], 1.0) or not is_f32(op.results[0]):
        return
    d = op.operands[1]
    e = _add_const(d, 1.0)
    exp = owner(e, tfl.ExpOp) if e is not None else None
    if exp is None or not single_use(e):  # type: ignore[arg-type]
        return
    neg_x = Product.of(exp.operands[0])
    x = neg_x.only()
    if x is None or not close(neg_x.scale, -1.0, 1e-6) or x.type != op.results[0].type:
        return
    replace_root(rewriter, op, [tfl.LogisticOp.build([x], [x.type])], dead=[d.owner, exp, *neg_x.ops])  # type: ignore


RULES = [
    recognize_hard_swish,
    recognize_gelu,
    recognize_softmax,
    drop_max_before_softmax,
    recognize_log_softmax,
    recognize_l2_normalization,
    recognize_prelu,
    recognize_leaky_relu,
    fold_scale_into_softmax,
    factor_common_multiplier,
    add_neg_to_sub,
    merge_constant_chain,
    recognize_sigmoid,
]
