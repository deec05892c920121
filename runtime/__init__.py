"""tflc's C reference interpreter for .tflite models, with an ai_edge_litert-compatible Python API.

Never imports `compiler` or TensorFlow (TensorFlow is imported lazily, only to run Flex ops; see runtime/flex.py).
"""

from .custom_ops import register_custom_op
from .interpreter import Interpreter, OpResolverType, SignatureRunner

__all__ = ["Interpreter", "OpResolverType", "SignatureRunner", "register_custom_op"]
