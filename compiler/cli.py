"""The `tflc` command line: `convert`, `analyze`, `opt`, `passes`.

    tflc convert --saved-model-dir DIR -o model.tflite [--pass-timing] [--dump-ir-after-all ir/]
    tflc analyze model.tflite            # reads the FlatBuffer only, never imports TensorFlow
    tflc analyze --saved-model-dir DIR   # which TF ops become which builtins, and fixes for the rest
    tflc opt file.mlir -p 'tf-cleanup,legalize-tf'   # xdsl-opt conventions on tf/tfl IR text

Importing this module (and `tflc --help`) must not import TensorFlow: heavy imports live inside the commands.
Every failure ends in one `error:` message on stderr and a non-zero exit code, never a traceback (set
TFLC_TRACEBACK=1 to get one) and never a partial output file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compiler.errors import UsageError

app = typer.Typer(
    name="tflc",
    help="tflc: TensorFlow -> LiteRT (TFLite) compiler on xDSL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_err = Console(stderr=True, soft_wrap=True, highlight=False)
_out = Console(soft_wrap=True, highlight=False)


def _fail(message: str, code: int = 1) -> NoReturn:
    _err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a command body, turning every exception into one error line (TFLC_TRACEBACK=1 re-raises)."""
    from compiler.errors import ConversionError
    from compiler.pipeline import PassError, PipelineError

    try:
        return fn(*args, **kwargs)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as e:
        if os.environ.get("TFLC_TRACEBACK"):
            raise
        if isinstance(e, UsageError | ConversionError | PipelineError | OSError):
            _fail(str(e))
        if isinstance(e, PassError):
            _fail(f"internal compiler error in {e} (set TFLC_TRACEBACK=1 for the traceback)")
        if type(e).__name__ == "ExportError":
            _fail(f"export failed: {e}")
        _fail(f"internal error: {type(e).__name__}: {e} (set TFLC_TRACEBACK=1 for the traceback)")


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


# ---------------------------------------------------------------------------------------------------------------
# input checks (before TensorFlow is imported: a typo must fail in milliseconds)


def _check_model_inputs(saved_model_dir: Path | None, keras_model_file: Path | None) -> None:
    if (saved_model_dir is None) == (keras_model_file is None):
        raise UsageError("give exactly one of --saved-model-dir DIR or --keras-model-file FILE(.keras/.h5)")
    if saved_model_dir is not None:
        if not saved_model_dir.exists():
            raise UsageError(f"SavedModel directory '{saved_model_dir}' does not exist")
        if not saved_model_dir.is_dir():
            raise UsageError(
                f"'{saved_model_dir}' is not a directory (--saved-model-dir wants a SavedModel directory;"
                " use --keras-model-file for .keras/.h5 files)"
            )
        if not any((saved_model_dir / f).exists() for f in ("saved_model.pb", "saved_model.pbtxt")):
            raise UsageError(f"'{saved_model_dir}' is not a SavedModel directory (no saved_model.pb)")
    if keras_model_file is not None:
        if not keras_model_file.exists():
            raise UsageError(f"Keras model file '{keras_model_file}' does not exist")
        if keras_model_file.is_dir():
            raise UsageError(f"'{keras_model_file}' is a directory; use --saved-model-dir for SavedModels")
        if keras_model_file.suffix.lower() not in (".keras", ".h5", ".hdf5"):
            raise UsageError(f"'{keras_model_file}' is not a .keras or .h5 file")


