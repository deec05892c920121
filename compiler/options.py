"""What the exporter and the metadata writer are told about a conversion (set by the converter API and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExportOptions:
    description: str = "tflc converted."
    model_type: int = 0  # CONVERSION_METADATA ModelType
    optimization_modes: list[int] = field(default_factory=list)
    allow_custom_ops: bool = False
    enable_select_tf_ops: bool = False
    force_select_tf_ops: bool = False  # SELECT_TF_OPS without TFLITE_BUILTINS: every op Flex
    tensorflow_version: str = ""
    include_conversion_metadata: bool = True
    extra_metadata: dict[str, bytes] = field(default_factory=dict)
