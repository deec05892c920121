"""Whole models in tflc's C runtime vs LiteRT's reference kernels (BUILTIN_REF): issue 3's acceptance matrix.

MobileNetV2, ResNet50, EfficientNetB0 and the transformer block (random weights, tests/corpus.py), each converted by
TensorFlow's converter to float32, dynamic range (hybrid), float16 weights and full int8 (int8 I/O), and by tflc's
converter (float32). Float outputs must agree within 1e-5 of the output's scale; integer outputs bit for bit.

Cost control: each Keras model is built and exported to a SavedModel once per module, each conversion is done once,
full-int8 calibration uses CALIBRATION_SAMPLES samples. LiteRT runs in a child process, since some of its kernel
checks abort the whole process (its softmax's PreprocessSoftmaxScaling on tiny int8 scales: the classifiers here end
without softmax, classifier_activation=None, so that the int8 output scale is not degenerate).
"""

from __future__ import annotations

import concurrent.futures
import gc
import hashlib
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from corpus import build, rel_error, run_tflc_runtime

pytestmark = pytest.mark.heavy

MODELS = ("mobilenet_v2", "resnet50", "efficientnet_b0", "transformer_block")
TF_MODES = ("float32", "dynamic_range", "float16", "int8")
CALIBRATION_SAMPLES = 2
BOUND = 1e-5

CASES = [(name, mode) for name in MODELS for mode in (*TF_MODES, "tflc")]


class _Models:
    """Builds, exports and converts lazily; keeps one Keras model alive at a time (the cases run model by model)."""

    def __init__(self, root: Path):
        self.root = root
        self.keras_name: str | None = None
        self.keras = None

    def model(self, name: str):
        if self.keras_name != name:
            self.keras = None
            gc.collect()
            self.keras, self.keras_name = build(name), name
        return self.keras

    def saved_model(self, name: str) -> Path:
        path = self.root / name / "saved_model"
        if not path.exists():
            self.model(name).export(str(path), verbose=False)
        return path

    def tflite(self, name: str, mode: str) -> Path:
        path = self.root / name / f"{mode}.tflite"
        if not path.exists():
            path.write_bytes(self._convert(name, mode))
        return path

    def _convert(self, name: str, mode: str) -> bytes:
        if mode == "tflc":
            from compiler import TFLiteConverter

            return TFLiteConverter.from_keras_model(self.model(name)).convert()
        import tensorflow as tf

        conv = tf.lite.TFLiteConverter.from_saved_model(str(self.saved_model(name)))
        if mode == "float16":
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.target_spec.supported_types = [tf.float16]
        elif mode == "dynamic_range":
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        elif mode == "int8":
            shapes = [[1 if d is None else d for d in t.shape] for t in self.model(name).inputs]

            def data():
                rng = np.random.default_rng(0)
                for _ in range(CALIBRATION_SAMPLES):
                    yield [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]

            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.representative_dataset = data
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        else:
            assert mode == "float32", mode
        return conv.convert()


