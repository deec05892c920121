"""Runtime benchmark: ms per inference, 1 thread, our C interpreter vs ai_edge_litert (default resolver with
XNNPACK, and BUILTIN_REF reference kernels) on TensorFlow-converted keras.applications models; plus ours vs LiteRT
default with num_threads=2.

    .venv/bin/python benchmarks/runtime.py [--models mobilenet_v2_f32,mobilenet_v2_int8,resnet50_f32] [--seconds 3]

Converted models are cached under benchmarks/.cache/. Prints a markdown table and writes it into
benchmarks/RESULTS.md between the `<!-- runtime:begin -->` / `<!-- runtime:end -->` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CACHE = os.path.join(HERE, ".cache")
RESULTS = os.path.join(HERE, "RESULTS.md")
BEGIN, END = "<!-- runtime:begin -->", "<!-- runtime:end -->"

MODELS = {
    "mobilenet_v2_f32": ("MobileNetV2", None),
    "mobilenet_v2_int8": ("MobileNetV2", "int8"),
    "resnet50_f32": ("ResNet50", None),
    "efficientnet_b0_f32": ("EfficientNetB0", None),
    "transformer_block_f32": ("transformer_block", None),  # tests/corpus.py's encoder block (64x128)
}


def build_model(name: str) -> bytes:
    path = os.path.join(CACHE, name + ".tflite")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    import tensorflow as tf

    arch, quant = MODELS[name]
    if arch == "transformer_block":
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        from corpus import build

        keras_model = build(arch)
        fn = tf.function(lambda x: keras_model(x, training=False),
                         input_signature=[tf.TensorSpec([1, 64, 128], tf.float32)])  # fmt: skip
        data = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()]).convert()
        os.makedirs(CACHE, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return data
    # int8: no final softmax. With random weights the activations are tiny, and LiteRT's BUILTIN_REF softmax aborts
    # (PreprocessSoftmaxScaling check) on such input scales.
    extra = {"classifier_activation": None} if quant == "int8" else {}
    keras_model = getattr(tf.keras.applications, arch)(weights=None, input_shape=(224, 224, 3), **extra)
    fn = tf.function(lambda x: keras_model(x, training=False),
                     input_signature=[tf.TensorSpec([1, 224, 224, 3], tf.float32)])  # fmt: skip
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])  # frozen variables
    if quant == "int8":

        def rep():
            rng = np.random.default_rng(0)
            for _ in range(8):
                yield [rng.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    data = conv.convert()
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


def _inputs(details):
    rng = np.random.default_rng(0)
    out = []
    for d in details:
        dt = np.dtype(d["dtype"])
        if dt.kind == "f":
            out.append(rng.uniform(-1, 1, d["shape"]).astype(dt))
        else:
            out.append(rng.integers(-128, 128, d["shape"]).astype(dt))
    return out


def time_interpreter(make, seconds: float, min_runs: int = 3, max_runs: int = 200):
    it = make()
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), _inputs(it.get_input_details()), strict=True):
        it.set_tensor(d["index"], x)
    it.invoke()  # warm-up
    times = []
    t_end = time.perf_counter() + seconds
    while len(times) < min_runs or (time.perf_counter() < t_end and len(times) < max_runs):
        t0 = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - t0) * 1e3)
    out = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    return statistics.median(times), len(times), it, out


_PEAK_CHILD = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
kind, path = sys.argv[2], sys.argv[3]
if kind == "ours":
    from runtime import Interpreter
    kw = {}
else:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF} if kind == "ref" else {}
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
data = open(path, "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
base = status("VmRSS")
it = Interpreter(model_content=data, num_threads=1, **kw)
it.allocate_tensors()
for d in it.get_input_details():
    it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
it.invoke()
print((status("VmHWM") - base) / 1024.0)
"""


