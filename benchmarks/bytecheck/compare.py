"""Compare the FlatBuffers of two bytecheck runs (made by plugin_bytecheck.py and lit_export.py).

usage: compare.py BASE_DIR NEW_DIR      (each holds hashes.json, files/ and lit.json)
Files that differ only in the 16-byte min_runtime_version metadata value are counted apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import tflite


def runtime_version(data: bytes) -> bytes | None:
    m = tflite.Model.GetRootAsModel(data, 0)
    for i in range(m.MetadataLength()):
        md = m.Metadata(i)
        if md.Name() == b"min_runtime_version":
            return bytes(m.Buffers(md.Buffer()).DataAsNumpy().tobytes())
    return None


def same_but_runtime_version(a: bytes, b: bytes) -> tuple[bytes, bytes] | None:
    ra, rb = runtime_version(a), runtime_version(b)
    if ra and rb and len(a) == len(b) and a.replace(ra, rb) == b:
        return ra.rstrip(b"\0"), rb.rstrip(b"\0")
    return None


def compare_tests(base: str, new: str) -> list[str]:
    a = json.load(open(os.path.join(base, "hashes.json")))
    b = json.load(open(os.path.join(new, "hashes.json")))
    counts = {"identical": 0, "runtime version only": 0, "differ": 0, "missing": 0}
    details = []
    for key, hashes in a.items():
        if key not in b:
            counts["missing"] += 1
            details.append(f"missing in new: {key}")
            continue
        if hashes == b[key]:
            counts["identical"] += 1
            continue
        only_version = len(hashes) == len(b[key])
        stem = hashlib.sha1(key.encode()).hexdigest()[:16]
        for n, (h1, h2) in enumerate(zip(hashes, b[key], strict=False)):
            if h1 == h2:
                continue
            d1 = open(os.path.join(base, "files", f"{stem}_{n}.tflite"), "rb").read()
            d2 = open(os.path.join(new, "files", f"{stem}_{n}.tflite"), "rb").read()
            versions = same_but_runtime_version(d1, d2)
            if versions is None:
                only_version = False
                details.append(f"DIFF {key}#{n}")
            else:
                details.append(f"runtime version only {key}#{n}: {versions[0]!r} -> {versions[1]!r}")
        counts["runtime version only" if only_version else "differ"] += 1
    print("tests:", ", ".join(f"{v} {k}" for k, v in counts.items()))
    return details


def compare_lit(base: str, new: str) -> list[str]:
    a = json.load(open(os.path.join(base, "lit.json")))
    b = json.load(open(os.path.join(new, "lit.json")))
    differ = [k for k in a if k in b and a[k] != b[k]]
    print(
        f"lit: {sum(a[k] == b.get(k) for k in a)} identical, {len(differ)} differ, {len(set(a) - set(b))} missing"
    )
    return [f"DIFF {k}" for k in differ]


if __name__ == "__main__":
    base_dir, new_dir = sys.argv[1], sys.argv[2]
    print("\n".join(compare_tests(base_dir, new_dir) + compare_lit(base_dir, new_dir)))
