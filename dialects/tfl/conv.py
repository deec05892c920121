"""TFLite ops: convolutions, matrix products and pooling."""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.quant import quantized_element
from dialects.tensor_types import element_kind
from dialects.tfl.base import (
    ACT,
    BOOL,
    I32,
    PADDING,
    QUANT,
    Field,
    Options,
    TensorOf,
    TflOp,
    WeightQuantization,
    int8_int16_version,
    same,
    tfl_op,
)

# conv / matmul ------------------------------------------------------------------------------------------------


def _conv_options(table: str, **extra: Field) -> Options:
    """Conv2DOptions / DepthwiseConv2DOptions: the window fields, `extra` before the activation (schema order)."""
    return Options(
        table,
        padding=PADDING,
        stride_w=I32(1),
        stride_h=I32(1),
        **extra,
        fused_activation_function=ACT,
        dilation_w_factor=I32(1),
        dilation_h_factor=I32(1),
    )


def _affine_types(
    activations: tuple[str, ...], weights: tuple[str, ...], bias: tuple[str, ...]
) -> dict[str, TensorOf]:
    """input and output of one kind; weights and bias (or none) of their own."""
    return {
        **same(*activations, fields=("input", "output")),
        "filter": TensorOf(*weights),
        "bias": TensorOf(*bias),
    }


class AffineOp(TflOp):
    """Ops computing x * weights + bias: conv, depthwise conv, fully connected (bias may be tfl.no_value)."""

    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()
    TYPES = _affine_types(
        ("f32", *QUANT), ("f32", "qi4", "qi8", "qui8"), ("f32", "i32", "i64", "qi32", "qi64")
    )

    def _kinds(self) -> tuple[str | None, str | None, str | None]:
        return element_kind(self.input.type), element_kind(self.filter.type), element_kind(self.output.type)

    def _hybrid(self) -> bool:
        """Float activations with int8 weights (dynamic-range quantization's hybrid kernels)."""
        return self._kinds() == ("f32", "qi8", "f32")

    def _weight_scales_per(self, dim: int) -> bool:
        """op_signature.cc's per-channel test for convolutions: one weight scale per slice of `dim`."""
        q = quantized_element(self.filter.type)
        shape = getattr(self.filter.type, "shape", None)
        return (
            q is not None and shape is not None and len(shape) > dim and len(q.scales) == shape.data[dim].data
        )


@tfl_op
class Conv2DOp(AffineOp):
    """tfl.conv_2d: NHWC input, OHWI filter, bias [O]."""

    name = "tfl.conv_2d"
    BUILTIN = B.CONV_2D
    OPTIONS = _conv_options("Conv2DOptions")
    VERSIONS = {1: "1.5.0", 2: "1.14.0", 3: "1.14.0", 5: "2.4.0", 6: "2.9.0"}
    DYNAMIC_RANGE = WeightQuantization("filter", axis=0)

    def version(self) -> int:
        """As op_version.cc: 6 for grouped convolutions (input channels a multiple > 1 of the filter's), 3 for int8
        and 16x8 (as TF's 16x8 quantizer writes it), hybrid 5 per channel or 2 per tensor."""
        in_shape, f_shape = getattr(self.input.type, "shape", None), getattr(self.filter.type, "shape", None)
        if in_shape is not None and f_shape is not None and len(in_shape) == 4 and len(f_shape) == 4:
            c, i = in_shape.data[3].data, f_shape.data[3].data
            if i > 0 and c > i:
                return 6
        if self._kinds() in (("qi8", "qi8", "qi8"), ("qi16", "qi8", "qi16")):
            return 3
        if self._hybrid():
            return 5 if self._weight_scales_per(0) else 2
        return 1


@tfl_op
class DepthwiseConv2DOp(AffineOp):
    """tfl.depthwise_conv_2d: NHWC input, filter [1, H, W, C*M]."""

    name = "tfl.depthwise_conv_2d"
    BUILTIN = B.DEPTHWISE_CONV_2D
    OPTIONS = _conv_options("DepthwiseConv2DOptions", depth_multiplier=I32(1))
    VERSIONS = {1: "1.5.0", 2: "1.12.0", 3: "1.14.0", 4: "2.2.0", 6: "2.3.0"}
    DYNAMIC_RANGE = WeightQuantization("filter", axis=3)

    def version(self) -> int:
        """As op_version.cc: hybrid 6 per channel or 4 per tensor, 3 for int8 and 16x8 (TF's 16x8 quantizer), 2 when
        dilated."""
        if self._hybrid():
            return 6 if self._weight_scales_per(3) else 4
        if self._kinds() in (("qi8", "qi8", "qi8"), ("qi16", "qi8", "qi16")):
            return 3
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
    TYPES = {
        "output_shape": TensorOf("i32"),
        "weights": TensorOf("f32", *QUANT),
        **same("f32", *QUANT, fields=("input", "output")),
        "bias": TensorOf("f32", "i64", "qi32"),
    }
    VERSIONS = {1: "1.9.0", 2: "2.2.0", 4: "2.13.0"}
    # TF 2.21 quantizes TRANSPOSE_CONV weights per channel and runs LiteRT's hybrid kernel (no DEQUANTIZE).
    DYNAMIC_RANGE = WeightQuantization("weights", axis=0)
    output_shape = operand_def()
    weights = operand_def()
    input = operand_def()
    bias = operand_def()
    output = result_def()

    def version(self) -> int:
        """As op_version.cc: 4 with a fused activation, 2 for int8 weights."""
        if self.activation() != "NONE":
            return 4
        return 2 if element_kind(self.weights.type) == "qi8" else 1


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
    TYPES = _affine_types(("f32", *QUANT, "qui16"), ("f32", "qi4", *QUANT), ("f32", "qi32", "qui32", "qi64"))
    # 2.17.0 for version 12: what TF 2.21 writes as min_runtime_version for a per-channel hybrid FC.
    VERSIONS = {1: "1.5.0", 3: "1.14.0", 4: "1.14.0", 5: "2.0.0", 9: "2.3.0", 12: "2.17.0"}
    # TF 2.21 quantizes dense weights per output channel by default (the `..._for_dense_layers` flag turns it off).
    DYNAMIC_RANGE = WeightQuantization("filter", axis=0, asymmetric_option=True)

    def version(self) -> int:
        """As op_version.cc: hybrid per channel 12; keep_num_dims 5; int8 and 16x8 (TF's 16x8 quantizer) 4; hybrid 9
        (asymmetric inputs) or 3."""
        q = quantized_element(self.filter.type)
        per_channel = q is not None and 1 < len(q.scales) == self.filter.type.get_shape()[0]
        if self._hybrid() and per_channel:
            return 12
        if self.keep_num_dims.value.data:
            return 5
        if self._kinds() in (("qi8", "qi8", "qi8"), ("qi16", "qi8", "qi16")):
            return 4
        if self._hybrid():
            return 9 if self.asymmetric_quantize_inputs.value.data else 3
        return 1


