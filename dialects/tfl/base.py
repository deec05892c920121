"""Shared machinery of the `tfl` dialect: options fields, the op base class and op families."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from xdsl.dialects.builtin import (
    BoolAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    NoneType,
    StringAttr,
    f32,
    i32,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from dialects.elements import DenseElementsAttr

# ---------------------------------------------------------------------------------------------------------------
# Options fields: property kind <-> FlatBuffer field encoding.

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}
PADDINGS = {"SAME": 0, "VALID": 1}
MIRROR_PAD_MODES = {"REFLECT": 0, "SYMMETRIC": 1}
# Schema TensorType names, used by CAST/SHAPE/ARG_MAX options.
TENSOR_TYPES = {
    "FLOAT32": 0,
    "FLOAT16": 1,
    "INT32": 2,
    "UINT8": 3,
    "INT64": 4,
    "STRING": 5,
    "BOOL": 6,
    "INT16": 7,
    "INT8": 9,
    "FLOAT64": 10,
}


@dataclass(frozen=True)
class Field:
    """One options-table field: how the property is stored and how it is written."""

    kind: str  # "int" | "float" | "bool" | "enum" | "int_vec"
    default: Any = None
    enum: dict[str, int] | None = None

    def attr(self, value: Any) -> Attribute:
        if self.kind == "int":
            return IntegerAttr(int(value), i32)
        if self.kind == "float":
            return FloatAttr(float(value), f32)
        if self.kind == "bool":
            return BoolAttr.from_bool(bool(value))
        if self.kind == "enum":
            assert self.enum is not None and value in self.enum, f"{value!r} not in {list(self.enum)}"
            return StringAttr(value)
        return DenseArrayBase.from_list(i32, [int(v) for v in value])

    def value(self, attr: Attribute) -> Any:
        """The Python value to write into the FlatBuffer."""
        if self.kind == "int":
            return attr.value.data
        if self.kind == "float":
            return attr.value.data
        if self.kind == "bool":
            return bool(attr.value.data)
        if self.kind == "enum":
            return self.enum[attr.data]
        return list(attr.get_values())

    def constraint(self) -> type[Attribute]:
        return {
            "int": IntegerAttr,
            "float": FloatAttr,
            "bool": IntegerAttr,
            "enum": StringAttr,
            "int_vec": DenseArrayBase,
        }[self.kind]


def I32(default: int = 0) -> Field:
    return Field("int", default)


def F32(default: float = 0.0) -> Field:
    return Field("float", default)


def BOOL(default: bool = False) -> Field:
    return Field("bool", default)


def ENUM(enum: dict[str, int], default: str) -> Field:
    return Field("enum", default, enum)


def I32_VEC() -> Field:
    return Field("int_vec", ())


ACT = ENUM(ACTIVATIONS, "NONE")
PADDING = ENUM(PADDINGS, "SAME")


@dataclass(frozen=True)
class Options:
    """A BuiltinOptions table: its schema name and fields in schema order."""

    table: str
    fields: dict[str, Field]

    def __init__(self, table: str, **fields: Field) -> None:
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "fields", fields)


class TflOp(IRDLOperation):
    """Base of TFLite builtin ops."""

    BUILTIN: ClassVar[int] = -1
    OPTIONS: ClassVar[Options | None] = None
    traits = traits_def(Pure())

    def version(self) -> int:
        """OperatorCode.version for this op and its operand types (LiteRT registers each op's version range)."""
        return 1

    def options(self) -> dict[str, Any]:
        """Field name -> value to write, in schema order."""
        if self.OPTIONS is None:
            return {}
        return {name: f.value(self.properties[name]) for name, f in self.OPTIONS.fields.items()}

    @classmethod
    def build(cls, operands: list[SSAValue], result_types: list[Attribute], **options: Any) -> TflOp:
        """Create the op with options given as Python values (defaults for the rest)."""
        props: dict[str, Attribute] = {}
        if cls.OPTIONS is not None:
            unknown = set(options) - set(cls.OPTIONS.fields)
            assert not unknown, f"{cls.name}: unknown options {unknown}"
            for name, f in cls.OPTIONS.fields.items():
                props[name] = f.attr(options.get(name, f.default))
        op_def = cls.get_irdl_definition()
        operand_groups: list[Any] = []
        i = 0
        for _, odef in op_def.operands:
            if type(odef).__name__ == "VarOperandDef":
                operand_groups.append(list(operands[i:]))
                i = len(operands)
            else:
                operand_groups.append(operands[i])
                i += 1
        result_groups: list[Any] = []
        for _, rdef in op_def.results:
            if type(rdef).__name__ == "VarResultDef":
                result_groups.append(list(result_types))
            else:
                result_groups.append(result_types[len(result_groups)])
        return cls(operands=operand_groups, result_types=result_groups, properties=props)

    def activation(self) -> str:
        attr = self.properties.get("fused_activation_function")
        return attr.data if isinstance(attr, StringAttr) else "NONE"

    def verify_(self) -> None:
        """Enum options (activation, padding, types, ...) must name a member of their enum."""
        if self.OPTIONS is None:
            return
        for fname, f in self.OPTIONS.fields.items():
            attr = self.properties.get(fname)
            if f.kind == "enum" and isinstance(attr, StringAttr) and attr.data not in f.enum:
                raise VerifyException(
                    f"'{self.name}' {fname} = \"{attr.data}\" is not one of: {', '.join(f.enum)}"
                )


def tfl_op(cls: type[TflOp]) -> type[TflOp]:
    """irdl_op_definition that first turns the OPTIONS fields into properties."""
    for klass in cls.__mro__:
        if issubclass(klass, TflOp) and klass is not TflOp:
            # IRDL accepts upper-case class constants only when annotated ClassVar.
            notes = klass.__dict__.get("__annotations__", {})
            consts = {
                k: ClassVar[Any] for k in ("BUILTIN", "OPTIONS") if k in klass.__dict__ and k not in notes
            }
            if consts:
                klass.__annotations__ = {**notes, **consts}
    if cls.OPTIONS is not None:
        for fname, f in cls.OPTIONS.fields.items():
            setattr(cls, fname, prop_def(f.constraint(), default_value=f.attr(f.default)))
    return irdl_op_definition(cls)


# ---------------------------------------------------------------------------------------------------------------
# Op families.


class UnaryOp(TflOp):
    x = operand_def()
    y = result_def()


class BinaryOp(TflOp):
    lhs = operand_def()
    rhs = operand_def()
    output = result_def()


class ReduceOp(TflOp):
    input = operand_def()
    axes = operand_def()
    output = result_def()
    OPTIONS = Options("ReducerOptions", keep_dims=BOOL())


@irdl_op_definition
class NoValueOp(IRDLOperation):
    """tfl.no_value: an omitted optional operand (exported as tensor index -1)."""

    name = "tfl.no_value"
    none = result_def(NoneType)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[NoneType()])


@irdl_op_definition
class ConstOp(IRDLOperation):
    """tfl.pseudo_const: a constant tensor, exported as a buffer."""

    name = "tfl.pseudo_const"
    value = prop_def(DenseElementsAttr)
    output = result_def()
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "$value attr-dict `:` type($output)"

    def __init__(self, value: DenseElementsAttr) -> None:
        super().__init__(properties={"value": value}, result_types=[value.type])

    def verify_(self) -> None:
        from dialects.tf import verify_const_type

        verify_const_type(self, self.value, self.output.type)


def _dtype(value: SSAValue) -> str:
    """numpy dtype name of a tensor value's elements ("" if not a tensor)."""
    from dialects.elements import numpy_dtype

    try:
        return numpy_dtype(value.type.element_type).name
    except (AttributeError, ValueError):
        return ""


def _rank(value: SSAValue) -> int:
    shape = getattr(value.type, "shape", None)
    return len(shape) if shape is not None else 0
