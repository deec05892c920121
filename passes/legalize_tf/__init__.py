"""legalize-tf: `tf` ops -> `tfl` builtins, one sweep.

Rules are registered per TF op class in the family modules (`matmul.py`, `conv.py`, `elementwise.py`,
`shape.py`, ...), all into `LEGALIZE_TF`. An op with no rule (or whose rule declines) stays in the `tf` dialect;
the driver then reports it (or the select-TF fallback exports it as a Flex op).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

# Importing the family modules registers their rules.
from passes.legalize_tf import families  # noqa: F401, E402
from passes.legalize_tf.table import LEGALIZE_TF


@dataclass(frozen=True)
class LegalizeTF(ModulePass):
    """Rewrite TF ops into TFLite builtin ops (ops without a builtin stay TF)."""

    name = "legalize-tf"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        LEGALIZE_TF.apply(op, once=True)
