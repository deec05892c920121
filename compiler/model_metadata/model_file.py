"""The TFLITE_METADATA entry of a .tflite file and its associated files, read and written as TFLite Support's
MetadataPopulator and MetadataDisplayer do:

- the metadata is a `ModelMetadata` FlatBuffer (file identifier "M001", `min_parser_version` computed from the fields
  used, associated file names reduced to their base names) stored in a model buffer that a `Metadata` entry named
  "TFLITE_METADATA" points to (an existing entry keeps its place and gets the new buffer);
- associated files are a zip archive appended to the FlatBuffer (stored, not compressed, entry offsets counted from
  the start of the file), which zip readers find from the end of the file.

Writing changes no tensor, operator, buffer or signature: the new file starts with a new root `Model` table whose
fields point into the old FlatBuffer, copied verbatim (16-byte aligned, so every constant keeps its alignment); only
the `buffers` and `metadata` vectors are new. The old root table and vectors (and a replaced metadata buffer) stay
behind as unreferenced bytes, a few hundred for a model without metadata. Models whose buffers live outside the
FlatBuffer (the > 2 GB layout, absolute offsets) are refused.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import flatbuffers

from compiler.errors import TflcError
from compiler.model_metadata import metadata_schema_generated as fb
from compiler.model_metadata.objects import (
    AssociatedFileType,
    ModelMetadata,
    from_object_api,
    min_parser_version,
    recorded_files,
    to_object_api,
)

METADATA_NAME = "TFLITE_METADATA"
MODEL_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same inputs give the same bytes


class MetadataError(TflcError, ValueError):
    """Model metadata that cannot be read or written as given (the message says which part and why)."""


class MetadataWriter(Protocol):
    """Anything that gives the metadata for a model: a `ModelMetadata`, or a writer from `writers.py`."""

    def for_model(self, model: bytes) -> ModelMetadata: ...


# ---- the model side


@dataclass
class TensorInfo:
    """An input or output of the model's first subgraph, as the writers and the code generator need it."""

    name: str
    index: int
    shape: list[int]
    dtype: str  # TensorType in lower case: float32, uint8, int8, string, ...
    scale: float | None = None  # per-tensor quantization, None when the tensor is not quantized
    zero_point: int | None = None
    dynamic: bool = False  # some axis has any size (-1 in shape_signature)


@dataclass
class ModelInfo:
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]


def _model(data: bytes) -> Any:
    import tflite

    if len(data) < 8 or data[4:8] != MODEL_IDENTIFIER:
        ident = bytes(data[4:8]) if len(data) >= 8 else b""
        raise MetadataError(f"not a TFLite model (file identifier {ident!r}, expected b'TFL3')")
    model = tflite.Model.GetRootAs(data, 0)
    try:
        if model.SubgraphsLength() < 1:
            raise MetadataError("the model has no subgraph to describe")
        model.Subgraphs(0).InputsLength()
    except (struct.error, IndexError) as e:
        raise MetadataError(f"corrupt TFLite model: {e}") from e
    return model


