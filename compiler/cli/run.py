"""`tflc run` (a .tflite in tflc's C runtime) and `tflc verify` (TensorFlow vs LiteRT vs tflc's C runtime)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import (
    MODEL,
    HelpCommand,
    KerasModelFile,
    SavedModelDir,
    Seed,
    SignatureKey,
    TfliteFile,
    out,
    quiet_tensorflow,
    read_tflite,
)
from compiler.errors import UsageError

app = typer.Typer(rich_markup_mode=None)


@app.command(cls=HelpCommand, short_help="Run a .tflite in tflc's C runtime (outputs, ms per inference).")
def run(
    model: TfliteFile,
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            help="An input as .npy (NAME=path or path, "
            "in signature order; repeatable). Default: seeded random.",
        ),
    ] = None,
    signature_key: SignatureKey = None,
    repeat: Annotated[int, typer.Option("--repeat", help="Invocations to time (best is reported).")] = 10,
    seed: Seed = 0,
    threads: Annotated[int, typer.Option("--threads", help="Threads the runtime uses.", metavar="N")] = 1,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Also print where the time goes: per node (op, output shape, ms; at --threads > 1 each thread's "
            "busy time and the time threads waited) and per op type, averaged over the --repeat invocations.",
        ),
    ] = False,
) -> None:
    """Run a .tflite in tflc's C runtime: print outputs and ms per inference."""
    data = read_tflite(model)
    if threads < 1:
        raise UsageError("--threads must be at least 1")
    import numpy as np

    if profile:
        from compiler.verify import run_profiled

        outs, ms, prof = run_profiled(data, inputs, signature_key, seed, repeat, num_threads=threads)
    else:
        from compiler.verify import run as run_model

        outs, ms = run_model(data, inputs, signature_key, seed, repeat, num_threads=threads)
    for name, arr in outs.items():
        a = np.asarray(arr)
        out.print(f"[bold]{escape(name)}[/] {a.dtype}{list(a.shape)}")
        out.print(escape(np.array2string(a, threshold=20, precision=5)))
    unit = "thread" if threads == 1 else "threads"
    out.print(f"best of {max(repeat, 1)}: {ms:.3f} ms per inference (tflc C runtime, {threads} {unit})")
    if profile:
        from runtime.profile import format_profile

        # plain columns, never folded: a node per line reads in a pipe or a log as well as in a terminal
        out.print(format_profile(prof), soft_wrap=True, markup=False, highlight=False)


@app.command(cls=HelpCommand, short_help="Compare TensorFlow vs LiteRT vs tflc's runtime on one input.")
def verify(
    model: TfliteFile,
    saved_model_dir: SavedModelDir = None,
    keras_model_file: KerasModelFile = None,
    float_model: Annotated[
        Path | None,
        typer.Option(
            "--float-model",
            help="The float .tflite a quantized MODEL was made from (per-layer reference; default: the TF "
            "model converted by tflc).",
            metavar="FILE",
            show_default=False,
            rich_help_panel=MODEL,
        ),
    ] = None,
    signature_key: SignatureKey = None,
    per_layer: Annotated[
        bool,
        typer.Option(
            "--per-layer",
            help="Also compare every intermediate tensor: LiteRT vs tflc runtime, and a quantized model against "
            "its float source (error in units of the scale, SQNR, calibrated range).",
        ),
    ] = False,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Tensors per per-layer table (the worst ones).", metavar="N")
    ] = 20,
    seed: Seed = 0,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance",
            help="Max relative error accepted (exit 1 above); for a quantized model it applies to LiteRT vs "
            "tflc runtime only.",
            metavar="X",
        ),
    ] = 1e-5,
) -> None:
    """Compare TensorFlow (the --saved-model-dir or --keras-model-file reference, if given) vs LiteRT vs tflc's C
    runtime on the same random inputs (per output, optionally per tensor). Output stays bounded: the worst elements
    and tensors, never whole tensors."""
    data = read_tflite(model)
    if saved_model_dir is not None and keras_model_file is not None:
        raise UsageError("give at most one reference: --saved-model-dir or --keras-model-file")
    for p in (saved_model_dir, keras_model_file):
        if p is not None and not p.exists():
            raise UsageError(f"'{p}' does not exist")
    float_bytes = read_tflite(float_model) if float_model is not None else None
    if float_model is not None and not per_layer:
        raise UsageError("--float-model is the per-layer reference: add --per-layer")
    if max_rows < 1:
        raise UsageError("--max-rows must be at least 1")
    if saved_model_dir is not None or keras_model_file is not None:
        quiet_tensorflow()
    from compiler.verify import verify as verify_model

    report = verify_model(
        data,
        str(saved_model_dir) if saved_model_dir else None,
        str(keras_model_file) if keras_model_file else None,
        signature_key,
        per_layer,
        seed,
        float_model=float_bytes,
    )
    table = Table(
        title=f"signature {report.signature!r}: max errors (relative to the reference's max magnitude)"
    )
    for col in ("comparison", "output", "shape", "max abs", "max rel"):
        table.add_column(col, overflow="fold")
    worst = 0.0
    failing = []
    for pair, rows in report.outputs.items():
        checked = not report.is_quantized or not pair.startswith("TF ")
        for c in rows.values():
            if checked:
                worst = max(worst, c.max_rel)
            if c.max_rel > tolerance and checked:
                failing.append((pair, c))
            table.add_row(pair, escape(c.name), str(list(c.shape)), f"{c.max_abs:.3g}", f"{c.max_rel:.3g}")
    out.print(table)
    for pair, c in failing[:4]:  # the worst elements of what fails, not whole tensors
        elements = "; ".join(f"{list(i)}: {a:.6g} vs {b:.6g}" for i, a, b in c.worst)
        out.print(f"{escape(pair)} {escape(c.name)}, worst elements (ours vs reference): {escape(elements)}")
    if len(failing) > 4:
        out.print(f"... and {len(failing) - 4} more outputs above the tolerance")
    if report.layers:
        _print_layers(report.layers, max_rows)
    if report.quantized is not None:
        _print_quantized(report.quantized, max_rows)
    elif per_layer and report.is_quantized:
        out.print(
            "(quantized model: give --float-model FILE or the TF model for the per-layer quantization error)"
        )
    if report.is_quantized and any(p.startswith("TF ") for p in report.outputs):
        out.print("quantized model: TF's float outputs are shown, not checked against the tolerance")
    if worst > tolerance:
        raise UsageError(f"max relative error {worst:.3g} exceeds the tolerance {tolerance:g}")
    out.print(f"OK: max relative error {worst:.3g} <= {tolerance:g}")


