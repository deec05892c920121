"""StableHLO (as JAX lowers it) -> `tf` dialect, walking JAX's own MLIR Python objects.

StableHLO ops become the TF ops tflc already legalizes (dot_general -> MatMul / BatchMatMulV2, convolution ->
Conv2D / DepthwiseConv2dNative, reduce_window -> MaxPool / AvgPool, reduce -> Sum / Mean / Max, ...), so the TF
path's constant folding, fusions (activations, GELU, softmax) and quantization apply unchanged. Constants (emitted as
`tfl.pseudo_const`, which every pass takes like `tf.Const` and legalize-tf would make of it) are read
from the attributes' buffers straight into numpy (never through text). `broadcast_in_dim` stays implicit: an
elementwise op takes the broadcast's source reshaped to rank-aligned shape (TF's numpy broadcasting), and only a
consumer that cannot broadcast gets a BroadcastTo. `func.call`s are inlined. An op without a rule is collected with
its JAX source location before anything is built, so one error names every such op.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr, TensorType, i64
from xdsl.ir import Attribute, Block, SSAValue

from compiler.errors import ConversionError
from dialects import tf as tfd
from dialects import tfl
from dialects.elements import DenseElementsAttr, element_type
from dialects.names import NAME

_NP_DTYPES = {
    "f32": np.float32,
    "f16": np.float16,
    "f64": np.float64,
    "i1": np.bool_,
    "i8": np.int8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "ui8": np.uint8,
    "ui16": np.uint16,
    "ui32": np.uint32,
    "complex<f32>": np.complex64,
    "complex<f64>": np.complex128,
}


class UnsupportedStableHLO(Exception):
    """An op (or one of its settings) the translator has no exact TF equivalent for."""


@dataclass
class Broadcast:
    """A pending `broadcast_in_dim`: `source` reshaped to the result's rank (unit dims where it broadcasts)."""

    source: SSAValue
    shape: tuple[int, ...]  # the broadcast's result shape


@dataclass
class LazyConst:
    """A constant not built yet: `stablehlo.constant`s mostly feed a broadcast that makes a new constant of them, so
    the op is made only when something takes the value itself. `seq` is its place among the constants made (they are
    placed in that order) and `name` the layer name it would have had."""

    array: np.ndarray
    name: StringAttr | None
    seq: int
    built: SSAValue | None = None  # its op's result, once made


# MLIR type -> (element dtype or the error, static shape or the error, xDSL type or None), for the translation in
# progress: printing a type costs more than the op it belongs to. MLIR types are uniqued per context and a key keeps
# its context alive, so no other type can take its place; translate() empties the cache when it ends.
_TYPE_INFO: dict[Any, tuple[Any, Any, TensorType | None]] = {}


def _type_info(mlir_type: Any) -> tuple[Any, Any, TensorType | None]:
    info = _TYPE_INFO.get(mlir_type)
    if info is None:
        from jax._src.lib.mlir import ir

        name = str(mlir_type.element_type)
        dtype: Any = (
            np.dtype(_NP_DTYPES[name]) if name in _NP_DTYPES else UnsupportedStableHLO(f"element type {name}")
        )
        t = ir.RankedTensorType(mlir_type)
        shape: Any = (
            tuple(t.shape)
            if t.has_static_shape
            else UnsupportedStableHLO(f"dynamic shape {mlir_type} (export with static shapes)")
        )
        xdsl_type = (
            None
            if isinstance(dtype, Exception) or isinstance(shape, Exception)
            else _tensor_of(element_type(dtype), shape)
        )
        info = _TYPE_INFO[mlir_type] = (dtype, shape, xdsl_type)
    return info


def _dtype(mlir_type: Any) -> np.dtype:
    dtype = _type_info(mlir_type)[0]
    if isinstance(dtype, Exception):
        raise dtype
    return dtype


def _shape(mlir_type: Any) -> tuple[int, ...]:
    shape = _type_info(mlir_type)[1]
    if isinstance(shape, Exception):
        raise shape
    return shape


def tensor_type(mlir_type: Any) -> TensorType:
    """The xDSL tensor type of a static StableHLO tensor type."""
    dtype, shape, xdsl_type = _type_info(mlir_type)
    if xdsl_type is None:
        raise dtype if isinstance(dtype, Exception) else shape
    return xdsl_type


def _tensor(elem: Attribute, shape: Sequence[int]) -> TensorType:
    return _tensor_of(elem, tuple(int(d) for d in shape))


@functools.lru_cache(maxsize=4096)
def _tensor_of(elem: Attribute, shape: tuple[int, ...]) -> TensorType:
    # attributes are immutable: one per (element type, shape) spares building and verifying a new one per op
    return TensorType(elem, shape)


# a NameLoc (`loc("jit(f)/dot_general"(...))`), not a file location (`loc("f.py":3:4)`)
_NAME_LOC = re.compile(r'loc\("([^"]*)"(?!:\d)')


def _frame(op: Any) -> str | None:
    """`file:line` of the first frame outside JAX/Flax in an op's MLIR location, if it has one."""
    frames = re.findall(r'"([^"]+\.py)":(\d+)', str(op.location))
    user = [f for f in frames if "site-packages" not in f[0]] or frames
    return f"{user[0][0]}:{user[0][1]}" if user else None


def source_location(op: Any, call_site: str | None = None) -> str:
    """`name at file:line` from an op's MLIR location: JAX's name stack and the first frame outside JAX/Flax (ops in
    a called function often carry none: then the call's)."""
    m = re.match(_NAME_LOC, str(op.location))
    name = m.group(1) if m else ""
    where = _frame(op) or call_site or "unknown location"
    return f"{name} at {where}" if name else where


# a NameLoc's name -> its layer name, for the translation in progress
_LAYER_NAMES: dict[str, str | None] = {}


def _layer_name(op: Any) -> str | None:
    """JAX's name stack for the op ("jit(apply)/MLP/Dense_0/dot_general" -> "MLP/Dense_0/dot_general")."""
    loc = op.location
    name = getattr(loc, "name_str", None)  # a NameLoc's name, without printing the whole location
    if name is not None and name in _LAYER_NAMES:
        return _LAYER_NAMES[name]
    key = name
    if name is None or '"' in name or "\\" in name:  # other locations; names the printer would escape
        m = re.match(_NAME_LOC, str(loc))
        if not m:
            return None
        name = m.group(1)
    parts = [p for p in name.split("/") if not p.startswith("jit(")]
    layer = "/".join(parts) or None
    if key is not None:
        _LAYER_NAMES[key] = layer
    return layer


def _attr(op: Any, name: str) -> Any:
    return op.attributes[name] if name in op.attributes else None


def _i64s(op: Any, name: str, default: Sequence[int] | None = None) -> list[int] | None:
    from jax._src.lib.mlir import ir

    a = _attr(op, name)
    if a is None:
        return None if default is None else list(default)
    if type(a) is ir.DenseI64ArrayAttr:  # the bindings hand out attributes as their concrete class
        return list(a)
    try:
        return list(ir.DenseI64ArrayAttr(a))
    except ValueError:
        return [int(v) for v in np.array(ir.DenseElementsAttr(a)).ravel()]


def _bools(op: Any, name: str) -> list[bool]:
    from jax._src.lib.mlir import ir

    a = _attr(op, name)
    return [] if a is None else [bool(v) for v in ir.DenseBoolArrayAttr(a)]


def _int(op: Any, name: str, default: int) -> int:
    from jax._src.lib.mlir import ir

    a = _attr(op, name)
    return default if a is None else ir.IntegerAttr(a).value


