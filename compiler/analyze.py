"""`tflc analyze`: what is in a .tflite file, and what tflc can do with a TensorFlow model.

- `analyze_tflite(path)` reads the FlatBuffer with the `tflite` bindings only (TensorFlow is never imported):
  per subgraph its signature, inputs/outputs, ops with versions, tensor count and constant bytes.
- `analyze_tf_model(...)` imports the model with TensorFlow, runs the passes up to legalization and reports, per TF
  op type, whether it became TFLite builtins (and which), was folded/removed, goes Flex (in TF's Flex allowlist,
  with SELECT_TF_OPS) or custom (allow_custom_ops), or stays unsupported, with the flag or refactoring that fixes it.
"""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import ConversionError
from dialects.tensor_types import tensor_type_display

# ---------------------------------------------------------------------------------------------------------------
# .tflite files


@dataclass
class TensorInfo:
    name: str
    shape: list[int]
    dtype: str
    quantized: bool = False


@dataclass
class OpInfo:
    name: str  # builtin name (CONV_2D) or custom code (FlexEinsum)
    version: int
    count: int
    custom: bool = False


@dataclass
class SubgraphInfo:
    index: int
    name: str
    signature_key: str | None
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[OpInfo]
    op_count: int
    tensor_count: int
    constant_bytes: int


@dataclass
class TfliteReport:
    path: str
    file_bytes: int
    schema_version: int
    description: str
    min_runtime_version: str
    metadata: list[str]
    subgraphs: list[SubgraphInfo]
    buffer_count: int
    # TFLITE_METADATA as TFLite Support's displayer prints it (JSON), or why it does not read; packed file names
    model_metadata: dict[str, Any] | None = None
    model_metadata_error: str = ""
    associated_files: list[str] = field(default_factory=list)

    @property
    def flex_ops(self) -> list[str]:
        return sorted(
            {o.name for sg in self.subgraphs for o in sg.ops if o.custom and o.name.startswith("Flex")}
        )

    @property
    def custom_ops(self) -> list[str]:
        return sorted(
            {o.name for sg in self.subgraphs for o in sg.ops if o.custom and not o.name.startswith("Flex")}
        )


def _s(b: bytes | None) -> str:
    return b.decode("utf-8", "replace") if b else ""


