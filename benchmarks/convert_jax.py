"""JAX conversion benchmark: tflc's `experimental_from_jax` vs TensorFlow 2.21's on the same Flax functions.

The three models of tests/jax_models.py (MLP, CNN, transformer encoder block). Both converters run in this one process
(TensorFlow, JAX and Flax imported first, one warm-up conversion each), alternating, `--runs` times each; every run
converts a fresh `functools.partial(module.apply, params)`, so JAX's per-function caches never carry over between
runs (what a user converting a new function gets). Timed: converter construction + `convert()`, wall (perf_counter)
and CPU (process_time) time; medians. Op counts are the operators of each file's first subgraph. Writes a table into
benchmarks/RESULTS.md between the `<!-- jax:begin -->` / `<!-- jax:end -->` markers.

    python benchmarks/convert_jax.py [--models mlp,cnn,encoder] [--runs 11] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from results_md import write_section  # noqa: E402


def op_count(model: bytes) -> int:
    import tflite

    return tflite.Model.GetRootAsModel(model, 0).Subgraphs(0).OperatorsLength()


def convert_tflc(fn, x) -> tuple[bytes, float, float, dict[str, float]]:
    from compiler import TFLiteConverter

    w, c = time.perf_counter(), time.process_time()
    converter = TFLiteConverter.experimental_from_jax([fn], [[("x", x)]])
    data = converter.convert()
    return data, time.perf_counter() - w, time.process_time() - c, dict(converter.result.phase_seconds)


def convert_tf(fn, x) -> tuple[bytes, float, float]:
    import tensorflow as tf

    w, c = time.perf_counter(), time.process_time()
    converter = tf.lite.TFLiteConverter.experimental_from_jax([fn], [[("x", x)]])
    data = converter.convert()
    return data, time.perf_counter() - w, time.process_time() - c


def bench(name: str, runs: int) -> dict[str, object]:
    from jax_models import apply_fn, build

    module, params, x = build(name)
    ours, _, _, _ = convert_tflc(apply_fn(module, params), x)  # warm-up: first-use costs of both libraries
    theirs, _, _ = convert_tf(apply_fn(module, params), x)
    rows: dict[str, list[float]] = {k: [] for k in ("ours_wall", "ours_cpu", "tf_wall", "tf_cpu")}
    phases: dict[str, list[float]] = {}
    for _ in range(runs):
        _, wall, cpu, ph = convert_tflc(apply_fn(module, params), x)
        rows["ours_wall"].append(wall)
        rows["ours_cpu"].append(cpu)
        for k, v in ph.items():
            phases.setdefault(k, []).append(v)
        _, wall, cpu = convert_tf(apply_fn(module, params), x)
        rows["tf_wall"].append(wall)
        rows["tf_cpu"].append(cpu)
    med = {k: statistics.median(v) for k, v in rows.items()}
    # each run's ratio to the TF run right after it: load drifting on a shared machine cancels out pairwise
    paired = {
        kind: statistics.median(a / b for a, b in zip(rows[f"ours_{kind}"], rows[f"tf_{kind}"], strict=True))
        for kind in ("wall", "cpu")
    }
    return {
        "name": name,
        **med,
        "paired": paired,
        "ops": (op_count(ours), op_count(theirs)),
        "phases": {k: statistics.median(v) for k, v in phases.items()},
    }


def table(results: list[dict], runs: int) -> str:
    import jax
    import tensorflow as tf

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} on this machine ({os.cpu_count()} cores, shared), TensorFlow {tf.__version__}, "
        f"jax {jax.__version__}. Both converters in one process, alternating; medians of {runs} runs, each "
        "converting a fresh function (no JAX cache carried over). Time: converter construction + `convert()`, JAX "
        "tracing and lowering included on both sides. CPU = process time. ratio = tflc median / TF median; paired = "
        "median of each run's tflc / TF ratio (the TF run right after it), less sensitive to load drifting.",
        "",
        "| Flax model | tflc wall ms | TF wall ms | ratio | paired | tflc CPU ms | TF CPU ms | ratio | paired | ops tflc "
        "| ops TF |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['ours_wall'] * 1e3:.0f} | {r['tf_wall'] * 1e3:.0f} | "
            f"{r['ours_wall'] / r['tf_wall']:.2f} | {r['paired']['wall']:.2f} | {r['ours_cpu'] * 1e3:.0f} | "
            f"{r['tf_cpu'] * 1e3:.0f} | {r['ours_cpu'] / r['tf_cpu']:.2f} | {r['paired']['cpu']:.2f} | {r['ops'][0]} | "
            f"{r['ops'][1]} |"
        )
    lines += [
        "",
        "tflc phases (median wall ms; load = JAX tracing + lowering to StableHLO + translation to `tf` ops):",
        "",
    ]
    lines += [
        "| Flax model | " + " | ".join(results[0]["phases"]) + " |",
        "|---" * (len(results[0]["phases"]) + 1) + "|",
    ]
    for r in results:
        lines.append(f"| {r['name']} | " + " | ".join(f"{v * 1e3:.1f}" for v in r["phases"].values()) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="mlp,cnn,encoder")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--no-write", action="store_true", help="don't update RESULTS.md")
    args = ap.parse_args()
    import tensorflow  # noqa: F401  (imported before timing, for both converters)

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # TF's experimental_from_jax is deprecated
    results = [bench(m, args.runs) for m in args.models.split(",") if m]
    body = table(results, args.runs)
    print(body)
    if not args.no_write:
        write_section(
            "jax",
            f"## JAX conversion: TensorFlow 2.21 `experimental_from_jax` vs tflc (Flax models, float32)\n\n{body}",
        )


if __name__ == "__main__":
    main()
