"""TFLite ops: convolutions, matrix products and pooling."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tfl.base import (
    ACT,
    BOOL,
    I32,
    PADDING,
    Options,
    TflOp,
    tfl_op,
)

# conv / matmul ------------------------------------------------------------------------------------------------


class AffineOp(TflOp):
    """Ops computing x * weights + bias: conv, depthwise conv, fully connected (bias may be tfl.no_value)."""

    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()


@tfl_op
class Conv2DOp(AffineOp):
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

    def version(self) -> int:
        """6 for grouped convolutions (input channels a multiple > 1 of the filter's), as op_version.cc."""
        in_shape, f_shape = getattr(self.input.type, "shape", None), getattr(self.filter.type, "shape", None)
        if in_shape is not None and f_shape is not None and len(in_shape) == 4 and len(f_shape) == 4:
            c, i = in_shape.data[3].data, f_shape.data[3].data
            if i > 0 and c > i:
                return 6
        return 1


@tfl_op
class DepthwiseConv2DOp(AffineOp):
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
class FullyConnectedOp(AffineOp):
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
