"""TFLite model metadata as plain Python objects: one dataclass per table of TFLite Support's metadata_schema.fbs
(same names, fields in schema order), converted to and from the flatc-generated object API
(`metadata_schema_generated.py`), which does all FlatBuffer reading and writing.

A list field left at None is absent from the FlatBuffer; an empty list is present and empty (TFLite Support's
min_parser_version rules and JSON tell the two apart). `to_json` gives the JSON TFLite Support's MetadataDisplayer
prints (flatc's strict JSON of the buffer): fields in schema order, absent fields and scalars at their schema default
left out, enums and union types by name.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from compiler.model_metadata import metadata_schema_generated as fb


def _schema_enum(name: str) -> Any:
    """The schema enum `name` as an IntEnum, its members read from flatc's generated class (never restated)."""
    members = {
        k: v for k, v in vars(getattr(fb, name)).items() if not k.startswith("_") and isinstance(v, int)
    }
    return enum.IntEnum(name, members, module=__name__)


AssociatedFileType = _schema_enum("AssociatedFileType")
ColorSpaceType = _schema_enum("ColorSpaceType")
BoundingBoxType = _schema_enum("BoundingBoxType")
CoordinateType = _schema_enum("CoordinateType")
ScoreTransformationType = _schema_enum("ScoreTransformationType")


@dataclass
class AssociatedFile:
    """A file packed with the model (labels, vocabulary, ...). `content` is not part of the schema: the bytes packed
    into the zip appended to the model under `name`; filled when read from a model."""

    name: str | None = None
    description: str | None = None
    type: AssociatedFileType = AssociatedFileType.UNKNOWN
    locale: str | None = None
    version: str | None = None
    content: bytes | None = field(default=None, repr=False, compare=False, metadata={"schema": False})


@dataclass
class FeatureProperties:
    pass


@dataclass
class ImageSize:
    width: int = 0
    height: int = 0


@dataclass
class ImageProperties:
    color_space: ColorSpaceType = ColorSpaceType.UNKNOWN
    default_size: ImageSize | None = None


@dataclass
class BoundingBoxProperties:
    index: list[int] | None = None
    type: BoundingBoxType = BoundingBoxType.UNKNOWN
    coordinate_type: CoordinateType = CoordinateType.RATIO


@dataclass
class AudioProperties:
    sample_rate: int = 0
    channels: int = 0


@dataclass
class ValueRange:
    min: int = 0
    max: int = 0


@dataclass
class Content:
    content_properties: (
        FeatureProperties | ImageProperties | BoundingBoxProperties | AudioProperties | None
    ) = field(default=None, metadata={"union": "ContentProperties"})
    range: ValueRange | None = None


@dataclass
class NormalizationOptions:
    """(x - mean) / std per channel; one value applies to every channel."""

    mean: list[float] | None = None
    std: list[float] | None = None


@dataclass
class ScoreCalibrationOptions:
    score_transformation: ScoreTransformationType = ScoreTransformationType.IDENTITY
    default_score: float = 0.0


@dataclass
class ScoreThresholdingOptions:
    global_score_threshold: float = 0.0


@dataclass
class BertTokenizerOptions:
    vocab_file: list[AssociatedFile] | None = None


@dataclass
class SentencePieceTokenizerOptions:
    sentence_piece_model: list[AssociatedFile] | None = field(
        default=None, metadata={"name": "sentencePiece_model"}
    )
    vocab_file: list[AssociatedFile] | None = None


@dataclass
class RegexTokenizerOptions:
    delim_regex_pattern: str | None = None
    vocab_file: list[AssociatedFile] | None = None


ProcessUnitOptions = (
    NormalizationOptions
    | ScoreCalibrationOptions
    | ScoreThresholdingOptions
    | BertTokenizerOptions
    | SentencePieceTokenizerOptions
    | RegexTokenizerOptions
)


@dataclass
class ProcessUnit:
    options: ProcessUnitOptions | None = field(default=None, metadata={"union": "ProcessUnitOptions"})


@dataclass
class Stats:
    max: list[float] | None = None
    min: list[float] | None = None


@dataclass
class TensorGroup:
    name: str | None = None
    tensor_names: list[str] | None = None


@dataclass
class TensorMetadata:
    name: str | None = None
    description: str | None = None
    dimension_names: list[str] | None = None
    content: Content | None = None
    process_units: list[ProcessUnit] | None = None
    stats: Stats | None = None
    associated_files: list[AssociatedFile] | None = None


@dataclass
class CustomMetadata:
    name: str | None = None
    data: bytes | None = None


@dataclass
class SubGraphMetadata:
    name: str | None = None
    description: str | None = None
    input_tensor_metadata: list[TensorMetadata] | None = None
    output_tensor_metadata: list[TensorMetadata] | None = None
    associated_files: list[AssociatedFile] | None = None
    input_process_units: list[ProcessUnit] | None = None
    output_process_units: list[ProcessUnit] | None = None
    input_tensor_groups: list[TensorGroup] | None = None
    output_tensor_groups: list[TensorGroup] | None = None
    custom_metadata: list[CustomMetadata] | None = None


