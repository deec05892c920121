"""Rewrite rules as data, dispatched by op type, and the helpers rules share.

A rule is a function `(op, rewriter) -> None` marked with the op classes it starts from (`@rule(tf.Conv2DOp)`).
A pass builds one `PatternTable` from an explicit, ordered list of rules; `DispatchPattern` is the single xDSL
RewritePattern it hands to the walker: for each op it looks up `type(op)` (a dict lookup, not a scan over every
rule) and tries that op's rules in list order until one acts, counting the hits per rule. The helpers below are
the one copy of what rules ask about values (dtype, single use, splat constants), axes, windows and padding, and
which element types a TFLite kernel accepts (`op_accepts`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.rewriter import Rewriter
from xdsl.transforms.dead_code_elimination import would_be_trivially_dead

from dialects import tf, tfl
from dialects.elements import DenseElementsAttr, numpy_dtype
from dialects.names import NAME

Rule = Callable[[Any, PatternRewriter], None]


def rule(*op_types: type[Operation]) -> Callable[[Rule], Rule]:
    """Mark a rule with the op classes it starts from (no table is touched: tables list their rules)."""

    def deco(fn: Rule) -> Rule:
        fn.op_types = op_types  # type: ignore[attr-defined]
        return fn

    return deco


# Hit counters of the runs in progress (`collect_rule_hits`), shared by every table.
_COLLECTORS: list[Counter[str]] = []


@contextmanager
def collect_rule_hits() -> Iterator[Counter[str]]:
    """Count, per rule name, the rewrites done by any table while the block runs."""
    hits: Counter[str] = Counter()
    _COLLECTORS.append(hits)
    try:
        yield hits
    finally:
        _COLLECTORS.remove(hits)


class PatternTable:
    """Rewrite rules indexed by the op class they start from; per op, rules run in the order listed."""

    def __init__(self, name: str, rules: Iterable[Rule]) -> None:
        self.name = name
        self.rules: dict[type[Operation], list[Rule]] = defaultdict(list)
        self.hits: Counter[str] = Counter()
        for fn in rules:
            op_types = getattr(fn, "op_types", None)
            if not op_types:
                raise TypeError(f"{name}: rule {fn.__name__} names no op class (mark it with @rule(...))")
            for t in op_types:
                self.rules[t].append(fn)

    def handles(self, op_type: type[Operation]) -> bool:
        return op_type in self.rules

    def order(self, op_type: type[Operation]) -> list[str]:
        """Names of the rules tried on `op_type`, in order."""
        return [fn.__name__ for fn in self.rules.get(op_type, ())]

    def pattern(self, dce: bool = False) -> DispatchPattern:
        return DispatchPattern(self, dce)

    def apply(self, module: ModuleOp, *, once: bool = False, dce: bool = True) -> bool:
        """Run the table over the module: one sweep (`once`, for legalizations) or to a fixed point."""
        work = self._work(module, dce)
        if work is None:
            return False  # the walker would visit every op and change nothing
        if once and work:
            # no op has a rule, and no op holds a region: one sweep erases exactly the ops dead now (an erased op
            # only frees values defined before it, which the forward sweep has already passed)
            for op in work:
                Rewriter.erase_op(op)
            return True
        walker = PatternRewriteWalker(self.pattern(dce), apply_recursively=not once)
        return walker.rewrite_module(module)

    def _work(self, module: ModuleOp, dce: bool) -> list[Operation] | None:
        """None when a sweep would do nothing; [] when some op has a rule (or holds a region); else the dead ops (with
        `dce`), in the order a sweep meets them."""
        rules = self.rules
        dead: list[Operation] = []
        for fn in module.ops:
            for region in fn.regions:
                for block in region.blocks:
                    for op in block.ops:
                        if type(op) in rules or op.regions:
                            return []
                        if dce and _trivially_dead(op):
                            dead.append(op)
            if type(fn) in rules or (dce and _trivially_dead(fn)):
                return []
        return dead or None


def _trivially_dead(op: Operation) -> bool:
    """xDSL's `is_trivially_dead`, the cheap half (an unused result) first: nearly every op has a used one."""
    for r in op.results:
        if r.first_use is not None:
            return False
    return would_be_trivially_dead(op)


class DispatchPattern(RewritePattern):
    """The table as one xDSL pattern: with `dce`, a dead op is erased instead (what GreedyRewritePatternApplier
    with dce_enabled does before its patterns, without its per-op overhead)."""

    def __init__(self, table: PatternTable, dce: bool = False) -> None:
        self.table = table
        self.dce = dce

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if self.dce and _trivially_dead(op):
            rewriter.erase(op)
            return
        for fn in self.table.rules.get(type(op), ()):
            fn(op, rewriter)
            if rewriter.has_done_action:
                self.table.hits[fn.__name__] += 1
                for hits in _COLLECTORS:
                    hits[fn.__name__] += 1
                return


# ---- helpers for rules ------------------------------------------------------------------------------------------


