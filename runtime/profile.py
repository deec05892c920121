"""Per-node profile of the C interpreter (`Interpreter(..., experimental_profile=True)`, `get_profile()`): where an
invoke's time goes, node by node and by op type, and at more than one thread how long the threads worked and how long
they waited (serial code, uneven task splits, hand-off to the workers)."""

from __future__ import annotations

from typing import Any

_NS_PER_MS = 1e6


def build_profile(raw: tuple, ops: list, shapes: list[list[int]], num_threads: int) -> dict[str, Any]:
    """The profile as get_profile() returns it, from the extension's sums (`_tflrt.Interp.profile`). Times are ms
    per invoke (averages over the invokes counted); `ops` and `shapes` give each node's op name and output shape."""
    invokes, invoke_ns, records = raw
    per = max(invokes, 1)
    nodes = []
    by_op: dict[str, dict[str, Any]] = {}
    for i, (rec, (op_name, *_), shape) in enumerate(zip(records, ops, shapes, strict=True)):
        runs, wall, par, calls, tasks, start, tail, woken, fused, busy = rec
        work = sum(busy)
        waiting = num_threads * wall - work if num_threads > 1 else 0
        node = {
            "index": i,
            "op_name": op_name,
            "output_shape": shape,
            "runs": runs / per,
            "ms": wall / _NS_PER_MS / per,
            "parallel_ms": par / _NS_PER_MS / per,
            "busy_ms": [b / _NS_PER_MS / per for b in busy],
            "wait_ms": max(waiting, 0) / _NS_PER_MS / per,
            "parallel_calls": calls / per,
            "tasks": tasks / per,
            "handoff_us": start / 1e3 / calls if calls else 0.0,
            "tail_ms": tail / _NS_PER_MS / per,
            "woken": woken / per,
            "fused": fused / per,
        }
        nodes.append(node)
        agg = by_op.setdefault(op_name, {"count": 0, "ms": 0.0, "wait_ms": 0.0, "parallel_calls": 0.0})
        agg["count"] += 1
        agg["ms"] += node["ms"]
        agg["wait_ms"] += node["wait_ms"]
        agg["parallel_calls"] += node["parallel_calls"]
    return {
        "num_threads": num_threads,
        "invokes": invokes,
        "invoke_ms": invoke_ns / _NS_PER_MS / per,
        "nodes": nodes,
        "by_op": dict(sorted(by_op.items(), key=lambda kv: -kv[1]["ms"])),
    }


def format_profile(profile: dict[str, Any], top: int | None = None) -> str:
    """A plain-text table of a profile: nodes (the `top` slowest in model order, all when None), then op types."""
    nt = profile["num_threads"]
    nodes = profile["nodes"]
    if top is not None and len(nodes) > top:
        keep = set(sorted(range(len(nodes)), key=lambda i: -nodes[i]["ms"])[:top])
        nodes = [n for i, n in enumerate(nodes) if i in keep]
    total = profile["invoke_ms"] or 1.0
    lines = [
        f"{profile['invokes']} invoke(s), {profile['invoke_ms']:.3f} ms per invoke, {nt} thread(s)"
        + ("; wait = thread time not spent working (serial code, uneven splits, hand-off)" if nt > 1 else "")
    ]
    head = f"{'#':>4} {'op':<24} {'output shape':<20} {'ms':>8} {'%':>5}"
    if nt > 1:
        head += f" {'busy ms per thread':>22} {'wait ms':>8} {'splits':>6}"
    lines.append(head)
    for n in nodes:
        row = f"{n['index']:>4} {n['op_name'][:24]:<24} {str(n['output_shape'])[:20]:<20} {n['ms']:>8.3f} "
        row += f"{100 * n['ms'] / total:>5.1f}"
        if nt > 1:
            busy = "/".join(f"{b:.3f}" for b in n["busy_ms"])
            row += f" {busy[:22]:>22} {n['wait_ms']:>8.3f} {n['parallel_calls']:>6.1f}"
        if n["fused"]:
            row += f"  (run inside #{n['index'] - 1})"
        lines.append(row)
    lines.append("")
    lines.append(f"{'op':<24} {'nodes':>5} {'ms':>8} {'%':>5}" + (f" {'wait ms':>8}" if nt > 1 else ""))
    for op, a in profile["by_op"].items():
        row = f"{op[:24]:<24} {a['count']:>5} {a['ms']:>8.3f} {100 * a['ms'] / total:>5.1f}"
        if nt > 1:
            row += f" {a['wait_ms']:>8.3f}"
        lines.append(row)
    return "\n".join(lines)
