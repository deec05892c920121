"""Conversion benchmark: TensorFlow's converter vs tflc on the issue-2 corpus, same machine, same run.

Each conversion runs in a fresh subprocess (`--one`) that loads TensorFlow first, then times only
`converter.convert()` from a SavedModel; peak RSS is the subprocess's maximum resident set (both sides pay the same
TensorFlow import). Numerics: both .tflite files run in LiteRT (1 thread) on the same input, compared with
TensorFlow. Writes a table into benchmarks/RESULTS.md between the `convert` markers.

    python benchmarks/convert.py [--models mlp,resnet50] [--repeat 1]
    python benchmarks/convert.py --models '' [--quant-models mobilenet_v2] [--samples 8] [--runs 40]

Quantized rows (`quantize` markers): MobileNetV2, ResNet50, EfficientNetB0 through `from_keras_model` with full int8
(representative dataset, calibration included), dynamic range and float16, TF and tflc each in a fresh process;
int8 files also get SQNR and LiteRT latency (both files interleaved in this process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
CACHE = os.path.join(HERE, ".cache")
from results_md import write_section  # noqa: E402

DEFAULT_MODELS = [
    "mlp",
    "small_cnn",
    "mobilenet_v2",
    "resnet50",
    "efficientnet_b0",
    "transformer_block",
    "mobilenet_v3_small",
    "lstm",
]


def one(which: str, saved_model: str, out_path: str) -> None:
    """Subprocess body: convert once, print a JSON line."""
    import tensorflow as tf  # noqa: F401  (imported before timing, for both converters)

    if which == "tf":
        import tensorflow as tf

        conv = tf.lite.TFLiteConverter.from_saved_model(saved_model, signature_keys=["serving_default"])
    else:
        from compiler import TFLiteConverter

        conv = TFLiteConverter.from_saved_model(saved_model, signature_keys=["serving_default"])
        conv.experimental_static_batch = None  # dynamic dims, as TF keeps them (tflc's default too)
    t0 = time.perf_counter()
    data = conv.convert()
    seconds = time.perf_counter() - t0
    with open(out_path, "wb") as f:
        f.write(data)
    rec = {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "bytes": len(data)}
    if which == "tflc":
        rec["phases"] = conv.result.phase_seconds
        rec["passes"] = [(r.name, r.seconds, r.ops_before, r.ops_after) for r in conv.result.pipeline.records]
    print("RESULT " + json.dumps(rec))


QUANT_MODELS = ["mobilenet_v2", "resnet50", "efficientnet_b0"]
QUANT_MODES = ["int8", "dynamic", "float16"]
QUANT_SAMPLES = 8  # representative samples per int8 conversion (the TF anchor uses 8)


def quant_samples(model: object, count: int) -> list:
    """Seeded representative samples in [-1, 1] for the Keras model's single input (both converters get these)."""
    import numpy as np

    (inp,) = model.inputs
    shape = [1 if d is None else d for d in inp.shape]
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(count)]


