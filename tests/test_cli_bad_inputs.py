"""The bad-input table of issue 14: typical user mistakes given to `tflc`, each ending in one `error:` line naming
the mistake (never "internal error", never a traceback), a non-zero exit code and no file left in the output
directory (neither the output nor a temporary file). The issue's unusual inputs that are not mistakes (a dynamic
batch read as a value, string tensors) convert (exit 0), the first with a note. Ctrl-C: tests/test_cli_interrupt.py.

Run as a script to print the table for the closing note (same cases, same checks):

    PYTHONPATH=$PWD python tests/test_cli_bad_inputs.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner


@dataclass(frozen=True)
class Case:
    id: str
    mistake: str
    args: tuple[str, ...]  # {d}: the inputs folder, {o}: the (empty) output folder
    needle: str  # must be in the error message (exit 0: in the output)
    code: int = 1


CASES = [
    Case("sm-missing", "SavedModel directory does not exist", ("convert", "--saved-model-dir", "{d}/nope", "-o", "{o}/m.tflite"), "does not exist"),
    Case("sm-no-pb", "directory without saved_model.pb", ("convert", "--saved-model-dir", "{d}/empty", "-o", "{o}/m.tflite"), "no saved_model.pb"),
    Case("sm-is-file", "--saved-model-dir given a file", ("convert", "--saved-model-dir", "{d}/x.npy", "-o", "{o}/m.tflite"), "is not a directory"),
    Case("sm-corrupt", "saved_model.pb that is not a SavedModel", ("convert", "--saved-model-dir", "{d}/broken", "-o", "{o}/m.tflite"), "broken"),
    Case("sm-bad-key", "unknown signature key", ("convert", "--saved-model-dir", "{d}/sm", "--signature-key", "nope", "-o", "{o}/m.tflite"), "nope"),
    Case("sm-bad-tags", "MetaGraph tags not in the SavedModel", ("convert", "--saved-model-dir", "{d}/sm", "--saved-model-tag-set", "serve,gpu", "-o", "{o}/m.tflite"), "no MetaGraph with tags ['gpu', 'serve']"),
    Case("empty-tags", "empty --saved-model-tag-set", ("convert", "--saved-model-dir", "{d}/sm", "--saved_model_tag_set", ",", "-o", "{o}/m.tflite"), "give at least one tag"),
    Case("keras-not-keras", "--keras-model-file given a .txt", ("convert", "--keras-model-file", "{d}/notes.txt", "-o", "{o}/m.tflite"), "not a .keras or .h5 file"),
    Case("two-models", "both --saved-model-dir and --keras-model-file", ("convert", "--saved-model-dir", "{d}/sm", "--keras-model-file", "{d}/m.keras", "-o", "{o}/m.tflite"), "exactly one"),
    Case("no-output", "no --output-file", ("convert", "--saved-model-dir", "{d}/sm"), "missing --output-file"),
    Case("out-dir-missing", "output path in a missing directory", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/no/m.tflite"), "does not exist"),
    Case("out-is-dir", "output path is a directory", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}"), "is a directory"),
    Case("bad-pipeline", "--pass-pipeline with an unknown pass", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--pass-pipeline", "tf-cleanup,nope"), "nope"),
    Case("no-builtin", "op with no TFLite builtin (Lgamma)", ("convert", "--saved-model-dir", "{d}/lgamma", "-o", "{o}/m.tflite"), "Lgamma"),
    Case("variable-write", "signature writes a variable (issue case 1)", ("convert", "--saved-model-dir", "{d}/assign", "-o", "{o}/m.tflite"), "AssignAddVariableOp"),
    Case("no-builtin-no-flex", "op neither builtin nor Flex (BesselI0e): custom op fix", ("convert", "--saved-model-dir", "{d}/bessel", "-o", "{o}/m.tflite"), "set allow_custom_ops = True (tflc convert --allow-custom-ops) and give the runtime a kernel for custom op 'BesselI0e'"),
    Case("no-legalize", "--pass-pipeline without legalize-tf", ("convert", "--saved-model-dir", "{d}/batch", "-o", "{o}/m.tflite", "--pass-pipeline", "tf-cleanup"), "has no legalize-tf pass"),
    Case("dynamic-batch", "x / batch with batch None (issue case 2), --dynamic-batch: batch read at run time", ("convert", "--saved-model-dir", "{d}/batch", "-o", "{o}/m.tflite", "--dynamic-batch"), "Wrote", 0),
    Case("default-batch", "x / batch with batch None (issue case 2), default (dims dynamic): batch read at run time", ("convert", "--saved-model-dir", "{d}/batch", "-o", "{o}/m.tflite"), "Wrote", 0),
    Case("static-batch", "x / batch converted with --static-batch 1: inputs pinned", ("convert", "--saved-model-dir", "{d}/batch", "-o", "{o}/m.tflite", "--static-batch", "1"), "inputs are pinned to it: x [1, 4]", 0),
    Case("strings", "string-identity model (issue case 4): converts", ("convert", "--saved-model-dir", "{d}/strings", "-o", "{o}/m.tflite"), "Wrote", 0),
    Case("quant-mode", "--quantize with an unknown mode", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--quantize", "int4"), "expected one of dynamic, float16, int8, int16x8"),
    Case("int8-no-data", "--quantize int8 without representative data", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--quantize", "int8"), "give --representative-data"),
    Case("rep-missing", "--representative-data file does not exist", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--quantize", "int8", "--representative-data", "{d}/nope.npz"), "does not exist"),
    Case("rep-shape", "representative data of the wrong shape", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--quantize", "int8", "--representative-data", "{d}/rep_bad.npz"), "array 'x' has shape [8, 1, 5]"),
    Case("rep-no-int8", "--representative-data without int8", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--representative-data", "{d}/rep.npz"), "applies to --quantize int8"),
    Case("io-type", "--inference-input-type with a bad type", ("convert", "--saved-model-dir", "{d}/sm", "-o", "{o}/m.tflite", "--quantize", "int8", "--representative-data", "{d}/rep.npz", "--inference-input-type", "int4"), "expected one of float32, int8, uint8, int16"),
    Case("tflite-missing", "run: .tflite does not exist", ("run", "{d}/nope.tflite"), "does not exist"),
    Case("tflite-garbage", "run: file is not a .tflite", ("run", "{d}/garbage.tflite"), "does not load"),
    Case("run-bad-key", "run: unknown signature key", ("run", "{d}/m.tflite", "--signature-key", "nope"), "signature 'nope' not in the model"),
    Case("run-shape", "run: input of the wrong shape", ("run", "{d}/m.tflite", "--input", "{d}/x_shape.npy"), "input 'x' has shape [1, 4]"),
    Case("run-dtype", "run: input of the wrong dtype", ("run", "{d}/m.tflite", "--input", "{d}/x_int.npy"), "input 'x' is float32"),
    Case("run-npy-missing", "run: --input file does not exist", ("run", "{d}/m.tflite", "--input", "{d}/nope.npy"), "does not exist"),
    Case("run-bad-name", "run: --input NAME not in the signature", ("run", "{d}/m.tflite", "--input", "y={d}/x.npy"), "input 'y' is not one of"),
    Case("verify-ref-shape", "verify: reference model with other input shapes", ("verify", "{d}/m.tflite", "--saved-model-dir", "{d}/other"), "does not run on the .tflite's inputs"),
    Case("verify-ref-values", "verify: reference model computing something else", ("verify", "{d}/m.tflite", "--saved-model-dir", "{d}/scaled"), "exceeds the tolerance"),
    Case("analyze-dir", "analyze: a directory as the .tflite", ("analyze", "{d}/empty"), "is a directory"),
]  # fmt: skip


def build_inputs(d: Path) -> None:
    """The models and files the cases refer to (tiny: each TF model is one MatMul)."""
    import tensorflow as tf

    from compiler import TFLiteConverter

    def dense(path: Path, n: int, scale: float = 1.0, body=None) -> None:
        class M(tf.Module):
            def __init__(self) -> None:
                self.w = tf.Variable(np.linspace(-1, 1, n * 3, dtype=np.float32).reshape(n, 3) * scale)

            @tf.function(input_signature=[tf.TensorSpec([1, n], tf.float32, name="x")])
            def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
                y = tf.matmul(x, self.w)
                return {"out": body(self, y) if body else tf.nn.relu(y)}

        m = M()
        tf.saved_model.save(m, str(path), signatures=m.__call__)

    dense(d / "sm", 4)
    dense(d / "other", 5)
    dense(d / "scaled", 4, scale=3.0, body=lambda self, y: y + 1.0)
    dense(d / "lgamma", 4, body=lambda self, y: tf.math.lgamma(y + 1.5))

    class Counter(tf.Module):
        def __init__(self) -> None:
            self.v = tf.Variable(0.0)

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            self.v.assign_add(tf.reduce_sum(x))
            return {"out": x * self.v}

    class Strings(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2], tf.string, name="s")])
        def __call__(self, s: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"out": tf.identity(s)}

    class Batch(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"out": x / tf.cast(tf.shape(x)[0], tf.float32)}

    class Bessel(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"out": tf.math.special.bessel_i0e(x)}

    for name, module in (
        ("assign", Counter()),
        ("strings", Strings()),
        ("batch", Batch()),
        ("bessel", Bessel()),
    ):
        tf.saved_model.save(module, str(d / name), signatures=module.__call__)
    (d / "empty").mkdir()
    (d / "broken").mkdir()
    (d / "broken" / "saved_model.pb").write_bytes(b"\x08\x01garbage that is not a SavedModel proto")
    (d / "notes.txt").write_text("not a model")
    (d / "m.tflite").write_bytes(TFLiteConverter.from_saved_model(str(d / "sm")).convert())
    (d / "garbage.tflite").write_bytes(b"TFL3" + bytes(60))
    np.save(d / "x.npy", np.ones((1, 4), np.float32))
    np.save(d / "x_shape.npy", np.ones((1, 5), np.float32))
    np.save(d / "x_int.npy", np.ones((1, 4), np.int32))
    rng = np.random.default_rng(0)
    np.savez(d / "rep.npz", x=rng.uniform(-1, 1, (8, 1, 4)).astype(np.float32))
    np.savez(d / "rep_bad.npz", x=rng.uniform(-1, 1, (8, 1, 5)).astype(np.float32))


def run_case(case: Case, d: Path, out: Path) -> tuple[int, str, str, list[str]]:
    """Run one case in-process: exit code, its first `error:` line, all of stdout+stderr, files left in `out`."""
    from compiler.cli import app

    args = [a.format(d=d, o=out) for a in case.args]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100", "TFLC_TRACEBACK": ""})
    text = result.stdout + result.stderr
    first = next((ln for ln in result.stderr.splitlines() if ln.startswith(("error:", "note:"))), "")
    left = sorted(p.name for p in out.iterdir())
    return result.exit_code, first, text, left


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad_inputs")
    build_inputs(d)
    return d


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, inputs: Path, tmp_path: Path) -> None:
    code, first, text, left = run_case(case, inputs, tmp_path)
    assert code == case.code, text
    assert "internal error" not in text and "Traceback" not in text, text
    if case.code == 0:
        assert case.needle in " ".join(text.split()), text  # rich may wrap a note
        assert not first.startswith("error:") and left == ["m.tflite"], text
        return
    assert first and case.needle in text[text.index("error:") :], text
    assert len([ln for ln in text.splitlines() if ln.startswith("error:")]) == 1, text
    assert left == [], left
    assert len(text.splitlines()) < 40, text  # bounded: no tensors dumped


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "inputs"
        d.mkdir()
        build_inputs(d)
        print("| mistake | command | tflc's message (first line) | exit | no partial file |")
        print("|---|---|---|---|---|")
        for case in CASES:
            out = Path(tmp) / f"out-{case.id}"
            out.mkdir()
            code, first, _text, left = run_case(case, d, out)
            shown = first.replace(str(d), "D").replace(str(out), "O").replace("|", "\\|")
            command = " ".join(a.replace("{d}", "D").replace("{o}", "O") for a in case.args)
            files = "yes" if not left else ("complete file" if code == 0 else left)
            print(f"| {case.mistake} | `tflc {command}` | {shown} | {code} | {files} |")


if __name__ == "__main__":
    sys.exit(main())
