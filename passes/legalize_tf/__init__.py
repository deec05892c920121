"""legalize-tf: `tf` ops -> `tfl` builtins, one sweep.

The rules live in the family modules (`const.py`, `conv.py`, `matmul.py`, `binary.py`, `unary.py`,
`decompose.py`, `gelu.py`, `cast.py`, `reduce.py`, `shape.py`, `rearrange.py`, `conv3d.py`,
`lowered.py`, `segment.py`, `more_ops.py`, `complex.py`, `detection.py`), each ending in its ordered `RULES`
list; `LEGALIZE_TF` below is their one ordered list. An op with no rule (or whose rules all decline) stays in the
`tf` dialect; the driver then reports it (or the select-TF fallback exports it as a Flex op).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from passes.legalize_tf import (
    binary,
    cast,
    complex,
    const,
    control,
    conv,
    conv3d,
    decompose,
    detection,
    gelu,
    int_matmul,
    lowered,
    matmul,
    more_ops,
    rearrange,
    reduce,
    segment,
    shape,
    unary,
)
from passes.patterns import PatternTable

LEGALIZE_TF = PatternTable(
    "legalize-tf",
    [
        *const.RULES,
        *control.RULES,
        *conv.RULES,
        *gelu.RULES,  # before binary: GELU is rooted at a tf.Mul / tf.RealDiv
        *binary.RULES,
        *unary.RULES,
        *decompose.RULES,
        *cast.RULES,
        *matmul.RULES,
        *int_matmul.RULES,
        *reduce.RULES,
        *shape.RULES,
        *rearrange.RULES,
        *conv3d.RULES,
        *lowered.RULES,
        *segment.RULES,
        *more_ops.RULES,
        *complex.RULES,
        *detection.RULES,
    ],
)


# Ops TF's converter cannot write as builtins (a standalone Erf, Complex), decomposed into builtins after the sweep above
# (so GELU has claimed its Erf first).
BEYOND_TF = PatternTable("legalize-tf-beyond-tf", [*decompose.BEYOND_TF_RULES, *complex.BEYOND_TF_RULES])


@dataclass(frozen=True)
class LegalizeTF(ModulePass):
    """Rewrite TF ops into TFLite builtin ops (ops without a builtin stay TF). `beyond_tf`: also decompose ops
    TensorFlow's converter only has as Flex ops (off when the conversion allows Flex or custom ops, which then
    get the op as TF writes it)."""

    name = "legalize-tf"

    beyond_tf: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        LEGALIZE_TF.apply(op, once=True)
        if self.beyond_tf:
            BEYOND_TF.apply(op, once=True)
