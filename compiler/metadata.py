"""Model metadata entries: `min_runtime_version` and `CONVERSION_METADATA`.

CONVERSION_METADATA is its own small FlatBuffer (tensorflow/lite/schema/conversion_metadata.fbs):
ConversionMetadata{environment: Environment{tensorflow_version, api_version, model_type, model_hash},
options: ConversionOptions{model_optimization_modes, allow_custom_ops, enable_select_tf_ops, force_select_tf_ops,
sparsity_block_sizes}}; written here with field slots, no generated code needed.
"""

from __future__ import annotations

from collections.abc import Iterable

import flatbuffers

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


def optimization_modes(quantization: str | None) -> list[int]:
    """ConversionOptions.model_optimization_modes TF writes for a weight-quantization mode."""
    modes = {
        "dynamic-range": [PTQ_DYNAMIC_RANGE],
        "float16": [PTQ_FLOAT16],
        "int8": [PTQ_FULL_INTEGER],
        "int16x8": [PTQ_INT16],
    }
    return modes.get(quantization or "", [])


def reduced_precision_metadata(quantization: str | None) -> dict[str, bytes]:
    """TF marks float16 models "fp16accfp32" (float16 storage, float32 accumulation; lets XNNPACK drop the
    DEQUANTIZE ops)."""
    return {"reduced_precision_support": b"fp16accfp32"} if quantization == "float16" else {}


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def min_runtime_version(runtime_versions: Iterable[str]) -> str:
    """The highest of the first LiteRT releases running each op used ("" for a model without ops: TF writes 16 zero
    bytes then). Each op class declares them per version (`VERSIONS`, see dialects/tfl/base.py)."""
    return max(runtime_versions, key=_version_key, default="")


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
    b.PrependBoolSlot(3, options.force_select_tf_ops, False)
    opts = b.EndObject()
    b.StartObject(2)  # ConversionMetadata
    b.PrependUOffsetTRelativeSlot(0, env, 0)
    b.PrependUOffsetTRelativeSlot(1, opts, 0)
    b.Finish(b.EndObject())
    return bytes(b.Output())
