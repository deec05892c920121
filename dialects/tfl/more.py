"""TFLite ops: the rest of TensorFlow's builtin legalizations (issue 10) — shape queries, bitwise ops, index and
sequence ops, local response normalization, dynamic update slice.

TYPES are LiteRT's kernel registrations (tensorflow/lite/kernels/<op>.cc), VERSIONS the first LiteRT release
running each version (tools/versioning/runtime_version.cc).
"""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tensor_types import element_kind
from dialects.tfl.base import (
    ENUM,
    F32,
    F32_VEC,
    I32,
    I64,
    INDEX,
    TENSOR_TYPES,
    BinaryOp,
    Options,
    TensorOf,
    TflOp,
    leaf_op,
    same,
    single_result_op,
    tfl_op,
)

# shape queries --------------------------------------------------------------------------------------------------

RankOp = single_result_op(
    "rank", B.RANK, "RankOptions", {"input": TensorOf(), "output": TensorOf("i32")}, __name__,
    VERSIONS={1: "1.14.0"},
)  # fmt: skip
BroadcastArgsOp = single_result_op(
    "broadcast_args", B.BROADCAST_ARGS, None, same(*INDEX, fields=("s0", "s1", "output")), __name__,
    VERSIONS={1: "2.6.0"},
)  # fmt: skip

# bitwise (integers of one kind, broadcasting up to rank 4) ----------------------------------------------------------

_BITWISE = ("i8", "ui8", "i16", "ui16", "i32", "ui32")
BitwiseXorOp = leaf_op(
    BinaryOp, "bitwise_xor", B.BITWISE_XOR, "BitwiseXorOptions", __name__,
    TYPES=same(*_BITWISE, fields=("lhs", "rhs", "output")), MAX_BROADCAST_RANK=4, VERSIONS={1: "2.13.0"},
)  # fmt: skip
RightShiftOp = leaf_op(
    BinaryOp, "right_shift", B.RIGHT_SHIFT, "RightShiftOptions", __name__,
    TYPES=same(*_BITWISE, fields=("lhs", "rhs", "output")), MAX_BROADCAST_RANK=4, VERSIONS={1: "2.13.0"},
)  # fmt: skip

# index and sequence ops -----------------------------------------------------------------------------------------

ReverseSequenceOp = single_result_op(
    "reverse_sequence", B.REVERSE_SEQUENCE, Options("ReverseSequenceOptions", seq_dim=I32(), batch_dim=I32()),
    {"input": TensorOf("f32", "ui8", "i16", "i32", "i64"), "seq_lengths": TensorOf(*INDEX),
     "output": TensorOf("f32", "ui8", "i16", "i32", "i64")},
    __name__, VERSIONS={1: "1.14.0"},
)  # fmt: skip
BucketizeOp = single_result_op(
    "bucketize", B.BUCKETIZE, Options("BucketizeOptions", boundaries=F32_VEC()),
    {"input": TensorOf("f32", "f64", "i32", "i64"), "output": TensorOf("i32")}, __name__,
    VERSIONS={1: "2.8.0"},
)  # fmt: skip
WhereOp = single_result_op(
    "where", B.WHERE, "WhereOptions",
    {"condition": TensorOf("i1", "f32", "i8", "ui8", "i32", "i64", "ui32"), "index": TensorOf("i64")}, __name__,
    VERSIONS={1: "1.14.0", 2: "2.8.0"},
    version=lambda op: 1 if element_kind(op.condition.type) == "i1" else 2,
)  # fmt: skip


