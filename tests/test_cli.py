"""The `tflc` command line, run as a user runs it: in a subprocess.

Conversions are checked numerically (LiteRT vs TensorFlow on the same input); failures must exit non-zero with one
`error:` message, no traceback and no output file; `tflc --help` and `tflc analyze x.tflite` must not import
TensorFlow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from corpus import build, rel_error, run_litert, sample_inputs
from typer.testing import CliRunner

from compiler.errors import (
    ConversionError,
    ExportError,
    ModelImportError,
    PassError,
    PipelineError,
    UnsupportedFlagError,
    UsageError,
)
from compiler.pipeline import DEFAULT_PIPELINE, PIPELINES, parse_passes

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "tflc"
TFLC = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "compiler.cli"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
ENV.pop("TFLC_TRACEBACK", None)


def tflc(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TFLC, *map(str, args)], capture_output=True, text=True, env=ENV, cwd=cwd or ROOT, timeout=600
    )


def error_lines(p: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in p.stderr.splitlines() if line.startswith("error:")]


def assert_clean_failure(p: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert p.returncode != 0, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr
    errors = error_lines(p)
    assert len(errors) == 1, p.stderr
    for n in needles:
        assert n in p.stderr, p.stderr


# ---- models (built once) --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A small CNN saved as .keras and as a SavedModel, its TF reference output, and a SavedModel with an op
    that has no TFLite builtin (Lgamma)."""
    import tensorflow as tf

    d = tmp_path_factory.mktemp("cli_models")
    model = build("small_cnn")
    x = sample_inputs(model)
    ref = np.asarray(model(x[0], training=False))
    model.save(d / "cnn.keras")
    tf.saved_model.save(model, str(d / "cnn_sm"))

    class Odd(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable(np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4))

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32)])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            y = tf.nn.relu(tf.matmul(x, self.w))
            return {"out": tf.math.lgamma(y + 1.5)}

    odd = Odd()
    tf.saved_model.save(odd, str(d / "odd_sm"), signatures=odd.__call__)
    return {"dir": d, "x": x, "ref": ref}