def short_names(names: list[str]) -> list[str]:
    """Tensor names a table can show: TF's fused names ('a;b;c') cut to their first part and the prefix every
    name shares dropped (the model's name scope); what stays is distinct, and tables fold it rather than cut it."""
    parts = [n.split(";")[0] for n in names]
    scoped = [p for p in parts if "/" in p]
    if len(scoped) > 1:
        prefix = os.path.commonprefix(scoped)
        prefix = prefix[: prefix.rfind("/") + 1]
        if prefix:
            parts = [p[len(prefix) :] if p.startswith(prefix) else p for p in parts]
    return parts


def _worst_rows(rows: list, key: Any, max_rows: int) -> list:
    """The `max_rows` rows with the largest key, in model order."""
    if len(rows) <= max_rows:
        return rows
    keep = set(sorted(range(len(rows)), key=lambda i: key(rows[i]), reverse=True)[:max_rows])
    return [r for i, r in enumerate(rows) if i in keep]


def _print_layers(layers: list, max_rows: int) -> None:
    shown = _worst_rows(layers, lambda c: c.max_rel, max_rows)
    names = dict(zip([c.index for c in layers], short_names([c.name for c in layers]), strict=True))
    t = Table(
        title=f"per tensor: LiteRT vs tflc runtime ({len(shown)} of {len(layers)}, largest errors kept)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("#", "tensor", "shape", "max abs", "max rel"):
        if col == "tensor":
            t.add_column(col, overflow="fold", ratio=1, min_width=16)
        else:
            t.add_column(col, no_wrap=True, justify="right")
    for c in shown:
        t.add_row(
            str(c.index), escape(names[c.index]), str(list(c.shape)), f"{c.max_abs:.3g}", f"{c.max_rel:.3g}"
        )
    out.print(t)


def _print_quantized(q: Any, max_rows: int) -> None:
    layers = q.layers
    shown = _worst_rows(layers, lambda r: -r.sqnr_db, max_rows)
    names = dict(zip([r.index for r in layers], short_names([r.name for r in layers]), strict=True))
    t = Table(
        title=f"per tensor: quantized vs float source ({len(shown)} of {len(layers)} matched, lowest SQNR kept)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("#", "tensor", "type scale:zp", "range", "err mean/max", "SQNR"):
        if col == "tensor":
            t.add_column(col, overflow="fold", ratio=1, min_width=14)
        else:
            t.add_column(col, no_wrap=True, justify="left" if col == "range" else "right")
    for r in shown:
        quant = f"{r.dtype} {r.scale:.3g}:{r.zero_point}" if r.scale is not None else r.dtype
        rng = f"[{r.range[0]:.3g},{r.range[1]:.3g}]" if r.range is not None else "-"
        t.add_row(
            str(r.index),
            escape(names[r.index]),
            quant,
            rng,
            f"{r.mean_error:.2g}/{r.max_error:.2g}",
            f"{r.sqnr_db:.1f}",
        )
    out.print(t)
    out.print("err: |dequantized - float| in units of the scale (float tensors: absolute)")
    out.print(escape("range: the [min, max] the scale and zero point represent (calibrated)"))
    if q.unmatched:
        more = f" and {len(q.unmatched) - 5} more" if len(q.unmatched) > 5 else ""
        out.print(
            f"not matched by name in the float model ({len(q.unmatched)}): "
            f"{escape(', '.join(short_names(q.unmatched)[:5]))}{more}"
        )
