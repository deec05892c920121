"""`tflc convert`: a SavedModel or Keras model to a .tflite, with a progress display, a summary and the debug flags
(--pass-timing, --dump-ir-after-all, --print-ir-after/before, --dump-tf-graph)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import (
    HelpCommand,
    KerasModelFile,
    SavedModelDir,
    SavedModelTagSet,
    SignatureKeys,
    check_model_inputs,
    commit,
    err,
    out,
    quiet_tensorflow,
    tag_set,
)
from compiler.errors import ConversionError, ConversionNote, UsageError

app = typer.Typer(rich_markup_mode=None)


_OUT, _QUANT, _OPS, _DEBUG = "Output", "Quantization", "Op sets", "Debugging"
_IO_TYPES = ("float32", "int8", "uint8", "int16")


@app.command(cls=HelpCommand)
def convert(
    saved_model_dir: SavedModelDir = None,
    keras_model_file: KerasModelFile = None,
    jax_exported: Annotated[
        Path | None,
        typer.Option(
            "--jax-exported",
            help="A serialized jax.export.Exported (exported.serialize() written to a file); needs tflc[jax].",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    signature_key: SignatureKeys = None,
    saved_model_tag_set: SavedModelTagSet = None,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            "-o",
            "--output_file",
            help="Where to write the .tflite.",
            metavar="FILE",
            show_default=False,
            rich_help_panel=_OUT,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress display or summary.", rich_help_panel=_OUT)
    ] = False,
    quantize: Annotated[
        str | None,
        typer.Option(
            "--quantize",
            help="Post-training quantization, as TF's optimizations=[DEFAULT]: dynamic (int8 weights), float16 "
            "(float16 weights), int8 (int8 weights and activations) or int16x8 (int16 activations); int8 and "
            "int16x8 need --representative-data.",
            metavar="MODE",
            show_default=False,
            rich_help_panel=_QUANT,
        ),
    ] = None,
    representative_data: Annotated[
        Path | None,
        typer.Option(
            "--representative-data",
            help="Calibration samples: a .npz keyed by input name (unnamed arr_0, arr_1: in input order) or a "
            "folder of NAME.npy; first dimension = samples.",
            metavar="FILE",
            show_default=False,
            rich_help_panel=_QUANT,
        ),
    ] = None,
    calibration_samples: Annotated[
        int | None,
        typer.Option(
            "--calibration-samples",
            help="Use only the first N samples (default: all).",
            metavar="N",
            show_default=False,
            rich_help_panel=_QUANT,
        ),
    ] = None,
    inference_input_type: Annotated[
        str | None,
        typer.Option(
            "--inference-input-type",
            help="Type of the model's inputs with int8/int16x8: float32 (default), int8, uint8 or int16.",
            metavar="T",
            show_default=False,
            rich_help_panel=_QUANT,
        ),
    ] = None,
    inference_output_type: Annotated[
        str | None,
        typer.Option(
            "--inference-output-type",
            help="Type of the model's outputs, as --inference-input-type.",
            metavar="T",
            show_default=False,
            rich_help_panel=_QUANT,
        ),
    ] = None,
    static_batch: Annotated[
        int | None,
        typer.Option(
            "--static-batch",
            help="Fix the signature's dynamic (None) dims: the batch (first dim) to N, others to 1, so every shape "
            "folds (inputs can then not be resized). Default: 1.",
            metavar="N",
            min=1,
            show_default=False,
            rich_help_panel="Input shapes",
        ),
    ] = None,
    dynamic_batch: Annotated[
        bool,
        typer.Option(
            "--dynamic-batch",
            help="Keep the signature's dynamic (None) dims dynamic (shape_signature -1, resizable), as TF does.",
            rich_help_panel="Input shapes",
        ),
    ] = False,
    select_tf_ops: Annotated[
        bool,
        typer.Option(
            "--select-tf-ops",
            help="Ops with no builtin become Flex ops (SELECT_TF_OPS; needs a runtime with the Flex delegate).",
            rich_help_panel=_OPS,
        ),
    ] = False,
    enable_resource_variables: Annotated[
        bool,
        typer.Option(
            "--enable-resource-variables",
            help="Convert variables the model writes (VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE, state kept "
            "across invokes), as TF's experimental_enable_resource_variables; without it a write is an error.",
            rich_help_panel=_OPS,
        ),
    ] = False,
    allow_custom_ops: Annotated[
        bool,
        typer.Option(
            "--allow-custom-ops",
            help="Ops with neither builtin nor Flex become custom ops named by their TF op type.",
            rich_help_panel=_OPS,
        ),
    ] = False,
    print_pipeline: Annotated[
        bool,
        typer.Option(
            "--print-pipeline",
            help="Print the pass pipeline (and exit if no model is given).",
            rich_help_panel=_DEBUG,
        ),
    ] = False,
    pass_pipeline: Annotated[
        str | None,
        typer.Option(
            "--pass-pipeline",
            help="Replace the conversion pipeline, e.g. 'tf-cleanup,legalize-tf,dce' (see `tflc passes`).",
            metavar="PASSES",
            show_default=False,
            rich_help_panel=_DEBUG,
        ),
    ] = None,
    dump_ir_after_all: Annotated[
        Path | None,
        typer.Option(
            "--dump-ir-after-all",
            help="Write one numbered .mlir file per pass into DIR (weights elided).",
            metavar="DIR",
            show_default=False,
            rich_help_panel=_DEBUG,
        ),
    ] = None,
    print_ir_after: Annotated[
        list[str] | None,
        typer.Option(
            "--print-ir-after",
            help="Print the IR to stdout after pass NAME (repeatable, comma list, or 'all').",
            metavar="NAME",
            show_default=False,
            rich_help_panel=_DEBUG,
        ),
    ] = None,
    print_ir_before: Annotated[
        list[str] | None,
        typer.Option(
            "--print-ir-before",
            help="Print the IR to stdout before pass NAME.",
            metavar="NAME",
            show_default=False,
            rich_help_panel=_DEBUG,
        ),
    ] = None,
    pass_timing: Annotated[
        bool,
        typer.Option(
            "--pass-timing",
            help="Print a table: pass, wall time, ops before/after, rule hits.",
            rich_help_panel=_DEBUG,
        ),
    ] = False,
    verify_each: Annotated[
        bool, typer.Option("--verify-each", help="Verify the IR after every pass.", rich_help_panel=_DEBUG)
    ] = False,
    dump_tf_graph: Annotated[
        str | None,
        typer.Option(
            "--dump-tf-graph",
            help="Write the imported tf-dialect module to FILE ('-' = stdout).",
            metavar="FILE",
            show_default=False,
            rich_help_panel=_DEBUG,
        ),
    ] = None,
    print_op_generic: Annotated[
        bool,
        typer.Option("--print-op-generic", help="Print dumped IR in generic form.", rich_help_panel=_DEBUG),
    ] = False,
) -> None:
    """Convert a SavedModel, Keras or JAX model to a .tflite FlatBuffer.

    Inputs: a SavedModel directory, a .keras/.h5 file, or a serialized jax.export.Exported function.
    """
    from compiler.converter import CompatFlags, compat_pipeline
    from compiler.pipeline import DEFAULT_PIPELINE, parse_passes, pipeline_string

    flags = CompatFlags(builtins=True, flex=select_tf_ops, custom=allow_custom_ops)
    quantize_pass = _quantize_pass(quantize)
    spec = pass_pipeline if pass_pipeline is not None else compat_pipeline(flags, DEFAULT_PIPELINE)
    if quantize_pass is not None and quantize_pass not in spec:
        spec = f"{spec},{quantize_pass}" if spec else quantize_pass
    passes = parse_passes(spec)
    canonical = pipeline_string(passes)  # a bad pipeline failed above, before any model is loaded
    if print_pipeline:
        out.print(escape(canonical))
        if quantize in _FULL_INTEGER:  # stdout stays a pipeline --pass-pipeline takes back
            stage = "quantize-int16x8" if quantize == "int16x8" else "quantize-int8"
            err.print(f"note: then calibration on the representative data, {stage}, post-quantize")
        if saved_model_dir is None and keras_model_file is None and jax_exported is None:
            return
    print_after = _pass_names("--print-ir-after", print_ir_after)
    print_before = _pass_names("--print-ir-before", print_ir_before)
    if jax_exported is not None:
        if saved_model_dir is not None or keras_model_file is not None:
            raise UsageError("give exactly one of --saved-model-dir, --keras-model-file or --jax-exported")
        if not jax_exported.is_file():
            raise UsageError(f"JAX exported file '{jax_exported}' does not exist")
    else:
        check_model_inputs(saved_model_dir, keras_model_file)
    output = _check_output(output_file)
    if signature_key and saved_model_dir is None:
        raise UsageError("--signature-key only applies to --saved-model-dir")
    tags = tag_set(saved_model_tag_set)
    if tags is not None and saved_model_dir is None:
        raise UsageError("--saved-model-tag-set only applies to --saved-model-dir")
    if dump_ir_after_all is not None and dump_ir_after_all.exists() and not dump_ir_after_all.is_dir():
        raise UsageError(f"--dump-ir-after-all '{dump_ir_after_all}' exists and is not a directory")
    dataset = _calibration_data(
        quantize, representative_data, calibration_samples, inference_input_type, inference_output_type
    )

    quiet_tensorflow()
    from compiler.converter import TFLiteConverter
    from compiler.dumps import DebugOptions

    if jax_exported is not None:
        converter = TFLiteConverter.from_jax_exported(str(jax_exported))
    elif saved_model_dir is not None:
        converter = TFLiteConverter.from_saved_model(
            str(saved_model_dir), signature_keys=signature_key or None, tags=tags
        )
    else:
        converter = TFLiteConverter.from_keras_file(str(keras_model_file))
    converter.pass_pipeline = canonical
    if static_batch is not None and dynamic_batch:
        raise UsageError("give --static-batch N or --dynamic-batch, not both")
    if static_batch is not None:
        converter.experimental_static_batch = static_batch
    if dynamic_batch:
        converter.experimental_static_batch = None
    _set_op_sets(converter, quantize, select_tf_ops)
    converter.allow_custom_ops = allow_custom_ops
    converter.experimental_enable_resource_variables = enable_resource_variables
    if quantize is not None:
        from compiler.converter import Optimize

        converter.optimizations = [Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = {"float16"}
        converter.representative_dataset = dataset
        converter.inference_input_type = inference_input_type
        converter.inference_output_type = inference_output_type
    converter.verify_each = verify_each
    if dump_ir_after_all or print_after or print_before or dump_tf_graph:
        converter.debug = DebugOptions(
            dump_dir=dump_ir_after_all,
            print_after=print_after,
            print_before=print_before,
            dump_tf_graph=dump_tf_graph,
            generic=print_op_generic,
        )
    # A live spinner only on a terminal, and not while IR is being printed to the same terminal.
    prints_ir = bool(print_after or print_before or dump_tf_graph == "-")
    live = err.is_terminal and not quiet and not (prints_ir and sys.stdout.isatty())
    t0 = time.perf_counter()
    with warnings.catch_warnings(), _unlegalized_hint(passes), _resource_variables_hint():
        warnings.simplefilter("ignore", ConversionNote)  # printed below, with the summary
        if quiet:
            data = converter.convert()
        else:
            with _Phases(live, len(passes)) as phases:
                converter.on_phase = phases.phase
                converter.before_pass = phases.before_pass
                data = converter.convert()
    seconds = time.perf_counter() - t0
    write_atomically(output, data)
    try:  # until the command ends, a Ctrl-C (or any error) takes the written file back: exit 130, no file
        result = converter.result
        if pass_timing and result.pipeline is not None:
            err.print(pass_timing_table(result.pipeline))
        if not quiet:
            _summary(len(data), output, result, seconds)
        for note in result.notes:
            err.print(f"[bold yellow]note:[/] {escape(note)}")
        if dump_ir_after_all is not None and converter.debug is not None:
            dumps = [p for p in converter.debug.written if p.parent == dump_ir_after_all]
            err.print(
                f"IR dumps: {len(dumps)} files, {sum(p.stat().st_size for p in dumps):,} bytes "
                f"in {escape(str(dump_ir_after_all))}"
            )
        commit()
    except BaseException:
        output.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _unlegalized_hint(passes: list[Any]) -> Iterator[None]:
    """A --pass-pipeline without legalize-tf leaves every TF op (tf.Const too) unconverted: say that first, rather
    than listing constants as ops without a builtin."""
    try:
        yield
    except ConversionError as e:
        names = [p.name for p in passes]
        if "legalize-tf" in names or "no TFLite builtin lowering" not in str(e):
            raise
        raise ConversionError(
            f"the pass pipeline ({','.join(names) or 'empty'}) has no legalize-tf pass, so the model's TF ops were "
            "left as they are; add legalize-tf (e.g. --pass-pipeline tf-legalize-only,dce). What remained:\n"
            f"{e}"
        ) from e


@contextlib.contextmanager
def _resource_variables_hint() -> Iterator[None]:
    """A variable write refused for want of experimental_enable_resource_variables: name the command's switch."""
    attr = "converter.experimental_enable_resource_variables = True"
    try:
        yield
    except ConversionError as e:
        if attr not in str(e):
            raise
        raise ConversionError(str(e).replace(attr, "--enable-resource-variables")) from e


