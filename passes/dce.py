"""dce: erase ops whose results are unused (all tf/tfl ops are pure once variables are frozen)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import is_trivially_dead


def erase_dead_ops(module: ModuleOp) -> int:
    """Erase unused results' ops in reverse order (one backwards sweep frees whole dead chains)."""
    erased = 0
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        block = fn.body.block
        op = block.last_op
        while op is not None:
            prev = op.prev_op
            # an op with regions (IF/WHILE) may hold effects such as ASSIGN_VARIABLE
            if (
                op.results
                and not any(r.uses for r in op.results)
                and (not op.regions or is_trivially_dead(op))
            ):
                op.detach()
                op.erase()
                erased += 1
            op = prev
    return erased


@dataclass(frozen=True)
class DeadCodeElimination(ModulePass):
    """Remove ops whose results are never used."""

    name = "dce"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        erase_dead_ops(op)
