"""Debug instrumentation for pass pipelines: IR dumps, IR printing around passes, pass timing, verification.

The same hooks serve `tflc convert` (flags) and the Python API:

    from compiler import TFLiteConverter
    from compiler.dumps import DebugOptions
    converter = TFLiteConverter.from_saved_model("mobilenet")
    converter.debug = DebugOptions(dump_dir="ir", print_after={"legalize-tf"}, pass_timing=True)
    converter.convert()

`dump_dir` gets one numbered file per step: `00_tf-import.mlir` (the imported `tf` module), then
`01_tf-cleanup.mlir`, `02_fold-constants.mlir`, ... (the module after each pass). Weights are elided when printed
(constants above 32 elements print as a digest), so a MobileNetV2 dump is a few hundred kilobytes.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.printer import Printer

from compiler.pipeline import PassRecord, PipelineRun, count_ops, run_pipeline

PassHook = Callable[[int, ModulePass, ModuleOp], None]
_DUMP_FILE = re.compile(r"^\d+_[A-Za-z0-9_.{}=,\-]+\.mlir$")


# Byte -> its spelling inside an MLIR string literal (same escapes as xDSL's Printer.print_bytes_literal).
_ESCAPES = [chr(b) if 0x20 <= b <= 0x7E and b != 0x22 else f"\\{b:02X}" for b in range(256)]
_ESCAPES[0x5C] = "\\\\"


class DumpPrinter(Printer):
    """xDSL's Printer with two hot paths made cheap for large dumps (same output): string literals are escaped in
    one go instead of one print call per character, and text without newlines goes straight to the stream."""

    def print_bytes_literal(self, bytestring: bytes) -> None:
        self.print_string('"' + "".join([_ESCAPES[b] for b in bytestring]) + '"')

    def print_string(self, text: str, *, indent: int | None = None) -> None:
        if "\n" in text:
            super().print_string(text, indent=indent)
            return
        self._current_column += len(text)
        self.stream.write(text)  # type: ignore[union-attr]


def print_module(module: ModuleOp, stream: TextIO, *, generic: bool = False, header: str = "") -> None:
    """Print a module (weights elided) with an optional `//` comment header."""
    if header:
        stream.write(f"// -----// {header} //----- //\n")
    DumpPrinter(stream=stream, print_generic_format=generic).print_op(module)
    stream.write("\n")


def _names(value: Collection[str] | str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(v.strip() for v in value if v.strip())


def _matches(names: frozenset[str], p: ModulePass) -> bool:
    return "all" in names or p.name in names or str(p.spec()) in names


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name)


@dataclass
class DebugOptions:
    """What to dump/print while a pipeline runs (see module docstring)."""

    dump_dir: str | os.PathLike[str] | None = None
    print_before: Collection[str] | str = ()  # pass names, a comma-separated string, or "all"
    print_after: Collection[str] | str = ()
    pass_timing: bool = False  # print the timing table when the pipeline ends
    verify_each: bool = False
    dump_tf_graph: str | os.PathLike[str] | None = None  # path, or "-" for the IR stream
    generic: bool = False  # print the generic op form
    ir_stream: TextIO | None = None  # where --print-ir-* go (default stdout)
    report_stream: TextIO | None = None  # where the timing table goes (default stderr)
    # Filled in by run(): the files written, in order.
    written: list[Path] = field(default_factory=list)

    # ---- pieces usable on their own ----

    def _ir_out(self) -> TextIO:
        return self.ir_stream or sys.stdout

    def imported(self, module: ModuleOp) -> None:
        """Call with the freshly imported `tf` module (before any pass)."""
        if self.dump_tf_graph is not None:
            if str(self.dump_tf_graph) == "-":
                print_module(module, self._ir_out(), generic=self.generic, header="Imported TF module")
            else:
                path = Path(self.dump_tf_graph)
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "w") as f:
                    print_module(module, f, generic=self.generic, header="Imported TF module")
                self.written.append(path)
        if self.dump_dir is not None:
            self._dump(0, "tf-import", module, f"imported TF module ({count_ops(module)} ops)")

    def _prepare_dump_dir(self) -> None:
        d = Path(self.dump_dir)  # type: ignore[arg-type]
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():  # stale numbered dumps from a longer pipeline would mislead
            if old.is_file() and _DUMP_FILE.match(old.name):
                old.unlink()

    def _dump(self, number: int, name: str, module: ModuleOp, header: str) -> None:
        path = Path(self.dump_dir) / f"{number:02d}_{_safe(name)}.mlir"  # type: ignore[arg-type]
        with open(path, "w") as f:
            print_module(module, f, generic=self.generic, header=header)
        self.written.append(path)

    def hooks(
        self, before_pass: PassHook | None = None, on_pass: PassHook | None = None
    ) -> tuple[PassHook, PassHook]:
        """(before_pass, on_pass) callbacks for `run_pipeline` that also call the given ones."""
        before_names, after_names = _names(self.print_before), _names(self.print_after)
        counts: dict[int, int] = {}

        def print_ir(when: str, names: frozenset[str], i: int, p: ModulePass, module: ModuleOp) -> None:
            if _matches(names, p):
                header = f"IR Dump {when} {p.spec()} (#{i + 1})"
                print_module(module, self._ir_out(), generic=self.generic, header=header)

        def before(i: int, p: ModulePass, module: ModuleOp) -> None:
            counts[i] = count_ops(module)
            print_ir("Before", before_names, i, p, module)
            if before_pass:
                before_pass(i, p, module)

        def after(i: int, p: ModulePass, module: ModuleOp) -> None:
            if self.dump_dir is not None:
                self._dump(
                    i + 1,
                    p.name,
                    module,
                    f"after pass #{i + 1} {p.spec()} (ops {counts.get(i, '?')} -> {count_ops(module)})",
                )
            print_ir("After", after_names, i, p, module)
            if on_pass:
                on_pass(i, p, module)

        return before, after

    # ---- the whole thing ----

    def run(
        self,
        module: ModuleOp,
        spec: str,
        *,
        verify_each: bool = False,
        on_pass: PassHook | None = None,
        before_pass: PassHook | None = None,
    ) -> PipelineRun:
        """run_pipeline with these debug options (the converter calls this when `converter.debug` is set)."""
        self.written = []
        if self.dump_dir is not None:
            self._prepare_dump_dir()
        self.imported(module)
        before, after = self.hooks(before_pass, on_pass)
        run = run_pipeline(
            module, spec, verify_each=verify_each or self.verify_each, on_pass=after, before_pass=before
        )
        if self.pass_timing:
            (self.report_stream or sys.stderr).write(format_timing(run))
        return run


TIMING_COLUMNS = ("#", "pass", "wall time", "share", "ops before", "ops after", "delta")


def timing_row(run: PipelineRun, i: int) -> tuple[str, ...]:
    """Pass i's cells of the pass-timing table, in TIMING_COLUMNS order."""
    r = run.records[i]
    share = f"{100 * r.seconds / run.total_seconds:.1f}%" if run.total_seconds else "-"
    wall, delta = f"{r.seconds * 1000:.1f} ms", f"{r.ops_after - r.ops_before:+d}"
    return (str(i + 1), r.spec or r.name, wall, share, str(r.ops_before), str(r.ops_after), delta)


