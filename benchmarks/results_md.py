"""benchmarks/RESULTS.md is shared by the benchmark scripts: each owns one section between its markers."""

from __future__ import annotations

import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def write_section(tag: str, body: str) -> None:
    """Replace the `<!-- tag:begin -->` ... `<!-- tag:end -->` section of RESULTS.md with body (appended if absent)."""
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
