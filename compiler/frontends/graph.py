"""TensorFlow function graphs -> `tf` dialect.

Each entry (signature) is a TF FunctionDef plus the values of its captured inputs. The FunctionDef is rebuilt as a
graph with static input shapes (unknown dims -> 1, so TensorFlow's C++ shape inference gives every tensor a static
shape), nested function calls (PartitionedCall / StatefulPartitionedCall) are inlined, and every
`ReadVariableOp` of a captured variable becomes a constant (the variables are frozen without TF's
convert_variables_to_constants machinery). Unknown TF ops import as `tf.generic`, so import never fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    UnrankedTensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

from compiler.errors import ModelImportError
from compiler.frontends import rnn
from dialects import tf as tfd
from dialects.elements import DenseElementsAttr, element_type
from dialects.names import (
    INPUT_TENSOR_NAMES,
    NAME,
    OUTPUT_TENSOR_NAMES,
    PINNED_INPUTS,
    SHAPE_READS,
    SIGNATURE_INPUTS,
    SIGNATURE_OUTPUTS,
    TF_CALL_SITES,
)


@dataclass
class Entry:
    """One signature to import."""

    key: str
    function_def: Any  # FunctionDef proto
    library: dict[str, Any]  # name -> FunctionDef for nested calls
    input_names: list[str]
    input_specs: list[tuple[list[int], np.dtype]]  # user inputs: signature shape (-1: dynamic dim), dtype
    output_names: list[str]
    # Captured inputs after the user inputs: a numpy array (constant) or a callable reading a variable.
    captures: list[np.ndarray | Callable[[Any], np.ndarray]] = field(default_factory=list)
    # The input / output tensor names TF's converter writes (its SignatureDef TensorInfo names), when known.
    tensor_names: tuple[list[str], list[str]] | None = None


_CALL_OPS = {"PartitionedCall", "StatefulPartitionedCall"}
_SKIP_OPS = {"NoOp", "VarIsInitializedOp"}
# Stateful by their OpDef but without effects in an imported inference graph (handles, frozen reads).
_HARMLESS_STATEFUL = {"VarHandleOp", "ReadVariableOp", "Placeholder", "VarIsInitializedOp", "NoOp"}
# Functional control flow, imported with its functions as regions (tf.IfRegion / tf.WhileRegion).
_IF_OPS = {"If", "StatelessIf"}
_WHILE_OPS = {"While", "StatelessWhile"}
# Variable writes, converted with experimental_enable_resource_variables (TF's AssignAdd/Sub lower to read, add, assign).
_VARIABLE_WRITES = {
    "AssignVariableOp": None,
    "AssignAddVariableOp": tfd.AddV2Op,
    "AssignSubVariableOp": tfd.SubOp,
}
# Stateful ops TF's converter writes as builtins (LiteRT keeps their state): imported like any op.
_BUILTIN_STATEFUL = {"RandomUniform", "RandomStandardNormal", "Multinomial"}
# Ops that turn a tensor's dimensions into values; a dynamic dim read this way is folded to the traced size.
_SHAPE_READERS = {"Shape", "ShapeN", "Size"}


def tensor_type_of(tensor: Any) -> Attribute:
    """xDSL type of a tf.Tensor in a graph."""
    import tensorflow as tf

    dtype = tensor.dtype
    try:
        elem = (
            element_type(np.dtype(dtype.as_numpy_dtype))
            if dtype not in (tf.string, tf.resource, tf.variant)
            else None
        )
    except (TypeError, ValueError):
        elem = None
    if elem is None:
        elem = tfd.OpaqueType(StringAttr(dtype.name))
    shape = tensor.shape
    if shape.rank is None:
        return UnrankedTensorType(elem)
    return TensorType(elem, [d if d is not None else -1 for d in shape.as_list()])


def convert_attr(value: Any) -> Attribute | None:
    """A NodeDef AttrValue as an xDSL attribute (None for kinds we don't keep)."""
    import tensorflow as tf

    kind = value.WhichOneof("value")
    if kind == "s":
        return StringAttr(value.s.decode("utf-8", errors="replace"))
    if kind == "i":
        return IntegerAttr(value.i, i64)
    if kind == "f":
        return FloatAttr(value.f, f32)
    if kind == "b":
        return BoolAttr.from_bool(value.b)
    if kind == "type":
        return _dtype_attr(tf.dtypes.as_dtype(value.type))
    if kind == "shape":
        if value.shape.unknown_rank:
            return StringAttr("*")
        return ArrayAttr([IntegerAttr(d.size, i64) for d in value.shape.dim])
    if kind == "tensor":
        try:
            return DenseElementsAttr.from_array(tf.make_ndarray(value.tensor))
        except (TypeError, ValueError):
            return None
    if kind == "func":
        return StringAttr(value.func.name)
    if kind == "list":
        lst = value.list
        if lst.i:
            return ArrayAttr([IntegerAttr(v, i64) for v in lst.i])
        if lst.f:
            return ArrayAttr([FloatAttr(v, f32) for v in lst.f])
        if lst.s:
            return ArrayAttr([StringAttr(v.decode("utf-8", errors="replace")) for v in lst.s])
        if lst.type:
            return ArrayAttr([_dtype_attr(tf.dtypes.as_dtype(t)) for t in lst.type])
        if lst.b:
            return ArrayAttr([BoolAttr.from_bool(v) for v in lst.b])
        if lst.shape:
            return ArrayAttr([ArrayAttr([IntegerAttr(d.size, i64) for d in s.dim]) for s in lst.shape])
        return ArrayAttr([])
    return None


def _dtype_attr(dtype: Any) -> Attribute:
    try:
        return element_type(np.dtype(dtype.as_numpy_dtype))
    except (TypeError, ValueError, KeyError):  # variant/resource: no numpy dtype (KeyError)
        return tfd.OpaqueType(StringAttr(dtype.name))


class _Importer:
    def __init__(self, entry: Entry, block: Block) -> None:
        self.entry = entry
        self.block = block
        self._library: Any = None
        self._library_graph: Any = None
        self.renamed: dict[str, str] = {}
        self._variables: dict[int, np.ndarray] = {}
        # node-name prefix of each inlined call -> the FunctionDef it inlined (Flex NodeDefs name a node's function)
        self.call_sites: dict[str, str] = {}
        self.side_effects: list[tuple[str, str]] = []  # (op type, node name) of stateful ops tflc cannot keep
        self.pinned: set[int] = set()
        self.shape_reads: list[str] = []
        # tensor -> dims (-1: dynamic) seen with probe input sizes (probe_static_dims)
        self.static_dims: dict[str, list[int]] = {}
        # experimental_enable_resource_variables: written variables become VarHandle/Read/AssignVariable ops
        self.resource_variables = False
        self.written: dict[int, tuple[Any, int]] | None = {}  # id(variable reader) -> (marker, dtype enum)
        self.variable_reads: dict[str, Any] = {}  # placeholder node -> marker of a mutable variable's read
        self.variable_names: dict[int, str] = {}  # id(variable reader) -> shared_name
        self.frozen: set[Any] = set()  # variable keys (variable_key) whose reads became constants
        self._handles: dict[str, SSAValue] = {}
        self.in_region = False

    def emit(self, op: Any) -> Any:
        self.block.add_op(op)
        return op

    def import_function(self, fdef: Any, inputs: Sequence[Any]) -> list[Any]:
        """Import one FunctionDef; `inputs` are SSA values or ("resource", reader) markers. Returns its outputs.

        Nested calls are inlined at the GraphDef level first and ReadVariableOp nodes of captured variables become
        shaped Placeholders, so TensorFlow's C++ importer runs shape inference once over the flat graph and every
        tensor gets a static shape, without copying the weights into the graph.
        """
        import tensorflow as tf
        from tensorflow.python.framework.function_def_to_graph import function_def_to_graph_def

        shapes = []
        for v in inputs:
            if isinstance(v, SSAValue) and isinstance(v.type, TensorType):
                shapes.append(tf.TensorShape([d if d >= 0 else None for d in v.type.get_shape()]))
            else:
                shapes.append(None)
        with self.library_graph().as_default():
            graph_def, name_map = function_def_to_graph_def(fdef, shapes)
            arg_nodes = [name_map[a.name].split(":")[0] for a in fdef.signature.input_arg]
            # function_def_to_graph_def lets the args' traced `_output_shapes` (batch None) win over input_shapes.
            placeholders = {n.name: n for n in graph_def.node if n.op == "Placeholder"}
            traced = {
                n: tf.TensorShape(placeholders[n].attr["shape"].shape) for n in arg_nodes if n in placeholders
            }
            for name, shape in zip(arg_nodes, shapes, strict=True):
                if shape is not None and name in placeholders:
                    placeholders[name].attr["shape"].shape.CopyFrom(shape.as_proto())
            # variable writes kept as ops need their reads ordered after them: keep control edges then
            keep_control = self.resource_variables and self.writes_variables()
            graph_def = self.inline_calls(graph_def, keep_control)
        by_name = {n.name: n for n in graph_def.node}
        resources = {n: v for n, v in zip(arg_nodes, inputs, strict=True) if _is_resource(v)}

        def resource_of(tensor: str) -> Any:
            node_name, idx = _split_tensor(tensor)
            if node_name in resources:
                return resources[node_name]
            node = by_name.get(node_name)
            if node is not None and node.op in ("Identity", "IdentityN") and idx < len(node.input):
                return resource_of(node.input[idx])
            return None

        if self.resource_variables and self.written is not None and not self.in_region:
            for node in graph_def.node:
                if node.op in _VARIABLE_WRITES and (marker := resource_of(node.input[0])) is not None:
                    self.written.setdefault(id(marker[1]), (marker, node.attr["dtype"].type))
        frozen: dict[str, np.ndarray] = {}
        for node in graph_def.node:
            if node.op != "ReadVariableOp" or (marker := resource_of(node.input[0])) is None:
                continue
            dtype = node.attr["dtype"].type
            arr = self.variable_value(marker, dtype)
            node.op = "Placeholder"
            controls = [i for i in node.input if i.startswith("^")]
            del node.input[:]
            if self.written and id(marker[1]) in self.written:
                self.variable_reads[node.name] = marker  # a mutable variable: READ_VARIABLE, in order
                node.input.extend(controls)
            else:
                self.frozen.add(variable_key(marker))
            node.attr.clear()
            node.attr["dtype"].type = dtype
            node.attr["shape"].shape.CopyFrom(tf.TensorShape(arr.shape).as_proto())
            frozen[node.name] = arr
        graph_def.library.CopyFrom(self.library_proto())
        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(graph_def, name="")
        self.find_dynamic_shape_reads(graph, graph_def, arg_nodes, shapes, traced)
        self.static_dims = probe_static_dims(graph_def, arg_nodes, shapes)
        values: dict[str, Any] = {}
        for n, v in zip(arg_nodes, inputs, strict=True):
            values[f"{n}:0"] = v
        for op in graph.get_operations():
            if op.type == "Placeholder":
                if op.name in self.variable_reads:
                    values[op.outputs[0].name] = self.read_variable(op)
                elif op.name in frozen:
                    c = self.emit(tfd.ConstOp(DenseElementsAttr.from_array(frozen[op.name])))
                    c.attributes[NAME] = StringAttr(op.name)
                    values[op.outputs[0].name] = c.output
                continue
            self.import_op(op, values)
        outs = []
        for a in fdef.signature.output_arg:
            name, idx = _split_tensor(
                self.renamed.get(name_map[fdef.ret[a.name]], name_map[fdef.ret[a.name]])
            )
            outs.append(values.get(f"{name}:{idx}"))
        return outs

    def find_dynamic_shape_reads(
        self, graph: Any, graph_def: Any, arg_nodes: list[str], shapes: list[Any], traced: dict[str, Any]
    ) -> None:
        """Record the inputs whose dynamic dims (None in the signature, fixed to 1 here) the graph reads as values,
        and the reading nodes. Shape inference runs a second time with the signature's shapes, only when the
        signature has dynamic dims and the graph has shape-reading ops."""
        import tensorflow as tf

        dynamic = [
            i
            for i, (n, fixed) in enumerate(zip(arg_nodes, shapes, strict=True))
            if fixed is not None and n in traced and traced[n] != fixed
        ]
        readers = [op for op in graph.get_operations() if op.type in _SHAPE_READERS]
        if not dynamic or not readers:
            return
        loose = type(graph_def)()
        loose.CopyFrom(graph_def)
        for node in loose.node:
            if node.name in traced and node.op == "Placeholder":
                node.attr["shape"].shape.CopyFrom(traced[node.name].as_proto())
        graph2 = tf.Graph()
        with graph2.as_default():
            tf.graph_util.import_graph_def(loose, name="")
        reads = [
            op.name
            for op in readers
            if any(not t.shape.is_fully_defined() for t in graph2.get_operation_by_name(op.name).inputs)
        ]
        if reads:
            self.pinned.update(dynamic)
            self.shape_reads.extend(reads)

    def inline_calls(self, graph_def: Any, keep_control: bool = False) -> Any:
        """Expand every PartitionedCall/StatefulPartitionedCall into the callee's nodes (recursively). Control
        inputs are dropped, or with `keep_control` kept where they name a node that survives inlining."""
        from tensorflow.core.framework.graph_pb2 import GraphDef
        from tensorflow.python.framework.function_def_to_graph import function_def_to_graph_def

        out = GraphDef()
        out.versions.CopyFrom(graph_def.versions)
        renamed: dict[str, str] = {}

        def resolve(tensor: str, prefix: str, arg_map: dict[str, str]) -> str:
            node_name, idx = _split_tensor(tensor)
            if node_name in arg_map:
                return arg_map[node_name]
            return f"{prefix}{node_name}:{idx}"

        def add_nodes(nodes: Any, prefix: str, arg_map: dict[str, str]) -> None:
            for node in nodes:
                data_inputs = [resolve(i, prefix, arg_map) for i in node.input if not i.startswith("^")]
                if node.op in _CALL_OPS and node.attr["f"].func.name in self.entry.library:
                    fdef = self.entry.library[node.attr["f"].func.name]
                    sub, name_map = function_def_to_graph_def(fdef)
                    callee_args = [name_map[a.name].split(":")[0] for a in fdef.signature.input_arg]
                    sub_map = dict(zip(callee_args, data_inputs, strict=True))
                    sub_prefix = f"{prefix}{node.name}/"
                    self.call_sites[sub_prefix] = fdef.signature.name
                    add_nodes([n for n in sub.node if n.name not in sub_map], sub_prefix, sub_map)
                    for k, a in enumerate(fdef.signature.output_arg):
                        renamed[f"{prefix}{node.name}:{k}"] = resolve(
                            name_map[fdef.ret[a.name]], sub_prefix, sub_map
                        )
                    continue
                new = out.node.add()
                new.CopyFrom(node)
                new.name = prefix + node.name
                del new.input[:]
                new.input.extend(data_inputs)
                if keep_control:
                    new.input.extend(
                        "^" + resolve(i[1:], prefix, arg_map).split(":")[0]
                        for i in node.input
                        if i.startswith("^")
                    )
                # SavedModel FunctionDefs carry the shapes seen at tracing (batch None); TF's importer would
                # prefer them over what shape inference derives from our static inputs.
                if "_output_shapes" in new.attr:
                    del new.attr["_output_shapes"]

        add_nodes(graph_def.node, "", {})

        def final(tensor: str) -> str:
            seen = 0
            while tensor in renamed and seen < 1000:
                tensor, seen = renamed[tensor], seen + 1
            return tensor

        names = {n.name for n in out.node}
        for node in out.node:
            fixed = [final(_graph_tensor_name(i)) for i in node.input if not i.startswith("^")]
            fixed += [i for i in node.input if i.startswith("^") and i[1:] in names]
            del node.input[:]
            node.input.extend(fixed)
        self.renamed = {k: final(v) for k, v in renamed.items()}
        return out

    def library_graph(self) -> Any:
        """A tf.Graph holding the entry's function library (TF's FunctionDef helpers look functions up there)."""
        if self._library_graph is None:
            import tensorflow as tf
            from tensorflow.core.framework.graph_pb2 import GraphDef

            self._library_graph = tf.Graph()
            with self._library_graph.as_default():
                tf.graph_util.import_graph_def(GraphDef(library=self.library_proto()), name="")
        return self._library_graph

    def library_proto(self) -> Any:
        if self._library is None:
            from tensorflow.core.framework.function_pb2 import FunctionDefLibrary

            self._library = FunctionDefLibrary(function=list(self.entry.library.values()))
        return self._library

    def variable_value(self, marker: Any, dtype_enum: int) -> np.ndarray:
        import tensorflow as tf

        key = id(marker[1])
        if key not in self._variables:
            reader = marker[1]
            arr = reader(tf.dtypes.as_dtype(dtype_enum)) if callable(reader) else reader
            self._variables[key] = np.asarray(arr)
        return self._variables[key]

    def import_op(self, op: Any, values: dict[str, Any]) -> None:
        import tensorflow as tf

        args = [values.get(t.name) for t in op.inputs]
        if op.type in _SKIP_OPS:
            return
        if rnn.import_op(self, op, args, values):  # Keras RNN While loops -> fused/unrolled cells
            return
        if op.type in _IF_OPS or op.type in _WHILE_OPS:
            self.import_control_flow(op, args, values)
            return
        if op.type in _VARIABLE_WRITES and args and _is_resource(args[0]) and self.is_mutable(args[0]):
            self.write_variable(op, args)
            return
        if op.op_def.is_stateful and op.type not in _HARMLESS_STATEFUL | _BUILTIN_STATEFUL | _CALL_OPS:
            self.side_effects.append((op.type, op.name))  # reported once the whole signature is imported
            if not op.outputs or any(not isinstance(a, SSAValue) for a in args):
                return
        if op.type in ("Identity", "IdentityN") and args and _is_resource(args[0]):
            for out, a in zip(op.outputs, args, strict=False):
                values[out.name] = a
            return
        if op.type in _CALL_OPS:
            fname = op.get_attr("f").name
            raise ModelImportError(
                f"function {fname!r} called by {op.name!r} is not in the model's function library"
            )
        if op.type == "Const":
            arr = tf.make_ndarray(op.node_def.attr["value"].tensor)
            if arr.dtype == object:
                self.import_generic(op, [], values)
                return
            c = self.emit(tfd.ConstOp(DenseElementsAttr.from_array(arr)))
            c.attributes[NAME] = StringAttr(op.name)
            values[op.outputs[0].name] = c.output
            return
        if any(not isinstance(a, SSAValue) for a in args):
            # Only ReadVariableOp of a captured variable is frozen; anything else touching a variable handle
            # (ResourceGather, assignments feeding outputs, ...) cannot become a constant.
            raise ModelImportError(
                f"{op.type} node {op.name!r} uses a model variable directly; tflc freezes read-only variables "
                "(ReadVariableOp) only. Re-export the model so inference reads variables with ReadVariableOp."
            )
        self.import_generic(op, args, values)

    # ---- resource variables (experimental_enable_resource_variables) -------------------------------------------

    def writes_variables(self) -> bool:
        """Whether the entry's function or its library has a variable write."""
        fdefs = [self.entry.function_def, *self.entry.library.values()]
        return any(n.op in _VARIABLE_WRITES for f in fdefs for n in f.node_def)

    def is_mutable(self, marker: Any) -> bool:
        return bool(self.written) and id(marker[1]) in self.written  # type: ignore[operator]

    def variable_name(self, marker: Any) -> str:
        key = id(marker[1])
        if key not in self.variable_names:
            self.variable_names[key] = (
                f"Variable{'_' + str(len(self.variable_names)) if self.variable_names else ''}"
            )
        return self.variable_names[key]

    def handle(self, marker: Any) -> SSAValue:
        """This block's VarHandleOp for the variable (one per variable and subgraph, as TF writes them)."""
        name = self.variable_name(marker)
        if name not in self._handles:
            h = self.emit(
                tfd.VarHandleOp(
                    [],
                    [TensorType(tfd.OpaqueType(StringAttr("resource")), [])],
                    {"container": StringAttr(""), "shared_name": StringAttr(name), NAME: StringAttr(name)},
                )
            )
            self._handles[name] = h.results[0]
        return self._handles[name]

    def read_variable(self, op: Any) -> SSAValue:
        marker = self.variable_reads[op.name]
        read = self.emit(tfd.ReadVariableOp([self.handle(marker)], [tensor_type_of(op.outputs[0])]))
        read.attributes[NAME] = StringAttr(op.name)
        return read.results[0]

    def write_variable(self, op: Any, args: list[Any]) -> None:
        marker, value = args[0], args[1]
        handle = self.handle(marker)
        combine = _VARIABLE_WRITES[op.type]
        if combine is not None:
            current = self.emit(tfd.ReadVariableOp([handle], [value.type])).results[0]
            value = self.emit(combine([current, value], [value.type], {NAME: StringAttr(op.name)})).results[0]
        self.emit(tfd.AssignVariableOp([handle, value], [], {NAME: StringAttr(op.name)}))

    def initializer(self) -> Any:
        """tfl.call_once whose region assigns every mutable variable its value from the model (once per
        interpreter), or None."""
        if not self.written:
            return None
        from dialects import tfl

        once = tfl.CallOnceOp()
        block = Block()
        once.init_region.add_block(block)
        init = _Importer(self.entry, block)
        init.variable_names = self.variable_names
        for marker, dtype in self.written.values():
            value = init.emit(tfd.ConstOp(DenseElementsAttr.from_array(self.variable_value(marker, dtype))))
            value.attributes[NAME] = StringAttr(self.variable_name(marker))
            init.emit(tfd.AssignVariableOp([init.handle(marker), value.output], []))
        block.add_op(tfl.YieldOp())
        return once

    # ---- control flow: If/While functions as regions ----------------------------------------------------------

    def function_named(self, op: Any, attr: str) -> Any:
        name = op.get_attr(attr).name
        fdef = self.entry.library.get(name)
        if fdef is None:
            raise ModelImportError(
                f"function {name!r} ({attr} of {op.type} {op.name!r}) is not in the model's library"
            )
        return fdef

    def import_region(self, fdef: Any, inputs: Sequence[Any], where: str) -> tuple[Region, list[Any]]:
        """Import a branch/cond/body function into a new single-block region. Tensor inputs become block arguments;
        variable handles are passed on, so reads of captured variables inside freeze like any other read."""
        block = Block(arg_types=[a.type for a in inputs if isinstance(a, SSAValue)])
        sub = _Importer(self.entry, block)
        sub._library, sub._library_graph, sub._variables = self._library, self._library_graph, self._variables
        sub.resource_variables = self.resource_variables
        sub.written, sub.variable_names, sub.in_region = self.written, self.variable_names, True
        sub.frozen = self.frozen
        args = iter(block.args)
        outputs = sub.import_function(fdef, [next(args) if isinstance(a, SSAValue) else a for a in inputs])
        self.side_effects.extend(sub.side_effects)
        self.call_sites.update(sub.call_sites)
        if any(o is None for o in outputs):
            raise ModelImportError(
                f"{where}: an output of function {fdef.signature.name!r} could not be imported"
            )
        return Region(block), outputs

    def import_control_flow(self, op: Any, args: list[Any], values: dict[str, Any]) -> None:
        if op.type in _IF_OPS:
            self.import_if(op, args, values)
        else:
            self.import_while(op, args, values)

    def import_if(self, op: Any, args: list[Any], values: dict[str, Any]) -> None:
        """If/StatelessIf -> tf.IfRegion (then/else functions as regions)."""
        attrs = {NAME: StringAttr(op.name)}
        where = f"{op.type} {op.name!r}"
        cond, inputs = args[0], args[1:]
        if not isinstance(cond, SSAValue):
            raise ModelImportError(f"{where}: its condition is not a tensor")
        then_region, then_outs = self.import_region(self.function_named(op, "then_branch"), inputs, where)
        else_region, else_outs = self.import_region(self.function_named(op, "else_branch"), inputs, where)
        result_types = []
        for k, (a, b) in enumerate(zip(then_outs, else_outs, strict=True)):
            if not (isinstance(a, SSAValue) and isinstance(b, SSAValue)) or a.type != b.type:
                raise ModelImportError(
                    f"{where}: output {k} differs in type or shape between its branches "
                    f"({getattr(a, 'type', 'a variable')} vs {getattr(b, 'type', 'a variable')}); tflc needs "
                    "both branches of a tf.cond to return the same static shapes"
                )
            result_types.append(a.type)
        for region, outs in ((then_region, then_outs), (else_region, else_outs)):
            region.block.add_op(tfd.YieldOp(outs))
        carried = [a for a in inputs if isinstance(a, SSAValue)]
        new = self.emit(tfd.IfRegionOp(cond, carried, result_types, then_region, else_region, attrs))
        for t, r in zip(op.outputs, new.results, strict=True):
            values[t.name] = r

    def import_while(self, op: Any, args: list[Any], values: dict[str, Any]) -> None:
        """While/StatelessWhile -> tf.WhileRegion (cond/body functions as regions). Loop values that are variable
        handles are not carried: reads inside the loop freeze (or stay variable reads) like any other."""
        attrs = {NAME: StringAttr(op.name)}
        where = f"{op.type} {op.name!r}"
        cond_region, cond_outs = self.import_region(self.function_named(op, "cond"), args, where)
        body_region, body_outs = self.import_region(self.function_named(op, "body"), args, where)
        for k, (a, out) in enumerate(zip(args, body_outs, strict=True)):
            same = (
                out is a if not isinstance(a, SSAValue) else isinstance(out, SSAValue) and out.type == a.type
            )
            if not same:
                raise ModelImportError(
                    f"{where}: loop variable {k} changes {'variable' if not isinstance(a, SSAValue) else 'shape'} "
                    f"in the loop body ({getattr(a, 'type', a)} -> {getattr(out, 'type', out)}); tflc needs loop "
                    "variables of a static shape (tf.while_loop shape_invariants are not supported)"
                )
        if len(cond_outs) != 1 or not isinstance(cond_outs[0], SSAValue):
            raise ModelImportError(f"{where}: its condition function must return one tensor")
        cond_region.block.add_op(tfd.YieldOp(cond_outs))
        body_region.block.add_op(tfd.YieldOp([o for o in body_outs if isinstance(o, SSAValue)]))
        carried = [a for a in args if isinstance(a, SSAValue)]
        new = self.emit(tfd.WhileRegionOp(carried, cond_region, body_region, attrs))
        results = iter(new.results)
        for t, a in zip(op.outputs, args, strict=True):
            values[t.name] = next(results) if isinstance(a, SSAValue) else a

    def import_generic(self, op: Any, args: list[SSAValue], values: dict[str, Any]) -> None:
        attrs: dict[str, Attribute] = {}
        node_attrs = op.node_def.attr
        for k in sorted(node_attrs):  # protobuf map order is not stable; output bytes must be
            if k.startswith("_"):
                continue
            a = convert_attr(node_attrs[k])
            if a is not None:
                attrs[k] = a
        attrs[NAME] = StringAttr(op.name)
        result_types = [refined_type(tensor_type_of(t), self.static_dims.get(t.name)) for t in op.outputs]
        cls = tfd.op_class(op.type)
        if cls is not None:
            new = cls(args, result_types, attrs)
        else:
            node_def = op.node_def
            new = tfd.GenericOp(op.type, node_def.SerializeToString(), args, result_types, attrs)
        self.emit(new)
        for t, r in zip(op.outputs, new.results, strict=True):
            values[t.name] = r


# Sizes given to a signature's dynamic dims to tell which dims of every tensor depend on them: two coprime sizes
# that shape arithmetic rarely maps to the same value, and a small one so that a clamp such as min(batch, 5) is seen
# to vary (1 is avoided: broadcasting treats it specially).
_PROBE_SIZES = (7, 11, 2)


def probe_static_dims(graph_def: Any, arg_nodes: list[str], shapes: list[Any]) -> dict[str, list[int]]:
    """Dims of every tensor as TF's shape inference gives them with each dynamic input dim fixed to each of
    _PROBE_SIZES: a dim equal at all of them is static, one that differs is -1 (the assumption, stated in the
    README: a dim TF leaves unknown that is the same at 2, 7 and 11 is the same at every size). TensorFlow's shape inference alone leaves
    dims it cannot derive through shape arithmetic (Shape -> Gather -> Prod -> Reshape, as Keras' Dense on 3-D
    inputs emits) unknown; this recovers them, so only what truly depends on a dynamic dim stays dynamic. Empty
    when no input dim is dynamic or a probe size does not import (the graph then keeps TF's own shapes)."""
    import tensorflow as tf

    dynamic = {
        n: s for n, s in zip(arg_nodes, shapes, strict=True) if s is not None and not s.is_fully_defined()
    }
    if not dynamic:
        return {}
    runs = []
    for size in _PROBE_SIZES:
        probe = type(graph_def)()
        probe.CopyFrom(graph_def)
        for node in probe.node:
            if node.name in dynamic and node.op == "Placeholder":
                fixed = tf.TensorShape([size if d is None else d for d in dynamic[node.name].as_list()])
                node.attr["shape"].shape.CopyFrom(fixed.as_proto())
        graph = tf.Graph()
        try:
            with graph.as_default():
                tf.graph_util.import_graph_def(probe, name="")
        except (ValueError, tf.errors.OpError):
            return {}
        run = {}
        for op in graph.get_operations():
            for t in op.outputs:
                if t.shape.rank is not None:
                    run[t.name] = [-1 if d is None else int(d) for d in t.shape.as_list()]
        runs.append(run)
    first, *others = runs
    return {
        name: [a if all(o[name][i] == a for o in others) else -1 for i, a in enumerate(dims)]
        for name, dims in first.items()
        if all(len(o.get(name, ())) == len(dims) for o in others)
    }


def refined_type(ty: Attribute, probed: list[int] | None) -> Attribute:
    """A tensor type whose unknown dims are filled in where the probes found them static."""
    if probed is None or not isinstance(ty, TensorType) or len(ty.get_shape()) != len(probed):
        return ty
    dims = [d if d >= 0 else p for d, p in zip(ty.get_shape(), probed, strict=True)]
    return TensorType(ty.element_type, dims)


def _side_effects_message(key: str, found: list[tuple[str, str]]) -> str:
    """One error naming every stateful op of a signature, with its layer (the node name's scope)."""
    lines = []
    for op_type, node in found[:10]:
        layer = node.rsplit("/", 1)[0] if "/" in node else node
        lines.append(f"  {op_type} at node {node!r} (layer {layer!r})")
    more = f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ""
    return (
        f"signature {key!r} has {len(found)} op(s) with side effects that tflc does not convert (variable "
        "writes, stateful random, queues/iterators, print, assert):\n" + "\n".join(lines) + more + "\n"
        "A converted model would silently drop them (a variable update would never happen). Fix: convert an "
        "inference-only function (training=False, no variable updates, no tf.print/asserts), or use stateless "
        "ops (tf.random.stateless_*); to keep variable writes as LiteRT resource variables (VAR_HANDLE, "
        "READ_VARIABLE, ASSIGN_VARIABLE), set converter.experimental_enable_resource_variables = True."
    )


def _graph_tensor_name(name: str) -> str:
    return name if ":" in name else f"{name}:0"


def _split_tensor(name: str) -> tuple[str, int]:
    """ "node:1" -> ("node", 1); "node" -> ("node", 0)."""
    node, _, idx = name.partition(":")
    return node, int(idx) if idx else 0


def _is_resource(v: Any) -> bool:
    return isinstance(v, tuple) and len(v) == 2 and v[0] == "resource"


def fixed_shape(shape: Sequence[int], static_batch: int | None) -> list[int]:
    """An input's shape as converted: dynamic dims (-1) kept when static_batch is None, else fixed, the batch (dim 0)
    to static_batch and any other dynamic dim to 1 (static_batch=1 is tflc's historical fully static conversion)."""
    if static_batch is None:
        return list(shape)
    return [d if d >= 0 else (static_batch if i == 0 else 1) for i, d in enumerate(shape)]


def variable_key(marker: Any) -> Any:
    """What identifies a captured variable across signatures (the reader's `variable_key`, else the reader)."""
    return getattr(marker[1], "variable_key", id(marker[1]))


def _check_shared_variables(frozen: dict[str, set[Any]], written: dict[str, set[Any]]) -> None:
    """A variable one signature writes and another freezes would give the reader stale values: refuse it."""
    bad = [
        (reader, writer)
        for writer, keys in written.items()
        for reader, reads in frozen.items()
        if reader != writer and keys & reads
    ]
    if bad:
        pairs = ", ".join(f"{r!r} reads a variable {w!r} writes" for r, w in bad)
        raise ModelImportError(
            f"signatures share mutable state: {pairs}; tflc freezes a variable in a signature that only reads "
            "it, so the reader would not see the writes "
            "(not supported yet). Convert the signatures that share no written variable (signature_keys=[...])"
        )


def import_entries(
    entries: list[Entry], resource_variables: bool = False, static_batch: int | None = 1
) -> ModuleOp:
    """Import each entry as one func.func named by its signature key. With `resource_variables`
    (experimental_enable_resource_variables), variables the signature writes stay variables (VarHandle, Read,
    Assign, initialized once by a tfl.call_once); otherwise a write is an error and reads are frozen.
    `static_batch` fixes dynamic input dims as in `fixed_shape`."""
    funcs = []
    frozen: dict[str, set[Any]] = {}  # signature -> variables it reads as constants
    written: dict[str, set[Any]] = {}  # signature -> variables it writes
    for entry in entries:
        arg_types = []
        for signature_shape, dtype in entry.input_specs:
            shape = fixed_shape(signature_shape, static_batch)
            # string inputs (numpy object) feed Flex ops: `!tf.opaque<"string">`, exported as STRING
            elem = tfd.OpaqueType(StringAttr("string")) if np.dtype(dtype) == object else element_type(dtype)
            arg_types.append(TensorType(elem, shape))
        block = Block(arg_types=arg_types)
        importer = _Importer(entry, block)
        importer.resource_variables = resource_variables
        inputs: list[Any] = list(block.args)
        for cap in entry.captures:
            if isinstance(cap, np.ndarray):
                c = importer.emit(tfd.ConstOp(DenseElementsAttr.from_array(cap)))
                inputs.append(c.output)
            else:
                inputs.append(("resource", cap))
        outputs = importer.import_function(entry.function_def, inputs)
        frozen[entry.key] = importer.frozen
        written[entry.key] = {variable_key(m) for m, _ in (importer.written or {}).values()}
        if importer.side_effects:
            raise ModelImportError(_side_effects_message(entry.key, importer.side_effects))
        bad = [i for i, o in enumerate(outputs) if not isinstance(o, SSAValue)]
        if bad:
            raise ModelImportError(f"signature {entry.key!r}: outputs {bad} are not tensors")
        block.add_op(func.ReturnOp(*outputs))
        once = importer.initializer()
        if once is not None:
            block.insert_op_before(once, block.first_op)
        fn = func.FuncOp(
            entry.key,
            FunctionType.from_lists(arg_types, [o.type for o in outputs]),
            Region(block),
        )
        fn.attributes[SIGNATURE_INPUTS] = ArrayAttr([StringAttr(n) for n in entry.input_names])
        fn.attributes[SIGNATURE_OUTPUTS] = ArrayAttr([StringAttr(n) for n in entry.output_names])
        if entry.tensor_names is not None:
            ins, outs = entry.tensor_names
            fn.attributes[INPUT_TENSOR_NAMES] = ArrayAttr([StringAttr(n) for n in ins])
            fn.attributes[OUTPUT_TENSOR_NAMES] = ArrayAttr([StringAttr(n) for n in outs])
        if importer.call_sites:
            fn.attributes[TF_CALL_SITES] = DictionaryAttr(
                {k: StringAttr(v) for k, v in sorted(importer.call_sites.items())}
            )
        if importer.pinned:
            fn.attributes[PINNED_INPUTS] = ArrayAttr([IntegerAttr(i, i64) for i in sorted(importer.pinned)])
            fn.attributes[SHAPE_READS] = ArrayAttr([StringAttr(n) for n in importer.shape_reads])
        funcs.append(fn)
    _check_shared_variables(frozen, written)
    return ModuleOp(funcs)
