"""select-tf-fallback: TF ops left after legalize-tf become Flex ops or custom ops, exactly as TensorFlow writes them.

TensorFlow decides this at export (flatbuffer_export.cc, `Translator::BuildOperator`); here it is a pass, so the IR
after it is what the exporter writes and `--dump-ir-after-all` shows it. For each remaining `tf` op:

- `flex` (SELECT_TF_OPS) and the op type is in TF's Flex allowlist (data/flex_allowlist.txt, derived from
  tensorflow/lite/delegates/flex/allowlisted_flex_ops.cc): `tfl.custom` with custom_code `"Flex" + op type` and
  custom_options the FlexBuffer vector `[op type, NodeDef]`. The NodeDef is the one TF serializes for Flex: no name,
  no device, one empty input per operand, the node's attributes (none starting with "_"), and the node name in
  `experimental_debug_info.original_node_names`.
- else `custom` (allow_custom_ops): `tfl.custom` with custom_code = op type and custom_options the FlexBuffer map of
  the node's attributes (sorted keys; type attributes as TFLite TensorType codes; string/int/float/bool and lists of
  string/int/float; other kinds left out, as TF does).
- else the op stays `tf`, and the driver's listing error names it with the flag that would help.

`tf.Const` becomes `tfl.pseudo_const` (needed when legalize-tf does not run: SELECT_TF_OPS alone).
Attribute maps are serialized with sorted keys (TF's own NodeDef attr order comes from a hash map and varies between
runs; ours is deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dialects import tf, tfl
from dialects.elements import DenseElementsAttr, numpy_dtype
from dialects.names import NAME, TF_CALL_SITES
from dialects.tfl.custom import FLEX_PREFIX, encode_strings

_ALLOWLIST_FILE = Path(__file__).parent / "data" / "flex_allowlist.txt"


@cache
def _allowlists() -> tuple[frozenset[str], frozenset[str]]:
    """(always allowed, allowed only when registered in TF's op registry)."""
    always, registered = set(), set()
    for line in _ALLOWLIST_FILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        (registered if line.startswith("?") else always).add(line.lstrip("?"))
    return frozenset(always), frozenset(registered)


def is_flex_allowlisted(op_type: str) -> bool:
    """TF's `IsAllowlistedFlexOp`: in the Flex allowlist (tf.text / sentencepiece ops when registered)."""
    always, registered = _allowlists()
    if op_type in always:
        return True
    return op_type in registered and _op_def(op_type) is not None


def op_type_of(op: Operation) -> str:
    """The TF op type of a `tf` op (`tf.generic` included)."""
    return getattr(op, "op_type", None) or op.name.removeprefix("tf.")


def is_tf_op(op: Operation) -> bool:
    return isinstance(op, tf.TFOp)


# ---------------------------------------------------------------------------------------------------------------
# NodeDef as TF writes it for a Flex op.


@cache
def _op_def(op_type: str) -> Any:
    from tensorflow.python.framework import op_def_registry

    return op_def_registry.get(op_type)


def _data_type(elem: Attribute) -> int:
    """TF DataType enum of an xDSL element type (`!tf.opaque<"string">` included)."""
    import tensorflow as tf_

    if isinstance(elem, tf.OpaqueType):
        return tf_.as_dtype(elem.kind.data).as_datatype_enum
    return tf_.as_dtype(numpy_dtype(elem)).as_datatype_enum


def _is_bool(attr: Attribute) -> bool:
    return isinstance(attr, IntegerAttr) and isinstance(attr.type, IntegerType) and attr.type.width.data == 1


def _set_scalar(value: Any, attr: Attribute, kind: str) -> bool:
    """Fill AttrValue `value` from one xDSL attribute of TF attr type `kind`; False when it cannot."""
    import tensorflow as tf_

    if kind == "type":
        value.type = _data_type(attr)
    elif kind == "bool" and _is_bool(attr):
        value.b = bool(attr.value.data)
    elif kind == "int" and isinstance(attr, IntegerAttr):
        value.i = int(attr.value.data)
    elif kind == "float" and isinstance(attr, FloatAttr):
        value.f = float(attr.value.data)
    elif kind == "string" and isinstance(attr, StringAttr):
        value.s = attr.data.encode("utf-8")
    elif kind == "shape" and isinstance(attr, StringAttr) and attr.data == "*":
        value.shape.unknown_rank = True
    elif kind == "shape" and isinstance(attr, ArrayAttr):
        value.shape.CopyFrom(tf_.TensorShape([int(d.value.data) for d in attr.data]).as_proto())
    elif kind == "tensor" and isinstance(attr, DenseElementsAttr):
        value.tensor.CopyFrom(tf_.make_tensor_proto(attr.array))
    else:
        return False
    return True


def _attr_kind(attr: Attribute) -> str:
    """A TF attr type guessed from the xDSL attribute (for ops TF's registry does not know)."""
    if _is_bool(attr):
        return "bool"
    if isinstance(attr, IntegerAttr):
        return "int"
    if isinstance(attr, FloatAttr):
        return "float"
    if isinstance(attr, StringAttr):
        return "string"
    if isinstance(attr, DenseElementsAttr):
        return "tensor"
    if isinstance(attr, ArrayAttr):
        inner = {_attr_kind(a) for a in attr.data}
        return f"list({inner.pop()})" if len(inner) == 1 else "list(int)"
    return "type"


def _attr_value(attr: Attribute, kind: str) -> Any | None:
    """TF AttrValue of an xDSL attribute, given the OpDef attr type (`"type"`, `"list(int)"`, ...)."""
    from tensorflow.core.framework import attr_value_pb2

    value = attr_value_pb2.AttrValue()
    if kind.startswith("list(") and isinstance(attr, ArrayAttr):
        inner = kind[5:-1]
        lst = value.list
        for item in attr.data:
            one = attr_value_pb2.AttrValue()
            if not _set_scalar(one, item, inner):
                return None
            field = {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type"}.get(inner)
            if field is not None:
                getattr(lst, field).append(getattr(one, field))
            elif inner == "shape":
                lst.shape.add().CopyFrom(one.shape)
            elif inner == "tensor":
                lst.tensor.add().CopyFrom(one.tensor)
            else:
                return None
        if not attr.data:
            value.list.SetInParent()
        return value
    return value if _set_scalar(value, attr, kind) else None


def node_attrs(op: Operation) -> dict[str, Any]:
    """The op's TF attributes as AttrValue protos (name -> AttrValue), without "_"-prefixed internal ones."""
    if isinstance(op, tf.GenericOp):
        from tensorflow.core.framework import node_def_pb2

        node = node_def_pb2.NodeDef.FromString(op.node_def_bytes)
        return {k: v for k, v in node.attr.items() if not k.startswith("_")}
    op_def = _op_def(op_type_of(op))
    kinds = {a.name: a.type for a in op_def.attr} if op_def is not None else {}
    out = {}
    for key, attr in op.attributes.items():
        if "." in key or key.startswith("_"):  # tflc.* bookkeeping, TF-internal attributes
            continue
        value = _attr_value(attr, kinds.get(key) or _attr_kind(attr))
        if value is not None:
            out[key] = value
    return out


def flex_node_def(op: Operation) -> bytes:
    """The serialized NodeDef TF writes into a Flex op's custom_options."""
    from tensorflow.core.framework import node_def_pb2

    node = node_def_pb2.NodeDef(op=op_type_of(op))
    node.input.extend([""] * len(op.operands))
    for key, value in node_attrs(op).items():
        node.attr[key].CopyFrom(value)
    name = op.attributes.get(NAME)
    if isinstance(name, StringAttr):
        node_name, function = _origin(op, name.data)
        node.experimental_debug_info.original_node_names.append(node_name)
        if function:
            node.experimental_debug_info.original_func_names.append(function)
    return node.SerializeToString(deterministic=True)


def _origin(op: Operation, name: str) -> tuple[str, str]:
    """(node name inside its TF function, that function's name or "") for a node the frontend inlined from a nested
    call — TF names the innermost function (its MLIR location `node@function`); a top-level node has no function."""
    fn = op.parent_op()
    while fn is not None and not isinstance(fn, func.FuncOp):
        fn = fn.parent_op()
    sites = fn.attributes.get(TF_CALL_SITES) if fn is not None else None
    if not isinstance(sites, DictionaryAttr):
        return name, ""
    best = max((p for p in sites.data if name.startswith(p)), key=len, default="")
    if not best:
        return name, ""
    function = sites.data[best]
    return name[len(best) :], function.data if isinstance(function, StringAttr) else ""


# ---------------------------------------------------------------------------------------------------------------
# FlexBuffers, byte for byte as TF's (C++) flexbuffers::Builder writes them.


def _flex_string(builder: Any, data: bytes) -> None:
    """A FlexBuffer string of arbitrary bytes (a serialized NodeDef is not UTF-8)."""
    from flatbuffers.flexbuffers import Type

    builder._WriteBlob(data, append_zero=True, type_=Type.STRING)


def flex_custom_options(op_type: str, node_def: bytes) -> bytes:
    """Flex custom_options: FlexBuffer vector `[op type, serialized NodeDef]` (`CreateFlexOpCustomOptions`)."""
    from flatbuffers import flexbuffers

    b = flexbuffers.Builder()
    with b.Vector():
        _flex_string(b, op_type.encode("utf-8"))
        _flex_string(b, node_def)
    return bytes(b.Finish())


def custom_op_options(attrs: dict[str, Any]) -> bytes:
    """Custom-op custom_options: FlexBuffer map of the node attributes (`CreateFlexBuilderWithNodeAttrs`)."""
    from flatbuffers import flexbuffers

    b = flexbuffers.Builder()
    with b.Map():
        for key in sorted(attrs):
            value = attrs[key]
            kind = value.WhichOneof("value")
            if kind == "s":
                b.Key(key)
                _flex_string(b, value.s)
            elif kind == "type":
                code = _tflite_type(value.type)
                if code is not None:
                    b.Int(key, code)
            elif kind == "i":
                b.Int(key, value.i)
            elif kind == "f":
                b.Float(key, value.f)
            elif kind == "b":
                b.Bool(key, value.b)
            elif kind == "list" and (value.list.s or value.list.i or value.list.f):
                with b.TypedVector(key):
                    if value.list.s:
                        for s in value.list.s:
                            _flex_string(b, s)
                    elif value.list.i:
                        for i in value.list.i:
                            b.Int(i)
                    else:
                        for f in value.list.f:
                            b.Float(f)
            # other kinds (shape, tensor, func, empty lists) are left out, as TF does
    return bytes(b.Finish())


def _tflite_type(dt_enum: int) -> int | None:
    """TFLite TensorType code of a TF DataType (`TfTypeToTflType`); None when TFLite has none."""
    import tensorflow as tf_

    from dialects.tensor_types import TENSOR_TYPE_CODES, tensor_type_code

    dtype = tf_.dtypes.as_dtype(dt_enum)
    if dtype == tf_.string:
        return TENSOR_TYPE_CODES["STRING"]
    if dtype in (tf_.resource, tf_.variant):
        return TENSOR_TYPE_CODES[dtype.name.upper()]
    try:
        return tensor_type_code(np.dtype(dtype.as_numpy_dtype))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------------------
# The pass.


def fallback_op(op: Operation, flex: bool, custom: bool) -> tfl.CustomOp | None:
    """The tfl.custom a tf op becomes under the given flags, or None if it must stay (and be reported)."""
    op_type = op_type_of(op)
    if flex and is_flex_allowlisted(op_type):
        options = flex_custom_options(op_type, flex_node_def(op))
        code = FLEX_PREFIX + op_type
    elif custom:
        options = custom_op_options(node_attrs(op))
        code = op_type
    else:
        return None
    attrs = {NAME: op.attributes[NAME]} if NAME in op.attributes else {}
    return tfl.CustomOp(code, options, list(op.operands), [r.type for r in op.results], attrs)


def string_const(op: tf.GenericOp) -> tfl.StringConstOp | None:
    """A string tf.Const (imported as tf.generic: numeric constants only are numpy-held) as a STRING constant
    buffer, as TF writes it; None for any other constant."""
    import tensorflow as tf_
    from tensorflow.core.framework import node_def_pb2

    node = node_def_pb2.NodeDef.FromString(op.node_def_bytes)
    if "value" not in node.attr or node.attr["value"].tensor.dtype != tf_.string.as_datatype_enum:
        return None
    values = tf_.make_ndarray(node.attr["value"].tensor).reshape(-1)
    attrs = {NAME: op.attributes[NAME]} if NAME in op.attributes else {}
    return tfl.StringConstOp(encode_strings([bytes(v) for v in values]), op.results[0].type, attrs)


@dataclass(frozen=True)
class SelectTFFallback(ModulePass):
    """Turn TF ops with no builtin into Flex ops (SELECT_TF_OPS) or custom ops (allow_custom_ops), as TF writes
    them."""

    name = "select-tf-fallback"

    flex: bool = True
    custom: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp):
                continue
            for inner in list(fn.body.walk()):
                if isinstance(inner, tf.ConstOp):
                    new: Operation | None = tfl.ConstOp(inner.value)
                    if NAME in inner.attributes:
                        new.attributes[NAME] = inner.attributes[NAME]
                elif isinstance(inner, tf.GenericOp) and inner.op_type == "Const":
                    new = string_const(inner)
                    if new is None:
                        new = fallback_op(inner, self.flex, self.custom)
                elif is_tf_op(inner):
                    new = fallback_op(inner, self.flex, self.custom)
                else:
                    continue
                if new is not None:
                    Rewriter.replace_op(inner, new)