def _padding(op: Any, rank: int) -> np.ndarray:
    from jax._src.lib.mlir import ir

    a = _attr(op, "padding")
    if a is None:
        return np.zeros((rank, 2), np.int64)
    return np.array(ir.DenseElementsAttr(a)).reshape(rank, 2).astype(np.int64)


def constant_array(attr: Any) -> np.ndarray:
    """A dense elements attribute as a numpy array, read from its buffer (splats expand)."""
    from jax._src.lib.mlir import ir

    dense = ir.DenseElementsAttr(attr)
    dtype = _dtype(dense.type)
    shape = _shape(dense.type)
    if dtype == np.bool_:
        if dense.is_splat:
            return np.full(shape, bool(ir.BoolAttr(dense.get_splat_value()).value))
        return np.array([bool(dense[i]) for i in range(len(dense))], np.bool_).reshape(shape)
    if dense.is_splat:
        value = dense.get_splat_value()
        scalar = ir.FloatAttr(value).value if dtype.kind == "f" else ir.IntegerAttr(value).value
        return np.full(shape, scalar, dtype)
    return np.array(dense, copy=True).astype(dtype, copy=False).reshape(shape)


def _body_op(op: Any) -> str | None:
    """The single computation in a reduce/reduce_window body (`stablehlo.add`, `stablehlo.maximum`, ...)."""
    ops = [o.operation for o in op.regions[0].blocks[0].operations]
    if len(ops) != 2 or ops[1].name != "stablehlo.return":
        return None
    body = ops[0]
    args = list(op.regions[0].blocks[0].arguments)
    operands = list(body.operands)
    if len(operands) != 2 or len(args) != 2 or operands not in (args, args[::-1]):
        return None
    return body.name


# ---- the translator ---------------------------------------------------------------------------------------------

Handler = Callable[["Translator", Any], None]
RULES: dict[str, Handler] = {}