@pytest.fixture(scope="module")
def keras_run(models: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """`tflc convert --keras-model-file` with the debug flags on."""
    d = tmp_path_factory.mktemp("cli_keras")
    out, dumps = d / "cnn.tflite", d / "ir"
    p = tflc(
        "convert",
        "--keras-model-file",
        models["dir"] / "cnn.keras",
        "--output-file",
        out,
        "--dump-ir-after-all",
        dumps,
        "--pass-timing",
        "--print-ir-after",
        "legalize-tf",
        "--verify-each",
    )
    return {"p": p, "out": out, "dumps": dumps}


# ---- convert --------------------------------------------------------------------------------------------------


def test_convert_keras_file_matches_tensorflow(models: dict, keras_run: dict) -> None:
    p = keras_run["p"]
    assert p.returncode == 0, p.stderr
    data = keras_run["out"].read_bytes()
    (ours,) = run_litert(data, models["x"]).values()
    assert rel_error(ours, models["ref"]) <= 1e-5
    # Summary: ops by type, bytes written, time per phase.
    assert f"{len(data):,} bytes" in p.stderr
    for phase in ("load", "import", "passes", "export"):
        assert phase in p.stderr
    assert "CONV_2D" in p.stderr and "Ops by type" in p.stderr


def test_dump_ir_after_all_writes_numbered_small_files(keras_run: dict) -> None:
    assert keras_run["p"].returncode == 0, keras_run["p"].stderr
    files = sorted(keras_run["dumps"].iterdir())
    names = [p.name for p in parse_passes(DEFAULT_PIPELINE)]
    assert [f.name for f in files] == ["00_tf-import.mlir"] + [
        f"{i + 1:02d}_{n}.mlir" for i, n in enumerate(names)
    ]
    assert '"tf.Conv2D"' in files[0].read_text()
    assert '"tfl.conv_2d"' in files[-1].read_text() and '"tf.' not in files[-1].read_text()
    total = sum(f.stat().st_size for f in files)
    assert total < 200_000, total  # weights elided
    assert "elided" in files[0].read_text()


def test_pass_timing_prints_the_table(keras_run: dict) -> None:
    err = keras_run["p"].stderr
    assert "Pass timing" in err
    header = next(line for line in err.splitlines() if "wall time" in line)
    assert "ops before" in header and "ops after" in header
    rows = [line for line in err.splitlines() if " ms " in line and "│" in line]
    for name in dict.fromkeys(DEFAULT_PIPELINE.split(",")):
        assert any(f" {name} " in r for r in rows), (name, rows)
    assert len(rows) == len(DEFAULT_PIPELINE.split(","))


def test_print_ir_after_goes_to_stdout(keras_run: dict) -> None:
    out = keras_run["p"].stdout
    assert out.count("IR Dump After") == 1 and "IR Dump After legalize-tf" in out
    assert '"tfl.conv_2d"' in out


def test_convert_saved_model_with_signature_key(models: dict, tmp_path: Path) -> None:
    out, tf_graph = tmp_path / "cnn_sm.tflite", tmp_path / "tf.mlir"
    p = tflc(
        "convert",
        "--saved-model-dir",
        models["dir"] / "cnn_sm",
        "--signature-key",
        "serving_default",
        "-o",
        out,
        "--dump-tf-graph",
        tf_graph,
    )
    assert p.returncode == 0, p.stderr
    (ours,) = run_litert(out.read_bytes(), models["x"], signature="serving_default").values()
    assert rel_error(ours, models["ref"]) <= 1e-5
    assert '"tf.Conv2D"' in tf_graph.read_text()
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()  # a normal file, not mkstemp's 0600


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


# ---- failures -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--saved-model-dir", "{d}/nope"], "does not exist"),
        (["--saved-model-dir", "{d}/cnn.keras"], "is not a directory"),
        (["--saved-model-dir", "{d}"], "no saved_model.pb"),
        (["--keras-model-file", "{d}/nope.keras"], "does not exist"),
        (["--keras-model-file", "{d}/cnn_sm/saved_model.pb"], "is not a .keras or .h5 file"),
        (["--keras-model-file", "{d}/cnn.keras", "--saved-model-dir", "{d}/cnn_sm"], "exactly one of"),
        ([], "exactly one of"),
        (
            ["--keras-model-file", "{d}/cnn.keras", "--pass-pipeline", "tf-cleanup,bogus"],
            "Unrecognized passes",
        ),
        (["--keras-model-file", "{d}/cnn.keras", "--print-ir-after", "bogus"], "unknown pass bogus"),
        (["--keras-model-file", "{d}/cnn.keras", "--print-ir-before", "dce,nope"], "unknown pass nope"),
        (
            ["--keras-model-file", "{d}/cnn.keras", "--dump-ir-after-all", "{d}/cnn.keras"],
            "exists and is not a directory",
        ),
        (["--keras-model-file", "{d}/cnn.keras", "--signature-key", "x"], "--signature-key only applies"),
    ],
)
def test_bad_arguments_fail_fast_with_one_message(
    models: dict, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "out.tflite"
    p = tflc("convert", *[a.format(d=models["dir"]) for a in args], "--output-file", out)
    assert_clean_failure(p, needle)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory(models: dict, tmp_path: Path) -> None:
    p = tflc("convert", "--keras-model-file", models["dir"] / "cnn.keras", "-o", tmp_path / "no" / "m.tflite")
    assert_clean_failure(p, "output directory", "does not exist")


def test_corrupt_saved_model(tmp_path: Path) -> None:
    sm = tmp_path / "broken"
    sm.mkdir()
    (sm / "saved_model.pb").write_bytes(b"\x08\x01garbage that is not a SavedModel proto")
    out = tmp_path / "m.tflite"
    p = tflc("convert", "--saved-model-dir", sm, "-o", out)
    assert_clean_failure(p, str(sm))
    assert not out.exists()


def test_unsupported_op_writes_no_file(models: dict, tmp_path: Path) -> None:
    out = tmp_path / "odd.tflite"
    p = tflc("convert", "--saved-model-dir", models["dir"] / "odd_sm", "-o", out)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert "error:" in p.stderr and "Lgamma" in p.stderr
    assert list(tmp_path.iterdir()) == []  # neither the output nor a temporary file


@pytest.mark.parametrize(
    "exc,message,code",
    [
        (UsageError("give one model"), "give one model", 1),
        (ModelImportError("no graph"), "no graph", 1),
        (ConversionError("Lgamma x1"), "Lgamma x1", 1),
        (UnsupportedFlagError("quantization"), "quantization", 1),
        (PipelineError("bad pipeline"), "bad pipeline", 1),
        (ExportError("over 2 GiB"), "export failed: over 2 GiB", 1),
        (
            PassError(2, "optimize", "left invalid IR: x"),
            "internal compiler error in pass #2 'optimize' left invalid IR: x "
            "(set TFLC_TRACEBACK=1 for the traceback)",
            1,
        ),
        (PermissionError(13, "Permission denied", "m.tflite"), "[Errno 13] Permission denied: 'm.tflite'", 1),
        (KeyError("k"), "internal error: KeyError: 'k' (set TFLC_TRACEBACK=1 for the traceback)", 1),
        (KeyboardInterrupt(), "interrupted", 130),
    ],
)
def test_a_command_error_is_one_line_chosen_by_its_type(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exc: BaseException, message: str, code: int
) -> None:
    """Whatever a command raises ends as one `error:` line and exit code, picked by the error's type."""
    import compiler.analyze
    from compiler.cli import app

    def fail(path: Path) -> None:
        raise exc

    monkeypatch.setattr(compiler.analyze, "analyze_tflite", fail)
    monkeypatch.delenv("TFLC_TRACEBACK", raising=False)
    (tmp_path / "m.tflite").write_bytes(b"TFL3")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "m.tflite")])
    assert result.exit_code == code
    assert result.stderr == f"error: {message}\n"


