"""Numpy-held constant tensors for the `tf` and `tfl` dialects.

Weights never become Python objects: a constant is a numpy array behind a small attribute whose equality and hash
use a content digest. Small arrays print their values; large ones print elided as a digest, so IR dumps of
ResNet50 stay a few hundred kilobytes.

Syntax: `#tflc.dense<float32 [2, 2] [1.0, 2.0, 3.0, 4.0]>`, `#tflc.dense<float32 [64, 3, 3, 32] elided "a1b2…">`,
`#tflc.dense<float32 [2] hex "0000c07f0000807f">` (values not expressible as MLIR literals, e.g. NaN/inf).
"""

from __future__ import annotations

import functools
import hashlib
import weakref

import numpy as np
from xdsl.dialects.builtin import (
    ComplexType,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, Data, Dialect, Operation
from xdsl.irdl import IRDLOperation, irdl_attr_definition, prop_def, result_def, traits_def
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

# Arrays with at most this many elements print their values; larger ones are elided.
PRINT_LIMIT = 32

_NUMPY_TO_XDSL = {
    np.dtype(np.float32): lambda: Float32Type(),
    np.dtype(np.float16): lambda: Float16Type(),
    np.dtype(np.float64): lambda: Float64Type(),
    np.dtype(np.int8): lambda: IntegerType(8),
    np.dtype(np.int16): lambda: IntegerType(16),
    np.dtype(np.int32): lambda: IntegerType(32),
    np.dtype(np.int64): lambda: IntegerType(64),
    np.dtype(np.uint8): lambda: IntegerType(8, Signedness.UNSIGNED),
    np.dtype(np.uint16): lambda: IntegerType(16, Signedness.UNSIGNED),
    np.dtype(np.uint32): lambda: IntegerType(32, Signedness.UNSIGNED),
    np.dtype(np.uint64): lambda: IntegerType(64, Signedness.UNSIGNED),
    np.dtype(np.bool_): lambda: IntegerType(1),
    np.dtype(np.complex64): lambda: ComplexType(Float32Type()),
    np.dtype(np.complex128): lambda: ComplexType(Float64Type()),
}


# Element type names accepted in the text syntax (numpy dtype names).
_DTYPE_NAMES = [d.name for d in _NUMPY_TO_XDSL]


def element_type(dtype: np.dtype) -> Attribute:
    """The xDSL element type of a numpy dtype."""
    try:
        return _NUMPY_TO_XDSL[np.dtype(dtype)]()
    except KeyError:
        raise ValueError(f"no tensor element type for numpy dtype {np.dtype(dtype)}") from None


def numpy_dtype(elem: Attribute) -> np.dtype:
    """The numpy dtype of an xDSL element type."""
    if isinstance(elem, Float32Type):
        return np.dtype(np.float32)
    if isinstance(elem, Float16Type):
        return np.dtype(np.float16)
    if isinstance(elem, Float64Type):
        return np.dtype(np.float64)
    if isinstance(elem, IntegerType):
        width = elem.width.data
        if width == 1:
            return np.dtype(np.bool_)
        unsigned = elem.signedness.data == Signedness.UNSIGNED
        return np.dtype(f"{'u' if unsigned else ''}int{width}")
    if isinstance(elem, ComplexType) and isinstance(elem.element_type, Float32Type | Float64Type):
        return np.dtype(np.complex64 if isinstance(elem.element_type, Float32Type) else np.complex128)
    raise ValueError(f"no numpy dtype for element type {elem}")


def tensor_type(array: np.ndarray) -> TensorType:
    return _tensor_type(array.dtype, array.shape)


@functools.lru_cache(maxsize=4096)
def _tensor_type(dtype: np.dtype, shape: tuple[int, ...]) -> TensorType:
    # attributes are immutable: one per (dtype, shape) spares re-verifying a new one for every constant
    return TensorType(element_type(dtype), shape)


_LIVE: weakref.WeakValueDictionary[str, Blob] = weakref.WeakValueDictionary()


class Blob:
    """A read-only numpy array; compares and hashes by a content digest computed on first use.

    The digest (blake2b over dtype, shape and bytes) is lazy: hashing ResNet50's 100 MB of weights costs ~0.5 s,
    and most constants are never compared (the exporter only hashes buffers whose sizes collide).
    """

    __slots__ = ("array", "_digest", "__weakref__")

    def __init__(self, array: np.ndarray, digest: str = "") -> None:
        # np.ascontiguousarray turns 0-d arrays into shape (1,); scalars must keep shape ().
        array = np.ascontiguousarray(array).reshape(np.shape(array))
        array.flags.writeable = False
        self.array = array
        self._digest = digest

    @property
    def digest(self) -> str:
        if not self._digest:
            h = hashlib.blake2b(digest_size=12)
            h.update(f"{self.array.dtype.str}{self.array.shape}".encode())
            if self.array.size:  # memoryview cannot cast an array with a zero-length dimension
                h.update(memoryview(self.array).cast("B"))
            self._digest = h.hexdigest()
            _LIVE[self._digest] = self
        return self._digest

    def same_content(self, other: Blob) -> bool:
        """Cheap checks first; the digest only when dtype, shape and size agree."""
        if other is self:
            return True
        a, b = self.array, other.array
        return a.dtype == b.dtype and a.shape == b.shape and self.digest == other.digest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Blob) and self.same_content(other)

    def __hash__(self) -> int:
        return hash(self.digest)