def translates(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for StableHLO (or func/chlo) op names."""

    def deco(fn: Handler) -> Handler:
        for n in names:
            RULES[n] = fn
        return fn

    return deco


class Translator:
    """Emits `tf` ops for one StableHLO function (calls inlined) into an xDSL block."""

    def __init__(self, module: Any, block: Block) -> None:
        self.block = block
        self.funcs = {
            f.operation.attributes["sym_name"].value: f.operation
            for f in module.body.operations
            if f.operation.name == "func.func"
        }
        self.values: dict[Any, SSAValue | Broadcast | LazyConst] = {}
        self.call_sites: list[str | None] = [None]  # source location of each enclosing func.call
        self.unknown: list[tuple[str, str]] = []  # ops without a rule: (name, location)
        self.problems: list[
            tuple[str, str]
        ] = []  # ops a rule cannot convert exactly: (name and why, location)
        self.name: str | None = None  # layer name of the op being translated
        self._consts: dict[SSAValue, np.ndarray] = {}
        self._names: dict[str, StringAttr] = {}
        self._pending: list[tuple[int, tfl.ConstOp]] = []  # constants not placed yet, by creation order
        self._seq = 0  # constants created so far (lazy ones included)
        self.sums: dict[SSAValue, _SumInfo] = {}  # tf.Sum results, for sum / count -> tf.Mean
        self.sum_pools: dict[SSAValue, tuple[SSAValue, int]] = {}  # AvgPool * n results, for / n -> AvgPool

    # -- checking ---------------------------------------------------------------------------------------------

    def unknown_ops(self, fn: Any) -> list[tuple[str, str]]:
        """(op name, source location) of every op without a rule reachable from `fn`, once per call site."""
        out: list[tuple[str, str]] = []

        def visit(f: Any, site: str | None, depth: int) -> None:
            for o in f.regions[0].blocks[0].operations:
                o = o.operation
                callee = _callee(o)
                if callee is not None and callee in self.funcs and depth < 64:
                    visit(self.funcs[callee], _frame(o) or site, depth + 1)
                elif o.name not in RULES and o.name != "func.return":
                    out.append((o.name, source_location(o, site)))

        visit(fn, None, 0)
        return out

    @property
    def collecting(self) -> bool:
        """Whether problems were found: translation only goes on to list them all, nothing will be returned."""
        return bool(self.problems or self.unknown)

    def placeholder(self, op: Any) -> None:
        """Stand-ins for the results of an op that could not be translated."""
        for r in op.results:
            try:
                ty = tensor_type(r.type)
            except (UnsupportedStableHLO, ValueError):
                ty = TensorType(tfd.OpaqueType(StringAttr("unsupported")), [])
            stand_in = tfd.GenericOp(op.name, b"", [], [ty])
            self.block.add_op(stand_in)
            self.set(r, stand_in.results[0])

    # -- values -----------------------------------------------------------------------------------------------

    def emit(
        self, cls: type[tfd.TFOp], operands: Sequence[SSAValue], out: TensorType, **attrs: Attribute
    ) -> SSAValue:
        if self.name:
            attrs[NAME] = self._name_attr(self.name)
        if cls.__init__ is tfd.TFOp.__init__:
            # generic construction: a TF op is one variadic operand and result list, so IRDL's builder (a third
            # of translation time) has nothing to check
            op = cls.create(operands=list(operands), result_types=[out], attributes=attrs)
        else:
            op = cls(operands, [out], attrs)
        self.block.add_op(op)
        return op.results[0]

    def const(self, array: np.ndarray) -> SSAValue:
        return self._make_const(self.lazy_const(array))

    def lazy_const(self, array: np.ndarray) -> LazyConst:
        array = np.array(array, order="C")  # a copy: broadcast views and 0-d arrays stay as they are
        name = self._name_attr(self.name + "/const") if self.name else None
        self._seq += 1
        return LazyConst(array, name, self._seq)

    def _make_const(self, c: LazyConst) -> SSAValue:
        if c.built is not None:
            return c.built
        # tfl.pseudo_const straight away: every pass takes either kind, and legalize-tf would only rewrap it
        value = DenseElementsAttr.from_array(c.array)
        attrs = {NAME: c.name} if c.name is not None else {}
        op = tfl.ConstOp.create(result_types=[value.type], properties={"value": value}, attributes=attrs)
        self._pending.append((c.seq, op))  # placed at the top of the block at the end, if anything uses it
        self._consts[op.results[0]] = c.array
        c.built = op.results[0]
        return c.built

    def _name_attr(self, name: str) -> StringAttr:
        attr = self._names.get(name)
        if attr is None:
            attr = self._names[name] = StringAttr(name)  # immutable: one per name
        return attr

    def const_of(self, v: SSAValue | Broadcast | LazyConst) -> np.ndarray | None:
        if isinstance(v, LazyConst):
            return v.array
        if isinstance(v, Broadcast):
            src = self._consts.get(v.source)
            return None if src is None else np.broadcast_to(src, v.shape)
        return self._consts.get(v)

    def get(self, mlir_value: Any) -> SSAValue:
        """The translated value, with any pending broadcast materialized."""
        v = self.values[mlir_value]
        if isinstance(v, SSAValue):
            return v
        if isinstance(v, LazyConst):
            return self._built(mlir_value, v)
        return self.materialize(v, mlir_value.type)

    def _built(self, mlir_value: Any, c: LazyConst) -> SSAValue:
        """A lazy constant's op, made now (once: the value then stands for it)."""
        v = self.values[mlir_value] = self._make_const(c)
        return v

    def materialize(self, b: Broadcast, mlir_type: Any) -> SSAValue:
        arr = self._consts.get(b.source)
        if arr is not None:
            return self.const(np.broadcast_to(arr, b.shape))
        shape = self.const(np.array(b.shape, np.int32))
        return self.emit(tfd.BroadcastToOp, [b.source, shape], tensor_type(mlir_type))

    def broadcastable(self, mlir_value: Any) -> SSAValue:
        """The value for an op with numpy broadcasting: a pending broadcast's (rank-aligned) source."""
        v = self.values[mlir_value]
        if isinstance(v, LazyConst):
            return self._built(mlir_value, v)
        return v.source if isinstance(v, Broadcast) else v

    def set(self, mlir_value: Any, v: SSAValue | Broadcast | LazyConst) -> None:
        self.values[mlir_value] = v

    def reshape(self, x: SSAValue, shape: Sequence[int]) -> SSAValue:
        if tuple(x.type.get_shape()) == tuple(shape):
            return x
        arr = self._consts.get(x)
        if arr is not None:
            return self.const(arr.reshape(shape))
        s = self.const(np.array(shape, np.int32))
        return self.emit(tfd.ReshapeOp, [x, s], _tensor(x.type.element_type, shape))

    def transpose(self, x: SSAValue, perm: Sequence[int]) -> SSAValue:
        if list(perm) == list(range(len(perm))):
            return x
        arr = self._consts.get(x)
        if arr is not None:
            return self.const(np.transpose(arr, perm))
        shape = x.type.get_shape()
        p = self.const(np.array(perm, np.int32))
        return self.emit(tfd.TransposeOp, [x, p], _tensor(x.type.element_type, [shape[i] for i in perm]))

    # -- functions --------------------------------------------------------------------------------------------

    def run(self, fn: Any, args: Sequence[SSAValue]) -> list[SSAValue]:
        """Translate `fn`'s body with `args` bound to its block arguments; returns its results."""
        block = fn.regions[0].blocks[0]
        for a, v in zip(block.arguments, args, strict=True):
            self.values[a] = v
        for o in block.operations:
            o = o.operation
            if o.name == "func.return":
                return [self.get(v) for v in o.operands]
            self.name = _layer_name(o)
            if o.name not in RULES:  # listed by unknown_ops already; translation goes on to find the rest
                self.placeholder(o)
                continue
            try:
                RULES[o.name](self, o)
            except UnsupportedStableHLO as e:
                self.problems.append((f"{o.name} ({e})", source_location(o, self.call_sites[-1])))
                self.placeholder(o)
            except Exception:
                if not self.collecting:
                    raise
                self.placeholder(o)  # fed by a placeholder: a consequence of a problem already listed
        raise ConversionError("JAX function without a return")


# ---- structure ----------------------------------------------------------------------------------------------


@translates("func.call", "stablehlo.composite")
def _call(t: Translator, op: Any) -> None:
    callee = t.funcs[_callee(op)]
    t.call_sites.append(_frame(op) or t.call_sites[-1])
    outs = t.run(callee, [t.get(v) for v in op.operands])
    t.call_sites.pop()
    for r, v in zip(op.results, outs, strict=True):
        t.set(r, v)


def _callee(op: Any) -> str | None:
    """The function a func.call calls, or a stablehlo.composite's decomposition."""
    if op.name == "func.call":
        return op.attributes["callee"].value
    if op.name == "stablehlo.composite":
        return op.attributes["decomposition"].value
    return None


@translates("stablehlo.optimization_barrier")
def _identity_all(t: Translator, op: Any) -> None:
    for r, v in zip(op.results, op.operands, strict=True):
        t.set(r, t.values[v])


@translates("stablehlo.custom_call")
def _custom_call(t: Translator, op: Any) -> None:
    target = op.attributes["call_target_name"].value
    if target in ("Sharding", "SPMDFullToShardShape", "SPMDShardToFullShape") and len(op.operands) == 1:
        t.set(op.results[0], t.values[op.operands[0]])  # sharding annotations: identities on one device
        return
    raise UnsupportedStableHLO(f"custom_call target {target!r}")


@translates("stablehlo.constant")
def _constant(t: Translator, op: Any) -> None:
    t.set(op.results[0], t.lazy_const(constant_array(op.attributes["value"])))


@translates("stablehlo.iota")
def _iota(t: Translator, op: Any) -> None:
    shape = _shape(op.results[0].type)
    dim = _int(op, "iota_dimension", 0)
    idx = np.arange(shape[dim], dtype=_dtype(op.results[0].type))
    t.set(
        op.results[0],
        t.const(np.broadcast_to(idx.reshape([-1 if i == dim else 1 for i in range(len(shape))]), shape)),
    )


# ---- elementwise --------------------------------------------------------------------------------------------

_BINARY: dict[str, type[tfd.TFOp]] = {
    "stablehlo.add": tfd.AddV2Op,
    "stablehlo.subtract": tfd.SubOp,
    "stablehlo.multiply": tfd.MulOp,
    "stablehlo.divide": tfd.RealDivOp,
    "stablehlo.maximum": tfd.MaximumOp,
    "stablehlo.minimum": tfd.MinimumOp,
    "stablehlo.power": tfd.PowOp,
    "stablehlo.atan2": tfd.Atan2Op,
    "stablehlo.and": tfd.LogicalAndOp,
    "stablehlo.or": tfd.LogicalOrOp,
}

_UNARY: dict[str, type[tfd.TFOp]] = {
    "stablehlo.exponential": tfd.ExpOp,
    "stablehlo.log": tfd.LogOp,
    "stablehlo.tanh": tfd.TanhOp,
    "stablehlo.logistic": tfd.SigmoidOp,
    "stablehlo.sqrt": tfd.SqrtOp,
    "stablehlo.rsqrt": tfd.RsqrtOp,
    "stablehlo.negate": tfd.NegOp,
    "stablehlo.abs": tfd.AbsOp,
    "stablehlo.sine": tfd.SinOp,
    "stablehlo.cosine": tfd.CosOp,
    "stablehlo.floor": tfd.FloorOp,
    "stablehlo.ceil": tfd.CeilOp,
    "stablehlo.round_nearest_even": tfd.RoundOp,
    "stablehlo.sign": tfd.SignOp,
    "stablehlo.exponential_minus_one": tfd.Expm1Op,
    "stablehlo.log_plus_one": tfd.Log1pOp,
    "stablehlo.is_finite": tfd.IsFiniteOp,
    "chlo.square": tfd.SquareOp,
    "chlo.erf": tfd.ErfOp,
    "chlo.erfc": tfd.ErfcOp,
}


def _broadcast_shape(shapes: Sequence[Sequence[int]]) -> tuple[int, ...] | None:
    """numpy's broadcast of static shapes (None if they do not broadcast), without numpy's per-call cost."""
    rank = max(len(s) for s in shapes)
    out = [1] * rank
    for s in shapes:
        for i, d in enumerate(s, rank - len(s)):
            if d != out[i]:
                if out[i] != 1 and d != 1:
                    return None
                if d != 1:
                    out[i] = d
    return tuple(out)


def _operands_for_broadcast(t: Translator, op: Any) -> list[SSAValue]:
    """Operands for a numpy-broadcasting TF op: pending broadcasts stay implicit while the shapes still broadcast
    to the result (a constant source also drops its leading unit dims, as TF models spell biases)."""
    out_shape = _shape(op.results[0].type)
    vals: list[SSAValue] = []
    for v in op.operands:
        s = t.broadcastable(v)
        arr = t._consts.get(s)
        if arr is not None and isinstance(t.values[v], Broadcast):
            trimmed = arr.reshape(arr.shape[next((i for i, d in enumerate(arr.shape) if d != 1), arr.ndim) :])
            if trimmed.shape != arr.shape:
                s = t.const(trimmed)
        vals.append(s)
    if _broadcast_shape([v.type.get_shape() for v in vals]) != out_shape:
        vals = [t.get(v) for v in op.operands]
    return vals


@translates(*_BINARY)
def _binary(t: Translator, op: Any) -> None:
    name = op.name
    dtype = _dtype(op.results[0].type)
    if name == "stablehlo.divide" and dtype.kind != "f":
        raise UnsupportedStableHLO("integer division truncates; TFLite's DIV/FLOOR_DIV round differently")
    if name in ("stablehlo.and", "stablehlo.or") and dtype != np.bool_:
        raise UnsupportedStableHLO("bitwise and/or on integers")
    if name == "stablehlo.maximum" and dtype.kind == "f":
        # max(-inf, x) == x (JAX's softmax writes it around its stop_gradient'ed max)
        for a, b in ((0, 1), (1, 0)):
            c = t.const_of(t.values[op.operands[a]])
            if (
                c is not None
                and c.size
                and np.all(np.isneginf(c))
                and _shape(op.operands[b].type) == _shape(op.results[0].type)
            ):
                t.set(op.results[0], t.values[op.operands[b]])
                return
    if name == "stablehlo.divide":
        mean = _mean_of_sum(t, op) or _avg_pool_of_sum_pool(t, op)
        if mean is not None:
            t.set(op.results[0], mean)
            return
    x, y = _operands_for_broadcast(t, op)
    t.set(op.results[0], t.emit(_BINARY[name], [x, y], tensor_type(op.results[0].type)))


@translates(*_UNARY)
def _unary(t: Translator, op: Any) -> None:
    t.set(op.results[0], t.emit(_UNARY[op.name], [t.get(op.operands[0])], tensor_type(op.results[0].type)))


@translates("stablehlo.not")
def _not(t: Translator, op: Any) -> None:
    if _dtype(op.results[0].type) != np.bool_:
        raise UnsupportedStableHLO("bitwise not on integers")
    t.set(op.results[0], t.emit(tfd.LogicalNotOp, [t.get(op.operands[0])], tensor_type(op.results[0].type)))


_COMPARE = {
    "EQ": tfd.EqualOp,
    "NE": tfd.NotEqualOp,
    "GT": tfd.GreaterOp,
    "GE": tfd.GreaterEqualOp,
    "LT": tfd.LessOp,
    "LE": tfd.LessEqualOp,
}


@translates("stablehlo.compare")
def _compare(t: Translator, op: Any) -> None:
    from jaxlib.mlir.dialects import stablehlo

    direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
    x, y = _operands_for_broadcast(t, op)
    t.set(op.results[0], t.emit(_COMPARE[direction], [x, y], tensor_type(op.results[0].type)))


@translates("stablehlo.select")
def _select(t: Translator, op: Any) -> None:
    c, x, y = _operands_for_broadcast(t, op)
    t.set(op.results[0], t.emit(tfd.SelectV2Op, [c, x, y], tensor_type(op.results[0].type)))


@translates("stablehlo.clamp")
def _clamp(t: Translator, op: Any) -> None:
    lo, x, hi = (t.broadcastable(v) for v in op.operands)
    ty = tensor_type(op.results[0].type)
    x = t.get(op.operands[1])
    t.set(op.results[0], t.emit(tfd.MaximumOp, [t.emit(tfd.MinimumOp, [x, hi], ty), lo], ty))


@translates("stablehlo.convert")
def _convert(t: Translator, op: Any) -> None:
    src, dst = _dtype(op.operands[0].type), _dtype(op.results[0].type)
    if src == dst:
        t.set(op.results[0], t.values[op.operands[0]])
        return
    c = t.const_of(t.values[op.operands[0]])
    if c is not None:
        t.set(op.results[0], t.const(c.astype(dst)))
        return
    t.set(op.results[0], t.emit(tfd.CastOp, [t.get(op.operands[0])], tensor_type(op.results[0].type)))


# ---- shapes -------------------------------------------------------------------------------------------------


@translates("stablehlo.broadcast_in_dim")
def _broadcast_in_dim(t: Translator, op: Any) -> None:
    dims = _i64s(op, "broadcast_dimensions", [])
    out_shape = _shape(op.results[0].type)
    in_shape = _shape(op.operands[0].type)
    order = sorted(range(len(dims)), key=lambda i: dims[i])
    aligned = [1] * len(out_shape)
    for i in order:
        aligned[dims[i]] = in_shape[i]
    lazy = t.values[op.operands[0]]
    if isinstance(lazy, LazyConst):  # the constants transpose() / reshape() would make, not built yet
        if order != list(range(len(order))):
            lazy = t.lazy_const(np.transpose(lazy.array, order))
        if lazy.array.shape != tuple(aligned):
            lazy = t.lazy_const(lazy.array.reshape(aligned))
        t.set(
            op.results[0], lazy if tuple(aligned) == out_shape else Broadcast(t._make_const(lazy), out_shape)
        )
        return
    x = t.transpose(t.get(op.operands[0]), order)  # broadcast dims in increasing order
    x = t.reshape(x, aligned)
    if tuple(aligned) == out_shape:
        t.set(op.results[0], x)
    else:
        t.set(op.results[0], Broadcast(x, out_shape))


@translates("stablehlo.reshape")
def _reshape(t: Translator, op: Any) -> None:
    t.set(op.results[0], t.reshape(t.get(op.operands[0]), _shape(op.results[0].type)))


@translates("stablehlo.transpose")
def _transpose(t: Translator, op: Any) -> None:
    t.set(op.results[0], t.transpose(t.get(op.operands[0]), _i64s(op, "permutation", [])))


@translates("stablehlo.slice")
def _slice(t: Translator, op: Any) -> None:
    start, limit = _i64s(op, "start_indices", []), _i64s(op, "limit_indices", [])
    strides = _i64s(op, "strides", [1] * len(start))
    x = t.get(op.operands[0])
    out = tensor_type(op.results[0].type)
    if all(s == 1 for s in strides):
        size = [lim - s for s, lim in zip(start, limit, strict=True)]
        args = [x, t.const(np.array(start, np.int32)), t.const(np.array(size, np.int32))]
        t.set(op.results[0], t.emit(tfd.SliceOp, args, out))
        return
    args = [x, *(t.const(np.array(v, np.int32)) for v in (start, limit, strides))]
    zero = IntegerAttr(0, i64)
    masks = {
        k: zero for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
    }
    t.set(op.results[0], t.emit(tfd.StridedSliceOp, args, out, **masks))


@translates("stablehlo.dynamic_slice")
def _dynamic_slice(t: Translator, op: Any) -> None:
    x, *starts = op.operands
    sizes = _i64s(op, "slice_sizes", [])
    in_shape = _shape(x.type)
    begin = []
    for s, size, dim in zip(starts, sizes, in_shape, strict=True):
        c = t.const_of(t.values[s])
        if c is None:
            raise UnsupportedStableHLO("start indices computed at run time")
        begin.append(int(np.clip(int(c), 0, dim - size)))  # StableHLO clamps the start into range
    args = [t.get(x), t.const(np.array(begin, np.int32)), t.const(np.array(sizes, np.int32))]
    t.set(op.results[0], t.emit(tfd.SliceOp, args, tensor_type(op.results[0].type)))


@translates("stablehlo.gather")
def _gather(t: Translator, op: Any) -> None:
    """A gather of whole slices along one axis (jnp.take, x[ids], nn.Embed) -> tf.GatherV2 of the indices clamped
    into range as StableHLO clamps them."""
    from jaxlib.mlir.dialects import stablehlo

    dn = stablehlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
    params_shape, idx_shape = _shape(op.operands[0].type), _shape(op.operands[1].type)
    sizes = _i64s(op, "slice_sizes", [])
    start_map, collapsed = list(dn.start_index_map), list(dn.collapsed_slice_dims)
    ivd = dn.index_vector_dim
    if list(dn.operand_batching_dims) or len(start_map) != 1 or collapsed != start_map:
        raise UnsupportedStableHLO("gather other than whole slices along one axis")
    axis = start_map[0]
    if any(sizes[d] != params_shape[d] for d in range(len(params_shape)) if d != axis) or sizes[axis] != 1:
        raise UnsupportedStableHLO("gather of partial slices")
    if ivd < len(idx_shape) and idx_shape[ivd] != 1:
        raise UnsupportedStableHLO("gather with multi-dimensional indices")
    batch = [d for i, d in enumerate(idx_shape) if i != ivd]
    nb = len(batch)
    rest = len(params_shape) - 1 - axis
    if list(dn.offset_dims) != list(range(axis)) + list(range(axis + nb, axis + nb + rest)):
        raise UnsupportedStableHLO("gather with reordered output dims")
    idx = t.reshape(t.get(op.operands[1]), batch)
    c = t._consts.get(idx)
    itype = idx.type
    if c is not None:
        idx = t.const(np.clip(c, 0, params_shape[axis] - 1).astype(c.dtype))
    else:
        lo = t.const(np.array(0, _dtype(op.operands[1].type)))
        hi = t.const(np.array(params_shape[axis] - 1, _dtype(op.operands[1].type)))
        idx = t.emit(tfd.MinimumOp, [t.emit(tfd.MaximumOp, [idx, lo], itype), hi], itype)
    axis_c = t.const(np.array(axis, np.int32))
    out = tensor_type(op.results[0].type)
    t.set(
        op.results[0],
        t.emit(tfd.GatherV2Op, [t.get(op.operands[0]), idx, axis_c], out, batch_dims=_int_attr(0)),
    )


@functools.lru_cache(maxsize=256)
def _int_attr(v: int) -> Attribute:
    return IntegerAttr(v, i64)  # immutable: one per value


@translates("stablehlo.concatenate")
def _concatenate(t: Translator, op: Any) -> None:
    axis = t.const(np.array(_int(op, "dimension", 0), np.int32))
    values = [t.get(v) for v in op.operands]
    t.set(op.results[0], t.emit(tfd.ConcatV2Op, [*values, axis], tensor_type(op.results[0].type)))


@translates("stablehlo.pad")
def _pad(t: Translator, op: Any) -> None:
    low, high = _i64s(op, "edge_padding_low", []), _i64s(op, "edge_padding_high", [])
    interior = _i64s(op, "interior_padding", [0] * len(low))
    if any(interior):
        raise UnsupportedStableHLO("interior padding")
    x, value = t.get(op.operands[0]), t.get(op.operands[1])
    shape = list(_shape(op.operands[0].type))
    if any(v < 0 for v in low + high):  # negative padding crops: slice first
        begin = [max(-lo, 0) for lo in low]
        size = [d - b - max(-h, 0) for d, b, h in zip(shape, begin, high, strict=True)]
        ty = _tensor(x.type.element_type, size)
        x = t.emit(
            tfd.SliceOp, [x, t.const(np.array(begin, np.int32)), t.const(np.array(size, np.int32))], ty
        )
        low, high = [max(v, 0) for v in low], [max(v, 0) for v in high]
    if not any(low + high):
        t.set(op.results[0], x)
        return
    pads = t.const(np.array([low, high], np.int32).T.copy())
    pad_value = t.const_of(value)
    out = tensor_type(op.results[0].type)
    if pad_value is not None and not np.any(pad_value):
        t.set(op.results[0], t.emit(tfd.PadOp, [x, pads], out))
    else:
        t.set(op.results[0], t.emit(tfd.PadV2Op, [x, pads, value], out))


# ---- reductions ---------------------------------------------------------------------------------------------

# body op -> (TF reduction, the init value that makes the reduction exact)
_REDUCE: dict[str, tuple[type[tfd.TFOp], Callable[[np.ndarray], bool]]] = {
    "stablehlo.add": (tfd.SumOp, lambda v: not np.any(v)),
    "stablehlo.multiply": (tfd.ProdOp, lambda v: bool(np.all(v == 1))),
    "stablehlo.maximum": (
        tfd.MaxOp,
        lambda v: bool(np.all(v == (-np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).min))),
    ),
    "stablehlo.minimum": (
        tfd.MinOp,
        lambda v: bool(np.all(v == (np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).max))),
    ),
    "stablehlo.and": (tfd.AllOp, lambda v: bool(np.all(v))),
    "stablehlo.or": (tfd.AnyOp, lambda v: not np.any(v)),
}