_QUANTIZE_PASSES = {"dynamic": "quantize-dynamic-range", "float16": "quantize-float16"}
_FULL_INTEGER = ("int8", "int16x8")


def _quantize_pass(mode: str | None) -> str | None:
    """The weight-quantization pass of a --quantize mode (int8/int16x8 quantize after calibration, not in the
    pipeline)."""
    if mode is None or mode in _FULL_INTEGER:
        return None
    if mode not in _QUANTIZE_PASSES:
        raise UsageError(f"--quantize {mode!r}: expected one of dynamic, float16, int8, int16x8")
    return _QUANTIZE_PASSES[mode]


def _calibration_data(
    mode: str | None, path: Path | None, limit: int | None, input_type: str | None, output_type: str | None
) -> Any:
    """The representative data of --quantize int8/int16x8, read (and checked) before TensorFlow is imported."""
    for flag, value in (("--inference-input-type", input_type), ("--inference-output-type", output_type)):
        if value is None:
            continue
        if value not in _IO_TYPES:
            raise UsageError(f"{flag} {value!r}: expected one of {', '.join(_IO_TYPES)}")
        if mode not in _FULL_INTEGER:
            raise UsageError(f"{flag} applies to --quantize int8 or int16x8 (integer model I/O)")
    if mode not in _FULL_INTEGER:
        for flag, value in (("--representative-data", path), ("--calibration-samples", limit)):
            if value is not None:
                raise UsageError(f"{flag} applies to --quantize int8 or int16x8 (calibration)")
        return None
    if path is None:
        raise UsageError(
            f"--quantize {mode} calibrates activation ranges: give --representative-data FILE (.npz keyed by "
            "input name, or a folder of NAME.npy, first dimension = samples), or use --quantize dynamic"
        )
    from compiler.calibrate import load_representative_data

    data = load_representative_data(path, limit=limit)
    return _make_positional_class()(data.arrays, data.count, data.source)


