"""The op coverage table: each TF op TensorFlow's converter legalizes to LiteRT builtins, what tflc makes of it.

TF's list is data (passes/data/tf_builtin_legalizations.txt, with the TF source of each entry). What we make of an
op is asked of our own code, never kept in a second table: the rules `prepare-tf`, `legalize-tf` and the cleanup
register for the TF op class (`PatternTable.rules`), and the `tfl` op classes those rules can build, found by
reading the rules' bytecode (`tfl.XOp` references, tables indexed by the TF op class, `passes.expr` formulas and the
helpers they call). Kernel status per element kind comes from the tfl op's `TYPES` (what LiteRT's kernel takes)
and our C runtime's registry (`_tflrt.has_kernel`, and the kernel tables' entry names for the integer kinds).
"""

from __future__ import annotations

import dis
import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "passes" / "data" / "tf_builtin_legalizations.txt"
KERNELS = Path(__file__).resolve().parents[1] / "runtime" / "src" / "kernels"

# Expr operators (passes/expr.py) and the tfl op each records.
_EXPR_OPERATORS = {
    "+": "AddOp", "-": "SubOp", "*": "MulOp", "/": "DivOp", "+=": "AddOp", "-=": "SubOp", "*=": "MulOp",
    "/=": "DivOp", "<": "LessOp", ">": "GreaterOp", ">=": "GreaterEqualOp", "<=": "LessEqualOp",
    "==": "EqualOp", "!=": "NotEqualOp",
}  # fmt: skip
_OPERATOR_FUNCTIONS = {"add": "AddOp", "sub": "SubOp", "mul": "MulOp", "truediv": "DivOp"}
KINDS = ("float32", "int8", "int16")
_KIND_TYPES = {"float32": ("f32",), "int8": ("qi8",), "int16": ("qi16",)}


@dataclass(frozen=True)
class TFEntry:
    """One line of TF's list: the TF op type, the builtins TF's converter writes, where its rule is."""

    tf_op: str
    tf_builtins: str
    source: str


@dataclass
class Row:
    entry: TFEntry
    ours: list[str] = field(default_factory=list)  # builtins our rules can emit for the op
    rules: list[str] = field(default_factory=list)
    kernels: dict[str, str] = field(default_factory=dict)  # kind -> "yes" / "LiteRT" / "-"

    @property
    def covered(self) -> bool:
        return bool(self.ours)


def tf_legalizations(path: Path = DATA) -> list[TFEntry]:
    """TF's list of TF ops legalized to builtins (passes/data/tf_builtin_legalizations.txt)."""
    entries = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tf_op, builtins, source = (part.strip() for part in line.split("|", 2))
        entries.append(TFEntry(tf_op, builtins, source))
    return entries


def _tables() -> tuple[Any, Any]:
    from passes.legalize_tf import BEYOND_TF, LEGALIZE_TF
    from passes.patterns import PatternTable
    from passes.prepare_tf import PREPARE_TF

    # legalize-tf's second sweep (ops TF 2.21 writes no builtin for, e.g. Complex) counts as legalize-tf
    rules = dict.fromkeys(
        fn for table in (LEGALIZE_TF, BEYOND_TF) for fns in table.rules.values() for fn in fns
    )
    return PatternTable(LEGALIZE_TF.name, rules), PREPARE_TF


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


