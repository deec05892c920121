"""What the `tflc` commands share: the consoles, the options several commands take, input checks, and how an
error becomes the one `error:` line a command ends with.

Nothing here imports TensorFlow, xDSL or the converter: `tflc --help` imports this module.
"""

from __future__ import annotations

import copy
import os
import signal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from compiler.errors import ExportError, PassError, TflcError, UsageError

err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)

# ---- options more than one command takes (each declared once; a command's docstring says what it does with it)

# tflite_convert's underscore spellings are accepted too; help lists them once, in the epilog (HelpCommand).
MODEL = "Model"
SavedModelDir = Annotated[
    Path | None,
    typer.Option(
        "--saved-model-dir",
        "--saved_model_dir",
        help="SavedModel directory.",
        metavar="DIR",
        show_default=False,
        rich_help_panel=MODEL,
    ),
]
KerasModelFile = Annotated[
    Path | None,
    typer.Option(
        "--keras-model-file",
        "--keras_model_file",
        help="Keras model file (.keras or .h5).",
        metavar="FILE",
        show_default=False,
        rich_help_panel=MODEL,
    ),
]
SignatureKeys = Annotated[
    list[str] | None,
    typer.Option(
        "--signature-key",
        "--saved_model_signature_key",
        help="SavedModel signature (repeatable; default: all).",
        metavar="KEY",
        show_default=False,
        rich_help_panel=MODEL,
    ),
]
SavedModelTagSet = Annotated[
    str | None,
    typer.Option(
        "--saved-model-tag-set",
        "--saved_model_tag_set",
        help="Tags of the SavedModel's MetaGraph, comma-separated (default: serve).",
        metavar="TAGS",
        show_default=False,
        rich_help_panel=MODEL,
    ),
]
SignatureKey = Annotated[
    str | None,
    typer.Option(
        "--signature-key", help="Signature of the .tflite to use.", metavar="KEY", show_default=False
    ),
]
TfliteFile = Annotated[Path, typer.Argument(help="A .tflite file.", show_default=False)]
Seed = Annotated[int, typer.Option("--seed", help="Seed for the random inputs.", metavar="N")]


def tag_set(tags: str | None) -> set[str] | None:
    """--saved-model-tag-set 'serve,gpu' as tflite_convert reads it: a comma-separated set."""
    if tags is None:
        return None
    names = {t.strip() for t in tags.split(",") if t.strip()}
    if not names:
        raise UsageError("--saved-model-tag-set: give at least one tag, e.g. --saved-model-tag-set serve")
    return names


class HelpCommand(TyperCommand):
    """Plain (click) help that fits an 80-column terminal: options grouped by their help panel, underscore
    aliases (tflite_convert's spellings) left out of the option list and named once at the end."""

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        aliases: list[str] = []
        for param in self.get_params(ctx):
            if param.param_type_name == "option" and any("_" in o for o in param.opts):
                aliases += [o for o in param.opts if "_" in o]
                param = copy.copy(param)
                param.opts = [o for o in param.opts if "_" not in o]
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                title = "Arguments"
            else:
                title = getattr(param, "rich_help_panel", None) or "Options"
            sections.setdefault(title, []).append(record)
        for title, records in sections.items():
            with formatter.section(title):
                formatter.write_dl(records)
        if aliases:
            with formatter.section("Also accepted (tflite_convert spellings)"):
                formatter.write_text(", ".join(aliases))


# ---- errors

_TRACEBACK_HINT = "set TFLC_TRACEBACK=1 for the traceback"


def report(e: BaseException, user_errors: tuple[type[BaseException], ...] = ()) -> tuple[str, int]:
    """The message and exit code a command ends with when it raises `e`. `user_errors` are further types whose
    message is meant for the user as it is (the `opt` driver's xDSL parse and diagnostic errors)."""
    match e:
        case KeyboardInterrupt():
            return "interrupted", 130
        case PassError():
            return f"internal compiler error in {e} ({_TRACEBACK_HINT})", 1
        case ExportError():
            return f"export failed: {e}", 1
        case TflcError() | OSError():
            return str(e), 1
        case _ if isinstance(e, user_errors):
            return str(e), 1
    return f"internal error: {type(e).__name__}: {e} ({_TRACEBACK_HINT})", 1


def wants_traceback(e: BaseException) -> bool:
    """TFLC_TRACEBACK=1: let an error (not a Ctrl-C) propagate with its traceback instead of being reported."""
    return bool(os.environ.get("TFLC_TRACEBACK")) and not isinstance(e, KeyboardInterrupt)


# ---- Ctrl-C: exit 130 and no file left, or exit 0 with the file complete (nothing in between)

_committed = False


def _on_sigint(signum: int, frame: Any) -> None:
    if not _committed:
        raise KeyboardInterrupt


def handle_interrupts() -> None:
    """`tflc` (the process, not an in-process call): a Ctrl-C raises KeyboardInterrupt until the command commits
    its result; after that (exit path, TensorFlow's shutdown) it is ignored, so an exit code 0 always means a
    complete output file and 130 always means none."""
    global _committed
    _committed = False
    signal.signal(signal.SIGINT, _on_sigint)


def commit() -> None:
    """The command's outputs are complete; a later Ctrl-C no longer undoes them."""
    global _committed
    _committed = True


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


class ReportingGroup(TyperGroup):
    """The `tflc` command group: whatever a command raises ends as one `error:` line and an exit code, never a
    traceback (TFLC_TRACEBACK=1 re-raises); Typer's own usage errors and exits pass through."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):  # usage errors, --help, exit codes
            raise
        except (Exception, KeyboardInterrupt) as e:
            if wants_traceback(e):
                raise
            fail(*report(e))


# ---- input checks (before TensorFlow is imported: a typo must fail in milliseconds)


def quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def check_model_inputs(saved_model_dir: Path | None, keras_model_file: Path | None) -> None:
    """Exactly one TensorFlow model given, and it looks like one."""
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


def read_tflite(model: Path) -> bytes:
    if not model.is_file():
        raise UsageError(f"'{model}' does not exist or is not a file")
    return model.read_bytes()