@dataclass
class _SumInfo:
    source: SSAValue
    axes: list[int]
    count: int


@translates("stablehlo.reduce")
def _reduce(t: Translator, op: Any) -> None:
    if len(op.operands) == 4:
        _arg_reduce(t, op)
        return
    if len(op.operands) != 2:
        raise UnsupportedStableHLO("variadic reduce")
    body = _body_op(op)
    if body not in _REDUCE:
        raise UnsupportedStableHLO(f"reduce computing {body}")
    cls, exact_init = _REDUCE[body]
    init = t.const_of(t.values[op.operands[1]])
    if init is None or not exact_init(init):
        raise UnsupportedStableHLO("reduce with an init value other than its identity")
    dims = _i64s(op, "dimensions", [])
    x = t.get(op.operands[0])
    axes = t.const(np.array(dims, np.int32))
    out = t.emit(cls, [x, axes], tensor_type(op.results[0].type), keep_dims=_false())
    if cls is tfd.SumOp:
        shape = _shape(op.operands[0].type)
        t.sums[out] = _SumInfo(x, dims, math.prod(shape[d] for d in dims))
    t.set(op.results[0], out)


def _arg_reduce(t: Translator, op: Any) -> None:
    """jnp.argmax / argmin: reduce over (x, iota) whose body picks by GT / LT -> tf.ArgMax / ArgMin (+ tf.Max / Min
    when the values are used too). Ties take the first index on both sides."""
    from jaxlib.mlir.dialects import stablehlo

    x, idx, x0, i0 = op.operands
    dims = _i64s(op, "dimensions", [])
    shape = _shape(x.type)
    body = [o.operation for o in op.regions[0].blocks[0].operations]
    first = body[0] if body else None
    if len(dims) != 1 or first is None or first.name != "stablehlo.compare":
        raise UnsupportedStableHLO("variadic reduce other than argmax / argmin")
    direction = stablehlo.ComparisonDirectionAttr(first.attributes["comparison_direction"]).value
    iota = t.const_of(t.values[idx])
    x_init, i_init = t.const_of(t.values[x0]), t.const_of(t.values[i0])
    axis = dims[0]
    expected = np.arange(shape[axis]).reshape([-1 if d == axis else 1 for d in range(len(shape))])
    extreme = {"GT": -np.inf, "LT": np.inf}.get(direction)
    if (
        extreme is None
        or iota is None
        or not np.array_equal(iota, np.broadcast_to(expected, shape))
        or x_init is None
        or i_init is None
        or np.any(i_init != 0)
        or _dtype(x.type).kind != "f"
        or not np.all(x_init == extreme)
    ):
        raise UnsupportedStableHLO("variadic reduce other than argmax / argmin")
    xv = t.get(x)
    axis_c = t.const(np.array(axis, np.int32))
    cls, values_cls = (tfd.ArgMaxOp, tfd.MaxOp) if direction == "GT" else (tfd.ArgMinOp, tfd.MinOp)
    out = tensor_type(op.results[1].type)
    t.set(op.results[1], t.emit(cls, [xv, axis_c], out, output_type=out.element_type))
    if _users(op.results[0]):
        axes = t.const(np.array([axis], np.int32))
        t.set(
            op.results[0], t.emit(values_cls, [xv, axes], tensor_type(op.results[0].type), keep_dims=_false())
        )


