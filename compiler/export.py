"""tfl module -> LiteRT FlatBuffer bytes (schema v3, file identifier "TFL3").

Generic over ops: each `tfl` op class declares its builtin code, options table and version (dialects/tfl/); ops
that are not builtins provide `custom_code()` and `custom_options()` (select-TF / custom ops). One `func.func` is
one subgraph and one SignatureDef (entry functions in module order, so subgraph index = signature index).
Constant data is 16-byte aligned and deduplicated by content digest; buffer 0 is the empty sentinel.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from typing import Any

import flatbuffers
import flatbuffers.number_types as fb_types
import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, NoneType, StringAttr, TensorType
from xdsl.ir import Block, Operation, Region, SSAValue

from compiler.errors import ExportError
from compiler.metadata import conversion_metadata, min_runtime_version, model_hash
from compiler.options import ExportOptions
from dialects import tensor_types, tfl
from dialects.elements import Blob, numpy_dtype
from dialects.names import INPUT_TENSOR_NAMES, NAME, OUTPUT_TENSOR_NAMES, SIGNATURE_INPUTS, SIGNATURE_OUTPUTS
from dialects.quant import UniformQuantizedType, quantized_element
from dialects.tfl.base import builtin_name
from dialects.tfl.rnn import INTERMEDIATES

_MAX_FLATBUFFER = 2**31 - 1


def tensor_type_code(dtype: np.dtype) -> int:
    try:
        return tensor_types.tensor_type_code(dtype)
    except ValueError as e:
        raise ExportError(str(e)) from None


def _element_type_code(elem: Any) -> int:
    """TensorType code of a tensor's element type; TF's opaque string/resource/variant types (Flex operands) map to
    STRING/RESOURCE/VARIANT."""
    q = quantized_element(elem)
    if q is not None:
        return tensor_type_code(q.storage_dtype)
    kind = getattr(elem, "kind", None)
    if getattr(elem, "name", "") == "tf.opaque" and kind is not None:
        code = tensor_types.TENSOR_TYPE_CODES.get(kind.data.upper())
        if code is None:
            raise ExportError(f"TF type {kind.data!r} has no TFLite TensorType")
        return code
    return tensor_type_code(numpy_dtype(elem))


def _prep(b: flatbuffers.Builder, size: int, additional: int) -> None:
    """`Builder.Prep` (align so `size` bytes land aligned after `additional` more), without its per-call overhead
    when the buffer has room (the Builder grows it otherwise)."""
    if size > b.minalign:
        b.minalign = size
    head = b.head
    pad = -(len(b.Bytes) - head + additional) & (size - 1)
    if head < pad + size + additional:
        b.Prep(size, additional)
    elif pad:
        b.Bytes[head - pad : head] = bytes(pad)
        b.head = head - pad


def _bytes_vector(b: flatbuffers.Builder, data: bytes | memoryview, alignment: int = 16) -> int:
    b.StartVector(1, len(data), alignment)
    b.head -= len(data)
    b.Bytes[b.head : b.head + len(data)] = data
    return b.EndVector()


def _string(b: flatbuffers.Builder, s: str | bytes) -> int:
    """`Builder.CreateString`: the UTF-8 bytes, a 0 terminator and the length, in one go."""
    x = s.encode() if isinstance(s, str) else bytes(s)
    n = len(x)
    _prep(b, 4, n + 1)
    head = b.head - n - 1
    b.Bytes[head : b.head] = x + b"\0"
    head -= 4
    _U32.pack_into(b.Bytes, head, n)
    b.head = head
    return len(b.Bytes) - head


def _int_vector(
    b: flatbuffers.Builder, values: list[int], prepend: str = "PrependInt32", size: int = 4
) -> int:
    # int32, the common case, as one block of bytes: the bytes element-wise prepends give
    if prepend == "PrependInt32":
        return _raw_vector(b, struct.pack(f"<{len(values)}i", *values), len(values))
    b.StartVector(size, len(values), size)
    add = getattr(b, prepend)
    for v in reversed(values):
        add(v)
    return b.EndVector()


def _raw_vector(b: flatbuffers.Builder, data: bytes, n: int) -> int:
    """A vector of `n` 4-byte elements from their little-endian bytes (StartVector, the data, EndVector)."""
    _prep(b, 4, len(data))
    head = b.head - len(data)
    b.Bytes[head : b.head] = data
    head -= 4
    _U32.pack_into(b.Bytes, head, n)
    b.head = head
    return len(b.Bytes) - head


def _offset_vector(b: flatbuffers.Builder, offsets: list[int]) -> int:
    n = len(offsets)
    _prep(b, 4, 4 * n)
    # element j is relative to its own position: the offset before writing + 4 * (n - j), minus its target
    here = len(b.Bytes) - b.head + 4 * n
    at = [here - 4 * j - off for j, off in enumerate(offsets)]
    if n and min(at) < 4:
        raise ExportError("flatbuffer offset vector points forward")
    return _raw_vector(b, struct.pack(f"<{n}I", *at), n)


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


_U16, _U32, _I32 = struct.Struct("<H"), struct.Struct("<I"), struct.Struct("<i")
_SCALARS = {  # the generated adders' Builder methods -> (byte width, packer)
    f"Prepend{kind}Slot": (flags.bytewidth, flags.packer_type)
    for kind, flags in (
        ("Bool", fb_types.BoolFlags),
        ("Uint8", fb_types.Uint8Flags),
        ("Uint16", fb_types.Uint16Flags),
        ("Uint32", fb_types.Uint32Flags),
        ("Uint64", fb_types.Uint64Flags),
        ("Int8", fb_types.Int8Flags),
        ("Int16", fb_types.Int16Flags),
        ("Int32", fb_types.Int32Flags),
        ("Int64", fb_types.Int64Flags),
        ("Float32", fb_types.Float32Flags),
        ("Float64", fb_types.Float64Flags),
    )
}


class _Recorder:
    """Stands in for the Builder to read what a generated `tflite` builder function writes (its field count, or a
    field's slot, Builder method and default)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, method: str) -> Callable[..., None]:
        return lambda *args: self.calls.append((method, args))


@functools.cache
def _table_fields(table: str) -> tuple[int, dict[str, tuple[int, int, Any, Any]]]:
    """(number of fields, field name -> (vtable slot, byte width, packer or None for an offset, schema default)),
    read from `tflite.<table>Start` / `<table>Add<Field>`; fields are filled in as they are met."""
    rec = _Recorder()
    getattr(tflite, f"{table}Start")(rec)
    ((method, (numfields,)),) = rec.calls
    assert method == "StartObject"
    return numfields, {}


def _field(table: str, name: str) -> tuple[int, int, Any, Any]:
    rec = _Recorder()
    getattr(tflite, f"{table}Add{_camel(name)}")(rec, 0)
    ((method, (slot, _, default)),) = rec.calls
    if method == "PrependUOffsetTRelativeSlot":
        return slot, 4, None, default
    width, packer = _SCALARS[method]
    return slot, width, packer, default


def _table(b: flatbuffers.Builder, table: str, **fields: Any) -> int:
    """One table, fields written in the order given (None: left out), byte for byte as the generated
    `tflite.<table>Add<Field>` builders and `Builder.EndObject` write it (values equal to the schema default left
    out, vtables shared), without their per-field call overhead (export writes thousands of tables)."""
    numfields, known = _table_fields(table)
    vtable = [0] * numfields
    object_end = len(b.Bytes) - b.head
    for name, value in fields.items():
        if value is None:
            continue
        spec = known.get(name)
        if spec is None:
            spec = known[name] = _field(table, name)
        slot, width, packer, default = spec
        if value == default:
            continue
        _prep(b, width, 0)
        head = b.head - width
        if packer is None:  # an offset, relative to where it is written
            at = len(b.Bytes) - b.head
            if value > at:
                raise ExportError("flatbuffer offset points forward")
            _U32.pack_into(b.Bytes, head, at - value + 4)
        else:
            packer.pack_into(b.Bytes, head, value)
        b.head = head
        vtable[slot] = len(b.Bytes) - head
    # Builder.WriteVtable: the object's offset to its vtable, then the vtable unless an equal one was written
    _prep(b, 4, 0)
    b.head -= 4
    object_offset = len(b.Bytes) - b.head
    while vtable and vtable[-1] == 0:
        vtable.pop()
    entries = [object_offset - e if e else 0 for e in vtable]
    object_size = object_offset - object_end
    key = (*reversed(entries), object_size)
    existing = b.vtables.get(key)
    if existing is None:
        data = struct.pack(f"<{len(entries) + 2}H", 2 * (len(entries) + 2), object_size, *entries)
        _prep(b, 2, len(data) - 2)
        head = b.head - len(data)
        b.Bytes[head : b.head] = data
        b.head = head
        _I32.pack_into(b.Bytes, len(b.Bytes) - object_offset, len(b.Bytes) - head - object_offset)
        b.vtables[key] = len(b.Bytes) - head
    else:
        b.head = len(b.Bytes) - object_offset
        _I32.pack_into(b.Bytes, b.head, existing - object_offset)
    return object_offset


def _build_options(
    b: flatbuffers.Builder, op: tfl.TflOp, region_subgraph: dict[Region, int] | None = None
) -> tuple[int, int]:
    """(BuiltinOptions union type, table offset) for an op; (0, 0) when it has no options table. Ops with regions
    write their regions' subgraph indices; string-valued options (VAR_HANDLE's names) come from `string_options`."""
    if hasattr(op, "string_options"):
        table, strings = op.string_options()
        offsets = {k: _string(b, v) for k, v in strings.items()}
        return getattr(tflite.BuiltinOptions, table), _table(b, table, **offsets)
    if getattr(op, "REGION_OPTIONS", None):
        values = op.region_options(lambda r: (region_subgraph or {})[r])
        return getattr(tflite.BuiltinOptions, op.REGION_OPTIONS), _table(b, op.REGION_OPTIONS, **values)
    spec = op.OPTIONS
    if spec is None:
        return 0, 0
    values = op.options()
    for name, f in spec.fields.items():
        if f.kind == "int_vec":
            values[name] = _int_vector(b, values[name])
        elif f.kind == "float_vec":
            values[name] = _int_vector(b, values[name], "PrependFloat32")
    return getattr(tflite.BuiltinOptions, spec.table), _table(b, spec.table, **values)


class _Subgraph:
    """Tensor numbering for one subgraph: an entry function, or a region of IF/WHILE/CALL_ONCE."""

    def __init__(self, name: str, block: Block, buffers: _Buffers, fn: func.FuncOp | None = None) -> None:
        self.name = name
        self.block = block
        self.fn = fn  # the entry function (it has a SignatureDef); None for a region
        self.buffers = buffers
        self.tensors: list[tuple[SSAValue, str, int]] = []  # value, name, buffer index
        self.index: dict[SSAValue, int] = {}

    @property
    def terminator(self) -> Operation:
        last = self.block.last_op
        assert isinstance(last, func.ReturnOp | tfl.YieldOp)
        return last

    def add(self, value: SSAValue, name: str, buffer: int = 0) -> int:
        if value not in self.index:
            self.index[value] = len(self.tensors)
            self.tensors.append((value, name, buffer))
        return self.index[value]

    def rename_outputs(self, names: list[str]) -> None:
        """Give returned tensors the file's output names (TF's SignatureDef names); an input returned as is keeps its
        name, and a tensor returned twice takes the first."""
        assert self.fn is not None
        done = set(self.fn.args)
        for value, name in zip(_returned(self.fn), names, strict=True):
            if value in done or value not in self.index:
                continue
            done.add(value)
            i = self.index[value]
            self.tensors[i] = (value, name, self.tensors[i][2])

    def ref(self, value: SSAValue) -> int:
        if isinstance(value.type, NoneType):
            return -1
        return self.index[value]


class _Buffers:
    """Constant buffers, deduplicated by content: only blobs of equal byte size are ever compared."""

    def __init__(self) -> None:
        self.data: list[bytes | memoryview] = [b""]
        self.by_size: dict[int, list[tuple[Blob, int]]] = {}

    def add_raw(self, op: Operation) -> int:
        """A constant's buffer given as bytes (not deduplicated: such constants are rare and small)."""
        self.data.append(op.constant_bytes())
        return len(self.data) - 1

    def add(self, blob: Blob) -> int:
        arr = blob.array
        candidates = self.by_size.setdefault(arr.nbytes, [])
        for other, index in candidates:
            if other is blob or _same_bytes(other, blob):
                return index
        index = len(self.data)
        self.data.append(memoryview(arr).cast("B"))
        candidates.append((blob, index))
        return index


def _same_bytes(a: Blob, b: Blob) -> bool:
    """Identical raw bytes (a buffer is bytes: int32 [2,3] and int32 [6] with equal data share one)."""
    return bool(np.array_equal(a.array.reshape(-1).view(np.uint8), b.array.reshape(-1).view(np.uint8)))


def _value_name(value: SSAValue, fallback: str) -> str:
    owner = value.owner
    if isinstance(owner, Operation):
        attr = owner.attributes.get(NAME)
        if isinstance(attr, StringAttr):
            idx = owner.results.index(value)
            return attr.data if idx == 0 else f"{attr.data}:{idx}"
    return fallback


def _returned(fn: func.FuncOp) -> list[SSAValue]:
    ret = fn.body.block.last_op
    return list(ret.operands) if isinstance(ret, func.ReturnOp) else []


def _is_raw_constant(op: Operation) -> bool:
    """A constant op that gives its buffer as bytes (`constant_bytes()`), e.g. tfl.pseudo_string_const."""
    return hasattr(op, "constant_bytes")


def _is_exportable(op: Operation) -> bool:
    return isinstance(op, tfl.TflOp) or hasattr(op, "custom_code")


def check_exportable(module: ModuleOp) -> list[Operation]:
    """Ops that are neither builtins nor custom/flex ops (each would make export fail)."""
    bad = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        for op in fn.body.walk():
            if isinstance(op, tfl.ConstOp | tfl.NoValueOp | func.ReturnOp | tfl.YieldOp) or _is_raw_constant(
                op
            ):
                continue
            if not _is_exportable(op):
                bad.append(op)
    return bad


def export(module: ModuleOp, options: ExportOptions | None = None) -> bytes:
    """Serialize a fully legalized module."""
    options = options or ExportOptions()
    bad = check_exportable(module)
    if bad:
        names = sorted({op.name for op in bad})
        raise ExportError(f"cannot export ops that are not TFLite builtins: {', '.join(names)}")

    functions = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if not functions:
        raise ExportError("module has no func.func to export")

    buffers = _Buffers()
    _INTERMEDIATES.clear()
    # One OperatorCode per builtin (or custom code) whose version is the highest any of its ops needs, as TF's
    # exporter does (tools/versioning UpdateOpVersion): a float and a hybrid CONV_2D share version 5.
    opcodes: dict[tuple[int, str], int] = {}
    versions: dict[tuple[int, str], int] = {}
    runtime_versions: set[str] = set()
    subgraphs: list[_Subgraph] = []
    # Regions become subgraphs after the entry functions (signature index = subgraph index), in the order met.
    region_subgraph: dict[Region, int] = {}
    pending: list[tuple[Region, str]] = []
    for fn in functions:
        sg = _Subgraph(fn.sym_name.data, fn.body.block, buffers, fn)
        in_names = _names(fn, SIGNATURE_INPUTS, len(fn.args), "input")
        if INPUT_TENSOR_NAMES in fn.attributes:  # TF's SignatureDef tensor names, or a .tflite's own
            in_names = _names(fn, INPUT_TENSOR_NAMES, len(fn.args), "input")
        for arg, name in zip(fn.args, in_names, strict=True):
            sg.add(arg, name)
        subgraphs.append(sg)
    queue = list(subgraphs)
    while queue:
        sg = queue.pop(0)
        for op in sg.block.ops:
            if isinstance(op, tfl.NoValueOp | func.ReturnOp | tfl.YieldOp):
                _add_outer_constants(sg, op)
                continue
            if _is_raw_constant(op):  # a constant that declares its own buffer bytes (STRING constants)
                raw = buffers.add_raw(op) if op.constant_bytes() else 0  # variable tensors: no buffer, as TF
                sg.add(op.results[0], _value_name(op.results[0], f"const_{len(sg.tensors)}"), raw)
                continue
            if isinstance(op, tfl.ConstOp):
                _add_constant(sg, op)
                continue
            _add_outer_constants(sg, op)
            for i, res in enumerate(op.results):
                sg.add(res, _value_name(res, f"{op.name}_{len(sg.tensors)}_{i}"))
            for inter in _intermediates(op):
                sg.add(inter, inter.name)  # type: ignore[arg-type]
            for region, field in zip(op.regions, getattr(op, "REGION_FIELDS", ()), strict=False):
                region_subgraph[region] = len(functions) + len(pending)
                pending.append((region, field))
                stem = _value_name(op.results[0], op.name) if op.results else op.name.replace("tfl.", "")
                child = _Subgraph(f"{stem}_{field.removesuffix('_subgraph_index')}", region.block, buffers)
                for i, arg in enumerate(region.block.args):
                    child.add(arg, f"{child.name}_arg{i}")
                subgraphs.append(child)
                queue.append(child)
            key, version = _opcode_key(op)
            opcodes.setdefault(key, len(opcodes))
            versions[key] = max(versions.get(key, version), version)
            if isinstance(op, tfl.TflOp):
                runtime_versions.add(_runtime_version(op, version))
    for sg in subgraphs:
        if sg.fn is not None and OUTPUT_TENSOR_NAMES in sg.fn.attributes:
            sg.rename_outputs(_names(sg.fn, OUTPUT_TENSOR_NAMES, len(_returned(sg.fn)), "output"))

    total = sum(len(d) for d in buffers.data)
    if total > _MAX_FLATBUFFER:
        raise ExportError(f"model weights are {total} bytes, over the 2 GiB FlatBuffer limit")
    b = flatbuffers.Builder(total + 1024 * 1024)

    # Buffers first (largest data), then everything that points at them.
    runtime_version = min_runtime_version(runtime_versions)
    metadata: dict[str, bytes] = {"min_runtime_version": runtime_version.encode().ljust(16, b"\0")[:16]}
    if "reduced_precision_support" in options.extra_metadata:  # TF writes it before CONVERSION_METADATA
        metadata["reduced_precision_support"] = options.extra_metadata["reduced_precision_support"]
    if options.include_conversion_metadata:
        metadata["CONVERSION_METADATA"] = conversion_metadata(options, _structure_hash(subgraphs, buffers))
    metadata.update(options.extra_metadata)
    meta_buffers = {}
    for name, data in metadata.items():
        meta_buffers[name] = len(buffers.data)
        buffers.data.append(data)
    buffer_offsets = []
    for data in reversed(buffers.data):
        buffer_offsets.append(_table(b, "Buffer", data=_bytes_vector(b, data) if len(data) else None))
    buffer_offsets.reverse()

    sg_offsets = [_build_subgraph(b, sg, opcodes, region_subgraph) for sg in subgraphs]

    code_offsets = []
    for (code, custom), version in ((k, versions[k]) for k in opcodes):
        custom_off = _string(b, custom) if custom else None
        code_offsets.append(
            _table(
                b,
                "OperatorCode",
                deprecated_builtin_code=min(code, 127),
                custom_code=custom_off,
                version=version,
                builtin_code=code,
            )
        )

    sig_offsets = [_build_signature(b, sg, i) for i, sg in enumerate(subgraphs) if sg.fn is not None]

    meta_offsets = []
    for name, buf in meta_buffers.items():
        meta_offsets.append(_table(b, "Metadata", name=_string(b, name), buffer=buf))

    desc = _string(b, options.description)
    codes_vec = _offset_vector(b, code_offsets)
    sgs_vec = _offset_vector(b, sg_offsets)
    bufs_vec = _offset_vector(b, buffer_offsets)
    meta_vec = _offset_vector(b, meta_offsets)
    sigs_vec = _offset_vector(b, sig_offsets)
    model = _table(
        b,
        "Model",
        version=3,
        operator_codes=codes_vec,
        subgraphs=sgs_vec,
        description=desc,
        buffers=bufs_vec,
        metadata=meta_vec,
        signature_defs=sigs_vec,
    )
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def _add_constant(sg: _Subgraph, op: tfl.ConstOp) -> None:
    blob = op.value.data
    sg.add(
        op.output,
        _value_name(op.output, f"const_{len(sg.tensors)}"),
        sg.buffers.add(blob) if blob.array.nbytes else 0,
    )


def _add_outer_constants(sg: _Subgraph, op: Operation) -> None:
    """Constants of an enclosing subgraph that an op of a region reads: tensors of this subgraph too (same buffer).
    Any other value from outside a region cannot be exported (LiteRT subgraphs share no tensors)."""
    for v in op.operands:
        if v in sg.index or isinstance(v.type, NoneType):
            continue
        owner = v.owner
        if isinstance(owner, tfl.ConstOp):
            _add_constant(sg, owner)
        elif _is_raw_constant(owner):
            sg.add(v, _value_name(v, f"const_{len(sg.tensors)}"), sg.buffers.add_raw(owner))
        else:
            raise ExportError(f"'{op.name}' in subgraph {sg.name!r} reads a value defined outside it")


def _runtime_version(op: tfl.TflOp, version: int) -> str:
    """First LiteRT release running this op at `version` (declared on the op class)."""
    try:
        return op.VERSIONS[version]
    except KeyError:
        raise ExportError(
            f"'{op.name}' version {version} has no runtime version: declare it in {type(op).__name__}.VERSIONS "
            "(from TensorFlow's tools/versioning/runtime_version.cc)"
        ) from None


def _opcode_key(op: Operation) -> tuple[tuple[int, str], int]:
    """((builtin code, custom code), the version this op needs)."""
    return _opcode_code(op), op.version() if isinstance(op, tfl.TflOp) else 1


def _opcode_code(op: Operation) -> tuple[int, str]:
    """(builtin code, custom code): the operator-code table's key, without working out the version."""
    if isinstance(op, tfl.TflOp):
        return op.BUILTIN, ""
    return BuiltinOperator.CUSTOM, op.custom_code()


def _names(fn: func.FuncOp, attr_name: str, n: int, prefix: str) -> list[str]:
    attr = fn.attributes.get(attr_name)
    if isinstance(attr, ArrayAttr) and len(attr.data) == n:
        return [a.data for a in attr.data]
    return [f"{prefix}_{i}" for i in range(n)]


class _Intermediate:
    """An operator's intermediate tensor (Operator.intermediates: the integer LSTM's calibrated gate and hidden
    scales), declared by the op's `tflc.intermediates` attribute (names, types); no data, no producer."""

    owner = None

    def __init__(self, name: str, type: TensorType) -> None:
        self.name = name
        self.type = type


_INTERMEDIATES: dict[Operation, list[_Intermediate]] = {}


def _intermediates(op: Operation) -> list[_Intermediate]:
    attr = op.attributes.get(INTERMEDIATES)
    if attr is None:
        return []
    if op not in _INTERMEDIATES:
        _INTERMEDIATES[op] = [
            _Intermediate(pair.data[0].data, pair.data[1])
            for pair in attr.data  # type: ignore[attr-defined]
        ]
    return _INTERMEDIATES[op]


def _operators(block: Block) -> list[Operation]:
    return [
        op
        for op in block.ops
        if not (
            isinstance(op, tfl.ConstOp | tfl.NoValueOp | func.ReturnOp | tfl.YieldOp) or _is_raw_constant(op)
        )
    ]


def _tensor_shape(value: SSAValue) -> list[int]:
    ty = value.type
    return [int(d) if d >= 0 else 1 for d in ty.get_shape()] if isinstance(ty, TensorType) else []


def _structure_hash(subgraphs: list[_Subgraph], buffers: _Buffers) -> int:
    """CONVERSION_METADATA's model_hash: TF's get_model_hash of the file being written (buffers without data are
    written without a data vector, so TF's reader sees None for them)."""
    structure = []
    for sg in subgraphs:
        structure.append(
            {
                "operators": [
                    ([sg.ref(v) for v in op.operands], [sg.ref(v) for v in op.results])
                    for op in _operators(sg.block)
                ],
                "tensors": [
                    (len(buffers.data[buf]) or None, _tensor_shape(value)) for value, _, buf in sg.tensors
                ],
                "inputs": len(sg.block.args),
                "outputs": len(sg.terminator.operands),
            }
        )
    return model_hash(structure)


def _build_subgraph(
    b: flatbuffers.Builder,
    sg: _Subgraph,
    opcodes: dict[tuple[int, str], int],
    region_subgraph: dict[Region, int],
) -> int:
    ret = sg.terminator
    if sg.fn is not None:
        out_names = _names(sg.fn, SIGNATURE_OUTPUTS, len(ret.operands), "output")
    else:
        out_names = [f"output_{i}" for i in range(len(ret.operands))]

    tensor_offsets = []
    for value, name, buffer in sg.tensors:
        ty = value.type
        if not isinstance(ty, TensorType):
            raise ExportError(f"value {name} has non-tensor type {ty}")
        signature = [int(d) for d in ty.get_shape()]
        dynamic = any(d < 0 for d in signature)
        name_off = _string(b, name)
        shape_off = _int_vector(b, [d if d >= 0 else 1 for d in signature] if dynamic else signature)
        sig_off = _int_vector(b, signature) if dynamic else 0
        q = quantized_element(ty)
        tensor_offsets.append(
            _table(
                b,
                "Tensor",
                shape=shape_off,
                type=_element_type_code(ty.element_type),
                buffer=buffer,
                name=name_off,
                quantization=_quantization(b, q) if q is not None else None,
                shape_signature=sig_off or None,
                is_variable=True if getattr(value.owner, "IS_VARIABLE", False) else None,  # recurrent state
                has_rank=True,  # every tflc tensor is ranked; TF writes true for ranked tensors
            )
        )

    op_offsets = []
    for op in _operators(sg.block):
        inputs = _int_vector(b, [sg.ref(v) for v in op.operands])
        outputs = _int_vector(b, [sg.ref(v) for v in op.results])
        inters = _intermediates(op)
        intermediates = _int_vector(b, [sg.index[x] for x in inters]) if inters else None  # type: ignore[index]
        custom_opts = 0
        opt_type, opt_off = 0, 0
        if isinstance(op, tfl.TflOp):
            opt_type, opt_off = _build_options(b, op, region_subgraph)
        else:
            custom_opts = _bytes_vector(b, op.custom_options(), 1)
        op_offsets.append(
            _table(
                b,
                "Operator",
                opcode_index=opcodes[_opcode_code(op)],
                inputs=inputs,
                outputs=outputs,
                intermediates=intermediates,
                builtin_options_type=opt_type or None,
                builtin_options=opt_off if opt_type else None,
                custom_options=custom_opts or None,
                custom_options_format=0 if custom_opts else None,  # FLEXBUFFERS
            )
        )

    sg.output_names = out_names  # type: ignore[attr-defined]
    sg.outputs = [sg.ref(v) for v in ret.operands]  # type: ignore[attr-defined]
    tensors_vec = _offset_vector(b, tensor_offsets)
    inputs_vec = _int_vector(b, [sg.ref(a) for a in sg.block.args])
    outputs_vec = _int_vector(b, sg.outputs)  # type: ignore[attr-defined]
    ops_vec = _offset_vector(b, op_offsets)
    name_off = _string(b, sg.name)
    return _table(
        b,
        "SubGraph",
        tensors=tensors_vec,
        inputs=inputs_vec,
        outputs=outputs_vec,
        operators=ops_vec,
        name=name_off,
    )


def _quantization(b: flatbuffers.Builder, q: UniformQuantizedType) -> int:
    """QuantizationParameters: float32 scales, int64 zero points, the quantized dimension (0 per tensor, as TF)."""
    b.StartVector(4, len(q.scales), 4)
    for s in reversed(q.scales):
        b.PrependFloat32(s)
    scales = b.EndVector()
    zero_points = _int_vector(b, list(q.zero_points), "PrependInt64", 8)
    return _table(
        b, "QuantizationParameters", scale=scales, zero_point=zero_points, quantized_dimension=q.axis or 0
    )


def _tensor_maps(b: flatbuffers.Builder, pairs: list[tuple[str, int]]) -> int:
    offs = []
    for name, idx in pairs:
        offs.append(_table(b, "TensorMap", name=_string(b, name), tensor_index=idx))
    return _offset_vector(b, offs)


def _build_signature(b: flatbuffers.Builder, sg: _Subgraph, index: int) -> int:
    fn = sg.fn
    in_names = _names(fn, SIGNATURE_INPUTS, len(fn.args), "input")
    ins = _tensor_maps(b, [(n, sg.ref(a)) for n, a in zip(in_names, fn.args, strict=True)])
    outs = _tensor_maps(b, list(zip(sg.output_names, sg.outputs, strict=True)))  # type: ignore[attr-defined]
    key = _string(b, fn.sym_name.data)
    return _table(b, "SignatureDef", inputs=ins, outputs=outs, signature_key=key, subgraph_index=index)


def summary(module: ModuleOp) -> dict[str, Any]:
    """Op counts by type (export names) for reports."""
    counts: dict[str, int] = {}
    for op in module.walk():
        if isinstance(op, tfl.TflOp):
            key = builtin_name(op.BUILTIN)
        elif hasattr(op, "custom_code"):
            key = op.custom_code()
        else:
            continue
        counts[key] = counts.get(key, 0) + 1
    return counts
