"""Ctrl-C at any point of `tflc convert` ends with exit code 130, one `error: interrupted` line and no file in the
output directory (neither the output nor the temporary file); after the command has committed its output a
Ctrl-C is ignored and the file is complete (exit 0). Each point is made slow by tests/cli_interrupt_helper.py and
the real process gets a real SIGINT there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPER = Path(__file__).with_name("cli_interrupt_helper.py")


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tensorflow as tf

    class M(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"out": tf.nn.relu(tf.matmul(x, self.w))}

    d = tmp_path_factory.mktemp("interrupt") / "sm"
    m = M()
    tf.saved_model.save(m, str(d), signatures=m.__call__)
    return d


def _interrupt_at(point: str, saved_model: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("TFLC_TRACEBACK", None)
    args = ["convert", "--saved_model_dir", str(saved_model), "--output_file", str(out / "m.tflite")]
    p = subprocess.Popen(
        [sys.executable, str(HELPER), point, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert p.stderr is not None
    lines = []
    for line in p.stderr:  # wait until the process is at the slow point
        lines.append(line)
        if line.strip() == "READY":
            break
    else:
        p.wait(timeout=60)
        raise AssertionError("".join(lines))
    p.send_signal(signal.SIGINT)
    stdout, rest = p.communicate(timeout=120)
    return subprocess.CompletedProcess(p.args, p.returncode, stdout, "".join(lines) + rest)


@pytest.mark.parametrize("point", ["convert", "write", "summary"])
def test_ctrl_c_exits_130_and_leaves_no_file(point: str, saved_model: Path, tmp_path: Path) -> None:
    p = _interrupt_at(point, saved_model, tmp_path)
    assert p.returncode == 130, p.stderr
    assert [ln for ln in p.stderr.splitlines() if ln.startswith("error:")] == ["error: interrupted"], p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(os.listdir(tmp_path)) == []


def test_ctrl_c_after_commit_keeps_the_complete_file(saved_model: Path, tmp_path: Path) -> None:
    from ai_edge_litert.interpreter import Interpreter

    p = _interrupt_at("committed", saved_model, tmp_path)
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(tmp_path)) == ["m.tflite"]
    x = np.linspace(-1, 1, 4, dtype=np.float32).reshape(1, 4)
    (out,) = Interpreter(model_path=str(tmp_path / "m.tflite")).get_signature_runner()(x=x).values()
    w = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(out, np.maximum(x @ w, 0), rtol=1e-6)