def _false() -> Attribute:
    return _bool(False)


def _mean_of_sum(t: Translator, op: Any) -> SSAValue | None:
    """sum(x, axes) / count -> tf.Mean(x, axes) (how jnp.mean lowers), when the sum has no other use."""
    s = t.values[op.operands[0]]
    if not isinstance(s, SSAValue) or s not in t.sums or _users(op.operands[0]) != 1:
        return None
    c = t.const_of(t.values[op.operands[1]])
    info = t.sums[s]
    if c is None or not c.size or not np.all(c == info.count):
        return None
    sum_op = s.owner
    axes = sum_op.operands[1]
    mean = t.emit(tfd.MeanOp, [info.source, axes], s.type, keep_dims=_false())
    sum_op.detach()
    sum_op.erase()
    return mean


def _avg_pool_of_sum_pool(t: Translator, op: Any) -> SSAValue | None:
    """sum_pool(x) / window size -> the AvgPool it was built from (how flax's avg_pool lowers)."""
    s = t.values[op.operands[0]]
    if not isinstance(s, SSAValue) or s not in t.sum_pools or _users(op.operands[0]) != 1:
        return None
    avg, n = t.sum_pools[s]
    c = t.const_of(t.values[op.operands[1]])
    if (
        c is None
        or not c.size
        or not np.all(c == n)
        or _shape(op.operands[1].type) != _shape(op.results[0].type)
    ):
        return None
    s.owner.detach()
    s.owner.erase()
    return avg


