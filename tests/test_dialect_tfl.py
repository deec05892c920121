"""What every `tfl` op declares about itself: legality tables, versions it emits and the LiteRT release running each.

The runtime-version test is the guard for new ops: an op that can emit a version without a `VERSIONS` entry fails
here (the exporter would refuse it). Versions are enumerated over the element kinds the op accepts, shapes of rank
4 and 5 (with and without broadcasting, grouped channels) and each option at its default and at another value.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import tflite
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Block
from xdsl.irdl import VarOperandDef, VarResultDef

from dialects import tfl
from dialects.elements import element_type
from dialects.tensor_types import (
    QUANTIZED_KINDS,
    TENSOR_TYPE_CODES,
    dtype_kind,
    element_kind,
    tensor_type_code,
    tensor_type_dtype,
    tensor_type_name,
)

OPS = [op for op in tfl.TFL_OPS if issubclass(op, tfl.TflOp)]
# Plain kinds a test can build tensors of (quantized element types arrive with the quantization issue).
_DTYPE_OF_KIND = {
    dtype_kind(d): np.dtype(d)
    for d in ("f2", "f4", "f8", "?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "c8", "c16")
}


def _plain(kinds) -> list[str]:
    """Buildable kinds out of `kinds` (all if None); quantized kinds stand in as their storage type until quantized
    element types exist."""
    out = []
    for k in kinds or _DTYPE_OF_KIND:
        k = {"qi4": "i8", "qui8": "ui8", "qui16": "ui16", "qui32": "ui32"}.get(k, k.removeprefix("q"))
        if k in _DTYPE_OF_KIND and k not in out:
            out.append(k)
    return out


def _fields(op: type[tfl.TflOp]) -> list[str]:
    d = op.get_irdl_definition()
    return [name for name, _ in d.operands] + [name for name, _ in d.results]


def test_every_op_has_a_builtin_code_and_versions():
    for op in OPS:
        assert op.BUILTIN >= 0 and op.builtin_name() != str(op.BUILTIN), op.name
        assert op.VERSIONS, f"{op.name} declares no VERSIONS"
        for version, release in op.VERSIONS.items():
            assert version >= 1 and re.fullmatch(r"\d+\.\d+\.\d+", release), (op.name, version, release)


def test_every_op_declares_element_types_for_every_operand_and_result():
    for op in OPS:
        d = op.get_irdl_definition()
        # IF/WHILE's variadic inputs/outs carry one value per branch/loop variable, each of its own kind
        variadic = {n for n, f in (*d.operands, *d.results) if isinstance(f, VarOperandDef | VarResultDef)}
        missing = set(_fields(op)) - set(op.TYPES) - variadic
        assert not missing, f"{op.name} declares no element types for {sorted(missing)}"
        assert not set(op.TYPES) - set(_fields(op)), f"{op.name} TYPES names fields it does not have"
        for spec in op.TYPES.values():
            for kind in spec.kinds or ():
                assert kind in QUANTIZED_KINDS or kind in _DTYPE_OF_KIND or kind == "string", kind


def test_broadcast_declarations_name_operands():
    for op in OPS:
        operands = {name for name, _ in op.get_irdl_definition().operands}
        assert set(op.BROADCAST) <= operands, op.name
        assert (op.MAX_BROADCAST_RANK is None) == (not op.BROADCAST), op.name


def _option_values(op: type[tfl.TflOp]) -> list[dict]:
    """Default options, then each field at another value."""
    variants: list[dict] = [{}]
    for name, f in op.OPTIONS.fields.items() if op.OPTIONS else ():
        other = {
            "int": 2,
            "float": 0.5,
            "bool": True,
            "int_vec": [0],
            "float_vec": [0.5],
            "int64": 2**40,
        }.get(f.kind)
        if f.kind == "enum":
            variants += [{name: member} for member in f.enum if member != f.default]
        else:
            variants.append({name: other})
    return variants


_SHAPE_PLANS = {
    "rank4": lambda i: (1, 2, 2, 2),
    "rank5": lambda i: (1, 2, 2, 2, 2),
    "broadcast5": lambda i: (2, 2, 2, 2, 2) if i == 0 else (1, 1, 1, 1, 2),
    "grouped": lambda i: (1, 2, 2, 4) if i == 0 else (1, 2, 2, 2),
}


def _instances(op: type[tfl.TflOp]):
    """The op built over each accepted plain kind of its first operand, each shape plan and option variant."""
    first = _fields(op)[0]
    spec = op.TYPES[first]
    kinds = _plain(spec.kinds)
    d = op.get_irdl_definition()
    n_operands, n_results = len(d.operands), len(d.results)
    for kind, plan, options in itertools.product(kinds, _SHAPE_PLANS.values(), _option_values(op)):
        types = []
        for i, field in enumerate(_fields(op)):
            other = op.TYPES[field]
            k = kind if other is spec else _plain(other.kinds)[0]
            types.append(TensorType(element_type(_DTYPE_OF_KIND[k]), plan(i)))
        block = Block(arg_types=types[:n_operands])
        yield op.build(list(block.args), types[n_operands : n_operands + n_results], **options)


# Region ops (variadic operands, a region per subgraph) and resource-variable ops (resource operands) are not built
# from plain tensors here: each has one version, and tests/test_control_flow.py converts them beside TF's files.
_NOT_BUILT_HERE = {
    "tfl.if",
    "tfl.while",
    "tfl.call_once",
    "tfl.var_handle",
    "tfl.read_variable",
    "tfl.assign_variable",
}


@pytest.mark.parametrize("op", [op for op in OPS if op.name not in _NOT_BUILT_HERE], ids=lambda op: op.name)
def test_versions_emitted_have_a_runtime_version(op):
    emitted = {instance.version() for instance in _instances(op)}
    assert emitted, op.name
    assert emitted <= set(op.VERSIONS), (
        f"{op.name} emits versions {sorted(emitted - set(op.VERSIONS))} with no VERSIONS entry"
    )


@pytest.mark.parametrize("name", sorted(_NOT_BUILT_HERE))
def test_region_and_resource_ops_have_one_version(name):
    op = next(op for op in OPS if op.name == name)
    assert len(op.VERSIONS) == 1 and op.VERSIONS[1]


def test_runtime_versions_from_tensorflow_table():
    """Spot checks against TF's runtime_version.cc, including ops the old central table missed."""
    assert tfl.CumsumOp.VERSIONS[1] == "2.4.0"
    assert tfl.CastOp.VERSIONS[1] == "1.5.0"
    assert tfl.ArgMaxOp.VERSIONS[1] == "1.9.0"
    assert tfl.ResizeBilinearOp.VERSIONS == {1: "1.7.0", 2: "1.14.0", 3: "2.2.0", 4: "2.5.0"}
    assert tfl.LogisticOp.VERSIONS[1] == "1.14.0"
    assert tfl.SplitOp.VERSIONS[1] == "1.5.0"
    assert tfl.BroadcastToOp.VERSIONS == {2: "2.5.0"}


