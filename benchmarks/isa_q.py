"""int8 model latency per forced ISA level: our C interpreter vs LiteRT's default resolver (XNNPACK), 1 and 2
threads, in one process (the models are benchmarks/runtime.py's cached int8 conversions: TF's converter, 8 seeded
representative samples, int8 input and output).

    .venv/bin/python benchmarks/isa_q.py [--models mobilenet_v2_int8,resnet50_int8] [--levels avx2,avx512_vnni]
                                         [--seconds 3] [--anchor OTHER/runtime]

Configurations of one model and thread count are timed round-robin (one invoke each per round), so drifts in the
load of a shared machine hit all of them alike. 1 thread: median CPU time of the calling thread (inference runs on
it in both runtimes); 2 threads: median wall-clock time. --anchor times another build's `runtime` package (e.g. the
build before a change) at the same levels in the same rounds, for before/after tables. Outputs of every level (and of
the anchor) are checked bit-identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LEVELS = ["scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni"]
EXTRA_MODELS = {"resnet50_int8": ("ResNet50", "int8"), "efficientnet_b0_int8": ("EfficientNetB0", "int8")}


def _load_package(path: str, name: str):
    """A `runtime` package directory (with its built _tflrt) imported under another module name."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(path, "__init__.py"), submodule_search_locations=[path]
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _prepared(make):
    it = make()
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        it.set_tensor(d["index"], rng.integers(-128, 128, d["shape"]).astype(d["dtype"]))
    it.invoke()  # warm-up
    return it


def time_round_robin(makers: dict, seconds: float, clock, min_rounds: int = 5) -> dict:
    """{key: (median ms, min ms, outputs)} over rounds of one invoke per configuration."""
    its = {k: _prepared(m) for k, m in makers.items()}
    times = {k: [] for k in its}
    end = time.perf_counter() + seconds * len(its)
    rounds = 0
    while rounds < min_rounds or time.perf_counter() < end:
        for k, it in its.items():
            t0 = clock()
            it.invoke()
            times[k].append((clock() - t0) * 1e3)
        rounds += 1
    res = {
        k: (
            statistics.median(times[k]),
            min(times[k]),
            [it.get_tensor(d["index"]) for d in it.get_output_details()],
        )
        for k, it in its.items()
    }
    its.clear()  # joins worker threads before the next group
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="mobilenet_v2_int8,resnet50_int8,efficientnet_b0_int8")
    ap.add_argument(
        "--levels", default="", help="comma-separated ISA caps (default: avx2 and up to the CPU's)"
    )
    ap.add_argument(
        "--seconds", type=float, default=3.0, help="time budget per configuration and thread count"
    )
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--anchor", help="another build's runtime/ package directory, timed at the same levels")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import runtime as bench  # benchmarks/runtime.py: the model cache

    for k, v in EXTRA_MODELS.items():
        bench.MODELS.setdefault(k, v)
    del sys.modules["runtime"]  # benchmarks/runtime.py shadowed the package name
    ours = _load_package(os.path.join(ROOT, "runtime"), "runtime")
    anchor = _load_package(os.path.abspath(args.anchor), "runtime_anchor") if args.anchor else None
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    detected = ours._tflrt.isa()[1]
    if args.levels:
        levels = args.levels.split(",")
    else:
        levels = [lv for lv in LEVELS[2 : LEVELS.index(detected) + 1] if lv != "avx2_vnni"]
    print(f"CPU level {detected}; levels {', '.join(levels)}; anchor {args.anchor or '-'}")

    def make_ours(mod, data, nt, level):
        def make():
            mod._tflrt.set_isa(level)  # applies to interpreters prepared afterwards
            try:
                it = mod.Interpreter(model_content=data, num_threads=nt)
                it.allocate_tensors()
            finally:
                mod._tflrt.set_isa(None)
            return it

        return make

    print("| model | threads | XNNPACK ms | " + " | ".join(
        f"{lv} ms (x XNN)" + (f" | anchor {lv} ms" if anchor else "") for lv in levels
    ) + " | identical |")  # fmt: skip
    print("|---" * (4 + len(levels) * (2 if anchor else 1)) + "|")
    for name in args.models.split(","):
        data = bench.build_model(name)
        for nt in (int(t) for t in args.threads.split(",")):
            makers = {"xnnpack": lambda nt=nt, data=data: LiteRT(model_content=data, num_threads=nt)}
            for lv in levels:
                makers[lv] = make_ours(ours, data, nt, lv)
                if anchor:
                    makers["anchor " + lv] = make_ours(anchor, data, nt, lv)
            res = time_round_robin(makers, args.seconds, time.thread_time if nt == 1 else time.perf_counter)
            ref = res[levels[-1]][2]
            same = all(
                all(np.array_equal(a, b) for a, b in zip(res[k][2], ref, strict=True))
                for k in res
                if k != "xnnpack"
            )
            x = res["xnnpack"][0]
            cells = []
            for lv in levels:
                cells.append(f"{res[lv][0]:.2f} ({res[lv][0] / x:.2f}x)")
                if anchor:
                    a = res["anchor " + lv][0]
                    cells.append(f"{a:.2f} ({a / x:.2f}x)")
            print(
                f"| {name} | {nt} | {x:.2f} | " + " | ".join(cells) + f" | {'yes' if same else 'NO'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
