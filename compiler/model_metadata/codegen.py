"""A typed Python wrapper generated from a model's metadata (what Android Studio's ML model binding does for Kotlin):
one class whose `__call__` takes the inputs by their metadata names, normalizes them as the metadata says, quantizes
them when the model's inputs are quantized, runs LiteRT or tflc's runtime, and returns the outputs (dequantized) in a
dataclass, each output with a label file as a list of `Category(label, score)`.

    tflc codegen model.tflite --lang python -o pkg/
    from pkg.model import Model            # pkg/model.py next to a copy of the model, pkg/model.tflite
    top(Model()(image=pixels).probability)  # -> Category(label='cat', score=0.93)

The generated module imports only numpy and the interpreter it runs (ai_edge_litert, or tflc's `runtime`).
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from compiler.model_metadata.model_file import (
    MetadataError,
    TensorInfo,
    has_metadata,
    label_lines,
    model_info,
    read_metadata,
)
from compiler.model_metadata.objects import (
    AssociatedFileType,
    ImageProperties,
    NormalizationOptions,
    TensorMetadata,
)

LANGUAGES = ("python",)
_INT_RANGE = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "int32": (-(2**31), 2**31 - 1),
}


@dataclass
class _Tensor:
    """One input or output as the generated code handles it."""

    attr: str  # Python identifier
    info: TensorInfo
    description: str
    mean: list[float] | None = None
    std: list[float] | None = None
    labels: list[str] | None = None
    labels_file: str | None = None
    image: str | None = None  # color space of an image tensor


def identifier(name: str, taken: set[str], default: str) -> str:
    """A snake_case Python identifier for a metadata name ("number of detections" -> number_of_detections)."""
    ident = re.sub(r"\W+", "_", name.strip()).strip("_").lower() or default
    if ident[0].isdigit():
        ident = f"{default}_{ident}"
    if keyword.iskeyword(ident) or ident in ("self", "np", "runtime"):
        ident += "_"
    base, n = ident, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def class_name(name: str | None) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name or "")
    ident = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return ident if not ident[0].isdigit() else f"Model{ident}"


def _tensors(kind: str, infos: list[TensorInfo], metas: list[TensorMetadata]) -> list[_Tensor]:
    taken: set[str] = set()
    out = []
    for i, (info, tm) in enumerate(zip(infos, metas, strict=True)):
        t = _Tensor(identifier(tm.name or info.name, taken, f"{kind}{i}"), info, tm.description or "")
        for unit in tm.process_units or []:
            if isinstance(unit.options, NormalizationOptions):
                t.mean, t.std = unit.options.mean, unit.options.std
        props = tm.content.content_properties if tm.content else None
        if isinstance(props, ImageProperties):
            t.image = props.color_space.name if hasattr(props.color_space, "name") else str(props.color_space)
        for f in tm.associated_files or []:
            if f.type == AssociatedFileType.TENSOR_AXIS_LABELS and f.content is not None and not f.locale:
                t.labels, t.labels_file = label_lines(f.content), f.name
                break
        out.append(t)
    return out


def generate_python(model: bytes, model_file_name: str) -> str:
    """The source of the wrapper module for `model` (which must carry metadata)."""
    if not has_metadata(model):
        raise MetadataError(
            "the model has no metadata to generate a wrapper from; add it with `tflc metadata add`"
        )
    md = read_metadata(model)
    info = model_info(model)
    sg = (md.subgraph_metadata or [None])[0]
    if sg is None:
        raise MetadataError("the metadata describes no subgraph")
    for kind, tensors, metas in (
        ("input", info.inputs, sg.input_tensor_metadata),
        ("output", info.outputs, sg.output_tensor_metadata),
    ):
        if len(metas or []) != len(tensors):
            raise MetadataError(
                f"the metadata describes {len(metas or [])} {kind}(s), the model has {len(tensors)}"
            )
    ins = _tensors("input", info.inputs, sg.input_tensor_metadata or [])
    outs = _tensors("output", info.outputs, sg.output_tensor_metadata or [])
    cls = class_name(md.name)
    return _render(
        md.name or cls, md.description, md.version, md.author, md.license, cls, ins, outs, model_file_name
    )


def _array_type(dtype: str) -> str:
    return f"npt.NDArray[np.{dtype}]" if dtype not in ("string",) else "npt.NDArray[np.object_]"


def _doc_line(text: str) -> str:
    return " ".join(text.split()).replace('"""', "'''")