@tfl_op
class SparseToDenseOp(TflOp):
    """SPARSE_TO_DENSE: a tensor of `output_shape` filled with `default_value`, `sparse_values` (one, or one per row of
    `sparse_indices`) written at the index rows."""

    name = "tfl.sparse_to_dense"
    BUILTIN = B.SPARSE_TO_DENSE
    OPTIONS = Options("SparseToDenseOptions")
    TYPES = {
        "sparse_indices": TensorOf(*INDEX),
        "output_shape": TensorOf(*INDEX),
        **same("f32", "i8", "ui8", "i32", "i64", "qi8", fields=("sparse_values", "default_value", "dense")),
    }
    VERSIONS = {1: "1.9.0", 2: "1.14.0", 3: "1.15.0"}
    sparse_indices = operand_def()
    output_shape = operand_def()
    sparse_values = operand_def()
    default_value = operand_def()
    dense = result_def()

    def version(self) -> int:
        """3 for int8/uint8 values (quantized int8 too), 2 for int64 values (tools/versioning/op_version.cc)."""
        kind = element_kind(self.sparse_values.type)
        return 3 if kind in ("i8", "ui8", "qi8") else 2 if kind == "i64" else 1


@tfl_op
class DynamicUpdateSliceOp(TflOp):
    """DYNAMIC_UPDATE_SLICE: `operand` with `update` written at `start_indices`, each clamped so the update fits
    (XLA's DynamicUpdateSlice)."""

    name = "tfl.dynamic_update_slice"
    BUILTIN = B.DYNAMIC_UPDATE_SLICE
    OPTIONS = Options("DynamicUpdateSliceOptions")
    TYPES = {
        **same("f32", "i1", "i8", "i16", "i32", "i64", fields=("operand", "update")),
        "start_indices": TensorOf(*INDEX),
        "output": TensorOf("f32", "i1", "i8", "i16", "i32", "i64"),
    }
    VERSIONS = {1: "2.9.0", 2: "2.17.0", 4: "2.20.0"}
    operand = operand_def()
    update = operand_def()
    start_indices = operand_def()
    output = result_def()

    def version(self) -> int:
        """int16 data is version 4, else int64 indices version 2 (as TF 2.21's converter writes them)."""
        if element_kind(self.operand.type) == "i16":
            return 4
        return 2 if element_kind(self.start_indices.type) == "i64" else 1


# normalization ---------------------------------------------------------------------------------------------------

LocalResponseNormalizationOp = single_result_op(
    "local_response_normalization", B.LOCAL_RESPONSE_NORMALIZATION,
    Options("LocalResponseNormalizationOptions", radius=I32(), bias=F32(), alpha=F32(), beta=F32()),
    same("f32", fields=("input", "output")), __name__, VERSIONS={1: "1.5.0"},
)  # fmt: skip


@tfl_op
class UniqueOp(TflOp):
    """UNIQUE: the distinct elements of a vector in order of first occurrence (`output`, a dynamic length) and each
    element's position in it (`idx`, int32 or int64 per `idx_out_type`)."""

    name = "tfl.unique"
    BUILTIN = B.UNIQUE
    OPTIONS = Options("UniqueOptions", idx_out_type=ENUM(TENSOR_TYPES, "INT32"))
    TYPES = {
        **same("f32", "i8", "ui8", "i16", "i32", "i64", "qi8", fields=("input", "output")),
        "idx": TensorOf(*INDEX),
    }
    VERSIONS = {1: "1.14.0"}
    input = operand_def()
    output = result_def()
    idx = result_def()


# random (LiteRT's random_ops.cc: Philox4x32-10 keyed by the seeds, its state kept across invocations) -------------

_RANDOM = Options("RandomOptions", seed=I64(), seed2=I64())
RandomUniformOp = single_result_op(
    "random_uniform", B.RANDOM_UNIFORM, _RANDOM, {"shape": TensorOf(*INDEX), "output": TensorOf("f32")}, __name__,
    VERSIONS={1: "2.8.0"},
)  # fmt: skip
RandomStandardNormalOp = single_result_op(
    "random_standard_normal", B.RANDOM_STANDARD_NORMAL, _RANDOM,
    {"shape": TensorOf(*INDEX), "output": TensorOf("f32")}, __name__, VERSIONS={1: "2.8.0"},
)  # fmt: skip
