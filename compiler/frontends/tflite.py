"""LiteRT FlatBuffer -> `tfl` dialect, so .tflite files (TF's quantized ones included) can be read, rewritten and
exported again.

Generic over ops: an operator's builtin code picks the `tfl` op class declaring it (`BUILTIN`), and the fields its
`OPTIONS` declare are read from the options table through the generated `tflite` readers. Tensors with
QuantizationParameters get `!quant.uniform` element types (per axis when there is more than one scale), constant
buffers become numpy-held `tfl.pseudo_const`s, omitted operands (-1) `tfl.no_value`. One subgraph per SignatureDef
becomes one `func.func` named by its signature key, with the signature's input/output names. Tensor names are kept
(`tflc.name`), so the exporter writes them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tflite
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, FunctionType, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Block, Region, SSAValue

from compiler.errors import ModelImportError
from dialects import tfl
from dialects.elements import DenseElementsAttr, element_type
from dialects.names import INPUT_TENSOR_NAMES, NAME, SIGNATURE_INPUTS, SIGNATURE_OUTPUTS
from dialects.quant import UniformQuantizedType
from dialects.tensor_types import TENSOR_TYPE_NAMES, tensor_type_dtype
from dialects.tfl.base import REGISTERED_OPS, TflOp, builtin_name


def _op_classes() -> dict[int, type[TflOp]]:
    """Builtin code -> the op class declaring it (the first, if several share a code)."""
    classes: dict[int, type[TflOp]] = {}
    for cls in REGISTERED_OPS:
        classes.setdefault(cls.BUILTIN, cls)
    return classes


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def _element_type(t: Any, name: str) -> Attribute:
    dtype = tensor_type_dtype(t.Type())
    if dtype is None:
        raise ModelImportError(
            f"tensor {name!r}: type {TENSOR_TYPE_NAMES.get(t.Type(), t.Type())} is not supported"
        )
    q = t.Quantization()
    if q is None or not q.ScaleLength():
        return element_type(dtype)
    scales = [float(s) for s in q.ScaleAsNumpy()]
    zero_points = [int(z) for z in q.ZeroPointAsNumpy()] if q.ZeroPointLength() else [0] * len(scales)
    if len(scales) == 1:
        return UniformQuantizedType.per_tensor(dtype, scales[0], zero_points[0])
    return UniformQuantizedType.per_axis(dtype, scales, zero_points, q.QuantizedDimension())


def _options(op: Any, cls: type[TflOp]) -> dict[str, Any]:
    """The declared OPTIONS fields of an operator, read from its builtin options table."""
    spec = cls.OPTIONS
    if spec is None or not spec.fields:
        return {}
    table = op.BuiltinOptions()
    if table is None:
        return {}
    opts = getattr(tflite, spec.table)()
    opts.Init(table.Bytes, table.Pos)
    values: dict[str, Any] = {}
    for name, f in spec.fields.items():
        getter = _camel(name)
        if f.kind == "int_vec":
            n = getattr(opts, f"{getter}Length")()
            values[name] = [int(v) for v in getattr(opts, f"{getter}AsNumpy")()] if n else []
            continue
        value = getattr(opts, getter)()
        if f.kind == "enum":
            names = {v: k for k, v in (f.enum or {}).items()}
            if value not in names:
                raise ModelImportError(
                    f"{cls.builtin_name()}: {name} = {value} is not one of {list(f.enum or {})}"
                )
            value = names[value]
        values[name] = value
    return values


class _SubgraphReader:
    def __init__(self, model: Any, index: int, classes: dict[int, type[TflOp]]) -> None:
        self.model = model
        self.graph = model.Subgraphs(index)
        self.classes = classes
        self.values: dict[int, SSAValue] = {}
        self.block = Block()
        self.none: SSAValue | None = None

    def tensor_type(self, i: int) -> TensorType:
        t = self.graph.Tensors(i)
        name = t.Name().decode()
        shape = [int(d) for d in t.ShapeSignatureAsNumpy()] if t.ShapeSignatureLength() else None
        if shape is None:
            shape = [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []
        return TensorType(_element_type(t, name), shape)

    def value(self, i: int) -> SSAValue:
        if i < 0:
            if self.none is None:
                op = tfl.NoValueOp()
                self.block.add_op(op)
                self.none = op.none
            return self.none
        if i in self.values:
            return self.values[i]
        t = self.graph.Tensors(i)
        buffer = self.model.Buffers(t.Buffer())
        if buffer.DataLength() == 0 and buffer.Size() == 0:
            raise ModelImportError(f"tensor {t.Name().decode()!r} is read before any operator writes it")
        ty = self.tensor_type(i)
        dtype = tensor_type_dtype(t.Type())
        array = np.frombuffer(buffer.DataAsNumpy().tobytes(), dtype).reshape(ty.get_shape()).copy()
        q = ty.element_type if isinstance(ty.element_type, UniformQuantizedType) else None
        const = tfl.ConstOp(DenseElementsAttr.from_array(array), ty if q is not None else None)
        const.attributes[NAME] = StringAttr(t.Name().decode())
        self.block.add_op(const)
        self.values[i] = const.output
        return const.output

    def read(self, name: str, in_names: list[str], out_names: list[str]) -> func.FuncOp:
        g = self.graph
        inputs = [int(i) for i in g.InputsAsNumpy()] if g.InputsLength() else []
        for i in inputs:
            self.values[i] = self.block.insert_arg(self.tensor_type(i), len(self.block.args))
        for k in range(g.OperatorsLength()):
            self.operator(g.Operators(k))
        outputs = [self.values[int(i)] for i in g.OutputsAsNumpy()]
        self.block.add_op(func.ReturnOp(*outputs))
        fn = func.FuncOp(
            name,
            FunctionType.from_lists([a.type for a in self.block.args], [o.type for o in outputs]),
            Region(self.block),
        )
        fn.attributes[SIGNATURE_INPUTS] = ArrayAttr([StringAttr(n) for n in in_names])
        fn.attributes[INPUT_TENSOR_NAMES] = ArrayAttr(
            [StringAttr(g.Tensors(i).Name().decode()) for i in inputs]
        )
        fn.attributes[SIGNATURE_OUTPUTS] = ArrayAttr([StringAttr(n) for n in out_names])
        return fn

    def operator(self, op: Any) -> None:
        oc = self.model.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        cls = self.classes.get(code)
        if cls is None:
            what = oc.CustomCode().decode() if oc.CustomCode() else builtin_name(code)
            raise ModelImportError(f"operator {what} has no tfl op class in tflc")
        in_ids = [int(i) for i in op.InputsAsNumpy()] if op.InputsLength() else []
        out_ids = [int(i) for i in op.OutputsAsNumpy()]
        operands = [self.value(i) for i in in_ids]
        n_defs = len(cls.get_irdl_definition().operands)
        while len(operands) < n_defs:  # trailing optional operands the file leaves out
            operands.append(self.value(-1))
        new = cls.build(operands, [self.tensor_type(i) for i in out_ids], **_options(op, cls))
        new.attributes[NAME] = StringAttr(self.graph.Tensors(out_ids[0]).Name().decode())
        self.block.add_op(new)
        for i, res in zip(out_ids, new.results, strict=True):
            self.values[i] = res


def import_tflite(data: bytes) -> ModuleOp:
    """A `tfl` module from LiteRT FlatBuffer bytes: one function per SignatureDef (or per subgraph without any)."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelImportError("not a LiteRT FlatBuffer (file identifier TFL3 missing)")
    model = tflite.Model.GetRootAsModel(data, 0)
    classes = _op_classes()
    funcs = []
    if model.SignatureDefsLength():
        for s in range(model.SignatureDefsLength()):
            sig = model.SignatureDefs(s)
            ins = [sig.Inputs(k) for k in range(sig.InputsLength())]
            outs = [sig.Outputs(k) for k in range(sig.OutputsLength())]
            reader = _SubgraphReader(model, sig.SubgraphIndex(), classes)
            g = reader.graph
            # The signature lists tensors in its own order; the function keeps the subgraph's.
            in_order = {t.TensorIndex(): t.Name().decode() for t in ins}
            out_order = {t.TensorIndex(): t.Name().decode() for t in outs}
            in_names = [in_order[int(i)] for i in g.InputsAsNumpy()]
            out_names = [out_order[int(i)] for i in g.OutputsAsNumpy()]
            funcs.append(reader.read(sig.SignatureKey().decode(), in_names, out_names))
    else:
        for s in range(model.SubgraphsLength()):
            reader = _SubgraphReader(model, s, classes)
            g = reader.graph
            names = [g.Tensors(int(i)).Name().decode() for i in g.InputsAsNumpy()]
            outs = [g.Tensors(int(i)).Name().decode() for i in g.OutputsAsNumpy()]
            name = g.Name().decode() if g.Name() else f"subgraph_{s}"
            funcs.append(reader.read(name, names, outs))
    return ModuleOp(funcs)
