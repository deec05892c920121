"""The runtime's per-node profiler (`Interpreter(..., experimental_profile=True)`, `get_profile()`, `tflc run
--profile`): off by default, one record per node of the model (as LiteRT lists them), times that add up to the
invoke, per-thread busy time at 2 threads, and outputs unchanged by profiling (equal to LiteRT's)."""

import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import Interpreter  # noqa: E402
from runtime.profile import format_profile  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _w(rng, *shape, scale=0.2):
    return (rng.normal(size=shape) * scale).astype(np.float32)


@pytest.fixture(scope="module")
def model() -> bytes:
    """conv (big enough to be split over 2 threads), depthwise, ADD, MEAN, FULLY_CONNECTED, SOFTMAX."""
    rng = np.random.default_rng(3)
    w1, b1 = _w(rng, 3, 3, 8, 32), _w(rng, 32)
    dw, db = _w(rng, 3, 3, 32, 1), _w(rng, 32)
    w2, b2 = _w(rng, 32, 10), _w(rng, 10)

    @tf.function(input_signature=[tf.TensorSpec([1, 64, 64, 8], tf.float32, name="image")])
    def f(x):
        y = tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        z = tf.nn.depthwise_conv2d(y, dw, [1, 1, 1, 1], "SAME") + db
        y = tf.reduce_mean(y + z, axis=[1, 2])
        return tf.nn.softmax(tf.matmul(y, w2) + b2)

    return ru.convert(f)


def _inputs(interp):
    return ru.random_inputs(interp.get_input_details(), seed=1)


def test_off_by_default(model):
    it = Interpreter(model_content=model)
    ru.run(it, _inputs(it))
    assert it.get_profile() is None


@pytest.mark.parametrize("threads", [1, 2])
def test_profile_lists_every_node_and_adds_up(model, threads):
    ref = ru.litert(model)
    ops = [d["op_name"] for d in ref._get_ops_details()]
    it = Interpreter(model_content=model, num_threads=threads, experimental_profile=True)
    x = _inputs(it)
    want = ru.run(ref, x)
    ru.run(it, x)  # first invoke: prepares, starts the worker thread
    it.reset_profile()
    for _ in range(5):
        it.invoke()
    for got, w in zip([it.get_tensor(d["index"]) for d in it.get_output_details()], want, strict=True):
        ru.assert_match(got, w)
    p = it.get_profile()
    assert p["num_threads"] == threads and p["invokes"] == 5
    assert [n["op_name"] for n in p["nodes"]] == ops
    assert [n["index"] for n in p["nodes"]] == list(range(len(ops)))
    details = {d["index"]: d for d in ref.get_tensor_details()}
    outs = [d["outputs"][0] for d in ref._get_ops_details()]
    assert [n["output_shape"] for n in p["nodes"]] == [list(details[t]["shape"]) for t in outs]
    for n in p["nodes"]:
        assert n["runs"] == 1
        assert n["ms"] >= 0 and n["wait_ms"] >= 0 and n["parallel_ms"] >= 0
        assert len(n["busy_ms"]) == threads and all(b >= 0 for b in n["busy_ms"])
        assert n["parallel_ms"] <= n["ms"] + 1e-9
    node_ms = sum(n["ms"] for n in p["nodes"])
    # the nodes are the invoke but for the interpreter's own bookkeeping between them
    assert 0.5 * p["invoke_ms"] <= node_ms <= p["invoke_ms"] * 1.0001
    assert sum(a["count"] for a in p["by_op"].values()) == len(ops)
    assert abs(sum(a["ms"] for a in p["by_op"].values()) - node_ms) < 1e-9
    conv = p["nodes"][ops.index("CONV_2D")]
    if threads == 1:
        assert conv["parallel_calls"] == 0 and conv["wait_ms"] == 0
        assert conv["busy_ms"][0] == pytest.approx(conv["ms"])
    else:
        # a 64x64x8 -> 32 conv is split: both threads work on it, and the busy times stay within the node's time
        assert conv["parallel_calls"] >= 1 and conv["tasks"] >= 2
        assert sum(conv["busy_ms"]) <= threads * conv["ms"] * 1.0001
        assert conv["wait_ms"] == pytest.approx(threads * conv["ms"] - sum(conv["busy_ms"]), abs=1e-9)
    text = format_profile(p)
    assert (
        "CONV_2D" in text and "DEPTHWISE_CONV_2D" in text and ("busy ms per thread" in text) == (threads > 1)
    )


def test_reset_and_turning_off(model):
    it = Interpreter(model_content=model, num_threads=2, experimental_profile=True)
    ru.run(it, _inputs(it))
    assert it.get_profile()["invokes"] == 1
    it.reset_profile()
    p = it.get_profile()
    assert p["invokes"] == 0 and all(n["ms"] == 0 and n["runs"] == 0 for n in p["nodes"])
    it._c.set_profile(False)
    it.invoke()
    assert it.get_profile() is None


def test_cli_run_profile(model, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [
        sys.executable,
        "-m",
        "compiler.cli",
        "run",
        str(path),
        "--threads",
        "2",
        "--profile",
        "--repeat",
        "3",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "ms per inference (tflc C runtime, 2 threads)" in p.stdout
    assert "3 invoke(s)" in p.stdout and "busy ms per thread" in p.stdout
    lines = p.stdout.splitlines()
    ops = [d["op_name"] for d in ru.litert(model)._get_ops_details()]
    for i, op in enumerate(ops):  # one line per node, in model order
        assert any(line.split()[:2] == [str(i), op] for line in lines), (i, op)
    bad = subprocess.run(
        [*cmd[:5], "--threads", "0"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert bad.returncode == 1 and "--threads must be at least 1" in bad.stderr


def test_workers_park_after_invoke(model):
    """Workers spin between the split ops of an invoke and park once it ends: a sleeping caller leaves the
    process (nearly) idle instead of a worker spinning on a core."""
    import resource
    import time

    it = Interpreter(model_content=model, num_threads=2, experimental_profile=True)
    x = _inputs(it)
    ru.run(it, x)
    for _ in range(3):
        it.invoke()
    assert it.get_profile()["nodes"][0]["parallel_calls"] >= 1  # the worker exists and took part

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t0 = cpu()
    time.sleep(0.3)
    assert cpu() - t0 < 0.05
