"""int8 MobileNetV2 latency per forced ISA level: our C interpreter vs LiteRT's default resolver (XNNPACK), 1 and 2
threads, in one process (the model is benchmarks/runtime.py's cached int8 MobileNetV2).

    .venv/bin/python benchmarks/isa_q.py [--levels avx2,avx512_vnni] [--seconds 3] [--root DIR]

Prints the wall-clock median and minimum, and for 1 thread the minimum CPU time of the calling thread (the figure
to compare on a machine shared with other jobs, where wall-clock runs of a few ms are mostly preempted).
--root times another checkout's runtime package (e.g. main's build, for the before/after anchor).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LEVELS = ["scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni"]


def measure(make, seconds: float) -> tuple[float, float, float]:
    """(median wall ms, min wall ms, min thread-CPU ms) over repeated invokes for `seconds`, after one warm-up."""
    it = make()
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.random.default_rng(0).integers(-128, 128, d["shape"]).astype(d["dtype"]))
    it.invoke()
    wall, cpu = [], []
    end = time.perf_counter() + seconds
    while len(wall) < 3 or time.perf_counter() < end:
        t0, c0 = time.perf_counter(), time.thread_time()
        it.invoke()
        cpu.append((time.thread_time() - c0) * 1e3)
        wall.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(wall), min(wall), min(cpu)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--levels", default="", help="comma-separated ISA caps (default: every level up to the CPU's)"
    )
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--model", default="mobilenet_v2_int8")
    ap.add_argument("--root", default=os.path.dirname(HERE), help="checkout whose runtime package is timed")
    ap.add_argument("--no-litert", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import runtime as bench  # benchmarks/runtime.py: the model cache

    data = bench.build_model(args.model)
    sys.path.insert(0, os.path.abspath(args.root))
    for mod in [m for m in sys.modules if m == "runtime" or m.startswith("runtime.")]:
        del sys.modules[mod]  # benchmarks/runtime.py shadowed the package name
    from runtime import Interpreter, _tflrt

    detected = _tflrt.isa()[1] if hasattr(_tflrt, "isa") else "n/a"
    if args.levels:
        levels = args.levels.split(",")
    else:
        levels = LEVELS[: LEVELS.index(detected) + 1] if detected in LEVELS else [""]
    print(f"{args.model}; runtime from {os.path.abspath(args.root)}; CPU level {detected}")
    print("| interpreter | ISA cap | threads | wall median ms | wall min ms | CPU min ms (1 thread) |")
    print("|---|---|---|---|---|---|")

    def row(name, level, nt, t):
        cpu = f"{t[2]:.2f}" if nt == 1 else "-"
        print(f"| {name} | {level or '-'} | {nt} | {t[0]:.2f} | {t[1]:.2f} | {cpu} |", flush=True)

    if not args.no_litert:
        from ai_edge_litert.interpreter import Interpreter as LiteRT

        for nt in (1, 2):
            row(
                "LiteRT XNNPACK",
                "",
                nt,
                measure(lambda nt=nt: LiteRT(model_content=data, num_threads=nt), args.seconds),
            )
    for level in levels:
        if level:
            _tflrt.set_isa(level)
        try:
            for nt in (1, 2):
                t = measure(lambda nt=nt: Interpreter(model_content=data, num_threads=nt), args.seconds)
                row("tflc runtime", level, nt, t)
        finally:
            if level:
                _tflrt.set_isa(None)


if __name__ == "__main__":
    main()
