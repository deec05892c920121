"""int8 kernels at every ISA level the CPU has, against LiteRT BUILTIN_REF, bit-exact.

The runtime picks its int8 GEMM (CONV_2D, FULLY_CONNECTED) and depthwise kernels per node at prepare time from
runtime._tflrt.isa(): scalar, sse2, avx2 always run here (forced with set_isa); avx2_vnni, avx512 and avx512_vnni
when the CPU has them (avx2_vnni runs on AVX-VNNI, or as its EVEX form on AVX512-VNNI CPUs). Every op output must
equal LiteRT's reference kernels', at 1 and 2 threads, so all levels and thread counts give identical bytes. The
models are converted once per module by TensorFlow's converter; the shapes reach partial 16-channel panels, 64-channel
GEMM groups and depthwise blocks, odd depths (padded depth quads), 25-tap and dilated depthwise filters and batches.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_runtime_kernels_q import HYBRID, INT8, _const, _convert  # noqa: E402

import runtime  # noqa: E402
from runtime import _tflrt  # noqa: E402

LEVELS = ["scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni"]


def reference_keeping_tensors(name: str, model: bytes, ops):
    """LiteRT BUILTIN_REF on `model`, every tensor kept, after checking the converter emitted `ops`; returns the
    allocated interpreter and its op names."""
    from ai_edge_litert import interpreter as litert

    ref = litert.Interpreter(
        model_content=model,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
        num_threads=1,
        experimental_preserve_all_tensors=True,
    )
    ref.allocate_tensors()
    names = [o["op_name"] for o in ref._get_ops_details()]
    assert all(op in names for op in ops), f"{name}: converter emitted {names}"
    return ref, names


def _levels() -> list[str]:
    """Levels this CPU runs: everything up to the detected one, minus avx2_vnni when it would fall back to avx2."""
    detected = _tflrt.isa()[1]
    out = []
    for level in LEVELS[: LEVELS.index(detected) + 1]:
        try:
            if _tflrt.set_isa(level) == level:
                out.append(level)
        finally:
            _tflrt.set_isa(None)
    return out


LEVELS_HERE = _levels()


@pytest.fixture
def isa_cap():
    """Caps the ISA level for interpreters made inside the test; the cap is cleared afterwards, pass or fail."""
    yield lambda level: _tflrt.set_isa(level)
    _tflrt.set_isa(None)


def _cnn(x):
    """Stem conv (depth 27), pointwise convs with partial panels, depthwise 3x3 / 5x5 stride 2 / dilated, FC."""
    y = tf.nn.relu6(tf.nn.conv2d(x, _const((3, 3, 3, 40), 1, 0.5), 2, "SAME") + _const((40,), 2))
    y = tf.nn.relu6(
        tf.nn.depthwise_conv2d(y, _const((3, 3, 40, 1), 3, 0.5), [1, 1, 1, 1], "SAME") + _const((40,), 4)
    )
    y = tf.nn.conv2d(y, _const((1, 1, 40, 72), 5, 0.3), 1, "VALID") + _const((72,), 6)
    y = tf.nn.depthwise_conv2d(y, _const((5, 5, 72, 1), 7, 0.3), [1, 2, 2, 1], "SAME") + _const((72,), 8)
    y = tf.nn.relu(y)
    y = tf.nn.depthwise_conv2d(y, _const((3, 3, 72, 1), 9, 0.4), [1, 1, 1, 1], "SAME", dilations=[2, 2])
    y = tf.nn.conv2d(y, _const((1, 1, 72, 24), 10, 0.3), 1, "SAME") + _const((24,), 11)
    y = tf.reshape(y, [2, -1])
    return tf.matmul(y, _const((int(y.shape[1]), 70), 12, 0.05)) + _const((70,), 13)


def _wide(x):
    """130 channels: two full 64-channel depthwise blocks plus a partial one; a GEMM with 9 panels and depth 130."""
    y = tf.nn.depthwise_conv2d(x, _const((3, 3, 130, 1), 21, 0.5), [1, 1, 1, 1], "VALID") + _const((130,), 22)
    y = tf.nn.relu6(y)
    return tf.nn.conv2d(y, _const((1, 1, 130, 136), 23, 0.2), 1, "VALID") + _const((136,), 24)


def _fc(x):
    """FULLY_CONNECTED with batch 7 (row tails), depth 301 (padded quads) and 33 units (a one-channel panel)."""
    return tf.nn.relu(tf.matmul(x, _const((301, 33), 31, 0.1)) + _const((33,), 32))


def _se(x):
    """32-channel stride-1 depthwise (two output pixels per 64-lane VNNI block, plain and dilated), int8 MUL same
    shape and broadcast, ADD broadcast, LOGISTIC and MEAN over H, W (a squeeze-excite block as in EfficientNet);
    large enough that MUL / ADD split over 2 threads."""
    y = tf.nn.relu6(
        tf.nn.depthwise_conv2d(x, _const((3, 3, 32, 1), 41, 0.5), [1, 1, 1, 1], "SAME") + _const((32,), 42)
    )
    y = tf.nn.depthwise_conv2d(y, _const((3, 3, 32, 1), 43, 0.5), [1, 1, 1, 1], "SAME", dilations=[1, 2])
    y = y * tf.sigmoid(y)
    m = tf.reduce_mean(y, axis=[1, 2], keepdims=True)
    y = y * tf.sigmoid(tf.nn.conv2d(m, _const((1, 1, 32, 32), 44, 0.3), 1, "VALID") + _const((32,), 45))
    y = tf.nn.relu(y) * _const((32,), 46) + _const((32,), 47)
    return tf.reduce_mean(y + m, axis=[1, 2])


def _stem(x):
    """Few-channel convs whose interior pixels take the 16-byte tap copies: VALID (runs from column 0 to the row's
    end, the last pixels stopped by the input's end) and height-dilated SAME (border columns in between)."""
    y = tf.nn.conv2d(x, _const((3, 3, 4, 20), 61, 0.5), 1, "VALID") + _const((20,), 62)
    z = tf.nn.conv2d(x, _const((3, 2, 4, 20), 63, 0.5), 1, "SAME", dilations=[2, 1]) + _const((20,), 64)
    return tf.reduce_mean(tf.nn.relu(y), axis=[1, 2]) + tf.reduce_mean(z, axis=[1, 2])


def _small_map(x):
    """A late MobileNet stage on a 7x7 map: the depthwise (7 rows, no even row split on 2 threads) splits its channel
    blocks, the 1x1 conv (M = 49, one row block) splits its 16-channel panels in halves."""
    y = tf.nn.relu6(
        tf.nn.depthwise_conv2d(x, _const((3, 3, 384, 1), 71, 0.5), [1, 1, 1, 1], "SAME") + _const((384,), 72)
    )
    return tf.nn.conv2d(y, _const((1, 1, 384, 160), 73, 0.2), 1, "VALID") + _const((160,), 74)


def _fc_wide(x):
    """Batch-1 FULLY_CONNECTED large enough to split over 2 threads: its 65 16-unit panels in two shares (the raw sums
    of each share requantized by LiteRT's float rule)."""
    return tf.matmul(x, _const((1024, 1040), 75, 0.05)) + _const((1040,), 76)


MODELS = {
    "fc_wide": (_fc_wide, [(1, 1024)], ["FULLY_CONNECTED"]),
    "small_map": (_small_map, [(1, 7, 7, 384)], ["CONV_2D", "DEPTHWISE_CONV_2D"]),
    "stem": (_stem, [(2, 9, 13, 4)], ["CONV_2D", "MEAN"]),
    "cnn": (_cnn, [(2, 21, 19, 3)], ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]),
    "se": (_se, [(2, 30, 36, 32)], ["DEPTHWISE_CONV_2D", "MUL", "ADD", "MEAN", "LOGISTIC"]),
    "wide": (_wide, [(1, 9, 11, 130)], ["CONV_2D", "DEPTHWISE_CONV_2D"]),
    "fc": (_fc, [(7, 301)], ["FULLY_CONNECTED"]),
}