class _RuleReader:
    """What op classes a rule can build, read from its bytecode and the helpers it calls (in passes/)."""

    def __init__(self) -> None:
        from dialects import tf, tfl

        self.tf, self.tfl = tf, tfl
        self.registered = {c for c in tfl.REGISTERED_OPS if getattr(c, "BUILTIN", -1) >= 0}
        self.seen: set[int] = set()

    def is_tfl(self, obj: Any) -> bool:
        return isinstance(obj, type) and obj in self.registered

    def is_tf(self, obj: Any) -> bool:
        return isinstance(obj, type) and issubclass(obj, self.tf.TFOp)

    def built(self, fn: Any, start: type, expr: bool = False) -> tuple[set[type], set[type]]:
        """(tfl classes, tf classes) `fn` may build when rewriting a `start` op."""
        tfl_ops: set[type] = set()
        tf_ops: set[type] = set()
        if id(fn) in self.seen or not isinstance(fn, types.FunctionType):
            return tfl_ops, tf_ops
        self.seen.add(id(fn))
        for cell in fn.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if self.is_tfl(value):
                tfl_ops.add(value)
            elif isinstance(value, types.FunctionType) and value.__module__.startswith("passes"):
                a, b = self.built(value, start, expr)  # a wrapped rule (generic_rule)
                tfl_ops |= a
                tf_ops |= b
        glb = fn.__globals__
        expr = expr or fn.__module__ == "passes.expr"
        for code in _code_objects(fn.__code__):
            prev: Any = None
            on = expr  # operators build tfl ops once a Builder exists (before it they compare types, shapes)
            for ins in dis.get_instructions(code):
                if ins.opname == "LOAD_GLOBAL":
                    name = ins.argval
                    on = on or name == "Builder"
                    obj = glb.get(name, __builtins__.get(name) if isinstance(__builtins__, dict) else None)
                    self._take(obj, start, on, tfl_ops, tf_ops)
                    if on and name == "abs":
                        tfl_ops.add(self.tfl.AbsOp)
                    prev = obj
                    continue
                if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(prev, types.ModuleType):
                    obj = getattr(prev, ins.argval, None)
                    if on and prev.__name__ == "operator" and ins.argval in _OPERATOR_FUNCTIONS:
                        tfl_ops.add(getattr(self.tfl, _OPERATOR_FUNCTIONS[ins.argval]))
                    if prev is self.tf and not self.is_tf(obj):
                        obj = None
                    self._take(obj, start, on, tfl_ops, tf_ops)
                    prev = obj
                    continue
                if on and ins.opname in ("BINARY_OP", "COMPARE_OP") and ins.argrepr in _EXPR_OPERATORS:
                    tfl_ops.add(getattr(self.tfl, _EXPR_OPERATORS[ins.argrepr]))
                if on and ins.opname == "UNARY_NEGATIVE":
                    tfl_ops.add(self.tfl.NegOp)
                prev = None
        return tfl_ops, tf_ops

    def _take(self, obj: Any, start: type, expr: bool, tfl_ops: set[type], tf_ops: set[type]) -> None:
        if self.is_tfl(obj):
            tfl_ops.add(obj)
        elif self.is_tf(obj):
            if obj is not start:
                tf_ops.add(obj)
        elif isinstance(obj, dict) and start in obj:
            # a table indexed by the TF op class (e.g. UNARY[type(op)]): this op's entry only
            value = obj[start]
            for v in value if isinstance(value, tuple | list) else (value,):
                if self.is_tfl(v):
                    tfl_ops.add(v)
        elif isinstance(obj, types.FunctionType) and obj.__module__.startswith("passes"):
            a, b = self.built(obj, start, expr)
            tfl_ops |= a
            tf_ops |= b


def our_builtins(tf_type: str) -> tuple[list[str], list[str]]:
    """(builtin names our rules can emit for a TF op type, the rules tried on it), following TF->TF rewrites."""
    from dialects import tf
    from dialects.tfl.base import builtin_name

    legalize, prepare = _tables()
    start = tf.op_class(tf_type) if tf_type != "Const" else tf.ConstOp
    names: set[str] = set()
    rules: list[str] = []
    if start is None:  # imported as tf.generic: the rules that name this op type (generic_op_types)
        from passes.legalize_tf.fake_quant import FAKE_QUANT_TABLE  # float conversions of FakeQuant / QDQ ops

        generic = [*legalize.rules.get(tf.GenericOp, ()), *FAKE_QUANT_TABLE.rules.get(tf.GenericOp, ())]
        for fn in generic:
            if tf_type in getattr(fn, "generic_op_types", ()):
                rules.append(fn.__name__)
                names |= {builtin_name(c.BUILTIN) for c in _RuleReader().built(fn, tf.GenericOp)[0]}
        return sorted(names), rules
    todo, done = [start], set()
    while todo:
        cls = todo.pop()
        if cls in done:
            continue
        done.add(cls)
        # legalize-tf's rules say what an op becomes; prepare-tf's only matter for an op legalize-tf has no rule
        # for (FusedBatchNorm -> tf.Mul/tf.Add), and then through the TF ops they build.
        table = legalize if legalize.handles(cls) else prepare
        for fn in table.rules.get(cls, ()):
            if cls is start:
                rules.append(fn.__name__)
            tfl_ops, tf_ops = _RuleReader().built(fn, cls)
            names |= {builtin_name(c.BUILTIN) for c in tfl_ops}
            if table is prepare:
                todo.extend(c for c in tf_ops if c is not tf.ConstOp)
    if tf_type == "Const" and rules:
        names.add("(constant tensor)")
    return sorted(names), rules


def _kernel_entries() -> dict[str, list[tuple[str, str]]]:
    """Builtin name -> [(kernel family, entry name)] read from the runtime's kernel tables (sources)."""
    entries: dict[str, list[tuple[str, str]]] = {}
    if not KERNELS.is_dir():
        return entries
    for src in sorted(KERNELS.glob("*.c")):
        for op, label in re.findall(r'(?:\{|\w\()\s*TFL_OP_(\w+),\s*"([^"]*)"', src.read_text()):
            entries.setdefault(op, []).append((src.stem, label))
    return entries


