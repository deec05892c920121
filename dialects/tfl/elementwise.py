"""TFLite ops: elementwise binary and unary ops, activations."""

from __future__ import annotations

from typing import Any

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.quant import quantized_element
from dialects.tensor_types import element_kind
from dialects.tfl.base import (
    ACT,
    BOOL,
    BOOLEAN,
    ENUM,
    F32,
    FLOAT,
    QUANT,
    QUANT8,
    TENSOR_TYPES,
    BinaryOp,
    Options,
    TensorOf,
    TflOp,
    UnaryOp,
    _dtype,
    _rank,
    int8_int16_version,
    leaf_op,
    same,
    tfl_op,
)

# elementwise binary -------------------------------------------------------------------------------------------


def _binary_types(*kinds: str) -> dict[str, TensorOf]:
    """lhs, rhs and output of one element kind out of `kinds`."""
    return same(*kinds, fields=("lhs", "rhs", "output"))


def _comparison_types(*kinds: str) -> dict[str, TensorOf]:
    """lhs and rhs of one element kind out of `kinds`, a bool output."""
    return {**same(*kinds, fields=("lhs", "rhs")), "output": TensorOf(*BOOLEAN)}


class ActBinaryOp(BinaryOp):
    """Binary op with a fused activation; its broadcasting kernels apply one up to rank 4 (as TF's optimizer)."""

    MAX_BROADCAST_RANK = 6
    MAX_FUSED_ACTIVATION_RANK = 4


def _plain_op(
    base: type[TflOp], op_name: str, builtin: int, table: str | Options | None, **consts: Any
) -> type[TflOp]:
    return leaf_op(base, op_name, builtin, table, __name__, **consts)


def _plain_binary(op_name: str, builtin: int, table: str | None = None, **consts: Any) -> type[TflOp]:
    return _plain_op(BinaryOp, op_name, builtin, table, **consts)


def _broadcast_5d_version(op: BinaryOp) -> int:
    """SUB/MAXIMUM/MINIMUM: version 3 when broadcasting above rank 4 (as TensorFlow's converter writes)."""
    return 3 if max(_rank(op.lhs), _rank(op.rhs)) > 4 and op.lhs.type != op.rhs.type else 1


def _sub_version(op: BinaryOp) -> int:
    """SUB: int64 is version 4, then the 5-D broadcast rule, then int8 version 2 (tools/versioning/op_version.cc
    order)."""
    if _dtype(op.lhs) == "int64":
        return 4
    version = _broadcast_5d_version(op)
    return 2 if version == 1 and element_kind(op.lhs.type) in ("qi8", "qi16") else version


def _arithmetic(op_name: str, table: str, builtin: int, kinds: tuple[str, ...], **consts: Any) -> type[TflOp]:
    """ADD/SUB/MUL/DIV: operands and result of one kind out of `kinds`, a fused activation."""
    options = Options(table, fused_activation_function=ACT)
    return _plain_op(ActBinaryOp, op_name, builtin, options, TYPES=_binary_types(*kinds), **consts)


def _add_version(op: BinaryOp) -> int:
    """ADD: int64 is version 4, int8 version 2 (op_version.cc), 16x8 version 2 (as TF's 16x8 quantizer writes)."""
    if _dtype(op.lhs) == "int64":
        return 4
    return 2 if element_kind(op.lhs.type) in ("qi8", "qi16") else 1


def _mul_version(op: BinaryOp) -> int:
    """MUL: int64 is version 5; int8 version 2, or 3 when s_lhs * s_rhs / s_out >= 1 (op_version.cc)."""
    if _dtype(op.lhs) == "int64":
        return 5
    if element_kind(op.lhs.type) == "qi16":
        return 2  # as TF's 16x8 quantizer writes it
    if element_kind(op.lhs.type) != "qi8":
        return 1
    a, b, out = (quantized_element(v.type) for v in (op.lhs, op.rhs, op.output))
    if a is not None and b is not None and out is not None and a.scale * b.scale / out.scale >= 1.0:
        return 3
    return 2