@dataclass
class ModelMetadata:
    """The root table. `min_parser_version` is computed when the metadata is written (as TFLite Support does)."""

    name: str | None = None
    description: str | None = None
    version: str | None = None
    subgraph_metadata: list[SubGraphMetadata] | None = None
    author: str | None = None
    license: str | None = None
    associated_files: list[AssociatedFile] | None = None
    min_parser_version: str | None = None

    def for_model(self, model: bytes) -> ModelMetadata:
        """The metadata to write onto `model` (itself; the writers in `writers.py` derive theirs from the model)."""
        return self

    def associated_file_list(self) -> list[AssociatedFile]:
        """Every AssociatedFile the metadata records, in TFLite Support's order (model, subgraph, tensors, their
        process units, subgraph process units)."""
        return recorded_files(self)


# ---- field names and kinds


def _schema_name(f: dataclasses.Field) -> str:
    return f.metadata.get("name", f.name)


def _t_attr(schema_name: str) -> str:
    """flatc's object API attribute: the schema name in lowerCamelCase (sentencePiece_model -> sentencePieceModel)."""
    head, *rest = schema_name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _schema_fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.metadata.get("schema", True)]


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _strip_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007
    return hint


def _union_members(hint: Any) -> dict[str, type]:
    return {a.__name__: a for a in typing.get_args(_strip_optional(hint)) if a is not type(None)}


def _f32(x: Any) -> float:
    """A float32 value as the shortest Python float naming it (0.1, not 0.10000000149011612)."""
    return float(str(np.float32(x)))


# ---- dataclasses <-> flatc object API


def to_object_api(obj: Any) -> Any:
    """A dataclass tree as the generated `...T` objects (ready for `Pack`)."""
    t = getattr(fb, type(obj).__name__ + "T")()
    for f in _schema_fields(type(obj)):
        attr, value = _t_attr(_schema_name(f)), getattr(obj, f.name)
        if "union" in f.metadata:
            kinds = getattr(fb, f.metadata["union"])
            setattr(t, attr + "Type", 0 if value is None else getattr(kinds, type(value).__name__))
            setattr(t, attr, None if value is None else to_object_api(value))
            continue
        setattr(t, attr, _value_to_t(value))
    return t


def _value_to_t(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return np.frombuffer(bytes(value), np.uint8)
    if isinstance(value, list | tuple):
        return [_value_to_t(v) for v in value]
    if dataclasses.is_dataclass(value):
        return to_object_api(value)
    return value


def from_object_api(cls: type, t: Any) -> Any:
    """A generated `...T` object as the dataclass `cls`."""
    kwargs = {}
    hints = _hints(cls)
    for f in _schema_fields(cls):
        attr = _t_attr(_schema_name(f))
        raw = getattr(t, attr)
        if "union" in f.metadata:
            kinds = getattr(fb, f.metadata["union"])
            names = {v: k for k, v in vars(kinds).items() if not k.startswith("_")}
            kind = names.get(getattr(t, attr + "Type"), "NONE")
            members = _union_members(hints[f.name])
            kwargs[f.name] = (
                None if raw is None or kind not in members else from_object_api(members[kind], raw)
            )
            continue
        kwargs[f.name] = _value_from_t(_strip_optional(hints[f.name]), raw)
    return cls(**kwargs)


def _value_from_t(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    if hint is str:
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    if hint is bytes:
        return bytes(np.asarray(raw, np.uint8))
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return hint(int(raw)) if int(raw) in hint._value2member_map_ else int(raw)
    if hint is float:
        return _f32(raw)
    if hint is int:
        return int(raw)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_value_from_t(item, v) for v in raw]
    if dataclasses.is_dataclass(hint):
        return from_object_api(hint, raw)
    return raw


# ---- JSON as TFLite Support's MetadataDisplayer prints it


def to_json(obj: Any) -> dict[str, Any]:
    """flatc's strict JSON of the metadata (what `MetadataDisplayer.get_metadata_json()` returns), as a dict."""
    out: dict[str, Any] = {}
    hints = _hints(type(obj))
    for f in _schema_fields(type(obj)):
        name, value = _schema_name(f), getattr(obj, f.name)
        if value is None:
            continue
        if "union" in f.metadata:
            out[name + "_type"] = type(value).__name__
            out[name] = to_json(value)
            continue
        if not isinstance(value, list | tuple | bytes) and not dataclasses.is_dataclass(value):
            if not isinstance(value, str) and value == f.default:
                continue  # flatc writes no scalar at its default, so its JSON has none
        out[name] = _json_value(_strip_optional(hints[f.name]), value)
    return out


def _json_float(x: Any) -> float:
    """flatc prints a float32 fixed-point with 6 decimals (trailing zeros trimmed): 1/127.5 reads 0.007843."""
    return float(f"{float(np.float32(x)):.6f}")


def _json_value(hint: Any, value: Any) -> Any:
    if isinstance(value, enum.IntEnum):
        return value.name
    if hint is float:
        return _json_float(value)
    if hint is bytes:
        return list(bytes(value))
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_json_value(item, v) for v in value]
    if dataclasses.is_dataclass(value):
        return to_json(value)
    return value