def _check_output(output_file: Path | None) -> Path:
    if output_file is None:
        raise UsageError("missing --output-file FILE.tflite")
    if output_file.is_dir():
        raise UsageError(f"--output-file '{output_file}' is a directory")
    parent = output_file.parent if str(output_file.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"output directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"output directory '{parent}' is not writable")
    return output_file


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and rename: readers never see a partial file."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ---------------------------------------------------------------------------------------------------------------
# convert

_PHASE_LABELS = {
    "load": "Loading model (TensorFlow)",
    "import": "Importing graph -> tf dialect",
    "passes": "Running passes",
    "export": "Exporting FlatBuffer",
}


class _Phases:
    """Rich progress display of the converter's phases (and the pass running inside 'passes')."""

    def __init__(self, live: bool, n_passes: int) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.n_passes = n_passes
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=_err,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
            disable=not live,
        )
        self.live = live
        self.current: Any = None
        self.name = ""
        self.t0 = 0.0

    def __enter__(self) -> _Phases:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._finish(failed=exc[0] is not None)
        self.progress.__exit__(*exc)

    def _finish(self, failed: bool = False) -> None:
        if self.current is None:
            return
        label = _PHASE_LABELS.get(self.name, self.name)
        dt = time.perf_counter() - self.t0
        if failed:
            self.progress.update(self.current, description=f"[red]{label} (failed)[/]")
        elif self.name == "passes":
            self.progress.update(self.current, description=f"{label} ({self.n_passes} passes)")
        self.progress.update(self.current, total=1, completed=1)
        self.progress.stop_task(self.current)
        if not self.live and not failed:
            _err.print(f"[green]✓[/] {label} ({dt:.2f} s)")
        self.current = None

    def phase(self, name: str) -> None:
        self._finish()
        self.name, self.t0 = name, time.perf_counter()
        self.current = self.progress.add_task(_PHASE_LABELS.get(name, name), total=None)

    def before_pass(self, i: int, p: Any, module: Any) -> None:
        if self.current is not None:
            self.progress.update(
                self.current, description=f"Running passes [{i + 1}/{self.n_passes}] {p.name}"
            )


def _summary(data_len: int, output: Path, result: Any, seconds: float) -> None:
    counts = dict(sorted(result.op_counts.items(), key=lambda kv: (-kv[1], kv[0])))
    ops = Table(title="Ops by type", title_justify="left")
    ops.add_column("op")
    ops.add_column("count", justify="right")
    for k, v in counts.items():
        ops.add_row(k, str(v))
    ops.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
    phases = Table(title="Time per phase", title_justify="left")
    phases.add_column("phase")
    phases.add_column("seconds", justify="right")
    for k, v in result.phase_seconds.items():
        phases.add_row(k, f"{v:.3f}")
    phases.add_row("[bold]total[/]", f"[bold]{seconds:.3f}[/]")
    _err.print(ops)
    _err.print(phases)
    _err.print(
        f"[bold green]Wrote[/] {escape(str(output))}: {data_len:,} bytes, {sum(counts.values())} ops "
        f"in {seconds:.2f} s"
    )