@pytest.fixture(scope="module")
def reference():
    """name -> (model bytes, input, {tensor index: LiteRT BUILTIN_REF value} for the input and every op output)."""

    out = {}
    for name, (fn, shapes, ops) in MODELS.items():
        model = _convert(fn, shapes, INT8)
        ref, _ = reference_keeping_tensors(name, model, ops)
        d = ref.get_input_details()[0]
        x = np.random.default_rng(5).integers(-128, 128, size=d["shape"]).astype(np.int8)
        ref.set_tensor(d["index"], x)
        ref.invoke()
        indices = [d["index"]] + [int(i) for o in ref._get_ops_details() for i in o["outputs"]]
        out[name] = (model, x, {i: ref.get_tensor(i).copy() for i in indices})
    return out


def _run_ours(model, x, threads):
    it = runtime.Interpreter(model_content=model, num_threads=threads, experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it


def test_levels_listed():
    """The forced lower levels always run, and the detected level is among those tested."""
    assert LEVELS_HERE[:3] == ["scalar", "sse2", "avx2"] or _tflrt.isa()[1] in ("scalar", "sse2")
    assert _tflrt.isa()[1] in LEVELS_HERE


def test_cap_applies_and_clears(isa_cap):
    detected = _tflrt.isa()[1]
    assert isa_cap("sse2") == "sse2"
    assert _tflrt.isa() == ("sse2", detected)
    assert isa_cap(None) == detected
    with pytest.raises(ValueError):
        isa_cap("avx9000")


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("level", LEVELS_HERE)
@pytest.mark.parametrize("name", list(MODELS))
def test_int8_exact_at_level(reference, isa_cap, name, level, threads):
    model, x, ref = reference[name]
    assert isa_cap(level) == level
    it = _run_ours(model, x, threads)
    names = {d["index"]: d["name"] for d in it.get_tensor_details()}
    for idx, want in ref.items():
        got = it.get_tensor(idx)
        assert got.dtype == want.dtype and got.shape == want.shape, names.get(idx)
        if not np.array_equal(got, want):
            diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
            raise AssertionError(
                f"{name} at {level}, {threads} threads: tensor {names.get(idx)} differs from LiteRT BUILTIN_REF in "
                f"{int(np.count_nonzero(diff))} of {diff.size} values (max {int(diff.max())})"
            )


def test_single_rounding_at_levels(reference, tmp_path):
    """Under single rounding (TFLRT_ROUNDING=single in a child: the mode is read once; LiteRT's pip build has no such
    mode, so this is a consistency check) the VNNI/zmm GEMM and depthwise kernels take their raw-sum and direct
    paths: every level gives the same bytes."""
    import subprocess

    model, x, _ = reference["cnn"]
    code = (
        "import sys, numpy as np, runtime; from runtime import _tflrt\n"
        "m = open(sys.argv[1], 'rb').read(); x = np.load(sys.argv[2]); outs = []\n"
        "for level in sys.argv[3:]:\n"
        "    _tflrt.set_isa(level)\n"
        "    it = runtime.Interpreter(model_content=m, num_threads=1); it.allocate_tensors()\n"
        "    it.set_tensor(it.get_input_details()[0]['index'], x); it.invoke()\n"
        "    outs.append(it.get_tensor(it.get_output_details()[0]['index']))\n"
        "print(all(np.array_equal(o, outs[0]) for o in outs), len(outs))\n"
    )
    mpath, xpath = str(tmp_path / "cnn.tflite"), str(tmp_path / "x.npy")
    (tmp_path / "cnn.tflite").write_bytes(model)
    np.save(xpath, x)
    env = dict(os.environ, TFLRT_ROUNDING="single")
    res = subprocess.run(
        [sys.executable, "-c", code, mpath, xpath, *LEVELS_HERE], capture_output=True, text=True, env=env
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True", str(len(LEVELS_HERE))]


@pytest.mark.heavy
def test_mobilenet_v2_int8_levels(isa_cap):
    """The corpus MobileNetV2, int8 (TF's converter, seeded representative data): bit-exact with LiteRT BUILTIN_REF
    at the lowest vector level and every level from avx2 up, 1 and 2 threads."""
    import corpus
    from runtime_util import rep_dataset

    keras_model = corpus.build("mobilenet_v2")
    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep_dataset([(1, 224, 224, 3)], 4, 0)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    model = conv.convert()
    from ai_edge_litert import interpreter as litert

    ref = litert.Interpreter(
        model_content=model, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    ref.allocate_tensors()
    d = ref.get_input_details()[0]
    x = np.random.default_rng(3).integers(-128, 128, size=d["shape"]).astype(np.int8)
    ref.set_tensor(d["index"], x)
    ref.invoke()
    want = ref.get_tensor(ref.get_output_details()[0]["index"])
    for level in ["sse2"] + LEVELS_HERE[2:]:
        assert isa_cap(level) == level
        for threads in (1, 2):
            it = runtime.Interpreter(model_content=model, num_threads=threads)
            it.allocate_tensors()
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            got = it.get_tensor(it.get_output_details()[0]["index"])
            assert np.array_equal(got, want), (
                f"{level}, {threads} threads: {np.count_nonzero(got != want)} differ"
            )


def _hybrid(x):
    """Dynamic-range CONV_2D (im2col, depth 45: padded quads), pointwise CONV_2D and batch-4 FULLY_CONNECTED."""
    y = tf.nn.relu(tf.nn.conv2d(x, _const((3, 3, 5, 40), 51, 0.5), 1, "SAME") + _const((40,), 52))
    y = tf.nn.conv2d(y, _const((1, 1, 40, 36), 53, 0.3), 1, "VALID")
    y = tf.reshape(y, [4, -1])
    return tf.matmul(y, _const((int(y.shape[1]), 20), 54, 0.05)) + _const((20,), 55)


@pytest.fixture(scope="module")
def hybrid_reference():
    """The hybrid model, its float input and LiteRT BUILTIN_REF's output."""
    from ai_edge_litert import interpreter as litert

    model = _convert(_hybrid, [(2, 8, 9, 5)], HYBRID)
    ref = litert.Interpreter(
        model_content=model, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF, num_threads=1
    )
    ref.allocate_tensors()
    names = [o["op_name"] for o in ref._get_ops_details()]
    assert names.count("CONV_2D") == 2 and "FULLY_CONNECTED" in names, names
    assert "DEQUANTIZE" not in names, names  # hybrid kernels, not dequantized weights
    d = ref.get_input_details()[0]
    x = np.random.default_rng(7).uniform(-3, 2, size=d["shape"]).astype(np.float32)
    ref.set_tensor(d["index"], x)
    ref.invoke()
    return model, x, ref.get_tensor(ref.get_output_details()[0]["index"])


@pytest.mark.parametrize("threads", [1, 2])
def test_hybrid_exact_at_levels(hybrid_reference, isa_cap, threads):
    """Hybrid CONV_2D / FULLY_CONNECTED take the shared int8 GEMM in its row format for each level (uint8 rows and
    vpdpbusd at the VNNI levels): integer sums, so every level gives the same bits, equal to LiteRT BUILTIN_REF's."""
    model, x, want = hybrid_reference
    for level in LEVELS_HERE:
        assert isa_cap(level) == level
        it = _run_ours(model, x, threads)
        got = it.get_tensor(it.get_output_details()[0]["index"])
        assert np.array_equal(got, want), f"{level}: max |d| {np.max(np.abs(got - want))}"


def _scaled_output(model: bytes, op_name: str, factor: float) -> bytes:
    """The model with the output scale of every `op_name` node divided by factor (its readers see the new scale)."""
    import runtime_util as ru
    import tflite

    m = ru.model_object(model)
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in m.operatorCodes]
    want = getattr(tflite.BuiltinOperator, op_name)
    for op in m.subgraphs[0].operators:
        if codes[op.opcodeIndex] == want:
            q = m.subgraphs[0].tensors[op.outputs[0]].quantization
            q.scale = [s / factor for s in q.scale]
    return ru.pack_model(m)


@pytest.mark.parametrize("op_name", ["CONV_2D", "DEPTHWISE_CONV_2D"])
def test_multiplier_above_one_at_levels(reference, isa_cap, op_name):
    """Output scales divided by 300 make the requantization multipliers exceed 1 (a left shift before the doubling
    high multiply): the zmm GEMM / depthwise epilogues equal LiteRT BUILTIN_REF at every level."""
    from ai_edge_litert import interpreter as litert

    model, x, _ = reference["cnn"]
    model = _scaled_output(model, op_name, 300.0)
    ref = litert.Interpreter(
        model_content=model, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    ref.allocate_tensors()
    ref.set_tensor(ref.get_input_details()[0]["index"], x)
    ref.invoke()
    want = ref.get_tensor(ref.get_output_details()[0]["index"])
    for level in LEVELS_HERE:
        assert isa_cap(level) == level
        for threads in (1, 2):
            it = _run_ours(model, x, threads)
            got = it.get_tensor(it.get_output_details()[0]["index"])
            assert np.array_equal(got, want), (
                f"{level}, {threads} threads: {np.count_nonzero(got != want)} differ"
            )
