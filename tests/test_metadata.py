"""TFLite model metadata (TFLite Support's schema, "M001"): reading what TFLite Support wrote exactly as its
displayer does, writing it onto models without changing what they compute, `tflc metadata show|add`, `tflc analyze`,
`converter.metadata`, and `tflc codegen`'s wrapper classifying digits as TensorFlow does, in LiteRT and our runtime.

TFLite Support's own displayer and writers are checked against ours in tests/test_metadata_tflite_support.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from compiler import TFLiteConverter
from compiler import metadata as md
from compiler.model_metadata import metadata_schema_generated as fb
from compiler.model_metadata.objects import _schema_fields, _schema_name, _t_attr

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "metadata"
TFLC = [sys.executable, "-m", "compiler.cli"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
ENV.pop("TFLC_TRACEBACK", None)
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def tflc(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TFLC, *map(str, args)], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600
    )


def one_error(p: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    errors = [line for line in p.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, p.stderr
    for n in needles:
        assert n in p.stderr, p.stderr


def run_litert(model: bytes, x: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_content=model)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).copy()


def run_ours(path: Path, x: np.ndarray) -> np.ndarray:
    from runtime import Interpreter

    interp = Interpreter(model_path=str(path))
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).copy()


# ---- the bindings and the object model --------------------------------------------------------------------------


def test_bindings_are_flatc_output_of_the_committed_schema():
    """The generated module names the schema it came from by hash; CI has no flatc, so this is what it can check."""
    here = ROOT / "compiler" / "model_metadata"
    header = (here / "metadata_schema_generated.py").read_text().splitlines()[:6]
    digest = hashlib.sha256((here / "metadata_schema.fbs").read_bytes()).hexdigest()
    assert any(digest in line for line in header), header
    assert any("flatc version" in line for line in header)


def test_every_field_maps_to_the_generated_object_api():
    for cls in (md.ModelMetadata, md.SubGraphMetadata, md.TensorMetadata, md.AssociatedFile, md.Content,
                md.ImageProperties, md.BoundingBoxProperties, md.SentencePieceTokenizerOptions, md.CustomMetadata,
                md.ProcessUnit, md.Stats, md.TensorGroup, md.NormalizationOptions, md.AudioProperties):  # fmt: skip
        t = getattr(fb, cls.__name__ + "T")()
        for f in _schema_fields(cls):
            assert hasattr(t, _t_attr(_schema_name(f))), (cls.__name__, f.name)
    for enum_cls in (md.AssociatedFileType, md.ColorSpaceType, md.BoundingBoxType, md.CoordinateType):
        generated = {k: v for k, v in vars(getattr(fb, enum_cls.__name__)).items() if not k.startswith("_")}
        assert generated == {m.name: m.value for m in enum_cls}


def _tensor(**kw) -> md.TensorMetadata:
    return md.TensorMetadata(name="t", **kw)


def _with(sg: md.SubGraphMetadata) -> md.ModelMetadata:
    return md.ModelMetadata(name="m", subgraph_metadata=[sg])


@pytest.mark.parametrize(
    "sg, version",
    [
        (md.SubGraphMetadata(input_tensor_metadata=[_tensor()]), "1.0.0"),
        (md.SubGraphMetadata(input_tensor_metadata=[_tensor(associated_files=[
            md.AssociatedFile("v.txt", type=md.AssociatedFileType.VOCABULARY)])]), "1.0.1"),
        (md.SubGraphMetadata(input_process_units=[]), "1.1.0"),  # present, even empty
        (md.SubGraphMetadata(input_tensor_metadata=[_tensor(process_units=[
            md.ProcessUnit(md.BertTokenizerOptions())])]), "1.1.0"),
        (md.SubGraphMetadata(output_tensor_groups=[md.TensorGroup("g", ["t"])]), "1.2.0"),
        (md.SubGraphMetadata(input_process_units=[md.ProcessUnit(md.RegexTokenizerOptions("\\s+"))]), "1.2.1"),
        (md.SubGraphMetadata(input_tensor_metadata=[_tensor(content=md.Content(md.AudioProperties(16000, 1)))]),
         "1.3.0"),
        (md.SubGraphMetadata(associated_files=[md.AssociatedFile("i", type=md.AssociatedFileType.SCANN_INDEX_FILE)]),
         "1.4.0"),
        (md.SubGraphMetadata(output_tensor_metadata=[_tensor(associated_files=[md.AssociatedFile("l", version="2")])]),
         "1.4.1"),
        (md.SubGraphMetadata(custom_metadata=[md.CustomMetadata("c", b"\x01")]), "1.5.0"),
    ],
)  # fmt: skip
def test_min_parser_version_follows_tflite_support(sg, version):
    """metadata_version.cc's rules: the newest member used (by presence of the field, or its enum value)."""
    m = _with(sg)
    assert md.min_parser_version(m) == version
    assert md.parse_metadata(md.serialize_metadata(m)).min_parser_version == version