class _Reference:
    """corpus.run_litert_reference in one long-lived child process; a crash there fails one test, not pytest."""

    def __init__(self):
        self.pool = None
        self.results: dict[tuple, list[np.ndarray]] = {}

    def __call__(self, path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
        from corpus import run_litert_reference

        key = (str(path), *(hashlib.sha256(x.tobytes()).hexdigest() for x in inputs))
        if key in self.results:
            return self.results[key]
        if self.pool is None:
            ctx = multiprocessing.get_context("spawn")
            self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
        try:
            self.results[key] = self.pool.submit(run_litert_reference, str(path), inputs).result()
            return self.results[key]
        except concurrent.futures.process.BrokenProcessPool:
            self.close()
            pytest.fail(f"LiteRT BUILTIN_REF crashed on {path.parent.name}/{path.name}")

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> _Models:
    return _Models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def reference():
    ref = _Reference()
    yield ref
    ref.close()


def _inputs(path: Path) -> list[np.ndarray]:
    """Seeded uniform(-1, 1) float inputs in input-detail order (int8 inputs are quantized when set)."""
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(1)
    return [
        rng.uniform(-1, 1, d["shape"]).astype(np.float32) for d in Interpreter(str(path)).get_input_details()
    ]


def _error(ours: list[np.ndarray], ref: list[np.ndarray]) -> tuple[float, bool]:
    """(worst error, within bounds): LSBs for integer outputs (bound 0), else relative to the output's scale."""
    worst, ok = 0.0, True
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
        if b.dtype.kind in "iu":
            err = float(np.abs(a.astype(np.int64) - b.astype(np.int64)).max())
            ok &= err == 0
        else:
            err = rel_error(a, b)
            ok &= err <= BOUND
        worst = max(worst, err)
    return worst, ok


@pytest.mark.parametrize(("name", "mode"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_converted_model_matches_litert_reference(models, reference, name: str, mode: str) -> None:
    """mode: a TensorFlow converter setting, or "tflc" (tflc's converter, float32)."""
    path = models.tflite(name, mode)
    x = _inputs(path)
    ref = reference(path, x)
    err, ok = _error(run_tflc_runtime(str(path), x), ref)
    # Hybrid ops quantize their float input on the fly, so dynamic-range models only meet the bound because the float
    # kernels upstream round exactly like LiteRT's reference kernels (no FMA contraction, same summation order).
    assert ok, f"max error {err:.3g} (bound: {BOUND} relative, integers exact)"


def _hybrid_probe_model(kind: str) -> bytes:
    """One hybrid op whose int8 weights are 127 on a diagonal: each output is one quantized input times known scales,
    so any difference in LiteRT's on-the-fly input quantization shows up as a different output."""
    import tensorflow as tf
    from runtime_util import convert

    c = 40
    if kind == "fc":
        w = np.zeros((c, c), np.float32)
        w[np.arange(c), np.arange(c)] = 1.0 + 0.01 * np.arange(c)
        sig = tf.TensorSpec((4, c), tf.float32)
        fn = tf.function(lambda x: tf.matmul(x, w), input_signature=[sig])
    else:
        w = np.zeros((1, 1, c, c), np.float32)
        # distinct per-channel scales select LiteRT's asymmetric per-channel path, equal ones the symmetric one
        w[0, 0, np.arange(c), np.arange(c)] = 1.0 + (
            0.01 * np.arange(c) if kind == "conv_per_channel" else 0.0
        )
        sig = tf.TensorSpec((1, 16, 16, c), tf.float32)
        fn = tf.function(lambda x: tf.nn.conv2d(x, w, 1, "SAME"), input_signature=[sig])
    return convert(fn, quantize="dynamic")


@pytest.mark.parametrize("kind", ["conv_per_channel", "conv_per_tensor", "fc"])
def test_hybrid_input_quantization_is_bit_exact(tmp_path, reference, kind: str) -> None:
    """Pins LiteRT's hybrid input quantization (its x86 wheel runs tensor_utils' NEON versions through NEON_2_SSE):
    asymmetric scale = (float)(rmax - rmin) / 255 in double, zero point added after rounding x / scale,
    round half away from zero. Inputs are put exactly on and next to rounding boundaries."""
    path = tmp_path / f"{kind}.tflite"
    path.write_bytes(_hybrid_probe_model(kind))
    from ai_edge_litert.interpreter import Interpreter

    assert any(
        np.dtype(t) == np.int8
        for op in Interpreter(str(path))._get_ops_details()
        for t in op["operand_types"]
    ), "weights were not quantized: not a hybrid op"
    shape = Interpreter(str(path)).get_input_details()[0]["shape"]
    rng = np.random.default_rng(0)
    for lo, hi in [(0.0, 1.7), (-0.8, 1.1), (-0.01, 0.9), (-2.0, 0.3)]:
        x = rng.uniform(lo, hi, shape).astype(np.float32)
        flat = x.reshape(-1)
        flat[0], flat[1] = lo, hi
        # x / scale exactly at k + 1/2 (and one ulp around it) for the symmetric and asymmetric scales
        n = (flat.size - 2) // 3
        for j, scale in enumerate([(hi - lo) / 255.0, max(abs(lo), abs(hi)) / 127.0]):
            k = rng.integers(-120, 120, n // 2) + 0.5
            v = np.clip(k * scale, lo, hi).astype(np.float32)
            v[::3] = np.nextafter(v[::3], np.float32(np.inf))
            v[1::3] = np.nextafter(v[1::3], np.float32(-np.inf))
            flat[2 + j * n : 2 + j * n + v.size] = v
        ours = run_tflc_runtime(str(path), [x])
        ref = reference(path, [x])
        assert np.array_equal(ours[0], ref[0]), (
            f"range [{lo}, {hi}]: {np.sum(ours[0] != ref[0])} outputs differ"
        )