# ---- TensorType: the one type-code table ------------------------------------------------------------------------


def test_tensor_type_codes_come_from_the_schema():
    assert TENSOR_TYPE_CODES == {k: v for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
    pairs = {
        np.float32: "FLOAT32",
        np.float16: "FLOAT16",
        np.float64: "FLOAT64",
        np.int8: "INT8",
        np.int16: "INT16",
        np.int32: "INT32",
        np.int64: "INT64",
        np.uint8: "UINT8",
        np.uint16: "UINT16",
        np.uint32: "UINT32",
        np.uint64: "UINT64",
        np.bool_: "BOOL",
    }
    for dtype, name in pairs.items():
        assert tensor_type_name(dtype) == name
        assert tensor_type_code(dtype) == getattr(tflite.TensorType, name)
        assert tensor_type_dtype(name) == np.dtype(dtype)
    assert tensor_type_dtype("STRING") is None and tensor_type_dtype("RESOURCE") is None
    with pytest.raises(ValueError, match="no TFLite TensorType"):
        tensor_type_code(np.dtype("datetime64[s]"))


def test_element_kinds():
    assert [dtype_kind(d) for d in (np.float32, np.bool_, np.uint8, np.int16)] == ["f32", "i1", "ui8", "i16"]
    assert element_kind(TensorType(element_type(np.dtype(np.int64)), [2])) == "i64"
    assert element_kind(element_type(np.dtype(np.float16))) == "f16"
    assert element_kind("qi8") == "qi8"
