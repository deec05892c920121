"""Conversion benchmark: TensorFlow's converter vs tflc on the issue-2 corpus, same machine, same run.

Each conversion runs in a fresh subprocess (`--one`) that loads TensorFlow first, then times only
`converter.convert()` from a SavedModel; peak RSS is the subprocess's maximum resident set (both sides pay the same
TensorFlow import). Numerics: both .tflite files run in LiteRT (1 thread) on the same input, compared with
TensorFlow. Writes a table into benchmarks/RESULTS.md between the `convert` markers.

    python benchmarks/convert.py [--models mlp,resnet50] [--repeat 1]
    python benchmarks/convert.py --only-calibration [--calibration-models mobilenet_v2] [--calibration-samples 16]

Calibration rows (`calibrate` markers): tflc's float conversion plus calibration in the C runtime vs TF's int8
conversion with a representative dataset of the same samples, TF's calibration step timed on its own.
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
RESULTS = os.path.join(HERE, "RESULTS.md")
DEFAULT_MODELS = [
    "mlp",
    "small_cnn",
    "mobilenet_v2",
    "resnet50",
    "efficientnet_b0",
    "transformer_block",
    "mobilenet_v3_small",
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


def calibration_samples(saved_model: str, count: int) -> list:
    """Seeded representative samples in [-1, 1] for the SavedModel's single input (both converters get these)."""
    import numpy as np
    import tensorflow as tf

    sig = tf.saved_model.load(saved_model).signatures["serving_default"]
    (spec,) = sig.structured_input_signature[1].values()
    shape = [1 if d is None else d for d in spec.shape]
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(count)]


