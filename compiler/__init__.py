"""tflc: TensorFlow -> LiteRT (TFLite) compiler on xDSL.

Drop-in for tf.lite.TFLiteConverter: `from compiler import TFLiteConverter, OpsSet, Optimize`.
"""

from compiler.converter import Optimize, OpsSet, TFLiteConverter
from compiler.errors import ConversionError, UnsupportedFlagError

__all__ = ["ConversionError", "Optimize", "OpsSet", "TFLiteConverter", "UnsupportedFlagError"]
