"""User-facing errors: each says what went wrong, where, and how to fix it.

Every error tflc raises on purpose derives from `TflcError`; callers (the CLI above all) tell them apart by type.
"""

from __future__ import annotations


class TflcError(Exception):
    """Base of every error tflc reports to a user (as opposed to an internal bug)."""


class UsageError(TflcError):
    """A command-line or API call that is wrong as given (missing/contradicting arguments, missing files)."""


class ModelImportError(TflcError, ValueError):
    """A model could not be imported (bad input, not a TF limitation). A ValueError too, as TF's converter raises
    for a missing signature key or a SavedModel without signatures."""


class ConversionError(TflcError):
    """The model cannot be converted (the message lists every problem found)."""


class UnsupportedFlagError(ConversionError, NotImplementedError):
    """A converter setting tflc cannot honour yet (never silently ignored)."""


class ExportError(TflcError):
    """The module cannot be written as a FlatBuffer (lists every offending op)."""


class PipelineError(TflcError, ValueError):
    """A pipeline string that does not parse or names an unknown pass/option (message says which)."""


class ModelRunError(TflcError, RuntimeError):
    """A model that loads but that tflc's runtime refuses to run (a malformed or hostile file, a kernel check)."""


class PassError(TflcError, RuntimeError):
    """A pass crashed or left invalid IR. Names the pass and its position in the pipeline."""

    def __init__(self, index: int, pass_name: str, message: str) -> None:
        super().__init__(f"pass #{index} '{pass_name}' {message}")
        self.index = index
        self.pass_name = pass_name


class ConversionNote(UserWarning):
    """Something a converted model does differently from the TF model under some use (e.g. inputs pinned to the
    converted shape). Issued as a warning by the Python API; the CLI prints it in the summary."""
