"""Full-integer int8 quantization of the five big corpus models (tests/corpus.py), TensorFlow 2.21's converter next to
ours on the same Keras model and the same seeded representative data (16 samples):

- no more operators than TF's file;
- for >= 95% of TF's int8 activation tensors that have a counterpart in ours, our scale is within 1% of TF's and the
  zero point within 1;
- SQNR of our int8 model's output against the float Keras output >= TF's int8 model's SQNR - 0.5 dB;
- our file runs in LiteRT's reference kernels (BUILTIN_REF) and in tflc's runtime to identical outputs.

Activations are matched through the graphs (tests/test_quantize_int8.py `match_activations`), not by position or
name: the two files order independent branches differently (ResNet's shortcut convolution, the attention's Q/K/V
projections), TF keeps ops that tflc's float pipeline folds (the attention scale MUL, dynamic-batch
SHAPE/PACK/RESHAPE) and writes the layer norm's centring as NEG/MUL/ADD where ours has SUB.

One TF conversion and one of ours per model (module-scoped fixture); a table of the figures is printed at the end."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import corpus  # noqa: E402
import runtime_util as ru  # noqa: E402
from test_quantize_int8 import activation_agreement, assert_same_versions, sqnr  # noqa: E402

from compiler import TFLiteConverter  # noqa: E402

pytestmark = pytest.mark.heavy

MODELS = ["mobilenet_v2", "resnet50", "efficientnet_b0", "mobilenet_v3_small", "transformer_block"]
# Keras applications with their preprocessing built in (Rescaling / Normalization) take pixels in [0, 255].
PIXELS = {"efficientnet_b0", "mobilenet_v3_small"}
SAMPLES = 16
EVAL = 8
RESULTS: dict[str, dict[str, float]] = {}


def _input_range(name: str) -> tuple[float, float]:
    return (0.0, 255.0) if name in PIXELS else (-1.0, 1.0)


def _litert_outputs(model: bytes, xs: list[np.ndarray]) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model, num_threads=1)
    return np.concatenate([corpus.run_interpreter(it, [x])[0] for x in xs])


@pytest.fixture(scope="module", params=MODELS)
def converted(request, tmp_path_factory):
    """(name, Keras model, our int8 file, TF's int8 file, input shape) for one model."""
    import tensorflow as tf

    name = request.param
    model = corpus.build(name)
    shape = [1 if d is None else d for d in model.inputs[0].shape]
    lo, hi = _input_range(name)
    files = []
    for cls in (TFLiteConverter, tf.lite.TFLiteConverter):
        c = cls.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = ru.rep_dataset([shape], n=SAMPLES, seed=0, lo=lo, hi=hi)
        files.append(c.convert())
    path = tmp_path_factory.mktemp(name) / "ours.tflite"
    path.write_bytes(files[0])
    return name, model, files[0], files[1], shape, str(path)


def test_int8_side_by_side(converted):
    name, model, ours, theirs, shape, path = converted
    lo, hi = _input_range(name)
    rng = np.random.default_rng(7)
    xs = [rng.uniform(lo, hi, shape).astype(np.float32) for _ in range(EVAL)]

    n_ours, n_tf = corpus.count_ops(ours), corpus.count_ops(theirs)
    frac, worst, worst_zp, matched, worst_name = activation_agreement(ours, theirs, xs[0])
    ref = np.concatenate([np.asarray(model(x)) for x in xs])
    s_ours, s_tf = sqnr(ref, _litert_outputs(ours, xs)), sqnr(ref, _litert_outputs(theirs, xs))
    RESULTS[name] = {
        "ops": n_ours,
        "tf_ops": n_tf,
        "match": frac,
        "matched": matched,
        "worst": worst,
        "worst_zp": worst_zp,
        "sqnr": s_ours,
        "tf_sqnr": s_tf,
    }
    print(f"\n{name}: {RESULTS[name]} (worst: {worst_name})")
    assert n_ours <= n_tf, f"{n_ours} operators, TF {n_tf}"
    assert_same_versions(ours, theirs)
    assert frac >= 0.95, f"{frac:.1%} of {matched} activations match TF's (worst {worst:.2%} / zp {worst_zp})"
    # our file in LiteRT's reference kernels and in tflc's runtime, bit for bit
    got = corpus.run_tflc_runtime(path, xs[:1])
    want = corpus.run_litert_reference(path, xs[:1])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert s_ours >= s_tf - 0.5, f"SQNR {s_ours:.2f} dB vs TF's {s_tf:.2f} dB"


@pytest.fixture(scope="module", autouse=True)
def _table(request):
    yield
    if not RESULTS:
        return
    lines = [
        "",
        "model               ops ours/TF  scales within 1%  worst scale diff  worst zp  SQNR ours/TF dB",
    ]
    for name, r in RESULTS.items():
        lines.append(
            f"{name:20s}{r['ops']:4d} / {r['tf_ops']:<6d}  {r['match']:6.1%} of {r['matched']:<4d}     "
            f"{r['worst']:10.2e}      {r['worst_zp']:4d}    {r['sqnr']:6.2f} / {r['tf_sqnr']:.2f}"
        )
    capture = request.config.pluginmanager.get_plugin("capturemanager")  # shown without -s too
    with capture.global_and_fixture_disabled():
        print("\n".join(lines))
