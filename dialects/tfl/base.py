"""Shared machinery of the `tfl` dialect: options fields, legality declarations, the op base class and op families.

What an op class declares (all class constants; a leaf op states only what differs from its family):

    BUILTIN                    BuiltinOperator code (tflite.BuiltinOperator)
    OPTIONS                    its BuiltinOptions table and fields (which also become the op's properties)
    VERSIONS                   {OperatorCode.version it can emit: first LiteRT release running that version}, from
                               TF's tools/versioning/runtime_version.cc; `version()` picks one of them
    TYPES                      {operand/result field name: TensorOf(...)}: the element kinds LiteRT's kernel takes
                               there (tfl_ops.td's TFL_TensorOf, intersected with the kernels' registrations); fields
                               sharing one TensorOf object must have the same element kind
    BROADCAST                  operand fields that broadcast against each other, and
    MAX_BROADCAST_RANK         the highest rank the kernel broadcasts to (tfl_ops.td's
                               TFL_OperandsHaveSameShapesOrBroadcastableShape<[...], N>; 0: no broadcasting at all)
    MAX_FUSED_ACTIVATION_RANK  highest operand rank a fused activation may be used with (None: any)
    APPLIES_FUSED_ACTIVATION   False where the schema has the field but LiteRT's kernel ignores it
    DYNAMIC_RANGE              how dynamic-range quantization treats the op's constant weights (`WeightQuantization`,
                               tfl_ops.td's DynamicRangeQuantizedOpInterface); None: never quantized

`verify_` checks TYPES, BROADCAST and that `version()` is in VERSIONS, so a pass that builds an op LiteRT cannot run
fails verification (run_pipeline(verify_each=True) names the pass). Passes ask the same questions before building
an op (element types as numpy dtypes, xDSL types or kind names; shapes as tuples or tensor types):

    Op.operand_types_error([f32, f32]) -> str | None    why these operand (and result) types are refused
    Op.accepts([f32, f32]) -> bool                       the same as a yes/no
    Op.supports("qi8", "lhs") -> bool                    one operand (name or index; default the first) takes a kind
    Op.broadcast_error([(2, 3), (3,)]) -> str | None     why these operand shapes are refused
    Op.MAX_BROADCAST_RANK                                the limit itself (None: the op does not broadcast)
    Op.takes_fused_activation(ranks) -> bool             has a fused activation usable at these operand ranks

Element kinds are named in dialects/tensor_types.py ("f32", "i32", "i1", "ui8", ..., quantized "qi8", "qui8",
"qi16", "qi32"), so quantized types fit in by reporting their kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from tflite.BuiltinOperator import BuiltinOperator
from xdsl.dialects.builtin import (
    BoolAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    NoneType,
    StringAttr,
    TensorType,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    OperandDef,
    ResultDef,
    VarOperandDef,
    VarResultDef,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from dialects.elements import ConstantOp
from dialects.quant import verify_quantized_tensor
from dialects.tensor_types import TENSOR_TYPE_CODES, element_kind

_BUILTIN_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}


def builtin_name(code: int) -> str:
    """Schema name of a BuiltinOperator code ("CONV_2D"); the number if unknown."""
    return _BUILTIN_NAMES.get(code, str(code))


# ---------------------------------------------------------------------------------------------------------------
# Options fields: property kind <-> FlatBuffer field encoding.

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}
PADDINGS = {"SAME": 0, "VALID": 1}
MIRROR_PAD_MODES = {"REFLECT": 0, "SYMMETRIC": 1}
# Schema TensorType names, used by CAST/SHAPE/ARG_MAX options.
TENSOR_TYPES = TENSOR_TYPE_CODES


@dataclass(frozen=True)
class Field:
    """One options-table field: how the property is stored and how it is written."""

    kind: str  # "int" | "int64" | "float" | "bool" | "enum" | "int_vec" | "float_vec"
    default: Any = None
    enum: dict[str, int] | None = None

    def attr(self, value: Any) -> Attribute:
        if self.kind in ("int", "int64", "bool", "enum"):
            key = (self.kind, bool(value) if self.kind == "bool" else value)
            cached = _FIELD_ATTRS.get(key)
            if cached is None:
                cached = self._attr(value)
                if len(_FIELD_ATTRS) < 4096:
                    _FIELD_ATTRS[key] = cached
            return cached
        return self._attr(value)

    def _attr(self, value: Any) -> Attribute:
        if self.kind == "int":
            return IntegerAttr(int(value), i32)
        if self.kind == "int64":
            return IntegerAttr(int(value), i64)
        if self.kind == "float":
            return FloatAttr(float(value), f32)
        if self.kind == "bool":
            return BoolAttr.from_bool(bool(value))
        if self.kind == "enum":
            assert self.enum is not None and value in self.enum, f"{value!r} not in {list(self.enum)}"
            return StringAttr(value)
        if self.kind == "float_vec":
            return DenseArrayBase.from_list(f32, [float(v) for v in value])
        return DenseArrayBase.from_list(i32, [int(v) for v in value])

    def value(self, attr: Attribute) -> Any:
        """The Python value to write into the FlatBuffer."""
        if self.kind in ("int", "int64", "float"):
            return attr.value.data
        if self.kind == "bool":
            return bool(attr.value.data)
        if self.kind == "enum":
            return self.enum[attr.data]
        return list(attr.get_values())

    def constraint(self) -> type[Attribute]:
        return {
            "int": IntegerAttr,
            "int64": IntegerAttr,
            "float": FloatAttr,
            "bool": IntegerAttr,
            "enum": StringAttr,
            "int_vec": DenseArrayBase,
            "float_vec": DenseArrayBase,
        }[self.kind]


def I32(default: int = 0) -> Field:
    return Field("int", default)


def I64(default: int = 0) -> Field:
    return Field("int64", default)


def F32(default: float = 0.0) -> Field:
    return Field("float", default)


def BOOL(default: bool = False) -> Field:
    return Field("bool", default)


def ENUM(enum: dict[str, int], default: str) -> Field:
    return Field("enum", default, enum)


def I32_VEC() -> Field:
    return Field("int_vec", ())


def F32_VEC() -> Field:
    return Field("float_vec", ())


ACT = ENUM(ACTIVATIONS, "NONE")
PADDING = ENUM(PADDINGS, "SAME")


@dataclass(frozen=True)
class Options:
    """A BuiltinOptions table: its schema name and fields in schema order."""

    table: str
    fields: dict[str, Field]

    def __init__(self, table: str, **fields: Field) -> None:
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "fields", fields)


# ---------------------------------------------------------------------------------------------------------------
# Legality: element kinds per operand/result, broadcasting.


class TensorOf:
    """The element kinds one or more operand/result fields accept (no kinds given: any kind). Every field declared
    with the same TensorOf object must have the same element kind, like tfl_ops.td's same-element-type traits."""

    __slots__ = ("kinds",)

    def __init__(self, *kinds: str) -> None:
        self.kinds: tuple[str, ...] | None = kinds or None

    def __contains__(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def __repr__(self) -> str:
        return f"TensorOf({', '.join(map(repr, self.kinds or ()))})"


@dataclass(frozen=True)
class WeightQuantization:
    """What TF's dynamic-range quantizer does to an op's constant float weights (tfl_ops.td's
    DynamicRangeQuantizedOpInterface, checked against TF 2.21's converter output).

    `operand`: the weight operand field; `axis`: its quantized dimension for per-channel scales (None: per tensor);
    `kernel`: "hybrid" (LiteRT runs float activations with int8 weights), or "same-scale" (the op runs on the int8
    weight and keeps its scale, a DEQUANTIZE follows it: GATHER), or "dequantize" (a DEQUANTIZE in front of the op);
    `asymmetric_option`: the op gets asymmetric_quantize_inputs = true."""

    operand: str
    axis: int | None = None
    kernel: str = "hybrid"
    asymmetric_option: bool = False


# Kind groups that recur in the declarations.
FLOAT = ("f32",)
QUANT8 = ("qi8", "qui8")
QUANT = ("qi8", "qui8", "qi16")
BOOLEAN = ("i1",)
INDEX = ("i32", "i64")


def same(*kinds: str, fields: Sequence[str]) -> dict[str, TensorOf]:
    """TYPES for fields that all share one element kind out of `kinds`."""
    t = TensorOf(*kinds)
    return {name: t for name in fields}


def _groups(
    defs: Sequence[tuple[str, Any]], values: Sequence[Any], variadic: type
) -> list[tuple[str, list[Any]]]:
    """Values laid out over an op's operand (or result) definitions, variadic definitions taking the surplus."""
    n_var = sum(isinstance(d, variadic) for _, d in defs)
    surplus = len(values) - (len(defs) - n_var)
    out: list[tuple[str, list[Any]]] = []
    i = 0
    for name, d in defs:
        n = max(surplus, 0) if isinstance(d, variadic) else 1
        out.append((name, list(values[i : i + n])))
        i += n
    return out


def _shape(t: Any) -> tuple[int, ...] | None:
    """Shape of a ranked tensor type (or of a shape given as a sequence); None if unranked/unknown."""
    if isinstance(t, TensorType):
        return tuple(t.get_shape())
    if isinstance(t, Sequence) and not isinstance(t, str):
        return tuple(int(d) for d in t)
    return None


_FIELD_ATTRS: dict[tuple[str, Any], Attribute] = {}  # option attributes of exact kinds, one per value
_TYPES_ERRORS: dict[tuple[Any, ...], str | None] = {}  # TflOp.operand_types_error answers
_TYPES_ERRORS_BY_ID: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the same, keyed by the types' identities


def _plain_signature(op_def: Any, n_operands: int, n_results: int) -> bool:
    """Whether an op definition takes exactly these many operands and results, one per definition, and has no
    regions, successors or segment-size options (so generic construction builds what IRDL's builder would)."""
    return (
        len(op_def.operands) == n_operands
        and len(op_def.results) == n_results
        and not op_def.regions
        and not op_def.successors
        and not op_def.options
        and all(type(d) is OperandDef for _, d in op_def.operands)
        and all(type(d) is ResultDef for _, d in op_def.results)
    )


class TflOp(IRDLOperation):
    """Base of TFLite builtin ops."""

    BUILTIN: ClassVar[int] = -1
    OPTIONS: ClassVar[Options | None] = None
    VERSIONS: ClassVar[dict[int, str]] = {}
    TYPES: ClassVar[dict[str, TensorOf]] = {}
    BROADCAST: ClassVar[tuple[str, ...]] = ()
    MAX_BROADCAST_RANK: ClassVar[int | None] = None
    MAX_FUSED_ACTIVATION_RANK: ClassVar[int | None] = None
    APPLIES_FUSED_ACTIVATION: ClassVar[bool] = True
    DYNAMIC_RANGE: ClassVar[WeightQuantization | None] = None
    traits = traits_def(Pure())

    def version(self) -> int:
        """OperatorCode.version for this op and its operand types (one of VERSIONS)."""
        return 1

    def options(self) -> dict[str, Any]:
        """Field name -> value to write, in schema order."""
        if self.OPTIONS is None:
            return {}
        return {name: f.value(self.properties[name]) for name, f in self.OPTIONS.fields.items()}

    @classmethod
    def build(cls, operands: list[SSAValue], result_types: list[Attribute], **options: Any) -> TflOp:
        """Create the op with options given as Python values (defaults for the rest)."""
        props: dict[str, Attribute] = {}
        if cls.OPTIONS is not None:
            unknown = set(options) - set(cls.OPTIONS.fields)
            assert not unknown, f"{cls.name}: unknown options {unknown}"
            for name, f in cls.OPTIONS.fields.items():
                props[name] = f.attr(options.get(name, f.default))
        op_def = cls.get_irdl_definition()
        if _plain_signature(op_def, len(operands), len(result_types)) and all(
            isinstance(v, SSAValue) for v in operands
        ):
            # one value per definition: IRDL's builder would only rearrange what generic construction takes as is
            return cls.create(operands=list(operands), result_types=list(result_types), properties=props)

        def unwrap(
            groups: list[tuple[str, list[Any]]], defs: Sequence[tuple[str, Any]], var: type
        ) -> list[Any]:
            return [
                vals if isinstance(d, var) else vals[0]
                for (_, vals), (_, d) in zip(groups, defs, strict=True)
            ]

        operand_groups = unwrap(
            _groups(op_def.operands, operands, VarOperandDef), op_def.operands, VarOperandDef
        )
        result_groups = unwrap(
            _groups(op_def.results, result_types, VarResultDef), op_def.results, VarResultDef
        )
        return cls(operands=operand_groups, result_types=result_groups, properties=props)

    def activation(self) -> str:
        attr = self.properties.get("fused_activation_function")
        return attr.data if isinstance(attr, StringAttr) else "NONE"

    # ---- legality queries (class level, so passes can ask before building) ----------------------------------

    @classmethod
    def _fields(
        cls, operand_types: Sequence[Any], result_types: Sequence[Any] | None
    ) -> list[tuple[str, list[Any]]]:
        op_def = cls.get_irdl_definition()
        fields = _groups(op_def.operands, operand_types, VarOperandDef)
        if result_types is not None:
            fields += _groups(op_def.results, result_types, VarResultDef)
        return fields

    @classmethod
    def _where(cls, field: str) -> str:
        kind = "operand" if any(name == field for name, _ in cls.get_irdl_definition().operands) else "result"
        return f"{kind} {field}"

    @classmethod
    def operand_types_error(
        cls, operand_types: Sequence[Any], result_types: Sequence[Any] | None = None
    ) -> str | None:
        """Why LiteRT's kernel refuses these element types (operands in order, results optional), or None.

        Types may be numpy dtypes, xDSL element or tensor types, or kind names; omitted operands (`none`) and types
        with no element kind are not checked."""
        # a pure function of the class's TYPES and the types: rules ask it again for every candidate op. Types are
        # mostly the very same attribute objects, so first by identity (hashing a TensorType hashes all its dims);
        # an entry keeps its types alive, so their ids stay theirs.
        operands = tuple(operand_types)
        results = None if result_types is None else tuple(result_types)
        by_id = (
            cls,
            id(cls.TYPES),
            *map(id, operands),
            *(("results", *map(id, results)) if results is not None else ()),
        )
        hit = _TYPES_ERRORS_BY_ID.get(by_id)
        if hit is not None and hit[0] == len(operands) and hit[1] is cls.TYPES:
            return hit[2]
        try:
            key = (cls, id(cls.TYPES), operands, results)
            error = _TYPES_ERRORS[key]
        except KeyError:
            error = _TYPES_ERRORS[key] = cls._operand_types_error(operand_types, result_types)
            if len(_TYPES_ERRORS) > 65536:
                _TYPES_ERRORS.clear()
        except TypeError:  # an unhashable type description
            return cls._operand_types_error(operand_types, result_types)
        if len(_TYPES_ERRORS_BY_ID) > 65536:
            _TYPES_ERRORS_BY_ID.clear()
        _TYPES_ERRORS_BY_ID[by_id] = (len(operands), cls.TYPES, error, operands, results)
        return error

    @classmethod
    def _operand_types_error(
        cls, operand_types: Sequence[Any], result_types: Sequence[Any] | None = None
    ) -> str | None:
        bound: dict[int, tuple[str, str]] = {}
        for field, types in cls._fields(operand_types, result_types):
            spec = cls.TYPES.get(field)
            if spec is None:
                continue
            for t in types:
                kind = element_kind(t)
                if kind is None:
                    continue
                if kind not in spec:
                    return (
                        f"'{cls.name}' {cls._where(field)} has element type {kind}, which LiteRT's "
                        f"{cls.builtin_name()} kernel does not take (allowed: {', '.join(spec.kinds or ())})"
                    )
                first = bound.setdefault(id(spec), (field, kind))
                if first[1] != kind:
                    return (
                        f"'{cls.name}' {cls._where(first[0])} and {cls._where(field)} must have the same element "
                        f"type, got {first[1]} and {kind}"
                    )
        return None

    @classmethod
    def accepts(cls, operand_types: Sequence[Any], result_types: Sequence[Any] | None = None) -> bool:
        return cls.operand_types_error(operand_types, result_types) is None

    @classmethod
    def supports(cls, kind: Any, operand: str | int = 0) -> bool:
        """Whether one operand or result (field name, or operand index) takes this element kind."""
        if isinstance(operand, int):
            operand = cls.get_irdl_definition().operands[operand][0]
        spec = cls.TYPES.get(operand)
        k = element_kind(kind)
        return spec is None or (k is not None and k in spec)

    @classmethod
    def broadcast_error(cls, shapes: Sequence[Any]) -> str | None:
        """Why the kernel cannot run operands of these shapes (the BROADCAST operands, in order), or None.

        Identical shapes and single-element operands (run as a flat loop) need no broadcasting; unranked
        operands are not checked."""
        limit = cls.MAX_BROADCAST_RANK
        dims = [_shape(s) for s in shapes]
        if limit is None or any(d is None for d in dims) or not dims:
            return None
        shown = " and ".join(str(list(d)) for d in dims)  # type: ignore[arg-type]
        if all(d == dims[0] for d in dims):
            return None
        if limit == 0:
            return f"'{cls.name}' needs operands of one shape (its kernel does not broadcast), got {shown}"
        rank = max(len(d) for d in dims)  # type: ignore[arg-type]
        big = [d for d in dims if not all(x == 1 for x in d)]  # type: ignore[union-attr]
        if all(d == big[0] for d in big):
            return None
        for column in zip(*((1,) * (rank - len(d)) + d for d in dims), strict=True):  # type: ignore[operator]
            if len({x for x in column if x not in (1, -1)}) > 1:
                return f"'{cls.name}' operand shapes {shown} do not broadcast"
        if rank > limit:
            return f"'{cls.name}' broadcasts {shown} at rank {rank}; its kernel broadcasts up to rank {limit}"
        return None

    @classmethod
    def takes_fused_activation(cls, ranks: Sequence[int] = ()) -> bool:
        """Whether the op has a fused_activation_function that LiteRT applies, usable at these operand/result ranks
        (the ranks of every operand and result)."""
        if cls.OPTIONS is None or "fused_activation_function" not in cls.OPTIONS.fields:
            return False
        if not cls.APPLIES_FUSED_ACTIVATION:
            return False
        limit = cls.MAX_FUSED_ACTIVATION_RANK
        return limit is None or all(r <= limit for r in ranks)

    @classmethod
    def builtin_name(cls) -> str:
        return builtin_name(cls.BUILTIN)

    def verify_(self) -> None:
        """Enum options name a member of their enum; element types, broadcasting and the version are ones LiteRT
        runs."""
        if self.OPTIONS is not None:
            for fname, f in self.OPTIONS.fields.items():
                attr = self.properties.get(fname)
                if f.kind == "enum" and isinstance(attr, StringAttr) and attr.data not in f.enum:
                    raise VerifyException(
                        f"'{self.name}' {fname} = \"{attr.data}\" is not one of: {', '.join(f.enum)}"
                    )
        for v in (*self.operands, *self.results):
            verify_quantized_tensor(v.type, f"'{self.name}'")
        error = self.operand_types_error([v.type for v in self.operands], [r.type for r in self.results])
        if error is None and self.BROADCAST:
            error = self.broadcast_error([getattr(self, name).type for name in self.BROADCAST])
        if error is None and self.version() not in self.VERSIONS:
            error = f"'{self.name}' would export as version {self.version()}, which {type(self).__name__}.VERSIONS lacks"
        if error is not None:
            raise VerifyException(error)


# Upper-case class constants a tfl op may declare (IRDL accepts them only when annotated ClassVar).
_CLASS_CONSTANTS = (
    "BUILTIN",
    "OPTIONS",
    "VERSIONS",
    "TYPES",
    "BROADCAST",
    "MAX_BROADCAST_RANK",
    "MAX_FUSED_ACTIVATION_RANK",
    "APPLIES_FUSED_ACTIVATION",
    "DYNAMIC_RANGE",
)


# Every op made by `tfl_op`, in definition order: the dialect's op list (dialects/tfl/__init__.py), so defining an
# op class is all it takes for xdsl-opt to parse it.
REGISTERED_OPS: list[type[TflOp]] = []


def tfl_op(cls: type[TflOp]) -> type[TflOp]:
    """irdl_op_definition that first turns the OPTIONS fields into properties, and registers the op with the
    dialect."""
    for klass in cls.__mro__:
        if issubclass(klass, TflOp) and klass is not TflOp:
            notes = klass.__dict__.get("__annotations__", {})
            consts = {k: ClassVar[Any] for k in _CLASS_CONSTANTS if k in klass.__dict__ and k not in notes}
            if consts:
                klass.__annotations__ = {**notes, **consts}
    if cls.OPTIONS is not None:
        for fname, f in cls.OPTIONS.fields.items():
            setattr(cls, fname, prop_def(f.constraint(), default_value=f.attr(f.default)))
    op = irdl_op_definition(cls)
    REGISTERED_OPS.append(op)
    return op


def leaf_op(
    base: type[TflOp], op_name: str, builtin: int, table: str | Options | None, module: str, **consts: Any
) -> type[TflOp]:
    """A leaf op of `base` that only adds its name, builtin code, options table (a name for a fieldless table; None:
    the base's) and class constants (TYPES, VERSIONS, MAX_BROADCAST_RANK, ...; `version` for a version rule).
    `module`: the caller's __name__."""
    if table is not None:
        consts["OPTIONS"] = Options(table) if isinstance(table, str) else table
    body = {
        "name": f"tfl.{op_name}",
        "BUILTIN": builtin,
        "__module__": module,
        "__doc__": f"tfl.{op_name}",
        "__annotations__": {k: ClassVar[Any] for k in ("BUILTIN", *consts) if k.isupper()},
        **consts,
    }
    return tfl_op(type(f"{op_name.title().replace('_', '')}Op", (base,), body))


def single_result_op(
    op_name: str,
    builtin: int,
    table: str | Options | None,
    types: dict[str, TensorOf],
    module: str,
    **consts: Any,
) -> type[TflOp]:
    """A leaf op whose operands are the keys of `types` in order, the last key naming its single result."""
    *operands, result = types
    defs: dict[str, Any] = {name: operand_def() for name in operands}
    defs[result] = result_def()
    return leaf_op(TflOp, op_name, builtin, table, module, TYPES=types, **defs, **consts)


# ---------------------------------------------------------------------------------------------------------------
# Op families.


class UnaryOp(TflOp):
    x = operand_def()
    y = result_def()


class BinaryOp(TflOp):
    lhs = operand_def()
    rhs = operand_def()
    output = result_def()
    BROADCAST = ("lhs", "rhs")


class ReduceOp(TflOp):
    input = operand_def()
    axes = operand_def()
    output = result_def()
    OPTIONS = Options("ReducerOptions", keep_dims=BOOL())


@irdl_op_definition
class NoValueOp(IRDLOperation):
    """tfl.no_value: an omitted optional operand (exported as tensor index -1)."""

    name = "tfl.no_value"
    none = result_def(NoneType)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[NoneType()])


@irdl_op_definition
class ConstOp(ConstantOp):
    """tfl.pseudo_const: a constant tensor, exported as a buffer."""

    name = "tfl.pseudo_const"


def _dtype(value: SSAValue) -> str:
    """numpy dtype name of a tensor value's elements ("" if not a tensor)."""
    from dialects.elements import numpy_dtype

    try:
        return numpy_dtype(value.type.element_type).name
    except (AttributeError, ValueError):
        return ""


def _rank(value: SSAValue) -> int:
    shape = getattr(value.type, "shape", None)
    return len(shape) if shape is not None else 0


def int8_int16_version(value: SSAValue, int8: int = 2, int16: int = 3) -> int:
    """op_version.cc's most common rule (pooling, MEAN, REDUCE_MAX/MIN, SOFTMAX, ...): `int16` for int16 tensors,
    `int8` for int8 ones (quantized or plain), else 1. Quantized int16 (16x8) tensors get `int8`: TF writes 16x8
    models with its tools/optimize quantizer, which keeps each op's int8 version."""
    kind = element_kind(value.type)
    if kind == "qi16":
        return int8
    if kind == "i16":
        return int16
    return int8 if kind in ("qi8", "i8") else 1
