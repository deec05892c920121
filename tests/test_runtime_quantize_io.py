"""QUANTIZE (float -> int8 / uint8 / int16, and between integer types) and DEQUANTIZE (back to float) in our runtime.

The per-tensor forms that float-I/O integer models start and end with run vectorized (avx2, avx512) and split over
threads; every ISA level and thread count must give LiteRT BUILTIN_REF's bytes, including inputs on the rounding
boundaries (x / scale exactly k + 1/2 and its float neighbours, where roundf rounds away from zero) and values clamped
to the type's range. Integer-to-integer QUANTIZE from 8-bit inputs goes through a table of all 256 results.

The models come from TensorFlow's converter (default int8 quantization with float input and output), reduced to the
QUANTIZE -> DEQUANTIZE pair (or one QUANTIZE) and retyped with the object API."""

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
from test_runtime_isa_q import LEVELS_HERE, isa_cap  # noqa: E402,F401

# 70001 elements: several range tasks at 2 threads, and a tail below every vector width
N = 70001
SCALE = {"int8": (0.0125, -3), "uint8": (0.011, 121), "int16": (0.0004, 0)}


@pytest.fixture(scope="module")
def base_model() -> bytes:
    """TF's default int8 conversion of x + c: QUANTIZE, ADD, DEQUANTIZE."""
    c = tf.constant(np.linspace(-0.5, 0.5, N, dtype=np.float32)[None])
    fn = tf.function(lambda x: x + c, input_signature=[tf.TensorSpec([1, N], tf.float32)])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = ru.rep_dataset([(1, N)], n=4)
    model = conv.convert()
    assert sorted(ru.model_ops(model)) == ["ADD", "DEQUANTIZE", "QUANTIZE"]
    return model


def _pair(base: bytes, kind: str) -> tuple[bytes, int]:
    """The base model as QUANTIZE -> DEQUANTIZE through one `kind` tensor with SCALE[kind]'s parameters, and that
    tensor's index."""
    from tensorflow.lite.python import schema_py_generated as schema

    m = ru.model_object(base)
    sg = m.subgraphs[0]
    code = {ru.op_code("QUANTIZE"): "q", ru.op_code("DEQUANTIZE"): "d"}
    ops = {
        code.get(
            max(
                m.operatorCodes[o.opcodeIndex].builtinCode,
                m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode,
            )
        ): o
        for o in sg.operators
    }
    quant, dequant = ops["q"], ops["d"]
    dequant.inputs = list(quant.outputs)
    sg.operators = [quant, dequant]
    t = sg.tensors[quant.outputs[0]]
    t.type = {
        "int8": schema.TensorType.INT8,
        "uint8": schema.TensorType.UINT8,
        "int16": schema.TensorType.INT16,
    }[kind]
    scale, zp = SCALE[kind]
    t.quantization.scale = [scale]
    t.quantization.zeroPoint = [zp]
    return ru.pack_model(m), int(quant.outputs[0])


def _inputs(kind: str, finite_only: bool) -> np.ndarray:
    """Random values across and beyond the range, x / scale on and next to every half k + 1/2 near zero, signed
    zeros, and (finite_only=False) NaN, infinities and values past int32 after the division."""
    scale, zp = SCALE[kind]
    info = np.iinfo(np.dtype(kind))
    rng = np.random.default_rng(3)
    k = np.arange(-300, 300, dtype=np.float32) + np.float32(0.5)
    halves = k * np.float32(scale)
    edges = np.concatenate(
        [
            halves,
            np.nextafter(halves, np.float32(np.inf)),
            np.nextafter(halves, np.float32(-np.inf)),
            np.float32(scale) * (np.arange(info.min - zp - 3, info.min - zp + 3, dtype=np.float32)),
            np.float32(scale) * (np.arange(info.max - zp - 3, info.max - zp + 3, dtype=np.float32)),
            np.array([0.0, -0.0, 1e5, -1e5], np.float32),
        ]
    )
    if not finite_only:
        edges = np.concatenate(
            [edges, np.array([np.nan, -np.nan, np.inf, -np.inf, 3e38, -3e38, 1e30], np.float32)]
        )
    span = scale * (info.max - info.min) * 0.6
    x = rng.uniform(-span, span, N).astype(np.float32)
    x[rng.permutation(N)[: edges.size]] = edges
    return x[None]


