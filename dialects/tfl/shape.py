"""TFLite ops: shape and data movement."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def, var_operand_def, var_result_def

from dialects.tfl.base import (
    ACT,
    BOOL,
    ENUM,
    I32,
    I32_VEC,
    MIRROR_PAD_MODES,
    TENSOR_TYPES,
    Options,
    TflOp,
    _rank,
    tfl_op,
)

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