@pytest.mark.parametrize(
    "exc,message,code",
    [
        (ValueError("Unrecognized passes: ['x']"), "Unrecognized passes: ['x']", 1),  # xDSL's usage errors
        (ExportError("no func"), "export failed: no func", 1),
        (KeyError("k"), "internal error: KeyError: 'k' (set TFLC_TRACEBACK=1 for the traceback)", 1),
        (KeyboardInterrupt(), "interrupted", 130),
    ],
)
def test_opt_driver_reports_errors_by_the_same_table(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    exc: BaseException,
    message: str,
    code: int,
) -> None:
    from compiler.cli import opt

    class Failing:
        def __init__(self, args: list[str]) -> None:
            pass

        def run(self) -> None:
            raise exc

    monkeypatch.setattr(opt, "opt_main_class", lambda: Failing)
    monkeypatch.delenv("TFLC_TRACEBACK", raising=False)
    assert opt.run_opt(["x.mlir"]) == code
    assert capsys.readouterr().err == f"tflc opt: error: {message}\n"


def test_tflc_traceback_reraises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from compiler.cli import app

    monkeypatch.setenv("TFLC_TRACEBACK", "1")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "missing.tflite")])
    assert isinstance(result.exception, ConversionError) and "does not exist" in str(result.exception)


# ---- print-pipeline / help without TensorFlow -----------------------------------------------------------------


def test_print_pipeline() -> None:
    p = tflc("convert", "--print-pipeline")
    assert p.returncode == 0 and p.stdout.strip() == DEFAULT_PIPELINE
    p = tflc("convert", "--print-pipeline", "--pass-pipeline", "tf-legalize-only,dce")
    assert p.returncode == 0 and p.stdout.strip() == PIPELINES["tf-legalize-only"] + ",dce"


def _modules_after(args: list[str]) -> tuple[set[str], str]:
    code = (
        "import sys\n"
        f"sys.argv = ['tflc', *{args!r}]\n"
        "from compiler import cli\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdout.flush()\n"
        "print('\\nMODULES', ' '.join(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')))"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120
    )
    assert p.returncode == 0, p.stderr
    line = p.stdout.strip().splitlines()[-1]
    return set(line.split()[1:]), p.stdout


@pytest.mark.parametrize(
    "args",
    [["--help"], ["convert", "--help"], ["analyze", "--help"], ["passes"], ["convert", "--print-pipeline"]],
)
def test_help_does_not_import_tensorflow(args: list[str]) -> None:
    mods, out = _modules_after(args)
    assert mods == set(), mods
    assert "Usage" in out or "tf-cleanup" in out


def test_python_m_compiler_cli_is_tflc() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "compiler.cli", "passes"], capture_output=True, text=True, env=ENV, cwd=ROOT
    )
    assert p.returncode == 0, p.stderr
    assert "legalize-tf" in p.stdout and "tflite-float (default)" in p.stdout


def test_tflc_help_importtime_has_no_tensorflow() -> None:
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from compiler.cli import main"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 0
    assert "tensorflow" not in p.stderr and "keras" not in p.stderr


# ---- analyze --------------------------------------------------------------------------------------------------


