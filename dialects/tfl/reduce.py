"""TFLite ops: reductions."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tensor_types import element_kind
from dialects.tfl.base import (
    BOOL,
    BOOLEAN,
    ENUM,
    INDEX,
    QUANT,
    TENSOR_TYPES,
    Options,
    ReduceOp,
    TensorOf,
    TflOp,
    int8_int16_version,
    leaf_op,
    same,
    single_result_op,
    tfl_op,
)

# reductions ---------------------------------------------------------------------------------------------------


def _reduce(
    op_name: str,
    builtin: int,
    kinds: tuple[str, ...],
    runtime: str,
    int_versions: dict[int, str] | None = None,
) -> type[TflOp]:
    """A ReducerOptions reduction of one element kind out of `kinds` over int32 axes; version 1 from `runtime`;
    with `int_versions` ({2: int8 runtime, 3: int16 runtime}) versions 2/3 for int8/int16 as op_version.cc."""
    types = {**same(*kinds, fields=("input", "output")), "axes": TensorOf("i32")}
    if int_versions is None:
        return leaf_op(ReduceOp, op_name, builtin, None, __name__, TYPES=types, VERSIONS={1: runtime})
    return leaf_op(
        ReduceOp, op_name, builtin, None, __name__, TYPES=types, VERSIONS={1: runtime, **int_versions},
        version=lambda op: int8_int16_version(op.input),
    )  # fmt: skip


_ORDERED = ("f32", "i8", "ui8", "i16", "i32", "i64", *QUANT)
MeanOp = _reduce("mean", B.MEAN, ("f32", "i32", "i64", "ui8", *QUANT), "1.6.0", {2: "1.14.0", 3: "2.4.0"})
SumOp = _reduce("sum", B.SUM, ("f32", "i32", "i64", *QUANT), "1.10.0")
ReduceMaxOp = _reduce("reduce_max", B.REDUCE_MAX, _ORDERED, "1.11.0", {2: "1.14.0", 3: "2.5.0"})
ReduceMinOp = _reduce("reduce_min", B.REDUCE_MIN, _ORDERED, "1.11.0", {2: "1.14.0", 3: "2.5.0"})
ReduceProdOp = _reduce("reduce_prod", B.REDUCE_PROD, ("f32", "i32", "i64", *QUANT), "1.11.0")
ReduceAnyOp = _reduce("reduce_any", B.REDUCE_ANY, BOOLEAN, "1.11.0")
ReduceAllOp = _reduce("reduce_all", B.REDUCE_ALL, BOOLEAN, "2.6.0")


_SUMMED = TensorOf("f32", "i32", "i64")
CumsumOp = single_result_op(
    "cumsum", B.CUMSUM, Options("CumsumOptions", exclusive=BOOL(), reverse=BOOL()),
    {"input": _SUMMED, "axis": TensorOf("i32"), "output": _SUMMED},
    __name__, VERSIONS={1: "2.4.0"},
)  # fmt: skip


class ArgReduceOp(TflOp):
    """ARG_MAX / ARG_MIN: the index of the extreme along `dim`, as int32 or int64 (`output_type`)."""

    input = operand_def()
    dim = operand_def()
    output = result_def()
    TYPES = {"input": TensorOf("i1", "f32", "i8", "ui8", "i32", "qi8", "qui8"), "dim": TensorOf(*INDEX),
             "output": TensorOf(*INDEX)}  # fmt: skip
    VERSIONS = {1: "1.9.0"}


@tfl_op
class ArgMaxOp(ArgReduceOp):
    name = "tfl.arg_max"
    BUILTIN = B.ARG_MAX
    OPTIONS = Options("ArgMaxOptions", output_type=ENUM(TENSOR_TYPES, "INT64"))


@tfl_op
class ArgMinOp(ArgReduceOp):
    name = "tfl.arg_min"
    BUILTIN = B.ARG_MIN
    OPTIONS = Options("ArgMinOptions", output_type=ENUM(TENSOR_TYPES, "INT64"))


# selection -----------------------------------------------------------------------------------------------------


@tfl_op
class TopKV2Op(TflOp):
    """TOPK_V2: the k largest entries along the last dimension, descending, a tie going to the lower index; `k` is a
    scalar. TF's TopKV2 `sorted=False` leaves the order unspecified, so the sorted order is one TF allows."""

    name = "tfl.topk_v2"
    BUILTIN = B.TOPK_V2
    OPTIONS = Options("TopKV2Options")
    TYPES = {
        **same("f32", "ui8", "i8", "i16", "i32", "i64", "qui8", "qi8", fields=("input", "values")),
        "k": TensorOf("i16", "i32"),
        "indices": TensorOf("i16", "i32"),
    }
    VERSIONS = {1: "1.7.0", 2: "1.14.0", 3: "2.13.0"}
    input = operand_def()
    k = operand_def()
    values = result_def()
    indices = result_def()

    def version(self) -> int:
        """3 with any int16 among input, k and indices; 2 for an int8 input (tools/versioning/op_version.cc)."""
        kinds = {element_kind(v.type) for v in (self.input, self.k, self.indices)}
        if kinds & {"i16", "qi16"}:
            return 3
        return 2 if element_kind(self.input.type) in ("i8", "qi8") else 1


# segment reductions (appended): float32 and int32 data, int32 segment ids ------------------------------------

_SEGMENTED = TensorOf("f32", "i32")


def _segment_op(
    op_name: str, builtin: int, table: str, runtime: str, sorted_ids: bool = False
) -> type[TflOp]:
    """SEGMENT_SUM(data, segment_ids) or UNSORTED_SEGMENT_*(data, segment_ids, num_segments), version 1."""
    types = {"data": _SEGMENTED, "segment_ids": TensorOf("i32")}
    if not sorted_ids:
        types["num_segments"] = TensorOf("i32")
    types["output"] = _SEGMENTED
    return single_result_op(op_name, builtin, table, types, __name__, VERSIONS={1: runtime})


SegmentSumOp = _segment_op("segment_sum", B.SEGMENT_SUM, "SegmentSumOptions", "2.2.0", sorted_ids=True)
UnsortedSegmentSumOp = _segment_op(
    "unsorted_segment_sum", B.UNSORTED_SEGMENT_SUM, "UnsortedSegmentSumOptions", "2.10.0"
)
UnsortedSegmentMaxOp = _segment_op(
    "unsorted_segment_max", B.UNSORTED_SEGMENT_MAX, "UnsortedSegmentMaxOptions", "2.10.0"
)
UnsortedSegmentMinOp = _segment_op(
    "unsorted_segment_min", B.UNSORTED_SEGMENT_MIN, "UnsortedSegmentMinOptions", "2.11.0"
)
UnsortedSegmentProdOp = _segment_op(
    "unsorted_segment_prod", B.UNSORTED_SEGMENT_PROD, "UnsortedSegmentProdOptions", "2.10.0"
)
