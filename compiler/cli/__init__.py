"""The `tflc` command line: `convert`, `analyze`, `opt`, `passes`, `run`, `verify`, `metadata`, `codegen`.

    tflc convert --saved-model-dir DIR -o model.tflite [--pass-timing] [--dump-ir-after-all ir/]
    tflc analyze model.tflite            # reads the FlatBuffer only, never imports TensorFlow
    tflc analyze --saved-model-dir DIR   # which TF ops become which builtins, and fixes for the rest
    tflc opt file.mlir -p 'tf-cleanup,legalize-tf'   # xdsl-opt conventions on tf/tfl IR text

One module per command group, each a Typer app whose commands join the top-level one; options several commands take
are declared once in `common.py`. Importing this package (and `tflc --help`) must not import TensorFlow: heavy
imports live inside the commands. Every failure ends in one `error:` message on stderr and a non-zero exit code,
never a traceback (set TFLC_TRACEBACK=1 to get one) and never a partial output file.
"""

from __future__ import annotations

import sys

import typer

from compiler.cli import analyze, codegen, convert, metadata, ops, opt, run
from compiler.cli.common import ReportingGroup, handle_interrupts

app = typer.Typer(
    name="tflc",
    help="tflc: TensorFlow -> LiteRT (TFLite) compiler on xDSL.",
    cls=ReportingGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"tflc {version('tflc')}")
        except PackageNotFoundError:
            typer.echo("tflc (not installed as a package)")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(
        False, "--version", help="Print tflc's version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """tflc: TensorFlow -> LiteRT (TFLite) compiler on xDSL."""


for group in (convert, analyze, opt, run, ops, metadata, codegen):  # in the order `tflc --help` lists them
    app.add_typer(group.app)


def main() -> None:
    # `tflc opt ...` goes straight to the xdsl-opt style argparse driver (its flags are not click options).
    handle_interrupts()
    argv = sys.argv[1:]
    if argv[:1] == ["opt"]:
        sys.exit(opt.run_opt(argv[1:]))
    app(prog_name="tflc")