def test_object_round_trip_keeps_every_field():
    m = md.ModelMetadata(
        name="n", description="d", version="v1", author="a", license="l",
        subgraph_metadata=[md.SubGraphMetadata(
            name="sg",
            input_tensor_metadata=[md.TensorMetadata(
                name="image", dimension_names=["b", "h", "w", "c"],
                content=md.Content(md.ImageProperties(md.ColorSpaceType.RGB, md.ImageSize(224, 160)),
                                   md.ValueRange(1, 2)),
                process_units=[md.ProcessUnit(md.NormalizationOptions([127.5, 0.1], [127.5, 2.0]))],
                stats=md.Stats(max=[1.0], min=[-1.0]))],
            output_tensor_metadata=[md.TensorMetadata(
                name="boxes",
                content=md.Content(md.BoundingBoxProperties([1, 0, 3, 2], md.BoundingBoxType.BOUNDARIES,
                                                            md.CoordinateType.PIXEL)),
                process_units=[md.ProcessUnit(md.ScoreCalibrationOptions(md.ScoreTransformationType.LOG, 0.2)),
                               md.ProcessUnit(md.ScoreThresholdingOptions(0.5))])],
            input_process_units=[md.ProcessUnit(md.SentencePieceTokenizerOptions(
                [md.AssociatedFile("sp.model")], [md.AssociatedFile("vocab.txt", locale="en")]))],
            custom_metadata=[md.CustomMetadata("blob", bytes(range(20)))],
        )],
        associated_files=[md.AssociatedFile("README", "docs", md.AssociatedFileType.DESCRIPTIONS)],
    )  # fmt: skip
    back = md.parse_metadata(md.serialize_metadata(m))
    m.min_parser_version = "1.5.0"
    assert back == m
    assert md.from_json(md.ModelMetadata, json.loads(json.dumps(md.to_json(back)))) == back
    assert md.to_json(back)["subgraph_metadata"][0]["input_process_units"][0]["options"][
        "sentencePiece_model"
    ]