def test_analyze_tflite_matches_litert_and_skips_tensorflow(keras_run: dict) -> None:
    from ai_edge_litert.interpreter import Interpreter

    path = keras_run["out"]
    mods, out = _modules_after(["analyze", str(path), "--json"])
    assert mods == set(), mods
    report = json.loads(out[: out.rindex("\nMODULES")])
    (sg,) = report["subgraphs"]
    it = Interpreter(model_path=str(path), num_threads=1)
    litert_ops: dict[str, int] = {}
    for op in it._get_ops_details():
        litert_ops[op["op_name"]] = litert_ops.get(op["op_name"], 0) + 1
    assert {o["name"]: o["count"] for o in sg["ops"]} == litert_ops
    assert sg["op_count"] == sum(litert_ops.values())
    assert sg["tensor_count"] == len(it.get_tensor_details()) or sg["tensor_count"] >= sg["op_count"]
    (inp,) = it.get_input_details()
    assert sg["inputs"][0]["shape"] == list(inp["shape"])
    assert sg["signature_key"] == "serving_default"
    assert report["file_bytes"] == path.stat().st_size
    assert report["min_runtime_version"] and "CONVERSION_METADATA" in report["metadata"]
    assert all(o["version"] >= 1 for o in sg["ops"])
    # Human-readable form.
    p = tflc("analyze", path)
    assert p.returncode == 0 and "CONV_2D" in p.stdout and "signature 'serving_default'" in p.stdout


def test_analyze_rejects_non_tflite(tmp_path: Path) -> None:
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"\x00" * 64)
    assert_clean_failure(tflc("analyze", bad), "not a TFLite model")
    assert_clean_failure(tflc("analyze", tmp_path / "missing.tflite"), "does not exist")


@pytest.mark.parametrize(
    "args,needle",
    [
        ([], "give exactly one of: a .tflite file"),
        (["{d}"], "is a directory; for a SavedModel use --saved-model-dir"),
        (["{d}/m.h5"], "is a Keras file; use --keras-model-file"),
        (["{d}/m.tflite", "--saved-model-dir", "{d}"], "give exactly one of"),
        (["--saved-model-dir", "{d}"], "no saved_model.pb"),
    ],
)
def test_analyze_argument_mistakes(tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "m.h5").write_bytes(b"")
    assert_clean_failure(tflc("analyze", *[a.format(d=tmp_path) for a in args]), needle)


