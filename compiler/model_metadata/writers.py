"""Ready-made metadata for common models, in the spirit of TFLite Support's metadata writers: give what only you know
(labels, the input normalization, names), the writer reads the rest from the model (tensor order and types) and
fills the fields as TFLite Support's `create_for_inference` does, so its tools and ours read the same metadata.

    from compiler import metadata as md
    model = md.write_metadata(model, md.ImageClassifier(labels="labels.txt", mean=[127.5], std=[127.5]))

A writer is anything with `for_model(model_bytes) -> ModelMetadata`; `converter.metadata = writer` applies it to the
converted model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler.model_metadata.model_file import MetadataError, TensorInfo, model_info
from compiler.model_metadata.objects import (
    AssociatedFile,
    AssociatedFileType,
    BoundingBoxProperties,
    BoundingBoxType,
    ColorSpaceType,
    Content,
    CoordinateType,
    FeatureProperties,
    ImageProperties,
    ModelMetadata,
    NormalizationOptions,
    ProcessUnit,
    Stats,
    SubGraphMetadata,
    TensorGroup,
    TensorMetadata,
    ValueRange,
)

LABELS_DESCRIPTION = "Labels for categories that the model can recognize."

Labels = Sequence[str] | str | os.PathLike[str] | None


def label_file(
    labels: Labels, file_type: AssociatedFileType = AssociatedFileType.TENSOR_AXIS_LABELS
) -> AssociatedFile | None:
    """A label file from a path (its base name is kept) or from the label strings themselves ("labels.txt")."""
    if labels is None:
        return None
    if isinstance(labels, str | os.PathLike):
        path = Path(labels)
        if not path.is_file():
            raise MetadataError(f"label file '{path}' does not exist or is not a file")
        content, name = path.read_bytes(), path.name
    else:
        if any("\n" in label for label in labels):
            raise MetadataError(
                "a label contains a line break; give one label per line in a labels file instead"
            )
        content, name = ("\n".join(labels) + "\n").encode("utf-8"), "labels.txt"
    return AssociatedFile(name=name, description=LABELS_DESCRIPTION, type=file_type, content=content)


def normalization(
    mean: Sequence[float] | None, std: Sequence[float] | None, tensor: TensorInfo
) -> ProcessUnit | None:
    """(x - mean) / std per channel, checked against the tensor's channels (its last axis)."""
    if not mean and not std:
        return None
    if not mean or not std or len(mean) != len(std):
        raise MetadataError(
            f"normalization needs as many means as stds, got {len(mean or [])} and {len(std or [])}"
        )
    if any(s == 0 for s in std):
        raise MetadataError("normalization std must not be 0")
    channels = tensor.shape[-1] if tensor.shape else 0
    if len(mean) != 1 and channels > 0 and len(mean) != channels:
        raise MetadataError(
            f"normalization has {len(mean)} values but input '{tensor.name}' has {channels} channels "
            f"(shape {tensor.shape}); give 1 or {channels}"
        )
    return ProcessUnit(NormalizationOptions(mean=[float(m) for m in mean], std=[float(s) for s in std]))


def _image_stats(tensor: TensorInfo, mean: Sequence[float] | None, std: Sequence[float] | None) -> Stats:
    """TFLite Support's InputImageTensorMd: [0, 255] for uint8 inputs, the normalized pixel range for float32."""
    if tensor.dtype == "uint8":
        return Stats(max=[255.0], min=[0.0])
    if tensor.dtype == "float32" and mean and std:
        return Stats(
            max=[(255.0 - m) / s for m, s in zip(mean, std, strict=True)],
            min=[(0.0 - m) / s for m, s in zip(mean, std, strict=True)],
        )
    return Stats()


def _score_stats(tensor: TensorInfo) -> Stats:
    """TFLite Support's ClassificationTensorMd: [0, 255] for uint8 scores, [0, 1] for float32 probabilities."""
    if tensor.dtype == "uint8":
        return Stats(max=[255.0], min=[0.0])
    if tensor.dtype == "float32":
        return Stats(max=[1.0], min=[0.0])
    return Stats()


def _image_input(
    tensor: TensorInfo,
    description: str,
    mean: Sequence[float] | None,
    std: Sequence[float] | None,
    color_space: ColorSpaceType,
) -> TensorMetadata:
    unit = normalization(mean, std, tensor)
    return TensorMetadata(
        name="image",
        description=description,
        content=Content(ImageProperties(color_space=color_space)),
        process_units=[unit] if unit else None,
        stats=_image_stats(tensor, mean, std),
    )


@dataclass
class _General:
    name: str | None = None
    description: str | None = None
    version: str | None = None
    author: str | None = None
    license: str | None = None

    def _model_metadata(self, subgraph: SubGraphMetadata) -> ModelMetadata:
        return ModelMetadata(
            name=self.name,
            description=self.description,
            version=self.version,
            subgraph_metadata=[subgraph],
            author=self.author,
            license=self.license,
        )


