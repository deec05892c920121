"""Runtime threading: num_threads splits kernels over a worker pool without changing a single bit of the outputs;
invoke() releases the GIL (Flex nodes take it back); worker threads live no longer than their interpreter."""

import gc
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

from runtime import Interpreter  # noqa: E402

THREADS = (1, 2, 3)

# ---------------------------------------------------------------------------------------------------------------
# Models (TensorFlow's converter). Sizes are chosen so that every float kernel below is big enough to be split
# into several tasks: conv 3x3 (im2col, row blocks), conv 3x3 stride 2 on few rows (row blocks x panel groups),
# conv 1x1 (direct GEMM), depthwise 3x3 (with a channel tail) and 5x5 with multiplier 2, max pooling, a
# FULLY_CONNECTED with one row (split over columns), BATCH_MATMUL and TRANSPOSE_CONV.
# ---------------------------------------------------------------------------------------------------------------


def _w(rng, *shape, scale=0.3):
    return (rng.normal(size=shape) * scale).astype(np.float32)


def _cnn_fn():
    rng = np.random.default_rng(7)
    w1, b1 = _w(rng, 3, 3, 8, 20), _w(rng, 20)
    dw1, db1 = _w(rng, 3, 3, 20, 1), _w(rng, 20)
    dw2, db2 = _w(rng, 5, 5, 20, 2), _w(rng, 40)
    w3, b3 = _w(rng, 1, 1, 40, 48), _w(rng, 48)
    w4, b4 = _w(rng, 3, 3, 48, 64, scale=0.1), _w(rng, 64)
    w5, b5 = _w(rng, 11 * 11 * 64, 256, scale=0.02), _w(rng, 256)
    w6, b6 = _w(rng, 256, 10, scale=0.1), _w(rng, 10)

    @tf.function(input_signature=[tf.TensorSpec([1, 96, 96, 8], tf.float32, name="image")])
    def f(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        y = tf.nn.max_pool2d(y, 3, 1, "SAME")
        y = tf.nn.relu(tf.nn.depthwise_conv2d(y, dw1, [1, 1, 1, 1], "SAME") + db1)
        y = tf.nn.depthwise_conv2d(y, dw2, [1, 2, 2, 1], "SAME") + db2
        y = tf.nn.relu(tf.nn.conv2d(y, w3, 1, "VALID") + b3)
        y = tf.nn.avg_pool2d(y, 2, 2, "VALID")
        y = tf.nn.relu(tf.nn.conv2d(y, w4, 2, "VALID") + b4)
        y = tf.reshape(y, [1, -1])
        y = tf.nn.relu(tf.matmul(y, w5) + b5)
        return tf.matmul(y, w6) + b6

    return f


@pytest.fixture(scope="module")
def cnn_f32():
    return ru.convert(_cnn_fn())


@pytest.fixture(scope="module")
def cnn_int8():
    return ru.convert(
        _cnn_fn(), quantize="int8", representative=ru.rep_dataset([(1, 96, 96, 8)]), int8_io=True
    )


@pytest.fixture(scope="module")
def matmul_model():
    rng = np.random.default_rng(3)
    wt = _w(rng, 3, 3, 16, 24)  # conv2d_transpose filter: [h, w, out, in]

    @tf.function(
        input_signature=[
            tf.TensorSpec([8, 64, 32], tf.float32),
            tf.TensorSpec([8, 64, 48], tf.float32),
            tf.TensorSpec([2, 96, 256], tf.float32),
            tf.TensorSpec([1, 24, 24, 24], tf.float32),
        ]
    )
    def f(a, b, c, img):
        small = tf.matmul(a, b, adjoint_a=True)  # 8 batches of 32x64 @ 64x48: split over batches
        big = tf.matmul(c, c, adjoint_b=True)  # 2 batches of 96x256 @ 256x96: split inside each product
        up = tf.nn.conv2d_transpose(img, wt, [1, 48, 48, 16], 2, "SAME")
        return small, big, up

    return ru.convert(f)


def _outputs(model, nt, inputs):
    it = ru.ours(model, num_threads=nt)
    return ru.run(it, inputs)


def _assert_same_bits(a, b, what):
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), f"{what}: outputs differ ({np.count_nonzero(a != b)} elements)"


