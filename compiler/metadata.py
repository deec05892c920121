"""Model metadata entries: `min_runtime_version` and `CONVERSION_METADATA`.

CONVERSION_METADATA is its own small FlatBuffer (tensorflow/lite/schema/conversion_metadata.fbs):
ConversionMetadata{environment: Environment{tensorflow_version, api_version, model_type, model_hash},
options: ConversionOptions{model_optimization_modes, allow_custom_ops, enable_select_tf_ops, force_select_tf_ops,
sparsity_block_sizes}}; written here with field slots, no generated code needed.
"""

from __future__ import annotations

import flatbuffers
from tflite.BuiltinOperator import BuiltinOperator as B

from compiler.options import ExportOptions

# ModelType and ModelOptimizationMode enums of conversion_metadata.fbs.
MODEL_TYPE = {
    "NONE": 0,
    "TF_SAVED_MODEL": 1,
    "KERAS_MODEL": 2,
    "TF_CONCRETE_FUNCTIONS": 3,
    "TF_GRAPH_DEF": 4,
    "TF_SESSION": 5,
    "JAX": 6,
}
PTQ_FLOAT16, PTQ_DYNAMIC_RANGE, PTQ_FULL_INTEGER, PTQ_INT16, QUANTIZATION_AWARE_TRAINING = (
    1001,
    1002,
    1003,
    1004,
    2000,
)

# (builtin op, version) -> first LiteRT release that runs it (tensorflow/lite/tools/versioning/runtime_version.cc).
# Pairs not listed do not raise the minimum.
RUNTIME_VERSIONS: dict[tuple[int, int], str] = {
    (B.AVERAGE_POOL_2D, 1): "1.5.0",
    (B.CONV_2D, 1): "1.5.0",
    (B.CONV_2D, 2): "1.14.0",
    (B.DEPTHWISE_CONV_2D, 1): "1.5.0",
    (B.DEPTHWISE_CONV_2D, 2): "1.12.0",
    (B.ADD, 1): "1.5.0",
    (B.SUB, 1): "1.6.0",
    (B.MUL, 1): "1.5.0",
    (B.DIV, 1): "1.6.0",
    (B.FULLY_CONNECTED, 1): "1.5.0",
    (B.FULLY_CONNECTED, 5): "2.0.0",
    (B.MAX_POOL_2D, 1): "1.5.0",
    (B.RESHAPE, 1): "1.5.0",
    (B.SOFTMAX, 1): "1.5.0",
    (B.LOGISTIC, 1): "1.5.0",
    (B.TANH, 1): "1.14.0",
    (B.RELU, 1): "1.5.0",
    (B.RELU6, 1): "1.5.0",
    (B.CONCATENATION, 1): "1.5.0",
    (B.MEAN, 1): "1.6.0",
    (B.PAD, 1): "1.5.0",
    (B.TRANSPOSE, 1): "1.6.0",
    (B.SQUEEZE, 1): "1.6.0",
    (B.STRIDED_SLICE, 1): "1.6.0",
    (B.GATHER, 1): "1.6.0",
    (B.MAXIMUM, 1): "1.14.0",
    (B.MINIMUM, 1): "1.14.0",
    (B.EXP, 1): "1.7.0",
    (B.RSQRT, 1): "1.10.0",
    (B.SQRT, 1): "1.10.0",
    (B.SQUARED_DIFFERENCE, 1): "1.13.1",
    (B.PACK, 1): "1.11.0",
    (B.UNPACK, 1): "1.11.0",
    (B.SPLIT, 1): "1.14.0",
    (B.SPLIT_V, 1): "1.13.1",
    (B.HARD_SWISH, 1): "1.15.0",
    (B.BATCH_MATMUL, 1): "2.3.0",
    (B.GELU, 1): "2.9.0",
    (B.LEAKY_RELU, 1): "1.13.1",
    (B.EXPAND_DIMS, 1): "1.10.0",
    (B.SUM, 1): "1.10.0",
    (B.REDUCE_MAX, 1): "1.11.0",
    (B.REDUCE_PROD, 1): "1.11.0",
    (B.POW, 1): "1.10.0",
    (B.BROADCAST_TO, 2): "2.5.0",
}


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def min_runtime_version(op_versions: list[tuple[int, int]]) -> str:
    """The highest release among the (op, version) pairs used; "1.5.0" for an empty model (as TF does)."""
    known = [RUNTIME_VERSIONS[k] for k in op_versions if k in RUNTIME_VERSIONS]
    return max(known, key=_version_key, default="1.5.0")


def conversion_metadata(options: ExportOptions) -> bytes:
    b = flatbuffers.Builder(256)
    version = b.CreateString(options.tensorflow_version)
    b.StartObject(4)  # Environment
    b.PrependUOffsetTRelativeSlot(0, version, 0)
    b.PrependUint32Slot(1, 2, 0)  # api_version: TF2
    b.PrependInt32Slot(2, options.model_type, 0)
    env = b.EndObject()
    modes = 0
    if options.optimization_modes:
        b.StartVector(4, len(options.optimization_modes), 4)
        for m in reversed(options.optimization_modes):
            b.PrependInt32(m)
        modes = b.EndVector()
    b.StartObject(5)  # ConversionOptions
    if modes:
        b.PrependUOffsetTRelativeSlot(0, modes, 0)
    b.PrependBoolSlot(1, options.allow_custom_ops, False)
    b.PrependBoolSlot(2, options.enable_select_tf_ops, False)
    opts = b.EndObject()
    b.StartObject(2)  # ConversionMetadata
    b.PrependUOffsetTRelativeSlot(0, env, 0)
    b.PrependUOffsetTRelativeSlot(1, opts, 0)
    b.Finish(b.EndObject())
    return bytes(b.Output())
