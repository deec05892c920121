"""TFLite ops: shape and data movement."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def, var_operand_def, var_result_def

from dialects.tensor_types import element_kind
from dialects.tfl.base import (
    ACT,
    BOOL,
    ENUM,
    I32,
    I32_VEC,
    INDEX,
    MIRROR_PAD_MODES,
    QUANT,
    TENSOR_TYPES,
    Options,
    TensorOf,
    TflOp,
    WeightQuantization,
    _rank,
    int8_int16_version,
    same,
    single_result_op,
    tfl_op,
)

# Element kinds of the data-movement kernels (plain integers move like their quantized twins).
_MOVABLE = ("f32", "i1", "i8", "ui8", "i16", "i32", "ui32", "i64", *QUANT)
_SLICEABLE = (*_MOVABLE, "string")


def _op(
    op_name: str, builtin: int, table: str | Options | None, types: dict[str, TensorOf], **consts: object
) -> type[TflOp]:
    return single_result_op(op_name, builtin, table, types, __name__, **consts)


def _movement(kinds: tuple[str, ...], **index: TensorOf) -> dict[str, TensorOf]:
    """input, index operands, output: input and output of one kind out of `kinds` (all kinds if empty)."""
    t = TensorOf(*kinds)
    return {"input": t, **index, "output": t}


def _kind(value: object) -> str | None:
    return element_kind(value.type)  # type: ignore[attr-defined]


def _transpose_version(op: TflOp) -> int:
    """tools/versioning/op_version.cc: rank > 5, int16, rank > 4, bool, int8 in that order (16x8: as int8, as TF's
    16x8 quantizer writes it)."""
    rank, kind = _rank(op.input), _kind(op.input)
    if rank > 5:
        return 6
    if kind == "i16":
        return 5
    if rank > 4:
        return 4
    return {"i1": 3, "i8": 2, "qi8": 2, "qi16": 2}.get(kind or "", 1)


def _strided_slice_version(op: TflOp) -> int:
    """tools/versioning/op_version.cc: ellipsis/new-axis masks, rank > 4, bool, int8 in that order."""
    if op.ellipsis_mask.value.data or op.new_axis_mask.value.data:
        return 6
    if _rank(op.input) > 4:
        return 4
    return {"i1": 3, "i8": 2, "qi8": 2, "qi16": 2}.get(_kind(op.input) or "", 1)


def _pad_version(op: TflOp) -> int:
    """PAD / PADV2 (op_version.cc): rank > 4 is 4, then int16 3, int8 2."""
    return 4 if _rank(op.input) > 4 else int8_int16_version(op.input)


def _slice_version(op: TflOp) -> int:
    """SLICE (op_version.cc): rank > 4 5, int16 4, string 3, int8 2, in that order (uint32's 6 is not declared)."""
    kind = _kind(op.input)
    if _rank(op.input) > 4:
        return 5
    return {"i16": 4, "string": 3, "i8": 2, "qi8": 2, "qi16": 2}.get(kind or "", 1)  # 16x8 as TF writes it


def _high_rank_version(version: int) -> object:
    """Version rule: `version` for inputs above rank 4, else 1."""
    return lambda op: version if _rank(op.input) > 4 else 1


# shape and data movement ---------------------------------------------------------------------------------------

# tfl.reshape: the new shape as a constant int32 operand.
ReshapeOp = _op("reshape", B.RESHAPE, None, _movement((), shape=TensorOf("i32")), VERSIONS={1: "1.5.0"})
ExpandDimsOp = _op(
    "expand_dims",
    B.EXPAND_DIMS,
    "ExpandDimsOptions",
    _movement((), dim=TensorOf(*INDEX)),
    VERSIONS={1: "1.10.0"},
)
TransposeOp = _op(
    "transpose", B.TRANSPOSE, "TransposeOptions", _movement(_MOVABLE, perm=TensorOf("i32")),
    VERSIONS={1: "1.6.0", 2: "1.14.0", 3: "1.15.0", 4: "2.3.0", 5: "2.4.0", 6: "2.12.0"}, version=_transpose_version,
)  # fmt: skip
SliceOp = _op(
    "slice", B.SLICE, "SliceOptions", _movement(_SLICEABLE, begin=TensorOf(*INDEX), size=TensorOf(*INDEX)),
    VERSIONS={1: "1.14.0", 2: "1.14.0", 3: "1.14.0", 4: "2.4.0", 5: "2.5.0"}, version=_slice_version,
)  # fmt: skip
PadOp = _op(
    "pad", B.PAD, "PadOptions", _movement(_MOVABLE, padding=TensorOf(*INDEX)),
    VERSIONS={1: "1.5.0", 2: "1.14.0", 3: "2.4.0", 4: "2.6.0"}, version=_pad_version,
)  # fmt: skip
_pad_value = TensorOf(*_MOVABLE)
PadV2Op = _op(
    "padv2", B.PADV2, "PadV2Options",
    {"input": _pad_value, "padding": TensorOf(*INDEX), "constant_values": _pad_value, "output": _pad_value},
    VERSIONS={1: "1.9.0", 2: "1.14.0", 3: "2.4.0", 4: "2.6.0"}, version=_pad_version,
)  # fmt: skip
TileOp = _op(
    "tile", B.TILE, "TileOptions", _movement(_SLICEABLE, multiples=TensorOf(*INDEX)), VERSIONS={1: "1.10.1"}
)
# Version 1 was withdrawn when BROADCAST_TO changed its builtin code: LiteRT registers version 2 on.
BroadcastToOp = _op(
    "broadcast_to", B.BROADCAST_TO, "BroadcastToOptions", _movement((*_MOVABLE, "complex64"), shape=TensorOf(*INDEX)),
    VERSIONS={2: "2.5.0"}, version=lambda op: 2,
)  # fmt: skip
_fill_value = TensorOf("f16", "f32", "i1", "i8", "i16", "i32", "i64", "string", "qi8", "qi16")
FillOp = _op(
    "fill", B.FILL, "FillOptions", {"dims": TensorOf(*INDEX), "value": _fill_value, "output": _fill_value},
    VERSIONS={1: "1.13.0"},
)  # fmt: skip
RangeOp = _op(
    "range", B.RANGE, "RangeOptions", same("f32", "i32", "i64", fields=("start", "limit", "delta", "output")),
    VERSIONS={1: "1.13.0"},
)  # fmt: skip


SqueezeOp = _op(
    "squeeze",
    B.SQUEEZE,
    Options("SqueezeOptions", squeeze_dims=I32_VEC()),
    _movement(()),
    VERSIONS={1: "1.6.0"},
)


class JoinOp(TflOp):
    """CONCATENATION / PACK: values of one element kind joined into one tensor."""

    values = var_operand_def()
    output = result_def()
    TYPES = same(*_MOVABLE, fields=("values", "output"))


@tfl_op
class ConcatenationOp(JoinOp):
    name = "tfl.concatenation"
    BUILTIN = B.CONCATENATION
    OPTIONS = Options("ConcatenationOptions", axis=I32(0), fused_activation_function=ACT)
    VERSIONS = {1: "1.5.0", 2: "1.14.0", 3: "2.3.0"}
    APPLIES_FUSED_ACTIVATION = (
        False  # LiteRT's float kernel ignores it (tests/filecheck/optimize/relu-into-pool-concat)
    )

    def version(self) -> int:
        """As op_version.cc: int16 3, int8 2."""
        return int8_int16_version(self.values[0])


@tfl_op
class PackOp(JoinOp):
    name = "tfl.pack"
    BUILTIN = B.PACK
    OPTIONS = Options("PackOptions", values_count=I32(0), axis=I32(0))
    VERSIONS = {1: "1.11.0", 2: "1.14.0", 3: "2.3.0"}

    def version(self) -> int:
        """As op_version.cc: int8 2, int16 3."""
        return int8_int16_version(self.values[0])


@tfl_op
class UnpackOp(TflOp):
    name = "tfl.unpack"
    BUILTIN = B.UNPACK
    OPTIONS = Options("UnpackOptions", num=I32(0), axis=I32(0))
    TYPES = same(*_MOVABLE, fields=("input", "outputs"))
    VERSIONS = {1: "1.11.0"}
    input = operand_def()
    outputs = var_result_def()


@tfl_op
class SplitOp(TflOp):
    name = "tfl.split"
    BUILTIN = B.SPLIT
    OPTIONS = Options("SplitOptions", num_splits=I32(1))
    TYPES = {"split_dim": TensorOf("i32"), **same(*_MOVABLE, fields=("input", "outputs"))}
    VERSIONS = {1: "1.5.0"}
    split_dim = operand_def()
    input = operand_def()
    outputs = var_result_def()


@tfl_op
class SplitVOp(TflOp):
    name = "tfl.split_v"
    BUILTIN = B.SPLIT_V
    OPTIONS = Options("SplitVOptions", num_splits=I32(1))
    TYPES = {
        **same(*_MOVABLE, fields=("input", "outputs")),
        "size_splits": TensorOf(*INDEX),
        "split_dim": TensorOf("i32"),
    }
    VERSIONS = {1: "1.13.1"}
    input = operand_def()
    size_splits = operand_def()
    split_dim = operand_def()
    outputs = var_result_def()


StridedSliceOp = _op(
    "strided_slice", B.STRIDED_SLICE,
    Options(
        "StridedSliceOptions",
        begin_mask=I32(0),
        end_mask=I32(0),
        ellipsis_mask=I32(0),
        new_axis_mask=I32(0),
        shrink_axis_mask=I32(0),
        offset=BOOL(),
    ),
    _movement(_SLICEABLE, begin=TensorOf("i32"), end=TensorOf("i32"), strides=TensorOf("i32")),
    VERSIONS={1: "1.6.0", 2: "1.14.0", 3: "2.1.0", 4: "2.2.0", 6: "2.6.0"}, version=_strided_slice_version,
)  # fmt: skip
MirrorPadOp = _op(
    "mirror_pad", B.MIRROR_PAD, Options("MirrorPadOptions", mode=ENUM(MIRROR_PAD_MODES, "REFLECT")),
    _movement(_MOVABLE, pad=TensorOf(*INDEX)), VERSIONS={1: "1.13.1"},
)  # fmt: skip
_GATHERED = TensorOf(*_SLICEABLE)


def _gather_version(op: TflOp) -> int:
    """As op_version.cc: 5 with batch_dims, 2 for int8 params."""
    if op.batch_dims.value.data != 0:
        return 5
    return 2 if element_kind(op.params.type) in ("qi8", "i8", "qi16") else 1  # 16x8 as TF writes it


GatherOp = _op(
    "gather", B.GATHER, Options("GatherOptions", axis=I32(0), batch_dims=I32(0)),
    {"params": _GATHERED, "indices": TensorOf("i16", *INDEX), "output": _GATHERED},
    VERSIONS={1: "1.6.0", 2: "1.14.0", 5: "2.5.0"}, version=_gather_version,
    # TF 2.21 gathers from an int8 table (same scale) and puts the DEQUANTIZE after the GATHER.
    DYNAMIC_RANGE=WeightQuantization("params", kernel="same-scale"),
)  # fmt: skip
ShapeOp = _op(
    "shape", B.SHAPE, Options("ShapeOptions", out_type=ENUM(TENSOR_TYPES, "INT32")),
    {"input": TensorOf(), "output": TensorOf(*INDEX)}, VERSIONS={1: "1.10.0"},
)  # fmt: skip


class ResizeOp(TflOp):
    """RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR of NHWC images to `size` (int32 [2]); version 3 for half-pixel
    centers."""

    input = operand_def()
    size = operand_def()
    output = result_def()
    TYPES = _movement(("f32", "i8", "ui8", "i16", *QUANT), size=TensorOf("i32"))

    def version(self) -> int:
        """As op_version.cc: int16 4, half-pixel centers 3, int8 2 (16x8: as int8, as TF's 16x8 quantizer)."""
        kind = _kind(self.input)
        if kind == "i16":
            return 4
        if self.half_pixel_centers.value.data:
            return 3
        return 2 if kind in ("i8", "qi8", "qi16") else 1


@tfl_op
class ResizeBilinearOp(ResizeOp):
    name = "tfl.resize_bilinear"
    BUILTIN = B.RESIZE_BILINEAR
    OPTIONS = Options("ResizeBilinearOptions", align_corners=BOOL(), half_pixel_centers=BOOL())
    VERSIONS = {1: "1.7.0", 2: "1.14.0", 3: "2.2.0", 4: "2.5.0"}


@tfl_op
class ResizeNearestNeighborOp(ResizeOp):
    name = "tfl.resize_nearest_neighbor"
    BUILTIN = B.RESIZE_NEAREST_NEIGHBOR
    OPTIONS = Options("ResizeNearestNeighborOptions", align_corners=BOOL(), half_pixel_centers=BOOL())
    VERSIONS = {1: "1.13.1", 2: "1.14.0", 3: "2.3.0", 4: "2.4.0"}


# data rearrangement (appended) ---------------------------------------------------------------------------------

# DEPTH_TO_SPACE / SPACE_TO_DEPTH: NHWC, version 2 for int8 (op_version.cc).
_BLOCK_KINDS = ("f32", "i8", "ui8", "i32", "i64", "qi8", "qui8")


def _int8_version(op: TflOp) -> int:
    return 2 if _kind(op.input) in ("i8", "qi8") else 1


DepthToSpaceOp = _op(
    "depth_to_space", B.DEPTH_TO_SPACE, Options("DepthToSpaceOptions", block_size=I32()), _movement(_BLOCK_KINDS),
    VERSIONS={1: "2.1.0", 2: "2.1.0"}, version=_int8_version,
)  # fmt: skip
SpaceToDepthOp = _op(
    "space_to_depth", B.SPACE_TO_DEPTH, Options("SpaceToDepthOptions", block_size=I32()), _movement(_BLOCK_KINDS),
    VERSIONS={1: "1.5.0", 2: "1.14.0"}, version=_int8_version,
)  # fmt: skip
# GATHER_ND: version 1 for float32/int32/int64/uint8/bool params (int8, string and int16 take later versions).
_GATHERED_ND = TensorOf("f32", "i1", "ui8", "i32", "i64")
GatherNdOp = _op(
    "gather_nd", B.GATHER_ND, "GatherNdOptions",
    {"params": _GATHERED_ND, "indices": TensorOf("i32", "i64"), "output": _GATHERED_ND}, VERSIONS={1: "1.14.0"},
)  # fmt: skip
# REVERSE_V2: version 1 for float32/int32/int64 data (other kinds take later versions); int32 axes.
ReverseV2Op = _op(
    "reverse_v2", B.REVERSE_V2, "ReverseV2Options", _movement(("f32", "i32", "i64"), axis=TensorOf("i32")),
    VERSIONS={1: "1.14.0"},
)  # fmt: skip


# SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND on rank-4 NHWC data (version 1; other ranks and int8/int16 take later ones).
_SPACE_BATCH = ("f32", "i32", "i64")
SpaceToBatchNdOp = _op(
    "space_to_batch_nd", B.SPACE_TO_BATCH_ND, "SpaceToBatchNDOptions",
    _movement(_SPACE_BATCH, block_shape=TensorOf("i32"), paddings=TensorOf("i32")), VERSIONS={1: "1.6.0"},
)  # fmt: skip
BatchToSpaceNdOp = _op(
    "batch_to_space_nd", B.BATCH_TO_SPACE_ND, "BatchToSpaceNDOptions",
    _movement(_SPACE_BATCH, block_shape=TensorOf("i32"), crops=TensorOf("i32")), VERSIONS={1: "1.6.0"},
)  # fmt: skip
_ONE_HOT_VALUES = TensorOf("f32", "i1", "i8", "ui8", "i32", "i64")
OneHotOp = _op(
    "one_hot", B.ONE_HOT, Options("OneHotOptions", axis=I32()),
    {"indices": TensorOf("i32", "i64"), "depth": TensorOf("i32"), "on_value": _ONE_HOT_VALUES,
     "off_value": _ONE_HOT_VALUES, "output": _ONE_HOT_VALUES},
    VERSIONS={1: "1.11.0"},
)  # fmt: skip
_SCATTERED = TensorOf("f32", "i1", "i8", "ui8", "i32", "i64")
ScatterNdOp = _op(
    "scatter_nd", B.SCATTER_ND, "ScatterNdOptions",
    {"indices": TensorOf("i32"), "updates": _SCATTERED, "shape": TensorOf("i32"), "output": _SCATTERED},
    VERSIONS={1: "2.1.0"},
)  # fmt: skip


# MATRIX_DIAG / MATRIX_SET_DIAG: the main diagonal, version 1 (copying kernels).
_DIAGONAL = TensorOf("f32", "i8", "ui8", "i32", "i64")
MatrixDiagOp = _op(
    "matrix_diag", B.MATRIX_DIAG, "MatrixDiagOptions", {"diagonal": _DIAGONAL, "output": _DIAGONAL},
    VERSIONS={1: "1.14.0"},
)  # fmt: skip
MatrixSetDiagOp = _op(
    "matrix_set_diag", B.MATRIX_SET_DIAG, "MatrixSetDiagOptions",
    {"input": _DIAGONAL, "diagonal": _DIAGONAL, "output": _DIAGONAL}, VERSIONS={1: "1.14.0"},
)  # fmt: skip
