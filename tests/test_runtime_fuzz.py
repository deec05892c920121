"""Fuzzing of the runtime over real models (TensorFlow's converter output and a FlatBuffer-built LSTM).

Each mutated file is loaded, allocated and invoked in this process: a crash kills the test run, which is the
point. Malformed files must raise ValueError (load) or ValueError/RuntimeError (allocate/invoke); anything else
fails the test. Besides the random byte mutator (bounded by TFLRT_FUZZ_SECONDS, default 30) there are exhaustive
tests: every truncation, every single-bit flip, and every vector/string length set to oversized values.

Long runs use the coverage-guided ASan+UBSan C harness: `make fuzz` (runtime/fuzz/fuzz.sh; FUZZ_RUNS=, default
1,000,000). It writes its seeds with `python tests/test_runtime_fuzz.py --write-seeds DIR` (needs TensorFlow). This
file's Python driver still runs saved inputs: `--run FILE`, or `--seeds DIR --iterations N --rng 1`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402

MAX_TENSOR_BYTES = 1 << 22  # bounds memory and time of a mutated model's tensors
INTERESTING32 = [0, 1, 2, 3, 4, 7, 8, 16, 64, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF,
                 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFF0]  # fmt: skip


def seed_models(flex: bool = False) -> dict[str, bytes]:
    """Small real models covering the structures the reader handles: options tables, a residual ADD, quantization
    (int8, int16x8, dynamic range, float16), several subgraphs with signatures, IF/WHILE, dynamic shapes, a fused LSTM
    (written with the FlatBuffer bindings) and, with flex=True, a select-TF model (not fuzzed in Python: a mutated
    NodeDef goes to TensorFlow itself; the C harness runs it with a stand-in Flex handler)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    models = {}
    w = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    dw = rng.normal(size=(3, 3, 4, 1)).astype(np.float32)
    fcw = rng.normal(size=(16, 5)).astype(np.float32)

    w2 = np.random.default_rng(1).normal(size=(1, 1, 4, 4)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32)])
    def cnn(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w, 1, "SAME") + 0.1)
        y = tf.nn.conv2d(y, w2, 1, "VALID") + y  # a skip connection: the float ADD runs inside the conv
        y = tf.nn.depthwise_conv2d(y, dw, [1, 2, 2, 1], "SAME")
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = tf.reshape(y, [1, 16])
        return tf.nn.softmax(tf.matmul(y, fcw))

    models["cnn_f32"] = ru.convert(cnn)
    models["cnn_int8"] = ru.convert(
        cnn, quantize="int8", representative=ru.rep_dataset([(1, 8, 8, 3)]), int8_io=True
    )
    models["cnn_int16"] = ru.convert(cnn, quantize="int16x8", representative=ru.rep_dataset([(1, 8, 8, 3)]))
    models["cnn_f16"] = ru.convert(cnn, quantize="float16")
    hw = rng.normal(size=(3, 3, 16, 8)).astype(np.float32)  # >= 1024 weights: dynamic range quantizes them
    hfc = rng.normal(size=(72, 16)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 6, 6, 16], tf.float32)])
    def hybrid(x):
        y = tf.nn.relu(tf.nn.conv2d(x, hw, 2, "SAME"))
        return tf.matmul(tf.reshape(y, [1, 72]), hfc)

    models["hybrid"] = ru.convert(hybrid, quantize="dynamic")

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32), tf.TensorSpec([None, 6], tf.float32)])
    def mixed(a, b):
        c = tf.concat([a * b, a - b], axis=1)
        return tf.reduce_mean(c, axis=1), tf.nn.tanh(c) + tf.nn.sigmoid(a)[:, :1]

    models["mixed_dynamic"] = ru.convert(mixed)

    @tf.function(
        input_signature=[
            tf.TensorSpec([3], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.bool),
        ]
    )
    def control(x, n, p):
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 0.5 + 1.0), [tf.constant(0), x])
        return tf.cond(p, lambda: y * 2.0, lambda: y - 1.0)

    models["control_flow"] = ru.convert(control)

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32)])
        def f1(self, x):
            return {"y": x * 2.0 + 1.0}

        @tf.function(input_signature=[tf.TensorSpec([3], tf.float32), tf.TensorSpec([3], tf.float32)])
        def f2(self, a, b):
            return {"s": tf.maximum(a, b), "t": a + b}

    import tempfile

    with tempfile.TemporaryDirectory() as d:
        m = M()
        models["two_signatures"] = ru.convert_saved_model(
            m, {"f1": m.f1.get_concrete_function(), "f2": m.f2.get_concrete_function()}, d
        )
    from test_runtime_kernels_f32 import lstm_model

    models["lstm"] = lstm_model(3, 1, 2, 4, 3, peep=True, proj=True, cell_clip=0.5)
    if flex:

        @tf.function(input_signature=[tf.TensorSpec([2, 3, 3], tf.float32)])
        def det(x):
            return tf.linalg.det(x) * 2.0 + 1.0

        models["flex_det"] = ru.convert(det, select_tf=True)
    return models


