"""TFLite ops: reductions."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tfl.base import (
    BOOL,
    ENUM,
    TENSOR_TYPES,
    Options,
    ReduceOp,
    TflOp,
    tfl_op,
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
