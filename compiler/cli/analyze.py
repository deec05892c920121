"""`tflc analyze`: what is inside a .tflite (read without TensorFlow), or per TF op type what tflc makes of a
TensorFlow model and how to fix the ops it cannot lower."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import (
    HelpCommand,
    KerasModelFile,
    SavedModelDir,
    SignatureKeys,
    check_model_inputs,
    err,
    out,
    quiet_tensorflow,
)
from compiler.errors import UsageError

app = typer.Typer(rich_markup_mode=None)


@app.command(cls=HelpCommand, short_help="Inspect a .tflite, or what tflc makes of a TF model's ops.")
def analyze(
    model: Annotated[
        Path | None, typer.Argument(help="A .tflite file (read without TensorFlow).", show_default=False)
    ] = None,
    saved_model_dir: SavedModelDir = None,
    keras_model_file: KerasModelFile = None,
    signature_key: SignatureKeys = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    select_tf_ops: Annotated[
        bool, typer.Option("--select-tf-ops", help="Report as `tflc convert --select-tf-ops` would convert.")
    ] = False,
    allow_custom_ops: Annotated[
        bool,
        typer.Option("--allow-custom-ops", help="Report as `tflc convert --allow-custom-ops` would convert."),
    ] = False,
) -> None:
    """Inspect a .tflite file, or report per TF op type what tflc makes of a TensorFlow model."""
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

        report: Any = analyze_tflite(model)
        render = render_tflite
    else:
        check_model_inputs(saved_model_dir, keras_model_file)
        quiet_tensorflow()
        from compiler.analyze import analyze_tf_model
        from compiler.converter import CompatFlags

        with (
            err.status("Importing the model with TensorFlow and legalizing ...", spinner="dots")
            if err.is_terminal
            else contextlib.nullcontext()
        ):
            report = analyze_tf_model(
                saved_model_dir=str(saved_model_dir) if saved_model_dir else None,
                keras_model_file=str(keras_model_file) if keras_model_file else None,
                signature_keys=signature_key or None,
                flags=CompatFlags(builtins=True, flex=select_tf_ops, custom=allow_custom_ops),
            )
        render = render_tf
    if json_output:
        _print_json(report)
    else:
        render(report)


def _print_json(report: Any) -> None:
    import dataclasses
    import json

    d = dataclasses.asdict(report)
    for prop in ("flex_ops", "custom_ops"):  # properties of a TfliteReport
        if hasattr(report, prop):
            d[prop] = getattr(report, prop)
    sys.stdout.write(json.dumps(d, indent=2) + "\n")


def _shape(t: Any) -> str:
    return f"{t.dtype}[{', '.join(str(d) for d in t.shape)}]" + (" (quantized)" if t.quantized else "")


def render_tflite(r: Any) -> None:
    """A `TfliteReport` for people: model header, then per subgraph its inputs/outputs and ops by version."""
    out.print(
        f"[bold]{escape(r.path)}[/]: {r.file_bytes:,} bytes, schema v{r.schema_version}, "
        f"{len(r.subgraphs)} subgraph(s), {r.buffer_count} buffers"
    )
    if r.description:
        out.print(f"  description: {escape(r.description)}")
    if r.min_runtime_version:
        out.print(f"  min_runtime_version: {escape(r.min_runtime_version)}")
    if r.metadata:
        out.print(f"  metadata: {escape(', '.join(r.metadata))}")
    if r.model_metadata is not None or r.model_metadata_error:
        from compiler.cli.metadata import summary

        for line in summary(r.model_metadata, r.associated_files, r.model_metadata_error):
            out.print(f"  {escape(line)}")
    for sg in r.subgraphs:
        title = f"subgraph {sg.index}" + (f" '{sg.name}'" if sg.name else "")
        title += f" — signature '{sg.signature_key}'" if sg.signature_key is not None else " — no signature"
        out.print()
        out.print(
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
        out.print(io)
        ops = Table(show_header=True)
        ops.add_column("op")
        ops.add_column("version", justify="right")
        ops.add_column("count", justify="right")
        for o in sg.ops:
            ops.add_row(escape(o.name) + (" (custom)" if o.custom else ""), str(o.version), str(o.count))
        out.print(ops)
    if r.flex_ops:
        out.print(
            f"[yellow]Flex (select-TF) ops:[/] {escape(', '.join(r.flex_ops))} — need a runtime with the "
            "Flex delegate; the stock LiteRT interpreter rejects them"
        )
    if r.custom_ops:
        out.print(
            f"[yellow]custom ops:[/] {escape(', '.join(r.custom_ops))} — need registered custom kernels"
        )


def render_tf(r: Any) -> None:
    """A `TfModelReport` for people: one row per TF op type (builtin / folded / unsupported), then the fixes."""
    out.print(
        f"[bold]{escape(r.source)}[/]: signatures {escape(', '.join(r.signatures))}; {r.tf_ops} TF ops "
        f"(without constants) -> {r.tfl_ops} TFLite ops after [italic]{escape(r.pipeline)}[/]"
    )
    t = Table(show_header=True, show_lines=False)
    t.add_column("TF op")
    t.add_column("count", justify="right")
    t.add_column("status")
    t.add_column("TFLite / fix")
    style = {
        "builtin": "green",
        "folded": "cyan",
        "removed": "cyan",
        "flex": "yellow",
        "custom": "yellow",
        "unsupported": "bold red",
    }
    for row in r.rows:
        if row.status == "builtin":
            what = ", ".join(row.builtins)
        elif row.status == "unsupported":
            flag = "--select-tf-ops" if row.fallback == "flex" else "--allow-custom-ops"
            what = row.fix.split(";")[0].split(":")[0] + f" (fix below; {flag})"
        else:
            what = row.fix
        status = "BUILTIN" if row.status == "builtin" else row.status.upper()
        t.add_row(escape(row.op_type), str(row.count), f"[{style[row.status]}]{status}[/]", escape(what))
    out.print(t)
    bad = r.unsupported
    if bad:
        out.print(
            f"[bold red]{len(bad)} TF op type(s) ({sum(x.count for x in bad)} ops) have no TFLite builtin "
            f"lowering in tflc:[/]"
        )
        for row in bad:
            out.print(
                f"  [bold]{escape(row.op_type)}[/] x{row.count} (e.g. {escape(', '.join(row.nodes))}): "
                f"{escape(row.fix)}"
            )
    elif any(x.status in ("flex", "custom") for x in r.rows):
        out.print(
            "[bold yellow]Every TF op lowers to TFLite builtins or the select-TF fallback (Flex / custom ops); "
            "`tflc convert` with the same flags will succeed.[/]"
        )
    else:
        out.print("[bold green]Every TF op lowers to TFLite builtins; `tflc convert` will succeed.[/]")