# ---- files written by TFLite Support ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nl_classifier_with_associated_label", "dilated_conv"])
def test_reads_tflite_support_files_as_its_displayer(name):
    """JSON equal to what TFLite Support's MetadataDisplayer printed for the same file; packed files readable."""
    data = (DATA / f"{name}.tflite").read_bytes()
    assert md.to_json(md.read_metadata(data)) == json.loads((DATA / f"{name}.json").read_text())
    p = tflc("metadata", "show", DATA / f"{name}.tflite", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == json.loads((DATA / f"{name}.json").read_text())


def test_packed_label_file_reads_back_and_survives_a_rewrite():
    data = (DATA / "nl_classifier_with_associated_label.tflite").read_bytes()
    m = md.read_metadata(data)
    (label_file,) = m.subgraph_metadata[0].output_tensor_metadata[0].associated_files
    assert label_file.content == b"label0\nlabel1\nlabel2\n"
    m.description = "changed"
    out = md.write_metadata(data, m)
    back = md.read_metadata(out)
    assert back.description == "changed"
    assert md.packed_files(out) == {"test_labels.txt": b"label0\nlabel1\nlabel2\n"}
    assert md.to_json(back) == {**md.to_json(md.read_metadata(data)), "description": "changed"}
    assert out[4:8] == b"TFL3" and zipfile.is_zipfile(io.BytesIO(out))


# ---- a trained digits classifier, converted with labels and normalization ----------------------------------------


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The digits CNN (reads pixels / 16), converted by tflc with and without metadata (converter.metadata)."""
    import corpus

    model, d = corpus.digits_cnn(epochs=8)
    tmp = tmp_path_factory.mktemp("digits")
    plain = TFLiteConverter.from_keras_model(model).convert()
    converter = TFLiteConverter.from_keras_model(model)
    converter.metadata = md.ImageClassifier(
        labels=DIGITS,
        mean=[0.0],
        std=[16.0],
        color_space=md.ColorSpaceType.GRAYSCALE,
        version="1",
        author="tflc",
    )
    described = converter.convert()
    (tmp / "plain.tflite").write_bytes(plain)
    (tmp / "digits.tflite").write_bytes(described)
    (tmp / "labels.txt").write_text("\n".join(DIGITS) + "\n")
    tf_probs = model.predict(d["x_test"] / 16.0, verbose=0)
    return {"tmp": tmp, "plain": plain, "described": described, "tf": tf_probs, "model": model, **d}


def test_converter_metadata_reads_back(digits):
    m = md.read_metadata(digits["described"])
    image = m.subgraph_metadata[0].input_tensor_metadata[0]
    (norm,) = image.process_units
    assert norm.options == md.NormalizationOptions(mean=[0.0], std=[16.0])
    assert image.stats == md.Stats(max=[255.0 / 16], min=[0.0])  # TFLite Support's stats for a float input
    (labels,) = m.subgraph_metadata[0].output_tensor_metadata[0].associated_files
    assert (labels.name, labels.type) == ("labels.txt", md.AssociatedFileType.TENSOR_AXIS_LABELS)
    assert md.label_lines(labels.content) == DIGITS
    assert m.min_parser_version == "1.0.0"
    # the same metadata written afterwards onto the plain model reads back identically
    again = md.write_metadata(digits["plain"], m)
    assert md.to_json(md.read_metadata(again)) == md.to_json(m)
    with pytest.raises(md.MetadataError, match="must be a ModelMetadata or a writer"):
        md.write_metadata(digits["plain"], {"name": "m"})


def test_metadata_changes_no_output_bit(digits):
    """Same outputs, bit for bit, with and without metadata, in LiteRT and in our runtime; tensors and ops equal."""
    import tflite

    tmp = digits["tmp"]
    x = (digits["x_test"][:32] / np.float32(16)).astype(np.float32)
    for i in range(0, 32, 8):
        xi = x[i : i + 1]
        assert np.array_equal(run_litert(digits["plain"], xi), run_litert(digits["described"], xi))
        assert np.array_equal(run_ours(tmp / "plain.tflite", xi), run_ours(tmp / "digits.tflite", xi))
    a, b = (tflite.Model.GetRootAs(m, 0) for m in (digits["plain"], digits["described"]))
    sa, sb = a.Subgraphs(0), b.Subgraphs(0)
    assert sa.TensorsLength() == sb.TensorsLength() and sa.OperatorsLength() == sb.OperatorsLength()
    for i in range(sa.TensorsLength()):
        ta, tb = sa.Tensors(i), sb.Tensors(i)
        assert (ta.Name(), ta.Type(), ta.Buffer()) == (tb.Name(), tb.Type(), tb.Buffer())
        data_a, data_b = a.Buffers(ta.Buffer()).DataAsNumpy(), b.Buffers(tb.Buffer()).DataAsNumpy()
        assert np.array_equal(data_a, data_b)
        if not isinstance(data_b, int):  # constants stay 16-byte aligned in the new file
            assert (b.Buffers(tb.Buffer())._tab.Vector(4) % 16) == 0
    assert b.SignatureDefsLength() == a.SignatureDefsLength() == 1
    names = [b.Metadata(i).Name() for i in range(b.MetadataLength())]
    assert names == [a.Metadata(i).Name() for i in range(a.MetadataLength())] + [b"TFLITE_METADATA"]


def test_metadata_on_tensorflows_own_file(digits):
    """Metadata written onto the file TensorFlow's converter made: both runtimes load it, outputs bit-identical."""
    import tensorflow as tf

    theirs = tf.lite.TFLiteConverter.from_keras_model(digits["model"]).convert()
    described = md.write_metadata(theirs, md.ImageClassifier(labels=DIGITS, mean=[0.0], std=[16.0]))
    assert md.to_json(md.read_metadata(described))["subgraph_metadata"][0]["output_tensor_metadata"][0][
        "name"
    ]
    (digits["tmp"] / "tf.tflite").write_bytes(theirs)
    (digits["tmp"] / "tf_described.tflite").write_bytes(described)
    x = (digits["x_test"][:1] / np.float32(16)).astype(np.float32)
    assert np.array_equal(run_litert(theirs, x), run_litert(described, x))
    assert np.array_equal(
        run_ours(digits["tmp"] / "tf.tflite", x), run_ours(digits["tmp"] / "tf_described.tflite", x)
    )


def test_cli_show_prints_labels_and_normalization(digits):
    p = tflc("metadata", "show", digits["tmp"] / "digits.tflite")
    assert p.returncode == 0, p.stderr
    assert "(x - [0.0]) / [16.0]" in p.stdout
    assert "labels.txt (TENSOR_AXIS_LABELS): 10 labels: zero, one, two, three" in p.stdout
    assert "color_space=GRAYSCALE" in p.stdout
    p = tflc("metadata", "show", digits["tmp"] / "digits.tflite", "--json")
    assert json.loads(p.stdout) == md.to_json(md.read_metadata(digits["described"]))
    p = tflc("analyze", digits["tmp"] / "digits.tflite")
    assert p.returncode == 0, p.stderr
    assert "TFLite metadata: ImageClassifier version 1" in p.stdout and "packed files: labels.txt" in p.stdout


def test_cli_add_writes_what_the_api_writes(digits):
    tmp = digits["tmp"]
    out = tmp / "added.tflite"
    p = tflc("metadata", "add", tmp / "plain.tflite", "-o", out, "--labels", tmp / "labels.txt",
             "--input-mean", 0, "--input-std", 16, "--color-space", "grayscale", "--version", "1", "--author", "tflc")  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert md.to_json(md.read_metadata(out.read_bytes())) == md.to_json(md.read_metadata(digits["described"]))
    assert md.packed_files(out.read_bytes()) == md.packed_files(digits["described"])


def test_generated_wrapper_classifies_as_tensorflow(digits):
    """`tflc codegen` -> a module whose class normalizes raw pixels (0..16) as the metadata says and labels the
    scores; its label is TensorFlow's for every test image, in LiteRT and in our runtime."""
    tmp = digits["tmp"]
    p = tflc("codegen", tmp / "digits.tflite", "--lang", "python", "-o", tmp / "pkg")
    assert p.returncode == 0, p.stderr
    spec = importlib.util.spec_from_file_location("digits_wrapper", tmp / "pkg" / "digits.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would (its dataclasses look their module up)
    spec.loader.exec_module(module)
    expected = [DIGITS[i] for i in np.argmax(digits["tf"], -1)]
    for runtime in ("litert", "tflc"):
        model = module.ImageClassifier(runtime=runtime)
        got = [module.top(model(image=img).probability).label for img in digits["x_test"]]
        assert got == expected, runtime
    out = module.ImageClassifier()(image=digits["x_test"][0])
    assert [c.label for c in out.probability] == DIGITS
    assert np.allclose([c.score for c in out.probability], digits["tf"][0], atol=1e-5)
    accuracy = float(np.mean(np.array(got) == np.array([DIGITS[y] for y in digits["y_test"]])))
    print(f"\ndigits wrapper: {len(got)} test images, label = TensorFlow's for all, accuracy {accuracy:.3f}")


def test_generated_wrapper_quantizes_int8_io(digits):
    """A full-integer digits model with int8 input and output: the wrapper normalizes, quantizes with the input's
    scale and zero point and dequantizes the scores (the metadata keeps the float model's normalization, as the
    schema says); what it returns is LiteRT's output for the input quantized by hand, and its labels are
    TensorFlow's float model's on nearly every image."""
    import tensorflow as tf

    from compiler import Optimize
    from compiler.model_metadata.codegen import write_python_package

    tmp = digits["tmp"]
    converter = TFLiteConverter.from_keras_model(digits["model"])
    converter.optimizations = [Optimize.DEFAULT]
    converter.representative_dataset = lambda: (
        [digits["x_train"][i : i + 1] / np.float32(16)] for i in range(64)
    )
    converter.inference_input_type = converter.inference_output_type = tf.int8
    converter.metadata = md.ImageClassifier(labels=DIGITS, mean=[0.0], std=[16.0])
    (tmp / "digits_int8.tflite").write_bytes(converter.convert())
    path = write_python_package(tmp / "digits_int8.tflite", tmp / "pkg_int8")
    spec = importlib.util.spec_from_file_location("digits_int8_wrapper", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    (inp,), (out,) = (md.model_info((tmp / "digits_int8.tflite").read_bytes()).inputs,
                      md.model_info((tmp / "digits_int8.tflite").read_bytes()).outputs)  # fmt: skip
    assert (inp.dtype, out.dtype) == ("int8", "int8")
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    # our runtime is bit-exact with LiteRT's reference kernels; LiteRT's default kernels may differ by a step
    litert = {
        "litert": Interpreter(model_path=str(tmp / "digits_int8.tflite")),
        "tflc": Interpreter(
            model_path=str(tmp / "digits_int8.tflite"),
            experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
        ),
    }
    wrapped = {rt: module.ImageClassifier(runtime=rt) for rt in ("litert", "tflc")}
    agree = 0
    for img, tf_probs in zip(digits["x_test"][:100], digits["tf"][:100], strict=True):
        q = np.clip(np.round(img[None] / np.float32(16) / np.float32(inp.scale)) + inp.zero_point, -128, 127)
        for rt, model in wrapped.items():
            ref = litert[rt]
            ref.allocate_tensors()
            ref.set_tensor(ref.get_input_details()[0]["index"], q.astype(np.int8))
            ref.invoke()
            raw = ref.get_tensor(ref.get_output_details()[0]["index"]).astype(np.float32)
            expected = (raw - np.float32(out.zero_point)) * np.float32(out.scale)
            scores = [c.score for c in model(image=img).probability]
            assert np.array_equal(np.float32(scores), expected.reshape(-1)), rt
        agree += (
            DIGITS[int(np.argmax(tf_probs))] == module.top(wrapped["litert"](image=img).probability).label
        )
    assert agree >= 95, agree


# ---- bad input: one clear error, no partial file ----------------------------------------------------------------


def test_model_without_metadata_is_one_error(digits):
    with pytest.raises(md.MetadataError, match="has no metadata"):
        md.read_metadata(digits["plain"])
    one_error(tflc("metadata", "show", digits["tmp"] / "plain.tflite"), "has no metadata")
    one_error(
        tflc("codegen", digits["tmp"] / "plain.tflite", "-o", digits["tmp"] / "nopkg"), "has no metadata"
    )
    assert not (digits["tmp"] / "nopkg").exists()


def _corrupt(data: bytes, how: str) -> bytes:
    buf = md.metadata_buffer(data)
    at = data.index(buf)
    if how == "identifier":
        bad = buf[:4] + b"XXXX" + buf[8:]
    else:  # the root offset points past the buffer
        bad = (len(buf) + 64).to_bytes(4, "little") + buf[4:]
    return data[:at] + bad + data[at + len(buf) :]


@pytest.mark.parametrize("how", ["identifier", "offsets"])
def test_corrupt_metadata_is_one_error(digits, how):
    bad = _corrupt(digits["described"], how)
    with pytest.raises(md.MetadataError, match="corrupt metadata"):
        md.read_metadata(bad)
    path = digits["tmp"] / f"corrupt_{how}.tflite"
    path.write_bytes(bad)
    one_error(tflc("metadata", "show", path), "corrupt metadata")
    p = tflc("analyze", path)  # the model still reads; analyze says the metadata does not
    assert p.returncode == 0 and "TFLite metadata: unreadable (corrupt metadata" in p.stdout, (
        p.stdout + p.stderr
    )


def test_labels_not_matching_the_output_is_one_error_and_no_file(digits):
    tmp = digits["tmp"]
    (tmp / "nine.txt").write_text("\n".join(DIGITS[:9]) + "\n")
    with pytest.raises(
        md.MetadataError, match=re.escape("has 9 labels but output 'probability' has 10 values")
    ):
        md.write_metadata(digits["plain"], md.ImageClassifier(labels=tmp / "nine.txt"))
    out = tmp / "never.tflite"
    one_error(
        tflc("metadata", "add", tmp / "plain.tflite", "-o", out, "--labels", tmp / "nine.txt"), "9 labels"
    )
    assert not out.exists()
    assert not [f for f in tmp.iterdir() if f.name.startswith(".never")]  # no temporary left behind
    before = (tmp / "plain.tflite").read_bytes()
    one_error(tflc("metadata", "add", tmp / "plain.tflite", "--labels", tmp / "nine.txt"), "9 labels")
    assert (tmp / "plain.tflite").read_bytes() == before  # in place: untouched on failure
    with pytest.raises(md.MetadataError, match=r"3 values but input '\S*keras_tensor\S*' has 1 channels"):
        md.write_metadata(digits["plain"], md.ImageClassifier(mean=[1, 2, 3], std=[1, 1, 1]))
    import keras

    inp = keras.Input((4,))
    two_outputs = keras.Model(inp, [keras.layers.Dense(2)(inp), keras.layers.Dense(3)(inp)])
    converter = TFLiteConverter.from_keras_model(two_outputs)
    converter.metadata = md.ImageClassifier()
    with pytest.raises(md.MetadataError, match="one input and one output; the model has 1 and 2"):
        converter.convert()


def test_writers_describe_detectors_and_generic_models():
    """ObjectDetector orders its four outputs by tensor index and groups them (min parser 1.2.0, as TFLite
    Support's writer); GenericModel keeps the model's tensor names; both load in LiteRT unchanged."""
    import keras

    inp = keras.Input((16, 16, 3), name="pixels")
    flat = keras.layers.Flatten()(inp)
    boxes = keras.layers.Reshape((4, 4))(keras.layers.Dense(16)(flat))
    classes = keras.layers.Dense(4)(flat)
    scores = keras.layers.Dense(4, activation="sigmoid")(flat)
    count = keras.layers.Dense(1)(flat)
    model = keras.Model(inp, [boxes, classes, scores, count])
    data = TFLiteConverter.from_keras_model(model).convert()
    det = md.read_metadata(
        md.write_metadata(data, md.ObjectDetector(labels=["a", "b"], mean=[127.5], std=[127.5]))
    )
    sg = det.subgraph_metadata[0]
    assert det.min_parser_version == "1.2.0"
    assert sg.output_tensor_groups == [md.TensorGroup("detection_result", ["location", "category", "score"])]
    info = md.model_info(data)
    order = sorted(t.index for t in info.outputs)
    names = ["location", "category", "score", "number of detections"]
    assert [tm.name for tm in sg.output_tensor_metadata] == [
        names[order.index(t.index)] for t in info.outputs
    ]
    generic = md.write_metadata(
        data, md.GenericModel(name="g", outputs=[md.TensorSpec(description=f"o{i}") for i in range(4)])
    )
    g = md.read_metadata(generic)
    assert [t.name for t in g.subgraph_metadata[0].input_tensor_metadata] == [info.inputs[0].name]
    x = np.random.default_rng(0).random((1, 16, 16, 3), np.float32)
    assert np.array_equal(run_litert(data, x), run_litert(generic, x))


def test_generated_wrapper_resizes_dynamic_inputs(tmp_path):
    """TFLite Support's dilated-conv test model has a dynamic [1, -1, -1, 3] image input: the wrapper resizes it to
    each image, normalizes as its metadata says (mean 0, std 1) and returns LiteRT's output for that image."""
    from ai_edge_litert.interpreter import Interpreter

    from compiler.model_metadata.codegen import write_python_package

    path = write_python_package(DATA / "dilated_conv.tflite", tmp_path / "pkg")
    spec = importlib.util.spec_from_file_location("dilated_conv_wrapper", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    rng = np.random.default_rng(0)
    wrapped = {rt: module.DilatedConvolutionModel(runtime=rt) for rt in ("litert", "tflc")}
    for shape in ((1, 32, 32, 3), (1, 17, 23, 3)):
        image = rng.integers(0, 256, shape).astype(np.float32)
        litert = Interpreter(model_path=str(DATA / "dilated_conv.tflite"))
        litert.resize_tensor_input(litert.get_input_details()[0]["index"], shape)
        litert.allocate_tensors()
        litert.set_tensor(litert.get_input_details()[0]["index"], image)
        litert.invoke()
        expected = litert.get_tensor(litert.get_output_details()[0]["index"])
        assert np.array_equal(wrapped["litert"](image=image).identity, expected)
        ours = wrapped["tflc"](image=image).identity
        assert ours.shape == expected.shape
        assert np.max(np.abs(ours - expected)) <= 1e-5 * np.max(np.abs(expected))