def test_analyze_saved_model_lists_builtins_and_fixes(
    models: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tflc("analyze", "--saved-model-dir", models["dir"] / "odd_sm", "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    rows = {(r["op_type"], r["status"]): r for r in report["rows"]}
    lgamma = rows[("Lgamma", "unsupported")]
    # Lgamma is outside TF's Flex allowlist: the fix is a custom op, not SELECT_TF_OPS
    assert "allow_custom_ops" in lgamma["fix"] and lgamma["fallback"] == "custom" and lgamma["count"] == 1
    assert rows[("MatMul", "builtin")]["builtins"] == ["FULLY_CONNECTED"]
    assert "RELU" in rows[("Relu", "builtin")]["builtins"]
    # The human-readable rendering of the same report (in-process: a second TF import would add half a minute).
    from compiler.analyze import TfModelReport, TfOpRow
    from compiler.cli.analyze import render_tf

    report["rows"] = [TfOpRow(**r) for r in report["rows"]]
    render_tf(TfModelReport(**report))
    out = capsys.readouterr().out
    assert "UNSUPPORTED" in out and "Lgamma" in out and "BUILTIN" in out and "--allow-custom-ops" in out


# ---- the same hooks from the Python API -----------------------------------------------------------------------


def test_python_api_debug_options(models: dict, tmp_path: Path) -> None:
    import io

    from compiler import TFLiteConverter
    from compiler.dumps import DebugOptions

    conv = TFLiteConverter.from_keras_file(str(models["dir"] / "cnn.keras"))
    report, ir = io.StringIO(), io.StringIO()
    conv.debug = DebugOptions(
        dump_dir=tmp_path,
        print_before={"optimize"},
        pass_timing=True,
        verify_each=True,
        ir_stream=ir,
        report_stream=report,
    )
    data = conv.convert()
    assert len(list(tmp_path.glob("*.mlir"))) == len(DEFAULT_PIPELINE.split(",")) + 1
    assert "IR Dump Before optimize" in ir.getvalue()
    assert "Pass timing" in report.getvalue()
    (ours,) = run_litert(data, models["x"]).values()
    assert rel_error(ours, models["ref"]) <= 1e-5


# ---- run / verify ---------------------------------------------------------------------------------------------


def test_verify_compares_tensorflow_litert_and_runtime(models: dict, keras_run: dict) -> None:
    assert keras_run["p"].returncode == 0, keras_run["p"].stderr
    p = tflc("verify", keras_run["out"], "--keras-model-file", models["dir"] / "cnn.keras", "--per-layer")
    assert p.returncode == 0, p.stderr
    for pair in ("TF vs LiteRT", "TF vs tflc-runtime", "LiteRT vs tflc-runtime", "per tensor"):
        assert pair in p.stdout
    assert "OK: max relative error" in p.stdout


def test_verify_fails_above_tolerance(models: dict, keras_run: dict) -> None:
    p = tflc(
        "verify", keras_run["out"], "--keras-model-file", models["dir"] / "cnn.keras", "--tolerance", "0"
    )
    # A zero tolerance cannot hold across three float implementations: one error line, exit 1.
    assert p.returncode == 1
    assert "exceeds the tolerance" in p.stderr


def test_run_prints_outputs_and_timing(keras_run: dict, tmp_path: Path) -> None:
    x = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    p = tflc("run", keras_run["out"], "--input", tmp_path / "x.npy", "--repeat", "3")
    assert p.returncode == 0, p.stderr
    assert "ms per inference" in p.stdout
    (ref,) = run_litert(keras_run["out"].read_bytes(), [x]).values()
    assert "output_0 float32[1, 10]" in p.stdout
    assert np.array2string(ref, threshold=20, precision=5).splitlines()[0] in p.stdout


def test_run_missing_file_is_one_error(tmp_path: Path) -> None:
    p = tflc("run", tmp_path / "nope.tflite")
    assert_clean_failure(p, "does not exist")


def test_run_and_verify_argument_mistakes(models: dict, keras_run: dict, tmp_path: Path) -> None:
    model = keras_run["out"]
    np.save(tmp_path / "x.npy", np.zeros((1, 32, 32, 3), np.float32))
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"TFL3" + bytes(60))  # a user mistake (not a model), not an internal error
    for args, needle in [
        (["run", model, "--input", f"bogus={tmp_path / 'x.npy'}"], "input 'bogus' is not one of"),
        (["run", model, "--signature-key", "nope"], "signature 'nope' not in the model"),
        (["verify", model, "--signature-key", "nope"], "signature 'nope' not in the model"),
        (
            ["verify", model, "--saved-model-dir", models["dir"] / "cnn_sm", "--keras-model-file", model],
            "at most one",
        ),
        (["verify", model, "--saved-model-dir", tmp_path / "nope"], "does not exist"),
        (["run", garbage], "the .tflite file does not load: malformed model"),
        (["verify", garbage], "the .tflite file does not load"),
    ]:
        p = tflc(*args)
        assert_clean_failure(p, needle)
        assert "internal error" not in p.stderr


def test_version_flag() -> None:
    from importlib.metadata import version

    p = tflc("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"tflc {version('tflc')}", p.stdout + p.stderr


# ---- --pass-timing: rule hits under each pass -----------------------------------------------------------------


def _timing_run() -> object:
    from compiler.pipeline import PassRecord, PipelineRun

    legalize = PassRecord("legalize-tf", 0.004, 30, 25, "legalize-tf")
    legalize.rule_hits = {"conv2d": 3, "relu": 7, "bias-add": 3, "matmul": 1, "softmax": 1, "reshape": 2}
    optimize = PassRecord("optimize", 0.002, 25, 22, "optimize")
    optimize.rule_hits = {}
    dce = PassRecord("dce", 0.001, 22, 20, "dce")  # rule_hits not given (or before PassRecord had the field)
    return PipelineRun([legalize, optimize, dce])


def test_pass_timing_table_shows_top_rule_hits_under_each_pass() -> None:
    import io

    from rich.console import Console

    from compiler.cli.convert import pass_timing_table

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(pass_timing_table(_timing_run()))
    lines = console.export_text().splitlines()
    rows = [line for line in lines if " ms " in line and "│" in line]
    assert [r.split("│")[2].strip() for r in rows] == ["legalize-tf", "optimize", "dce"]
    at = lines.index(rows[0])
    # Most hits first, ties by name, four at most, and the count of the rest.
    assert "relu x7, bias-add x3, conv2d x3, reshape x2, +2 more" in lines[at + 1]
    assert lines[at + 2] == rows[1] and lines[at + 3] == rows[2]  # no line under passes without hits


def test_format_timing_shows_top_rule_hits_under_each_pass() -> None:
    from compiler.dumps import format_timing

    lines = format_timing(_timing_run()).splitlines()
    at = next(i for i, line in enumerate(lines) if " legalize-tf " in line)
    assert lines[at + 1].strip() == "relu x7, bias-add x3, conv2d x3, reshape x2, +2 more"
    assert lines[at + 1].index("relu") == lines[at].index("legalize-tf") + 2
    assert " optimize " in lines[at + 2] and " dce " in lines[at + 3]