def _render(
    title: str,
    description: str | None,
    version: str | None,
    author: str | None,
    license: str | None,
    cls: str,
    ins: list[_Tensor],
    outs: list[_Tensor],
    model_file_name: str,
) -> str:
    about = [
        f"{k}: {_doc_line(v)}"
        for k, v in (("version", version), ("author", author), ("license", license))
        if v
    ]
    lines = [
        f'"""{_doc_line(title)}: a typed wrapper generated by `tflc codegen` from the model\'s metadata. Do not edit;',
        "regenerate it from the model instead.",
        "",
        *([_doc_line(description), ""] if description else []),
        *(about + [""] if about else []),
        f'    model = {cls}()  # LiteRT; {cls}(runtime="tflc") runs tflc\'s C runtime',
        f"    outputs = model({', '.join(f'{t.attr}=...' for t in ins)})",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "from pathlib import Path",
        "",
        "import numpy as np",
        "import numpy.typing as npt",
        "",
        f"MODEL_PATH = Path(__file__).with_name({json.dumps(model_file_name)})",
        "",
    ]
    for t in outs:
        if t.labels is not None:
            lines.append(f"# {t.labels_file}, packed in the model")
            lines.append(f"LABELS_{t.attr.upper()} = (")
            lines += [f"    {json.dumps(label)}," for label in t.labels]
            lines.append(")")
    for t in ins:
        if t.mean is not None:
            shape = "(-1,)" if len(t.mean) > 1 else "()"
            lines.append(f"MEAN_{t.attr.upper()} = np.array({t.mean!r}, np.float32).reshape({shape})")
            lines.append(f"STD_{t.attr.upper()} = np.array({t.std!r}, np.float32).reshape({shape})")
    lines += [
        "",
        "",
        "@dataclass(frozen=True)",
        "class Category:",
        '    """A score and the label it belongs to."""',
        "",
        "    label: str",
        "    score: float",
        "",
        "",
        "def top(categories: list[Category]) -> Category:",
        '    """The category with the highest score (the first one on ties)."""',
        "    return max(categories, key=lambda c: c.score)",
        "",
        "",
        "@dataclass(frozen=True)",
        "class Outputs:",
        f'    """What {cls} returns, one field per output (dequantized when the model is quantized)."""',
        "",
    ]
    for t in outs:
        if t.labels is not None:
            kind = "list[Category]"
        else:
            kind = "npt.NDArray[np.float32]" if t.info.scale is not None else _array_type(t.info.dtype)
        note = t.description or f"output tensor {t.info.name!r}"
        lines.append(f"    {t.attr}: {kind}  # {_doc_line(note)}")
    lines += [
        "",
        "",
        f"class {cls}:",
        f'    """{_doc_line(title)} ({model_file_name}) on LiteRT or tflc\'s runtime."""',
        "",
        "    def __init__(",
        '        self, model_path: str | Path = MODEL_PATH, runtime: str = "litert", num_threads: int = 1',
        "    ) -> None:",
        '        if runtime == "litert":',
        "            from ai_edge_litert.interpreter import Interpreter",
        '        elif runtime == "tflc":',
        "            from runtime import Interpreter",
        "        else:",
        "            raise ValueError(f\"runtime must be 'litert' or 'tflc', not {runtime!r}\")",
        "        self.interpreter = Interpreter(model_path=str(model_path), num_threads=num_threads)",
        "        self.interpreter.allocate_tensors()",
        '        self._inputs = [d["index"] for d in self.interpreter.get_input_details()]',
        '        self._outputs = [d["index"] for d in self.interpreter.get_output_details()]',
        "",
        f"    def __call__(self, {', '.join(f'{t.attr}: npt.ArrayLike' for t in ins)}) -> Outputs:",
        '        """Run the model once.',
        "",
    ]
    for t in ins:
        how = []
        if t.image:
            how.append(f"an image ({t.image})")
        if t.mean is not None:
            how.append(f"normalized here as (x - {t.mean}) / {t.std}")
        if t.info.scale is not None:
            how.append(
                f"then quantized to {t.info.dtype} (scale {t.info.scale!r}, zero point {t.info.zero_point})"
            )
        desc = _doc_line(t.description) + " " if t.description else ""
        if t.info.dynamic:
            text = (
                f"{t.attr}: {desc}Dynamic shape (the input is resized to each array's shape; an array without the "
                "batch axis is one example)"
            )
        else:
            text = f"{t.attr}: {desc}Shape {t.info.shape} (any shape with as many elements)"
        text += f"; {', '.join(how)}." if how else "."
        lines += textwrap.wrap(text, 110, initial_indent=" " * 8, subsequent_indent=" " * 12)
    lines += ['        """']
    for i, t in enumerate(ins):
        reshape = "" if t.info.dynamic else f".reshape({tuple(t.info.shape)!r})"
        if t.info.dtype == "string":
            lines.append(f"        x{i} = np.asarray({t.attr}, dtype=object){reshape}")
        else:
            real = "np.float32" if (t.mean is not None or t.info.scale is not None) else f"np.{t.info.dtype}"
            lines.append(f"        x{i} = np.asarray({t.attr}, dtype={real}){reshape}")
        if t.mean is not None:
            lines.append(f"        x{i} = (x{i} - MEAN_{t.attr.upper()}) / STD_{t.attr.upper()}")
        if t.info.scale is not None:
            lo, hi = _INT_RANGE[t.info.dtype]
            lines.append(
                f"        x{i} = np.clip(np.round(x{i} / np.float32({t.info.scale!r})) + {t.info.zero_point}, "
                f"{lo}, {hi}).astype(np.{t.info.dtype})"
            )
        elif t.mean is not None and t.info.dtype != "float32":
            lines.append(f"        x{i} = x{i}.astype(np.{t.info.dtype})")
        if t.info.dynamic:
            if len(t.info.shape) > 1:  # one example without its batch axis: a batch of 1
                lines.append(f"        if x{i}.ndim == {len(t.info.shape) - 1}:")
                lines.append(f"            x{i} = x{i}[np.newaxis]")
            lines.append(f"        self._fit({i}, x{i})")
        lines.append(f"        self.interpreter.set_tensor(self._inputs[{i}], x{i})")
    lines.append("        self.interpreter.invoke()")
    for i, t in enumerate(outs):
        lines.append(f"        y{i} = self.interpreter.get_tensor(self._outputs[{i}])")
        if t.info.scale is not None:
            lines.append(
                f"        y{i} = (y{i}.astype(np.float32) - np.float32({t.info.zero_point})) * np.float32({t.info.scale!r})"
            )
        if t.labels is not None:
            lines.append(f"        scores{i} = y{i}.reshape(-1)")
            lines += [
                f"        {t.attr} = [",
                f"            Category(label, float(s)) for label, s in zip(LABELS_{t.attr.upper()}, scores{i}, strict=True)",
                "        ]",
            ]
        else:
            lines.append(f"        {t.attr} = y{i}.copy()")
    lines.append(f"        return Outputs({', '.join(f'{t.attr}={t.attr}' for t in outs)})")
    if any(t.info.dynamic for t in ins):
        lines += [
            "",
            "    def _fit(self, i: int, x: np.ndarray) -> None:",
            '        """Resize dynamic-shaped input i to the shape of `x` when it changed."""',
            '        if tuple(self.interpreter.get_input_details()[i]["shape"]) != x.shape:',
            "            self.interpreter.resize_tensor_input(self._inputs[i], x.shape)",
            "            self.interpreter.allocate_tensors()",
        ]
    return "\n".join(lines) + "\n"


def write_python_package(model_path: Path, out_dir: Path, module_name: str | None = None) -> Path:
    """Write `out_dir/<module>.py` and a copy of the model next to it (plus an empty `__init__.py` if the directory
    has none); returns the module's path."""
    model = model_path.read_bytes()
    module = module_name or identifier(model_path.stem, set(), "model")
    model_file_name = f"{module}.tflite"
    source = generate_python(model, model_file_name)
    compile(source, f"{module}.py", "exec")  # a generator bug must fail here, not in the user's import
    from compiler.cli.convert import write_atomically

    out_dir.mkdir(parents=True, exist_ok=True)
    if model_path.resolve() != (out_dir / model_file_name).resolve():
        write_atomically(out_dir / model_file_name, model)
    write_atomically(out_dir / f"{module}.py", source.encode("utf-8"))
    if not (out_dir / "__init__.py").exists():
        write_atomically(out_dir / "__init__.py", b"")
    return out_dir / f"{module}.py"


__all__ = ["LANGUAGES", "generate_python", "write_python_package"]
