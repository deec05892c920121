"""prepare-tf: TF-level canonicalization before legalization (BatchNorm -> mul/add, explicit padding -> Pad)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass


@dataclass(frozen=True)
class PrepareTF(ModulePass):
    """TF-level canonicalization before legalization (BatchNorm -> mul/add, explicit padding -> Pad)."""

    name = "prepare-tf"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass  # placeholder until the pass lands
