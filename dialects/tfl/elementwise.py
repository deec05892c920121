"""TFLite ops: elementwise binary and unary ops, activations."""

from __future__ import annotations

from typing import Any, ClassVar

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tfl.base import (
    ACT,
    BOOL,
    ENUM,
    F32,
    TENSOR_TYPES,
    BinaryOp,
    Options,
    TflOp,
    UnaryOp,
    _dtype,
    _rank,
    tfl_op,
)

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


def _plain_op(base: type[TflOp], op_name: str, builtin: int, table: str | None, version: Any) -> type[TflOp]:
    """A leaf op of `base` that only adds its name, builtin code, options table and (optionally) version rule."""
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
    return tfl_op(type(f"{op_name.title().replace('_', '')}Op", (base,), body))


def _plain_binary(op_name: str, builtin: int, table: str | None = None, version: Any = None) -> type[TflOp]:
    return _plain_op(BinaryOp, op_name, builtin, table, version)


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
    return _plain_op(UnaryOp, op_name, builtin, table, version)


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
