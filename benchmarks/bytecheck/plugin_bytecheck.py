"""pytest plugin: keep every FlatBuffer compiler.export.export() returns, per test (files/ and hashes.json under
$BYTECHECK_DIR). Use: PYTHONPATH=benchmarks/bytecheck:. BYTECHECK_DIR=DIR python -m pytest -p plugin_bytecheck tests"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

_RECORD: dict[str, list[str]] = {}
_CURRENT: list[str | None] = [None]


def pytest_configure(config) -> None:  # noqa: ANN001
    import compiler.converter as converter
    import compiler.export as exporter

    original = exporter.export
    out_dir = os.environ["BYTECHECK_DIR"]

    def recording_export(*args, **kwargs) -> bytes:  # noqa: ANN002, ANN003
        data = original(*args, **kwargs)
        key = _CURRENT[0] or "<no test>"
        _RECORD.setdefault(key, []).append(hashlib.sha256(data).hexdigest())
        stem = hashlib.sha1(key.encode()).hexdigest()[:16]
        path = os.path.join(out_dir, "files", f"{stem}_{len(_RECORD[key]) - 1}.tflite")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return data

    exporter.export = recording_export
    converter.export = recording_export


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):  # noqa: ANN001, ANN201
    _CURRENT[0] = item.nodeid
    yield
    _CURRENT[0] = None


def pytest_unconfigure(config) -> None:  # noqa: ANN001
    with open(os.path.join(os.environ["BYTECHECK_DIR"], "hashes.json"), "w") as f:
        json.dump(_RECORD, f, indent=1, sort_keys=True)