def mutate(data: bytes, rng: np.random.Generator, other: bytes | None = None) -> bytes:
    b = bytearray(data)
    n = len(b)
    # mostly a single small mutation (so many inputs get past the reader into prepare/eval), sometimes a few
    for _ in range(1 if rng.random() < 0.6 else int(rng.integers(2, 5))):
        kind = int(rng.integers(0, 10))
        if n < 8:
            break
        # bias towards the first part of the file, where the tables and vtables live in converter output
        pos = int(rng.integers(0, n)) if rng.random() < 0.5 else int(rng.integers(0, min(n, 4096)))
        if kind == 0:  # bit flips
            for _ in range(int(rng.integers(1, 9))):
                p = int(rng.integers(0, n))
                b[p] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:  # random byte
            b[pos] = int(rng.integers(0, 256))
        elif kind == 2:  # interesting 32-bit value at an aligned position
            p = pos & ~3
            if p + 4 <= n:
                v = INTERESTING32[int(rng.integers(0, len(INTERESTING32)))]
                if rng.random() < 0.3:
                    v = (int.from_bytes(b[p : p + 4], "little") + int(rng.integers(-64, 65))) & 0xFFFFFFFF
                b[p : p + 4] = v.to_bytes(4, "little")
        elif kind == 3:  # interesting 16-bit value (vtable entries)
            p = pos & ~1
            if p + 2 <= n:
                v = int(rng.choice([0, 1, 2, 4, 0x7FFF, 0xFFFF, int(rng.integers(0, 256))]))
                b[p : p + 2] = v.to_bytes(2, "little")
        elif kind == 4:  # truncate
            del b[int(rng.integers(0, n)) :]
            n = len(b)
        elif kind == 5:  # copy a chunk over another place
            ln = int(rng.integers(1, 64))
            src = int(rng.integers(0, max(1, n - ln)))
            chunk = b[src : src + ln]
            b[pos : pos + len(chunk)] = chunk
            n = len(b)
        elif kind == 6:  # insert bytes (shifts every offset after pos)
            b[pos:pos] = bytes(rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8))
            n = len(b)
        elif kind == 7:  # delete bytes
            del b[pos : pos + int(rng.integers(1, 16))]
            n = len(b)
        elif kind == 8 or other is None:  # small int8 values (types, enums, small counts)
            b[pos] = int(rng.choice([0, 1, 2, 3, 9, 16, 17, 32, 127, 128, 255]))
        else:  # splice: this file's prefix and another model's suffix, cut at the same position
            cut = int(rng.integers(0, min(n, len(other)) + 1))
            b = bytearray(b[:cut] + other[cut:])
            n = len(b)
    return bytes(b)


