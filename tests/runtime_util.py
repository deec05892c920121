"""Shared helpers for runtime tests: build reference .tflite models with TensorFlow's converter, run them in
ai_edge_litert (reference kernels, 1 thread) and in our runtime, and compare.

Import from tests as `import runtime_util` (pytest puts tests/ on sys.path through conftest-less rootdir insertion;
tests do `sys.path.insert(0, os.path.dirname(__file__))` first).
"""

from __future__ import annotations

import functools
import os
import struct
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FLOAT_RTOL = 1e-5  # max |ours - ref| <= FLOAT_RTOL * max |ref|


# ---------------------------------------------------------------------------------------------------------------
# Building models with TensorFlow's converter
# ---------------------------------------------------------------------------------------------------------------


def convert(
    fn,
    *,
    quantize: str | None = None,
    representative=None,
    select_tf: bool = False,
    allow_custom_ops: bool = False,
    int8_io: bool = False,
) -> bytes:
    """Converts a tf.function (with an input_signature) to .tflite bytes with TF's converter.

    quantize: None | "int8" (full integer, needs `representative`) | "dynamic" | "float16" | "int16x8".
    """
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize == "int8":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int8_io:
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    elif quantize == "int16x8":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    elif quantize == "dynamic":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    elif quantize == "float16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    if select_tf:
        ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
    conv.target_spec.supported_ops = ops
    conv.allow_custom_ops = allow_custom_ops
    return conv.convert()


def convert_saved_model(module, signatures: dict, tmpdir) -> bytes:
    """Saves a tf.Module with the given signatures and converts it with from_saved_model (keeps SignatureDefs)."""
    import tensorflow as tf

    path = os.path.join(str(tmpdir), "saved_model")
    tf.saved_model.save(module, path, signatures=signatures)
    conv = tf.lite.TFLiteConverter.from_saved_model(path, signature_keys=list(signatures))
    return conv.convert()


def rep_dataset(shapes, n=8, seed=0, lo=-1.0, hi=1.0):
    """Representative dataset generator factory for full-integer quantization."""

    def gen():
        rng = np.random.default_rng(seed)
        for _ in range(n):
            yield [rng.uniform(lo, hi, s).astype(np.float32) for s in shapes]

    return gen


def normal_weights(rng, *shape, scale=0.3):
    """float32 N(0, scale^2) weights for test models."""
    return (rng.normal(size=shape) * scale).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# ISA levels of the C runtime (issue 15): every level this CPU has, the lower ones always
# ---------------------------------------------------------------------------------------------------------------

ISA_NAMES = ("scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni")


def isa_levels() -> tuple:
    """The levels `runtime._tflrt.set_isa` can force on this machine, lowest first."""
    from runtime import _tflrt

    return ISA_NAMES[: ISA_NAMES.index(_tflrt.isa()[1]) + 1]


def isa_forms() -> list:
    """(level, split512) pairs: on the AVX-512 levels both float GEMM tile forms (256-bit tiles for CPUs that split
    512-bit operations, AMD Zen 4, and 512-bit ones), else the level's one form (None)."""
    return [
        (isa, split)
        for isa in isa_levels()
        for split in ((True, False) if isa.startswith("avx512") else (None,))
    ]


@pytest.fixture(autouse=True)
def reset_isa():
    """Autouse in the modules that import it: the ISA cap and the tile form back to the CPU's own after each test."""
    yield
    from runtime import _tflrt

    _tflrt.set_isa(None)
    _tflrt.set_split512(None)


# ---------------------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------------------


def litert(model: bytes, **kw):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kw.setdefault("experimental_op_resolver_type", OpResolverType.BUILTIN_REF)
    kw.setdefault("num_threads", 1)
    return Interpreter(model_content=model, **kw)


def ours(model: bytes, **kw):
    from runtime import Interpreter

    kw.setdefault("num_threads", 1)
    return Interpreter(model_content=model, **kw)


def random_inputs(details, seed=0, lo=-1.0, hi=1.0):
    rng = np.random.default_rng(seed)
    out = []
    for d in details:
        dt = np.dtype(d["dtype"])
        shape = tuple(int(x) for x in d["shape"])
        if dt.kind == "f":
            out.append(rng.uniform(lo, hi, shape).astype(dt))
        elif dt == np.bool_:
            out.append(rng.integers(0, 2, shape).astype(np.bool_))
        else:
            info = np.iinfo(dt)
            out.append(rng.integers(max(info.min, -128), min(info.max, 127) + 1, shape).astype(dt))
    return out


def run(interp, inputs):
    interp.allocate_tensors()
    for d, x in zip(interp.get_input_details(), inputs, strict=True):
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]) for d in interp.get_output_details()]


