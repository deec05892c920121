"""optimize: TFLite-level fusions, run to a fixed point (TF's `tfl-optimize`, `optimize_patterns.td`).

The rules live in `optimize_fuse.py` (activations, bias/filter folds, input scaling, pad -> SAME),
`optimize_recognize.py` (HardSwish, GELU, Softmax/LogSoftmax, L2Normalization, PRelu, LeakyRelu, Sigmoid, and
op-saving algebra) and `optimize_shape.py` (reshape/transpose chains, BatchMatMul -> FULLY_CONNECTED, reduce +
reshape -> keep_dims, identities, constant folding), each module ending in its ordered `RULES` list; `OPTIMIZE`
below is their one ordered list, dispatched by the class of the op a rule starts from. The pass alternates the
xDSL walker (which itself iterates to a fixed point) with common-subexpression elimination until neither changes
the module, then erases dead ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass
from xdsl.traits import Pure

from dialects import tf, tfl
from dialects.names import NAME
from passes import optimize_fuse, optimize_recognize, optimize_shape
from passes.dce import erase_dead_ops
from passes.patterns import PatternTable

MAX_ROUNDS = 8

# Per op, fusions first, then recognizers, then shape chains and folding.
OPTIMIZE = PatternTable("optimize", [*optimize_fuse.RULES, *optimize_recognize.RULES, *optimize_shape.RULES])


_PURE: dict[type[Operation], bool] = {}


def _cse_key(op: Operation) -> tuple | None:
    """Bucket key (name and operand identities); properties, attributes and types are compared on collision."""
    if not op.results or op.regions or op.successors or not isinstance(op, tfl.TflOp | tfl.NoValueOp):
        return None  # only TFLite builtins: a leftover TF op may be stateful (random, variables)
    pure = _PURE.get(type(op))
    if pure is None:
        pure = _PURE[type(op)] = op.has_trait(Pure)  # traits are declared per class
    if not pure:
        return None  # READ_VARIABLE: two reads around an ASSIGN_VARIABLE differ
    return (op.name, *(id(v) for v in op.operands))


def _same_op(a: Operation, b: Operation) -> bool:
    attrs_a = {k: v for k, v in a.attributes.items() if k != NAME}
    attrs_b = {k: v for k, v in b.attributes.items() if k != NAME}
    return (
        a.properties == b.properties
        and attrs_a == attrs_b
        and all(x.type == y.type for x, y in zip(a.results, b.results, strict=True))
    )


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and bytes; a few leading elements first, so distinct weights differ cheaply."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    fa, fb = a.reshape(-1), b.reshape(-1)
    return bool(np.array_equal(fa[:16], fb[:16]) and np.array_equal(fa, fb))


def cse_block(block: Block) -> int:
    """Merge ops of one block that compute the same thing (same name, operands, properties, attributes).

    Constants are bucketed by dtype and shape and compared by content, never hashed (hashing every weight of
    ResNet50 costs more than the whole pass)."""
    seen: dict[tuple, list[Operation]] = {}
    consts: dict[tuple, list[Operation]] = {}
    merged = 0
    for op in list(block.ops):
        first = None
        if isinstance(op, tfl.ConstOp | tf.ConstOp):
            arr = op.value.array
            bucket = consts.setdefault((op.name, arr.dtype.str, arr.shape, op.results[0].type), [])
            first = next((c for c in bucket if _same_array(c.value.array, arr)), None)
            if first is None:
                bucket.append(op)
                continue
        else:
            key = _cse_key(op)
            if key is None:
                continue
            bucket = seen.setdefault(key, [])
            first = next((c for c in bucket if len(c.results) == len(op.results) and _same_op(c, op)), None)
            if first is None:
                bucket.append(op)
                continue
        for old, new in zip(op.results, first.results, strict=True):
            old.replace_all_uses_with(new)
        op.detach()
        op.erase()
        merged += 1
    return merged


def cse(module: ModuleOp) -> int:
    return sum(
        cse_block(block)
        for fn in module.ops
        if isinstance(fn, func.FuncOp) and fn.body.blocks
        for block in _blocks(fn.body.block)
    )


def _blocks(block: Block) -> list[Block]:
    """A function's block and the blocks of its ops' regions (IF/WHILE subgraphs), outermost first."""
    out = [block]
    for op in block.ops:
        for region in op.regions:
            for inner in region.blocks:
                out.extend(_blocks(inner))
    return out


def optimize_module(module: ModuleOp) -> None:
    for _ in range(MAX_ROUNDS):
        OPTIMIZE.apply(module)  # to a fixed point: another sweep only helps if CSE then merged something
        if not cse(module):
            break
    erase_dead_ops(module)


@dataclass(frozen=True)
class Optimize(ModulePass):
    """TFLite-level fusions (activations, BatchNorm folding, recognizers, shape chains, folding, CSE)."""

    name = "optimize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        optimize_module(op)
