"""The `tfl` dialect: LiteRT (TFLite) builtin ops, each declaring its own FlatBuffer serialization.

An op class states its builtin operator code (`BUILTIN`), its options table and fields (`OPTIONS`, which also
become the op's properties) and its version rule (`version()`), the way the `hasOptions` flags of TensorFlow's
`tfl_ops.td` drive its exporter. The exporter (compiler/export.py) is generic: adding an op never edits it.

Op reference: https://www.tensorflow.org/mlir/tfl_ops ; schema: tensorflow/compiler/mlir/lite/schema/schema.fbs
Omitted optional operands (e.g. a conv without bias) are the result of `tfl.no_value` and export as -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from tflite.BuiltinOperator import BuiltinOperator as B
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
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
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


# conv / matmul ------------------------------------------------------------------------------------------------


@tfl_op
class Conv2DOp(TflOp):
    """tfl.conv_2d: NHWC input, OHWI filter, bias [O]."""

    name = "tfl.conv_2d"
    BUILTIN = B.CONV_2D
    OPTIONS = Options(
        "Conv2DOptions",
        padding=PADDING,
        stride_w=I32(1),
        stride_h=I32(1),
        fused_activation_function=ACT,
        dilation_w_factor=I32(1),
        dilation_h_factor=I32(1),
    )
    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()

    def version(self) -> int:
        """6 for grouped convolutions (input channels a multiple > 1 of the filter's), as op_version.cc."""
        in_shape, f_shape = getattr(self.input.type, "shape", None), getattr(self.filter.type, "shape", None)
        if in_shape is not None and f_shape is not None and len(in_shape) == 4 and len(f_shape) == 4:
            c, i = in_shape.data[3].data, f_shape.data[3].data
            if i > 0 and c > i:
                return 6
        return 1


@tfl_op
class DepthwiseConv2DOp(TflOp):
    """tfl.depthwise_conv_2d: NHWC input, filter [1, H, W, C*M]."""

    name = "tfl.depthwise_conv_2d"
    BUILTIN = B.DEPTHWISE_CONV_2D
    OPTIONS = Options(
        "DepthwiseConv2DOptions",
        padding=PADDING,
        stride_w=I32(1),
        stride_h=I32(1),
        depth_multiplier=I32(1),
        fused_activation_function=ACT,
        dilation_w_factor=I32(1),
        dilation_h_factor=I32(1),
    )
    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()

    def version(self) -> int:
        dilated = self.dilation_w_factor.value.data != 1 or self.dilation_h_factor.value.data != 1
        return 2 if dilated else 1


@tfl_op
class TransposeConvOp(TflOp):
    """tfl.transpose_conv: output_shape, OHWI weights, input, optional bias."""

    name = "tfl.transpose_conv"
    BUILTIN = B.TRANSPOSE_CONV
    OPTIONS = Options(
        "TransposeConvOptions",
        padding=PADDING,
        stride_w=I32(1),
        stride_h=I32(1),
        fused_activation_function=ACT,
    )
    output_shape = operand_def()
    weights = operand_def()
    input = operand_def()
    bias = operand_def()
    output = result_def()

    def version(self) -> int:
        return 4 if self.activation() != "NONE" else 1


@tfl_op
class FullyConnectedOp(TflOp):
    """tfl.fully_connected: y = x W^T + b, W [out, in]."""

    name = "tfl.fully_connected"
    BUILTIN = B.FULLY_CONNECTED
    OPTIONS = Options(
        "FullyConnectedOptions",
        fused_activation_function=ACT,
        weights_format=I32(0),
        keep_num_dims=BOOL(),
        asymmetric_quantize_inputs=BOOL(),
    )
    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()

    def version(self) -> int:
        return 5 if self.keep_num_dims.value.data else 1


@tfl_op
class BatchMatMulOp(TflOp):
    """tfl.batch_matmul with optional adjoints and broadcast batch dims."""

    name = "tfl.batch_matmul"
    BUILTIN = B.BATCH_MATMUL
    OPTIONS = Options("BatchMatMulOptions", adj_x=BOOL(), adj_y=BOOL(), asymmetric_quantize_inputs=BOOL())
    x = operand_def()
    y = operand_def()
    output = result_def()


# pooling ------------------------------------------------------------------------------------------------------


class Pool2DOp(TflOp):
    input = operand_def()
    output = result_def()
    OPTIONS = Options(
        "Pool2DOptions",
        padding=PADDING,
        stride_w=I32(1),
        stride_h=I32(1),
        filter_width=I32(1),
        filter_height=I32(1),
        fused_activation_function=ACT,
    )


@tfl_op
class AveragePool2DOp(Pool2DOp):
    name = "tfl.average_pool_2d"
    BUILTIN = B.AVERAGE_POOL_2D


@tfl_op
class MaxPool2DOp(Pool2DOp):
    name = "tfl.max_pool_2d"
    BUILTIN = B.MAX_POOL_2D


# elementwise binary -------------------------------------------------------------------------------------------


class ActBinaryOp(BinaryOp):
    """Binary op with a fused activation."""


@tfl_op
class AddOp(ActBinaryOp):
    name = "tfl.add"
    BUILTIN = B.ADD
    OPTIONS = Options("AddOptions", fused_activation_function=ACT)

    def version(self) -> int:
        return 4 if _dtype(self.lhs) == "int64" else 1


@tfl_op
class SubOp(ActBinaryOp):
    name = "tfl.sub"
    BUILTIN = B.SUB
    OPTIONS = Options("SubOptions", fused_activation_function=ACT)

    def version(self) -> int:
        return _broadcast_5d_version(self)


@tfl_op
class MulOp(ActBinaryOp):
    name = "tfl.mul"
    BUILTIN = B.MUL
    OPTIONS = Options("MulOptions", fused_activation_function=ACT)


@tfl_op
class DivOp(ActBinaryOp):
    name = "tfl.div"
    BUILTIN = B.DIV
    OPTIONS = Options("DivOptions", fused_activation_function=ACT)


def _plain_binary(op_name: str, builtin: int, table: str | None = None, version: Any = None) -> type[TflOp]:
    body = {
        "name": f"tfl.{op_name}",
        "BUILTIN": builtin,
        "OPTIONS": Options(table) if table else None,
        "__module__": __name__,
        "__doc__": f"tfl.{op_name}",
        "__annotations__": {"BUILTIN": ClassVar[int], "OPTIONS": ClassVar[Options | None]},
    }
    if version is not None:
        body["version"] = version
    return tfl_op(type(f"{op_name.title().replace('_', '')}Op", (BinaryOp,), body))


def _broadcast_5d_version(op: BinaryOp) -> int:
    """SUB/MAXIMUM/MINIMUM: version 3 when broadcasting above rank 4 (as TensorFlow's converter writes)."""
    return 3 if max(_rank(op.lhs), _rank(op.rhs)) > 4 and op.lhs.type != op.rhs.type else 1


MaximumOp = _plain_binary("maximum", B.MAXIMUM, "MaximumMinimumOptions", _broadcast_5d_version)
MinimumOp = _plain_binary("minimum", B.MINIMUM, "MaximumMinimumOptions", _broadcast_5d_version)
SquaredDifferenceOp = _plain_binary("squared_difference", B.SQUARED_DIFFERENCE, "SquaredDifferenceOptions")
PowOp = _plain_binary("pow", B.POW, "PowOptions")
FloorDivOp = _plain_binary(
    "floor_div", B.FLOOR_DIV, "FloorDivOptions", lambda op: 2 if _dtype(op.lhs) == "float32" else 1
)
FloorModOp = _plain_binary("floor_mod", B.FLOOR_MOD, "FloorModOptions")
GreaterOp = _plain_binary("greater", B.GREATER, "GreaterOptions")
GreaterEqualOp = _plain_binary("greater_equal", B.GREATER_EQUAL, "GreaterEqualOptions")
LessOp = _plain_binary("less", B.LESS, "LessOptions")
LessEqualOp = _plain_binary("less_equal", B.LESS_EQUAL, "LessEqualOptions")
EqualOp = _plain_binary("equal", B.EQUAL, "EqualOptions")
NotEqualOp = _plain_binary("not_equal", B.NOT_EQUAL, "NotEqualOptions")
LogicalAndOp = _plain_binary("logical_and", B.LOGICAL_AND, "LogicalAndOptions")
LogicalOrOp = _plain_binary("logical_or", B.LOGICAL_OR, "LogicalOrOptions")
PReluOp = _plain_binary("prelu", B.PRELU)
Atan2Op = _plain_binary("atan2", B.ATAN2)


@tfl_op
class SelectV2Op(TflOp):
    name = "tfl.select_v2"
    BUILTIN = B.SELECT_V2
    OPTIONS = Options("SelectV2Options")
    condition = operand_def()
    x = operand_def()
    y = operand_def()
    output = result_def()


# elementwise unary / activations -------------------------------------------------------------------------------


def _plain_unary(op_name: str, builtin: int, table: str | None = None, version: Any = None) -> type[TflOp]:
    body = {
        "name": f"tfl.{op_name}",
        "BUILTIN": builtin,
        "OPTIONS": Options(table) if table else None,
        "__module__": __name__,
        "__doc__": f"tfl.{op_name}",
        "__annotations__": {"BUILTIN": ClassVar[int], "OPTIONS": ClassVar[Options | None]},
    }
    if version is not None:
        body["version"] = version
    return tfl_op(type(f"{op_name.title().replace('_', '')}Op", (UnaryOp,), body))


ReluOp = _plain_unary("relu", B.RELU)
Relu6Op = _plain_unary("relu6", B.RELU6)
Relu1Op = _plain_unary("relu_n1_to_1", B.RELU_N1_TO_1)
EluOp = _plain_unary("elu", B.ELU)
LogisticOp = _plain_unary("logistic", B.LOGISTIC)
TanhOp = _plain_unary("tanh", B.TANH)
HardSwishOp = _plain_unary("hard_swish", B.HARD_SWISH, "HardSwishOptions")
RsqrtOp = _plain_unary("rsqrt", B.RSQRT)
SqrtOp = _plain_unary("sqrt", B.SQRT)
SquareOp = _plain_unary("square", B.SQUARE, "SquareOptions")
ExpOp = _plain_unary("exp", B.EXP, "ExpOptions")
LogOp = _plain_unary("log", B.LOG)
NegOp = _plain_unary("neg", B.NEG, "NegOptions")
AbsOp = _plain_unary("abs", B.ABS, "AbsOptions", lambda op: 5 if _dtype(op.x) == "int32" else 1)
SinOp = _plain_unary("sin", B.SIN)
CosOp = _plain_unary("cos", B.COS, "CosOptions")
SignOp = _plain_unary("sign", B.SIGN, "SignOptions", lambda op: 2 if _dtype(op.x) == "int32" else 1)
FloorOp = _plain_unary("floor", B.FLOOR)
CeilOp = _plain_unary("ceil", B.CEIL)
RoundOp = _plain_unary("round", B.ROUND)
LogicalNotOp = _plain_unary("logical_not", B.LOGICAL_NOT, "LogicalNotOptions")
ZerosLikeOp = _plain_unary("zeros_like", B.ZEROS_LIKE, "ZerosLikeOptions")
DequantizeOp = _plain_unary("dequantize", B.DEQUANTIZE)
QuantizeOp = _plain_unary("quantize", B.QUANTIZE)


BitcastOp = _plain_unary("bitcast", B.BITCAST, "BitcastOptions")


@tfl_op
class LeakyReluOp(UnaryOp):
    name = "tfl.leaky_relu"
    BUILTIN = B.LEAKY_RELU
    OPTIONS = Options("LeakyReluOptions", alpha=F32(0.2))


@tfl_op
class GeluOp(UnaryOp):
    name = "tfl.gelu"
    BUILTIN = B.GELU
    OPTIONS = Options("GeluOptions", approximate=BOOL())


@tfl_op
class SoftmaxOp(UnaryOp):
    name = "tfl.softmax"
    BUILTIN = B.SOFTMAX
    OPTIONS = Options("SoftmaxOptions", beta=F32(1.0))


@tfl_op
class LogSoftmaxOp(UnaryOp):
    name = "tfl.log_softmax"
    BUILTIN = B.LOG_SOFTMAX
    OPTIONS = Options("LogSoftmaxOptions")


@tfl_op
class L2NormalizationOp(UnaryOp):
    name = "tfl.l2_normalization"
    BUILTIN = B.L2_NORMALIZATION
    OPTIONS = Options("L2NormOptions", fused_activation_function=ACT)


@tfl_op
class CastOp(UnaryOp):
    name = "tfl.cast"
    BUILTIN = B.CAST
    OPTIONS = Options(
        "CastOptions", in_data_type=ENUM(TENSOR_TYPES, "FLOAT32"), out_data_type=ENUM(TENSOR_TYPES, "FLOAT32")
    )


# reductions ---------------------------------------------------------------------------------------------------


@tfl_op
class MeanOp(ReduceOp):
    name = "tfl.mean"
    BUILTIN = B.MEAN


@tfl_op
class SumOp(ReduceOp):
    name = "tfl.sum"
    BUILTIN = B.SUM


@tfl_op
class ReduceMaxOp(ReduceOp):
    name = "tfl.reduce_max"
    BUILTIN = B.REDUCE_MAX


@tfl_op
class ReduceMinOp(ReduceOp):
    name = "tfl.reduce_min"
    BUILTIN = B.REDUCE_MIN


@tfl_op
class ReduceProdOp(ReduceOp):
    name = "tfl.reduce_prod"
    BUILTIN = B.REDUCE_PROD


@tfl_op
class ReduceAnyOp(ReduceOp):
    name = "tfl.reduce_any"
    BUILTIN = B.REDUCE_ANY


@tfl_op
class ReduceAllOp(ReduceOp):
    name = "tfl.reduce_all"
    BUILTIN = B.REDUCE_ALL


@tfl_op
class CumsumOp(TflOp):
    name = "tfl.cumsum"
    BUILTIN = B.CUMSUM
    OPTIONS = Options("CumsumOptions", exclusive=BOOL(), reverse=BOOL())
    input = operand_def()
    axis = operand_def()
    output = result_def()


@tfl_op
class ArgMaxOp(TflOp):
    name = "tfl.arg_max"
    BUILTIN = B.ARG_MAX
    OPTIONS = Options("ArgMaxOptions", output_type=ENUM(TENSOR_TYPES, "INT64"))
    input = operand_def()
    dim = operand_def()
    output = result_def()


@tfl_op
class ArgMinOp(TflOp):
    name = "tfl.arg_min"
    BUILTIN = B.ARG_MIN
    OPTIONS = Options("ArgMinOptions", output_type=ENUM(TENSOR_TYPES, "INT64"))
    input = operand_def()
    dim = operand_def()
    output = result_def()


# shape and data movement ---------------------------------------------------------------------------------------


@tfl_op
class ReshapeOp(TflOp):
    """tfl.reshape: the new shape as a constant int32 operand."""

    name = "tfl.reshape"
    BUILTIN = B.RESHAPE
    input = operand_def()
    shape = operand_def()
    output = result_def()


@tfl_op
class SqueezeOp(TflOp):
    name = "tfl.squeeze"
    BUILTIN = B.SQUEEZE
    OPTIONS = Options("SqueezeOptions", squeeze_dims=I32_VEC())
    input = operand_def()
    output = result_def()


@tfl_op
class ExpandDimsOp(TflOp):
    name = "tfl.expand_dims"
    BUILTIN = B.EXPAND_DIMS
    OPTIONS = Options("ExpandDimsOptions")
    input = operand_def()
    dim = operand_def()
    output = result_def()


@tfl_op
class TransposeOp(TflOp):
    name = "tfl.transpose"
    BUILTIN = B.TRANSPOSE
    OPTIONS = Options("TransposeOptions")
    input = operand_def()
    perm = operand_def()
    output = result_def()

    def version(self) -> int:
        return 5 if _rank(self.input) > 4 else 1


@tfl_op
class ConcatenationOp(TflOp):
    name = "tfl.concatenation"
    BUILTIN = B.CONCATENATION
    OPTIONS = Options("ConcatenationOptions", axis=I32(0), fused_activation_function=ACT)
    values = var_operand_def()
    output = result_def()


@tfl_op
class PackOp(TflOp):
    name = "tfl.pack"
    BUILTIN = B.PACK
    OPTIONS = Options("PackOptions", values_count=I32(0), axis=I32(0))
    values = var_operand_def()
    output = result_def()


@tfl_op
class UnpackOp(TflOp):
    name = "tfl.unpack"
    BUILTIN = B.UNPACK
    OPTIONS = Options("UnpackOptions", num=I32(0), axis=I32(0))
    input = operand_def()
    outputs = var_result_def()


@tfl_op
class SplitOp(TflOp):
    name = "tfl.split"
    BUILTIN = B.SPLIT
    OPTIONS = Options("SplitOptions", num_splits=I32(1))
    split_dim = operand_def()
    input = operand_def()
    outputs = var_result_def()


@tfl_op
class SplitVOp(TflOp):
    name = "tfl.split_v"
    BUILTIN = B.SPLIT_V
    OPTIONS = Options("SplitVOptions", num_splits=I32(1))
    input = operand_def()
    size_splits = operand_def()
    split_dim = operand_def()
    outputs = var_result_def()


@tfl_op
class SliceOp(TflOp):
    name = "tfl.slice"
    BUILTIN = B.SLICE
    OPTIONS = Options("SliceOptions")
    input = operand_def()
    begin = operand_def()
    size = operand_def()
    output = result_def()


@tfl_op
class StridedSliceOp(TflOp):
    name = "tfl.strided_slice"
    BUILTIN = B.STRIDED_SLICE
    OPTIONS = Options(
        "StridedSliceOptions",
        begin_mask=I32(0),
        end_mask=I32(0),
        ellipsis_mask=I32(0),
        new_axis_mask=I32(0),
        shrink_axis_mask=I32(0),
        offset=BOOL(),
    )
    input = operand_def()
    begin = operand_def()
    end = operand_def()
    strides = operand_def()
    output = result_def()

    def version(self) -> int:
        return 5 if _rank(self.input) > 4 else 1


@tfl_op
class PadOp(TflOp):
    name = "tfl.pad"
    BUILTIN = B.PAD
    OPTIONS = Options("PadOptions")
    input = operand_def()
    padding = operand_def()
    output = result_def()

    def version(self) -> int:
        return 4 if _rank(self.input) > 4 else 1


@tfl_op
class PadV2Op(TflOp):
    name = "tfl.padv2"
    BUILTIN = B.PADV2
    OPTIONS = Options("PadV2Options")
    input = operand_def()
    padding = operand_def()
    constant_values = operand_def()
    output = result_def()


@tfl_op
class MirrorPadOp(TflOp):
    name = "tfl.mirror_pad"
    BUILTIN = B.MIRROR_PAD
    OPTIONS = Options("MirrorPadOptions", mode=ENUM(MIRROR_PAD_MODES, "REFLECT"))
    input = operand_def()
    pad = operand_def()
    output = result_def()


@tfl_op
class GatherOp(TflOp):
    name = "tfl.gather"
    BUILTIN = B.GATHER
    OPTIONS = Options("GatherOptions", axis=I32(0), batch_dims=I32(0))
    params = operand_def()
    indices = operand_def()
    output = result_def()

    def version(self) -> int:
        return 5 if self.batch_dims.value.data != 0 else 1


@tfl_op
class TileOp(TflOp):
    name = "tfl.tile"
    BUILTIN = B.TILE
    OPTIONS = Options("TileOptions")
    input = operand_def()
    multiples = operand_def()
    output = result_def()


@tfl_op
class BroadcastToOp(TflOp):
    name = "tfl.broadcast_to"
    BUILTIN = B.BROADCAST_TO
    OPTIONS = Options("BroadcastToOptions")
    input = operand_def()
    shape = operand_def()
    output = result_def()

    def version(self) -> int:
        return 2


@tfl_op
class FillOp(TflOp):
    name = "tfl.fill"
    BUILTIN = B.FILL
    OPTIONS = Options("FillOptions")
    dims = operand_def()
    value = operand_def()
    output = result_def()


@tfl_op
class RangeOp(TflOp):
    name = "tfl.range"
    BUILTIN = B.RANGE
    OPTIONS = Options("RangeOptions")
    start = operand_def()
    limit = operand_def()
    delta = operand_def()
    output = result_def()


@tfl_op
class ShapeOp(TflOp):
    name = "tfl.shape"
    BUILTIN = B.SHAPE
    OPTIONS = Options("ShapeOptions", out_type=ENUM(TENSOR_TYPES, "INT32"))
    input = operand_def()
    output = result_def()


@tfl_op
class ResizeBilinearOp(TflOp):
    name = "tfl.resize_bilinear"
    BUILTIN = B.RESIZE_BILINEAR
    OPTIONS = Options("ResizeBilinearOptions", align_corners=BOOL(), half_pixel_centers=BOOL())
    input = operand_def()
    size = operand_def()
    output = result_def()

    def version(self) -> int:
        return 3 if self.half_pixel_centers.value.data else 1


@tfl_op
class ResizeNearestNeighborOp(TflOp):
    name = "tfl.resize_nearest_neighbor"
    BUILTIN = B.RESIZE_NEAREST_NEIGHBOR
    OPTIONS = Options("ResizeNearestNeighborOptions", align_corners=BOOL(), half_pixel_centers=BOOL())
    input = operand_def()
    size = operand_def()
    output = result_def()

    def version(self) -> int:
        return 3 if self.half_pixel_centers.value.data else 1


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


TFL_OPS: list[type[IRDLOperation]] = [
    NoValueOp,
    ConstOp,
    Conv2DOp,
    DepthwiseConv2DOp,
    TransposeConvOp,
    FullyConnectedOp,
    BatchMatMulOp,
    AveragePool2DOp,
    MaxPool2DOp,
    AddOp,
    SubOp,
    MulOp,
    DivOp,
    MaximumOp,
    MinimumOp,
    SquaredDifferenceOp,
    PowOp,
    FloorDivOp,
    FloorModOp,
    GreaterOp,
    GreaterEqualOp,
    LessOp,
    LessEqualOp,
    EqualOp,
    NotEqualOp,
    LogicalAndOp,
    LogicalOrOp,
    PReluOp,
    SelectV2Op,
    ReluOp,
    Relu6Op,
    Relu1Op,
    EluOp,
    LogisticOp,
    TanhOp,
    HardSwishOp,
    RsqrtOp,
    SqrtOp,
    SquareOp,
    ExpOp,
    LogOp,
    NegOp,
    AbsOp,
    SinOp,
    CosOp,
    FloorOp,
    CeilOp,
    RoundOp,
    LogicalNotOp,
    ZerosLikeOp,
    DequantizeOp,
    QuantizeOp,
    LeakyReluOp,
    GeluOp,
    SoftmaxOp,
    LogSoftmaxOp,
    L2NormalizationOp,
    CastOp,
    BitcastOp,
    SignOp,
    Atan2Op,
    MeanOp,
    SumOp,
    ReduceMaxOp,
    ReduceMinOp,
    ReduceProdOp,
    ReduceAnyOp,
    ReduceAllOp,
    CumsumOp,
    ArgMaxOp,
    ArgMinOp,
    ReshapeOp,
    SqueezeOp,
    ExpandDimsOp,
    TransposeOp,
    ConcatenationOp,
    PackOp,
    UnpackOp,
    SplitOp,
    SplitVOp,
    SliceOp,
    StridedSliceOp,
    PadOp,
    PadV2Op,
    MirrorPadOp,
    GatherOp,
    TileOp,
    BroadcastToOp,
    FillOp,
    RangeOp,
    ShapeOp,
    ResizeBilinearOp,
    ResizeNearestNeighborOp,
]

TFL = Dialect("tfl", TFL_OPS, [])
