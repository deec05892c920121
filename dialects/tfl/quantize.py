"""TFLite ops: QUANTIZE and DEQUANTIZE, and quantized constants.

Versions as TF's tools/versioning/op_version.cc picks them (per-channel from op_signature.cc: more than one scale and
as many as the quantized dimension has slices); first runtimes from runtime_version.cc.
"""

from __future__ import annotations

import numpy as np
from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.dialects.builtin import TensorType
from xdsl.ir import BlockArgument

from dialects.elements import DenseElementsAttr
from dialects.quant import UniformQuantizedType, quantized_element
from dialects.tensor_types import element_kind
from dialects.tfl.base import QUANT, ConstOp, TensorOf, UnaryOp, tfl_op


def is_per_channel(t: object) -> bool:
    """op_signature.cc's per-channel test: more than one scale, one per slice of the quantized dimension."""
    q = quantized_element(t)
    if q is None or len(q.scales) < 2 or q.axis is None:
        return False
    shape = tuple(getattr(t, "get_shape", lambda: ())())
    return q.axis < len(shape) and shape[q.axis] == len(q.scales)


@tfl_op
class QuantizeOp(UnaryOp):
    """tfl.quantize: float (or a quantized tensor, requantized) to the result's quantized type."""

    name = "tfl.quantize"
    BUILTIN = B.QUANTIZE
    TYPES = {"x": TensorOf("f32", *QUANT), "y": TensorOf(*QUANT)}
    VERSIONS = {1: "1.14.0", 2: "1.15.0", 3: "2.7.0"}

    def version(self) -> int:
        """3 per channel; to int16 2, except a model input's float -> int16 (1), as TF's 16x8 quantizer writes them
        (it adds the input QUANTIZE at version 1 and its own, requantizing or after a float op, at 2)."""
        if is_per_channel(self.y.type):
            return 3
        if element_kind(self.y.type) != "qi16":
            return 1
        return 1 if isinstance(self.x, BlockArgument) else 2


@tfl_op
class DequantizeOp(UnaryOp):
    """tfl.dequantize: a quantized or float16 tensor to float32."""

    name = "tfl.dequantize"
    BUILTIN = B.DEQUANTIZE
    TYPES = {"x": TensorOf("f16", *QUANT), "y": TensorOf("f32")}
    VERSIONS = {1: "1.13.1", 2: "1.14.0", 3: "1.15.0", 5: "2.7.0"}

    def version(self) -> int:
        kind = element_kind(self.x.type)
        if kind == "qi16":
            return 2  # as TF's 16x8 quantizer writes it
        if kind == "f16":
            return 3
        if kind == "qi8":
            return 5 if is_per_channel(self.x.type) else 2
        return 1


def quantized_const(array: np.ndarray, qtype: UniformQuantizedType) -> ConstOp:
    """tfl.pseudo_const holding `array` (of the storage dtype) with result type tensor<shape x qtype>."""
    assert array.dtype == qtype.storage_dtype, f"{array.dtype} array for {qtype}"
    return ConstOp(DenseElementsAttr.from_array(array), TensorType(qtype, array.shape))