def model_info(data: bytes) -> ModelInfo:
    """Inputs and outputs of subgraph 0 (the one TFLite metadata describes)."""
    from dialects.tensor_types import tensor_type_display

    model = _model(data)
    sg = model.Subgraphs(0)

    def info(i: int) -> TensorInfo:
        t = sg.Tensors(i)
        q = t.Quantization()
        scale = zp = None
        if q is not None and q.ScaleLength() == 1:
            scale, zp = float(q.Scale(0)), int(q.ZeroPoint(0))
        shape = [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []
        name = (t.Name() or b"").decode("utf-8", "replace")
        dynamic = bool(t.ShapeSignatureLength()) and any(int(d) < 0 for d in t.ShapeSignatureAsNumpy())
        return TensorInfo(name, i, shape, tensor_type_display(t.Type()), scale, zp, dynamic)

    return ModelInfo(
        [info(int(i)) for i in sg.InputsAsNumpy()] if sg.InputsLength() else [],
        [info(int(i)) for i in sg.OutputsAsNumpy()] if sg.OutputsLength() else [],
    )


# ---- reading


def metadata_buffer(data: bytes) -> bytes | None:
    """The raw TFLITE_METADATA buffer, None when the model has none."""
    model = _model(data)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if (entry.Name() or b"").decode("utf-8", "replace") == METADATA_NAME:
            if entry.Buffer() >= model.BuffersLength():
                raise MetadataError(
                    f"corrupt metadata: TFLITE_METADATA points to buffer {entry.Buffer()} of "
                    f"{model.BuffersLength()}"
                )
            raw = model.Buffers(entry.Buffer()).DataAsNumpy()
            return b"" if isinstance(raw, int) else raw.tobytes()
    return None


def parse_metadata(buffer: bytes) -> ModelMetadata:
    """A ModelMetadata FlatBuffer ("M001") as plain objects."""
    if len(buffer) < 8 or buffer[4:8] != METADATA_IDENTIFIER:
        ident = bytes(buffer[4:8]) if len(buffer) >= 8 else b""
        raise MetadataError(
            f"corrupt metadata: TFLITE_METADATA has file identifier {ident!r}, expected b'M001'"
        )
    try:
        t = fb.ModelMetadataT.InitFromBuf(buffer, struct.unpack_from("<I", buffer, 0)[0])
        return from_object_api(ModelMetadata, t)
    except (
        Exception
    ) as e:  # the Python FlatBuffer reader has no verifier: bad offsets fail somewhere inside it
        raise MetadataError(
            f"corrupt metadata: the TFLITE_METADATA buffer does not parse ({type(e).__name__}: {e})"
        ) from e


def packed_files(data: bytes) -> dict[str, bytes]:
    """The associated files zipped onto the model, by name (empty when there is no zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {name: zf.read(name) for name in zf.namelist()}
    except zipfile.BadZipFile:
        return {}
    except Exception as e:
        raise MetadataError(
            f"corrupt associated files: the zip appended to the model does not read ({e})"
        ) from e


def read_metadata(data: bytes) -> ModelMetadata:
    """The model's metadata, each recorded associated file's `content` filled from the packed zip."""
    buffer = metadata_buffer(data)
    if buffer is None:
        raise MetadataError(
            "the model has no metadata (no TFLITE_METADATA entry); add some with `tflc metadata add`"
        )
    md = parse_metadata(buffer)
    files = packed_files(data)
    for f in recorded_files(md):
        f.content = files.get(f.name or "")
    return md


def has_metadata(data: bytes) -> bool:
    return metadata_buffer(data) is not None


# ---- writing


def serialize_metadata(md: ModelMetadata) -> bytes:
    """The "M001" FlatBuffer of `md`, with min_parser_version and base-name file names as TFLite Support writes."""
    t = to_object_api(md)
    t.minParserVersion = min_parser_version(md)
    for f in _t_files(t):
        f.name = os.path.basename(f.name) if f.name is not None else None
    b = flatbuffers.Builder(1024)
    b.Finish(t.Pack(b), METADATA_IDENTIFIER)
    return bytes(b.Output())


def _t_files(t: Any) -> list[Any]:
    """The AssociatedFileT objects of an object-API tree (recorded_files' walk on the generated classes)."""
    return [f for f in _walk(t) if isinstance(f, fb.AssociatedFileT)]


def _walk(t: Any) -> list[Any]:
    out = [t]
    for value in vars(t).values():
        for v in value if isinstance(value, list) else [value]:
            if hasattr(v, "Pack"):
                out += _walk(v)
    return out


def write_metadata(data: bytes, metadata: MetadataWriter, files: Mapping[str, bytes] | None = None) -> bytes:
    """`data` (a .tflite) with `metadata` as its TFLITE_METADATA and the associated files zipped on. A file's bytes
    come from its `content`, else `files[name]`, else the model's zip; files the model already packs stay packed."""
    model_bytes = bytes(data)
    _model(model_bytes)
    if not callable(getattr(metadata, "for_model", None)):
        raise MetadataError(
            f"metadata must be a ModelMetadata or a writer (ImageClassifier, ...), not {type(metadata).__name__}"
        )
    md = metadata.for_model(model_bytes)
    info = model_info(model_bytes)
    _validate(md, info)
    old_files = packed_files(model_bytes)
    contents = dict(old_files)
    for f in recorded_files(md):
        name = os.path.basename(f.name or "")
        if not name:
            raise MetadataError("an associated file has no name")
        content = (
            f.content if f.content is not None else (files or {}).get(name, (files or {}).get(f.name or ""))
        )
        if content is None:
            content = old_files.get(name)
        if content is None:
            raise MetadataError(
                f"associated file '{name}' is recorded in the metadata but its bytes were not given"
            )
        contents[name] = bytes(content)
    for name, content in (files or {}).items():
        contents.setdefault(os.path.basename(name), bytes(content))
    _check_labels(md, info, contents)
    flat = _flatbuffer_part(model_bytes)
    return _append_zip(_with_metadata_buffer(flat, serialize_metadata(md)), contents)


def _validate(md: ModelMetadata, info: ModelInfo) -> None:
    subgraphs = md.subgraph_metadata or []
    if len(subgraphs) != 1:
        raise MetadataError(
            f"metadata must describe exactly one subgraph (TFLite Support's rule), got {len(subgraphs)}"
        )
    sg = subgraphs[0]
    for kind, tensors, meta in (
        ("input", info.inputs, sg.input_tensor_metadata),
        ("output", info.outputs, sg.output_tensor_metadata),
    ):
        if len(meta or []) != len(tensors):
            raise MetadataError(
                f"the model has {len(tensors)} {kind} tensor(s) but the metadata describes {len(meta or [])}"
            )


def label_lines(content: bytes) -> list[str]:
    """A label file's labels: one per non-empty line (TFLite Support's label loaders skip empty lines)."""
    return [line.strip() for line in content.decode("utf-8", "replace").splitlines() if line.strip()]


def _check_labels(md: ModelMetadata, info: ModelInfo, contents: Mapping[str, bytes]) -> None:
    """A label file (TENSOR_AXIS_LABELS) on an output names each value of the output's last axis: counts must agree."""
    sg = (md.subgraph_metadata or [])[0]
    for tensor, tm in zip(info.outputs, sg.output_tensor_metadata or [], strict=True):
        classes = tensor.shape[-1] if tensor.shape else 0  # no shape (unknown rank): nothing to check
        for f in tm.associated_files or []:
            if f.type != AssociatedFileType.TENSOR_AXIS_LABELS or classes <= 0:
                continue
            n = len(label_lines(contents[os.path.basename(f.name or "")]))
            if n != classes:
                raise MetadataError(
                    f"label file '{f.name}' has {n} labels but output '{tm.name or tensor.name}' has {classes} "
                    f"values per item (shape {tensor.shape})"
                )


def _flatbuffer_part(data: bytes) -> bytes:
    """The model without an appended zip (associated files start at the zip's first local header)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            starts = [i.header_offset for i in zf.infolist()]
    except zipfile.BadZipFile:
        return data
    return data[: min(starts)] if starts else data


def _append_zip(flat: bytes, files: Mapping[str, bytes]) -> bytes:
    if not files:
        return flat
    out = io.BytesIO()
    out.write(flat)
    # A zip written after the FlatBuffer, offsets from the start of the file (what TFLite Support's zipfile "a" mode
    # writes); stored so readers (Android's MetadataExtractor) can map the files without inflating them.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            zf.writestr(entry, content)
    return out.getvalue()


# Model table slots (tensorflow/lite/schema/schema.fbs): version, operator_codes, subgraphs, description, buffers,
# metadata_buffer, metadata, signature_defs. Slot 0 is a uint32, the others offsets.
_MODEL_SLOTS = 8
_BUFFERS_SLOT, _METADATA_SLOT = 4, 6


def _with_metadata_buffer(flat: bytes, metadata: bytes) -> bytes:
    """A new root Model table in front of the old FlatBuffer (kept verbatim): its buffers/metadata vectors gain the
    TFLITE_METADATA buffer and entry, every other field points at the old objects."""
    import tflite

    model = _model(flat)
    for i in range(model.BuffersLength()):
        if model.Buffers(i).Offset() > 1:
            raise MetadataError(
                "models whose buffers live outside the FlatBuffer (> 2 GB layout) cannot carry metadata"
            )
    root = model._tab.Pos
    vtable = root - struct.unpack_from("<i", flat, root)[0]
    vt_size = struct.unpack_from("<H", flat, vtable)[0]
    slots = [struct.unpack_from("<H", flat, vtable + 4 + 2 * s)[0] for s in range((vt_size - 4) // 2)]
    if any(slots[_MODEL_SLOTS:]):
        raise MetadataError("the model's root table has fields newer than the TFLite schema tflc knows")

    def target(slot: int) -> int | None:
        """Position in `flat` of the object a root field points to."""
        if slot >= len(slots) or not slots[slot]:
            return None
        at = root + slots[slot]
        return at + struct.unpack_from("<I", flat, at)[0]

    b = flatbuffers.Builder(len(flat) + len(metadata) + 4096)
    data_vec = _aligned_bytes(b, metadata)
    tflite.BufferStart(b)
    tflite.BufferAddData(b, data_vec)
    new_buffer = tflite.BufferEnd(b)
    blob = _aligned_bytes(b, flat)

    def old(pos: int) -> int:
        """Builder offset of the object at `pos` in the old FlatBuffer (copied at `blob`)."""
        return blob - 4 - pos

    buffers = [old(model.Buffers(i)._tab.Pos) for i in range(model.BuffersLength())]
    entries = [old(model.Metadata(i)._tab.Pos) for i in range(model.MetadataLength())]
    existing = [
        model.Metadata(i).Buffer()
        for i in range(model.MetadataLength())
        if (model.Metadata(i).Name() or b"").decode("utf-8", "replace") == METADATA_NAME
    ]
    if existing:  # as TFLite Support: the entry keeps its place and points at the new buffer
        buffers[existing[0]] = new_buffer
    else:
        name = b.CreateString(METADATA_NAME)
        tflite.MetadataStart(b)
        tflite.MetadataAddName(b, name)
        tflite.MetadataAddBuffer(b, len(buffers))
        entries.append(tflite.MetadataEnd(b))
        buffers.append(new_buffer)
    buffers_vec = _offset_vector(b, buffers)
    entries_vec = _offset_vector(b, entries)

    b.StartObject(_MODEL_SLOTS)
    b.PrependUint32Slot(0, model.Version(), 0)
    for slot in range(1, _MODEL_SLOTS):
        if slot == _BUFFERS_SLOT:
            b.PrependUOffsetTRelativeSlot(slot, buffers_vec, 0)
        elif slot == _METADATA_SLOT:
            b.PrependUOffsetTRelativeSlot(slot, entries_vec, 0)
        elif (pos := target(slot)) is not None:
            b.PrependUOffsetTRelativeSlot(slot, old(pos), 0)
    b.Finish(b.EndObject(), MODEL_IDENTIFIER)
    return bytes(b.Output())


def _aligned_bytes(b: flatbuffers.Builder, data: bytes) -> int:
    """A ubyte vector whose first byte is 16-byte aligned in the finished buffer."""
    b.StartVector(1, len(data), 16)
    b.head -= len(data)
    b.Bytes[b.head : b.head + len(data)] = data
    return b.EndVector()


def _offset_vector(b: flatbuffers.Builder, offsets: list[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()