def pass_timing_table(run: Any) -> Table:
    t = Table(title=f"Pass timing ({run.total_seconds * 1000:.1f} ms total)", title_justify="left")
    for col, just in (
        ("#", "right"),
        ("pass", "left"),
        ("wall time", "right"),
        ("share", "right"),
        ("ops before", "right"),
        ("ops after", "right"),
        ("delta", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for i, r in enumerate(run.records):
        share = f"{100 * r.seconds / run.total_seconds:.1f}%" if run.total_seconds else "-"
        t.add_row(
            str(i + 1),
            escape(r.spec or r.name),
            f"{r.seconds * 1000:.1f} ms",
            share,
            str(r.ops_before),
            str(r.ops_after),
            f"{r.ops_after - r.ops_before:+d}",
        )
    return t


@app.command()
def convert(
    saved_model_dir: Annotated[
        Path | None, typer.Option("--saved-model-dir", help="SavedModel directory.", show_default=False)
    ] = None,
    keras_model_file: Annotated[
        Path | None,
        typer.Option("--keras-model-file", help="Keras model file (.keras or .h5).", show_default=False),
    ] = None,
    signature_key: Annotated[
        list[str] | None,
        typer.Option("--signature-key", help="SavedModel signature to convert (repeatable; default: all)."),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", "-o", help="Where to write the .tflite.", show_default=False),
    ] = None,
    print_pipeline: Annotated[
        bool,
        typer.Option("--print-pipeline", help="Print the pass pipeline (and exit if no model is given)."),
    ] = False,
    pass_pipeline: Annotated[
        str | None,
        typer.Option(
            "--pass-pipeline",
            help="Replace the conversion pipeline, e.g. 'tf-cleanup,legalize-tf,dce' (see `tflc passes`).",
            show_default=False,
        ),
    ] = None,
    dump_ir_after_all: Annotated[
        Path | None,
        typer.Option(
            "--dump-ir-after-all",
            help="Write one numbered .mlir file per pass into DIR (weights elided).",
            show_default=False,
        ),
    ] = None,
    print_ir_after: Annotated[
        list[str] | None,
        typer.Option(
            "--print-ir-after",
            help="Print the IR to stdout after pass NAME (repeatable, comma list, or 'all').",
        ),
    ] = None,
    print_ir_before: Annotated[
        list[str] | None, typer.Option("--print-ir-before", help="Print the IR to stdout before pass NAME.")
    ] = None,
    pass_timing: Annotated[
        bool, typer.Option("--pass-timing", help="Print a table: pass, wall time, ops before/after.")
    ] = False,
    verify_each: Annotated[
        bool, typer.Option("--verify-each/--no-verify-each", help="Verify the IR after every pass.")
    ] = False,
    dump_tf_graph: Annotated[
        str | None,
        typer.Option(
            "--dump-tf-graph",
            help="Write the imported tf-dialect module to FILE ('-' = stdout).",
            show_default=False,
        ),
    ] = None,
    print_op_generic: Annotated[
        bool, typer.Option("--print-op-generic", help="Print dumped IR in generic form.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
) -> None:
    """Convert a SavedModel or Keras model to a .tflite FlatBuffer."""
    _guard(
        _convert,
        saved_model_dir,
        keras_model_file,
        signature_key,
        output_file,
        print_pipeline,
        pass_pipeline,
        dump_ir_after_all,
        print_ir_after or [],
        print_ir_before or [],
        pass_timing,
        verify_each,
        dump_tf_graph,
        print_op_generic,
        quiet,
    )


def _split(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _convert(
    saved_model_dir: Path | None,
    keras_model_file: Path | None,
    signature_key: list[str] | None,
    output_file: Path | None,
    print_pipeline: bool,
    pass_pipeline: str | None,
    dump_ir_after_all: Path | None,
    print_ir_after: list[str],
    print_ir_before: list[str],
    pass_timing: bool,
    verify_each: bool,
    dump_tf_graph: str | None,
    print_op_generic: bool,
    quiet: bool,
) -> None:
    from compiler.pipeline import DEFAULT_PIPELINE, available_passes, parse_passes, pipeline_string

    spec = pass_pipeline if pass_pipeline is not None else DEFAULT_PIPELINE
    passes = parse_passes(spec)  # a bad pipeline fails here, before any model is loaded
    canonical = pipeline_string(passes)
    if print_pipeline:
        _out.print(escape(canonical))
        if saved_model_dir is None and keras_model_file is None:
            return
    names = set(available_passes()) | {"all"}
    for flag, values in (("--print-ir-after", print_ir_after), ("--print-ir-before", print_ir_before)):
        unknown = [v for v in _split(values) if v not in names and v.split("{")[0] not in names]
        if unknown:
            raise UsageError(f"{flag}: unknown pass {', '.join(unknown)}; passes: {', '.join(sorted(names))}")
    _check_model_inputs(saved_model_dir, keras_model_file)
    output = _check_output(output_file)
    if signature_key and saved_model_dir is None:
        raise UsageError("--signature-key only applies to --saved-model-dir")
    if dump_ir_after_all is not None and dump_ir_after_all.exists() and not dump_ir_after_all.is_dir():
        raise UsageError(f"--dump-ir-after-all '{dump_ir_after_all}' exists and is not a directory")

    _quiet_tensorflow()
    from compiler.converter import TFLiteConverter
    from compiler.dumps import DebugOptions

    if saved_model_dir is not None:
        converter = TFLiteConverter.from_saved_model(
            str(saved_model_dir), signature_keys=signature_key or None
        )
    else:
        converter = TFLiteConverter.from_keras_file(str(keras_model_file))
    converter.pass_pipeline = canonical
    converter.verify_each = verify_each
    if dump_ir_after_all or print_ir_after or print_ir_before or dump_tf_graph:
        converter.debug = DebugOptions(
            dump_dir=dump_ir_after_all,
            print_after=_split(print_ir_after),
            print_before=_split(print_ir_before),
            dump_tf_graph=dump_tf_graph,
            generic=print_op_generic,
        )
    # A live spinner only on a terminal, and not while IR is being printed to the same terminal.
    prints_ir = bool(print_ir_after or print_ir_before or dump_tf_graph == "-")
    live = _err.is_terminal and not quiet and not (prints_ir and sys.stdout.isatty())
    t0 = time.perf_counter()
    if quiet:
        data = converter.convert()
    else:
        with _Phases(live, len(passes)) as phases:
            converter.on_phase = phases.phase
            converter.before_pass = phases.before_pass
            data = converter.convert()
    seconds = time.perf_counter() - t0
    write_atomically(output, data)
    result = converter.result
    if pass_timing and result.pipeline is not None:
        _err.print(pass_timing_table(result.pipeline))
    if not quiet:
        _summary(len(data), output, result, seconds)
    if dump_ir_after_all is not None and converter.debug is not None:
        total = sum(p.stat().st_size for p in converter.debug.written if p.parent == dump_ir_after_all)
        _err.print(
            f"IR dumps: {len([p for p in converter.debug.written if p.parent == dump_ir_after_all])} files, "
            f"{total:,} bytes in {escape(str(dump_ir_after_all))}"
        )


# ---------------------------------------------------------------------------------------------------------------
# analyze


@app.command()
def analyze(
    model: Annotated[
        Path | None, typer.Argument(help="A .tflite file (read without TensorFlow).", show_default=False)
    ] = None,
    saved_model_dir: Annotated[
        Path | None,
        typer.Option(
            "--saved-model-dir",
            help="Analyse a SavedModel: which TF ops tflc lowers to which builtins.",
            show_default=False,
        ),
    ] = None,
    keras_model_file: Annotated[
        Path | None, typer.Option("--keras-model-file", help="Analyse a .keras/.h5 file.", show_default=False)
    ] = None,
    signature_key: Annotated[
        list[str] | None, typer.Option("--signature-key", help="SavedModel signature (repeatable).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
) -> None:
    """Inspect a .tflite file, or report per TF op type what tflc makes of a TensorFlow model."""
    _guard(_analyze, model, saved_model_dir, keras_model_file, signature_key, json_output)


def _analyze(
    model: Path | None,
    saved_model_dir: Path | None,
    keras_model_file: Path | None,
    signature_key: list[str] | None,
    json_output: bool,
) -> None:
    given = [x for x in (model, saved_model_dir, keras_model_file) if x is not None]
    if len(given) != 1:
        raise UsageError(
            "give exactly one of: a .tflite file, --saved-model-dir DIR, --keras-model-file FILE"
        )
    if model is not None:
        if model.is_dir():
            raise UsageError(f"'{model}' is a directory; for a SavedModel use --saved-model-dir")
        if model.suffix.lower() in (".keras", ".h5", ".hdf5"):
            raise UsageError(f"'{model}' is a Keras file; use --keras-model-file")
        from compiler.analyze import analyze_tflite

        report = analyze_tflite(model)
        if json_output:
            _print_json(report)
        else:
            _render_tflite(report)
        return
    _check_model_inputs(saved_model_dir, keras_model_file)
    _quiet_tensorflow()
    from compiler.analyze import analyze_tf_model

    with (
        _err.status("Importing the model with TensorFlow and legalizing ...", spinner="dots")
        if (_err.is_terminal)
        else _nullcontext()
    ):
        tf_report = analyze_tf_model(
            saved_model_dir=str(saved_model_dir) if saved_model_dir else None,
            keras_model_file=str(keras_model_file) if keras_model_file else None,
            signature_keys=signature_key or None,
        )
    if json_output:
        _print_json(tf_report)
    else:
        _render_tf(tf_report)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _print_json(report: Any) -> None:
    import dataclasses
    import json

    d = dataclasses.asdict(report)
    for prop in ("flex_ops", "custom_ops"):
        if hasattr(report, prop):
            d[prop] = getattr(report, prop)
    sys.stdout.write(json.dumps(d, indent=2) + "\n")


def _shape(t: Any) -> str:
    return f"{t.dtype}[{', '.join(str(d) for d in t.shape)}]" + (" (quantized)" if t.quantized else "")


def _render_tflite(r: Any) -> None:
    _out.print(
        f"[bold]{escape(r.path)}[/]: {r.file_bytes:,} bytes, schema v{r.schema_version}, "
        f"{len(r.subgraphs)} subgraph(s), {r.buffer_count} buffers"
    )
    if r.description:
        _out.print(f"  description: {escape(r.description)}")
    if r.min_runtime_version:
        _out.print(f"  min_runtime_version: {escape(r.min_runtime_version)}")
    if r.metadata:
        _out.print(f"  metadata: {escape(', '.join(r.metadata))}")
    for sg in r.subgraphs:
        title = f"subgraph {sg.index}" + (f" '{sg.name}'" if sg.name else "")
        title += f" — signature '{sg.signature_key}'" if sg.signature_key is not None else " — no signature"
        _out.print()
        _out.print(
            f"[bold]{escape(title)}[/]: {sg.op_count} ops, {sg.tensor_count} tensors, "
            f"{sg.constant_bytes:,} constant bytes"
        )
        io = Table(show_header=True, box=None, pad_edge=False)
        io.add_column("")
        io.add_column("name")
        io.add_column("type")
        for t in sg.inputs:
            io.add_row("input", escape(t.name), _shape(t))
        for t in sg.outputs:
            io.add_row("output", escape(t.name), _shape(t))
        _out.print(io)
        ops = Table(show_header=True)
        ops.add_column("op")
        ops.add_column("version", justify="right")
        ops.add_column("count", justify="right")
        for o in sg.ops:
            ops.add_row(escape(o.name) + (" (custom)" if o.custom else ""), str(o.version), str(o.count))
        _out.print(ops)
    if r.flex_ops:
        _out.print(
            f"[yellow]Flex (select-TF) ops:[/] {escape(', '.join(r.flex_ops))} — need a runtime with the "
            "Flex delegate; the stock LiteRT interpreter rejects them"
        )
    if r.custom_ops:
        _out.print(
            f"[yellow]custom ops:[/] {escape(', '.join(r.custom_ops))} — need registered custom kernels"
        )


def _render_tf(r: Any) -> None:
    _out.print(
        f"[bold]{escape(r.source)}[/]: signatures {escape(', '.join(r.signatures))}; {r.tf_ops} TF ops "
        f"(without constants) -> {r.tfl_ops} TFLite ops after [italic]{escape(r.pipeline)}[/]"
    )
    t = Table(show_header=True, show_lines=False)
    t.add_column("TF op")
    t.add_column("count", justify="right")
    t.add_column("status")
    t.add_column("TFLite / fix")
    style = {"builtin": "green", "folded": "cyan", "removed": "cyan", "unsupported": "bold red"}
    for row in r.rows:
        if row.status == "builtin":
            what = ", ".join(row.builtins)
        elif row.status == "unsupported":
            what = row.fix.split(";")[0].split(":")[0] + " (fix below)"
        else:
            what = row.fix
        status = "BUILTIN" if row.status == "builtin" else row.status.upper()
        t.add_row(escape(row.op_type), str(row.count), f"[{style[row.status]}]{status}[/]", escape(what))
    _out.print(t)
    bad = r.unsupported
    if bad:
        _out.print(
            f"[bold red]{len(bad)} TF op type(s) ({sum(x.count for x in bad)} ops) have no TFLite builtin "
            f"lowering in tflc:[/]"
        )
        for row in bad:
            _out.print(
                f"  [bold]{escape(row.op_type)}[/] x{row.count} (e.g. {escape(', '.join(row.nodes))}): "
                f"{escape(row.fix)}"
            )
    else:
        _out.print("[bold green]Every TF op lowers to TFLite builtins; `tflc convert` will succeed.[/]")


# ---------------------------------------------------------------------------------------------------------------
# opt / passes


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, add_help_option=False
)
def opt(ctx: typer.Context) -> None:
    """Run passes on tf/tfl IR text, xdsl-opt style: tflc opt [FILE|-] -p 'pass1,pass2{opt=1}'
    [--split-input-file] [--verify-diagnostics] [--print-op-generic] (`tflc opt --help` for all flags)."""
    raise typer.Exit(run_opt(list(ctx.args)))


@app.command()
def passes() -> None:
    """List the registered passes and named pipelines."""

    def body() -> None:
        from compiler.pipeline import DEFAULT_PIPELINE, PIPELINES, describe_passes

        t = Table(title="Passes", title_justify="left")
        t.add_column("pass")
        t.add_column("description")
        for name, doc in describe_passes():
            t.add_row(name, escape(doc))
        _out.print(t)
        p = Table(title="Pipelines", title_justify="left")
        p.add_column("name")
        p.add_column("passes", overflow="fold")
        for name, spec in PIPELINES.items():
            p.add_row(name + (" (default)" if spec == DEFAULT_PIPELINE else ""), escape(spec))
        _out.print(p)

    _guard(body)


@app.command()
def run(
    model: Annotated[Path, typer.Argument(help="A .tflite file.", show_default=False)],
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            help="An input as .npy (NAME=path or path, "
            "in signature order; repeatable). Default: seeded random.",
        ),
    ] = None,
    signature_key: Annotated[str | None, typer.Option("--signature-key", help="Signature to run.")] = None,
    repeat: Annotated[int, typer.Option("--repeat", help="Invocations to time (best is reported).")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed for random inputs.")] = 0,
) -> None:
    """Run a .tflite in tflc's C runtime: print outputs and ms per inference (1 thread)."""
    _guard(_run, model, inputs, signature_key, repeat, seed)


def _run(model: Path, inputs: list[str] | None, signature_key: str | None, repeat: int, seed: int) -> None:
    if not model.is_file():
        raise UsageError(f"'{model}' does not exist or is not a file")
    import numpy as np

    from compiler.verify import run as run_model

    outs, ms = run_model(model.read_bytes(), inputs, signature_key, seed, repeat)
    for name, arr in outs.items():
        a = np.asarray(arr)
        _out.print(f"[bold]{escape(name)}[/] {a.dtype}{list(a.shape)}")
        _out.print(np.array2string(a, threshold=20, precision=5))
    _out.print(f"best of {max(repeat, 1)}: {ms:.3f} ms per inference (tflc C runtime, 1 thread)")


@app.command()
def verify(
    model: Annotated[Path, typer.Argument(help="The .tflite to check.", show_default=False)],
    saved_model_dir: Annotated[
        Path | None, typer.Option("--saved-model-dir", help="Reference SavedModel.", show_default=False)
    ] = None,
    keras_model_file: Annotated[
        Path | None,
        typer.Option("--keras-model-file", help="Reference .keras/.h5 model.", show_default=False),
    ] = None,
    signature_key: Annotated[
        str | None, typer.Option("--signature-key", help="Signature to compare.")
    ] = None,
    per_layer: Annotated[
        bool,
        typer.Option("--per-layer", help="Also compare every intermediate tensor (LiteRT vs tflc runtime)."),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the random inputs.")] = 0,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Max relative error accepted (exit 1 above).")
    ] = 1e-5,
) -> None:
    """Compare TensorFlow vs LiteRT vs tflc's C runtime on the same random inputs (per output, optionally per tensor)."""
    _guard(_verify, model, saved_model_dir, keras_model_file, signature_key, per_layer, seed, tolerance)


def _verify(
    model: Path,
    saved_model_dir: Path | None,
    keras_model_file: Path | None,
    signature_key: str | None,
    per_layer: bool,
    seed: int,
    tolerance: float,
) -> None:
    if not model.is_file():
        raise UsageError(f"'{model}' does not exist or is not a file")
    if saved_model_dir is not None and keras_model_file is not None:
        raise UsageError("give at most one reference: --saved-model-dir or --keras-model-file")
    for p in (saved_model_dir, keras_model_file):
        if p is not None and not p.exists():
            raise UsageError(f"'{p}' does not exist")
    if saved_model_dir is not None or keras_model_file is not None:
        _quiet_tensorflow()
    from compiler.verify import verify as verify_model

    report = verify_model(
        model.read_bytes(),
        str(saved_model_dir) if saved_model_dir else None,
        str(keras_model_file) if keras_model_file else None,
        signature_key,
        per_layer,
        seed,
    )
    table = Table(
        title=f"signature {report.signature!r}: max errors (relative to the reference's max magnitude)"
    )
    for col in ("comparison", "output", "shape", "max abs", "max rel"):
        table.add_column(col)
    worst = 0.0
    for pair, rows in report.outputs.items():
        for c in rows.values():
            worst = max(worst, c.max_rel)
            table.add_row(pair, escape(c.name), str(list(c.shape)), f"{c.max_abs:.3g}", f"{c.max_rel:.3g}")
    _out.print(table)
    if report.layers:
        layers = Table(title="per tensor: LiteRT vs tflc runtime")
        for col in ("tensor", "shape", "max abs", "max rel"):
            layers.add_column(col)
        for c in report.layers:
            layers.add_row(escape(c.name), str(list(c.shape)), f"{c.max_abs:.3g}", f"{c.max_rel:.3g}")
        _out.print(layers)
    if worst > tolerance:
        raise UsageError(f"max relative error {worst:.3g} exceeds the tolerance {tolerance:g}")
    _out.print(f"OK: max relative error {worst:.3g} <= {tolerance:g}")


def opt_main_class() -> type:
    """xDSL's `xDSLOptMain` with tflc's dialects, passes (ours win name clashes, e.g. `dce`), named pipelines,
    `-` for stdin, and `--print-constants` (print every constant in full, so dumps re-parse)."""
    from xdsl.xdsl_opt_main import xDSLOptMain

    from compiler.pipeline import available_passes, expand_pipeline
    from compiler.universe import TFLC_UNIVERSE

    class TflcOptMain(xDSLOptMain):
        version_format = "tflc opt, built on xDSL {xdsl_version}"

        def __init__(self, args: list[str] | None = None) -> None:
            super().__init__(description="tflc opt: run tflc passes on tf/tfl IR text", args=args)

        def register_all_dialects(self) -> None:
            super().register_all_dialects()
            known = set(self.ctx.registered_dialect_names)
            for name, factory in TFLC_UNIVERSE.all_dialects.items():
                if name not in known:
                    self.ctx.register_dialect(name, factory)

        def register_all_passes(self) -> None:
            super().register_all_passes()
            for name, factory in available_passes().items():
                self.register_pass(name, factory)

        def register_all_arguments(self, arg_parser: Any) -> None:
            super().register_all_arguments(arg_parser)
            arg_parser.add_argument(
                "--print-constants",
                default=False,
                action="store_true",
                help="Print every constant in full (no elision), so the output re-parses in a fresh process.",
            )

        def get_input_stream(self) -> Any:
            if self.args.input_file == "-":
                self.args.input_file = None
            return super().get_input_stream()

        def setup_pipeline(self) -> None:
            self.args.passes = expand_pipeline(self.args.passes)
            super().setup_pipeline()

        def output_resulting_program(self, prog: Any) -> str:
            if not self.args.print_constants:
                return super().output_resulting_program(prog)
            from dialects.elements import print_all_constants

            with print_all_constants():
                return super().output_resulting_program(prog)

    return TflcOptMain


def run_opt(argv: list[str]) -> int:
    """`tflc opt`: xDSL's opt driver with tflc's dialects, passes and named pipelines. Returns the exit code."""
    from xdsl.utils.exceptions import DiagnosticException, ParseError

    from compiler.errors import ConversionError
    from compiler.pipeline import PassError, PipelineError

    prog, sys.argv[0] = sys.argv[0], "tflc opt"  # argparse's usage line
    try:
        opt_main_class()(args=argv).run()
        return 0
    except SystemExit as e:  # argparse: --help / usage errors
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    except Exception as e:
        if os.environ.get("TFLC_TRACEBACK"):
            raise
        if isinstance(
            e, ParseError | DiagnosticException | PipelineError | PassError | ConversionError | OSError
        ):
            msg = str(e)
        elif isinstance(e, ValueError):
            msg = str(e)
        else:
            msg = f"internal error: {type(e).__name__}: {e} (set TFLC_TRACEBACK=1 for the traceback)"
        sys.stdout.flush()
        sys.stderr.write(f"tflc opt: error: {msg}\n")
        return 1
    finally:
        sys.argv[0] = prog


def main() -> None:
    # `tflc opt ...` goes straight to the xdsl-opt style argparse driver (its flags are not click options).
    argv = sys.argv[1:]
    if argv[:1] == ["opt"]:
        sys.exit(run_opt(argv[1:]))
    app(prog_name="tflc")


if __name__ == "__main__":
    main()