def _users(mlir_value: Any) -> int:
    return sum(1 for _ in mlir_value.uses)


@translates("stablehlo.reduce_window")
def _reduce_window(t: Translator, op: Any) -> None:
    if len(op.operands) != 2:
        raise UnsupportedStableHLO("variadic reduce_window")
    body = _body_op(op)
    shape = _shape(op.operands[0].type)
    rank = len(shape)
    window = _i64s(op, "window_dimensions", [])
    strides = _i64s(op, "window_strides", [1] * rank)
    if any(_i64s(op, "base_dilations", [1] * rank)[i] != 1 for i in range(rank)) or any(
        d != 1 for d in _i64s(op, "window_dilations", [1] * rank)
    ):
        raise UnsupportedStableHLO("dilated pooling windows")
    pads = _padding(op, rank)
    if (
        rank != 4
        or window[0] != 1
        or window[3] != 1
        or strides[0] != 1
        or strides[3] != 1
        or pads[[0, 3]].any()
    ):
        raise UnsupportedStableHLO("pooling windows other than NHWC spatial windows")
    init = t.const_of(t.values[op.operands[1]])
    if body not in ("stablehlo.maximum", "stablehlo.add") or init is None:
        raise UnsupportedStableHLO(f"reduce_window computing {body}")
    if not _REDUCE[body][1](init):
        raise UnsupportedStableHLO("reduce_window with an init value other than its identity")
    x = t.get(op.operands[0])
    out_type = tensor_type(op.results[0].type)
    kh, kw = window[1], window[2]
    padding = "VALID"
    if pads.any():
        same = [_same(shape[i], window[i], strides[i]) for i in (1, 2)]
        if body == "stablehlo.maximum" and [tuple(pads[1]), tuple(pads[2])] == same:
            padding = "SAME"  # TF's SAME max pool ignores the padding like -inf does
        else:
            fill = np.array(init, _dtype(op.operands[0].type)).reshape(())
            padded = [d + int(pads[i].sum()) for i, d in enumerate(shape)]
            x = t.emit(
                tfd.PadV2Op,
                [x, t.const(pads.astype(np.int32)), t.const(fill)],
                _tensor(x.type.element_type, padded),
            )
    attrs = {
        "ksize": ArrayAttr([_int_attr(v) for v in (1, kh, kw, 1)]),
        "strides": ArrayAttr([_int_attr(v) for v in strides]),
        "padding": StringAttr(padding),
        "data_format": StringAttr("NHWC"),
    }
    if body == "stablehlo.maximum":
        t.set(op.results[0], t.emit(tfd.MaxPoolOp, [x], out_type, **attrs))
        return
    # a sum pool: the average over the (fully inside) window times its size; jnp's avg_pool divides right after
    avg = t.emit(tfd.AvgPoolOp, [x], out_type, **attrs)
    scaled = t.emit(tfd.MulOp, [avg, t.const(np.array(kh * kw, _dtype(op.operands[0].type)))], out_type)
    t.sum_pools[scaled] = (avg, kh * kw)
    t.set(op.results[0], scaled)


