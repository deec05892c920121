"""tflc's model metadata against TFLite Support 0.4.4 itself: its MetadataDisplayer reads what tflc writes (JSON equal,
packed files equal), and tflc reads what its ImageClassifier/ObjectDetector writers write (JSON equal; and tflc's own
writers write the same JSON for the same model).

TFLite Support pins protobuf < 4 (TensorFlow 2.21 needs newer), so it lives in a side environment and runs in a
subprocess; the test skips when that environment is absent. To create it (Python 3.11; libusb is a system library its
extension links against):

    apt-get install libusb-1.0-0
    python3.11 -m venv /work/venv-meta
    /work/venv-meta/bin/pip install --no-deps tflite-support==0.4.4
    /work/venv-meta/bin/pip install flatbuffers "numpy<2" "protobuf>=3.18,<4" absl-py pybind11 sounddevice

TFLC_TFLITE_SUPPORT_PYTHON names another interpreter with tflite-support installed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from compiler import TFLiteConverter
from compiler import metadata as md

PYTHON = Path(os.environ.get("TFLC_TFLITE_SUPPORT_PYTHON", "/work/venv-meta/bin/python"))

pytestmark = pytest.mark.skipif(not PYTHON.exists(), reason=f"no TFLite Support side environment at {PYTHON}")

# Runs in the side environment: TFLite Support reads our files and writes its own, everything reported as JSON.
_SIDE = r"""
import json, sys
from tensorflow_lite_support.metadata.python import metadata as _metadata
from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, object_detector, writer_utils

d = sys.argv[1]
report = {"read": {}}
for name in ("ours_classifier", "ours_generic", "ours_detector"):
    shown = _metadata.MetadataDisplayer.with_model_file(f"{d}/{name}.tflite")
    files = shown.get_packed_associated_file_list()
    report["read"][name] = {
        "json": json.loads(shown.get_metadata_json()),
        "files": {f: shown.get_associated_file_buffer(f).decode() for f in files},
    }
writer = image_classifier.MetadataWriter.create_for_inference(
    writer_utils.load_file(f"{d}/classifier.tflite"), [127.5], [127.5], [f"{d}/labels.txt"])
open(f"{d}/theirs_classifier.tflite", "wb").write(writer.populate())
writer = object_detector.MetadataWriter.create_for_inference(
    writer_utils.load_file(f"{d}/detector.tflite"), [127.5], [127.5], [f"{d}/labels.txt"])
open(f"{d}/theirs_detector.tflite", "wb").write(writer.populate())
for name in ("theirs_classifier", "theirs_detector"):
    report[name] = json.loads(_metadata.MetadataDisplayer.with_model_file(f"{d}/{name}.tflite").get_metadata_json())
print(json.dumps(report))
"""

LABELS = ["cat", "dog", "bird"]


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    import keras

    d = tmp_path_factory.mktemp("tflite_support")
    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    classifier = keras.Model(image, keras.layers.Softmax()(keras.layers.Dense(3)(x)))
    flat = keras.layers.Flatten()(image)
    boxes = keras.layers.Reshape((4, 4))(keras.layers.Dense(16)(flat))
    detector = keras.Model(
        image, [boxes, keras.layers.Dense(4)(flat), keras.layers.Dense(4)(flat), keras.layers.Dense(1)(flat)]
    )
    models = {name: TFLiteConverter.from_keras_model(m).convert() for name, m in (("classifier", classifier),
                                                                                    ("detector", detector))}  # fmt: skip
    (d / "labels.txt").write_text("\n".join(LABELS) + "\n")
    ours = {
        "ours_classifier": md.write_metadata(
            models["classifier"], md.ImageClassifier(labels=d / "labels.txt", mean=[127.5], std=[127.5])
        ),
        # floats TFLite Support prints rounded (flatc: 6 decimals), several channels, version/author/license
        "ours_generic": md.write_metadata(
            models["classifier"],
            md.GenericModel(
                name="generic",
                version="v2",
                author="tflc",
                license="Apache-2.0",
                inputs=[
                    md.TensorSpec(
                        "pixels",
                        "RGB pixels",
                        [0.1234567, 1 / 3, 1e-7],
                        [127.5, 3.3, 2.0],
                        image=md.ColorSpaceType.RGB,
                    )
                ],
                outputs=[md.TensorSpec("scores", labels=LABELS)],
            ),
        ),  # fmt: skip
        "ours_detector": md.write_metadata(
            models["detector"], md.ObjectDetector(labels=LABELS, mean=[127.5], std=[127.5])
        ),
    }
    for name, data in {**models, **ours}.items():
        (d / f"{name}.tflite").write_bytes(data)
    p = subprocess.run([str(PYTHON), "-c", _SIDE, str(d)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return d, json.loads(p.stdout.strip().splitlines()[-1]), ours


@pytest.mark.parametrize("name", ["ours_classifier", "ours_generic", "ours_detector"])
def test_tflite_support_displayer_reads_tflc_metadata(side_by_side, name):
    _, report, ours = side_by_side
    seen = report["read"][name]
    if name == "ours_generic":  # flatc prints float32 with 6 decimals; tflc's JSON says the same
        assert seen["json"]["subgraph_metadata"][0]["input_tensor_metadata"][0]["process_units"][0][
            "options"
        ] == {
            "mean": [0.123457, 0.333333, 0.0],
            "std": [127.5, 3.3, 2.0],
        }
    assert seen["json"] == md.to_json(md.read_metadata(ours[name]))
    packed = {k: v.decode() for k, v in md.packed_files(ours[name]).items()}
    assert seen["files"] == packed
    assert packed == {"labels.txt": "cat\ndog\nbird\n"}


@pytest.mark.parametrize("kind", ["classifier", "detector"])
def test_tflc_reads_tflite_support_writers_identically(side_by_side, kind):
    """TFLite Support's writer output read by tflc gives its displayer's JSON; tflc's writer for the same model
    writes that same JSON; the file TFLite Support rewrote still computes the same in LiteRT and our runtime."""
    d, report, ours = side_by_side
    theirs = (d / f"theirs_{kind}.tflite").read_bytes()
    assert md.to_json(md.read_metadata(theirs)) == report[f"theirs_{kind}"]
    assert md.to_json(md.read_metadata(ours[f"ours_{kind}"])) == report[f"theirs_{kind}"]
    assert md.packed_files(theirs) == md.packed_files(ours[f"ours_{kind}"])
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    x = np.random.default_rng(1).random((1, 16, 16, 3), np.float32)
    outs = []
    for make in (LiteRT, Ours):
        for path in (d / f"{kind}.tflite", d / f"theirs_{kind}.tflite", d / f"ours_{kind}.tflite"):
            interp = make(model_path=str(path))
            interp.allocate_tensors()
            interp.set_tensor(interp.get_input_details()[0]["index"], x)
            interp.invoke()
            outs.append([interp.get_tensor(o["index"]).copy() for o in interp.get_output_details()])
    for got in outs[1:3]:
        assert all(np.array_equal(a, b) for a, b in zip(outs[0], got, strict=True))
    for got in outs[4:6]:
        assert all(np.array_equal(a, b) for a, b in zip(outs[3], got, strict=True))
