"""CLI habits (issue 14): tflite_convert's underscore spellings and tag set, help readable on 80 columns, `tflc opt
--help` naming tflc's passes (xDSL's on request)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

COMMANDS = [[], ["convert"], ["analyze"], ["run"], ["verify"], ["passes"]]


def _invoke(args: list[str], columns: int = 100) -> object:
    from compiler.cli import app

    return CliRunner().invoke(app, args, env={"COLUMNS": str(columns), "TFLC_TRACEBACK": ""})


@pytest.fixture(scope="module")
def edge_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SavedModel whose only MetaGraph is tagged 'edge' (not 'serve')."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    class M(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"out": tf.tanh(tf.matmul(x, self.w))}

    d = tmp_path_factory.mktemp("tags") / "sm"
    m = M()
    tf.saved_model.save(m, str(d), signatures={"predict": m.__call__})
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((d / "saved_model.pb").read_bytes())
    proto.meta_graphs[0].meta_info_def.tags[:] = ["edge"]
    (d / "saved_model.pb").write_bytes(proto.SerializeToString())
    return d


def test_underscore_spellings_and_tag_set_match_tensorflow(edge_model: Path, tmp_path: Path) -> None:
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    out = tmp_path / "m.tflite"
    r = _invoke(
        [
            "convert",
            "--saved_model_dir",
            str(edge_model),
            "--saved_model_signature_key",
            "predict",
            "--saved_model_tag_set",
            "edge",
            "--output_file",
            str(out),
            "-q",
        ]
    )
    assert r.exit_code == 0, r.stdout + r.stderr
    converter = tf.lite.TFLiteConverter.from_saved_model(str(edge_model), ["predict"], tags={"edge"})
    theirs = converter.convert()
    x = np.linspace(-1, 1, 4, dtype=np.float32).reshape(1, 4)
    ours_out = Interpreter(model_path=str(out)).get_signature_runner("predict")(x=x)
    tf_out = Interpreter(model_content=theirs).get_signature_runner("predict")(x=x)
    assert ours_out.keys() == tf_out.keys() == {"out"}
    np.testing.assert_array_equal(ours_out["out"], tf_out["out"])


def test_tag_set_is_honoured(edge_model: Path, tmp_path: Path) -> None:
    """The tags reach the loader: a tag set the SavedModel lacks is the loader's error naming both sets."""
    out = tmp_path / "m.tflite"
    r = _invoke(
        [
            "convert",
            "--saved-model-dir",
            str(edge_model),
            "--saved-model-tag-set",
            "serve,gpu",
            "-o",
            str(out),
        ]
    )
    assert r.exit_code == 1
    assert "no MetaGraph with tags ['gpu', 'serve']; it has [['edge']]" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) or "tflc" for a in COMMANDS])
def test_help_fits_80_columns(args: list[str]) -> None:
    r = _invoke([*args, "--help"], columns=80)
    assert r.exit_code == 0, r.stdout
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 80, "\n".join(ln for ln in lines if len(ln) > 80)
    cut = [ln for ln in lines if "…" in ln or (ln.endswith("...") and not ln.startswith("Usage:"))]
    assert cut == [], r.stdout  # nothing cut: every option's and command's text whole


def test_convert_help_groups_options_and_names_the_aliases_once() -> None:
    text = _invoke(["convert", "--help"], columns=80).stdout
    for section in ("Model:", "Output:", "Quantization:", "Op sets:", "Debugging:"):
        assert section in text
    assert text.index("Model:") < text.index("Quantization:") < text.index("Debugging:")
    for alias in ("--saved_model_dir", "--keras_model_file", "--output_file", "--saved_model_signature_key",
                  "--saved_model_tag_set"):  # fmt: skip
        assert text.count(alias) == 1, alias  # in the one "Also accepted" line, not in the option list
    assert text.index("Also accepted") < text.index("--saved_model_dir")


def test_opt_help_lists_tflc_passes_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.cli.opt import run_opt
    from compiler.pipeline import PIPELINES, available_passes

    monkeypatch.setenv("COLUMNS", "80")
    assert run_opt(["--help"]) == 0
    text = capsys.readouterr().out
    assert max(map(len, text.splitlines())) <= 80
    ours = list(available_passes())
    first_option = text.index("positional arguments:")
    for name in [*ours, *PIPELINES]:
        assert f"  {name} " in text[:first_option], name  # before the option list
    assert "convert-linalg-to-loops" not in text  # an xDSL pass: only on request
    assert "--all-passes" in text
    assert run_opt(["--all-passes"]) == 0
    listing = capsys.readouterr().out
    assert (
        listing.index("tflc passes") < listing.index("xDSL passes") < listing.index("convert-linalg-to-loops")
    )
    for name in ours:
        assert name in listing[: listing.index("xDSL passes")]
