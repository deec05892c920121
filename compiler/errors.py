"""User-facing errors: each says what went wrong, where, and how to fix it."""


class ConversionError(Exception):
    """The model cannot be converted (the message lists every problem found)."""


class UnsupportedFlagError(ConversionError, NotImplementedError):
    """A converter setting tflc cannot honour yet (never silently ignored)."""