def _check_threads_identical_and_ref(model, seeds=(0, 1)):
    ru.require_kernels(model)
    for seed in seeds:
        ref = ru.litert(model)
        inputs = ru.random_inputs(ref.get_input_details(), seed=seed)
        want = ru.run(ref, inputs)
        base = _outputs(model, 1, inputs)
        for nt in THREADS[1:]:
            got = _outputs(model, nt, inputs)
            for i, (g, b) in enumerate(zip(got, base, strict=True)):
                _assert_same_bits(g, b, f"seed {seed}, output {i}, num_threads={nt} vs 1")
        for i, (g, w) in enumerate(zip(base, want, strict=True)):
            ru.assert_match(g, w, f"seed {seed}, output {i} vs LiteRT BUILTIN_REF")


# ---------------------------------------------------------------------------------------------------------------
# Same bits for any thread count, and LiteRT's numbers
# ---------------------------------------------------------------------------------------------------------------


def test_float_cnn_identical_for_any_thread_count(cnn_f32):
    _check_threads_identical_and_ref(cnn_f32)


def test_int8_cnn_identical_for_any_thread_count(cnn_int8):
    _check_threads_identical_and_ref(cnn_int8)


def test_matmul_and_transpose_conv_identical_for_any_thread_count(matmul_model):
    _check_threads_identical_and_ref(matmul_model)


_BASELINE_CHILD = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
from runtime import Interpreter
data = open(sys.argv[2], "rb").read()
outs = []
for nt in (1, 2, 3):
    it = Interpreter(model_content=data, num_threads=nt)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        it.set_tensor(d["index"], rng.uniform(-1, 1, d["shape"]).astype(np.float32))
    it.invoke()
    outs.append([it.get_tensor(d["index"]).tobytes() for d in it.get_output_details()])
print("same" if outs[1] == outs[0] and outs[2] == outs[0] else "differ")
"""


@pytest.mark.parametrize("which", ["cnn_f32", "matmul_model"])
def test_baseline_isa_identical_for_any_thread_count(which, request, tmp_path):
    """The portable (non-AVX2) kernel clones split the same way (TFLRT_DISABLE_AVX2 is read once per process)."""
    model = request.getfixturevalue(which)
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    env = dict(os.environ, TFLRT_DISABLE_AVX2="1")
    r = subprocess.run(
        [sys.executable, "-c", _BASELINE_CHILD, ru.ROOT, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "same"


# ---------------------------------------------------------------------------------------------------------------
# Worker lifetime
# ---------------------------------------------------------------------------------------------------------------


def _nthreads():
    return len(os.listdir("/proc/self/task"))


def test_workers_start_lazily_and_stop_with_the_interpreter(cnn_f32):
    gc.collect()
    before = _nthreads()
    it = ru.ours(cnn_f32, num_threads=3)
    it.allocate_tensors()
    assert _nthreads() == before, "no worker before the first parallel kernel"
    it.invoke()
    assert _nthreads() == before + 2, "num_threads=3: two workers, the caller is the third"
    del it
    gc.collect()
    assert _nthreads() == before


def test_single_thread_starts_no_worker(cnn_f32):
    gc.collect()
    before = _nthreads()
    for nt in (None, 1):
        it = Interpreter(model_content=cnn_f32, num_threads=nt)
        it.allocate_tensors()
        it.invoke()
        assert _nthreads() == before, f"num_threads={nt}"


def test_many_invokes_with_two_threads(cnn_f32):
    it = ru.ours(cnn_f32, num_threads=2)
    inputs = ru.random_inputs(it.get_input_details(), seed=5)
    first = ru.run(it, inputs)[0]
    idx = it.get_output_details()[0]["index"]
    for i in range(200):
        it.invoke()
        _assert_same_bits(it.get_tensor(idx), first, f"invoke {i}")


def test_create_and_destroy_many_threaded_interpreters(cnn_f32):
    gc.collect()
    before = _nthreads()
    inputs = ru.random_inputs(ru.ours(cnn_f32).get_input_details(), seed=6)
    want = _outputs(cnn_f32, 1, inputs)[0]
    for i in range(50):
        it = ru.ours(cnn_f32, num_threads=2 + i % 2)
        if i % 5 == 4:
            del it  # never invoked: no pool to join
            continue
        _assert_same_bits(ru.run(it, inputs)[0], want, f"interpreter {i}")
        del it
    gc.collect()
    assert _nthreads() == before, "worker threads left behind"


_FORK_CHILD = r"""
import os, sys, numpy as np
sys.path.insert(0, sys.argv[1])
from runtime import Interpreter
it = Interpreter(model_content=open(sys.argv[2], "rb").read(), num_threads=2)
it.allocate_tensors()
d = it.get_input_details()[0]
it.set_tensor(d["index"], np.random.default_rng(0).uniform(-1, 1, d["shape"]).astype(np.float32))
it.invoke()
want = it.get_tensor(it.get_output_details()[0]["index"]).tobytes()
pid = os.fork()
if pid == 0:  # the child has the pool's memory but none of its threads: a new pool must be built
    it.invoke()
    os._exit(0 if it.get_tensor(it.get_output_details()[0]["index"]).tobytes() == want else 3)
