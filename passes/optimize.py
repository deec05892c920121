"""optimize: TFLite-level fusions, run to a fixed point (TF's `tfl-optimize`, `optimize_patterns.td`).

The rules live in `optimize_fuse.py` (activations, bias/filter folds, input scaling, pad -> SAME),
`optimize_recognize.py` (HardSwish, GELU, Softmax/LogSoftmax, L2Normalization, PRelu, LeakyRelu) and
`optimize_shape.py` (reshape/transpose chains, BatchMatMul -> FULLY_CONNECTED, identities, constant folding), all
registered in `OPTIMIZE` by the class of the op they start from. The pass alternates the xDSL walker (which itself
iterates to a fixed point) with common-subexpression elimination until neither changes the module.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation

from passes.dce import erase_dead_ops
from passes.optimize_common import OPTIMIZE
from passes.patterns import NAME

# Importing the rule modules registers their rules.
from passes import optimize_fuse, optimize_recognize, optimize_shape  # noqa: F401, E402
from xdsl.passes import ModulePass  # noqa: E402

MAX_ROUNDS = 8


def _cse_key(op: Operation) -> tuple | None:
    if not op.results or op.regions or op.successors or isinstance(op, func.ReturnOp):
        return None
    attrs = tuple(sorted((k, v) for k, v in op.attributes.items() if k != NAME))
    props = tuple(sorted(op.properties.items()))
    return (op.name, tuple(op.operands), props, attrs, tuple(r.type for r in op.results))


def cse_block(block: Block) -> int:
    """Merge ops of one block that compute the same thing (same name, operands, properties, attributes)."""
    seen: dict[tuple, Operation] = {}
    merged = 0
    for op in list(block.ops):
        try:
            key = _cse_key(op)
            hash(key)
        except TypeError:  # an unhashable attribute: leave the op alone
            continue
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = op
            continue
        for old, new in zip(op.results, first.results, strict=True):
            old.replace_all_uses_with(new)
        op.detach()
        op.erase()
        merged += 1
    return merged


def cse(module: ModuleOp) -> int:
    return sum(cse_block(fn.body.block) for fn in module.ops if isinstance(fn, func.FuncOp) and fn.body.blocks)


def optimize_module(module: ModuleOp) -> None:
    for _ in range(MAX_ROUNDS):
        changed = OPTIMIZE.apply(module)
        changed = cse(module) > 0 or changed
        if not changed:
            break
    erase_dead_ops(module)


@dataclass(frozen=True)
class Optimize(ModulePass):
    """TFLite-level fusions (activations, BatchNorm folding, recognizers, shape chains, folding, CSE)."""

    name = "optimize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        optimize_module(op)