AddOp = _arithmetic(
    "add", "AddOptions", B.ADD, ("f32", "i16", "i32", "i64", *QUANT),
    VERSIONS={1: "1.5.0", 2: "1.14.0", 4: "2.6.0"}, version=_add_version,
)  # fmt: skip
SubOp = _arithmetic(
    "sub", "SubOptions", B.SUB, ("f32", "i16", "i32", "i64", *QUANT),
    VERSIONS={1: "1.6.0", 2: "1.14.0", 3: "2.3.0", 4: "2.4.0"}, version=_sub_version,
)  # fmt: skip
MulOp = _arithmetic(
    "mul",
    "MulOptions",
    B.MUL,
    ("f32", "i16", "i32", "ui32", "i64", "complex64", *QUANT),
    VERSIONS={1: "1.5.0", 2: "1.14.0", 3: "1.15.0", 5: "2.6.0"},
    version=_mul_version,
)
# LiteRT's BroadcastDivSlow is 5-D (tfl_ops.td agrees).
DivOp = _arithmetic(
    "div", "DivOptions", B.DIV, ("f32", "i32", "qui8"), VERSIONS={1: "1.6.0"}, MAX_BROADCAST_RANK=5
)


# Element kinds of MAXIMUM/MINIMUM: plain 8/16-bit integers compare like their quantized twins.
_MIN_MAX = ("f32", "i8", "ui8", "i16", "i32", "i64", *QUANT)
_V5_3 = {1: "1.14.0", 3: "2.3.0"}

MaximumOp = _plain_binary(
    "maximum", B.MAXIMUM, "MaximumMinimumOptions", version=_broadcast_5d_version,
    TYPES=_binary_types(*_MIN_MAX), MAX_BROADCAST_RANK=5, VERSIONS=_V5_3,
)  # fmt: skip
MinimumOp = _plain_binary(
    "minimum", B.MINIMUM, "MaximumMinimumOptions", version=_broadcast_5d_version,
    TYPES=_binary_types(*_MIN_MAX), MAX_BROADCAST_RANK=5, VERSIONS=_V5_3,
)  # fmt: skip
SquaredDifferenceOp = _plain_binary(
    "squared_difference", B.SQUARED_DIFFERENCE, "SquaredDifferenceOptions",
    TYPES=_binary_types("f32", "i32", "qi8"), MAX_BROADCAST_RANK=4, VERSIONS={1: "1.13.1", 2: "2.5.0"},
    version=lambda op: 2 if element_kind(op.lhs.type) == "qi8" else 1,
)  # fmt: skip
PowOp = _plain_binary(
    "pow",
    B.POW,
    "PowOptions",
    TYPES=_binary_types("f32", "i32"),
    MAX_BROADCAST_RANK=4,
    VERSIONS={1: "1.10.0"},
)
FloorDivOp = _plain_binary(
    "floor_div", B.FLOOR_DIV, "FloorDivOptions", version=lambda op: 2 if _dtype(op.lhs) == "float32" else 1,
    TYPES=_binary_types("f32", "i8", "i16", "i32"), MAX_BROADCAST_RANK=4, VERSIONS={1: "1.14.0", 2: "1.14.0"},
)  # fmt: skip
FloorModOp = _plain_binary(
    "floor_mod", B.FLOOR_MOD, "FloorModOptions",
    TYPES=_binary_types("f32", "i8", "i16", "i32", "i64"), MAX_BROADCAST_RANK=4, VERSIONS={1: "1.13.0"},
)  # fmt: skip


def _comparison(op_name: str, builtin: int, table: str, *kinds: str) -> type[TflOp]:
    """A comparison: operands of one kind broadcast up to rank 4, a bool result."""
    return _plain_binary(
        op_name, builtin, table, TYPES=_comparison_types(*kinds), MAX_BROADCAST_RANK=4, VERSIONS={1: "1.14.0"}
    )


GreaterOp = _comparison("greater", B.GREATER, "GreaterOptions", "f32", "i32", "i64", *QUANT8)
GreaterEqualOp = _comparison(
    "greater_equal", B.GREATER_EQUAL, "GreaterEqualOptions", "f32", "i16", "i32", "i64", *QUANT8
)
LessOp = _comparison("less", B.LESS, "LessOptions", "f32", "i16", "i32", "i64", *QUANT8)
LessEqualOp = _comparison("less_equal", B.LESS_EQUAL, "LessEqualOptions", "f32", "i32", "i64", *QUANT8)
EqualOp = _comparison(
    "equal", B.EQUAL, "EqualOptions", "i1", "f32", "i16", "i32", "i64", "ui8", "string", *QUANT8
)
NotEqualOp = _comparison(
    "not_equal", B.NOT_EQUAL, "NotEqualOptions", "i1", "f32", "i32", "i64", "string", *QUANT8
)
LogicalAndOp = _plain_binary(
    "logical_and", B.LOGICAL_AND, "LogicalAndOptions",
    TYPES=_binary_types(*BOOLEAN), MAX_BROADCAST_RANK=6, VERSIONS={1: "1.11.0"},
)  # fmt: skip
LogicalOrOp = _plain_binary(
    "logical_or", B.LOGICAL_OR, "LogicalOrOptions",
    TYPES=_binary_types(*BOOLEAN), MAX_BROADCAST_RANK=6, VERSIONS={1: "1.11.0"},
)  # fmt: skip
PReluOp = _plain_binary(
    "prelu", B.PRELU, TYPES=_binary_types("f32", *QUANT8), MAX_BROADCAST_RANK=4, VERSIONS={1: "1.8.0"}
)
# ATAN2 needs both operands of the output's shape (MAX_BROADCAST_RANK 0).
Atan2Op = _plain_binary(
    "atan2", B.ATAN2, TYPES=_binary_types("f32", "f64"), MAX_BROADCAST_RANK=0, VERSIONS={1: "2.10.0"}
)