@irdl_attr_definition
class DenseElementsAttr(Data[Blob]):
    """A constant tensor held as a numpy array (see module docstring for syntax)."""

    name = "tflc.dense"

    @staticmethod
    def from_array(array: np.ndarray | np.generic | float | int) -> DenseElementsAttr:
        return DenseElementsAttr(Blob(np.asarray(array)))

    @property
    def array(self) -> np.ndarray:
        return self.data.array

    @property
    def type(self) -> TensorType:
        return tensor_type(self.data.array)

    def is_splat(self) -> bool:
        a = self.data.array
        return a.size > 0 and bool(np.all(a == a.flat[0]))

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> Blob:
        with parser.in_angle_brackets():
            pos = parser.pos
            name = parser.parse_identifier(" (numpy dtype name)")
            if name not in _DTYPE_NAMES:
                parser.raise_error(
                    f"unknown element type '{name}', expected one of: {', '.join(_DTYPE_NAMES)}",
                    pos,
                    parser.pos,
                )
            dtype = np.dtype(name)
            pos = parser.pos
            shape = tuple(parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer))
            if any(d < 0 for d in shape):
                parser.raise_error(f"negative dimension in shape {list(shape)}", pos, parser.pos)
            size = int(np.prod(shape, dtype=np.int64))
            if parser.parse_optional_keyword("elided"):
                digest = parser.parse_str_literal()
                blob = _LIVE.get(digest)
                if blob is None:
                    parser.raise_error(
                        f"constant {digest} was elided when printed and is not in memory; "
                        "print with large constants (e.g. `tflc opt --print-constants`) to round-trip it"
                    )
                if blob.array.dtype != dtype or blob.array.shape != shape:
                    parser.raise_error(
                        f"elided constant {digest} is {blob.array.dtype.name} "
                        f"{list(blob.array.shape)}, not {name} {list(shape)}"
                    )
                return blob
            if parser.parse_optional_keyword("hex"):
                pos = parser.pos
                text = parser.parse_str_literal()
                try:
                    raw = bytes.fromhex(text)
                except ValueError:
                    parser.raise_error("hex constant must be an even number of hex digits", pos, parser.pos)
                if len(raw) != size * dtype.itemsize:
                    parser.raise_error(
                        f"hex constant has {len(raw)} bytes, {name} {list(shape)} needs "
                        f"{size * dtype.itemsize}",
                        pos,
                        parser.pos,
                    )
                return Blob(np.frombuffer(raw, dtype).reshape(shape).copy())
            pos = parser.pos
            values = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_number(allow_boolean=True)
            )
            if len(values) != size:
                parser.raise_error(
                    f"constant has {len(values)} values, shape {list(shape)} needs {size}", pos, parser.pos
                )
            try:
                return Blob(np.array(values, dtype=dtype).reshape(shape))
            except (OverflowError, ValueError, TypeError) as e:
                parser.raise_error(f"values do not fit {name}: {e}", pos, parser.pos)

    def print_parameter(self, printer: Printer) -> None:
        a = self.data.array
        dims = ", ".join(str(d) for d in a.shape)
        printer.print_string(f"<{a.dtype.name} [{dims}] ")
        if a.size > PRINT_LIMIT and not _print_all_constants:
            printer.print_string(f'elided "{self.data.digest}">')
        elif a.dtype.kind == "c" or (
            a.dtype.kind == "f" and not np.all(np.isfinite(a))
        ):  # complex: no literal
            printer.print_string(f'hex "{a.tobytes().hex()}">')
        else:
            flat = a.reshape(-1)
            if a.dtype.kind == "b":
                text = ", ".join("true" if v else "false" for v in flat.tolist())
            elif a.dtype.kind == "f":
                text = ", ".join(_float_literal(v) for v in flat)
            else:
                text = ", ".join(str(int(v)) for v in flat.tolist())
            printer.print_string(f"[{text}]>")