class Stats:
    def __init__(self):
        self.total = 0
        self.load_errors = 0
        self.alloc_errors = 0
        self.invoke_errors = 0
        self.ran = 0
        self.unexpected: list[str] = []

    def line(self):
        return (
            f"{self.total} inputs: {self.load_errors} rejected at load, {self.alloc_errors} at allocate, "
            f"{self.invoke_errors} at invoke, {self.ran} ran to completion, {len(self.unexpected)} unexpected"
        )


def run_one(data: bytes, rng: np.random.Generator, stats: Stats):
    from runtime import Interpreter

    stats.total += 1
    try:
        it = Interpreter(model_content=data, _max_tensor_bytes=MAX_TENSOR_BYTES, _max_loop_iterations=1000)
    except ValueError:
        stats.load_errors += 1
        return
    except Exception as e:  # noqa: BLE001
        stats.unexpected.append(f"load: {type(e).__name__}: {e}")
        return
    try:
        try:
            it.allocate_tensors()
            it.get_tensor_details()
        except (ValueError, RuntimeError):
            stats.alloc_errors += 1
            return
        try:
            for d in it.get_input_details():
                shape = tuple(int(x) for x in d["shape"])
                if int(np.prod(shape, dtype=np.int64)) * np.dtype(d["dtype"]).itemsize > MAX_TENSOR_BYTES:
                    raise ValueError("input too large")
                if np.dtype(d["dtype"]).kind == "f":
                    x = rng.normal(size=shape).astype(d["dtype"])
                elif np.dtype(d["dtype"]) == np.int32:
                    x = rng.integers(0, 4, shape).astype(np.int32)
                else:
                    x = np.zeros(shape, d["dtype"])
                it.set_tensor(d["index"], x)
            it.invoke()
            for d in it.get_output_details():
                it.get_tensor(d["index"])
            for key in list(it.get_signature_list())[:2]:
                runner = it.get_signature_runner(key)
                inputs = {}
                for name, d in runner.get_input_details().items():
                    shape = tuple(int(x) for x in d["shape"])
                    if int(np.prod(shape, dtype=np.int64)) * np.dtype(d["dtype"]).itemsize > MAX_TENSOR_BYTES:
                        raise ValueError("input too large")
                    inputs[name] = np.zeros(shape, d["dtype"])
                runner(**inputs)
            stats.ran += 1
        except (ValueError, RuntimeError):
            stats.invoke_errors += 1
    except Exception as e:  # noqa: BLE001
        stats.unexpected.append(f"run: {type(e).__name__}: {e}")


def fuzz(
    seeds: dict[str, bytes],
    *,
    seconds: float | None = None,
    iterations: int | None = None,
    rng_seed: int = 0,
    report_every: int = 0,
    save_last: str | None = None,
) -> Stats:
    rng = np.random.default_rng(rng_seed)
    names = sorted(seeds)
    stats = Stats()
    t0 = time.monotonic()
    while True:
        if seconds is not None and time.monotonic() - t0 > seconds:
            break
        if iterations is not None and stats.total >= iterations:
            break
        data = mutate(
            seeds[names[stats.total % len(names)]], rng, seeds[names[int(rng.integers(0, len(names)))]]
        )
        if save_last:  # reproducer for a crash
            with open(save_last, "wb") as f:
                f.write(data)
        run_one(data, rng, stats)
        if report_every and stats.total % report_every == 0:
            print(f"[{time.monotonic() - t0:8.1f}s] {stats.line()}", flush=True)
    return stats


@pytest.fixture(scope="module")
def seeds():
    import tensorflow  # noqa: F401

    return seed_models()


def test_seed_models_run_unmutated(seeds):
    """The unmutated seeds load and run, so mutations start from working models."""
    for name, data in seeds.items():
        ru.require_kernels(data)
        stats = Stats()
        run_one(data, np.random.default_rng(0), stats)
        assert stats.ran == 1, (name, stats.line(), stats.unexpected)


# Seeds left out of the random in-process fuzz test while a crash they lead to is open (name -> its OPEN_CRASHERS
# entry): a crash there kills the whole test run. `make fuzz` still uses them.
CI_FUZZ_EXCLUDED: dict[str, str] = {}