def _set_op_sets(converter: Any, quantize: str | None, select_tf_ops: bool) -> None:
    """target_spec.supported_ops for --select-tf-ops and --quantize int16x8 (TF's 16x8 op set)."""
    from compiler.converter import OpsSet

    ops = {OpsSet.TFLITE_BUILTINS}
    if quantize == "int16x8":
        ops = {OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8}
    if select_tf_ops:
        ops.add(OpsSet.SELECT_TF_OPS)
    if ops != {OpsSet.TFLITE_BUILTINS}:
        converter.target_spec.supported_ops = ops


def _positional_names(source: str, arrays: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any] | None:
    """np.savez(path, x, y) names arrays arr_0, arr_1, ...: map them to the signature's inputs in order."""
    keys = set(arrays)
    positional = {f"arr_{i}" for i in range(len(keys))}
    if keys != positional or keys & set(names):
        return None
    if len(keys) != len(names):
        raise UsageError(
            f"{source}: {len(keys)} unnamed array(s) (arr_0, ...) for {len(names)} model input(s) "
            f"{', '.join(repr(n) for n in names)}; save one array per input, or name them: np.savez(path, "
            f"{names[0]}=...)"
        )
    return {name: arrays[f"arr_{i}"] for i, name in enumerate(names)}


def _make_positional_class() -> type:
    from compiler.calibrate import RepresentativeData

    class PositionalData(RepresentativeData):
        def samples(self, signatures: list[Any]) -> Any:
            if None in self.arrays and len(signatures) == 1:
                named = _positional_names(self.source, self.arrays[None], signatures[0].names)
                if named is not None:
                    self.arrays = {None: named}
            return super().samples(signatures)

    return PositionalData