def assert_match(got, ref, what="output"):
    """float: max abs error <= FLOAT_RTOL * max |ref|; integers and bools bit-exact."""
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != reference {ref.shape}"
    assert got.dtype == ref.dtype, f"{what}: dtype {got.dtype} != reference {ref.dtype}"
    if ref.dtype.kind in "fc":
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
        assert np.array_equal(np.isnan(got), np.isnan(ref)), f"{what}: NaN pattern differs"
        assert err <= FLOAT_RTOL * max(scale, 1e-30) or err == 0.0, (
            f"{what}: max abs err {err:g} vs max |ref| {scale:g}"
        )
    else:
        diff = np.count_nonzero(got != ref)
        assert diff == 0, (
            f"{what}: {diff} of {ref.size} elements differ (max |d| {np.max(np.abs(got.astype(np.int64) - ref.astype(np.int64)))})"
        )


def compare_with_litert(model: bytes, inputs=None, seed=0):
    """Runs model in LiteRT (BUILTIN_REF) and ours on the same inputs; asserts the outputs match. Returns our
    interpreter (allocated and invoked) and the outputs."""
    ref = litert(model)
    mine = ours(model)
    if inputs is None:
        inputs = random_inputs(ref.get_input_details(), seed=seed)
    want = run(ref, inputs)
    got = run(mine, inputs)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert_match(g, w, f"output {i}")
    return mine, got


# ---------------------------------------------------------------------------------------------------------------
# Kernel availability: tests that need kernels which are not registered yet skip with a reason naming them.
# ---------------------------------------------------------------------------------------------------------------


@functools.cache
def _op_codes():
    from runtime import _tflrt

    codes = {}
    for i in range(512):
        name = _tflrt.op_name(i)
        if name is None:
            break
        codes[name] = i
    return codes


def op_code(name: str) -> int:
    return _op_codes()[name]


def has_kernel(name: str) -> bool:
    from runtime import _tflrt

    return bool(_tflrt.has_kernel(op_code(name)))


def model_ops(model: bytes) -> list[str]:
    from runtime import _tflrt

    info = _tflrt.Interp(model).model_info()
    return sorted({name for sg in info["subgraphs"] for (name, *_rest) in sg["ops"]})


def require_kernels(model: bytes):
    """Skips the calling test when a builtin op of `model` has no registered kernel yet (kernel engineers: the
    skip disappears by itself once the kernel is registered)."""
    missing = [
        n for n in model_ops(model) if not n.startswith("Flex") and n in _op_codes() and not has_kernel(n)
    ]
    if missing:
        pytest.skip(f"kernel not registered yet: {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------------------------
# Raw FlatBuffer surgery (for malformed-file tests)
# ---------------------------------------------------------------------------------------------------------------


def _u32(b, p):
    return struct.unpack_from("<I", b, p)[0]


def _i32(b, p):
    return struct.unpack_from("<i", b, p)[0]


def table_field_pos(b: bytes, table: int, field: int) -> int | None:
    """Absolute position of a table's field, or None when absent."""
    vt = table - _i32(b, table)
    vsize = struct.unpack_from("<H", b, vt)[0]
    slot = 4 + 2 * field
    if slot + 2 > vsize:
        return None
    off = struct.unpack_from("<H", b, vt + slot)[0]
    return table + off if off else None


def deref(b: bytes, pos: int) -> int:
    """Follows the uoffset stored at pos."""
    return pos + _u32(b, pos)


def root_table(b: bytes) -> int:
    return _u32(b, 0)


def vector_at(b: bytes, table: int, field: int) -> int:
    """Position of the length word of a vector field."""
    p = table_field_pos(b, table, field)
    assert p is not None, "field absent"
    return deref(b, p)


def vector_table(b: bytes, vec: int, i: int) -> int:
    return deref(b, vec + 4 + 4 * i)


# Field ids (schema order).
MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_BUFFERS = 1, 2, 4
SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS = 0, 1, 2, 3
TENSOR_SHAPE, TENSOR_BUFFER = 0, 2
OPERATOR_OPCODE_INDEX, OPERATOR_INPUTS = 0, 1


def model_object(model: bytes):
    """Object-API view (ModelT) of a model, for building variants."""
    from tensorflow.lite.python import schema_py_generated as schema

    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))


def pack_model(m) -> bytes:
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    del schema
    return bytes(b.Output())


def with_offset_buffers(model: bytes) -> bytes:
    """Rewrites a model so that every non-empty buffer lives after the FlatBuffer, located by Buffer.offset/size
    (the layout TF uses for models over 2 GiB)."""
    m = model_object(model)
    datas = []
    for buf in m.buffers:
        d = (
            bytes(np.asarray(buf.data, dtype=np.uint8).tobytes())
            if buf.data is not None and len(buf.data)
            else b""
        )
        datas.append(d)
        if d:
            buf.data = None
            buf.offset = 1  # placeholder, same encoded size as the final value
            buf.size = len(d)
    head = pack_model(m)
    pos = (len(head) + 15) // 16 * 16
    tail = bytearray()
    for buf, d in zip(m.buffers, datas, strict=True):
        if d:
            buf.offset = pos + len(tail)
            tail += d + b"\0" * ((16 - len(d) % 16) % 16)
    head2 = pack_model(m)
    assert len(head2) == len(head)
    return head2 + b"\0" * (pos - len(head2)) + bytes(tail)
