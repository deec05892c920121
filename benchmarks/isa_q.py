"""int8 MobileNetV2 latency per forced ISA level: our C interpreter vs LiteRT's default resolver (XNNPACK), 1 and 2
threads, in one process (the model comes from benchmarks/runtime.py's cache).

    .venv/bin/python benchmarks/isa_q.py [--levels avx2,avx512_vnni] [--seconds 3] [--root DIR]

--root runs another checkout's runtime package (e.g. main's build as the anchor); the model is built with this one.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


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
    import runtime as bench  # benchmarks/runtime.py: model cache and timing loop

    data = bench.build_model(args.model)
    sys.path.insert(0, os.path.abspath(args.root))
    for mod in [m for m in sys.modules if m == "runtime" or m.startswith("runtime.")]:
        del sys.modules[mod]  # the benchmark module shadowed the package name
    from runtime import Interpreter, _tflrt

    have = getattr(_tflrt, "isa", None)
    detected = have()[1] if have else "n/a"
    names = ["scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni"]
    levels = args.levels.split(",") if args.levels else names[: names.index(detected) + 1] if have else [""]
    print(f"root {args.root}; CPU level {detected}")
    print("| level | threads | ours ms | XNNPACK ms | ratio |")
    print("|---|---|---|---|---|")
    lite = {}
    if not args.no_litert:
        from ai_edge_litert.interpreter import Interpreter as LiteRT

        for nt in (1, 2):
            lite[nt] = bench.time_interpreter(
                lambda nt=nt: LiteRT(model_content=data, num_threads=nt), args.seconds
            )[0]
    for level in levels:
        if level:
            _tflrt.set_isa(level)
        for nt in (1, 2):
            ms = bench.time_interpreter(
                lambda nt=nt: Interpreter(model_content=data, num_threads=nt), args.seconds
            )[0]
            ref = lite.get(nt)
            ratio = f"{ms / ref:.2f}x" if ref else "-"
            print(
                f"| {level or 'default'} | {nt} | {ms:.2f} | {ref:.2f} | {ratio} |"
                if ref
                else f"| {level} | {nt} | {ms:.2f} | - | - |"
            )
        if level:
            _tflrt.set_isa(None)


if __name__ == "__main__":
    main()