@dataclass
class ImageClassifier(_General):
    """One image in, one vector of class scores out (TFLite Support's ImageClassifierWriter.create_for_inference)."""

    labels: Labels = None
    mean: Sequence[float] | None = None
    std: Sequence[float] | None = None
    color_space: ColorSpaceType = ColorSpaceType.RGB
    name: str | None = "ImageClassifier"
    description: str | None = (
        "Identify the most prominent object in the image from a known set of categories."
    )

    def for_model(self, model: bytes) -> ModelMetadata:
        info = model_info(model)
        if len(info.inputs) != 1 or len(info.outputs) != 1:
            raise MetadataError(
                f"an image classifier has one input and one output; the model has {len(info.inputs)} and "
                f"{len(info.outputs)} (use GenericModel)"
            )
        labels = label_file(self.labels)
        output = TensorMetadata(
            name="probability",
            description="Probabilities of the labels respectively.",
            content=Content(FeatureProperties()),
            stats=_score_stats(info.outputs[0]),
            associated_files=[labels] if labels else None,
        )
        image = _image_input(
            info.inputs[0], "Input image to be classified.", self.mean, self.std, self.color_space
        )
        return self._model_metadata(
            SubGraphMetadata(input_tensor_metadata=[image], output_tensor_metadata=[output])
        )


@dataclass
class ObjectDetector(_General):
    """One image in; boxes, classes, scores and their count out, as TFLITE_DETECTION_POST_PROCESS writes them
    (TFLite Support's ObjectDetectorWriter.create_for_inference: outputs described in the order of their tensor
    indices, grouped as "detection_result")."""

    labels: Labels = None
    mean: Sequence[float] | None = None
    std: Sequence[float] | None = None
    color_space: ColorSpaceType = ColorSpaceType.RGB
    name: str | None = "ObjectDetector"
    description: str | None = (
        "Identify which of a known set of objects might be present and provide information about their positions "
        "within the given image or a video stream."
    )

    def for_model(self, model: bytes) -> ModelMetadata:
        info = model_info(model)
        if len(info.inputs) != 1 or len(info.outputs) != 4:
            raise MetadataError(
                f"an object detector has one input and four outputs (locations, classes, scores, count); the model "
                f"has {len(info.inputs)} and {len(info.outputs)}"
            )
        per_box = ValueRange(min=2, max=2)  # every value along axis 2 is one detection
        labels = label_file(self.labels, AssociatedFileType.TENSOR_VALUE_LABELS)
        described = [
            TensorMetadata(
                name="location",
                description="The locations of the detected boxes.",
                content=Content(
                    BoundingBoxProperties(
                        index=[1, 0, 3, 2],
                        type=BoundingBoxType.BOUNDARIES,
                        coordinate_type=CoordinateType.RATIO,
                    ),
                    per_box,
                ),
                stats=Stats(),
            ),
            TensorMetadata(
                name="category",
                description="The categories of the detected boxes.",
                content=Content(FeatureProperties(), per_box),
                stats=Stats(),
                associated_files=[labels] if labels else None,
            ),
            TensorMetadata(
                name="score",
                description="The scores of the detected boxes.",
                content=Content(FeatureProperties(), per_box),
                stats=Stats(),
            ),
            TensorMetadata(
                name="number of detections",
                description="The number of the detected boxes.",
                content=Content(FeatureProperties()),
                stats=Stats(),
            ),
        ]
        by_index = dict(zip(sorted(t.index for t in info.outputs), described, strict=True))
        image = _image_input(
            info.inputs[0], "Input image to be detected.", self.mean, self.std, self.color_space
        )
        return self._model_metadata(
            SubGraphMetadata(
                input_tensor_metadata=[image],
                output_tensor_metadata=[by_index[t.index] for t in info.outputs],
                output_tensor_groups=[TensorGroup("detection_result", ["location", "category", "score"])],
            )
        )


@dataclass
class TensorSpec:
    """What to say about one input or output of a generic model; unset names default to the model's tensor names."""

    name: str | None = None
    description: str | None = None
    mean: Sequence[float] | None = None
    std: Sequence[float] | None = None
    labels: Labels = None
    image: ColorSpaceType | None = None  # an image of this color space (else a feature tensor)


@dataclass
class GenericModel(_General):
    """Any model: names, descriptions, normalization and label files per tensor, in the model's tensor order."""

    inputs: list[TensorSpec] | None = None
    outputs: list[TensorSpec] | None = None
    name: str | None = None
    description: str | None = None
    extra_files: list[AssociatedFile] = field(default_factory=list)  # model-level files (docs, vocabularies)

    def for_model(self, model: bytes) -> ModelMetadata:
        info = model_info(model)
        md = self._model_metadata(
            SubGraphMetadata(
                input_tensor_metadata=self._tensors("input", info.inputs, self.inputs),
                output_tensor_metadata=self._tensors("output", info.outputs, self.outputs),
            )
        )
        md.associated_files = list(self.extra_files) or None
        return md

    @staticmethod
    def _tensors(
        kind: str, tensors: list[TensorInfo], specs: list[TensorSpec] | None
    ) -> list[TensorMetadata]:
        specs = specs if specs is not None else [TensorSpec() for _ in tensors]
        if len(specs) != len(tensors):
            raise MetadataError(f"the model has {len(tensors)} {kind}(s) but {len(specs)} were described")
        out = []
        for tensor, spec in zip(tensors, specs, strict=True):
            unit = normalization(spec.mean, spec.std, tensor)
            labels = label_file(spec.labels)
            props = ImageProperties(color_space=spec.image) if spec.image is not None else FeatureProperties()
            out.append(
                TensorMetadata(
                    name=spec.name or tensor.name,
                    description=spec.description,
                    content=Content(props),
                    process_units=[unit] if unit else None,
                    associated_files=[labels] if labels else None,
                )
            )
        return out
