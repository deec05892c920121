"""`tflc metadata show|add`: a model's TFLite metadata (TFLite Support's schema) as a table or JSON, and adding it.

tflc metadata show model.tflite [--json]     # --json: the JSON TFLite Support's MetadataDisplayer prints
tflc metadata add model.tflite --labels labels.txt --input-mean 127.5 --input-std 127.5 [-o out.tflite]
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from compiler.cli.common import HelpCommand, TfliteFile, commit, out, read_tflite
from compiler.errors import UsageError

app = typer.Typer(rich_markup_mode=None)
group = typer.Typer(
    name="metadata",
    help="Show or add TFLite model metadata (labels, normalization, descriptions).",
    short_help="Show or add TFLite model metadata (labels, normalization, descriptions).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(group, name="metadata")

GENERAL = "Model"
TENSORS = "Inputs and outputs"


class Kind(str, enum.Enum):
    auto = "auto"
    image_classifier = "image-classifier"
    object_detector = "object-detector"
    generic = "generic"


class ColorSpace(str, enum.Enum):
    rgb = "rgb"
    grayscale = "grayscale"


@group.command("show", cls=HelpCommand, short_help="Print a model's metadata and associated files.")
def show(
    model: TfliteFile,
    json_output: Annotated[
        bool, typer.Option("--json", help="The JSON TFLite Support's MetadataDisplayer prints, on stdout.")
    ] = False,
) -> None:
    """Print a model's metadata: model fields, then per input/output its name, normalization and files."""
    from compiler.model_metadata import model_info, packed_files, read_metadata, to_json

    data = read_tflite(model)
    md = read_metadata(data)
    if json_output:
        sys.stdout.write(json.dumps(to_json(md), indent=2) + "\n")
        return
    render(md, model_info(data), packed_files(data), str(model))


def _content(tm: Any) -> str:
    props = tm.content.content_properties if tm.content else None
    if props is None:
        return ""
    fields = [f"{k}={getattr(v, 'name', v)}" for k, v in vars(props).items() if v not in (None, 0, [])]
    kind = type(props).__name__.removesuffix("Properties").lower()
    return kind + (f" ({', '.join(fields)})" if fields else "")


def _process(tm: Any) -> str:
    from compiler.model_metadata import NormalizationOptions

    parts = []
    for unit in tm.process_units or []:
        if isinstance(unit.options, NormalizationOptions):
            parts.append(f"(x - {unit.options.mean}) / {unit.options.std}")
        elif unit.options is not None:
            parts.append(type(unit.options).__name__)
    if tm.stats is not None and (tm.stats.min or tm.stats.max):
        parts.append(f"range {tm.stats.min}..{tm.stats.max}")
    return "; ".join(parts)


def _files(tm: Any, packed: set[str] | None = None, label_preview: int = 4) -> str:
    """A tensor's files; contents (label counts) when read from the model, else whether `packed` has them."""
    from compiler.model_metadata import AssociatedFileType, label_lines

    parts = []
    for f in tm.associated_files or []:
        text = f"{f.name} ({f.type.name if hasattr(f.type, 'name') else f.type})"
        if f.type == AssociatedFileType.TENSOR_AXIS_LABELS and f.content is not None:
            labels = label_lines(f.content)
            shown = ", ".join(labels[:label_preview]) + (", ..." if len(labels) > label_preview else "")
            text += f": {len(labels)} labels: {shown}"
        elif f.content is None and (packed is None or f.name not in packed):
            text += ": NOT PACKED"
        parts.append(text)
    return "; ".join(parts)


def render(md: Any, info: Any, files: dict[str, bytes], path: str) -> None:
    """A ModelMetadata for people: the model fields, then per input/output a field/value table, then the files."""
    out.print(
        f"[bold]{escape(path)}[/]: TFLite metadata (min parser version {escape(md.min_parser_version or '?')})"
    )
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    for key in ("name", "version", "description", "author", "license"):
        if getattr(md, key):
            t.add_row(key, escape(getattr(md, key)))
    for sg in md.subgraph_metadata or []:
        for kind, tensors, metas in (
            ("input", info.inputs, sg.input_tensor_metadata or []),
            ("output", info.outputs, sg.output_tensor_metadata or []),
        ):
            for i, (tensor, tm) in enumerate(zip(tensors, metas, strict=False)):
                t.add_row("", "")
                t.add_row(
                    f"{kind} {i}",
                    f"[bold]{escape(tm.name or '')}[/] (tensor {escape(tensor.name)}: "
                    f"{tensor.dtype}{tensor.shape})",
                )
                rows = [
                    ("description", tm.description or ""),
                    ("content", _content(tm)),
                    ("processing", _process(tm)),
                    ("files", _files(tm)),
                ]
                for key, value in rows:
                    if value:
                        t.add_row(f"  {key}", escape(value))
    out.print(t)
    if files:
        out.print("packed files: " + ", ".join(f"{escape(n)} ({len(b):,} bytes)" for n, b in files.items()))


