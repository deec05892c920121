"""`tflc verify --per-layer` on quantized models against their float source (issue 9, deliverable 4) and bounded
verify output (issue 14). TF's own int8 / int16x8 / dynamic-range files of one small model are checked against TF's
QuantizationDebugger (scales, zero points, end-to-end SQNR) and against figures computed here from LiteRT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from compiler.verify import quantized_layers, random_inputs

KEY = "serving_default"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import keras
    import tensorflow as tf

    d = tmp_path_factory.mktemp("verify_quant")
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 3), batch_size=1, name="img")
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    x = keras.layers.Conv2D(6, 3)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(5)(x)
    model = keras.Model(inp, out)
    model.save(d / "m.keras")
    samples = np.random.default_rng(0).uniform(-1, 1, (8, 1, 8, 8, 3)).astype(np.float32)

    def converter(mode: str | None) -> tf.lite.TFLiteConverter:
        c = tf.lite.TFLiteConverter.from_keras_model(model)
        if mode:
            c.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode in ("int8", "16x8"):
            c.representative_dataset = lambda: ([s] for s in samples)
        if mode == "16x8":
            c.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            ]
        return c

    out_files = {}
    for mode in (None, "int8", "16x8", "dynamic"):
        data = converter(mode).convert()
        path = d / f"{mode or 'float'}.tflite"
        path.write_bytes(data)
        out_files[mode or "float"] = path
    return {"dir": d, "samples": samples, "converter": converter, **out_files}


def _feed(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"img": x}


def _litert_tensors(path: Path, x: np.ndarray) -> dict[str, tuple[dict, np.ndarray]]:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), experimental_preserve_all_tensors=True)
    runner = it.get_signature_runner(KEY)
    ((name, d),) = runner.get_input_details().items()
    scale, zp = d["quantization"]
    runner(**{name: x if scale == 0 else np.clip(np.round(x / scale) + zp, -32768, 32767).astype(d["dtype"])})
    out = {}
    for t in it.get_tensor_details():
        try:
            out[t["name"]] = (t, it.get_tensor(t["index"]))
        except ValueError:
            pass
    return out


@pytest.mark.parametrize("mode", ["int8", "16x8", "dynamic"])
def test_per_layer_figures_equal_litert_computed_here(files: dict, mode: str) -> None:
    x = files["samples"][0]
    report = quantized_layers(files[mode].read_bytes(), files["float"].read_bytes(), KEY, _feed(x))
    q_tensors, f_tensors = _litert_tensors(files[mode], x), _litert_tensors(files["float"], x)
    assert len(report.layers) >= 4, report  # every conv, the pooling, the dense layer and the output
    int_kinds = set()
    for row in report.layers:
        t, q = q_tensors[row.name]
        ref = f_tensors[row.name][1].astype(np.float64)
        scale, zp = t["quantization"]
        deq = (q.astype(np.float64) - zp) * scale if scale else q.astype(np.float64)
        err = np.abs(deq - ref) / (scale or 1.0)
        np.testing.assert_allclose(
            [row.mean_error, row.max_error], [err.mean(), err.max()], rtol=1e-9, atol=1e-12
        )
        if np.any(deq != ref):
            sqnr = 10 * np.log10(np.sum(ref**2) / np.sum((deq - ref) ** 2))
            assert row.sqnr_db == pytest.approx(sqnr, rel=1e-9)
        if scale:
            info = np.iinfo(q.dtype)
            int_kinds.add(q.dtype.name)
            assert row.range == pytest.approx((scale * (info.min - zp), scale * (info.max - zp)))
            assert row.max_error <= 2**16  # in units of the scale: never the raw float error
        else:
            assert row.range is None and row.scale is None
    assert int_kinds == {"int8": {"int8"}, "16x8": {"int16"}, "dynamic": set()}[mode]
    # TF's QUANTIZE/DEQUANTIZE outputs exist only in the quantized file: reported as unmatched, not dropped
    assert all(n not in f_tensors for n in report.unmatched)


def test_int8_figures_agree_with_tf_quantization_debugger(files: dict) -> None:
    import tensorflow as tf

    x = files["samples"][0]

    def sqnr(floats: list[np.ndarray], quants: list[np.ndarray]) -> float:
        f, q = floats[0].astype(np.float64), quants[0].astype(np.float64)
        return float(10 * np.log10(np.sum(f**2) / np.sum((q - f) ** 2)))

    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=files["converter"]("int8"),
        debug_dataset=lambda: iter([[x]]),
        debug_options=tf.lite.experimental.QuantizationDebugOptions(model_debug_metrics={"sqnr": sqnr}),
    )
    debugger.run()
    report = quantized_layers(files["int8"].read_bytes(), files["float"].read_bytes(), KEY, _feed(x))
    rows = {r.name: r for r in report.layers}
    import io

    dump = io.StringIO()
    debugger.layer_statistics_dump(dump)
    lines = dump.getvalue().splitlines()
    header = lines[0].split(",")
    debugged = 0
    for line in lines[1:]:
        cells = dict(zip(header, line.split(",", len(header) - 1), strict=True))
        row = rows.get(cells["tensor_name"])
        assert row is not None, cells["tensor_name"]  # every layer the debugger reports, we report
        if row.scale is None:
            continue  # the model output: the debug model keeps it int8, TF's file names its float DEQUANTIZE so
        assert row.scale == pytest.approx(float(cells["scale"]), rel=1e-7)
        assert row.zero_point == int(cells["zero_point"])
        debugged += 1
    assert debugged >= 3  # both convolutions and the pooling
    (output_name,) = [n for n in rows if rows[n].scale is None and n != "img" and n in _output_names(files)]
    assert rows[output_name].sqnr_db == pytest.approx(debugger.model_statistics["sqnr"], abs=0.05)


def _output_names(files: dict) -> set[str]:
    from ai_edge_litert.interpreter import Interpreter

    return {d["name"] for d in Interpreter(model_path=str(files["int8"])).get_output_details()}


def test_cli_per_layer_is_bounded_with_distinct_names(files: dict) -> None:
    from compiler.cli import app

    r = CliRunner().invoke(
        app,
        ["verify", str(files["int8"]), "--float-model", str(files["float"]), "--per-layer"],
        env={"COLUMNS": "80", "TFLC_TRACEBACK": ""},
    )
    assert r.exit_code == 0, r.stdout + r.stderr
    text = r.stdout
    assert "quantized vs float source" in text and "SQNR" in text and "int8 " in text
    assert len(text.splitlines()) < 60
    report = quantized_layers(
        files["int8"].read_bytes(), files["float"].read_bytes(), KEY, _feed(files["samples"][0])
    )
    from compiler.cli.run import short_names

    names = short_names([r.name for r in report.layers])
    assert len(set(names)) == len(names)  # distinguishable: no two rows share a name
    assert all(n in text.replace("\n", "") or n[:10] in text for n in names)


def test_verify_against_a_mismatched_reference_is_bounded(files: dict, tmp_path: Path) -> None:
    """The issue's 814-line case: a reference computing something else prints the worst elements, not tensors."""
    import keras

    from compiler.cli import app

    other = keras.models.load_model(files["dir"] / "m.keras")
    for w in other.weights:
        w.assign(w * 1.7)
    other.save(tmp_path / "other.keras")
    r = CliRunner().invoke(
        app,
        ["verify", str(files["float"]), "--keras-model-file", str(tmp_path / "other.keras"), "--per-layer"],
        env={"COLUMNS": "100", "TFLC_TRACEBACK": ""},
    )
    assert r.exit_code == 1
    text = r.stdout + r.stderr
    assert len(text.splitlines()) < 40, text
    assert "worst elements" in text and "exceeds the tolerance" in text
    x = random_inputs({"img": {"shape": [1, 8, 8, 3], "dtype": np.float32}}, 0)["img"]
    ref = other(x).numpy()
    from ai_edge_litert.interpreter import Interpreter

    ours = Interpreter(model_path=str(files["float"])).get_signature_runner(KEY)(img=x)
    (o,) = ours.values()
    worst = np.unravel_index(np.argmax(np.abs(o - ref)), ref.shape)
    assert f"{list(map(int, worst))}: {float(o[worst]):.6g} vs {float(ref[worst]):.6g}" in text


