"""Export every lit input chunk that converts with the default pipeline; write {file#chunk: sha256 or ERR} as JSON.

usage (from the tree to measure, with PYTHONPATH=.): lit_export.py OUT.json
"""

from __future__ import annotations

import glob
import hashlib
import json
import sys

from xdsl.parser import Parser

from compiler.export import export
from compiler.pipeline import DEFAULT_PIPELINE, make_context, run_pipeline

out = {}
for path in sorted(glob.glob("tests/filecheck/**/*.mlir", recursive=True)):
    for i, chunk in enumerate(open(path).read().split("// -----")):
        try:
            module = Parser(make_context(), chunk).parse_module()
            run_pipeline(module, DEFAULT_PIPELINE)
            out[f"{path}#{i}"] = hashlib.sha256(export(module)).hexdigest()
        except Exception as e:  # noqa: BLE001 - invalid-IR inputs are expected to fail; the failure kind is recorded
            out[f"{path}#{i}"] = "ERR " + type(e).__name__
json.dump(out, open(sys.argv[1], "w"), indent=1, sort_keys=True)
print(sum(not v.startswith("ERR") for v in out.values()), "exported of", len(out))
