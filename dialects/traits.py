"""Trait helpers shared by the `tf` and `tfl` dialects."""

from __future__ import annotations

from xdsl.irdl import IRDLOperation, OpTraits
from xdsl.traits import Pure


def impure(cls: type[IRDLOperation]) -> type[IRDLOperation]:
    """Drop the Pure trait an op inherits from its base class (IRDL merges base traits into every subclass), so
    CSE and DCE see the op's own memory effect (variable reads and writes, ops holding regions)."""
    traits = tuple(t for t in cls.get_irdl_definition().traits if not isinstance(t, Pure))
    op_traits = OpTraits(lambda: traits)
    cls.get_irdl_definition().traits = op_traits
    cls.traits = op_traits
    return cls
