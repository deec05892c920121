"""optimize: TFLite-level fusions, run to a fixed point."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass


@dataclass(frozen=True)
class Optimize(ModulePass):
    """TFLite-level fusions, run to a fixed point."""

    name = "optimize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass  # placeholder until the pass lands