# Kernels that live in a float32 family's source but take every element type (index results or pure data
# movement); tests/test_legalize_coverage.py runs them on TF's int8 / 16x8 files against LiteRT BUILTIN_REF.
_TYPE_GENERIC = frozenset({"ARG_MAX", "ARG_MIN", "RESIZE_NEAREST_NEIGHBOR"})


def _runtime_kinds(builtin: str, code: int, entries: dict[str, list[tuple[str, str]]]) -> set[str]:
    """Element kinds (of KINDS) our C runtime has a kernel for."""
    try:
        from runtime import _tflrt
    except ImportError:
        return set()
    if not _tflrt.has_kernel(code):
        return set()
    listed = entries.get(builtin, [])
    if not listed:  # the kernel sources are not at hand (an installed package): the op runs, kinds unknown
        return set(KINDS)
    kinds: set[str] = set()
    for family, label in listed:
        integer = family.endswith("_q") or family in ("quantize", "hybrid") or "(" in label
        if label in _TYPE_GENERIC:
            kinds |= set(KINDS)
        elif not integer:
            kinds |= {"float32"} if family.endswith("_f32") else set(KINDS)  # data movement: any element type
        elif "hybrid" not in label:
            if family == "quantize":  # QUANTIZE takes float32, DEQUANTIZE returns it
                kinds.add("float32")
            kinds.add("int8")
            if "int16" in label or "quantized" in label or "integer" in label:
                kinds.add("int16")
    return kinds


def kernel_status(builtins: Iterable[str]) -> dict[str, str]:
    """Per element kind: "yes" when every builtin's tfl op takes it and our runtime runs it, "LiteRT" when LiteRT's
    kernel takes it but our runtime lacks one, "-" when some builtin's kernel does not take it."""
    from dialects import tfl
    from dialects.tfl.base import builtin_name

    by_name = {
        builtin_name(c.BUILTIN): c for c in tfl.REGISTERED_OPS if getattr(c, "BUILTIN", None) is not None
    }
    entries = _kernel_entries()
    status = dict.fromkeys(KINDS, "yes")
    listed = [b for b in builtins if b in by_name]
    if not listed:
        return dict.fromkeys(KINDS, "-")
    for name in listed:
        cls = by_name[name]
        ours = _runtime_kinds(name, cls.BUILTIN, entries)
        for kind in KINDS:
            declared = (
                any(k in spec for spec in cls.TYPES.values() for k in _KIND_TYPES[kind]) or not cls.TYPES
            )
            if not declared:
                status[kind] = "-"
            elif kind not in ours and status[kind] == "yes":
                status[kind] = "LiteRT"
    return status


def coverage() -> list[Row]:
    """One row per TF op of TF's list."""
    rows = []
    for entry in tf_legalizations():
        ours, rules = our_builtins(entry.tf_op)
        real = [b for b in ours if not b.startswith("(")]
        # the kernels of the builtins TF writes too (a rule's helpers, e.g. BROADCAST_TO, do not rate an op)
        main = [b for b in real if b in re.findall(r"[A-Z][A-Z0-9_]+", entry.tf_builtins)] or real
        rows.append(Row(entry, ours, rules, kernel_status(main) if main else dict.fromkeys(KINDS, "-")))
    return rows


def summary(rows: list[Row]) -> str:
    covered = sum(r.covered for r in rows)
    return (
        f"{covered} of {len(rows)} TF ops TensorFlow's converter legalizes to builtins are legalized by tflc"
    )


def markdown(rows: list[Row]) -> str:
    """docs/ops.md: the table with its summary line."""
    lines = [
        "# Op coverage",
        "",
        "Generated by `make ops` (`tflc ops --markdown`) from compiler/coverage.py: the TF ops TensorFlow's",
        "converter (TF 2.21) legalizes to LiteRT builtins (passes/data/tf_builtin_legalizations.txt, with each",
        "entry's TF source), the builtins tflc's rules can emit for each, and kernel status per element kind:",
        "`yes` (LiteRT's kernel takes it and tflc's runtime runs it), `LiteRT` (only LiteRT's kernel), `-` (none).",
        "",
        f"**{summary(rows)}.**",
        "",
        "| TF op | TF's builtins | tflc's builtins | float32 | int8 | int16 | TF source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours = ", ".join(r.ours) if r.ours else "**missing**"
        k = r.kernels
        lines.append(
            f"| {r.entry.tf_op} | {r.entry.tf_builtins} | {ours} | {k['float32']} | {k['int8']} | {k['int16']} "
            f"| {r.entry.source} |"
        )
    return "\n".join(lines) + "\n"
