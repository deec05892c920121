"""Runtime benchmark: ms per inference, 1 thread, our C interpreter vs ai_edge_litert (default resolver with
XNNPACK, and BUILTIN_REF reference kernels) on TensorFlow-converted keras.applications models and tests/corpus.py's
transformer block; plus ours vs LiteRT default with num_threads=2.

    .venv/bin/python benchmarks/runtime.py [--models mobilenet_v2_f32,resnet50_f32] [--seconds 2] [--anchor DIR]
        [--levels scalar,avx2,avx512_vnni]

Ours is timed at the ISA levels given (default: scalar, avx2 and the CPU's own level; the runtime's cap forced with
runtime._tflrt.set_isa) and in fast float mode; the detected level and the CPU's flags head the table. `make bench`
runs it (`make bench-runtime` alone, about 6 minutes on 2 cores).

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
import results_md  # noqa: E402

MODELS = {
    "mobilenet_v2_f32": ("MobileNetV2", None),
    "mobilenet_v2_int8": ("MobileNetV2", "int8"),
    # the converter's default for int8: float input and output (QUANTIZE first, DEQUANTIZE last)
    "mobilenet_v2_int8_float_io": ("MobileNetV2", "int8 float io"),
    "resnet50_f32": ("ResNet50", None),
    "resnet50_int8": ("ResNet50", "int8"),
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
    extra = {"classifier_activation": None} if quant else {}
    keras_model = getattr(tf.keras.applications, arch)(weights=None, input_shape=(224, 224, 3), **extra)
    fn = tf.function(lambda x: keras_model(x, training=False),
                     input_signature=[tf.TensorSpec([1, 224, 224, 3], tf.float32)])  # fmt: skip
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])  # frozen variables
    if quant:

        def rep():
            rng = np.random.default_rng(0)
            for _ in range(8):
                yield [rng.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if quant == "int8":
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


def _prepared(make):
    it = make()
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), _inputs(it.get_input_details()), strict=True):
        it.set_tensor(d["index"], x)
    it.invoke()  # warm-up
    return it


def time_interpreter(make, seconds: float, min_runs: int = 3, max_runs: int = 200):
    it = _prepared(make)
    times = []
    t_end = time.perf_counter() + seconds
    while len(times) < min_runs or (time.perf_counter() < t_end and len(times) < max_runs):
        t0 = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - t0) * 1e3)
    out = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    return statistics.median(times), len(times), it, out


def time_interleaved(
    makers: dict, seconds: float, min_runs: int = 3, max_runs: int = 200, clock=time.perf_counter
) -> dict:
    """Median ms per invoke of several interpreters timed round-robin (one invoke each per round) within
    seconds * len(makers): drifts in the machine's load (it is shared) hit every configuration alike, so the
    ratios between them are fair. clock: time.perf_counter (wall) or time.thread_time (CPU time of the invoking
    thread: 1-thread inference runs on it in both runtimes, and other jobs' load then barely shows). Returns
    {key: (median ms, outputs)}."""
    its = {k: _prepared(m) for k, m in makers.items()}
    times = {k: [] for k in its}
    t_end = time.perf_counter() + seconds * len(its)
    rounds = 0
    while rounds < min_runs or (time.perf_counter() < t_end and rounds < max_runs):
        for k, it in its.items():
            t0 = clock()
            it.invoke()
            times[k].append((clock() - t0) * 1e3)
        rounds += 1
    res = {}
    for k, it in its.items():
        res[k] = (statistics.median(times[k]), [it.get_tensor(d["index"]) for d in it.get_output_details()])
    its.clear()  # joins worker threads before the next group is timed
    return res


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


LEVELS = ("scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni")
FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512dq",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
)


def cpu_description() -> str:
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and name in ("", platform.machine(), platform.processor()):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return f"{name}; flags: {' '.join(f for f in FLAGS if f in flags) or 'n/a'}"


def _load_anchor(path: str):
    """The `runtime` package of another build (e.g. main's, built in place) imported as `runtime_anchor`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "runtime_anchor", os.path.join(path, "__init__.py"), submodule_search_locations=[path]
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["runtime_anchor"] = mod
    spec.loader.exec_module(mod)
    return mod


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seconds", type=float, default=2.0, help="time budget per (model, configuration)")
    ap.add_argument("--no-write", action="store_true", help="don't update RESULTS.md")
    ap.add_argument(
        "--no-ref", action="store_true", help="skip LiteRT BUILTIN_REF (slow) and the peak RSS runs"
    )
    ap.add_argument(
        "--anchor", help="a runtime/ package directory of another build (e.g. main's), timed at avx2"
    )
    ap.add_argument(
        "--levels",
        help="comma-separated ISA levels to time ours at (default: scalar, avx2 and the detected level)",
    )
    ap.add_argument(
        "--wall",
        action="store_true",
        help="1-thread columns in wall-clock time (default: the invoking thread's CPU time)",
    )
    args = ap.parse_args(argv)

    from ai_edge_litert.interpreter import Interpreter as LiteRT
    from ai_edge_litert.interpreter import OpResolverType

    from runtime import _tflrt

    anchor = _load_anchor(args.anchor) if args.anchor else None
    isa_now, isa_cpu = _tflrt.isa()
    reach = LEVELS[: LEVELS.index(isa_cpu) + 1]
    wanted = args.levels.split(",") if args.levels else ["scalar", "avx2", isa_cpu]
    levels = [lv for lv in LEVELS if lv in wanted and lv in reach]
    print(f"CPU: {cpu_description()}; runtime ISA detected {isa_cpu}, in effect {isa_now}", file=sys.stderr)

    def ours(m, threads=1, isa=None, fast=False, mod=None):
        def make():
            rt = mod or sys.modules["runtime"]
            rt._tflrt.set_isa(isa)  # the level applies to interpreters prepared afterwards
            try:
                it = rt.Interpreter(
                    model_content=m,
                    num_threads=threads,
                    **({"experimental_fast_float": True} if fast else {}),
                )
                it.allocate_tensors()
            finally:
                rt._tflrt.set_isa(None)
            return it

        return make

    rows = []
    for name in args.models.split(","):
        model = build_model(name)
        is_float = MODELS[name][1] is None
        one = {f"ours {lv}": ours(model, isa=lv) for lv in levels}
        if is_float:
            one["ours fast"] = ours(model, fast=True)
        if anchor is not None:
            one["anchor avx2"] = ours(model, isa="avx2", mod=anchor)
        one["xnnpack"] = lambda m=model: LiteRT(model_content=m, num_threads=1)
        r1 = time_interleaved(one, args.seconds, clock=time.perf_counter if args.wall else time.thread_time)
        two = {"ours": ours(model, threads=2)}
        if is_float:
            two["ours fast"] = ours(model, threads=2, fast=True)
        two["xnnpack"] = lambda m=model: LiteRT(model_content=m, num_threads=2)
        r2 = time_interleaved(two, args.seconds)
        top = f"ours {levels[-1]}"
        a = r1[top][1][0]
        same_levels = all(
            all(np.array_equal(x, y) for x, y in zip(r1[f"ours {lv}"][1], r1[top][1], strict=True))
            for lv in levels
        )
        same_2t = all(np.array_equal(x, y) for x, y in zip(r2["ours"][1], r1[top][1], strict=True))
        fast_rel = _rel(r1["ours fast"][1][0], a) if is_float else None
        ref_ms, err, mem = float("nan"), "—", (float("nan"), float("nan"))
        if not args.no_ref:
            ref_ms, _, _, ref_out = time_interpreter(
                lambda m=model: LiteRT(
                    model_content=m, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF
                ),
                args.seconds,
            )
            b = ref_out[0]
            if a.dtype.kind == "f":
                err = f"{_rel(a, b):.1e} rel"
            else:
                err = f"{int(np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))))} LSB"
            path = os.path.join(CACHE, name + ".tflite")
            mem = (peak_mb("ours", path), peak_mb("default", path))
        arena = _prepared(ours(model)).arena_bytes()
        rows.append((name, len(model), r1, r2, ref_ms, err, mem, arena, same_levels, same_2t, fast_rel))
        print(
            f"{name}: " + ", ".join(f"{k} {v[0]:.2f} ms" for k, v in r1.items())
            + "; 2 threads: " + ", ".join(f"{k} {v[0]:.2f} ms" for k, v in r2.items()),
            file=sys.stderr,
            flush=True,
        )  # fmt: skip

    lv_cols = " | ".join(f"ours {lv} ms" for lv in levels)
    lines = [
        f"Runtime latency, median ms per inference ({platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}; `benchmarks/runtime.py`). CPU: {cpu_description()}. Runtime ISA level "
        f"detected: **{isa_cpu}**. 1 thread unless the column says 2T (num_threads=2 for both); 1-thread columns are "
        + (
            "wall-clock time"
            if args.wall
            else "CPU time of the invoking thread (both runtimes infer on it with 1 "
            "thread; the machine is shared, and wall time then mostly measures other jobs)"
        )
        + ", 2T columns wall-clock time. Ours runs in exact "
        "mode (bit-identical on every ISA level and thread count) unless the column says fast "
        "(`experimental_fast_float=True`, FMA). Every group of columns (1T, 2T) is timed interleaved in one run, one "
        "invoke per configuration per round, so ratios compare the same moments of this shared machine.",
        "",
        f"| model | bytes | {lv_cols} | ours fast ms | LiteRT default (XNNPACK) ms | exact / XNNPACK | "
        "fast / XNNPACK | LiteRT BUILTIN_REF ms | ours 2T ms | ours fast 2T ms | XNNPACK 2T ms | exact / XNNPACK 2T "
        "| fast / XNNPACK 2T | our arena bytes | peak RSS growth ours / LiteRT default MB | max diff vs REF "
        "| fast vs exact |" + (" main build avx2 ms |" if anchor is not None else ""),
        "|---" * (17 + len(levels) + (anchor is not None)) + "|",
    ]

    def ms(r, k):
        return f"{r[k][0]:.2f}" if k in r else "—"

    def ratio(r, k, ref="xnnpack"):
        return f"{r[k][0] / r[ref][0]:.2f}x" if k in r else "—"

    for name, size, r1, r2, ref_ms, err, mem, arena, same_levels, same_2t, fast_rel in rows:
        top = f"ours {levels[-1]}"
        lv_vals = " | ".join(ms(r1, f"ours {lv}") for lv in levels)
        lines.append(
            f"| {name} | {size:,} | {lv_vals}{'' if same_levels else ' (levels differ!)'} | {ms(r1, 'ours fast')} "
            f"| {ms(r1, 'xnnpack')} | {ratio(r1, top)} | {ratio(r1, 'ours fast')} | {'—' if ref_ms != ref_ms else f'{ref_ms:.2f}'} "
            f"| {ms(r2, 'ours')}{'' if same_2t else ' (output differs from 1T!)'} | {ms(r2, 'ours fast')} "
            f"| {ms(r2, 'xnnpack')} | {ratio(r2, 'ours')} | {ratio(r2, 'ours fast')} | {arena:,} "
            f"| {'—' if mem[0] != mem[0] else f'{mem[0]:.1f} / {mem[1]:.1f}'} | {err} | {'—' if fast_rel is None else f'{fast_rel:.1e} rel'} |"
            + (f" {ms(r1, 'anchor avx2')} |" if anchor is not None else "")
        )
    lines += [
        "",
        f"Per-level columns: the runtime's ISA cap (`runtime._tflrt.set_isa`) forced to that level; exact / XNNPACK "
        f"uses the highest ({levels[-1]}). fast vs exact: max |fast - exact| / max |exact| on the first output.",
        "Peak RSS growth: max resident set size after creating the interpreter, allocate_tensors() and one invoke(),",
        "minus the same before (model bytes already in memory), measured in a fresh process per interpreter.",
        "2T: the machine's cores are shared with other jobs, so 2-thread numbers are noisier than 1-thread ones.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_section(table)


def write_section(table: str):
    results_md.write_section("runtime", f"## Runtime\n\n{table}")
    with open(os.path.join(CACHE, "runtime_table.md"), "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
