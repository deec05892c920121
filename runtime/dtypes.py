"""Schema TensorType codes <-> numpy scalar types, derived from the `tflite` package's TensorType (never typed out)."""

from __future__ import annotations

import numpy as np
from tflite.TensorType import TensorType


def schema_numpy_types() -> dict[int, type]:
    """TensorType code -> numpy scalar type for every schema type numpy itself names (FLOAT32 -> np.float32, BOOL ->
    np.bool_, ...). Types numpy lacks (STRING, RESOURCE, VARIANT, INT4, BFLOAT16) are left out; looking names up as
    numpy attributes, not np.dtype(name), keeps ml_dtypes' registrations from changing the table."""
    out = {}
    for name, code in vars(TensorType).items():
        scalar = getattr(np, name.lower(), None)
        if not name.startswith("_") and isinstance(scalar, type) and issubclass(scalar, np.generic):
            out[code] = scalar
    return out