def name_of(op: Operation) -> StringAttr | None:
    attr = op.attributes.get(NAME)
    return attr if isinstance(attr, StringAttr) else None


def named(new: Operation, like: Operation) -> Operation:
    """Carry the TF node name (tensor name in the exported model) over to a replacement op."""
    n = name_of(like)
    if n is not None and NAME not in new.attributes:
        new.attributes[NAME] = n
    return new


def const_value(value: SSAValue) -> np.ndarray | None:
    """The numpy array of a value defined by a tf/tfl constant, else None."""
    owner = value.owner
    cls = type(owner)
    is_const = _IS_CONST.get(cls)
    if is_const is None:  # once per class: isinstance against op classes goes through ABCMeta
        is_const = _IS_CONST[cls] = issubclass(cls, tf.ConstOp | tfl.ConstOp)
    return owner.value.array if is_const else None


_IS_CONST: dict[type, bool] = {}


def shape_of(value: SSAValue) -> tuple[int, ...] | None:
    """Static shape, or None if the rank or any dim is unknown."""
    ty = value.type
    if isinstance(ty, TensorType):
        shape = tuple(ty.get_shape())
        if all(d >= 0 for d in shape):
            return shape
    return None


def dims_of(value: SSAValue) -> tuple[int, ...] | None:
    """Shape of a ranked value with -1 for its dynamic dims (None if unranked); for rules that need some dims only."""
    ty = value.type
    return tuple(d if d >= 0 else -1 for d in ty.get_shape()) if isinstance(ty, TensorType) else None


def rank_of(value: SSAValue) -> int | None:
    ty = value.type
    return len(ty.get_shape()) if isinstance(ty, TensorType) else None


def tfl_const(array: np.ndarray | Any, name: str | None = None) -> tfl.ConstOp:
    op = tfl.ConstOp(DenseElementsAttr.from_array(np.asarray(array)))
    if name:
        op.attributes[NAME] = StringAttr(name)
    return op


def tf_const(array: np.ndarray | Any, name: str | None = None) -> tf.ConstOp:
    op = tf.ConstOp(DenseElementsAttr.from_array(np.asarray(array)))
    if name:
        op.attributes[NAME] = StringAttr(name)
    return op


def int_attr(op: Operation, key: str, default: int | None = None) -> int | None:
    a = op.attributes.get(key)
    return a.value.data if a is not None and hasattr(a, "value") else default


def bool_attr(op: Operation, key: str, default: bool = False) -> bool:
    a = op.attributes.get(key)
    return bool(a.value.data) if a is not None and hasattr(a, "value") else default


def str_attr(op: Operation, key: str, default: str | None = None) -> str | None:
    a = op.attributes.get(key)
    return a.data if isinstance(a, StringAttr) else default


def ints_attr(op: Operation, key: str) -> list[int] | None:
    a = op.attributes.get(key)
    if a is None or not hasattr(a, "data"):
        return None
    return [x.value.data for x in a.data]


def float_attr(op: Operation, key: str, default: float) -> float:
    a = op.attributes.get(key)
    return float(a.value.data) if a is not None and hasattr(a, "value") else default


def replace_with(
    rewriter: PatternRewriter,
    op: Operation,
    new_ops: Iterable[Operation],
    new_results: list[SSAValue] | None = None,
) -> None:
    """Replace `op` by `new_ops`, naming the last one like `op` — unless one of them is a tfl op whose element types
    LiteRT's kernel does not take (e.g. a float64 Conv2D): then `op` stays as it is, for the select-TF fallback or
    the listing error, so no rule can emit an op the verifier would reject."""
    new_ops = list(new_ops)
    for new in new_ops:
        check = getattr(type(new), "operand_types_error", None)
        if check is not None and check([v.type for v in new.operands], [r.type for r in new.results]):
            return
    if new_ops:
        named(new_ops[-1], op)
    rewriter.replace(op, new_ops, new_results)


def result_type(op: Operation, i: int = 0) -> Attribute:
    return op.results[i].type


def erase_dead(rewriter: PatternRewriter, ops: Iterable[Operation]) -> None:
    """Erase the given ops once nothing uses them, then the constants they leave unused (matched DAGs)."""
    work = list(ops)
    while work:
        op = work.pop(0)
        if op.parent is None or any(r.uses for r in op.results) or not op.results:
            continue
        producers = [v.owner for v in op.operands if isinstance(v.owner, Operation)]
        rewriter.erase(op)
        work.extend(p for p in producers if isinstance(p, tf.ConstOp | tfl.ConstOp | tfl.NoValueOp))


# ---- values: element types, uses, constants -----------------------------------------------------------------------

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
I8, U8, I16 = np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.int16)
I32, I64 = np.dtype(np.int32), np.dtype(np.int64)
BOOL = np.dtype(np.bool_)

FLOAT = frozenset({F32})
NUMERIC = frozenset({F32, I32, I64})
ORDERED = frozenset({F32, I32, I64, I8, U8, I16})


