"""Matchers for composite activations spelled out in elementwise ops, shared by legalize-tf and optimize.

legalize-tf is one forward sweep, so when it visits the root of a composite the ops feeding it have already been
legalized; optimize sees only tfl ops. Every step of a match therefore accepts the tf op and its tfl counterpart
(`kind`, tfl ops only with no fused activation). Products are matched as flattened trees of single-use muls
(divisions by constants and negations become part of the scale), so operand order and association do not matter;
constants are compared with a relative tolerance.

GELU: `tf.nn.gelu`/Keras 3 `gelu` spell the activation out as `0.5 * x * erfc(-x / sqrt 2)` (TF 2.21,
approximate=False), `0.5 * x * (1 + erf(x / sqrt 2))`, or `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 *
x^3)))` (approximate=True).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xdsl.ir import Operation, SSAValue

from dialects import tf, tfl
from passes.patterns import F32, close, dtype_of, single_use, splat

SQRT1_2 = 1.0 / math.sqrt(2.0)
SQRT2_PI = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715

_KIND: dict[type[Operation], str] = {
    tf.MulOp: "mul",
    tfl.MulOp: "mul",
    tf.RealDivOp: "div",
    tfl.DivOp: "div",
    tf.AddOp: "add",
    tf.AddV2Op: "add",
    tfl.AddOp: "add",
    tf.NegOp: "neg",
    tfl.NegOp: "neg",
    tf.TanhOp: "tanh",
    tfl.TanhOp: "tanh",
    tf.PowOp: "pow",
    tfl.PowOp: "pow",
    tf.SquareOp: "square",
    tfl.SquareOp: "square",
    tf.ErfOp: "erf",
    tf.ErfcOp: "erfc",
}


def kind(value: SSAValue) -> str | None:
    """What the op defining `value` computes, the same for a tf op and its legalized tfl op; None for anything
    else (including tfl ops with a fused activation)."""
    op = value.owner
    if not isinstance(op, Operation):
        return None
    if isinstance(op, tfl.TflOp) and op.activation() != "NONE":
        return None
    k = _KIND.get(type(op))
    if k is None and isinstance(op, tf.TFOp):
        k = {"Erfc": "erfc", "Erf": "erf"}.get(op.op_type)
    return k


@dataclass
class Product:
    """A product of single-use muls (and divisions by constants) flattened: the non-constant factors, the product
    of the constants, the sign from negations, and the ops it covers."""

    factors: list[SSAValue] = field(default_factory=list)
    scale: float = 1.0
    ops: list[Operation] = field(default_factory=list)

    @staticmethod
    def of(value: SSAValue, *, root: bool = False) -> Product:
        """The product `value` computes (`root`: flatten its own op even if `value` has several uses)."""
        prod = Product()
        prod._add(value, root)
        return prod

    def _add(self, v: SSAValue, root: bool = False) -> None:
        c = splat(v)
        if c is not None:
            self.scale *= c
            return
        k = kind(v)
        if root or single_use(v):
            op = v.owner
            if k == "mul":
                self.ops.append(op)  # type: ignore[arg-type]
                self._add(op.operands[0])  # type: ignore[union-attr]
                self._add(op.operands[1])  # type: ignore[union-attr]
                return
            if k == "div":
                d = splat(op.operands[1])  # type: ignore[union-attr]
                if d is not None and d != 0.0:
                    self.ops.append(op)  # type: ignore[arg-type]
                    self.scale /= d
                    self._add(op.operands[0])  # type: ignore[union-attr]
                    return
            if k == "neg":
                self.ops.append(op)  # type: ignore[arg-type]
                self.scale = -self.scale
                self._add(op.operands[0])  # type: ignore[union-attr]
                return
        self.factors.append(v)

    def only(self) -> SSAValue | None:
        return self.factors[0] if len(self.factors) == 1 else None

    def two(self) -> list[tuple[SSAValue, SSAValue]]:
        """Both orders of a two-factor product, else nothing."""
        f = self.factors
        return [(f[0], f[1]), (f[1], f[0])] if len(f) == 2 else []


def plus_const(v: SSAValue, expected: float) -> tuple[SSAValue, Operation] | None:
    """For v = y + expected (single use): (y, the add)."""
    if kind(v) != "add" or not single_use(v):
        return None
    add = v.owner
    a, b = add.operands  # type: ignore[union-attr]
    for c, y in ((a, b), (b, a)):
        s = splat(c)
        if s is not None and close(s, expected) and splat(y) is None:
            return y, add  # type: ignore[return-value]
    return None


def scaled(v: SSAValue, x: SSAValue, expected: float) -> list[Operation] | None:
    """For v = expected * x (any spelling): the ops."""
    p = Product.of(v, root=True)
    if p.only() is x and close(p.scale, expected):
        return p.ops
    return None


# ---- GELU ---------------------------------------------------------------------------------------------------------


@dataclass
class Gelu:
    x: SSAValue
    approximate: bool
    ops: list[Operation]  # the matched ops, users first (the root's product first)


def _erf_factor(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    """v = 1 + erf(x / sqrt 2) or erfc(-x / sqrt 2): the ops it covers."""
    if not single_use(v):
        return None
    if kind(v) == "erfc":
        inner = scaled(v.owner.operands[0], x, -SQRT1_2)  # type: ignore[union-attr]
        return None if inner is None else [v.owner, *inner]  # type: ignore[list-item]
    m = plus_const(v, 1.0)
    if m is None or kind(m[0]) != "erf" or not single_use(m[0]):
        return None
    erf = m[0].owner
    inner = scaled(erf.operands[0], x, SQRT1_2)  # type: ignore[union-attr]
    return None if inner is None else [m[1], erf, *inner]  # type: ignore[list-item]


def _cube(p: Product, x: SSAValue) -> list[Operation] | None:
    """The factors of `p` are x^3 (x*x*x, x*square(x), pow(x, 3)): the extra ops."""
    f = p.factors
    if len(f) == 3 and all(v is x for v in f):
        return []
    for a, b in p.two():
        if a is x and kind(b) == "square" and single_use(b) and b.owner.operands[0] is x:  # type: ignore[union-attr]
            return [b.owner]  # type: ignore[list-item]
    if len(f) == 1 and kind(f[0]) == "pow" and single_use(f[0]):
        pw = f[0].owner
        e = splat(pw.operands[1])  # type: ignore[union-attr]
        if pw.operands[0] is x and e == 3.0:  # type: ignore[union-attr]
            return [pw]  # type: ignore[list-item]
    return None


def _tanh_factor(v: SSAValue, x: SSAValue) -> list[Operation] | None:
    """v = 1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)): the ops it covers."""
    m = plus_const(v, 1.0)
    if m is None or kind(m[0]) != "tanh" or not single_use(m[0]):
        return None
    th = m[0].owner
    arg = Product.of(th.operands[0], root=True)  # type: ignore[union-attr]
    s = arg.only()
    if s is None or not close(arg.scale, SQRT2_PI) or kind(s) != "add" or not single_use(s):
        return None
    add = s.owner
    a, b = add.operands  # type: ignore[union-attr]
    for lin, cub in ((a, b), (b, a)):
        if lin is not x or not single_use(cub):
            continue
        p = Product.of(cub)
        if not close(p.scale, GELU_CUBIC):
            continue
        extra = _cube(p, x)
        if extra is not None:
            return [m[1], th, *arg.ops, add, *p.ops, *extra]  # type: ignore[list-item]
    return None


def match_gelu(out: SSAValue) -> Gelu | None:
    """0.5 * x * erfc(-x / sqrt 2) or 0.5 * x * (1 + erf(x / sqrt 2)): gelu(x);
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))): gelu(x, approximate = true). `out` is the float32
    result of the final mul (or division by 2)."""
    if dtype_of(out) != F32:
        return None
    root = Product.of(out, root=True)
    if not close(root.scale, 0.5):
        return None
    for x, f in root.two():
        if x.type != out.type:
            continue
        covered = _erf_factor(f, x)
        if covered is not None:
            return Gelu(x, False, [*root.ops, *covered])
        covered = _tanh_factor(f, x)
        if covered is not None:
            return Gelu(x, True, [*root.ops, *covered])
    return None