def test_byte_mutation_fuzz(seeds):
    seconds = float(os.environ.get("TFLRT_FUZZ_SECONDS", "30"))
    # TFLRT_FUZZ_SAVE_LAST=PATH writes each input there before running it: after a crash, PATH is the reproducer.
    stats = fuzz(
        {k: v for k, v in seeds.items() if k not in CI_FUZZ_EXCLUDED},
        seconds=seconds,
        rng_seed=int(os.environ.get("TFLRT_FUZZ_SEED", "0")),
        save_last=os.environ.get("TFLRT_FUZZ_SAVE_LAST"),
    )
    print(stats.line())
    assert stats.total > 100, stats.line()
    assert not stats.unexpected, stats.unexpected[:10]
    # the mutator must exercise every stage, not only the reader's first check
    assert stats.load_errors > 0 and stats.ran > 0, stats.line()


def test_every_truncation_rejected(seeds):
    """Every proper prefix of every seed model is a ValueError naming the problem (FlatBuffers are built back to
    front, so a cut always loses something that the root table reaches)."""
    from runtime import Interpreter

    for data in seeds.values():
        for cut in range(1, len(data)):
            with pytest.raises(ValueError, match="^malformed model: .+"):
                Interpreter(model_content=data[:cut])


def test_every_single_bit_flip(seeds):
    """Every single-bit flip of two seeds (one with two signature subgraphs, one int8) loads, allocates and
    invokes without anything but ValueError/RuntimeError; some flips are rejected and some still run."""
    rng = np.random.default_rng(0)
    for name in ("two_signatures", "cnn_int8"):
        data = seeds[name]
        stats = Stats()
        for pos in range(len(data)):
            for bit in range(8):
                b = bytearray(data)
                b[pos] ^= 1 << bit
                run_one(bytes(b), rng, stats)
        assert stats.total == 8 * len(data)
        assert not stats.unexpected, (name, stats.unexpected[:10])
        assert stats.load_errors > 0 and stats.ran > 0, (name, stats.line())


# Offset-typed fields of the tflite schema (v3), by table: field id -> ("vec", element size) | ("str",) |
# ("tables", table) (vector of tables) | ("table", table).
LENGTH_SCHEMA = {
    "Model": {1: ("tables", "OperatorCode"), 2: ("tables", "SubGraph"), 3: ("str",), 4: ("tables", "Buffer"),
              5: ("vec", 4), 6: ("tables", "Metadata"), 7: ("tables", "SignatureDef")},
    "OperatorCode": {1: ("str",)},
    "SubGraph": {0: ("tables", "Tensor"), 1: ("vec", 4), 2: ("vec", 4), 3: ("tables", "Operator"), 4: ("str",)},
    "Tensor": {0: ("vec", 4), 3: ("str",), 4: ("table", "QuantizationParameters"), 7: ("vec", 4)},
    "QuantizationParameters": {0: ("vec", 4), 1: ("vec", 4), 2: ("vec", 4), 3: ("vec", 8)},
    "Operator": {1: ("vec", 4), 2: ("vec", 4), 5: ("vec", 1), 7: ("vec", 1), 8: ("vec", 4)},
    "Buffer": {0: ("vec", 1)},
    "Metadata": {0: ("str",)},
    "SignatureDef": {0: ("tables", "TensorMap"), 1: ("tables", "TensorMap"), 2: ("str",)},
    "TensorMap": {0: ("str",)},
}  # fmt: skip
# Fields the reader never reads (Model.metadata and its names, QuantizationParameters.min/max): their lengths do not
# matter, and the model must still load and run.
UNREAD_FIELDS = {"Model.6", "Metadata.0", "QuantizationParameters.0", "QuantizationParameters.1"}


