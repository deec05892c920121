"""A small expression builder over tfl ops, so a decomposition reads like its formula.

    b = Builder(op)                       # op: the tf op being replaced
    x = b(op.operands[0])
    one = b.const(1.0)
    softplus = log(exp(-abs(x)) + one)
    b.replace(rewriter, relu(x) + softplus)

Arithmetic on an `Expr` records a tfl op; `Builder.ops` builds them in the order they were written, so a formula
also fixes the op order (and with it tensor order in the exported model). A Python number becomes a scalar
constant of the other operand's element type where it is used; `Builder.const` makes one up front. Result types:
an elementwise op has the type of its non-constant operands when they agree, else the replaced op's result type
(their broadcast); a comparison is i1 of that shape; the last op takes the replaced op's result type and name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import TensorType, i1
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tfl
from passes.patterns import dtype_of, replace_with, tfl_const


class Expr:
    """A value in a decomposition: an existing SSA value, a scalar constant, or a tfl op on other Exprs."""

    def __init__(
        self,
        builder: Builder,
        op_cls: type[Operation] | None = None,
        args: tuple[Expr, ...] = (),
        *,
        value: SSAValue | None = None,
        const: np.ndarray | None = None,
        compare: bool = False,
        **options: Any,
    ) -> None:
        self.builder, self.op_cls, self.args, self.options = builder, op_cls, args, options
        self.value, self.const, self.compare = value, const, compare
        builder.nodes.append(self)

    def _lift(self, other: Any) -> Expr:
        return other if isinstance(other, Expr) else self.builder.const(other, self.dtype)

    @property
    def dtype(self) -> np.dtype | None:
        if self.value is not None:
            return dtype_of(self.value)
        if self.const is not None:
            return self.const.dtype
        if self.compare:
            return np.dtype(np.bool_)
        values = self.args[1:] if self.op_cls is tfl.SelectV2Op else self.args  # not a select's condition
        return next((a.dtype for a in values if a.const is None), self.builder.dtype)

    def _binary(self, cls: type[Operation], other: Any, *, swap: bool = False, compare: bool = False) -> Expr:
        o = self._lift(other)
        return Expr(self.builder, cls, (o, self) if swap else (self, o), compare=compare)

    def __add__(self, other: Any) -> Expr:
        return self._binary(tfl.AddOp, other)

    def __radd__(self, other: Any) -> Expr:
        return self._binary(tfl.AddOp, other, swap=True)

    def __sub__(self, other: Any) -> Expr:
        return self._binary(tfl.SubOp, other)

    def __rsub__(self, other: Any) -> Expr:
        return self._binary(tfl.SubOp, other, swap=True)

    def __mul__(self, other: Any) -> Expr:
        return self._binary(tfl.MulOp, other)

    def __rmul__(self, other: Any) -> Expr:
        return self._binary(tfl.MulOp, other, swap=True)

    def __truediv__(self, other: Any) -> Expr:
        return self._binary(tfl.DivOp, other)

    def __rtruediv__(self, other: Any) -> Expr:
        return self._binary(tfl.DivOp, other, swap=True)

    def __lt__(self, other: Any) -> Expr:
        return self._binary(tfl.LessOp, other, compare=True)

    def __gt__(self, other: Any) -> Expr:
        return self._binary(tfl.GreaterOp, other, compare=True)

    def __ge__(self, other: Any) -> Expr:
        return self._binary(tfl.GreaterEqualOp, other, compare=True)

    def __eq__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary(tfl.EqualOp, other, compare=True)

    def __ne__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary(tfl.NotEqualOp, other, compare=True)

    __hash__ = object.__hash__

    def __neg__(self) -> Expr:
        return Expr(self.builder, tfl.NegOp, (self,))

    def __abs__(self) -> Expr:
        return Expr(self.builder, tfl.AbsOp, (self,))


def _unary(cls: type[Operation]) -> Any:
    def apply(x: Expr) -> Expr:
        return Expr(x.builder, cls, (x,))

    apply.__doc__ = f"{cls.name} of an expression."
    return apply


exp = _unary(tfl.ExpOp)
log = _unary(tfl.LogOp)
tanh = _unary(tfl.TanhOp)
relu = _unary(tfl.ReluOp)
elu = _unary(tfl.EluOp)
square = _unary(tfl.SquareOp)


def select(cond: Expr, then: Any, otherwise: Any) -> Expr:
    """tfl.select_v2(cond, then, otherwise)."""
    dtype = next((v.dtype for v in (then, otherwise) if isinstance(v, Expr)), cond.builder.dtype)
    a, b = (v if isinstance(v, Expr) else cond.builder.const(v, dtype) for v in (then, otherwise))
    return Expr(cond.builder, tfl.SelectV2Op, (cond, a, b))


class Builder:
    """Collects the Exprs of one decomposition of `op` and builds them as tfl ops."""

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.result_type: Attribute = op.results[0].type
        self.dtype = dtype_of(op.operands[0]) if op.operands else None  # of constants with no typed partner
        self.nodes: list[Expr] = []

    def __call__(self, value: SSAValue) -> Expr:
        return Expr(self, value=value)

    def const(self, value: Any, dtype: np.dtype | None = None) -> Expr:
        """A scalar constant (of the first operand's element type unless `dtype` is given)."""
        return Expr(self, const=np.asarray(value, dtype=dtype if dtype is not None else self.dtype))

    def ops(self, root: Expr, result_type: Attribute | None = None) -> list[Operation]:
        """The tfl ops computing `root`, in the order the expression was written; `result_type` for the last."""
        needed = {id(root)}
        for node in reversed(self.nodes):
            if id(node) in needed:
                needed.update(id(a) for a in node.args)
        built: dict[int, SSAValue] = {}
        ops: list[Operation] = []
        for node in self.nodes:
            if id(node) not in needed:
                continue
            if node.value is not None:
                built[id(node)] = node.value
                continue
            if node.const is not None:
                new: Operation = tfl_const(node.const)
            else:
                operands = [built[id(a)] for a in node.args]
                ty = result_type if node is root and result_type is not None else self._type(node, operands)
                new = node.op_cls.build(operands, [ty], **node.options)  # type: ignore[union-attr]
            ops.append(new)
            built[id(node)] = new.results[0]
        return ops

    def _type(self, node: Expr, operands: list[SSAValue]) -> Attribute:
        first = 1 if node.op_cls is tfl.SelectV2Op else 0  # a select's type is that of its values
        pairs = list(zip(node.args, operands, strict=True))[first:]
        types = [value.type for arg, value in pairs if arg.const is None]
        ty = types[0] if types and all(t == types[0] for t in types) else self.result_type
        if node.compare:
            return TensorType(i1, ty.get_shape())  # type: ignore[attr-defined]
        return ty

    def replace(self, rewriter: PatternRewriter, root: Expr, before: list[Operation] | None = None) -> None:
        """Replace the op by the ops of `root` (after `before`), the last one typed and named like the op."""
        replace_with(rewriter, self.op, [*(before or []), *self.ops(root, self.result_type)])