def _pass_names(flag: str, values: list[str] | None) -> list[str]:
    """The pass names of a repeatable, comma-separated flag; an unknown name is a usage error."""
    from compiler.pipeline import available_passes

    names = [v.strip() for item in values or () for v in item.split(",") if v.strip()]
    known = set(available_passes()) | {"all"}
    unknown = [v for v in names if v not in known and v.split("{")[0] not in known]
    if unknown:
        raise UsageError(f"{flag}: unknown pass {', '.join(unknown)}; passes: {', '.join(sorted(known))}")
    return names


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


# ---- what convert prints

_PHASE_LABELS = {
    "load": "Loading model (TensorFlow)",
    "import": "Importing graph -> tf dialect",
    "passes": "Running passes",
    "calibrate": "Calibrating and quantizing",
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
            console=err,
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
            err.print(f"[green]✓[/] {label} ({dt:.2f} s)")
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
    err.print(ops)
    err.print(phases)
    err.print(
        f"[bold green]Wrote[/] {escape(str(output))}: {data_len:,} bytes, {sum(counts.values())} ops "
        f"in {seconds:.2f} s"
    )


def pass_timing_table(run: Any) -> Table:
    """--pass-timing: one row per pass (wall time, share, ops before/after), then the rules that fired most in it."""
    from compiler.dumps import TIMING_COLUMNS, rule_hits_line, timing_row

    t = Table(title=f"Pass timing ({run.total_seconds * 1000:.1f} ms total)", title_justify="left")
    for col in TIMING_COLUMNS:
        t.add_column(col, justify="left" if col == "pass" else "right")
    for i, r in enumerate(run.records):
        t.add_row(*map(escape, timing_row(run, i)))
        if hits := rule_hits_line(r):
            t.add_row("", f"[dim]  {escape(hits)}[/]", *[""] * (len(TIMING_COLUMNS) - 2))
    return t
