"""`tflc ops`: the coverage table of TF ops TensorFlow's converter legalizes to builtins (compiler/coverage.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import out

app = typer.Typer()


@app.command()
def ops(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/ops.md (Markdown) instead.")
    ] = False,
    missing: Annotated[
        bool, typer.Option("--missing", help="Only the TF ops tflc does not legalize.")
    ] = False,
) -> None:
    """Coverage of TF's builtin legalizations, with kernel status.

    Each TF op TensorFlow's converter legalizes to LiteRT builtins, the builtins tflc writes for it and the
    float32 / int8 / int16 kernel status."""
    from compiler.coverage import coverage, summary
    from compiler.coverage import markdown as render_markdown

    rows = coverage()
    if markdown:
        typer.echo(render_markdown(rows), nl=False)
        return
    table = Table("TF op", "TF's builtins", "tflc's builtins", "float32", "int8", "int16", box=None)
    for r in rows:
        if missing and r.covered:
            continue
        ours = ", ".join(r.ours) if r.ours else "[red]missing[/red]"
        table.add_row(
            r.entry.tf_op,
            escape(r.entry.tf_builtins),
            ours,
            *(r.kernels[k] for k in ("float32", "int8", "int16")),
        )
    out.print(table)
    out.print(summary(rows))