def length_fields(b: bytes) -> list[tuple[int, int, str]]:
    """(position of the length word, element size, "Table.field_id") of every vector and string in a tflite file."""
    out = []

    def field(t, i):
        vt = t - ru._i32(b, t)
        if 4 + 2 * i + 2 > int.from_bytes(b[vt : vt + 2], "little"):
            return None
        off = int.from_bytes(b[vt + 4 + 2 * i : vt + 6 + 2 * i], "little")
        return t + off if off else None

    def table(t, name):
        for i, kind in LENGTH_SCHEMA[name].items():
            p = field(t, i)
            if p is None:
                continue
            v = ru.deref(b, p)
            if kind[0] == "table":
                table(v, kind[1])
                continue
            out.append((v, {"tables": 4, "str": 1, "vec": kind[-1]}[kind[0]], f"{name}.{i}"))
            if kind[0] == "tables":
                for j in range(ru._u32(b, v)):
                    table(ru.deref(b, v + 4 + 4 * j), kind[1])

    table(ru.root_table(b), "Model")
    return out


def test_every_length_oversized(seeds):
    """Every vector and string length of every seed set to values past the end of the file, including ones whose
    byte size overflows 32 bits (2^30 x 4, 2^29 x 8), is a ValueError at load."""
    from runtime import Interpreter

    seen = set()
    for name, data in seeds.items():
        fields = length_fields(data)
        assert len(fields) > 20, name
        for pos, esize, what in fields:
            seen.add(what)
            for n in (0x7FFFFFFF, 0xFFFFFFFF, 0x40000000, 0x20000000, (len(data) - pos - 4) // esize + 1):
                b = bytearray(data)
                b[pos : pos + 4] = n.to_bytes(4, "little")
                if what in UNREAD_FIELDS:
                    stats = Stats()
                    run_one(bytes(b), np.random.default_rng(0), stats)
                    assert stats.ran == 1, (name, what, stats.line(), stats.unexpected)
                    continue
                with pytest.raises(ValueError, match="^malformed model: .*(exceeds|outside|out of bounds)"):
                    Interpreter(model_content=bytes(b))
    # tensors, shapes, buffers, operators, op inputs/outputs, strings, quantization and signatures are all covered
    assert {"Model.2", "Model.4", "SubGraph.0", "SubGraph.3", "Tensor.0", "Tensor.3", "Operator.1", "Buffer.0",
            "QuantizationParameters.2", "QuantizationParameters.3", "SignatureDef.0", "TensorMap.0"} <= seen  # fmt: skip


# Inputs that crashed the runtime in fuzz runs, kept as regressions. Each runs in a subprocess so that a crash fails
# this test instead of killing the test run.
CRASHERS = {
    # cnn_int8 with 4 bytes changed: CONV_2D int8 prepare divides by a zero group count (input depth 0) -> SIGFPE
    # (kernels/conv_q.c conv_prepare; found by the ASan run, 2026-11-25).
    "conv_q_zero_depth_fpe": (
        "HAAAAFRGTDMUACAAHAAYABQAEAAMAAAACAAEABQAAAAcAAAAHAAAAHQAAACsAgAAvAIAAMQKAAADAAAAAAAAAAIAAAA0AAAABAAA"
        "ANz///8PAAAABAAAABMAAABDT05WRVJTSU9OX01FVEFEQVRBAAgADAAIAAQACAAAAA4AAAAEAAAAEwAAAG1pbl9ydW50aW1lX3Zl"
        "cnNpb24AEAAAADQCAAAsAgAAFAIAALQBAACUAQAAYAEAAEABAADEAAAAvAAAALQAAACsAAAApAAAAJwAAACUAAAAdAAAAAQAAACC"
        "/f//BAAAAGAAAAAMAAAACAAOAAgABAAIAAAAEAAAACgAAAAAAAYACAAEAAYAAAAEAAAAAQAAAOsDAAAMABgAFAAQAAwABAAMAAAA"
        "4RsMRtArd5UDAAAAAgAAAAQAAAAGAAAAMi4yMS4wAADu/f//BAAAABAAAAAxLjE0LjAAAAAAAAAAAAAAFPf//xj3//8c9///IPf/"
        "/yT3//8o9///Iv7//wQAAABsAAAAB+PageL5Mef33LsOYgAX6BIjN9wKutfoCRsw+BW38+5PBQ0f+VfuTCYovfGB3DbcJGHW3jm2"
        "LVvVqR3SzLoPN15mGaateW4EfwPmKewRo/XOBzwD0kIWxvMXXzJ8sxnW4VQrrH+7UmRBp7wnmv7//wQAAAAQAAAAuQIAAN8CAAB5"
        "AwAAKQMAALb+//8EAAAAJAAAAIEl4Qr8EyW8UEYtaCxRBIH4trQX4J3IGBR//11PboFtEykUIub+//8EAAAAEAAAAAAAAAAAAAAA"
        "AAAAAAAAlwAC////BAAAAFAAAAANLQCdSyYZ9u7s9BghOfh/6e2fIv1G9vMigWvV4Qkl+5cFEfAFA6/H5ri53gl/AJH3vfjWiklR"
        "MW5W0oGawtTNy96y8WwYgfMX/eEw4SbHLV7///8EAAAACAAAAAEAAAAQAAAAfPj//4D4//8PAAAATUxJUiBDb252ZXJ0ZWQuAAEA"
        "AAAUAAAAAAAOABgAFAAQAAwACAAEAA4AAAAUAAAAHAAAAOQBAADoAQAA7AEAAAQAAABtYWluAAAAAAYAAACAAQAAIAEAALwAAACE"
        "AAAAQAAAAAQAAABi////HAAAAAAAAAkcAAAAIAAAAAUAAAAAAAYACAAEAAYAAAAAAIA/AQAAAAwAAAABAAAACwAAADr///8UAAAA"
        "AAAACBAAAAAUAAAABAAAAED5//8BAAAACwAAAAMAAAAKAAAAAgAAAP////8AAAoAEAAMAAgABAAKAAAADAAAABAAAAADAAAAAQAA"
        "AAoAAAACAAAACQAAAAEAAAAAAA4AGgAUABAADAALAAQADgAAACQAAAAAAAAFNAAAADgAAAACAAAAAAAOABgAFwAQAAwACAAEAA4A"
        "AAACAAAAAgAAAAIAAAACAAAAAAAAAQEAAAAJAAAAAQAAAAgAAAAAAA4AGAAUABAADAALAAQADgAAACAAAAAAAAACKAAAACwAAAAB"
        "AAAADAAQAAAADAAIAAQADAAAAAEAAAACAAAAAgAAAAEAAAAIAAAAAwAAAAcAAAAEAAAAAwAAAAAADgAUAAAAEAAMAAsABAAOAAAA"
        "HAAAAAAAAAEkAAAAKAAAAAwAEAAAAAwACAAHAAwAAAAAAAADAQAAAAEAAAABAAAABwAAAAMAAAAAAAAABgAAAAUAAAABAAAADAAA"
        "AAEAAAAAAAAADQAAAIgFAAAsBQAApAQAACAEAAB8AwAA2AIAAFQCAADgAQAAfAEAABgBAAC8AAAAYAAAAAQAAADC+v//AAAAARQA"
        "AAAwAAAADQAAAAAAAAk0AAAArPr//wgAAAAQAAAAAQAAAID/////////AQAAAAAAgDsIAAAASWRlbnRpdHkAAAAAAgAAAAEAAAAF"
        "AAAAGvv//wAAAAEUAAAANAAAAAwAAAAAAAAJNAAAAAT7//8IAAAAFAAAAAEAAADx/////////wAAAAABAAAAtEL5PgcAAABNYXRN"
        "dWwyAAIAAAABAAAABQAAAHL7//8AAAABFAAAADQAAAALAAAAAAAACTQAAABc+///CAAAABQAAAABAAAAAgAAAAAAAAAAAAAAAQAA"
        "AA9uBD4HAAAAUmVzaGFwZQACAAAAAQAAABAAAADK+///AAAAARQAAAAwAAAACgAAAAAAAAk0AAAAtPv//wgAAAAQAAAAAQAAAAIA"
        "AAAAAAAAAQAAAA9uBD4JAAAATWF4UG9vbDJkAAAABAAAAAEAAAACAAAAAgAAAAQAAAAq/P//AAAAARQAAAAwAAAACQAAAAAAAAk0"
        "AAAAFPz//wgAAAAQAAAAAQAAAAIAAAAAAAAAAQAAAA9uBD4KAAAAZGVwdGh3aXNlMQAABAAAAAEAAAAEAAAABAAAAAQAAACK/P//"
        "AAAAARQAAAA0AAAACAAAAAAAAAlEAAAAdPz//wgAAAAUAAAAAQAAAID/////////AAAAAAEAAADBwMA8FwAAAFJlbHU2O2FkZDtD"
        "b252MkQ7YWRkL3kxAAQAAAABAAAACAAAAAgAAAAEAAAA+vz//wAAAAEUAAAAVAAAAAcAAAAAAAAJVAAAAOT8//8IAAAAKAAAAAQA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAABB+ZU8kyKOPMcNazyGKYE8BgAAAENvbnYyRAAABAAAAAQAAAAD"
        "AAAAAwAAAAMAAAB6/f//AAAAARQAAABYAAAABgAAAAAAAAJoAAAAZP3//wgAAAAsAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAQAAABGdRY5HJgOOSfQ6zhVlAE5FgAAAFJlbHU2O2FkZDtDb252MkQ7YWRkL3kAAAEAAAAEAAAAAAAW"
        "AB4AGAAXABAADAAIAAAAAAAAAAcAFgAAAAAAAAEoAAAAcAAAAAUAAAAAAAAJdAAAAAAAEgAQAAAAAAAMAAgAAAAAAAQAEgAAAAMA"
        "AAAIAAAALAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAmSSRPICbKjxJkpg8qBA4PAkAAABk"
        "ZXB0aHdpc2UAAAAEAAAAAQAAAAMAAAADAAAABAAAALr+//8AAAABFAAAAFgAAAAEAAAAAAAAAmAAAACk/v//CAAAACwAAAAEAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAHeR2jkVdYA5L8HlORWXijkPAAAAYXJpdGguY29uc3RhbnQx"
        "AAEAAAAEAAAAOv///wAAAAEUAAAAYAAAAAMAAAAAAAAJYAAAACT///8IAAAAMAAAAAUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAABQAAAH3FxTxU03o8DQeVPLATTzwCoHk8BwAAAE1hdE11bDEAAgAAAAUAAAAQAAAAvv///wAAAAEY"
        "AAAAGAAAAAIAAAAAAAACIAAAAAQABAAEAAAADgAAAGFyaXRoLmNvbnN0YW50AAABAAAAAgAAAAAAFgAcABgAFwAQAAwACAAAAAAA"
        "AAAHABYAAAAAAAABIAAAAEAAAAABAAAAAAAACTwAAAAMAAwAAAAAAAgABAAMAAAACAAAABQAAAABAAAAAAAAAAAAAAAAAAD4AQAA"
        "ANlpADwBAAAAeAAAAAQAAAABAAAACAAAAAAAAAAAAAAABgAAAHwAAABcAAAASAAAADgAAAAYAAAABAAAAKj///8ZAAAAAgAAAAAA"
        "ABm4////CQAAAAQAAAAAAAAJDAAMAAsAAAAAAAQADAAAABYAAAAAAAAW4P///xEAAAACAAAAAAAAEfD///8EAAAAAwAAAAAAAAQM"
        "ABAADwAAAAgABAAMAAAAAwAAAAMAAAAAAAAD"
    ),
}


CRASHER_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime", "fuzz", "crashers"
)
# Crashes found by `make fuzz` (ASan+UBSan) and not fixed yet, by file name in runtime/fuzz/crashers/ -> reason: their
# tests are xfail (fixing one turns it into an XPASS: then remove it here). The six crashers of 2026-11-25 (tensors
# written twice, float pool output type, int8 resize, hybrid conv with zero depth) are fixed and run as regressions.
OPEN_CRASHERS: dict[str, str] = {}