_, status = os.waitpid(pid, 0)
it.invoke()
same = it.get_tensor(it.get_output_details()[0]["index"]).tobytes() == want
print(os.waitstatus_to_exitcode(status), same)
"""


def test_invoke_after_fork(cnn_f32, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(cnn_f32)
    r = subprocess.run(
        [sys.executable, "-c", _FORK_CHILD, ru.ROOT, str(path)], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "True"]


# ---------------------------------------------------------------------------------------------------------------
# GIL
# ---------------------------------------------------------------------------------------------------------------


def test_two_interpreters_in_two_python_threads(cnn_f32):
    """Both run at once (each with its own pool) and give the single-threaded results."""
    inputs = ru.random_inputs(ru.ours(cnn_f32).get_input_details(), seed=8)
    want = _outputs(cnn_f32, 1, inputs)[0]
    results, errors = {}, []

    def work(key, nt):
        try:
            it = ru.ours(cnn_f32, num_threads=nt)
            outs = []
            for _ in range(20):
                outs.append(ru.run(it, inputs)[0])
            results[key] = outs
        except Exception as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k, nt)) for k, nt in (("a", 2), ("b", 1), ("c", 2))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in ts), "a thread hung"
    assert not errors, errors
    for key, outs in results.items():
        for i, o in enumerate(outs):
            _assert_same_bits(o, want, f"thread {key}, run {i}")


def test_invoke_releases_the_gil(cnn_f32):
    """Python code runs in another thread while invoke() is inside the C kernels: some timestamp taken by the main
    thread falls inside an invoke() call of the worker thread (impossible while invoke holds the GIL)."""
    it = ru.ours(cnn_f32, num_threads=1)
    ru.run(it, ru.random_inputs(it.get_input_details()))
    spans, stamps = [], []
    done = threading.Event()

    def invoker():
        for _ in range(30):
            t0 = time.perf_counter()
            it.invoke()
            spans.append((t0, time.perf_counter()))
        done.set()

    t = threading.Thread(target=invoker)
    t.start()
    while not done.is_set():
        stamps.append(time.perf_counter())
    t.join()
    stamps = np.array(stamps)
    inside = sum(int(np.count_nonzero((stamps > a) & (stamps < b))) for a, b in spans)
    assert inside > 0


def test_interpreter_is_refused_while_busy(flex_model):
    """A call on the same interpreter while its invoke() runs (here: from the Flex handler, called back with the
    GIL) raises instead of touching tensors under the running kernels."""
    model, _ = flex_model
    it = ru.ours(model, num_threads=2)
    seen = []
    handler = it._flex

    def reentrant(*args):
        try:
            it.get_tensor(it.get_input_details()[0]["index"])
        except RuntimeError as e:
            seen.append(str(e))
        return handler(*args)

    it._c.set_flex(reentrant)
    ru.run(it, ru.random_inputs(it.get_input_details()))
    assert seen and "busy" in seen[0]
    ru.run(it, ru.random_inputs(it.get_input_details()))  # usable again afterwards


@pytest.fixture(scope="module")
def flex_model():
    @tf.function(input_signature=[tf.TensorSpec([4, 3, 3], tf.float32)])
    def f(x):
        return tf.linalg.det(x) * 2.0 + 1.0

    return ru.convert(f, select_tf=True), f


def test_flex_model_with_threads_matches_tensorflow(flex_model):
    """Flex nodes re-acquire the GIL from the invoke that released it; also from a second Python thread."""
    model, fn = flex_model
    x = np.random.default_rng(4).normal(size=(4, 3, 3)).astype(np.float32)
    want = fn(tf.constant(x)).numpy()
    got = {}

    def work(key):
        it = ru.ours(model, num_threads=2)
        got[key] = ru.run(it, [x])[0]

    ts = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in ts:
        t.start()
    work("main")
    for t in ts:
        t.join(timeout=300)
    assert len(got) == 3
    for o in got.values():
        np.testing.assert_allclose(o, want, rtol=1e-5, atol=1e-5 * float(np.max(np.abs(want))))


# ---------------------------------------------------------------------------------------------------------------
# num_threads argument (as ai_edge_litert)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -1, 2.0, "2"])
def test_num_threads_validation(cnn_f32, bad):
    with pytest.raises(ValueError, match="num_threads"):
        Interpreter(model_content=cnn_f32, num_threads=bad)
