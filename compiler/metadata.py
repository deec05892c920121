"""Model metadata entries: `min_runtime_version` and `CONVERSION_METADATA`.

CONVERSION_METADATA is its own small FlatBuffer (tensorflow/lite/schema/conversion_metadata.fbs):
ConversionMetadata{environment: Environment{tensorflow_version, api_version, model_type, model_hash},
options: ConversionOptions{model_optimization_modes, allow_custom_ops, enable_select_tf_ops, force_select_tf_ops,
sparsity_block_sizes}}; written here with field slots, no generated code needed.

Every field is filled as TF 2.21's converter fills it (lite.py): tensorflow_version, api_version 2 (TF2 converter),
model_type, model_hash, the optimization modes of the quantization applied, allow_custom_ops, enable_select_tf_ops
(SELECT_TF_OPS asked) and force_select_tf_ops (SELECT_TF_OPS alone). model_hash is TF's structural hash
(tensorflow/lite/python/util.py get_model_hash) computed over our file: it only equals the hash in TF's own file when
the two files number tensors and operators alike. Sparsity modes and block sizes are never written: tflc refuses
EXPERIMENTAL_SPARSITY.
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


_HASH_CONST = 0x9E3779B97F4A7800
_U64 = (1 << 64) - 1


def _hash_step(h: int, value: int) -> int:
    """TF's update_hash_with_primitive_value in uint64 arithmetic (negative values wrap, as numpy's cast does)."""
    return h ^ (((value & _U64) + _HASH_CONST + ((h << 10) & _U64) + (h >> 4)) & _U64)


def model_hash(subgraphs: Iterable[dict]) -> int:
    """TF's get_model_hash over a model's structure. Each subgraph: {"operators": [(inputs, outputs)],
    "tensors": [(buffer data length or None when the buffer has no data, shape)], "inputs": n, "outputs": n}."""
    h = 0
    for sg in subgraphs:
        h = _hash_step(h, len(sg["operators"]))
        for inputs, outputs in sg["operators"]:
            for v in inputs:
                h = _hash_step(h, v)
            for v in outputs:
                h = _hash_step(h, v)
        h = _hash_step(h, len(sg["tensors"]))
        for data_len, shape in sg["tensors"]:
            if data_len is not None:
                h = _hash_step(h, data_len)
            for d in shape:
                h = _hash_step(h, d)
        h = _hash_step(h, sg["inputs"])
        h = _hash_step(h, sg["outputs"])
    return h


def conversion_metadata(options: ExportOptions, hash_value: int = 0) -> bytes:
    b = flatbuffers.Builder(256)
    version = b.CreateString(options.tensorflow_version)
    b.StartObject(4)  # Environment
    b.PrependUOffsetTRelativeSlot(0, version, 0)
    b.PrependUint32Slot(1, 2, 0)  # api_version: TF2
    b.PrependInt32Slot(2, options.model_type, 0)
    b.PrependUint64Slot(3, hash_value, 0)
    env = b.EndObject()
    # TF always writes the modes vector, empty for a float conversion.
    b.StartVector(4, len(options.optimization_modes), 4)
    for m in reversed(options.optimization_modes):
        b.PrependInt32(m)
    modes = b.EndVector()
    b.StartObject(5)  # ConversionOptions
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


# Model metadata (TFLITE_METADATA: labels, normalization, descriptions; TFLite Support's schema) is in
# compiler/model_metadata/; its public API is re-exported here: `from compiler import metadata as md`.
from compiler.model_metadata import *  # noqa: E402, F403
