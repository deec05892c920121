"""dce: erase ops whose results are unused (all tf/tfl ops are pure once variables are frozen)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import is_trivially_dead


def erase_dead_ops(module: ModuleOp) -> int:
    """Erase unused results' ops in reverse order (one backwards sweep frees whole dead chains), in functions and
    in the regions of their ops (IF/WHILE subgraphs)."""
    return sum(_erase_dead_in(fn.body.block) for fn in module.ops if isinstance(fn, func.FuncOp))


def _erase_dead_in(block: Block) -> int:
    erased = 0
    op = block.last_op
    while op is not None:
        prev = op.prev_op
        # an op with regions (IF/WHILE) may hold effects such as ASSIGN_VARIABLE
        if op.results and not any(r.uses for r in op.results) and (not op.regions or is_trivially_dead(op)):
            op.detach()
            op.erase()
            erased += 1
        else:
            erased += sum(_erase_dead_in(b) for r in op.regions for b in r.blocks)
        op = prev
    return erased


@dataclass(frozen=True)
class DeadCodeElimination(ModulePass):
    """Remove ops whose results are never used."""

    name = "dce"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        erase_dead_ops(op)
