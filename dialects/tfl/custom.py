"""tfl.custom: a CUSTOM operator — a Flex (select TF) op or a user custom op — carrying its bytes verbatim.

LiteRT runs it by `custom_code` (`"Flex" + TF op type` for Flex ops, which the Flex delegate hands to TensorFlow; any
other code needs a kernel the user registers). `custom_options` are opaque to the compiler and written as they are,
in the FLEXBUFFERS format: TF's `[op type, NodeDef]` vector for Flex, a map of the node's attributes for custom ops.
Operand and result element types are free (the kernel, not the schema, decides), so the verifier checks nothing.
Op reference: https://www.tensorflow.org/mlir/tfl_ops#tflcustom_tflcustomop
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import BytesAttr, StringAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    base,
    irdl_op_definition,
    prop_def,
    var_operand_def,
    var_result_def,
)

FLEX_PREFIX = "Flex"


@irdl_op_definition
class CustomOp(IRDLOperation):
    """tfl.custom: opcode CUSTOM with `custom_code`, and `custom_options` bytes (FLEXBUFFERS)."""

    name = "tfl.custom"

    inputs = var_operand_def()
    outputs = var_result_def()
    code = prop_def(StringAttr, prop_name="custom_code")
    # xDSL's parser reads a quoted literal that is valid UTF-8 back as a StringAttr, so text round trips give either.
    options = prop_def(base(BytesAttr) | base(StringAttr), prop_name="custom_options")

    def __init__(
        self,
        custom_code: str,
        custom_options: bytes,
        operands: Sequence[SSAValue],
        result_types: Sequence[Attribute],
        attributes: dict[str, Attribute] | None = None,
    ) -> None:
        super().__init__(
            operands=[list(operands)],
            result_types=[list(result_types)],
            properties={"custom_code": StringAttr(custom_code), "custom_options": BytesAttr(custom_options)},
            attributes=attributes or {},
        )

    # ---- serialization (asked by compiler/export.py, as builtin ops are asked for BUILTIN/OPTIONS) ----

    def custom_code(self) -> str:
        """OperatorCode.custom_code."""
        return self.code.data

    def custom_options(self) -> bytes:
        """Operator.custom_options (custom_options_format FLEXBUFFERS)."""
        v = self.options.data
        return v.encode("utf-8") if isinstance(v, str) else bytes(v)

    @property
    def is_flex(self) -> bool:
        return self.custom_code().startswith(FLEX_PREFIX)


@irdl_op_definition
class StringConstOp(IRDLOperation):
    """tfl.pseudo_string_const: a constant STRING tensor (e.g. an operand of a Flex string op), holding its buffer in
    LiteRT's STRING layout: int32 count, count + 1 int32 offsets from the buffer start, then the bytes. TF writes a
    string tf.Const as such a buffer (numpy-held DenseElementsAttr constants hold numbers only)."""

    name = "tfl.pseudo_string_const"

    value = prop_def(base(BytesAttr) | base(StringAttr))
    output = var_result_def()

    def __init__(
        self, buffer: bytes, result_type: Attribute, attributes: dict[str, Attribute] | None = None
    ) -> None:
        super().__init__(
            properties={"value": BytesAttr(buffer)}, result_types=[[result_type]], attributes=attributes or {}
        )

    def constant_bytes(self) -> bytes:
        """The tensor's buffer, as the exporter writes it."""
        v = self.value.data
        return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def encode_strings(values: Sequence[bytes]) -> bytes:
    """LiteRT STRING buffer of byte strings (row-major order)."""
    count = len(values)
    offsets = [4 * (count + 2)]
    for s in values:
        offsets.append(offsets[-1] + len(s))
    return b"".join(v.to_bytes(4, "little", signed=True) for v in (count, *offsets)) + b"".join(values)