def dtype_of(value: SSAValue) -> np.dtype | None:
    """The numpy element type of a tensor value, or None (opaque/unsupported types)."""
    ty = value.type
    if not isinstance(ty, TensorType):
        return None
    try:
        return numpy_dtype(ty.element_type)
    except ValueError:
        return None


def has_dtype(values: Sequence[SSAValue], allowed: frozenset[np.dtype]) -> bool:
    """All values share one element type, and it is in `allowed`."""
    dts = [dtype_of(v) for v in values]
    return all(d is not None and d in allowed for d in dts) and len(set(dts)) == 1


def is_f32(value: SSAValue) -> bool:
    return dtype_of(value) == F32


def single_use(value: SSAValue) -> bool:
    return value.has_one_use()


def splat(value: SSAValue) -> float | None:
    """The scalar a constant holds in every element, else None."""
    arr = const_value(value)
    if arr is None or arr.size == 0:
        return None
    first = arr.reshape(-1)[0]
    if arr.size > 1 and not np.all(arr == first):
        return None
    return float(first)


def close(a: float, b: float, rtol: float = 1e-5) -> bool:
    """`a` equals the expected `b` within a relative tolerance (float32 constants spelled in other ways)."""
    return abs(a - b) <= rtol * max(abs(b), 1e-30)


def is_splat(value: SSAValue, expected: float, rtol: float = 1e-6) -> bool:
    v = splat(value)
    return v is not None and close(v, expected, rtol)


# ---- axes, windows and padding ------------------------------------------------------------------------------------


def normalize_axis(axis: int, rank: int | None) -> int:
    """A negative axis counted from the end (unchanged when the rank is unknown)."""
    return axis + rank if axis < 0 and rank is not None else axis


def axis_set(axes: np.ndarray, rank: int) -> tuple[int, ...]:
    """Distinct axes in [0, rank), sorted (a reduction's axes operand)."""
    return tuple(sorted({int(a) % rank for a in axes.reshape(-1)})) if rank else ()


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding (before, after) along one spatial axis; the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class Window:
    """Spatial parameters of an NHWC conv/pool op, read from its TF attributes."""

    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    padding: str  # "SAME" | "VALID" | "EXPLICIT"
    explicit: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, bottom, left, right (EXPLICIT only)


def nhwc_window(op: Operation, *, strides_key: str = "strides") -> Window | None:
    """The op's strides/dilations/padding if it is NHWC with unit batch/channel strides, else None."""
    fmt = str_attr(op, "data_format", "NHWC")
    if fmt != "NHWC":
        return None
    strides = ints_attr(op, strides_key) or [1, 1, 1, 1]
    dilations = ints_attr(op, "dilations") or [1, 1, 1, 1]
    if len(strides) != 4 or len(dilations) != 4 or strides[0] != 1 or strides[3] != 1:
        return None
    if dilations[0] != 1 or dilations[3] != 1:
        return None
    padding = str_attr(op, "padding")
    explicit = (0, 0, 0, 0)
    if padding == "EXPLICIT":
        pads = ints_attr(op, "explicit_paddings") or []
        if len(pads) != 8 or any(p < 0 for p in pads) or pads[:2] != [0, 0] or pads[6:] != [0, 0]:
            return None
        explicit = (pads[2], pads[3], pads[4], pads[5])
    elif padding not in ("SAME", "VALID"):
        return None
    return Window(strides[1], strides[2], dilations[1], dilations[2], padding, explicit)


def padded_nhwc(value: SSAValue, pads: tuple[int, int, int, int]) -> tuple[np.ndarray, TensorType]:
    """The [4, 2] paddings operand and the result type of padding an NHWC value by (top, bottom, left, right)."""
    n, h, w, c = dims_of(value)  # type: ignore[misc]
    top, bottom, left, right = pads
    paddings = np.array([[0, 0], [top, bottom], [left, right], [0, 0]], np.int32)
    h, w = (h + top + bottom if h >= 0 else -1), (w + left + right if w >= 0 else -1)
    return paddings, TensorType(value.type.element_type, [n, h, w, c])  # type: ignore[attr-defined]


# ---- what a TFLite kernel accepts (asked of the op class) ---------------------------------------------------------


def op_accepts(
    op_cls: type[Operation], operands: Sequence[SSAValue], *, fused_activation: bool = False
) -> bool:
    """Whether LiteRT's kernel for `op_cls` takes these operands (in the op's operand order; trailing ones may be
    left out), or with `fused_activation` whether it applies a fused activation to a float32 result at these ranks
    (`operands` are then the op's operands and result, the result last). The op class declares both."""
    if fused_activation:
        ranks = [r for r in map(rank_of, operands) if r is not None]
        return is_f32(operands[-1]) and op_cls.takes_fused_activation(ranks)  # type: ignore[attr-defined]
    return op_cls.accepts([v.type for v in operands])  # type: ignore[attr-defined]


def broadcast_rank(op_cls: type[Operation]) -> int | None:
    """The largest output rank the kernel of `op_cls` broadcasts to (None: it does not broadcast)."""
    return op_cls.MAX_BROADCAST_RANK  # type: ignore[attr-defined]
