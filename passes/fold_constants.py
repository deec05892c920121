"""fold-constants: Fold ops whose operands are constants, and shape arithmetic on static shapes."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass


@dataclass(frozen=True)
class FoldConstants(ModulePass):
    """Fold ops whose operands are constants, and shape arithmetic on static shapes."""

    name = "fold-constants"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass  # placeholder until the pass lands