def _crasher_params():
    params = [pytest.param(name, id=name) for name in sorted(CRASHERS)]
    for fn in sorted(os.listdir(CRASHER_DIR)):
        name = fn.removesuffix(".tflite")
        marks = [pytest.mark.xfail(reason=OPEN_CRASHERS[name], strict=False)] if name in OPEN_CRASHERS else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def test_open_crashers_have_files():
    assert set(OPEN_CRASHERS) <= {fn.removesuffix(".tflite") for fn in os.listdir(CRASHER_DIR)}
    assert set(CI_FUZZ_EXCLUDED.values()) <= set(OPEN_CRASHERS)


@pytest.mark.parametrize("name", _crasher_params())
def test_known_crashers(name, tmp_path):
    import base64
    import subprocess

    path = tmp_path / (name + ".tflite")
    if name in CRASHERS:
        path.write_bytes(base64.b64decode(CRASHERS[name]))
    else:
        with open(os.path.join(CRASHER_DIR, name + ".tflite"), "rb") as f:
            path.write_bytes(f.read())
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--run", str(path)], capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, (
        f"{name}: exit code {r.returncode} (negative = killed by signal)\n{r.stdout}{r.stderr[-2000:]}"
    )
    assert "0 unexpected" in r.stdout and "1 inputs" in r.stdout, r.stdout