@group.command("add", cls=HelpCommand, short_help="Write metadata (labels, normalization, ...) onto a model.")
def add(
    model: TfliteFile,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file", "-o", help="Where to write (default: replace MODEL).", show_default=False
        ),
    ] = None,
    kind: Annotated[
        Kind,
        typer.Option(
            "--kind",
            help="What the model is (auto: image-classifier for one image input and one output, else generic).",
        ),
    ] = Kind.auto,
    name: Annotated[str | None, typer.Option(help="Model name.", rich_help_panel=GENERAL)] = None,
    description: Annotated[
        str | None, typer.Option(help="What the model does.", rich_help_panel=GENERAL)
    ] = None,
    version: Annotated[str | None, typer.Option(help="Model version.", rich_help_panel=GENERAL)] = None,
    author: Annotated[str | None, typer.Option(help="Model author.", rich_help_panel=GENERAL)] = None,
    license: Annotated[
        str | None, typer.Option("--license", help="Model license.", rich_help_panel=GENERAL)
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            help="Labels file, one label per line, for the (class score) output.", rich_help_panel=TENSORS
        ),
    ] = None,
    input_mean: Annotated[
        list[float] | None,
        typer.Option(
            help="Normalization mean, (x - mean) / std (repeat per channel).", rich_help_panel=TENSORS
        ),
    ] = None,
    input_std: Annotated[
        list[float] | None,
        typer.Option(help="Normalization std (repeat per channel).", rich_help_panel=TENSORS),
    ] = None,
    color_space: Annotated[
        ColorSpace, typer.Option(help="Color space of an image input.", rich_help_panel=TENSORS)
    ] = ColorSpace.rgb,
) -> None:
    """Write TFLite metadata onto MODEL (a new file, written atomically): model fields, the input normalization and a
    labels file, as TFLite Support's metadata writers fill them. Existing metadata is replaced."""
    from compiler.cli.convert import write_atomically
    from compiler.model_metadata import (
        ColorSpaceType,
        GenericModel,
        ImageClassifier,
        ObjectDetector,
        TensorSpec,
        model_info,
        write_metadata,
    )

    data = read_tflite(model)
    info = model_info(data)
    if labels is not None and not labels.is_file():
        raise UsageError(f"labels file '{labels}' does not exist or is not a file")
    space = ColorSpaceType.GRAYSCALE if color_space == ColorSpace.grayscale else ColorSpaceType.RGB
    given = (("name", name), ("description", description), ("version", version), ("author", author))
    general = {k: v for k, v in (*given, ("license", license)) if v is not None}
    if kind == Kind.auto:
        one_image = len(info.inputs) == 1 and len(info.inputs[0].shape) == 4 and len(info.outputs) == 1
        kind = Kind.image_classifier if one_image else Kind.generic
    writer: Any
    if kind in (Kind.image_classifier, Kind.object_detector):
        cls = ImageClassifier if kind == Kind.image_classifier else ObjectDetector
        writer = cls(labels=labels, mean=input_mean, std=input_std, color_space=space, **general)
    else:
        if (input_mean or input_std) and len(info.inputs) != 1:
            raise UsageError(
                f"--input-mean/--input-std need a model with one input; this one has {len(info.inputs)}"
            )
        if labels is not None and len(info.outputs) != 1:
            raise UsageError(f"--labels needs a model with one output; this one has {len(info.outputs)}")
        ins = [TensorSpec(mean=input_mean, std=input_std) for _ in info.inputs]
        outs = [TensorSpec(labels=labels) for _ in info.outputs]
        writer = GenericModel(inputs=ins, outputs=outs, **general)
    result = write_metadata(data, writer)
    target = output_file or model
    write_atomically(target, result)
    commit()
    out.print(
        f"wrote {escape(str(target))}: {len(result):,} bytes, {kind.value} metadata"
        + (f", labels from {escape(labels.name)}" if labels else "")
    )


def summary(md_json: dict[str, Any] | None, files: list[str], error: str = "") -> list[str]:
    """A few lines on a model's metadata for `tflc analyze` (from the JSON in its report)."""
    if error:
        return [f"TFLite metadata: unreadable ({error})"]
    from compiler.model_metadata import ModelMetadata, from_json

    md = from_json(ModelMetadata, md_json or {})
    head = f"TFLite metadata: {md.name or '(unnamed)'}" + (f" version {md.version}" if md.version else "")
    lines = [
        head + f" (min parser version {md.min_parser_version or '?'}); `tflc metadata show` for all of it"
    ]
    for sg in md.subgraph_metadata or []:
        for kind, metas in (("input", sg.input_tensor_metadata), ("output", sg.output_tensor_metadata)):
            for tm in metas or []:
                parts = [p for p in (_content(tm), _process(tm), _files(tm, set(files))) if p]
                lines.append(f"  {kind} '{tm.name or ''}'" + (": " + "; ".join(parts) if parts else ""))
    if files:
        lines.append(f"  packed files: {', '.join(files)}")
    return lines