def rule_hits_line(record: PassRecord, most: int = 4) -> str:
    """The rewrite rules that fired most in one pass, e.g. `fuse-bias x12, relu6 x3, +2 more` ('' if none did)."""
    hits = sorted((getattr(record, "rule_hits", None) or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{rule} x{n}" for rule, n in hits[:most])
    return shown + (f", +{len(hits) - most} more" if len(hits) > most else "")


def format_timing(run: PipelineRun) -> str:
    """The pass-timing table as plain text: #, pass, wall time, share, ops before -> after; under each pass the
    rules that fired most in it."""
    rows = [timing_row(run, i) for i in range(len(run.records))]
    total = (
        "",
        "total",
        f"{run.total_seconds * 1000:.1f} ms",
        "100%" if run.records else "-",
        str(run.records[0].ops_before) if run.records else "",
        str(run.records[-1].ops_after) if run.records else "",
        f"{run.records[-1].ops_after - run.records[0].ops_before:+d}" if run.records else "",
    )
    table = [TIMING_COLUMNS, *rows, total]
    widths = [max(len(r[c]) for r in table) for c in range(len(TIMING_COLUMNS))]
    left = {1}

    def fmt(r: tuple[str, ...]) -> str:
        return "  ".join(
            v.ljust(w) if c in left else v.rjust(w) for c, (v, w) in enumerate(zip(r, widths, strict=True))
        )

    rule = "-" * len(fmt(TIMING_COLUMNS))
    body = []
    for row, record in zip(rows, run.records, strict=True):
        body.append(fmt(row))
        if hits := rule_hits_line(record):
            body.append(" " * (widths[0] + 4) + hits)  # under the pass name, indented
    lines = ["Pass timing", rule, fmt(TIMING_COLUMNS), rule, *body, rule, fmt(total)]
    return "\n".join(lines) + "\n"
