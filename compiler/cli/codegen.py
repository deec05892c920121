"""`tflc codegen`: a typed wrapper module generated from a model's metadata.

tflc codegen model.tflite --lang python -o pkg/     # pkg/model.py + pkg/model.tflite (+ pkg/__init__.py)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from compiler.cli.common import HelpCommand, TfliteFile, commit, out, read_tflite
from compiler.errors import UsageError

app = typer.Typer(rich_markup_mode=None)


@app.command(cls=HelpCommand, short_help="Generate a typed wrapper for a model from its metadata.")
def codegen(
    model: TfliteFile,
    lang: Annotated[str, typer.Option("--lang", help="Language of the wrapper (python).")] = "python",
    output_dir: Annotated[
        Path,
        typer.Option("--output-dir", "-o", help="Directory to write the module and a copy of the model to."),
    ] = Path("."),
    module: Annotated[
        str | None, typer.Option("--module", help="Module name (default: from the model's file name).")
    ] = None,
) -> None:
    """Write a typed wrapper for MODEL: a class taking the inputs by name, normalizing them as the metadata says,
    running LiteRT or tflc's runtime and returning the outputs labeled from the model's label files."""
    from compiler.model_metadata.codegen import LANGUAGES, write_python_package

    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang}: tflc generates {', '.join(LANGUAGES)} wrappers")
    if module is not None and not module.isidentifier():
        raise UsageError(f"--module {module!r} is not a Python identifier")
    read_tflite(model)  # the same 'does not exist' message as every command
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"'{output_dir}' exists and is not a directory")
    path = write_python_package(model, output_dir, module)
    commit()
    out.print(f"wrote {escape(str(path))} (and {escape(path.with_suffix('.tflite').name)} next to it)")
