"""tflc: TensorFlow -> LiteRT (TFLite) compiler on xDSL.

Drop-in for tf.lite.TFLiteConverter: `from compiler import TFLiteConverter, OpsSet, Optimize`.
Names load lazily (PEP 562) so `tflc --help` and other light entry points don't pay for xDSL or the converter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConversionError", "Optimize", "OpsSet", "TFLiteConverter", "UnsupportedFlagError"]

_HOME = {
    "TFLiteConverter": "converter",
    "OpsSet": "converter",
    "Optimize": "converter",
    "ConversionError": "errors",
    "UnsupportedFlagError": "errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(f"compiler.{_HOME[name]}"), name)
    raise AttributeError(f"module 'compiler' has no attribute {name!r}")
