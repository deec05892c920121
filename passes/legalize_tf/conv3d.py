"""legalize-tf rules: 3-D convolutions, as TensorFlow's converter (legalize_tf.cc) writes them.

    tf.Conv3D (NDHWC, filter DHWIO)                            -> tfl.conv_3d (filter as it is, no bias)
    tf.Conv3DBackpropInputV2 (input_sizes, filter DHWOI, dy)   -> tfl.conv_3d_transpose (output shape int32, no bias)

Strides and dilations along batch and channels must be 1, padding SAME or VALID; LiteRT's kernels are float32 only.
"""

from __future__ import annotations

from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.rearrange import int32_operand
from passes.patterns import ints_attr, op_accepts, rank_of, replace_with, rule, str_attr


def _window(op: tf.TFOp) -> dict[str, object] | None:
    """Conv3DOptions fields from a TF 3-D conv's attributes, or None when LiteRT cannot express them."""
    strides = ints_attr(op, "strides") or [1] * 5
    dilations = ints_attr(op, "dilations") or [1] * 5
    padding = str_attr(op, "padding")
    if (str_attr(op, "data_format", "NDHWC") != "NDHWC" or padding not in ("SAME", "VALID") or len(strides) != 5
            or len(dilations) != 5 or strides[0] != 1 or strides[4] != 1 or dilations[0] != 1 or dilations[4] != 1):  # fmt: skip
        return None
    return {
        "padding": padding,
        "stride_d": strides[1],
        "stride_h": strides[2],
        "stride_w": strides[3],
        "dilation_d_factor": dilations[1],
        "dilation_h_factor": dilations[2],
        "dilation_w_factor": dilations[3],
    }


@rule(tf.Conv3DOp)
def legalize_conv3d(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Conv3D(input, filter) -> tfl.conv_3d(input, filter, none)."""
    x, filt = op.operands
    window = _window(op)
    if window is None or rank_of(x) != 5 or not op_accepts(tfl.Conv3DOp, [x, filt]):
        return
    none = tfl.NoValueOp()
    conv = tfl.Conv3DOp.build([x, filt, none.none], [op.results[0].type], **window)
    replace_with(rewriter, op, [none, conv])


@rule(tf.Conv3DBackpropInputV2Op)
def legalize_conv3d_transpose(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Conv3DBackpropInputV2(input_sizes, filter, out_backprop) -> tfl.conv_3d_transpose(int32 sizes, filter,
    out_backprop, none)."""
    pre: list[Operation] = []
    sizes = int32_operand(op.operands[0], pre)
    filt, dy = op.operands[1], op.operands[2]
    window = _window(op)
    if window is None or sizes is None or rank_of(dy) != 5:
        return
    if not op_accepts(tfl.Conv3DTransposeOp, [sizes, filt, dy]):
        return
    none = tfl.NoValueOp()
    conv = tfl.Conv3DTransposeOp.build([sizes, filt, dy, none.none], [op.results[0].type], **window)
    replace_with(rewriter, op, [*pre, none, conv])


RULES = [legalize_conv3d, legalize_conv3d_transpose]
