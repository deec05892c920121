"""TFLite ops on complex tensors (issue 10): the real FFT and the parts and magnitude of complex numbers.

TYPES are LiteRT's kernel registrations (tensorflow/lite/kernels/rfft2d.cc: float32 -> complex64;
complex_support.cc for REAL, IMAG, COMPLEX_ABS: complex64 -> float32, complex128 -> float64). VERSIONS: runtime_version.cc (all first run by 2.5.0). None
of them writes an options table (TF 2.21's converter writes BuiltinOptions NONE, RFFT2D included).
"""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B

from dialects.tensor_types import element_kind
from dialects.tfl.base import TensorOf, TflOp, single_result_op

COMPLEX = ("complex64", "complex128")
_PART = ("f32", "f64")


def _part_types(op: TflOp) -> str | None:
    """complex64 has float32 parts, complex128 float64 ones (the pairs LiteRT's kernels take)."""
    kinds = element_kind(op.input.type), element_kind(op.output.type)
    if kinds not in (("complex64", "f32"), ("complex128", "f64")):
        return f"'{op.name}' takes complex64 -> f32 or complex128 -> f64, not {kinds[0]} -> {kinds[1]}"
    return None


def _complex_part(op_name: str, builtin: int) -> type[TflOp]:
    cls = single_result_op(
        op_name, builtin, None, {"input": TensorOf(*COMPLEX), "output": TensorOf(*_PART)}, __name__,
        VERSIONS={1: "2.5.0"},
    )  # fmt: skip
    base_verify = cls.verify_

    def verify_(self: TflOp) -> None:
        base_verify(self)
        error = _part_types(self)
        if error is not None:
            from xdsl.utils.exceptions import VerifyException

            raise VerifyException(error)

    cls.verify_ = verify_
    return cls


RealOp = _complex_part("real", B.REAL)
ImagOp = _complex_part("imag", B.IMAG)
ComplexAbsOp = _complex_part("complex_abs", B.COMPLEX_ABS)

Rfft2dOp = single_result_op(
    "rfft2d", B.RFFT2D, None,
    {"input": TensorOf("f32"), "fft_length": TensorOf("i32"), "output": TensorOf("complex64")}, __name__,
    VERSIONS={1: "2.5.0"},
)  # fmt: skip
Rfft2dOp.__doc__ = (
    "tfl.rfft2d: the 2-D real FFT of the innermost two dims, cropped or zero-padded to fft_length [h, w] (powers of "
    "2 in LiteRT's kernel); output [..., h, w / 2 + 1] complex64."
)
RealOp.__doc__ = "tfl.real: the real part of each complex element."
ImagOp.__doc__ = "tfl.imag: the imaginary part of each complex element."
ComplexAbsOp.__doc__ = "tfl.complex_abs: |z| = sqrt(re^2 + im^2) of each complex element."

__all__ = ["ComplexAbsOp", "ImagOp", "RealOp", "Rfft2dOp"]
