"""The `quant` dialect: MLIR's uniform quantized element type, as LiteRT's QuantizationParameters describe tensors.

    !quant.uniform<i8:f32, 0.0235:-3>                 per tensor: real = scale * (q - zero_point)
    !quant.uniform<i8:f32:0, {0.1:0, 0.2:0}>          per axis (quantized dimension 0): one scale:zero_point per slice

Storage is i8, u8, i16, i32 or i64 (MLIR's spelling; `u8` is unsigned), the expressed type f32. Scales print as the
shortest repr that reads back to the same double, so text round trips are bit-exact. The type reports its element
kind ("qi8", "qui8", "qi16", "qi32", "qi64"), which is all op legality (dialects/tfl/base.py TYPES) looks at.

Verified on construction: scales positive and finite, zero points inside the storage range, as many zero points
as scales. Axis < rank and one scale per slice depend on the tensor: `verify_quantized_tensor` checks them where a
tensor type is used (tfl op and constant verifiers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.ir import Data, Dialect, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

# Storage spelling -> (numpy dtype, element kind).
STORAGE: dict[str, tuple[np.dtype, str]] = {
    "i8": (np.dtype(np.int8), "qi8"),
    "u8": (np.dtype(np.uint8), "qui8"),
    "i16": (np.dtype(np.int16), "qi16"),
    "i32": (np.dtype(np.int32), "qi32"),
    "i64": (np.dtype(np.int64), "qi64"),
}
_STORAGE_OF_DTYPE = {dt: name for name, (dt, _) in STORAGE.items()}


@dataclass(frozen=True)
class UniformParams:
    """Storage spelling, expressed type, scales and zero points (one each per tensor), quantized axis or None."""

    storage: str
    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    axis: int | None = None
    expressed: str = "f32"


def _float_text(v: float) -> str:
    """repr() of a double as an MLIR float literal (which needs a '.': 1e-05 -> 1.0e-05)."""
    s = repr(float(v))
    if "e" in s and "." not in s:
        s = s.replace("e", ".0e")
    return s if ("." in s or "e" in s) else s + ".0"


@irdl_attr_definition
class UniformQuantizedType(Data[UniformParams], TypeAttribute):
    """A uniform quantized element type (MLIR `!quant.uniform`)."""

    name = "quant.uniform"

    # ---- construction ---------------------------------------------------------------------------------------

    @staticmethod
    def per_tensor(storage: Any, scale: float, zero_point: int) -> UniformQuantizedType:
        """`storage`: a numpy dtype (int8, uint8, ...) or its spelling ("i8", "u8", ...)."""
        return UniformQuantizedType(
            UniformParams(_storage_name(storage), (float(scale),), (int(zero_point),))
        )

    @staticmethod
    def per_axis(
        storage: Any, scales: Sequence[float], zero_points: Sequence[int], axis: int
    ) -> UniformQuantizedType:
        return UniformQuantizedType(
            UniformParams(
                _storage_name(storage),
                tuple(float(s) for s in scales),
                tuple(int(z) for z in zero_points),
                int(axis),
            )
        )

    def verify(self) -> None:
        p = self.data
        if p.storage not in STORAGE:
            raise VerifyException(f"quantized storage type {p.storage} is not one of {', '.join(STORAGE)}")
        if p.expressed != "f32":
            raise VerifyException(f"quantized expressed type {p.expressed} is not f32")
        if len(p.scales) != len(p.zero_points):
            raise VerifyException(f"{len(p.scales)} scales but {len(p.zero_points)} zero points")
        if not p.scales:
            raise VerifyException("a quantized type needs at least one scale")
        if p.axis is None and len(p.scales) != 1:
            raise VerifyException("a per-tensor quantized type has one scale")
        if p.axis is not None and p.axis < 0:
            raise VerifyException(f"quantized dimension {p.axis} is negative")
        for s in p.scales:
            if not (math.isfinite(s) and s > 0):
                raise VerifyException(f"quantization scale {s!r} is not positive and finite")
        info = np.iinfo(STORAGE[p.storage][0])
        for z in p.zero_points:
            if not info.min <= z <= info.max:
                raise VerifyException(
                    f"zero point {z} is out of the {p.storage} storage range [{info.min}, {info.max}]"
                )

    # ---- queries ------------------------------------------------------------------------------------------

    @property
    def storage_dtype(self) -> np.dtype:
        return STORAGE[self.data.storage][0]

    @property
    def element_kind(self) -> str:
        return STORAGE[self.data.storage][1]

    @property
    def scales(self) -> tuple[float, ...]:
        return self.data.scales

    @property
    def zero_points(self) -> tuple[int, ...]:
        return self.data.zero_points

    @property
    def axis(self) -> int | None:
        return self.data.axis

    @property
    def scale(self) -> float:
        """The scale of a per-tensor type."""
        assert self.data.axis is None, "per-axis type has no single scale"
        return self.data.scales[0]

    @property
    def zero_point(self) -> int:
        assert self.data.axis is None, "per-axis type has no single zero point"
        return self.data.zero_points[0]

    # ---- syntax -------------------------------------------------------------------------------------------

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> UniformParams:
        with parser.in_angle_brackets():
            pos = parser.pos
            storage = parser.parse_identifier(" (storage type: i8, u8, i16, i32 or i64)")
            if storage not in STORAGE:
                parser.raise_error(
                    f"unknown quantized storage type '{storage}', expected one of: {', '.join(STORAGE)}",
                    pos,
                    parser.pos,
                )
            parser.parse_punctuation(":")
            pos = parser.pos
            expressed = parser.parse_identifier(" (expressed type)")
            if expressed != "f32":
                parser.raise_error(f"expressed type must be f32, got '{expressed}'", pos, parser.pos)
            axis = None
            if parser.parse_optional_punctuation(":") is not None:
                axis = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")

            def scale_zero_point() -> tuple[float, int]:
                scale = float(parser.parse_number())
                zp = 0
                if parser.parse_optional_punctuation(":") is not None:
                    zp = parser.parse_integer(allow_boolean=False)
                return scale, zp

            pos = parser.pos
            if axis is None:
                pairs = [scale_zero_point()]
            else:
                pairs = parser.parse_comma_separated_list(parser.Delimiter.BRACES, scale_zero_point)
            params = UniformParams(
                storage, tuple(s for s, _ in pairs), tuple(z for _, z in pairs), axis, expressed
            )
            try:
                UniformQuantizedType(params)
            except VerifyException as e:
                parser.raise_error(str(e), pos, parser.pos)
            return params

    def print_parameter(self, printer: Printer) -> None:
        p = self.data
        pairs = [f"{_float_text(s)}:{z}" for s, z in zip(p.scales, p.zero_points, strict=True)]
        if p.axis is None:
            printer.print_string(f"<{p.storage}:{p.expressed}, {pairs[0]}>")
        else:
            printer.print_string(f"<{p.storage}:{p.expressed}:{p.axis}, {{{', '.join(pairs)}}}>")


def _storage_name(storage: Any) -> str:
    if isinstance(storage, str) and storage in STORAGE:
        return storage
    try:
        return _STORAGE_OF_DTYPE[np.dtype(storage)]
    except (KeyError, TypeError):
        raise ValueError(f"no quantized storage type for {storage!r}") from None


def quantized_element(t: Any) -> UniformQuantizedType | None:
    """The quantized element type of a tensor type (or the type itself), or None."""
    elem = getattr(t, "element_type", t)
    return elem if isinstance(elem, UniformQuantizedType) else None


def storage_dtype(t: Any) -> np.dtype | None:
    """numpy storage dtype of a quantized tensor (or element) type; None for other types."""
    q = quantized_element(t)
    return q.storage_dtype if q is not None else None


def quantized_tensor_error(t: Any) -> str | None:
    """Why a tensor type's quantized element type does not fit its shape (axis out of rank, scales per slice)."""
    q = quantized_element(t)
    if q is None or q.axis is None:
        return None
    shape = getattr(t, "get_shape", None)
    if shape is None:
        return None
    dims = tuple(shape())
    if q.axis >= len(dims):
        return f"quantized dimension {q.axis} is out of range for a tensor of rank {len(dims)}"
    if dims[q.axis] >= 0 and dims[q.axis] != len(q.scales):
        return (
            f"quantized dimension {q.axis} has {dims[q.axis]} slices but the type has {len(q.scales)} scales"
        )
    return None


def verify_quantized_tensor(t: Any, where: str) -> None:
    """Raise VerifyException when `quantized_tensor_error` finds a problem (`where` names the op)."""
    error = quantized_tensor_error(t)
    if error is not None:
        raise VerifyException(f"{where}: {error}")


QUANT = Dialect("quant", [], [UniformQuantizedType])