def test_tf_int8_file_against_the_keras_source_matches_layers(files: dict) -> None:
    """Float reference = the Keras model converted by tflc: tensors are matched across TF's and tflc's names (by
    signature I/O, fused-name part or layer scope); what has no float counterpart is listed, not dropped."""
    from ai_edge_litert.interpreter import Interpreter

    from compiler import TFLiteConverter

    float_bytes = TFLiteConverter.from_keras_file(str(files["dir"] / "m.keras")).convert()
    report = quantized_layers(files["int8"].read_bytes(), float_bytes, KEY, _feed(files["samples"][0]))
    int8_rows = [r for r in report.layers if r.scale is not None]
    tf_int8 = [
        d["name"]
        for d in Interpreter(model_path=str(files["int8"])).get_tensor_details()
        if "conv2d" in d["name"]
        and np.dtype(d["dtype"]) == np.int8
        and len(d["shape"]) == 4
        and d["shape"][0] == 1
    ]
    assert {r.name for r in int8_rows} >= set(tf_int8) and len(tf_int8) == 2  # both conv outputs matched
    assert {r.name for r in report.layers if r.scale is None} >= {
        "serving_default_img:0"
    }  # input, by signature
    assert len(report.unmatched) <= 2  # TF's input QUANTIZE and int8 output before its DEQUANTIZE
    assert all(r.sqnr_db > 20 for r in report.layers)
