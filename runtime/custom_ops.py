"""Custom operators implemented in Python, and the host handler that runs them next to Flex ops.

`Interpreter(..., custom_ops={"Erfc": fn})`: every CUSTOM node whose custom_code is "Erfc" calls
`fn(inputs, options)` with the node's inputs as numpy arrays (a list, None for an omitted input) and its
custom_options decoded from FlexBuffers (a dict for the attribute map TensorFlow's converter writes with
allow_custom_ops; the raw bytes when they are not FlexBuffers). It returns one array or a sequence of arrays, one per
output, with the element types the model declares. Kernels written in C register by custom code instead
(`runtime.register_custom_op`, or the `TflApi` table of runtime/src/tflrt.h); LiteRT's `custom_op_registerers` is the
analogue there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import _tflrt
from .tensors import from_host, to_host

CustomOpFn = Callable[[list, Any], Any]
FLEX_PREFIX = "Flex"


def decode_custom_options(options: bytes) -> Any:
    """custom_options decoded from FlexBuffers (dict, list, scalars), or the bytes as they are."""
    if not options:
        return {}
    from flatbuffers import flexbuffers

    try:
        return flexbuffers.Loads(bytearray(options))
    except Exception:  # not FlexBuffers: hand the bytes over untouched
        return bytes(options)


def register_custom_op(custom_code: str, kernel_address: int) -> None:
    """Run CUSTOM nodes with this custom code by the C `TflKernel` at `kernel_address` (e.g. a ctypes symbol's
    address in a library built against runtime/src/tflrt.h). Applies to interpreters created afterwards."""
    _tflrt.register_custom_op(custom_code, int(kernel_address))


def unresolved_custom_codes(codes: list[str], custom_ops: Mapping[str, CustomOpFn]) -> list[str]:
    """Custom codes (not Flex) that have neither a Python implementation nor a registered C kernel."""
    return sorted(
        {
            c
            for c in codes
            if not c.startswith(FLEX_PREFIX) and c not in custom_ops and not _tflrt.has_custom_kernel(c)
        }
    )


class HostOps:
    """The callable the C interpreter hands host-run nodes to: (custom_code, custom_options, inputs) -> outputs, with
    inputs and outputs as (tensor type, shape, bytes) triples. Flex nodes go to TensorFlow (runtime/flex.py), others
    to the user's Python implementation."""

    def __init__(self, custom_ops: Mapping[str, CustomOpFn], flex: Any = None) -> None:
        self.custom_ops = dict(custom_ops)
        self.flex = flex
        self._options: dict[bytes, Any] = {}

    def __call__(self, custom_code: str, options: bytes, inputs: list) -> list:
        fn = self.custom_ops.get(custom_code)
        if fn is None:
            if self.flex is None:
                raise ValueError(f"no implementation for custom op {custom_code!r}")
            return self.flex(custom_code, options, inputs)
        arrays = [None if item is None else to_host(*item) for item in inputs]
        decoded = self._options.get(options)
        if decoded is None:
            decoded = self._options[options] = decode_custom_options(options)
        results = fn(arrays, decoded)
        if isinstance(results, np.ndarray) or np.isscalar(results):
            results = [results]
        return [from_host(np.asarray(r), custom_code) for r in results]
