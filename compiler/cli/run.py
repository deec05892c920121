"""`tflc run` (a .tflite in tflc's C runtime) and `tflc verify` (TensorFlow vs LiteRT vs tflc's C runtime)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import (
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
) -> None:
    """Run a .tflite in tflc's C runtime: print outputs and ms per inference (1 thread)."""
    data = read_tflite(model)
    import numpy as np

    from compiler.verify import run as run_model

    outs, ms = run_model(data, inputs, signature_key, seed, repeat)
    for name, arr in outs.items():
        a = np.asarray(arr)
        out.print(f"[bold]{escape(name)}[/] {a.dtype}{list(a.shape)}")
        out.print(np.array2string(a, threshold=20, precision=5))
    out.print(f"best of {max(repeat, 1)}: {ms:.3f} ms per inference (tflc C runtime, 1 thread)")


@app.command(cls=HelpCommand, short_help="Compare TensorFlow vs LiteRT vs tflc's runtime on one input.")
def verify(
    model: TfliteFile,
    saved_model_dir: SavedModelDir = None,
    keras_model_file: KerasModelFile = None,
    signature_key: SignatureKey = None,
    per_layer: Annotated[
        bool,
        typer.Option("--per-layer", help="Also compare every intermediate tensor (LiteRT vs tflc runtime)."),
    ] = False,
    seed: Seed = 0,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Max relative error accepted (exit 1 above).")
    ] = 1e-5,
) -> None:
    """Compare TensorFlow (the --saved-model-dir or --keras-model-file reference, if given) vs LiteRT vs tflc's C
    runtime on the same random inputs (per output, optionally per tensor)."""
    data = read_tflite(model)
    if saved_model_dir is not None and keras_model_file is not None:
        raise UsageError("give at most one reference: --saved-model-dir or --keras-model-file")
    for p in (saved_model_dir, keras_model_file):
        if p is not None and not p.exists():
            raise UsageError(f"'{p}' does not exist")
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
    out.print(table)
    if report.layers:
        layers = Table(title="per tensor: LiteRT vs tflc runtime")
        for col in ("tensor", "shape", "max abs", "max rel"):
            layers.add_column(col)
        for c in report.layers:
            layers.add_row(escape(c.name), str(list(c.shape)), f"{c.max_abs:.3g}", f"{c.max_rel:.3g}")
        out.print(layers)
    if worst > tolerance:
        raise UsageError(f"max relative error {worst:.3g} exceeds the tolerance {tolerance:g}")
    out.print(f"OK: max relative error {worst:.3g} <= {tolerance:g}")
