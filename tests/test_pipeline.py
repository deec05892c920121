"""Pass registry, pipeline strings, the pipeline driver and its debug hooks (no TensorFlow needed)."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.parser import Parser
from xdsl.passes import ModulePass

from compiler import pipeline as pl
from compiler.dumps import DebugOptions, format_timing
from dialects import tfl
from dialects.elements import DenseElementsAttr

ROOT = Path(__file__).resolve().parents[1]

MODULE = """
func.func @f(%x: tensor<1x40xf32>) -> tensor<1x3xf32> {
  %w = tf.Const <float32 [40, 3] elided "WEIGHTS"> {tflc.name = "dense/kernel"} : tensor<40x3xf32>
  %m = "tf.MatMul"(%x, %w) {transpose_a = false, transpose_b = false, tflc.name = "dense/MatMul"} : (tensor<1x40xf32>, tensor<40x3xf32>) -> tensor<1x3xf32>
  %r = "tf.Relu"(%m) {tflc.name = "dense/Relu"} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  %i = "tf.Identity"(%r) : (tensor<1x3xf32>) -> tensor<1x3xf32>
  func.return %i : tensor<1x3xf32>
}
"""


def make_module() -> ModuleOp:
    """A small tf module whose 120-element weight is elided when printed (kept in memory by digest)."""
    w = DenseElementsAttr.from_array(np.arange(120, dtype=np.float32).reshape(40, 3))
    text = MODULE.replace("WEIGHTS", w.data.digest)
    module = Parser(pl.make_context(), text).parse_module()
    module.verify()
    return module


def op_names(module: ModuleOp) -> list[str]:
    return [op.name for op in module.walk() if not isinstance(op, ModuleOp | func.FuncOp)]


# ---- registry and pipeline strings ----------------------------------------------------------------------------


def test_registry_is_lazy_and_tensorflow_free() -> None:
    code = (
        "import sys\nfrom compiler.pipeline import available_passes, parse_passes, DEFAULT_PIPELINE\n"
        "names = sorted(available_passes())\n"
        "lazy = not any(m.startswith('passes.') for m in sys.modules)\n"
        "parse_passes(DEFAULT_PIPELINE)\n"
        "print(names, lazy, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("True False"), out
    for name in ("tf-cleanup", "fold-constants", "prepare-tf", "legalize-tf", "optimize", "dce"):
        assert repr(name) in out


def test_every_registered_pass_is_a_module_pass_with_its_cli_name() -> None:
    for name, factory in pl.available_passes().items():
        cls = factory()
        assert issubclass(cls, ModulePass)
        assert cls.name == name


def test_default_pipeline_is_named_and_printable() -> None:
    passes = pl.parse_passes(pl.DEFAULT_PIPELINE)
    assert [p.name for p in passes] == pl.DEFAULT_PIPELINE.split(",")
    assert pl.pipeline_string(passes) == pl.DEFAULT_PIPELINE
    assert pl.expand_pipeline("tflite-float") == pl.DEFAULT_PIPELINE
    assert (
        pl.pipeline_string(pl.parse_passes("tf-legalize-only,dce"))
        == pl.PIPELINES["tf-legalize-only"] + ",dce"
    )


@dataclass(frozen=True)
class _OptionsPass(ModulePass):
    """A pass with options (test only)."""

    name = "test-options"
    level: int = 1
    mode: str = "fast"
    verbose: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        op.attributes["test.seen"] = StringAttr(f"{self.level}/{self.mode}/{self.verbose}")


@dataclass(frozen=True)
class _BreaksIR(ModulePass):
    """Leaves a tfl.add with an invalid activation behind (test only)."""

    name = "test-breaks-ir"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for o in op.walk():
            if isinstance(o, tfl.ReluOp | tfl.FullyConnectedOp):
                o.properties["fused_activation_function"] = StringAttr("NOT_AN_ACTIVATION")
                bad = tfl.AddOp.build([o.results[0], o.results[0]], [o.results[0].type])
                bad.properties["fused_activation_function"] = StringAttr("NOT_AN_ACTIVATION")
                o.parent_block().insert_op_after(bad, o)
                return


@dataclass(frozen=True)
class _Crashes(ModulePass):
    name = "test-crashes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        raise KeyError("boom")


@pytest.fixture()
def test_passes():
    for cls in (_OptionsPass, _BreaksIR, _Crashes):
        pl.register_pass(cls.name, lambda cls=cls: cls)
    yield
    for cls in (_OptionsPass, _BreaksIR, _Crashes):
        pl._EXTRA_PASSES.pop(cls.name, None)


def test_pass_options_parse_and_print(test_passes: None) -> None:
    (p,) = pl.parse_passes('test-options{level=3 mode="slow" verbose=true}')
    assert (p.level, p.mode, p.verbose) == (3, "slow", True)
    again = pl.parse_passes(pl.pipeline_string([p]))
    assert again == [p]
    module = make_module()
    pl.run_pipeline(module, "test-options{level=2}")
    assert module.attributes["test.seen"].data == "2/fast/False"


@pytest.mark.parametrize(
    "spec,message",
    [
        ("tf-cleanup,no-such-pass", "Unrecognized passes: ['no-such-pass']; available passes: dce,"),
        ("tf-cleanup{", "Expected argument name here"),
        ("dce{nope=1}", "nope"),
    ],
)
def test_bad_pipelines_are_one_clear_error(spec: str, message: str) -> None:
    with pytest.raises(pl.PipelineError) as e:
        pl.parse_passes(spec)
    assert message in str(e.value)
    assert spec in str(e.value)


def test_register_pipeline_and_self_reference() -> None:
    pl.register_pipeline("test-cleanup-twice", "tf-cleanup,tf-cleanup")
    pl.register_pipeline("test-loop", "dce,test-loop")
    try:
        assert pl.expand_pipeline("test-cleanup-twice,dce") == "tf-cleanup,tf-cleanup,dce"
        with pytest.raises(pl.PipelineError, match="includes itself"):
            pl.expand_pipeline("test-loop")
    finally:
        pl.PIPELINES.pop("test-cleanup-twice")
        pl.PIPELINES.pop("test-loop")


# ---- the driver -----------------------------------------------------------------------------------------------


def test_run_pipeline_records_time_and_op_counts() -> None:
    module = make_module()
    seen: list[tuple[str, int, str]] = []
    run = pl.run_pipeline(
        module,
        "tf-cleanup,legalize-tf,dce",
        verify_each=True,
        before_pass=lambda i, p, m: seen.append(("before", i, p.name)),
        on_pass=lambda i, p, m: seen.append(("after", i, p.name)),
    )
    assert [r.name for r in run.records] == ["tf-cleanup", "legalize-tf", "dce"]
    assert seen == [
        ("before", 0, "tf-cleanup"),
        ("after", 0, "tf-cleanup"),
        ("before", 1, "legalize-tf"),
        ("after", 1, "legalize-tf"),
        ("before", 2, "dce"),
        ("after", 2, "dce"),
    ]
    # Consecutive records chain: each pass starts from the previous one's op count.
    for a, b in zip(run.records, run.records[1:], strict=False):
        assert a.ops_after == b.ops_before
    assert run.records[0].ops_before == 6  # func + Const + MatMul + Relu + Identity + return
    assert run.records[0].ops_after == 5  # Identity forwarded
    assert run.records[-1].ops_after == pl.count_ops(module)
    assert all(r.seconds >= 0 for r in run.records)
    assert run.spec == "tf-cleanup,legalize-tf,dce"
    assert "tf.Identity" not in op_names(module) and "tfl.fully_connected" in op_names(module)


TWO_RELUS = """
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = "tf.Relu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = "tf.Identity"(%a) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = "tf.Relu"(%b) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %d = "tf.Tanh"(%c) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %d : tensor<2x3xf32>
}
"""


def test_run_pipeline_counts_rule_hits_per_pass() -> None:
    module = Parser(pl.make_context(), TWO_RELUS).parse_module()
    run = pl.run_pipeline(module, "tf-cleanup,legalize-tf,dce")
    hits = {r.name: r.rule_hits for r in run.records}
    assert hits == {
        "tf-cleanup": {"forward_identity": 1},
        "legalize-tf": {"legalize_unary": 3},  # relu, relu, tanh: one rule, three hits
        "dce": {},  # no rule table
    }
    assert op_names(module) == ["tfl.relu", "tfl.relu", "tfl.tanh", "func.return"]


def test_verify_each_names_the_pass_that_broke_the_ir(
    test_passes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = make_module()
    with pytest.raises(pl.PassError) as e:
        pl.run_pipeline(module, "legalize-tf,test-breaks-ir,dce", verify_each=True)
    assert e.value.pass_name == "test-breaks-ir" and e.value.index == 1
    assert "left invalid IR" in str(e.value) and "NOT_AN_ACTIVATION" in str(e.value)
    # Without verification the same pipeline runs through (the check is what catches it).
    monkeypatch.setenv("TFLC_VERIFY_EACH", "0")
    pl.run_pipeline(make_module(), "legalize-tf,test-breaks-ir,dce", verify_each=False)


def test_verify_each_is_on_by_default_in_tests(test_passes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFLC_VERIFY_EACH", raising=False)
    assert pl.verify_each_default()  # pytest sets PYTEST_CURRENT_TEST
    with pytest.raises(pl.PassError, match="test-breaks-ir"):
        pl.run_pipeline(make_module(), "legalize-tf,test-breaks-ir")
    monkeypatch.setenv("TFLC_VERIFY_EACH", "0")
    assert not pl.verify_each_default()
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.setenv("TFLC_VERIFY_EACH", "1")
    assert pl.verify_each_default()
    monkeypatch.delenv("TFLC_VERIFY_EACH")
    assert not pl.verify_each_default()


def test_a_crashing_pass_is_reported_by_name(test_passes: None) -> None:
    with pytest.raises(pl.PassError) as e:
        pl.run_pipeline(make_module(), "tf-cleanup,test-crashes")
    assert "pass #1 'test-crashes' failed: KeyError" in str(e.value)


# ---- debug dumps ----------------------------------------------------------------------------------------------


def test_dump_ir_after_all_writes_one_numbered_file_per_pass(tmp_path: Path) -> None:
    stale = tmp_path / "09_old-pass.mlir"
    stale.write_text("// stale\n")
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    module = make_module()
    debug = DebugOptions(dump_dir=tmp_path)
    debug.run(module, "tf-cleanup,legalize-tf,dce")
    names = sorted(p.name for p in tmp_path.glob("*.mlir"))
    assert names == ["00_tf-import.mlir", "01_tf-cleanup.mlir", "02_legalize-tf.mlir", "03_dce.mlir"]
    assert keep.read_text() == "mine"  # only numbered dumps are cleared
    first, last = (tmp_path / "00_tf-import.mlir").read_text(), (tmp_path / "03_dce.mlir").read_text()
    assert '"tf.MatMul"' in first and "tfl.fully_connected" in last
    # Weights are elided: a 120-element constant prints as a digest, not values.
    assert "elided" in first and "119.0" not in first
    # In the process that printed them, dumps parse back (elided constants are found by digest).
    reparsed = Parser(pl.make_context(), last).parse_module()
    assert op_names(reparsed) == op_names(module)
    assert debug.written == [tmp_path / n for n in names]


def test_print_before_and_after_named_passes() -> None:
    stream = io.StringIO()
    DebugOptions(print_before="legalize-tf", print_after=["dce"], ir_stream=stream).run(
        make_module(), "tf-cleanup,legalize-tf,dce"
    )
    text = stream.getvalue()
    assert text.count("IR Dump Before") == 1 and text.count("IR Dump After") == 1
    before, after = text.split("IR Dump After")
    assert "IR Dump Before legalize-tf (#2)" in before and '"tf.MatMul"' in before
    assert after.startswith(" dce (#3)") and "tfl.fully_connected" in after and "tf.MatMul" not in after


def test_print_after_all_and_generic_form() -> None:
    stream = io.StringIO()
    DebugOptions(print_after="all", generic=True, ir_stream=stream).run(make_module(), "tf-cleanup,dce")
    text = stream.getvalue()
    assert text.count("IR Dump After") == 2
    assert '"func.func"() <{' in text  # generic op form


def test_dump_tf_graph_and_pass_timing(tmp_path: Path) -> None:
    report = io.StringIO()
    debug = DebugOptions(dump_tf_graph=tmp_path / "tf.mlir", pass_timing=True, report_stream=report)
    run = debug.run(make_module(), "tf-cleanup,legalize-tf,dce")
    assert '"tf.MatMul"' in (tmp_path / "tf.mlir").read_text()
    table = report.getvalue()
    assert table == format_timing(run)
    lines = table.splitlines()
    assert lines[0] == "Pass timing" and "ops before" in lines[2] and "ops after" in lines[2]
    rows = [line for line in lines if line.lstrip()[:1].isdigit()]
    assert [r.split()[1] for r in rows] == ["tf-cleanup", "legalize-tf", "dce"]
    assert rows[0].split()[-3:] == ["6", "5", "-1"]
    assert "total" in lines[-1]


def test_universe_exposes_dialects_and_passes() -> None:
    from compiler.universe import TFLC_UNIVERSE

    assert set(TFLC_UNIVERSE.all_dialects) == {"tf", "tfl", "tflc", "quant"}
    assert {"legalize-tf", "tf-cleanup", "prepare-tf", "optimize", "fold-constants"} <= set(
        TFLC_UNIVERSE.all_passes
    )


def test_dump_printer_prints_exactly_like_xdsl() -> None:
    from xdsl.printer import Printer

    from compiler.dumps import DumpPrinter

    module = make_module()
    module.body.block.first_op.attributes["tflc.note"] = StringAttr('quote " backslash \\ newline \n é \x01')
    for generic in (False, True):
        ours, theirs = io.StringIO(), io.StringIO()
        DumpPrinter(stream=ours, print_generic_format=generic).print_op(module)
        Printer(stream=theirs, print_generic_format=generic).print_op(module)
        assert ours.getvalue() == theirs.getvalue()
