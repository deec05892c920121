"""Rewrite rules as data, dispatched by op type.

A `PatternTable` maps an op class to the rewrite functions registered for it (`@table.register(tf.Conv2DOp)`).
`DispatchPattern` is the single xDSL RewritePattern a pass hands to the walker: for each op it looks up
`type(op)` in the table (a dict lookup, not a scan over every rule) and tries that op's rules in order until one
acts. Shared helpers for building replacement ops live here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from dialects import tf, tfl
from dialects.elements import DenseElementsAttr
from dialects.names import NAME

Rule = Callable[[Any, PatternRewriter], None]


class PatternTable:
    """Rewrite rules indexed by the op class they start from."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: dict[type[Operation], list[Rule]] = defaultdict(list)

    def register(self, *op_types: type[Operation]) -> Callable[[Rule], Rule]:
        def deco(fn: Rule) -> Rule:
            for t in op_types:
                self.rules[t].append(fn)
            return fn

        return deco

    def handles(self, op_type: type[Operation]) -> bool:
        return op_type in self.rules

    def pattern(self) -> DispatchPattern:
        return DispatchPattern(self)

    def apply(self, module: ModuleOp, *, once: bool = False, dce: bool = True) -> bool:
        """Run the table over the module: one sweep (`once`, for legalizations) or to a fixed point."""
        walker = PatternRewriteWalker(
            GreedyRewritePatternApplier([self.pattern()], dce_enabled=dce),
            apply_recursively=not once,
        )
        return walker.rewrite_module(module)


class DispatchPattern(RewritePattern):
    def __init__(self, table: PatternTable) -> None:
        self.table = table

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        for rule in self.table.rules.get(type(op), ()):
            rule(op, rewriter)
            if rewriter.has_done_action:
                return


# ---- helpers for rules ------------------------------------------------------------------------------------------


def name_of(op: Operation) -> StringAttr | None:
    attr = op.attributes.get(NAME)
    return attr if isinstance(attr, StringAttr) else None


def named(new: Operation, like: Operation) -> Operation:
    """Carry the TF node name (tensor name in the exported model) over to a replacement op."""
    n = name_of(like)
    if n is not None and NAME not in new.attributes:
        new.attributes[NAME] = n
    return new


def const_value(value: SSAValue) -> np.ndarray | None:
    """The numpy array of a value defined by a tf/tfl constant, else None."""
    owner = value.owner
    if isinstance(owner, tf.ConstOp | tfl.ConstOp):
        return owner.value.array
    return None


def shape_of(value: SSAValue) -> tuple[int, ...] | None:
    """Static shape, or None if the rank or any dim is unknown."""
    ty = value.type
    if isinstance(ty, TensorType):
        shape = tuple(ty.get_shape())
        if all(d >= 0 for d in shape):
            return shape
    return None


def rank_of(value: SSAValue) -> int | None:
    ty = value.type
    return len(ty.get_shape()) if isinstance(ty, TensorType) else None


def tfl_const(array: np.ndarray | Any, name: str | None = None) -> tfl.ConstOp:
    op = tfl.ConstOp(DenseElementsAttr.from_array(np.asarray(array)))
    if name:
        op.attributes[NAME] = StringAttr(name)
    return op


def tf_const(array: np.ndarray | Any, name: str | None = None) -> tf.ConstOp:
    op = tf.ConstOp(DenseElementsAttr.from_array(np.asarray(array)))
    if name:
        op.attributes[NAME] = StringAttr(name)
    return op


def int_attr(op: Operation, key: str, default: int | None = None) -> int | None:
    a = op.attributes.get(key)
    return a.value.data if a is not None and hasattr(a, "value") else default


def bool_attr(op: Operation, key: str, default: bool = False) -> bool:
    a = op.attributes.get(key)
    return bool(a.value.data) if a is not None and hasattr(a, "value") else default


def str_attr(op: Operation, key: str, default: str | None = None) -> str | None:
    a = op.attributes.get(key)
    return a.data if isinstance(a, StringAttr) else default


def ints_attr(op: Operation, key: str) -> list[int] | None:
    a = op.attributes.get(key)
    if a is None or not hasattr(a, "data"):
        return None
    return [x.value.data for x in a.data]


def float_attr(op: Operation, key: str, default: float) -> float:
    a = op.attributes.get(key)
    return float(a.value.data) if a is not None and hasattr(a, "value") else default


def replace_with(
    rewriter: PatternRewriter,
    op: Operation,
    new_ops: Iterable[Operation],
    new_results: list[SSAValue] | None = None,
) -> None:
    """Replace `op` by `new_ops`, naming the last one like `op`."""
    new_ops = list(new_ops)
    if new_ops:
        named(new_ops[-1], op)
    rewriter.replace(op, new_ops, new_results)


def result_type(op: Operation, i: int = 0) -> Attribute:
    return op.results[i].type