def _same(size: int, kernel: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


# ---- dot_general and convolution ----------------------------------------------------------------------------


@translates("stablehlo.dot_general")
def _dot_general(t: Translator, op: Any) -> None:
    from jaxlib.mlir.dialects import stablehlo

    dn = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lb, rb = list(dn.lhs_batching_dimensions), list(dn.rhs_batching_dimensions)
    lc, rc = list(dn.lhs_contracting_dimensions), list(dn.rhs_contracting_dimensions)
    ls, rs = _shape(op.operands[0].type), _shape(op.operands[1].type)
    lf = [d for d in range(len(ls)) if d not in lb + lc]
    rf = [d for d in range(len(rs)) if d not in rb + rc]
    out_type = tensor_type(op.results[0].type)
    if _dtype(op.operands[0].type) != _dtype(op.results[0].type) or _dtype(op.operands[1].type) != _dtype(
        op.results[0].type
    ):
        raise UnsupportedStableHLO("mixed element types (preferred_element_type)")
    batch = [ls[d] for d in lb]
    m, k, n = (
        math.prod(ls[d] for d in lf),
        math.prod(ls[d] for d in lc),
        math.prod(rs[d] for d in rf),
    )
    x, y = t.get(op.operands[0]), t.get(op.operands[1])
    if not batch and t.const_of(y) is not None and lf + lc == list(range(len(ls))):
        # x[free..., contract...] . W: contract x's trailing dims against W as a [K, N] matrix (FULLY_CONNECTED)
        y = t.reshape(t.transpose(y, rc + rf), [k, n])
        x = t.reshape(x, [*(ls[d] for d in lf), k]) if len(lf) > 1 else t.reshape(x, [m, k])
        prod_type = _tensor(out_type.element_type, [*x.type.get_shape()[:-1], n])
        cls = tfd.MatMulOp if len(prod_type.get_shape()) == 2 else tfd.BatchMatMulV2Op
        flags = ("transpose_a", "transpose_b") if cls is tfd.MatMulOp else ("adj_x", "adj_y")
        out = t.emit(cls, [x, y], prod_type, **{f: _bool(False) for f in flags})
        t.set(op.results[0], t.reshape(out, out_type.get_shape()))
        return
    # lhs as [batch..., M, K] (or [batch..., K, M] with adj_x when that needs no transpose); rhs likewise
    adj_x = lb + lc + lf == list(range(len(ls))) and lb + lf + lc != list(range(len(ls)))
    # rhs as [batch..., N, K] with adj_y when that needs no transpose, or when K comes after N anyway (q.k^T)
    adj_y = rb + rc + rf != list(range(len(rs))) and (
        rb + rf + rc == list(range(len(rs))) or (bool(rc) and min(rc) > max(rf, default=-1))
    )
    x = t.transpose(x, lb + (lc + lf if adj_x else lf + lc))
    y = t.transpose(y, rb + (rf + rc if adj_y else rc + rf))
    x = t.reshape(x, batch + ([k, m] if adj_x else [m, k]))
    if not rb and t.const_of(y) is not None:
        y = t.reshape(y, [n, k] if adj_y else [k, n])  # a constant matrix broadcasts over the batch
    else:
        y = t.reshape(y, batch + ([n, k] if adj_y else [k, n]))
    prod_shape = batch + [m, n]
    prod_type = _tensor(out_type.element_type, prod_shape)
    if not batch and not adj_x:
        attrs = {"transpose_a": _bool(False), "transpose_b": _bool(adj_y)}
        out = t.emit(tfd.MatMulOp, [x, y], prod_type, **attrs)
    else:
        out = t.emit(tfd.BatchMatMulV2Op, [x, y], prod_type, adj_x=_bool(adj_x), adj_y=_bool(adj_y))
    t.set(op.results[0], t.reshape(out, out_type.get_shape()))


@functools.lru_cache(maxsize=2)
def _bool(v: bool) -> Attribute:
    from xdsl.dialects.builtin import BoolAttr

    return BoolAttr.from_bool(v)  # immutable: one per value


@translates("stablehlo.convolution")
def _convolution(t: Translator, op: Any) -> None:
    from jaxlib.mlir.dialects import stablehlo

    dn = stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])
    in_sp = list(dn.input_spatial_dimensions)
    if len(in_sp) not in (1, 2):
        raise UnsupportedStableHLO(f"{len(in_sp)}-D convolution (1-D and 2-D only)")
    n_sp = len(in_sp)
    if any(v != 1 for v in _i64s(op, "lhs_dilation", [1] * n_sp)):
        _transposed_convolution(t, op, dn)
        return
    if any(_bools(op, "window_reversal")):
        raise UnsupportedStableHLO("window reversal")
    if _int(op, "batch_group_count", 1) != 1:
        raise UnsupportedStableHLO("batch_group_count > 1")
    strides = _i64s(op, "window_strides", [1] * n_sp)
    dil = _i64s(op, "rhs_dilation", [1] * n_sp)
    pads = _padding(op, n_sp)
    if (pads < 0).any():
        raise UnsupportedStableHLO("negative convolution padding")
    groups = _int(op, "feature_group_count", 1)
    x = t.transpose(t.get(op.operands[0]), [dn.input_batch_dimension, *in_sp, dn.input_feature_dimension])
    w = t.const_of(t.values[op.operands[1]])
    if w is None:
        raise UnsupportedStableHLO("a filter computed at run time")
    w = np.transpose(
        w,
        [
            *dn.kernel_spatial_dimensions,
            dn.kernel_input_feature_dimension,
            dn.kernel_output_feature_dimension,
        ],
    )  # HWIO
    if n_sp == 1:  # a 1-D convolution as a 2-D one over [N, 1, W, C]
        xs1 = x.type.get_shape()
        x = t.reshape(x, [xs1[0], 1, *xs1[1:]])
        w = w.reshape(1, *w.shape)
        strides, dil = [1, *strides], [1, *dil]
        pads = np.concatenate([np.zeros((1, 2), np.int64), pads])
    xs = x.type.get_shape()
    out_sp = list(dn.output_spatial_dimensions)
    final = _shape(op.results[0].type)
    nhwc = [final[dn.output_batch_dimension], *(final[d] for d in out_sp), final[dn.output_feature_dimension]]
    if n_sp == 1:
        nhwc.insert(1, 1)
    out_type = _tensor(element_type(_dtype(op.results[0].type)), nhwc)
    same = [_same(xs[1 + i], (w.shape[i] - 1) * dil[i] + 1, strides[i]) for i in range(2)]
    attrs: dict[str, Attribute] = {
        "strides": ArrayAttr([_int_attr(v) for v in (1, *strides, 1)]),
        "dilations": ArrayAttr([_int_attr(v) for v in (1, *dil, 1)]),
        "data_format": StringAttr("NHWC"),
    }
    if not pads.any():
        attrs["padding"] = StringAttr("VALID")
    elif [tuple(p) for p in pads] == same:
        attrs["padding"] = StringAttr("SAME")
    else:
        attrs["padding"] = StringAttr("EXPLICIT")
        attrs["explicit_paddings"] = ArrayAttr([_int_attr(int(v)) for v in (0, 0, *pads.ravel(), 0, 0)])
    channels = xs[3]
    if groups == 1:
        out = t.emit(tfd.Conv2DOp, [x, t.const(w)], out_type, **attrs)
    elif groups == channels and w.shape[2] == 1:
        # grouped per input channel: output channel c*M + m, as DepthwiseConv2dNative's [H, W, C, M] filter
        filt = w.reshape(w.shape[0], w.shape[1], channels, w.shape[3] // channels)
        out = t.emit(tfd.DepthwiseConv2dNativeOp, [x, t.const(filt)], out_type, **attrs)
    else:
        out = t.emit(tfd.Conv2DOp, [x, t.const(w)], out_type, **attrs)  # grouped: input channels = groups * I
    if n_sp == 1:
        out = t.reshape(out, [nhwc[0], *nhwc[2:]])
    back = [0] * (n_sp + 2)
    for pos, d in enumerate([dn.output_batch_dimension, *out_sp, dn.output_feature_dimension]):
        back[d] = pos
    t.set(op.results[0], t.transpose(out, back))


def _transposed_convolution(t: Translator, op: Any, dn: Any) -> None:
    """A convolution over the stride-dilated input (lax.conv_transpose, flax ConvTranspose) -> tf.Conv2DBackpropInput
    with the spatially flipped filter, when its padding is what TF's SAME or VALID transposed convolution pads."""
    in_sp, out_sp = list(dn.input_spatial_dimensions), list(dn.output_spatial_dimensions)
    strides = _i64s(op, "lhs_dilation", [])
    if (
        len(in_sp) != 2
        or _int(op, "feature_group_count", 1) != 1
        or _int(op, "batch_group_count", 1) != 1
        or any(v != 1 for v in _i64s(op, "window_strides", [1, 1]))
        or any(v != 1 for v in _i64s(op, "rhs_dilation", [1, 1]))
        or any(_bools(op, "window_reversal"))
    ):
        raise UnsupportedStableHLO("input dilation (transposed convolution) with groups, dilation or 3-D")
    w = t.const_of(t.values[op.operands[1]])
    if w is None:
        raise UnsupportedStableHLO("a filter computed at run time")
    w = np.transpose(
        w,
        [
            *dn.kernel_spatial_dimensions,
            dn.kernel_input_feature_dimension,
            dn.kernel_output_feature_dimension,
        ],
    )
    pads = _padding(op, 2)
    in_shape, final = _shape(op.operands[0].type), _shape(op.results[0].type)
    n = [in_shape[d] for d in in_sp]
    size = [final[d] for d in out_sp]
    padding = None
    for mode in ("VALID", "SAME"):
        ok = True
        for i in range(2):
            k, s, x_size = w.shape[i], strides[i], size[i]
            if mode == "VALID":
                b = a = 0
                dy = (x_size - k) // s + 1
            else:
                total = max((-(-x_size // s) - 1) * s + k - x_size, 0)
                b, a = total // 2, total - total // 2
                dy = -(-x_size // s)
            lo, hi = k - 1 - b, k - 1 - a + (x_size + b + a - k) % s
            ok &= dy == n[i] and (lo, hi) == tuple(int(v) for v in pads[i])
        if ok:
            padding = mode
            break
    if padding is None:
        raise UnsupportedStableHLO("transposed convolution padding other than TF's SAME / VALID")
    x = t.transpose(t.get(op.operands[0]), [dn.input_batch_dimension, *in_sp, dn.input_feature_dimension])
    filt = np.ascontiguousarray(
        w[::-1, ::-1].transpose(0, 1, 3, 2)
    )  # [H, W, out, in] as TF's backprop filter
    nhwc = [final[dn.output_batch_dimension], *size, final[dn.output_feature_dimension]]
    attrs = {
        "strides": ArrayAttr([_int_attr(v) for v in (1, *strides, 1)]),
        "dilations": ArrayAttr([_int_attr(1)] * 4),
        "padding": StringAttr(padding),
        "data_format": StringAttr("NHWC"),
    }
    sizes = t.const(np.array(nhwc, np.int32))
    out_type = _tensor(element_type(_dtype(op.results[0].type)), nhwc)
    out = t.emit(tfd.Conv2DBackpropInputOp, [sizes, t.const(filt), x], out_type, **attrs)
    back = [0] * 4
    for pos, d in enumerate([dn.output_batch_dimension, *out_sp, dn.output_feature_dimension]):
        back[d] = pos
    t.set(op.results[0], t.transpose(out, back))


# ---- entry point --------------------------------------------------------------------------------------------


# ---- complex numbers and the real FFT (TF's RFFT / RFFT2D / Real / Imag / ComplexAbs / Complex, imported as
# tf.generic as the TF frontend does: legalize-tf's complex rules take them) ----------------------------------------


def _generic(t: Translator, tf_type: str, operands: Sequence[SSAValue], op: Any) -> None:
    new = tfd.GenericOp(tf_type, b"", operands, [tensor_type(op.results[0].type)])
    if t.name:
        new.attributes[NAME] = StringAttr(t.name)
    t.block.add_op(new)
    t.set(op.results[0], new.results[0])


@translates("stablehlo.fft")
def _fft(t: Translator, op: Any) -> None:
    """A real FFT over the last 1 or 2 dims -> RFFT / RFFT2D (LiteRT's kernel: float32, power-of-2 lengths)."""
    from jaxlib.mlir.dialects import stablehlo

    kind = stablehlo.FftTypeAttr(op.attributes["fft_type"]).value
    lengths = _i64s(op, "fft_length") or []
    if kind != "RFFT":
        raise UnsupportedStableHLO(f"{kind}: TFLite has the real FFT (RFFT) only")
    if len(lengths) not in (1, 2):
        raise UnsupportedStableHLO(f"RFFT over {len(lengths)} dims: TFLite has 1-D and 2-D real FFTs only")
    if _dtype(op.operands[0].type) != np.float32 or any(n <= 0 or n & (n - 1) for n in lengths):
        raise UnsupportedStableHLO(f"fft_length {lengths} (LiteRT's RFFT2D takes float32, powers of 2)")
    length = t.const(np.array(lengths, np.int32))
    _generic(t, "RFFT" if len(lengths) == 1 else "RFFT2D", [t.get(op.operands[0]), length], op)


@translates("stablehlo.real", "stablehlo.imag")
def _complex_part(t: Translator, op: Any) -> None:
    if _dtype(op.operands[0].type).kind != "c":
        raise UnsupportedStableHLO("real/imag of a real tensor")
    _generic(t, "Real" if op.name == "stablehlo.real" else "Imag", [t.get(op.operands[0])], op)


@translates("stablehlo.abs")
def _abs(t: Translator, op: Any) -> None:
    """|z| of a complex tensor -> ComplexAbs; other types as the other unary ops."""
    if _dtype(op.operands[0].type).kind == "c":
        _generic(t, "ComplexAbs", [t.get(op.operands[0])], op)
    else:
        _unary(t, op)


@translates("stablehlo.complex")
def _complex(t: Translator, op: Any) -> None:
    _generic(t, "Complex", [t.get(op.operands[0]), t.get(op.operands[1])], op)


def _problems_message(unknown: list[tuple[str, str]], problems: list[tuple[str, str]]) -> str:
    """One message listing every op without a translation (grouped by kind) and every op a rule refused."""
    parts = []
    if unknown:
        by_op: dict[str, list[str]] = {}
        for name, where in unknown:
            by_op.setdefault(name, []).append(where)
        lines = []
        for name, places in sorted(by_op.items()):
            shown = "; ".join(places[:3]) + (f"; ... ({len(places) - 3} more)" if len(places) > 3 else "")
            lines.append(f"  {name} x{len(places)}: {shown}")
        parts.append(
            f"{len(unknown)} StableHLO op(s) of {len(by_op)} kind(s) have no translation in tflc's JAX frontend:\n"
            + "\n".join(lines)
        )
    if problems:
        parts.append(
            f"{len(problems)} StableHLO op(s) cannot be converted exactly:\n"
            + "\n".join(f"  {what}: {where}" for what, where in problems)
        )
    return (
        "\n".join(parts)
        + "\nFix: rewrite those parts of the JAX function with ops tflc converts (see README, JAX input)."
    )


def translate(module: Any, block: Block, args: Sequence[SSAValue], entry: str = "main") -> list[SSAValue]:
    """Emit `tf` ops for the module's `entry` function into `block` (its arguments bound to `args`)."""
    try:
        return _translate(module, block, args, entry)
    finally:
        _TYPE_INFO.clear()
        _LAYER_NAMES.clear()


def _translate(module: Any, block: Block, args: Sequence[SSAValue], entry: str) -> list[SSAValue]:
    t = Translator(module, block)
    fn = t.funcs.get(entry)
    if fn is None:
        raise ConversionError(f"the StableHLO module has no function {entry!r}")
    t.unknown = t.unknown_ops(fn)
    outs = t.run(fn, args)
    if t.collecting:
        raise ConversionError(_problems_message(t.unknown, t.problems))
    used = [c for _, c in sorted(t._pending, key=lambda p: p[0]) if c.results[0].uses]
    if used:
        first = block.first_op
        for c in used:
            if first is None:
                block.add_op(c)
            else:
                block.insert_op_before(c, first)
    return outs


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m compiler.frontends.jax_stablehlo FILE.mlir`: translate a StableHLO text module's `main` and print
    the `tf` module (for lit tests of the lowering; models come in through jax.jit lowering or jax.export)."""
    import argparse
    import sys

    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir
    from xdsl.dialects import func
    from xdsl.dialects.builtin import FunctionType, ModuleOp
    from xdsl.ir import Region

    parser = argparse.ArgumentParser(prog="python -m compiler.frontends.jax_stablehlo")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    with open(args.file) as f:
        module = ir.Module.parse(f.read(), context=mlir.make_ir_context())
    main_fn = next(
        f.operation
        for f in module.body.operations
        if f.operation.name == "func.func" and f.operation.attributes["sym_name"].value == "main"
    )
    arg_types = [tensor_type(a.type) for a in main_fn.regions[0].blocks[0].arguments]
    block = Block(arg_types=arg_types)
    try:
        outs = translate(module, block, list(block.args))
    except ConversionError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    block.add_op(func.ReturnOp(*outs))
    fn = func.FuncOp("main", FunctionType.from_lists(arg_types, [o.type for o in outs]), Region(block))
    print(ModuleOp([fn]))


if __name__ == "__main__":
    main()
