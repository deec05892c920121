"""`tflc convert --quantize int8/int16x8 --representative-data ...` (issue 9, deliverable 3): the CLI hands the
converter TF's settings, its file equals the Python API's on the same samples, and its int8 I/O matches TF's
converter's on the same model and samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from compiler.converter import OpsSet, Optimize, TFLiteConverter

SAMPLES = 8


def _invoke(args: list[object]) -> object:
    from compiler.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "100", "TFLC_TRACEBACK": ""})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import keras

    d = tmp_path_factory.mktemp("cli_quant")
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 3), batch_size=1, name="img")
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(5)(x)
    m = keras.Model(inp, out)
    m.save(d / "m.keras")
    samples = np.random.default_rng(0).uniform(-1, 1, (SAMPLES, 1, 8, 8, 3)).astype(np.float32)
    np.savez(d / "named.npz", img=samples)
    np.savez(d / "positional.npz", samples[:, 0])  # arr_0, batch axis dropped
    (d / "folder").mkdir()
    np.save(d / "folder" / "img.npy", samples)
    return {"dir": d, "keras": m, "samples": samples}


def _api_int8(model: dict, n: int, io: str | None = None) -> bytes:
    converter = TFLiteConverter.from_keras_file(str(model["dir"] / "m.keras"))
    converter.optimizations = [Optimize.DEFAULT]
    samples = model["samples"][:n]
    converter.representative_dataset = lambda: ({"img": s} for s in samples)
    if io:
        converter.inference_input_type = converter.inference_output_type = io
    return converter.convert()


def _io_quantization(data: bytes) -> list[tuple[str, float, int]]:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data)
    return [
        (np.dtype(d["dtype"]).name, *d["quantization"])
        for d in [*it.get_input_details(), *it.get_output_details()]
    ]


def test_int8_cli_equals_api_and_matches_tensorflow_io(model: dict, tmp_path: Path) -> None:
    import tensorflow as tf

    out = tmp_path / "int8.tflite"
    r = _invoke(["convert", "--keras-model-file", model["dir"] / "m.keras", "-o", out, "-q", "--quantize", "int8",
                 "--representative-data", model["dir"] / "positional.npz", "--inference-input-type", "int8",
                 "--inference-output-type", "int8"])  # fmt: skip
    assert r.exit_code == 0, r.stdout + r.stderr
    ours = out.read_bytes()
    assert ours == _api_int8(model, SAMPLES, "int8")
    converter = tf.lite.TFLiteConverter.from_keras_model(model["keras"])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([s] for s in model["samples"])
    converter.inference_input_type = converter.inference_output_type = tf.int8
    theirs = converter.convert()
    for (o_type, o_scale, o_zp), (t_type, t_scale, t_zp) in zip(
        _io_quantization(ours), _io_quantization(theirs), strict=True
    ):
        assert o_type == t_type == "int8"
        assert abs(o_scale - t_scale) <= 0.01 * t_scale and abs(o_zp - t_zp) <= 1


@pytest.mark.parametrize("source", ["named.npz", "folder"])
def test_representative_data_forms_and_sample_limit(model: dict, tmp_path: Path, source: str) -> None:
    out = tmp_path / "m.tflite"
    r = _invoke(["convert", "--keras-model-file", model["dir"] / "m.keras", "-o", out, "-q", "--quantize", "int8",
                 "--representative-data", model["dir"] / source, "--calibration-samples", 2])  # fmt: skip
    assert r.exit_code == 0, r.stdout + r.stderr
    assert out.read_bytes() == _api_int8(model, 2)
    assert out.read_bytes() != _api_int8(model, SAMPLES)  # the limit changed the ranges: it was honoured


def test_int16x8_hands_tf_settings_to_the_converter(
    model: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--quantize int16x8 is TF's 16x8 op set; the converter either converts (int16 activations) or refuses it
    with one clean error and no file, whichever the converter does today."""
    seen: dict[str, object] = {}
    real = TFLiteConverter.convert

    def spy(self: TFLiteConverter) -> bytes:
        seen.update(
            ops={getattr(o, "name", o) for o in self.target_spec.supported_ops},
            optimizations=list(self.optimizations),
            dataset=self.representative_dataset,
            input_type=self.inference_input_type,
        )
        return real(self)

    monkeypatch.setattr(TFLiteConverter, "convert", spy)
    out = tmp_path / "m.tflite"
    r = _invoke(["convert", "--keras-model-file", model["dir"] / "m.keras", "-o", out, "-q", "--quantize", "int16x8",
                 "--representative-data", model["dir"] / "named.npz", "--inference-input-type", "int16"])  # fmt: skip
    assert seen["ops"] == {OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8.name}
    assert seen["optimizations"] == [Optimize.DEFAULT]
    assert len(seen["dataset"]) == SAMPLES and seen["input_type"] == "int16"
    if r.exit_code == 0:
        from ai_edge_litert.interpreter import Interpreter

        it = Interpreter(model_path=str(out))
        assert np.dtype(it.get_input_details()[0]["dtype"]) == np.int16
        assert any(np.dtype(d["dtype"]) == np.int16 for d in it.get_tensor_details() if d["name"] != "img")
    else:
        errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
        assert r.exit_code == 1 and len(errors) == 1, r.stderr
        assert "int16" in r.stderr and "internal error" not in r.stderr
        assert list(tmp_path.iterdir()) == []


def test_shape_mismatch_names_the_input(model: dict, tmp_path: Path) -> None:
    np.savez(tmp_path / "bad.npz", img=np.zeros((4, 1, 9, 9, 3), np.float32))
    out = tmp_path / "m.tflite"
    r = _invoke(["convert", "--keras-model-file", model["dir"] / "m.keras", "-o", out, "--quantize", "int8",
                 "--representative-data", tmp_path / "bad.npz"])  # fmt: skip
    assert r.exit_code == 1
    assert "error:" in r.stderr and "array 'img' has shape [4, 1, 9, 9, 3]" in r.stderr
    assert "img: float32[1, 8, 8, 3]" in r.stderr
    assert not out.exists()