def analyze_tflite(path: str | os.PathLike[str]) -> TfliteReport:
    """Read a .tflite FlatBuffer (no TensorFlow import)."""
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator

    path = str(path)
    if not os.path.isfile(path):
        raise ConversionError(f"{path!r} does not exist or is not a file")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[4:8] != b"TFL3":
        ident = data[4:8] if len(data) >= 8 else b""
        raise ConversionError(f"{path!r} is not a TFLite model (file identifier {ident!r}, expected b'TFL3')")
    try:
        model = tflite.Model.GetRootAsModel(data, 0)
        builtin_names = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
        opcodes = []
        for i in range(model.OperatorCodesLength()):
            oc = model.OperatorCodes(i)
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            if code == BuiltinOperator.CUSTOM:
                opcodes.append((_s(oc.CustomCode()) or "CUSTOM", oc.Version(), True))
            else:
                opcodes.append((builtin_names.get(code, f"BUILTIN_{code}"), oc.Version(), False))
        buffer_sizes = []
        for i in range(model.BuffersLength()):
            buf = model.Buffers(i)
            size = buf.DataLength()
            if size == 0 and buf.Offset() > 1:
                size = buf.Size()
            buffer_sizes.append(size)
        signatures: dict[int, tuple[str, dict[int, str], dict[int, str]]] = {}
        for i in range(model.SignatureDefsLength()):
            sd = model.SignatureDefs(i)
            ins = {sd.Inputs(j).TensorIndex(): _s(sd.Inputs(j).Name()) for j in range(sd.InputsLength())}
            outs = {sd.Outputs(j).TensorIndex(): _s(sd.Outputs(j).Name()) for j in range(sd.OutputsLength())}
            signatures[sd.SubgraphIndex()] = (_s(sd.SignatureKey()), ins, outs)
        metadata, min_rt = [], ""
        for i in range(model.MetadataLength()):
            md = model.Metadata(i)
            name = _s(md.Name())
            metadata.append(name)
            if name == "min_runtime_version" and md.Buffer() < model.BuffersLength():
                raw = model.Buffers(md.Buffer()).DataAsNumpy()
                if not isinstance(raw, int):
                    min_rt = bytes(raw).split(b"\0", 1)[0].decode("ascii", "replace")
        subgraphs = []
        for si in range(model.SubgraphsLength()):
            sg = model.Subgraphs(si)
            key, sig_in, sig_out = signatures.get(si, (None, {}, {}))

            def tensor(ti: int, sig_names: dict[int, str], sg: Any = sg) -> TensorInfo:
                t = sg.Tensors(ti)
                shape = [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []
                q = t.Quantization()
                quantized = q is not None and q.ScaleLength() > 0
                return TensorInfo(
                    sig_names.get(ti) or _s(t.Name()),
                    shape,
                    tensor_type_display(t.Type()),
                    quantized,
                )

            counts: Counter[int] = Counter(sg.Operators(j).OpcodeIndex() for j in range(sg.OperatorsLength()))
            ops = [OpInfo(opcodes[k][0], opcodes[k][1], n, opcodes[k][2]) for k, n in counts.items()]
            ops.sort(key=lambda o: (-o.count, o.name))
            used = {sg.Tensors(j).Buffer() for j in range(sg.TensorsLength())}
            subgraphs.append(
                SubgraphInfo(
                    index=si,
                    name=_s(sg.Name()),
                    signature_key=key,
                    inputs=[
                        tensor(int(i), sig_in) for i in (sg.InputsAsNumpy() if sg.InputsLength() else [])
                    ],
                    outputs=[
                        tensor(int(i), sig_out) for i in (sg.OutputsAsNumpy() if sg.OutputsLength() else [])
                    ],
                    ops=ops,
                    op_count=sg.OperatorsLength(),
                    tensor_count=sg.TensorsLength(),
                    constant_bytes=sum(buffer_sizes[b] for b in used if 0 < b < len(buffer_sizes)),
                )
            )
        report = TfliteReport(
            path,
            len(data),
            model.Version(),
            _s(model.Description()),
            min_rt,
            metadata,
            subgraphs,
            model.BuffersLength(),
        )
        if "TFLITE_METADATA" in metadata:
            from compiler.model_metadata import MetadataError, packed_files, read_metadata, to_json

            try:
                report.model_metadata = to_json(read_metadata(data))
                report.associated_files = list(packed_files(data))
            except MetadataError as e:  # the model itself still reads: report, do not fail
                report.model_metadata_error = str(e)
        return report
    except ConversionError:
        raise
    except Exception as e:  # a truncated/corrupt FlatBuffer raises from deep inside the bindings
        raise ConversionError(f"{path!r} is a corrupt TFLite model: {type(e).__name__}: {e}") from e


# ---------------------------------------------------------------------------------------------------------------
# TensorFlow models


@functools.cache
def tf_builtins() -> dict[str, str]:
    """TF op -> the TFLite builtins TensorFlow's own converter lowers it to (compiler/coverage.py's list, read from
    TF's legalization patterns). Tells "TFLite has a builtin, tflc does not lower it yet" apart from "no builtin"."""
    from compiler.coverage import tf_legalizations

    return {e.tf_op: e.tf_builtins for e in tf_legalizations() if not e.tf_builtins.startswith("(")}


SELECT_TF = (
    "enable SELECT_TF_OPS (converter.target_spec.supported_ops = {OpsSet.TFLITE_BUILTINS, "
    "OpsSet.SELECT_TF_OPS}); the model then needs a runtime with the Flex delegate"
)

_LOOP_OPS = {
    "While",
    "StatelessWhile",
    "TensorListReserve",
    "TensorListSetItem",
    "TensorListGetItem",
    "TensorListStack",
    "TensorListFromTensor",
    "TensorListLength",
    "TensorListElementShape",
    "TensorListPushBack",
    "TensorListPopBack",
    "TensorListResize",
    "TensorListConcatV2",
}
_VARIABLE_OPS = {
    "VarHandleOp",
    "ReadVariableOp",
    "AssignVariableOp",
    "AssignAddVariableOp",
    "ResourceGather",
    "VariableV2",
    "Assign",
    "ResourceApplyAdam",
    "ResourceScatterUpdate",
}

# Specific advice for ops that have no TFLite builtin (or need a model change).
FIXES: dict[str, str] = {
    "Erf": "no TFLite builtin; when it is part of GELU (0.5*x*(1+erf(x/sqrt(2)))) build the layer with "
    "keras.activations.gelu / tf.nn.gelu so it maps to GELU, else " + SELECT_TF,
    "Einsum": "rewrite the contraction as tf.linalg.matmul / BatchMatMul (+ Reshape/Transpose), which map to "
    "BATCH_MATMUL / FULLY_CONNECTED, or " + SELECT_TF,
    "If": "data-dependent control flow: compute both branches and pick with tf.where (SELECT_V2), or "
    + SELECT_TF,
    "StatelessIf": "data-dependent control flow: compute both branches and pick with tf.where (SELECT_V2), or "
    + SELECT_TF,
    "PyFunc": "tf.py_function/tf.numpy_function run Python and cannot be converted: rewrite the function with TF ops",
    "EagerPyFunc": "tf.py_function runs Python and cannot be converted: rewrite the function with TF ops",
    "Print": "debug op: remove it from the inference graph",
    "PrintV2": "debug op: remove tf.print from the inference graph",
    "Assert": "debug op: remove tf.debugging.assert_* from the inference graph",
    "Softplus": "no TFLite builtin; rewrite as tf.math.log(1 + tf.exp(x)) (LOG/EXP/ADD builtins) or "
    + SELECT_TF,
    "Selu": "no TFLite builtin; rewrite as scale * tf.nn.elu(x) with SELU's alpha folded in, or " + SELECT_TF,
    "RFFT": "LiteRT's RFFT2D computes float32 FFTs of power-of-2 lengths only: give tf.signal.rfft a power-of-2 "
    "fft_length (the input is zero-padded to it), or " + SELECT_TF,
    "RFFT2D": "LiteRT's RFFT2D computes float32 FFTs of power-of-2 lengths only: give tf.signal.rfft2d "
    "power-of-2 fft_length values, or " + SELECT_TF,
    "Complex": "no TFLite builtin (tflc writes tf.complex of two float32 tensors of one shape as PACK + BITCAST): "
    "broadcast both parts to the result's shape first, or " + SELECT_TF,
}
for _op in _LOOP_OPS:
    FIXES[_op] = (
        "loop/TensorList (Keras RNN): build the RNN with unroll=True (static sequence length) so it "
        "becomes plain ops, or " + SELECT_TF
    )
for _op in _VARIABLE_OPS:
    FIXES[_op] = (
        "mutable variable in the inference graph: export an inference signature that only reads "
        "variables (tf.saved_model.save(model, dir, signatures=...)) so they freeze to constants"
    )


def custom_op_advice(op_type: str) -> str:
    """The fix for an op outside TF's Flex allowlist (SELECT_TF_OPS cannot carry it)."""
    return (
        f"not in TensorFlow's Flex allowlist, so SELECT_TF_OPS cannot carry it: set allow_custom_ops = True "
        f"(tflc convert --allow-custom-ops) and give the runtime a kernel for custom op '{op_type}' "
        "(runtime.Interpreter(custom_ops={...}) or a registered C kernel; LiteRT: custom_op_registerers)"
    )


def fallback_for(op_type: str) -> str:
    """Which fallback can carry an op with no builtin: "flex" (in TF's Flex allowlist) or "custom"."""
    from passes.select_tf import is_flex_allowlisted

    return "flex" if is_flex_allowlisted(op_type) else "custom"


def fix_for(op_type: str) -> str:
    """How a user gets past an unsupported TF op (`tflc analyze` and conversion errors)."""
    fix = _fix_text(op_type)
    if fallback_for(op_type) == "custom" and SELECT_TF in fix:
        fix = fix.replace(SELECT_TF, custom_op_advice(op_type))
    return fix


def _fix_text(op_type: str) -> str:
    if op_type in FIXES:
        return FIXES[op_type]
    builtin = tf_builtins().get(op_type)
    if builtin:
        return (
            f"TFLite has a builtin for it ({builtin.replace(',', ', ')}) but tflc has no legalization rule yet "
            f"(add one in passes/legalize_tf/); until then " + SELECT_TF
        )
    if op_type.startswith(("String", "Regex", "Unicode", "Substr", "AsString", "DecodeJSON")):
        return "string processing: do it outside the model (preprocessing) or " + SELECT_TF
    return "has no TFLite builtin: " + SELECT_TF + ", or rewrite it with supported ops"


@dataclass
class TfOpRow:
    """One TF op type (and outcome) of the analysed model."""

    op_type: str
    status: str  # "builtin" | "folded" | "removed" | "flex" | "custom" | "unsupported"
    count: int
    builtins: list[str] = field(default_factory=list)  # TFLite ops it became (for "builtin")
    nodes: list[str] = field(default_factory=list)  # a few node names
    fix: str = ""
    # for an op with no builtin: the fallback that can carry it, "flex" (TF's Flex allowlist) or "custom"
    fallback: str = ""


@dataclass
class TfModelReport:
    source: str
    signatures: list[str]
    tf_ops: int  # imported TF ops (without constants)
    tfl_ops: int  # TFLite ops after legalization (without constants)
    rows: list[TfOpRow]
    phase_seconds: dict[str, float]
    pipeline: str

    @property
    def unsupported(self) -> list[TfOpRow]:
        return [r for r in self.rows if r.status == "unsupported"]

    @property
    def fallbacks(self) -> list[TfOpRow]:
        """Ops carried by the select-TF fallback (Flex or custom ops)."""
        return [r for r in self.rows if r.status in ("flex", "custom")]


def _is_const(op: Any) -> bool:
    from dialects import tf, tfl

    return isinstance(op, tf.ConstOp | tfl.ConstOp | tfl.NoValueOp)


def analyze_module(
    module: Any, spec: str = "tf-legalize-only", flags: Any = None
) -> tuple[list[TfOpRow], int, int, str]:
    """Classify every TF op of an imported module by what legalization makes of it (runs the passes in place).
    An op left in TF is "flex" / "custom" when the converter flags (`compiler.converter.CompatFlags`) let the
    select-TF fallback carry it, else "unsupported"; either way its row names the fallback and the flag."""
    from xdsl.dialects import func

    from compiler.pipeline import parse_passes, pipeline_string, run_pipeline
    from dialects import tf, tfl
    from dialects.names import NAME
    from dialects.tfl.base import builtin_name

    def body_ops() -> list[Any]:
        return [
            o
            for fn in module.ops
            if isinstance(fn, func.FuncOp)
            for o in fn.body.walk()
            if not isinstance(o, func.ReturnOp)
        ]

    before: list[tuple[str, str]] = []  # (op type, node name)
    for i, op in enumerate(body_ops()):
        if isinstance(op, tf.TFOp) and not _is_const(op):
            n = op.attributes.get(NAME)
            before.append((op.op_type, n.data if n is not None else f"<unnamed #{i}>"))
    tf_count = len(before)
    if flags is not None and (flags.flex or flags.custom):
        # as the converter: with a fallback, ops TF only has as Flex ops (Erf) are not decomposed
        passes = pipeline_string(parse_passes(spec)).split(",")
        spec = ",".join("legalize-tf{beyond-tf=false}" if p == "legalize-tf" else p for p in passes)
    from passes.quantize_qat import qat_ops

    if qat_ops(module):  # a float conversion turns FakeQuant / QDQ ops into QUANTIZE/DEQUANTIZE pairs
        from compiler.converter import fake_quant_pipeline

        spec = fake_quant_pipeline(spec)
    run_pipeline(module, spec)
    after: dict[str, list[Any]] = {}
    tfl_count = 0
    for op in body_ops():
        n = op.attributes.get(NAME)
        if n is not None:
            after.setdefault(n.data, []).append(op)
        if isinstance(op, tfl.TflOp):
            tfl_count += 1
    rows: dict[tuple[str, str], TfOpRow] = {}
    for op_type, name in before:
        now = after.get(name, [])
        builtins: list[str] = []
        fallback = ""
        if any(isinstance(o, tf.TFOp) and not _is_const(o) for o in now):
            fallback = fallback_for(op_type)
            if flags is not None and fallback == "flex" and flags.flex:
                status = "flex"
            elif flags is not None and flags.custom:
                status = "custom"
            else:
                status = "unsupported"
        elif any(isinstance(o, tfl.TflOp) for o in now):
            status = "builtin"
            builtins = [builtin_name(o.BUILTIN) for o in now if isinstance(o, tfl.TflOp)]
        elif now:
            status = "folded"
        else:
            status = "removed"
        row = rows.setdefault((op_type, status), TfOpRow(op_type, status, 0, fallback=fallback))
        row.count += 1
        for b in builtins:
            if b not in row.builtins:
                row.builtins.append(b)
        if len(row.nodes) < 3:
            row.nodes.append(name)
    order = {"unsupported": 0, "flex": 1, "custom": 2, "builtin": 3, "folded": 4, "removed": 5}
    out = sorted(rows.values(), key=lambda r: (order[r.status], -r.count, r.op_type))
    for r in out:
        if r.status == "unsupported":
            r.fix = fix_for(r.op_type)
        elif r.status == "flex":
            r.fix = (
                f"Flex op Flex{r.op_type} (SELECT_TF_OPS): runs in a runtime with the Flex delegate (LiteRT with "
                "select TF ops, or tflc's runtime through TensorFlow); the stock interpreter rejects it"
            )
        elif r.status == "custom":
            r.fix = (
                f"custom op '{r.op_type}' (allow_custom_ops): the runtime needs a kernel for it "
                "(runtime.Interpreter(custom_ops={...}), a registered C kernel, or LiteRT custom_op_registerers)"
            )
        elif r.status == "folded":
            r.fix = "computed at conversion time (constant/static-shape folding)"
        elif r.status == "removed":
            r.fix = "no-op at inference, or fused/folded into a neighbouring op"
    return out, tf_count, tfl_count, pipeline_string(parse_passes(spec))


def analyze_tf_model(
    *,
    saved_model_dir: str | None = None,
    keras_model_file: str | None = None,
    signature_keys: list[str] | None = None,
    spec: str = "tf-legalize-only",
    flags: Any = None,
) -> TfModelReport:
    """Import a SavedModel directory or Keras file with TensorFlow and classify its ops."""
    from compiler.errors import ModelImportError
    from compiler.frontends.graph import import_entries

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        if saved_model_dir is not None:
            from compiler.frontends.tf_functions import entries_from_saved_model

            source = saved_model_dir
            entries = entries_from_saved_model(saved_model_dir, signature_keys)
        elif keras_model_file is not None:
            from compiler.frontends.tf_functions import entry_from_keras_file

            source = keras_model_file
            entries = [entry_from_keras_file(keras_model_file)]
        else:
            raise ConversionError("give a .tflite file, --saved-model-dir or --keras-model-file")
        times["load"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        module = import_entries(entries)
    except ModelImportError as e:
        raise ConversionError(str(e)) from e
    times["import"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    rows, n_tf, n_tfl, pipeline = analyze_module(module, spec, flags)
    times["passes"] = time.perf_counter() - t2
    sigs = [e.key for e in entries]
    return TfModelReport(source, sigs, n_tf, n_tfl, rows, times, pipeline)