_SELECTABLE = ("f32", "i1", "i8", "ui8", "i16", "i32", "i64", "ui32", *QUANT)


@tfl_op
class SelectV2Op(TflOp):
    name = "tfl.select_v2"
    BUILTIN = B.SELECT_V2
    OPTIONS = Options("SelectV2Options")
    TYPES = {"condition": TensorOf(*BOOLEAN), **same(*_SELECTABLE, fields=("x", "y", "output"))}
    BROADCAST = ("condition", "x", "y")
    MAX_BROADCAST_RANK = 5
    VERSIONS = {1: "2.2.0"}
    condition = operand_def()
    x = operand_def()
    y = operand_def()
    output = result_def()


# elementwise unary / activations -------------------------------------------------------------------------------


def _unary_types(*kinds: str) -> dict[str, TensorOf]:
    """x and y of one element kind out of `kinds`."""
    return same(*kinds, fields=("x", "y"))


def _plain_unary(
    op_name: str,
    builtin: int,
    table: str | Options | None,
    kinds: tuple[str, ...],
    runtime: str,
    **consts: Any,
) -> type[TflOp]:
    """A unary op taking and returning one element kind out of `kinds`; version 1 runs from LiteRT `runtime`."""
    consts.setdefault("VERSIONS", {1: runtime})
    return _plain_op(UnaryOp, op_name, builtin, table, TYPES=_unary_types(*kinds), **consts)