_print_all_constants = False


def _float_literal(v: float) -> str:
    """repr() of a float as an MLIR float literal (which needs a '.')."""
    s = str(v) if isinstance(v, np.float32 | np.float16) else repr(float(v))
    return s.replace("e", ".0e") if "e" in s and "." not in s else s


class print_all_constants:
    """Context manager: print every constant in full (for round-tripping a module through text)."""

    def __enter__(self) -> None:
        global _print_all_constants
        self._old, _print_all_constants = _print_all_constants, True

    def __exit__(self, *exc: object) -> None:
        global _print_all_constants
        _print_all_constants = self._old


class ConstantOp(IRDLOperation):
    """Base of tf.Const and tfl.pseudo_const: a constant tensor (numpy-held) whose result type is its value's."""

    value = prop_def(DenseElementsAttr)
    output = result_def()
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "$value attr-dict `:` type($output)"

    def __init__(self, value: DenseElementsAttr, result_type: Attribute | None = None) -> None:
        """`result_type`: a quantized tensor type for an integer array of its storage type; else the value's."""
        # generic construction: one property and one result leave IRDL's builder nothing to arrange
        Operation.__init__(self, properties={"value": value}, result_types=[result_type or value.type])

    def verify_(self) -> None:
        verify_const_type(self, self.value, self.output.type)


def verify_const_type(op: IRDLOperation, value: DenseElementsAttr, result_type: object) -> None:
    """A constant's result type must be its value's tensor type (shape and element type); a quantized result type
    holds an integer array of its storage type."""
    from dialects.quant import quantized_element, verify_quantized_tensor

    q = quantized_element(result_type)
    if q is not None:
        a = value.array
        if a.dtype != q.storage_dtype or tuple(result_type.get_shape()) != a.shape:
            raise VerifyException(
                f"'{op.name}' value {a.dtype.name} {list(a.shape)} does not match its quantized result type "
                f"{result_type} (storage {q.storage_dtype.name})"
            )
        verify_quantized_tensor(result_type, f"'{op.name}'")
        return
    try:
        expected = value.type
    except ValueError as e:
        raise VerifyException(f"'{op.name}': {e}") from None
    if result_type != expected:
        raise VerifyException(
            f"'{op.name}' result type {result_type} does not match its value's type {expected}"
        )


TFLC = Dialect("tflc", [], [DenseElementsAttr])