def one_quant(which: str, name: str, count: int, out_dir: str) -> None:
    """Subprocess body: build the corpus model once, then convert it with `from_keras_model` in every mode of
    QUANT_MODES (int8 first, so the target row pays the cold start), timing each `convert()` (for int8 also the
    calibration step inside it); writes `{which}_{mode}.tflite` into out_dir and prints one JSON line."""
    import tensorflow as tf
    from corpus import build

    model = build(name)
    samples = quant_samples(model, count)
    calib: dict = {}
    if which == "tf":
        from tensorflow.lite.python.optimize import calibrator

        calibrate = calibrator.Calibrator.calibrate

        def timed(self, gen):  # TF's calibration step: logging interpreter over every sample
            t = time.perf_counter()
            out = calibrate(self, gen)
            calib["seconds"] = time.perf_counter() - t
            return out

        calibrator.Calibrator.calibrate = timed
        make = tf.lite.TFLiteConverter.from_keras_model
    else:
        import compiler.calibrate as tflc_calibrate
        from compiler import TFLiteConverter

        calibrate = tflc_calibrate.calibrate

        def timed(*args, **kwargs):  # the converter looks `calibrate` up when it quantizes
            t = time.perf_counter()
            out = calibrate(*args, **kwargs)
            calib["seconds"] = time.perf_counter() - t
            return out

        tflc_calibrate.calibrate = timed
        make = TFLiteConverter.from_keras_model
    recs: dict = {}
    for mode in QUANT_MODES:
        conv = make(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode == "int8":
            conv.representative_dataset = lambda: ([x] for x in samples)
        elif mode == "float16":
            conv.target_spec.supported_types = [tf.float16]
        calib.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            data = conv.convert()
        except Exception as e:  # noqa: BLE001 - reported in the table
            recs[mode] = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:200]}
            continue
        rec = {
            "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0,
            "bytes": len(data),
        }
        if "seconds" in calib:
            rec["calibrate_seconds"] = calib["seconds"]
        if which == "tflc":
            rec["phases"] = conv.result.phase_seconds
        with open(os.path.join(out_dir, f"{which}_{mode}.tflite"), "wb") as f:
            f.write(data)
        recs[mode] = rec
    recs["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(recs))


def run_quant(which: str, name: str, count: int, out_dir: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--quant-one", which, name, str(count), out_dir],
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    lines = proc.stderr.strip().splitlines() or ["?"]
    errors = [ln for ln in lines if "Error" in ln]
    return {mode: {"error": (errors[-1] if errors else lines[-1])[:200]} for mode in QUANT_MODES}


def sqnr_db(ours, ref) -> float:
    """Signal-to-quantization-noise ratio of `ours` against the float reference, in dB."""
    import numpy as np

    ref = np.asarray(ref, np.float64)
    noise = float(np.sum((np.asarray(ours, np.float64) - ref) ** 2))
    return float("inf") if noise == 0 else 10 * float(np.log10(float(np.sum(ref**2)) / noise))


def quant_rows(models: list[str], count: int, runs: int) -> None:
    """Quantized conversions, same run: TF 2.21's converter vs tflc (from_keras_model; int8 with `count`
    representative samples, dynamic range, float16): convert() time, bytes, ops; for int8 also the calibration
    step, SQNR of both files against the Keras float output and LiteRT latency of both files (interleaved runs).
    Writes the `quantize` section of RESULTS.md."""
    from corpus import build, count_ops, run_litert, sample_inputs

    rows = []
    for name in models:
        os.makedirs(os.path.join(CACHE, name), exist_ok=True)
        rec: dict = {"model": name}
        for which in ("tf", "tflc"):
            recs = run_quant(which, name, count, os.path.join(CACHE, name))
            for mode in QUANT_MODES:
                r = recs[mode]
                if "error" not in r:
                    r["ops"] = count_ops(
                        open(os.path.join(CACHE, name, f"{which}_{mode}.tflite"), "rb").read()
                    )
                rec[(which, mode)] = r
                print(name, mode, which, {k: v for k, v in r.items() if k != "phases"}, flush=True)
        tf8, ours8 = rec[("tf", "int8")], rec[("tflc", "int8")]
        if "error" not in tf8 and "error" not in ours8:
            model = build(name)
            x = sample_inputs(model)
            ref = model(x[0], training=False).numpy()
            paths = [os.path.join(CACHE, name, f"{w}_int8.tflite") for w in ("tf", "tflc")]
            for r, path in zip((tf8, ours8), paths, strict=True):
                r["sqnr"] = sqnr_db(next(iter(run_litert(open(path, "rb").read(), x).values())), ref)
            tf8["ms"], ours8["ms"] = latency_pair(paths, runs)
            print(name, "int8 sqnr/ms", tf8["sqnr"], ours8["sqnr"], tf8["ms"], ours8["ms"], flush=True)
        rows.append(rec)
    write_quant(rows, count, runs)


def latency_pair(paths: list[str], runs: int) -> tuple[float, float]:
    """Median ms per invoke of two .tflite files in LiteRT (default resolver, 1 thread), their runs interleaved
    (alternating which goes first) so both see the same machine load."""
    import statistics

    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    its = []
    for path in paths:
        it = Interpreter(model_path=path, num_threads=1)
        it.allocate_tensors()
        rng = np.random.default_rng(0)
        for d in it.get_input_details():
            it.set_tensor(d["index"], rng.uniform(-1, 1, d["shape"]).astype(d["dtype"]))
        it.invoke()  # warm-up
        its.append(it)
    times: list[list[float]] = [[], []]
    for n in range(runs):
        for k in (0, 1) if n % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            its[k].invoke()
            times[k].append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times[0]), statistics.median(times[1])


def write_quant(rows: list[dict], count: int, runs: int) -> None:
    lines = [
        "## Quantized conversion: TensorFlow 2.21 converter vs tflc (from_keras_model, 1 process per model and side)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine ({os.cpu_count()} cores, "
        f"shared: load average {os.getloadavg()[1]:.1f} over the last 5 minutes). Seconds: `convert()` wall time, Keras tracing included on both sides; each side converts the model in one "
        "fresh process, int8 first (it pays the cold start), then dynamic and float16. int8: `optimizations=[DEFAULT]` and "
        f"a `representative_dataset` of {count} seeded samples in [-1, 1] (float fallback allowed, float I/O); "
        "calib s: the calibration step inside it (TF: `Calibrator.calibrate`, tflc: `compiler.calibrate.calibrate`). "
        "CPU s: process CPU time of the same call (all threads; less sensitive to other jobs on this machine). "
        "dynamic: `optimizations=[DEFAULT]`; float16: plus `supported_types=[tf.float16]`. "
        "SQNR: LiteRT output of the int8 file against the Keras float output on one seeded input; weights are random "
        "(tests/corpus.py), and MobileNetV2's tiny logits (~1e-11) quantize to all zeros (0 dB) in both files. "
        f"ms: LiteRT default resolver (XNNPACK), 1 thread, median of {runs} invocations per file, the two files "
        "interleaved in one process.",
        "",
        "| model | mode | TF s | tflc s | ratio | TF CPU s | tflc CPU s | TF calib s | tflc calib s | TF bytes "
        "| tflc bytes | bytes ratio "
        "| TF ops | tflc ops | TF SQNR dB | tflc SQNR dB | TF ms | tflc ms | latency ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rec in rows:
        for mode in QUANT_MODES:
            tf_, ours = rec[("tf", mode)], rec[("tflc", mode)]
            if "error" in tf_ or "error" in ours:
                err = tf_.get("error") or ours.get("error", "")
                side = "TF" if "error" in tf_ else "tflc"
                lines.append(f"| {rec['model']} | {mode} | {side} failed: {err[:100]} |" + "|" * 16)
                continue
            cells = [
                rec["model"],
                mode,
                f"{tf_['seconds']:.2f}",
                f"{ours['seconds']:.2f}",
                f"{ours['seconds'] / tf_['seconds']:.2f}",
                f"{tf_['cpu_seconds']:.2f}",
                f"{ours['cpu_seconds']:.2f}",
                _fmt(tf_, "calibrate_seconds", ".2f"),
                _fmt(ours, "calibrate_seconds", ".2f"),
                f"{tf_['bytes']:,}",
                f"{ours['bytes']:,}",
                f"{ours['bytes'] / tf_['bytes']:.4f}",
                str(tf_["ops"]),
                str(ours["ops"]),
                _fmt(tf_, "sqnr", ".1f"),
                _fmt(ours, "sqnr", ".1f"),
                _fmt(tf_, "ms", ".2f"),
                _fmt(ours, "ms", ".2f"),
                f"{ours['ms'] / tf_['ms']:.2f}" if "ms" in ours and "ms" in tf_ else "—",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Targets (issue 9): int8 conversion time <= 0.5x TF's, bytes within 1% of TF's, LiteRT latency of our int8 "
        "file <= 1.05x TF's.",
    ]
    write_section("quantize", "\n".join(lines))


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that across execve, so a child
    would report the parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(name: str) -> tuple[str, object]:
    from corpus import build

    path = os.path.join(CACHE, name, "saved_model")
    model = build(name)
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
        model.export(path, verbose=False)
    return path, model


def run_one(which: str, saved_model: str, out_path: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--one", which, saved_model, out_path], capture_output=True, text=True
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    lines = proc.stderr.strip().splitlines() or ["?"]
    errors = [ln for ln in lines if "Error" in ln]
    return {"error": (errors[-1] if errors else lines[-1])[:200]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=3)
    ap.add_argument("--quant-one", nargs=4)
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS), help="float rows; '' to skip them")
    ap.add_argument("--quant-models", default=",".join(QUANT_MODELS), help="quantized rows; '' to skip them")
    ap.add_argument("--samples", type=int, default=QUANT_SAMPLES, help="representative samples for int8")
    ap.add_argument("--runs", type=int, default=40, help="LiteRT invocations per int8 file")
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return
    if args.quant_one:
        which, name, count, out_dir = args.quant_one
        one_quant(which, name, int(count), out_dir)
        return

    from corpus import count_ops, rel_error, run_litert, sample_inputs

    rows = []
    resnet_passes = None
    for name in [m for m in args.models.split(",") if m]:
        saved_model, model = prepare(name)
        x = sample_inputs(model)
        ref = model(x[0] if len(x) == 1 else x, training=False).numpy()
        rec = {"model": name}
        for which in ("tf", "tflc"):
            out_path = os.path.join(CACHE, name, f"{which}.tflite")
            r = run_one(which, saved_model, out_path)
            if "error" not in r:
                data = open(out_path, "rb").read()
                r["ops"] = count_ops(data)
                r["rel_err"] = rel_error(next(iter(run_litert(data, x).values())), ref)
            rec[which] = r
            print(name, which, {k: v for k, v in r.items() if k not in ("passes", "phases")}, flush=True)
        if name == "resnet50" and "passes" in rec["tflc"]:
            resnet_passes = rec["tflc"]
        rows.append(rec)
    if rows:
        write_results(rows, resnet_passes)
    quant_models = [m for m in args.quant_models.split(",") if m]
    if quant_models:
        quant_rows(quant_models, args.samples, args.runs)


def _fmt(r: dict, key: str, fmt: str) -> str:
    return format(r[key], fmt) if key in r else "—"


def write_results(rows: list[dict], resnet: dict | None) -> None:
    lines = [
        "## Conversion: TensorFlow 2.21 converter vs tflc (from_saved_model of Keras `model.export()`: batch None, kept dynamic by both; float32, 1 process each)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine (2 cores). Wall time is "
        "`convert()` only; peak RSS is the whole converting process (TensorFlow import included on both sides). "
        "Error: max |LiteRT − TF| / max |TF| on one random input.",
        "",
        "| model | TF s | tflc s | ratio | TF RSS MB | tflc RSS MB | ratio | TF bytes | tflc bytes | TF ops | tflc ops "
        "| TF err | tflc err |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    failures: list[str] = []
    for rec in rows:
        tf_, ours = rec["tf"], rec["tflc"]
        if "error" in tf_ and "error" not in ours:  # TF cannot convert it (e.g. Keras 3 LSTM): tflc's figures
            lines.append(
                f"| {rec['model']} | failed | {ours['seconds']:.2f} | — | — | {ours['peak_rss_mb']:.0f} | — | — "
                f"| {ours['bytes']:,} | — | {ours['ops']} | — | {ours['rel_err']:.1e} |"
            )
            failures.append(f"TF on {rec['model']}: {tf_['error']}")
            continue
        if "error" in ours or "error" in tf_:
            lines.append(
                f"| {rec['model']} | {_fmt(tf_, 'seconds', '.2f')} | failed: "
                f"{ours.get('error', tf_.get('error', ''))[:80]} |||||||||||"
            )
            continue
        lines.append(
            f"| {rec['model']} | {tf_['seconds']:.2f} | {ours['seconds']:.2f} | {ours['seconds'] / tf_['seconds']:.2f} "
            f"| {tf_['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {ours['peak_rss_mb'] / tf_['peak_rss_mb']:.2f} "
            f"| {tf_['bytes']:,} | {ours['bytes']:,} | {tf_['ops']} | {ours['ops']} "
            f"| {tf_['rel_err']:.1e} | {ours['rel_err']:.1e} |"
        )
    if failures:
        lines += ["", *(f"- {f}" for f in failures)]
    if resnet:
        lines += ["", "### tflc on ResNet50: phase and pass times", "", "| phase | s |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in resnet["phases"].items()]
        lines += ["", "| pass | s | ops before | ops after |", "|---|---|---|---|"]
        lines += [f"| {n} | {s:.3f} | {a} | {b} |" for n, s, a, b in resnet["passes"]]
    write_section("convert", "\n".join(lines))


if __name__ == "__main__":
    main()