def _main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-seeds", metavar="DIR")
    ap.add_argument("--seeds", metavar="DIR")
    ap.add_argument("--iterations", type=int, default=100000)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--rng", type=int, default=0)
    ap.add_argument("--report-every", type=int, default=10000)
    ap.add_argument("--save-last", metavar="PATH", help="write each input here before running it")
    ap.add_argument("--run", metavar="PATH", help="run one model file (a saved reproducer)")
    args = ap.parse_args()
    if args.write_seeds:
        os.makedirs(args.write_seeds, exist_ok=True)
        for name, data in seed_models(flex=True).items():
            problems = []
            stats = Stats()
            run_one(data, np.random.default_rng(0), stats)
            if stats.ran != 1:
                problems.append(f"ours: {stats.line()} {stats.unexpected}")
            if not name.startswith("flex"):  # LiteRT cannot run select-TF ops
                try:
                    ru.run(ru.litert(data), ru.random_inputs(ru.litert(data).get_input_details()))
                except Exception as e:  # noqa: BLE001
                    problems.append(f"LiteRT: {type(e).__name__}: {e}")
            if problems:
                print(f"seed {name} left out: {'; '.join(problems)}", file=sys.stderr)
                continue
            with open(os.path.join(args.write_seeds, name + ".tflite"), "wb") as f:
                f.write(data)
            print(f"seed {name}: {len(data)} bytes")
        return
    if args.run:
        stats = Stats()
        with open(args.run, "rb") as f:
            run_one(f.read(), np.random.default_rng(0), stats)
        print(stats.line(), stats.unexpected)
        return
    seeds = {}
    for fn in sorted(os.listdir(args.seeds)):
        if fn.endswith(".tflite"):
            with open(os.path.join(args.seeds, fn), "rb") as f:
                seeds[fn] = f.read()
    stats = fuzz(
        seeds,
        seconds=args.seconds,
        iterations=args.iterations,
        rng_seed=args.rng,
        report_every=args.report_every,
        save_last=args.save_last,
    )
    print("FINAL", stats.line(), flush=True)
    for u in stats.unexpected[:20]:
        print("UNEXPECTED", u)
    sys.exit(1 if stats.unexpected else 0)


if __name__ == "__main__":
    _main()