@tfl_op
class BatchMatMulOp(TflOp):
    """tfl.batch_matmul with optional adjoints and broadcast batch dims."""

    name = "tfl.batch_matmul"
    BUILTIN = B.BATCH_MATMUL
    OPTIONS = Options("BatchMatMulOptions", adj_x=BOOL(), adj_y=BOOL(), asymmetric_quantize_inputs=BOOL())
    # int8 x int8 may give int32 (LiteRT's EvalInt8Int32).
    TYPES = {
        "x": TensorOf("f32", "i8", "qi8", "qi16"),
        "y": TensorOf("f32", "i8", "qi8", "qi16"),
        "output": TensorOf("f32", "i32", "qi8", "qi16"),
    }
    VERSIONS = {1: "2.3.0", 2: "2.3.0", 3: "2.4.0", 4: "2.5.0"}
    DYNAMIC_RANGE = WeightQuantization("y", asymmetric_option=True)
    x = operand_def()
    y = operand_def()
    output = result_def()

    def version(self) -> int:
        """As op_version.cc: int8 2, hybrid with asymmetric inputs 4; 16x8 2 as TF's 16x8 quantizer writes it."""
        x, y, out = (element_kind(v.type) for v in (self.x, self.y, self.output))
        if x in ("qi8", "i8", "qi16"):
            return 2
        if (x, y, out) == ("f32", "qi8", "f32") and self.asymmetric_quantize_inputs.value.data:
            return 4
        return 1


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
    TYPES = same("f32", *QUANT, fields=("input", "output"))
    VERSIONS = {1: "1.5.0", 2: "1.14.0", 3: "2.3.0"}

    def version(self) -> int:
        """As op_version.cc: 3 for int16, 2 for int8."""
        return int8_int16_version(self.input)


@tfl_op
class AveragePool2DOp(Pool2DOp):
    name = "tfl.average_pool_2d"
    BUILTIN = B.AVERAGE_POOL_2D


@tfl_op
class MaxPool2DOp(Pool2DOp):
    name = "tfl.max_pool_2d"
    BUILTIN = B.MAX_POOL_2D


# 3-D convolutions (appended) -----------------------------------------------------------------------------------


def _conv3d_options() -> Options:
    """Conv3DOptions (CONV_3D and CONV_3D_TRANSPOSE), schema field order."""
    return Options(
        "Conv3DOptions",
        padding=PADDING,
        stride_d=I32(1),
        stride_w=I32(1),
        stride_h=I32(1),
        fused_activation_function=ACT,
        dilation_d_factor=I32(1),
        dilation_w_factor=I32(1),
        dilation_h_factor=I32(1),
    )


@tfl_op
class Conv3DOp(TflOp):
    """tfl.conv_3d: NDHWC input, filter [D, H, W, I, O] as TensorFlow's, optional bias [O]; float32 only in LiteRT."""

    name = "tfl.conv_3d"
    BUILTIN = B.CONV_3D
    OPTIONS = _conv3d_options()
    TYPES = {**same("f32", fields=("input", "filter", "output")), "bias": TensorOf("f32")}
    VERSIONS = {1: "2.5.0"}
    input = operand_def()
    filter = operand_def()
    bias = operand_def()
    output = result_def()


@tfl_op
class Conv3DTransposeOp(TflOp):
    """tfl.conv_3d_transpose: output shape (int32 [5]), filter [D, H, W, O, I] as TensorFlow's, NDHWC input,
    optional bias [O]; float32 only in LiteRT."""

    name = "tfl.conv_3d_transpose"
    BUILTIN = B.CONV_3D_TRANSPOSE
    OPTIONS = _conv3d_options()
    TYPES = {
        "output_shape": TensorOf("i32"),
        **same("f32", fields=("filter", "input", "output")),
        "bias": TensorOf("f32"),
    }
    VERSIONS = {1: "2.6.0"}
    output_shape = operand_def()
    filter = operand_def()
    input = operand_def()
    bias = operand_def()
    output = result_def()
