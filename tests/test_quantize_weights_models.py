"""Dynamic-range and float16 quantization of the issue-9 acceptance models next to TensorFlow 2.21's converter:
MobileNetV2, ResNet50, EfficientNetB0, MobileNetV3Small, the transformer block (tests/corpus.py) and a CNN trained on
scikit-learn's digits (MLP and small CNN: tests/test_quantize_weights.py).

Per model and mode, one TF and one tflc conversion: every weight buffer TF quantizes is byte-identical in ours (same
storage type, shape, scales, zero points and quantized dimension); the versions of the ops both files use, the
min_runtime_version and CONVERSION_METADATA's options agree; LiteRT (BUILTIN_REF) runs both files to outputs within
1e-6 of the output's scale; our C runtime (libm math, `_exact_math`) runs both files bit-exact against LiteRT
BUILTIN_REF.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import runtime_util as ru  # noqa: E402
import test_quantize_weights as tqw  # noqa: E402

OUTPUT_RTOL = 1e-6
MODES = ("dynamic", "float16")
MODELS = [
    "mobilenet_v2",
    "resnet50",
    "efficientnet_b0",
    "mobilenet_v3_small",
    "transformer_block",
    "digits_cnn",
]


def _build(name: str):
    import keras

    if name == "digits_cnn":
        pytest.importorskip("sklearn.datasets")
        model, d = corpus.digits_cnn()
        return model, d["x_test"][:32] / np.float32(16)
    keras.utils.set_random_seed(0)
    model = corpus.MODELS[name]()
    return model, None


_FILES: dict[str, dict] = {}


def conversions(name: str) -> dict:
    """{mode: (TF's file, ours)} plus the evaluation inputs; one model kept alive at a time."""
    if name not in _FILES:
        import tensorflow as tf

        from compiler import TFLiteConverter

        _FILES.clear()
        model, data = _build(name)
        files = {
            mode: (
                tqw._convert(tf.lite.TFLiteConverter, model, mode, tf),
                tqw._convert(TFLiteConverter, model, mode, tf),
            )
            for mode in MODES
        }
        details = ru.litert(files["dynamic"][0]).get_input_details()
        inputs = [data[:1]] if data is not None else ru.random_inputs(details, seed=1)
        _FILES[name] = {"files": files, "inputs": inputs}
        del model
    return _FILES[name]


def softmax_betas(model: bytes) -> set[float]:
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    betas = set()
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        oc = m.OperatorCodes(op.OpcodeIndex())
        if max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()) == tflite.BuiltinOperator.SOFTMAX:
            opts = tflite.SoftmaxOptions()
            table = op.BuiltinOptions()
            opts.Init(table.Bytes, table.Pos)
            betas.add(opts.Beta())
    return betas


def weight_agreement(theirs: bytes, mine: bytes) -> tuple[int, int, list[str]]:
    """(weights TF quantizes, how many are byte-identical in ours, what differs). A float16 scalar TF keeps as the
    operand of a MUL before a SOFTMAX is, in ours, that SOFTMAX's beta (folded by the float pipeline) with the same
    float16 value: counted as not identical, but not a difference."""
    want, got = tqw.quantized_weights(theirs), tqw.quantized_weights(mine)
    betas = softmax_betas(mine)
    extra = list(got)
    problems = []
    identical = 0
    for w in want:
        if w in extra:
            extra.remove(w)
            identical += 1
        elif w[0] == "FLOAT16" and w[1] == () and float(np.frombuffer(w[2], np.float16)[0]) in betas:
            continue
        else:
            problems.append(f"TF's {w[0]} {list(w[1])} not byte-identical in ours")
    # tflc keeps all-zero biases TF's optimizer drops (a float-pipeline difference): stored as zeros.
    problems += [f"ours quantizes {t[0]} {list(t[1])}, TF does not" for t in extra if any(t[2])]
    return len(want), identical, problems


@pytest.mark.heavy
@pytest.mark.parametrize("name", MODELS)
def test_weights_and_outputs_match_tf(name):
    entry = conversions(name)
    inputs = entry["inputs"]
    for mode in MODES:
        theirs, mine = entry["files"][mode]
        n, identical, problems = weight_agreement(theirs, mine)
        assert n, f"{name} {mode}: TF quantized nothing"
        (ops_mine, rt_mine), (ops_theirs, rt_theirs) = tqw.op_versions(mine), tqw.op_versions(theirs)
        shared = set(ops_mine) & set(ops_theirs)
        assert {k: ops_mine[k] for k in shared} == {k: ops_theirs[k] for k in shared}
        assert rt_mine == rt_theirs
        meta_mine, meta_theirs = tqw.metadata(mine), tqw.metadata(theirs)
        assert meta_mine.get("reduced_precision_support") == meta_theirs.get("reduced_precision_support")
        assert tqw.optimization_modes(meta_mine["CONVERSION_METADATA"]) == tqw.optimization_modes(
            meta_theirs["CONVERSION_METADATA"]
        )
        want = ru.run(ru.litert(theirs), inputs)
        got = ru.run(ru.litert(mine), inputs)
        rel = tqw._max_rel(got, want)
        runtime_ours = tqw._max_rel(ru.run(ru.ours(mine, _exact_math=True), inputs), got)
        runtime_tf = tqw._max_rel(ru.run(ru.ours(theirs, _exact_math=True), inputs), want)
        print(
            f"\n| {name} | {mode} | {n} | {identical} | {rel:.3g} | "
            f"{'yes' if runtime_ours == 0 and runtime_tf == 0 else f'no ({runtime_ours:.3g}, {runtime_tf:.3g})'} |"
        )
        assert not problems, f"{name} {mode}: {problems}"
        assert rel <= OUTPUT_RTOL, f"{name} {mode}: LiteRT outputs of the two files {rel:g} apart"
        assert runtime_ours == 0, (
            f"{name} {mode}: our runtime vs LiteRT BUILTIN_REF on our file: {runtime_ours:g}"
        )
        assert runtime_tf == 0, (
            f"{name} {mode}: our runtime vs LiteRT BUILTIN_REF on TF's file: {runtime_tf:g}"
        )
