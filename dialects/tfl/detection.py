"""TFLite ops: non-max suppression and multinomial sampling (issue 10, the last of TF's builtin legalizations).

TYPES are LiteRT's kernel registrations (tensorflow/lite/kernels/non_max_suppression.cc, random_ops.cc), VERSIONS
the first LiteRT release running each version (tools/versioning/runtime_version.cc).
"""

from __future__ import annotations

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.irdl import operand_def, result_def

from dialects.tfl.base import I64, INDEX, Options, TensorOf, TflOp, tfl_op

_F32 = TensorOf("f32")
# the operands NON_MAX_SUPPRESSION_V4 and V5 share
_NMS_INPUTS = {
    "boxes": _F32,
    "scores": _F32,
    "max_output_size": TensorOf("i32"),
    "iou_threshold": _F32,
    "score_threshold": _F32,
}


@tfl_op
class NonMaxSuppressionV4Op(TflOp):
    """NON_MAX_SUPPRESSION_V4: indices of boxes picked greedily by score, dropping boxes whose IoU with a picked one
    reaches `iou_threshold`; `selected_indices` has `max_output_size` elements (zero past `valid_outputs`)."""

    name = "tfl.non_max_suppression_v4"
    BUILTIN = B.NON_MAX_SUPPRESSION_V4
    OPTIONS = Options("NonMaxSuppressionV4Options")
    TYPES = {**_NMS_INPUTS, "selected_indices": TensorOf("i32"), "valid_outputs": TensorOf("i32")}
    VERSIONS = {1: "2.1.0"}
    boxes = operand_def()
    scores = operand_def()
    max_output_size = operand_def()
    iou_threshold = operand_def()
    score_threshold = operand_def()
    selected_indices = result_def()
    valid_outputs = result_def()


@tfl_op
class NonMaxSuppressionV5Op(TflOp):
    """NON_MAX_SUPPRESSION_V5: NON_MAX_SUPPRESSION_V4 with Soft-NMS (`soft_nms_sigma` > 0 decays a candidate's score
    by exp(-iou^2 / (2 sigma)) per earlier pick) and the picked boxes' (decayed) scores."""

    name = "tfl.non_max_suppression_v5"
    BUILTIN = B.NON_MAX_SUPPRESSION_V5
    OPTIONS = Options("NonMaxSuppressionV5Options")
    TYPES = {
        **_NMS_INPUTS,
        "soft_nms_sigma": _F32,
        "selected_indices": TensorOf("i32"),
        "selected_scores": _F32,
        "valid_outputs": TensorOf("i32"),
    }
    VERSIONS = {1: "2.1.0"}
    boxes = operand_def()
    scores = operand_def()
    max_output_size = operand_def()
    iou_threshold = operand_def()
    score_threshold = operand_def()
    soft_nms_sigma = operand_def()
    selected_indices = result_def()
    selected_scores = result_def()
    valid_outputs = result_def()


@tfl_op
class MultinomialOp(TflOp):
    """MULTINOMIAL: `num_samples` class indices per row of `logits` (unnormalized log-probabilities), drawn from the
    Philox stream keyed by `seed` / `seed2` as RANDOM_UNIFORM's, the stream kept across invocations."""

    name = "tfl.multinomial"
    BUILTIN = B.MULTINOMIAL
    OPTIONS = Options("RandomOptions", seed=I64(), seed2=I64())
    TYPES = {"logits": _F32, "num_samples": TensorOf("i32"), "output": TensorOf(*INDEX)}
    VERSIONS = {1: "2.8.0"}
    logits = operand_def()
    num_samples = operand_def()
    output = result_def()