def from_json(cls: type, d: dict[str, Any]) -> Any:
    """The inverse of `to_json` (also reads the JSON files TFLite Support's displayer writes)."""
    kwargs = {}
    hints = _hints(cls)
    for f in _schema_fields(cls):
        name = _schema_name(f)
        if name not in d:
            continue
        if "union" in f.metadata:
            members = _union_members(hints[f.name])
            kwargs[f.name] = from_json(members[d[name + "_type"]], d[name])
            continue
        kwargs[f.name] = _from_json_value(_strip_optional(hints[f.name]), d[name])
    return cls(**kwargs)


def _from_json_value(hint: Any, value: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return hint[value] if isinstance(value, str) else hint(value)
    if hint is bytes:
        return bytes(value)
    if hint is float:
        return float(value)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_from_json_value(item, v) for v in value]
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value)
    return value


# ---- associated files and min_parser_version (TFLite Support's rules)


def _process_unit_files(units: list[ProcessUnit] | None) -> list[AssociatedFile]:
    files: list[AssociatedFile] = []
    for unit in units or []:
        opts = unit.options
        if isinstance(opts, BertTokenizerOptions | RegexTokenizerOptions):
            files += opts.vocab_file or []
        elif isinstance(opts, SentencePieceTokenizerOptions):
            files += (opts.sentence_piece_model or []) + (opts.vocab_file or [])
    return files


def recorded_files(md: ModelMetadata) -> list[AssociatedFile]:
    """Every AssociatedFile `md` records (TFLite Support's MetadataPopulator walks them in this order)."""
    files = list(md.associated_files or [])
    for sg in md.subgraph_metadata or []:
        files += sg.associated_files or []
        for tm in (sg.input_tensor_metadata or []) + (sg.output_tensor_metadata or []):
            files += tm.associated_files or []
            files += _process_unit_files(tm.process_units)
        files += _process_unit_files(sg.input_process_units)
        files += _process_unit_files(sg.output_process_units)
    return files


# First metadata parser version that understands each member (metadata_version.cc, schema 1.5.0).
_VOCABULARY, _PROCESS_UNITS, _TOKENIZERS, _TENSOR_GROUPS, _REGEX = (
    (1, 0, 1),
    (1, 1, 0),
    (1, 1, 0),
    (1, 2, 0),
    (1, 2, 1),
)
_AUDIO, _SCANN, _FILE_VERSION, _CUSTOM = (1, 3, 0), (1, 4, 0), (1, 4, 1), (1, 5, 0)


def min_parser_version(md: ModelMetadata) -> str:
    """The lowest metadata parser version that understands every field `md` uses, by TFLite Support's rules (which
    look at model, subgraph and tensor files, tensor and subgraph process units, content and presence of fields)."""
    versions = [(1, 0, 0)]

    def files(fs: list[AssociatedFile] | None) -> None:
        for f in fs or []:
            if f.type == AssociatedFileType.VOCABULARY:
                versions.append(_VOCABULARY)
            if f.type == AssociatedFileType.SCANN_INDEX_FILE:
                versions.append(_SCANN)
            if f.version is not None:
                versions.append(_FILE_VERSION)

    def units(us: list[ProcessUnit] | None) -> None:
        for u in us or []:
            if isinstance(u.options, BertTokenizerOptions | SentencePieceTokenizerOptions):
                versions.append(_TOKENIZERS)
            if isinstance(u.options, RegexTokenizerOptions):
                versions.append(_REGEX)

    for sg in md.subgraph_metadata or []:
        for tm in (sg.input_tensor_metadata or []) + (sg.output_tensor_metadata or []):
            files(tm.associated_files)
            units(tm.process_units)
            if tm.content is not None and isinstance(tm.content.content_properties, AudioProperties):
                versions.append(_AUDIO)
        files(sg.associated_files)
        for present in (sg.input_process_units, sg.output_process_units):
            if present is not None:
                versions.append(_PROCESS_UNITS)
                units(present)
        if sg.input_tensor_groups is not None or sg.output_tensor_groups is not None:
            versions.append(_TENSOR_GROUPS)
        if sg.custom_metadata is not None:
            versions.append(_CUSTOM)
    files(md.associated_files)
    return ".".join(str(v) for v in max(versions))