def _run(it, x: np.ndarray, q_index: int) -> list[np.ndarray]:
    """The quantized tensor and the float output of a QUANTIZE -> DEQUANTIZE model."""
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return [it.get_tensor(q_index), it.get_tensor(it.get_output_details()[0]["index"])]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("level", LEVELS_HERE)
@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_quantize_pair_matches_reference(base_model, isa_cap, kind, level, threads):  # noqa: F811
    model, qi = _pair(base_model, kind)
    x = _inputs(kind, finite_only=True)
    want = _run(ru.litert(model, experimental_preserve_all_tensors=True), x, qi)
    assert want[0].dtype == np.dtype(kind)
    assert isa_cap(level) == level
    got = _run(ru.ours(model, num_threads=threads, experimental_preserve_all_tensors=True), x, qi)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.dtype == w.dtype and g.shape == w.shape
        if not np.array_equal(g.view(np.uint8), w.view(np.uint8)):
            bad = np.flatnonzero(g.view(np.uint8) != w.view(np.uint8))[:5]
            raise AssertionError(
                f"{kind} at {level}, {threads} threads: tensor {i} differs, first bytes {bad}"
            )


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_quantize_special_values_same_at_every_level(base_model, isa_cap, kind):  # noqa: F811
    """NaN quantizes to the zero point, infinities and values past int32 after the division to the type's ends
    (saturating, as an ARM build of LiteRT does), at every level. LiteRT's reference kernel casts such values to int32,
    which C++ leaves undefined (x86 gives INT32_MIN: 1e6 / 0.0004 quantizes to -32768 there), so the levels are
    compared with each other."""
    model, qi = _pair(base_model, kind)
    x = _inputs(kind, finite_only=False)
    results = {}
    for level in LEVELS_HERE:
        assert isa_cap(level) == level
        results[level] = _run(ru.ours(model, num_threads=2, experimental_preserve_all_tensors=True), x, qi)[0]
    info = np.iinfo(np.dtype(kind))
    scalar = results["scalar"]
    flat = x[0]
    assert np.all(scalar[0][np.isnan(flat)] == SCALE[kind][1])
    assert np.all(scalar[0][flat > 1e30] == info.max) and np.all(scalar[0][flat < -1e30] == info.min)
    for level, q in results.items():
        assert np.array_equal(q, scalar), level


def test_float_io_model_matches_reference(base_model):
    """The converted model itself (QUANTIZE, ADD, DEQUANTIZE) at 1 and 2 threads."""
    x = _inputs("int8", finite_only=True)
    ref = ru.run(ru.litert(base_model), [x])[0]
    for threads in (1, 2):
        got = ru.run(ru.ours(base_model, num_threads=threads), [x])[0]
        assert np.array_equal(got, ref)


# integer -> integer QUANTIZE (requantization; 8-bit inputs through a table of all 256 results): uint8 camera input
# into an int8 model, int8 output to uint8, a rescale within int8, and int8 to int16
REQUANT = {
    "uint8_to_int8": (("uint8", 0.0078125, 128), ("int8", 0.0078125, 0)),
    "int8_to_uint8": (("int8", 0.02, -5), ("uint8", 0.02, 123)),
    "int8_rescale": (("int8", 0.031, 7), ("int8", 0.0125, -3)),
    "int8_to_int16": (("int8", 0.05, 2), ("int16", 0.0004, 0)),
    "int16_rescale": (("int16", 0.0004, 0), ("int16", 0.0011, 0)),
}


def _requant_model(base: bytes, src, dst) -> bytes:
    """The base model reduced to one QUANTIZE from a `src` (kind, scale, zero point) input to a `dst` output."""
    from tensorflow.lite.python import schema_py_generated as schema

    types = {
        "int8": schema.TensorType.INT8,
        "uint8": schema.TensorType.UINT8,
        "int16": schema.TensorType.INT16,
    }
    m = ru.model_object(base)
    sg = m.subgraphs[0]
    quant = next(
        o
        for o in sg.operators
        if max(m.operatorCodes[o.opcodeIndex].builtinCode, 0) == ru.op_code("QUANTIZE")
    )
    sg.operators = [quant]
    sg.outputs = list(quant.outputs)
    for idx, (kind, scale, zp) in ((quant.inputs[0], src), (quant.outputs[0], dst)):
        t = sg.tensors[idx]
        t.type = types[kind]
        if t.quantization is None:
            t.quantization = schema.QuantizationParametersT()
        t.quantization.scale = [scale]
        t.quantization.zeroPoint = [zp]
    return ru.pack_model(m)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", list(REQUANT))
def test_requantize_matches_reference(base_model, case, threads):
    src, dst = REQUANT[case]
    model = _requant_model(base_model, src, dst)
    info = np.iinfo(np.dtype(src[0]))
    rng = np.random.default_rng(4)
    x = rng.integers(info.min, info.max + 1, N).astype(src[0])
    x[: min(N, info.max - info.min + 1)] = np.arange(info.min, info.max + 1)[:N]  # every 8-bit value
    x = x[None]
    want = ru.run(ru.litert(model), [x])[0]
    assert want.dtype == np.dtype(dst[0])
    got = ru.run(ru.ours(model, num_threads=threads), [x])[0]
    assert np.array_equal(got, want), f"{case}: {int(np.count_nonzero(got != want))} values differ"