def peak_mb(kind: str, path: str) -> float:
    """Peak RSS growth (MB) from creating the interpreter through one invoke, the model bytes already loaded."""
    import subprocess

    r = subprocess.run(
        [sys.executable, "-c", _PEAK_CHILD, ROOT, kind, path], capture_output=True, text=True, timeout=900
    )
    try:
        return float(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seconds", type=float, default=3.0, help="time budget per (model, interpreter)")
    ap.add_argument("--no-write", action="store_true", help="don't update RESULTS.md")
    args = ap.parse_args(argv)

    from ai_edge_litert.interpreter import Interpreter as LiteRT
    from ai_edge_litert.interpreter import OpResolverType

    from runtime import Interpreter as Ours

    rows = []
    for name in args.models.split(","):
        model = build_model(name)
        ours_ms, n_ours, ours_it, ours_out = time_interpreter(
            lambda m=model: Ours(model_content=m, num_threads=1), args.seconds
        )
        lite_ms, n_lite, _, lite_out = time_interpreter(
            lambda m=model: LiteRT(model_content=m, num_threads=1), args.seconds
        )
        ref_ms, n_ref, _, ref_out = time_interpreter(
            lambda m=model: LiteRT(
                model_content=m, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF
            ),
            args.seconds,
        )
        a, b = ours_out[0], ref_out[0]
        if a.dtype.kind == "f":
            err = f"{float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30)):.1e} rel"
        else:
            err = f"{int(np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))))} LSB"
        ours2_ms, _, ours2_it, ours2_out = time_interpreter(
            lambda m=model: Ours(model_content=m, num_threads=2), args.seconds
        )
        del ours2_it  # joins its worker threads before LiteRT's are timed
        lite2_ms, _, _, _ = time_interpreter(
            lambda m=model: LiteRT(model_content=m, num_threads=2), args.seconds
        )
        same = all(np.array_equal(a2, a1) for a2, a1 in zip(ours2_out, ours_out, strict=True))
        path = os.path.join(CACHE, name + ".tflite")
        mem = (peak_mb("ours", path), peak_mb("default", path))
        rows.append(
            (
                name,
                len(model),
                ours_ms,
                lite_ms,
                ref_ms,
                ours_it.arena_bytes(),
                err,
                mem,
                ours2_ms,
                lite2_ms,
                same,
            )
        )
        print(
            f"{name}: ours {ours_ms:.2f} ms, litert {lite_ms:.2f} ms, ref {ref_ms:.2f} ms; 2 threads: ours "
            f"{ours2_ms:.2f} ms, litert {lite2_ms:.2f} ms",
            file=sys.stderr,
            flush=True,
        )

    lines = [
        f"Runtime latency, median ms per inference ({platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}; `benchmarks/runtime.py`). 1 thread unless the column says 2T "
        "(num_threads=2 for both).",
        "",
        "| model | bytes | ours ms | LiteRT default (XNNPACK) ms | LiteRT BUILTIN_REF ms | ours / default | ours / REF "
        "| ours 2T ms | LiteRT default 2T ms | ours / default 2T "
        "| our arena bytes | peak RSS growth ours / LiteRT default MB | max diff vs REF |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, size, o, lt, rf, arena, err, mem, o2, lt2, same in rows:
        lines.append(
            f"| {name} | {size:,} | {o:.2f} | {lt:.2f} | {rf:.2f} | {o / lt:.2f}x | {o / rf:.2f}x "
            f"| {o2:.2f}{'' if same else ' (output differs from 1T!)'} | {lt2:.2f} | {o2 / lt2:.2f}x | {arena:,} "
            f"| {mem[0]:.1f} / {mem[1]:.1f} | {err} |"
        )
    lines += [
        "",
        "Peak RSS growth: max resident set size after creating the interpreter, allocate_tensors() and one invoke(),",
        "minus the same before (model bytes already in memory), measured in a fresh process per interpreter.",
        "2T: the machine's cores are shared with other jobs, so 2-thread numbers are noisier than 1-thread ones.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_section(table)


def replace_section(text: str, table: str) -> str:
    """Returns text with the runtime section (between the markers) replaced by table; other sections untouched."""
    block = f"{BEGIN}\n## Runtime\n\n{table}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + block + tail
    if not text:
        text = "# Benchmark results\n"
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_section(table: str):
    text = ""
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            text = f.read()
    with open(RESULTS, "w") as f:
        f.write(replace_section(text, table))
    with open(os.path.join(CACHE, "runtime_table.md"), "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
