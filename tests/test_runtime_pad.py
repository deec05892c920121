"""PAD / PADV2 in our runtime: rows split over threads (trailing unpadded dims merged into rows), every thread count
giving LiteRT BUILTIN_REF's bytes exactly, for float, int8 (zero-point padding) and other element types."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

# (input shape, paddings, dtype, constant): big ones are split into several row tasks at 2-3 threads
CASES = {
    # ResNet50's stem pads: H and W padded, C not (rows of W * C elements after merging)
    "stem_230": ((1, 224, 224, 3), [[0, 0], [3, 3], [3, 3], [0, 0]], tf.float32, None),
    "pool_114": ((1, 112, 112, 64), [[0, 0], [1, 1], [1, 1], [0, 0]], tf.float32, None),
    # last dim padded: rows are not merged; batch padded: whole rows of padding
    "channels": ((2, 40, 40, 30), [[1, 0], [0, 2], [0, 0], [3, 5]], tf.float32, None),
    "padv2_const": ((1, 96, 96, 16), [[0, 0], [2, 1], [0, 3], [0, 0]], tf.float32, -1.5),
    "rank5": ((2, 6, 20, 20, 8), [[0, 0], [1, 1], [0, 0], [2, 2], [0, 0]], tf.float32, None),
    "rank1": ((70000,), [[5, 9]], tf.float32, 2.0),
    "int32": ((1, 128, 128, 8), [[0, 0], [1, 2], [2, 1], [0, 0]], tf.int32, 7),
    # only the batch padded: all dims merge into one row per batch
    "batch_only": ((3, 50, 50, 4), [[1, 2], [0, 0], [0, 0], [0, 0]], tf.float32, None),
}


def _pad_fn(shape, paddings, dtype, const):
    @tf.function(input_signature=[tf.TensorSpec(shape, dtype, name="x")])
    def f(x):
        if const is None:
            return tf.pad(x, paddings) * tf.constant(1, dtype)  # MUL keeps PAD off the output-only path
        return tf.pad(x, paddings, constant_values=const) * tf.constant(1, dtype)

    return f


def _check(model):
    ru.require_kernels(model)
    assert "PAD" in ru.model_ops(model) or "PADV2" in ru.model_ops(model), ru.model_ops(model)
    ref = ru.litert(model)
    inputs = ru.random_inputs(ref.get_input_details(), seed=4)
    want = ru.run(ref, inputs)
    for nt in (1, 2, 3):
        got = ru.run(ru.ours(model, num_threads=nt), inputs)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and g.shape == w.shape
            assert g.tobytes() == w.tobytes(), f"num_threads={nt}: {np.count_nonzero(g != w)} elements differ"


@pytest.mark.parametrize("name", list(CASES))
def test_pad_matches_litert_for_any_thread_count(name):
    _check(ru.convert(_pad_fn(*CASES[name])))


def test_int8_pad_uses_the_zero_point_for_any_thread_count():
    shape, paddings = (1, 112, 112, 32), [[0, 0], [1, 1], [1, 1], [0, 0]]

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32, name="x")])
    def f(x):
        return tf.nn.relu(tf.pad(x + 0.25, paddings))  # shifted so the zero point is not 0

    model = ru.convert(f, quantize="int8", representative=ru.rep_dataset([shape]), int8_io=True)
    _check(model)
