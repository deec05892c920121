"""The runtime against hostile files and misuse of its Python API (issue 14, deliverables 2 and 5).

Hostile files: each input `make fuzz` (ASan+UBSan) found is kept in tests/data/hostile/ and loaded here through
runtime.Interpreter: it must fail with a clear error at load/allocate/invoke, or run in bounded time. The generated
variants (`python tests/test_runtime_hostile.py --write tests/data/hostile`, needs TensorFlow) are small real
models from TF's converter with one field set to a hostile value; where LiteRT (BUILTIN_REF) runs the same file,
our outputs must equal its.

API: LiteRT refuses allocate_tensors(), resize_tensor_input() and invoke() while a numpy view from tensor() is
alive ("There is at least 1 reference to internal data ..."); get_tensor() copies and never blocks anything.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "hostile")
VIEWS_ALIVE = "There is at least 1 reference to internal data"


def _load(name: str) -> bytes:
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def _run_all(model: bytes, **kw):
    """load -> allocate -> invoke with zero inputs (what the fuzz harness does first); returns the outputs."""
    from runtime import Interpreter

    kw.setdefault("num_threads", 1)
    it = Interpreter(model_content=model, **kw)
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


# ---------------------------------------------------------------------------------------------------------------
# Reproducers found by make fuzz
# ---------------------------------------------------------------------------------------------------------------


def test_reshape_reproducer_is_refused():
    """The fuzz input (a mutated int16 CNN) fails with an error naming a node; run under ASan it is clean
    (runtime/fuzz/fuzz.sh repro tests/data/hostile/*.tflite)."""
    with pytest.raises((ValueError, RuntimeError), match=r"\(subgraph \d+, node \d+\)"):
        _run_all(_load("reshape-9-element-shape-stack-overflow.tflite"))


@pytest.mark.parametrize("n", [8, 9, 12])
def test_reshape_shape_tensor_longer_than_max_rank(n):
    """A 9-element shape tensor wrote od[8] past int32_t od[TFL_MAX_RANK] (ASan stack-buffer-overflow): the shape
    input of a RESHAPE (known only at invoke) with more than 8 elements is refused; 8 works, as in LiteRT."""
    from runtime import Interpreter

    it = Interpreter(model_content=_seed("reshape_dynamic"), num_threads=1)
    x, s = sorted(it.get_input_details(), key=lambda d: d["dtype"] != np.float32)
    it.resize_tensor_input(s["index"], [n])
    it.allocate_tensors()
    it.set_tensor(x["index"], np.arange(24, dtype=np.float32).reshape(x["shape"]))
    it.set_tensor(s["index"], np.array([2, 3, 4] + [1] * (n - 3), np.int32))
    if n <= 8:
        it.invoke()
        out = it.get_tensor(it.get_output_details()[0]["index"])
        np.testing.assert_array_equal(out.reshape(-1), np.arange(24, dtype=np.float32))
        assert out.shape == (2, 3, 4) + (1,) * (n - 3)
    else:
        with pytest.raises(
            (ValueError, RuntimeError), match="RESHAPE: shape tensor has more than 8 elements"
        ):
            it.invoke()


def test_zero_sized_input_with_huge_dims_is_refused_quickly():
    """Input [16777216, 1048576, 0, 3] has no elements, but the conv loops over its outer dimensions ran for minutes:
    the per-invoke work bound refuses it at allocate_tensors, naming the node and the override."""
    t0 = time.monotonic()
    with pytest.raises((ValueError, RuntimeError), match="work bound.*TFLRT_MAX_WORK"):
        _run_all(_load("slow-over-10s.tflite"))
    assert time.monotonic() - t0 < 5


def test_work_bound_is_overridable(monkeypatch):
    """TFLRT_MAX_WORK lowers (or raises, or with 0 removes) the bound; a real model runs under the default."""
    model = _seed("cnn_int8")
    _run_all(model)  # default bound: runs
    monkeypatch.setenv("TFLRT_MAX_WORK", "5000")
    with pytest.raises((ValueError, RuntimeError), match="work bound of 5e\\+03"):
        _run_all(model)


# ---------------------------------------------------------------------------------------------------------------
# Open UBSan reports, each with a generated file
# ---------------------------------------------------------------------------------------------------------------


def test_conv_dilation_overflowing_int_index_math_is_refused():
    """dilation_h_factor 1099019388 made `fy * dilation` overflow int (conv_q.c signed overflow)."""
    with pytest.raises((ValueError, RuntimeError), match="CONV_2D: stride or dilation too large"):
        _run_all(_load("conv-huge-dilation.tflite"))


def test_int16_conv_with_int64_bias_at_its_limit_matches_litert():
    """An int64 bias of INT64_MAX overflowed `acc + bias` (int64 signed overflow); the sum now wraps as LiteRT's
    does on every machine it runs on, so the outputs equal BUILTIN_REF's."""
    model = _load("conv16-int64-bias-max.tflite")
    ru.compare_with_litert(model)


def test_activation_range_with_tiny_output_scale_runs_defined():
    """An output scale of 1e-38 on a RELU6-fused conv pushed zero_point + 6 / scale past int32 (act range
    overflow); the range is computed in int64 and clamped to the type, so the conv runs and saturates."""
    out = _run_all(_load("conv-relu6-tiny-output-scale.tflite"))
    assert out[0].dtype == np.int8 and out[0].size > 0
    assert np.all((out[0] >= -128) & (out[0] <= 127))


def test_int16_logistic_with_huge_input_scale_matches_litert():
    """An int16 LOGISTIC input scale of 1e10 made the input multiplier 1.2e14, converted to int32 (activation_q.c
    UB, found by make fuzz); it is now x86's out-of-range result as LiteRT computes it, so outputs equal
    BUILTIN_REF's."""
    ru.compare_with_litert(_load("logistic16-huge-input-scale.tflite"))


def test_empty_tensor_without_storage_is_refused_cleanly():
    """make fuzz (UBSan) found BATCH_MATMUL offsetting the NULL data pointer of a zero-element operand (NULL + 0 in
    fc_f32.c); every empty tensor without storage now gets a valid pointer before a kernel sees it (interp.c), and
    the reproducer runs to a clear error (`fuzz.sh repro` checks it under ASan+UBSan)."""
    with pytest.raises(RuntimeError, match="has no data"):
        _run_all(_load("bmm-empty-operand-null-data.tflite"))


def test_hybrid_batch_matmul_with_empty_filter_is_defined():
    """make fuzz (UBSan) found the hybrid BATCH_MATMUL prepare dividing by N * K = 0 (hybrid.c); an empty filter
    now has nothing to transpose, and the reproducer runs to a clear error (`fuzz.sh repro` checks it under
    ASan+UBSan)."""
    with pytest.raises(RuntimeError, match="RESIZE_BILINEAR"):
        _run_all(_load("hybrid-bmm-empty-filter.tflite"))


def test_space_to_depth_with_a_huge_block_is_refused():
    """make fuzz (UBSan) found SPACE_TO_DEPTH's size check itself overflowing int64 (block_size^2 * C with a block
    of ~1e9, strided_view.c); the check bounds block_size^2 first, so the file is refused cleanly."""
    with pytest.raises(RuntimeError, match="block_size too large"):
        _run_all(_load("depth-to-space-huge-block.tflite"))


def test_hybrid_conv_with_empty_input_is_defined():
    """make fuzz (UBSan) found the parallel hybrid input quantization dividing by a task size of 0 when the conv's
    input has no elements (hybrid.c q_minmax; LiteRT's verifier rejects the file); it now quantizes nothing and the
    model runs (`fuzz.sh repro` checks it under ASan+UBSan)."""
    out = _run_all(_load("hybrid-conv-empty-input.tflite"))
    assert [o.shape for o in out] == [(1, 5)] and np.all(np.isfinite(out[0]))


def test_conv_with_huge_stride_is_defined():
    """make fuzz (UBSan) found float CONV_2D's prepare overflowing int when it computed the output columns whose
    windows lie inside the input (conv_f32.c, the direct-convolution bounds) with a stride of 2^31 - 1; they are
    computed in 64 bits now and the model runs (`fuzz.sh repro` checks it under ASan+UBSan)."""
    out = _run_all(_load("conv-huge-stride-direct-columns.tflite"))
    assert [o.shape for o in out] == [(1, 5)] and np.all(np.isfinite(out[0]))


def test_int8_relu_range_with_tiny_output_scale_is_defined():
    """make fuzz (UBSan) found int8 RELU6's prepare overflowing int: with an output scale so small that 6 / scale
    saturates, zero point + that passed INT32_MAX (activation_q.c); the range is computed in 64 bits now. The mutated
    file then stops at a later node it made unsupported (`fuzz.sh repro` checks it under ASan+UBSan)."""
    with pytest.raises(RuntimeError, match=r"RELU6 version 2 \(subgraph 0, node 4\)"):
        _run_all(_load("relu-act-range-tiny-output-scale.tflite"))


def test_depthwise_left_edge_forms_no_pointer_before_the_row():
    """make fuzz (UBSan) found the AVX-512 float depthwise's 3x3 edge path forming a pointer one pixel before the
    input row at a left edge (ix0 = -1; conv_f32.c, pointer overflow); it now forms pointers only to valid taps
    (`fuzz.sh repro` checks it under ASan+UBSan). The mutated file (LiteRT rejects its FlatBuffer) runs, with the same
    bytes on every ISA level the CPU has and at 1 and 2 threads."""
    base = _same_on_every_level(_load("dw-left-edge-pointer-before-row.tflite"))
    assert all(np.all(np.isfinite(o)) for o in base)


def test_int8_conv_bias_overflowing_int32_wraps():
    """make fuzz (UBSan) found the int8 CONV_2D's per-pixel path adding a bias near INT32_MAX to its accumulator in
    signed int (conv_q.c, undefined overflow); the sum wraps in 32 bits now, as LiteRT's int32 arithmetic does on the
    CPUs it runs on. The mutated file (LiteRT rejects its FlatBuffer) runs with the same bytes on every level."""
    _same_on_every_level(_load("conv8-bias-add-int32-overflow.tflite"))


def _same_on_every_level(model: bytes):
    """Runs the model (zero inputs) on every ISA level the CPU has at 1 and 2 threads; asserts the same bytes every
    time and returns the outputs."""
    from runtime import _tflrt

    base = _run_all(model)
    assert base
    try:
        for isa in ru.isa_levels():
            _tflrt.set_isa(isa)
            for threads in (1, 2):
                got = _run_all(model, num_threads=threads)
                assert all(np.array_equal(g, b) for g, b in zip(got, base, strict=True)), (isa, threads)
    finally:
        _tflrt.set_isa(None)
    return base


@pytest.mark.parametrize("name", ["exp16-zero-output-scale.tflite"])
def test_int16_lut_with_zero_scale_is_refused(name):
    """A zero int16 output scale made the LUT 0 * inf = NaN, converted to int16 (activation_q.c UB)."""
    with pytest.raises((ValueError, RuntimeError), match="scales must be positive"):
        _run_all(_load(name))


def test_int8_softmax_with_negative_left_shift_is_refused():
    """An input scale of 1e-9 made the int8 SOFTMAX left shift negative (shift exponent -7, found by
    test_runtime_fuzz.py under ASan+UBSan); the input radius was a double beyond int range cast to int."""
    with pytest.raises((ValueError, RuntimeError), match="SOFTMAX: beta \\* input scale out of range"):
        _run_all(_load("softmax8-tiny-input-scale.tflite"))


# The reproducers the runtime refuses, and what its error says: `tflc run` on each ends in one `error:` line.
REFUSED = [
    ("reshape-9-element-shape-stack-overflow.tflite", r"\(subgraph \d+, node \d+\)"),
    ("slow-over-10s.tflite", "work bound.*TFLRT_MAX_WORK"),
    ("conv-huge-dilation.tflite", "CONV_2D: stride or dilation too large"),
    ("bmm-empty-operand-null-data.tflite", "has no data"),
    ("hybrid-bmm-empty-filter.tflite", "RESIZE_BILINEAR"),
    ("exp16-zero-output-scale.tflite", "scales must be positive"),
    ("softmax8-tiny-input-scale.tflite", "SOFTMAX: beta \\* input scale out of range"),
    ("depth-to-space-huge-block.tflite", "SPACE_TO_DEPTH: block_size too large"),
]


@pytest.mark.parametrize("name,needle", REFUSED, ids=[n.removesuffix(".tflite") for n, _ in REFUSED])
def test_cli_run_refuses_reproducer(name, needle):
    """`tflc run FILE` (seeded random inputs): exit code 1, one `error:` line carrying the runtime's message (a
    model error, not an "internal error"), no traceback."""
    import re

    from typer.testing import CliRunner

    from compiler.cli import app

    result = CliRunner().invoke(app, ["run", os.path.join(DATA, name)], env={"TFLC_TRACEBACK": ""})
    text = result.stdout + result.stderr
    errors = [ln for ln in text.splitlines() if ln.startswith("error:")]
    assert result.exit_code == 1 and len(errors) == 1 and "Traceback" not in text, text
    assert re.search(needle, errors[0]) and "internal error" not in errors[0], text


# ---------------------------------------------------------------------------------------------------------------
# Python API: views onto tensor storage
# ---------------------------------------------------------------------------------------------------------------


def _seed(name: str) -> bytes:
    return _load(f"seed-{name}.tflite")


@pytest.mark.parametrize("call", ["allocate_tensors", "resize_tensor_input", "invoke"])
def test_live_tensor_view_blocks_reallocation_like_litert(call):
    """With a tensor() view alive, the calls that may move tensor storage raise LiteRT's RuntimeError, for both
    interpreters; after the view is dropped they work."""
    model = _seed("mixed_dynamic")
    msgs = []
    for make in (ru.litert, ru.ours):
        it = make(model)
        it.allocate_tensors()
        idx = it.get_input_details()[0]["index"]
        view = it.tensor(idx)()
        args = {"allocate_tensors": (), "resize_tensor_input": (idx, [4, 6]), "invoke": ()}[call]
        with pytest.raises(RuntimeError, match=VIEWS_ALIVE) as e:
            getattr(it, call)(*args)
        msgs.append(str(e.value))
        del view
        gc.collect()
        getattr(it, call)(*args)
    assert msgs[0] == msgs[1]


def _fill_first_input(it, value: float) -> dict:
    """Allocates `it` and sets its first (float) input to `value` everywhere; returns that input's details."""
    it.allocate_tensors()
    d = it.get_input_details()[0]
    it.set_tensor(d["index"], np.full(d["shape"], value, np.float32))
    return d


def test_get_tensor_copies_do_not_block():
    """get_tensor() returns a copy (as LiteRT's): holding it blocks nothing, and it keeps its values."""
    model = _seed("mixed_dynamic")
    for make in (ru.litert, ru.ours):
        it = make(model)
        d = _fill_first_input(it, 3.0)
        copy = it.get_tensor(d["index"])
        it.resize_tensor_input(d["index"], [5, 6])
        it.allocate_tensors()
        it.invoke()
        np.testing.assert_array_equal(copy, np.full(d["shape"], 3.0, np.float32))


def test_view_keeps_interpreter_storage_alive():
    """A view outliving its Interpreter object still reads the tensor (the storage holds the C interpreter), and a
    view from one tensor() call written through is what invoke reads."""
    model = _seed("mixed_dynamic")
    it = ru.ours(model)
    d = _fill_first_input(it, 2.5)
    view = it.tensor(d["index"])()
    del it
    gc.collect()
    for _ in range(3):  # churn the allocator: freed memory would be reused here
        _ = [bytearray(1 << 16) for _ in range(64)]
    np.testing.assert_array_equal(view, np.full(d["shape"], 2.5, np.float32))
    view[...] = 1.0
    np.testing.assert_array_equal(view, np.ones(d["shape"], np.float32))


def test_set_tensor_from_its_own_view():
    """set_tensor(i, tensor(i)()) copies a buffer onto itself (memmove: overlapping memcpy is undefined; ASan's
    memcpy-param-overlap), and the values stay as LiteRT keeps them."""
    model = _seed("mixed_dynamic")
    for make in (ru.litert, ru.ours):
        it = make(model)
        d = _fill_first_input(it, 4.0)
        it.set_tensor(d["index"], it.tensor(d["index"])())
        np.testing.assert_array_equal(it.get_tensor(d["index"]), np.full(d["shape"], 4.0, np.float32))


def test_constant_views_are_read_only():
    model = _seed("cnn_f32")
    it = ru.ours(model)
    it.allocate_tensors()
    consts = [d for d in it.get_tensor_details() if it._c.tensor_info(0, d["index"])[7] == 1]
    assert consts
    v = it.tensor(consts[0]["index"])()
    with pytest.raises(ValueError, match="read-only"):
        v[...] = 0


# ---------------------------------------------------------------------------------------------------------------
# Generator of the variants (run once with TensorFlow; the files are committed)
# ---------------------------------------------------------------------------------------------------------------


def _opcode(m, name: str) -> int:
    from tensorflow.lite.python import schema_py_generated as schema

    code = getattr(schema.BuiltinOperator, name)
    for i, oc in enumerate(m.operatorCodes):
        if max(oc.builtinCode, oc.deprecatedBuiltinCode) == code:
            return i
    raise KeyError(name)


def _ops(m, name: str):
    k = _opcode(m, name)
    return [op for op in m.subgraphs[0].operators if op.opcodeIndex == k]


def write_variants(out_dir: str) -> None:
    import tensorflow as tf

    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32)])
    def conv(x):
        return tf.nn.relu6(tf.nn.conv2d(x, w, 1, "SAME") + 0.1)

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32), tf.TensorSpec([None, 6], tf.float32)])
    def mixed(a, b):
        return tf.reduce_mean(tf.concat([a * b, a - b], axis=1), axis=1)

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32)])
    def exp(x):
        return tf.exp(x)

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32)])
    def sigmoid(x):
        return tf.sigmoid(x)

    @tf.function(input_signature=[tf.TensorSpec([24], tf.float32), tf.TensorSpec([None], tf.int32)])
    def reshape(x, s):
        return tf.reshape(x, s)

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32)])
    def softmax(x):
        return tf.nn.softmax(x)

    softmax8 = ru.convert(softmax, quantize="int8", representative=ru.rep_dataset([(1, 16)]), int8_io=True)
    m = ru.model_object(softmax8)
    op = _ops(m, "SOFTMAX")[0]
    m.subgraphs[0].tensors[op.inputs[0]].quantization.scale = [1e-9]

    rep = ru.rep_dataset([(1, 8, 8, 3)])
    files = {
        "softmax8-tiny-input-scale": ru.pack_model(m),
        "seed-reshape_dynamic": ru.convert(reshape),
        "seed-cnn_f32": ru.convert(conv),
        "seed-cnn_int8": ru.convert(conv, quantize="int8", representative=rep, int8_io=True),
        "seed-mixed_dynamic": ru.convert(mixed),
    }
    conv16 = ru.convert(conv, quantize="int16x8", representative=rep)
    exp16 = ru.convert(exp, quantize="int16x8", representative=ru.rep_dataset([(1, 16)]))

    m = ru.model_object(files["seed-cnn_int8"])
    _ops(m, "CONV_2D")[0].builtinOptions.dilationHFactor = 1099019388
    files["conv-huge-dilation"] = ru.pack_model(m)

    m = ru.model_object(files["seed-cnn_int8"])
    op = _ops(m, "CONV_2D")[0]
    m.subgraphs[0].tensors[op.outputs[0]].quantization.scale = [1e-38]
    files["conv-relu6-tiny-output-scale"] = ru.pack_model(m)

    m = ru.model_object(conv16)
    op = _ops(m, "CONV_2D")[0]
    bias = m.subgraphs[0].tensors[op.inputs[2]]
    buf = m.buffers[bias.buffer]
    b = np.frombuffer(bytes(np.asarray(buf.data, np.uint8)), np.int64).copy()
    b[0] = np.iinfo(np.int64).max
    b[1] = np.iinfo(np.int64).min
    buf.data = np.frombuffer(b.tobytes(), np.uint8)
    files["conv16-int64-bias-max"] = ru.pack_model(m)

    m = ru.model_object(exp16)
    op = _ops(m, "EXP")[0]
    m.subgraphs[0].tensors[op.outputs[0]].quantization.scale = [0.0]
    files["exp16-zero-output-scale"] = ru.pack_model(m)

    m = ru.model_object(ru.convert(sigmoid, quantize="int16x8", representative=ru.rep_dataset([(1, 16)])))
    op = _ops(m, "LOGISTIC")[0]
    m.subgraphs[0].tensors[op.inputs[0]].quantization.scale = [1e10]
    files["logistic16-huge-input-scale"] = ru.pack_model(m)

    for name, data in files.items():
        with open(os.path.join(out_dir, name + ".tflite"), "wb") as f:
            f.write(data)
        print(name, len(data))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", metavar="DIR", required=True)
    write_variants(ap.parse_args().write)