def one_calibration(which: str, saved_model: str, count: int) -> None:
    """Subprocess body: TF's full int8 conversion (its calibration step timed inside), or tflc's float conversion
    followed by calibration over the same samples; prints a JSON line."""
    import tensorflow as tf

    samples = calibration_samples(saved_model, count)
    rec: dict = {"samples": count}
    if which == "tf":
        from tensorflow.lite.python.optimize import calibrator

        calibrate = calibrator.Calibrator.calibrate

        def timed(self, gen):  # TF's calibration step: logging interpreter over every sample
            t = time.perf_counter()
            out = calibrate(self, gen)
            rec["calibrate_seconds"] = time.perf_counter() - t
            return out

        calibrator.Calibrator.calibrate = timed
        conv = tf.lite.TFLiteConverter.from_saved_model(saved_model, signature_keys=["serving_default"])
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([x] for x in samples)
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        t0 = time.perf_counter()
        data = conv.convert()
        rec["seconds"] = time.perf_counter() - t0
        rec["bytes"] = len(data)
    else:
        from compiler import TFLiteConverter
        from compiler.calibrate import calibrate as tflc_calibrate

        conv = TFLiteConverter.from_saved_model(saved_model, signature_keys=["serving_default"])
        t0 = time.perf_counter()
        conv.convert()
        t1 = time.perf_counter()
        ranges = tflc_calibrate(conv.result.module, lambda: ([x] for x in samples), quiet=True)
        t2 = time.perf_counter()
        rec.update(float_seconds=t1 - t0, calibrate_seconds=t2 - t1, seconds=t2 - t0, ranges=len(ranges))
    rec["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(rec))


def run_calibration(which: str, saved_model: str, count: int) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--calibration-one", which, saved_model, str(count)],
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    lines = proc.stderr.strip().splitlines() or ["?"]
    return {"error": lines[-1][:200]}


def calibration_rows(models: list[str], count: int) -> None:
    """Calibration: tflc (float conversion + calibration in the C runtime) vs TF's int8 conversion with a
    representative dataset of the same `count` samples; writes the `calibrate` section of RESULTS.md."""
    rows = []
    for name in models:
        saved_model, _ = prepare(name)
        rec = {"model": name, "tf": run_calibration("tf", saved_model, count)}
        rec["tflc"] = run_calibration("tflc", saved_model, count)
        print(name, "calibration", rec, flush=True)
        rows.append(rec)
    lines = [
        "## Calibration: tflc vs TensorFlow 2.21 (from_saved_model, representative dataset, 1 process each)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine (2 cores), {count} seeded "
        "samples in [-1, 1]. TF int8 s: `convert()` with `Optimize.DEFAULT`, the dataset and TFLITE_BUILTINS_INT8 "
        "(float conversion, calibration, quantization); TF calib s: its `Calibrator.calibrate` step alone (logging "
        "interpreter over the samples). tflc: float `convert()`, then `compiler.calibrate.calibrate` (C runtime, "
        "every tensor kept, min/max of every float activation).",
        "",
        "| model | samples | TF int8 s | TF calib s | tflc float s | tflc calib s | calib ratio | tflc float + calib s "
        "| vs TF int8 | ranges |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rec in rows:
        tf_, ours = rec["tf"], rec["tflc"]
        if "error" in tf_ or "error" in ours:
            lines.append(
                f"| {rec['model']} | {count} | failed: {tf_.get('error', ours.get('error', ''))[:80]} |||||||"
            )
            continue
        lines.append(
            f"| {rec['model']} | {count} | {tf_['seconds']:.2f} | {tf_['calibrate_seconds']:.2f} "
            f"| {ours['float_seconds']:.2f} | {ours['calibrate_seconds']:.2f} "
            f"| {ours['calibrate_seconds'] / tf_['calibrate_seconds']:.2f} | {ours['seconds']:.2f} "
            f"| {ours['seconds'] / tf_['seconds']:.2f} | {ours['ranges']} |"
        )
    _replace_section("calibrate", "\n".join(lines))


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
    ap.add_argument("--calibration-one", nargs=3)
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--calibration-models", default="mobilenet_v2", help="'' to skip the calibration rows")
    ap.add_argument("--calibration-samples", type=int, default=16)
    ap.add_argument("--only-calibration", action="store_true")
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return
    if args.calibration_one:
        which, saved_model, count = args.calibration_one
        one_calibration(which, saved_model, int(count))
        return
    calibration_models = [m for m in args.calibration_models.split(",") if m]
    if args.only_calibration:
        calibration_rows(calibration_models, args.calibration_samples)
        return

    from corpus import count_ops, rel_error, run_litert, sample_inputs

    rows = []
    resnet_passes = None
    for name in args.models.split(","):
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
    write_results(rows, resnet_passes)
    if calibration_models:
        calibration_rows(calibration_models, args.calibration_samples)


def _fmt(r: dict, key: str, fmt: str) -> str:
    return format(r[key], fmt) if key in r else "—"


def write_results(rows: list[dict], resnet: dict | None) -> None:
    lines = [
        "## Conversion: TensorFlow 2.21 converter vs tflc (from_saved_model, float32, 1 process each)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine (2 cores). Wall time is "
        "`convert()` only; peak RSS is the whole converting process (TensorFlow import included on both sides). "
        "Error: max |LiteRT − TF| / max |TF| on one random input.",
        "",
        "| model | TF s | tflc s | ratio | TF RSS MB | tflc RSS MB | ratio | TF bytes | tflc bytes | TF ops | tflc ops "
        "| TF err | tflc err |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rec in rows:
        tf_, ours = rec["tf"], rec["tflc"]
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
    if resnet:
        lines += ["", "### tflc on ResNet50: phase and pass times", "", "| phase | s |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in resnet["phases"].items()]
        lines += ["", "| pass | s | ops before | ops after |", "|---|---|---|---|"]
        lines += [f"| {n} | {s:.3f} | {a} | {b} |" for n, s, a, b in resnet["passes"]]
    _replace_section("convert", "\n".join(lines))


def _replace_section(tag: str, body: str) -> None:
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    text = (
        open(RESULTS).read()
        if os.path.exists(RESULTS)
        else "# Benchmark results\n\nWritten by `make bench`.\n"
    )
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(RESULTS, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