# op_version.cc: int16 3, int8 / uint8 2 (RELU); int16 3, int8 2 (RELU6; RSQRT's int8 only so far).
ReluOp = _plain_unary(
    "relu", B.RELU, None, ("f32", *QUANT), "1.5.0", VERSIONS={1: "1.5.0", 2: "2.1.0", 3: "2.5.0"},
    version=lambda op: 2 if element_kind(op.x.type) in ("qi8", "qui8") else int8_int16_version(op.x),
)  # fmt: skip
Relu6Op = _plain_unary(
    "relu6", B.RELU6, None, ("f32", *QUANT8), "1.5.0", VERSIONS={1: "1.5.0", 2: "1.14.0", 3: "2.5.0"},
    version=lambda op: int8_int16_version(op.x),
)  # fmt: skip
Relu1Op = _plain_unary("relu_n1_to_1", B.RELU_N1_TO_1, None, ("f32", *QUANT8), "1.5.0")
EluOp = _plain_unary("elu", B.ELU, None, ("f32", "qi8"), "1.14.0")
# op_version.cc: int8 is version 2, int16 version 3 (LOGISTIC, TANH, SOFTMAX).
_Q_VERSIONS: dict[str, Any] = {
    "version": lambda op: int8_int16_version(op.x),
    "VERSIONS": {1: "1.14.0", 2: "1.14.0", 3: "2.3.0"},
}
LogisticOp = _plain_unary("logistic", B.LOGISTIC, None, ("f32", *QUANT), "1.14.0", **_Q_VERSIONS)
TanhOp = _plain_unary("tanh", B.TANH, None, ("f32", *QUANT), "1.14.0", **_Q_VERSIONS)
HardSwishOp = _plain_unary("hard_swish", B.HARD_SWISH, "HardSwishOptions", ("f32", *QUANT8), "1.15.0")
RsqrtOp = _plain_unary(
    "rsqrt", B.RSQRT, None, ("f32", "qi8", "qi16"), "1.10.0", VERSIONS={1: "1.10.0", 2: "2.5.0"},
    # int8 2; 16x8 2 as TF's 16x8 quantizer writes it (op_version.cc's int16 3 has no runtime version here yet)
    version=lambda op: 2 if element_kind(op.x.type) in ("qi8", "qi16") else 1,
)  # fmt: skip
SqrtOp = _plain_unary("sqrt", B.SQRT, None, FLOAT, "1.10.0")
SquareOp = _plain_unary("square", B.SQUARE, "SquareOptions", FLOAT, "1.12.0")
ExpOp = _plain_unary("exp", B.EXP, "ExpOptions", ("f32", "qi8", "qi16"), "1.7.0")
LogOp = _plain_unary("log", B.LOG, None, ("f32", "qi8"), "1.14.0")
NegOp = _plain_unary("neg", B.NEG, "NegOptions", ("f32", "i32", "i64"), "1.9.0")
# Plain int8 ABS runs LiteRT's quantized kernel with equal (zero) scales, i.e. a plain |x|.
AbsOp = _plain_unary(
    "abs", B.ABS, "AbsOptions", ("f32", "i8", "i16", "i32", "qi8", "qi16"), "1.13.0",
    version=lambda op: 5 if _dtype(op.x) == "int32" else 1, VERSIONS={1: "1.13.0", 5: "2.12.0"},
)  # fmt: skip
SinOp = _plain_unary("sin", B.SIN, None, FLOAT, "1.9.0")
CosOp = _plain_unary("cos", B.COS, "CosOptions", FLOAT, "1.14.0")
SignOp = _plain_unary(
    "sign", B.SIGN, "SignOptions", ("f32", "f64", "i32"), "2.11.0",
    version=lambda op: 2 if _dtype(op.x) == "int32" else 1, VERSIONS={1: "2.11.0", 2: "2.12.0"},
)  # fmt: skip
FloorOp = _plain_unary("floor", B.FLOOR, None, FLOAT, "1.9.0")
CeilOp = _plain_unary("ceil", B.CEIL, None, FLOAT, "1.14.0")
RoundOp = _plain_unary("round", B.ROUND, None, FLOAT, "1.14.0")
LogicalNotOp = _plain_unary("logical_not", B.LOGICAL_NOT, "LogicalNotOptions", BOOLEAN, "1.11.0")
ZerosLikeOp = _plain_unary("zeros_like", B.ZEROS_LIKE, "ZerosLikeOptions", ("f32", "i32", "i64"), "1.12.0")
# Reinterprets the bytes: any element types (of one width, which legalization checks).
BitcastOp = _plain_op(
    UnaryOp,
    "bitcast",
    B.BITCAST,
    "BitcastOptions",
    VERSIONS={1: "2.13.0"},
    TYPES={"x": TensorOf(), "y": TensorOf()},
)


LeakyReluOp = _plain_unary(
    "leaky_relu", B.LEAKY_RELU, Options("LeakyReluOptions", alpha=F32(0.2)), ("f32", *QUANT), "1.13.1"
)
GeluOp = _plain_unary(
    "gelu", B.GELU, Options("GeluOptions", approximate=BOOL()), ("f32", *QUANT), "2.9.0",
    VERSIONS={1: "2.9.0", 2: "2.9.0"}, version=lambda op: 2 if element_kind(op.x.type) in QUANT else 1,
)  # fmt: skip
SoftmaxOp = _plain_unary(
    "softmax",
    B.SOFTMAX,
    Options("SoftmaxOptions", beta=F32(1.0)),
    ("f32", *QUANT),
    "1.5.0",
    version=lambda op: int8_int16_version(op.x),
    VERSIONS={1: "1.5.0", 2: "1.14.0", 3: "2.3.0"},
)
LogSoftmaxOp = _plain_unary("log_softmax", B.LOG_SOFTMAX, "LogSoftmaxOptions", ("f32", *QUANT8), "1.14.0")
L2NormalizationOp = _plain_unary(
    "l2_normalization", B.L2_NORMALIZATION, Options("L2NormOptions", fused_activation_function=ACT),
    ("f32", *QUANT, "qui16"), "1.5.0",
)  # fmt: skip


# Element kinds LiteRT's CAST kernel converts between (either direction).
_CASTABLE = ("f16", "f32", "f64", "i1", "i8", "ui8", "i16", "ui16", "i32", "ui32", "i64", "complex64")


@tfl_op
class CastOp(UnaryOp):
    name = "tfl.cast"
    BUILTIN = B.CAST
    OPTIONS = Options(
        "CastOptions", in_data_type=ENUM(TENSOR_TYPES, "FLOAT32"), out_data_type=ENUM(TENSOR_TYPES, "FLOAT32")
    )
    TYPES = {"x": TensorOf(*_CASTABLE), "y": TensorOf(*_CASTABLE)}
    VERSIONS = {1: "1.5.0"}
