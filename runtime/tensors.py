"""Tensor bytes <-> numpy arrays for the values the interpreter exchanges with Python (inputs, outputs, Flex and
custom ops), including LiteRT's STRING layout: `int32 count`, then `count + 1` int32 offsets from the buffer start
(the last is the total length), then the bytes of every string back to back."""

from __future__ import annotations

import numpy as np
from tflite.TensorType import TensorType

from .dtypes import schema_numpy_types

_TO_NP = schema_numpy_types()
_FROM_NP = {np.dtype(v): k for k, v in _TO_NP.items()}


def encode_strings(values: np.ndarray) -> bytes:
    """LiteRT STRING buffer of an array of bytes/str (row-major)."""
    items = [
        v.encode("utf-8") if isinstance(v, str) else bytes(v)
        for v in np.asarray(values, dtype=object).reshape(-1)
    ]
    count = len(items)
    offsets = [4 * (count + 2)]
    for s in items:
        offsets.append(offsets[-1] + len(s))
    header = np.array([count, *offsets], dtype="<i4").tobytes()
    return header + b"".join(items)


def decode_strings(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Array of bytes objects (dtype object, `shape`) from a LiteRT STRING buffer."""
    buf = memoryview(data)
    if len(buf) < 4:
        raise ValueError("string tensor buffer shorter than its count")
    count = int(np.frombuffer(buf[:4], dtype="<i4")[0])
    if count < 0 or len(buf) < 4 * (count + 2):
        raise ValueError(f"string tensor buffer too short for {count} strings")
    offsets = np.frombuffer(buf[4 : 4 * (count + 2)], dtype="<i4")
    if np.any(np.diff(offsets) < 0) or (count and (offsets[0] < 4 * (count + 2) or offsets[-1] > len(buf))):
        raise ValueError("string tensor offsets out of order or out of the buffer")
    out = np.empty(count, dtype=object)
    for i in range(count):
        out[i] = bytes(buf[offsets[i] : offsets[i + 1]])
    if int(np.prod(shape)) != count:
        raise ValueError(
            f"string tensor holds {count} strings, its shape {list(shape)} needs {int(np.prod(shape))}"
        )
    return out.reshape(shape)


def to_host(ttype: int, shape: tuple[int, ...], data: bytes) -> np.ndarray:
    """numpy array of a (tensor type, shape, bytes) triple."""
    if ttype == TensorType.STRING:
        return decode_strings(data, tuple(shape))
    if ttype not in _TO_NP:
        raise ValueError(f"tensor type {ttype} has no numpy equivalent")
    return np.frombuffer(data, dtype=_TO_NP[ttype]).reshape(shape)


def from_host(a: np.ndarray, what: str = "") -> tuple[int, tuple[int, ...], bytes]:
    """(tensor type, shape, bytes) of a numpy array (bytes/str/object arrays become STRING)."""
    shape = tuple(int(d) for d in a.shape)
    if a.dtype.kind in ("S", "U", "O"):
        return TensorType.STRING, shape, encode_strings(a)
    a = np.ascontiguousarray(a)
    if a.dtype not in _FROM_NP:
        raise ValueError(f"{what}: output dtype {a.dtype} is not supported")
    return _FROM_NP[a.dtype], shape, a.tobytes()
