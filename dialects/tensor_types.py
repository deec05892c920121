"""Element types as LiteRT names them: `tflite.TensorType` codes, numpy dtypes and element kinds.

`tflite.TensorType` (generated from the schema) is the only type-code table: everything here is derived from it, so
the exporter, the analyzer and the passes agree on codes and names without typing them out.

Element kinds are the vocabulary of op legality (dialects/tfl/base.py), spelled like MLIR types: "f16", "f32", "f64",
"i1" (bool), "i8", "i16", "i32", "i64", "ui8", "ui16", "ui32", "ui64", "complex64", "complex128", "string". Quantized kinds —
"qi8", "qui8", "qi16", "qi32", "qi64" (tfl_ops.td's QI8, QUI8, QI16, QI32) — are what a quantized element type
(dialects/quant.py) reports through an `element_kind` attribute; plain numpy dtypes never map to them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tflite.TensorType import TensorType

# Schema name -> code, e.g. "FLOAT32" -> 0, in code order.
TENSOR_TYPE_CODES: dict[str, int] = dict(
    sorted(((k, v) for k, v in vars(TensorType).items() if not k.startswith("_")), key=lambda kv: kv[1])
)
TENSOR_TYPE_NAMES: dict[int, str] = {code: name for name, code in TENSOR_TYPE_CODES.items()}


def _numpy_twin(name: str) -> np.dtype | None:
    """The numpy dtype spelled like a TensorType name in lower case (FLOAT32 -> float32), if numpy has one."""
    try:
        dtype = np.dtype(name.lower())
    except TypeError:
        return None
    return dtype if dtype.name == name.lower() else None


_CODE_OF_DTYPE: dict[np.dtype, int] = {
    dt: code for name, code in TENSOR_TYPE_CODES.items() if (dt := _numpy_twin(name)) is not None
}
_DTYPE_OF_CODE: dict[int, np.dtype] = {code: dt for dt, code in _CODE_OF_DTYPE.items()}


def tensor_type_code(dtype: Any) -> int:
    """TensorType code of a numpy dtype (ValueError if the schema has none)."""
    try:
        return _CODE_OF_DTYPE[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise ValueError(f"tensor element type {dtype} has no TFLite TensorType") from None


def tensor_type_name(dtype: Any) -> str:
    """Schema TensorType name of a numpy dtype ("FLOAT32", "INT8", "BOOL", ...)."""
    return TENSOR_TYPE_NAMES[tensor_type_code(dtype)]


def tensor_type_dtype(code: int | str) -> np.dtype | None:
    """The numpy dtype of a TensorType code or name; None for types numpy has no twin for (STRING, RESOURCE, ...)."""
    if isinstance(code, str):
        code = TENSOR_TYPE_CODES.get(code, -1)
    return _DTYPE_OF_CODE.get(code)


def tensor_type_display(code: int) -> str:
    """Lower-case name of a code for reports ("float32", "string", "resource"); the number if unknown."""
    name = TENSOR_TYPE_NAMES.get(code)
    return name.lower() if name is not None else str(code)


# ---------------------------------------------------------------------------------------------------------------
# Element kinds.

_KIND_PREFIX = {"f": "f", "i": "i", "u": "ui", "c": "complex"}
QUANTIZED_KINDS = frozenset({"qi4", "qi8", "qui8", "qi16", "qui16", "qi32", "qui32", "qi64"})


def dtype_kind(dtype: Any) -> str:
    """Element kind of a plain numpy dtype: float32 -> "f32", uint8 -> "ui8", bool -> "i1"."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return "i1"
    if dt.kind not in _KIND_PREFIX:
        raise ValueError(f"no element kind for numpy dtype {dt}")
    return f"{_KIND_PREFIX[dt.kind]}{dt.itemsize * 8}"


def element_kind(t: Any) -> str | None:
    """Element kind of a kind name, numpy dtype, xDSL element type or tensor type; None when it has none
    (`none` for an omitted operand, unknown types)."""
    if t is None:
        return None
    if isinstance(t, str):
        return t
    if isinstance(t, np.dtype | type):
        try:
            return dtype_kind(t)
        except (TypeError, ValueError):
            return None
    kind = getattr(t, "element_kind", None)  # quantized element types report their own kind
    if isinstance(kind, str):
        return kind
    elem = getattr(t, "element_type", t)
    kind = getattr(elem, "element_kind", None)
    if isinstance(kind, str):
        return kind
    opaque = getattr(elem, "kind", None)  # !tf.opaque<"string"> and friends
    if getattr(elem, "name", "") == "tf.opaque" and opaque is not None:
        return opaque.data
    from dialects.elements import numpy_dtype

    try:
        return dtype_kind(numpy_dtype(elem))
    except ValueError:
        return None
