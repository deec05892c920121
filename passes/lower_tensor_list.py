"""lower-tensor-list: TensorList ops (what tf.TensorArray and Keras RNN loops trace to) -> plain tensors.

A list of `n` elements of shape `e` becomes one tensor of shape [n, *e], as TF's converter lowers static tensor
lists (tensorflow/compiler/mlir/lite/transforms/lower_static_tensor_list.cc):

    TensorListReserve(e, n)        -> Fill([n, *e], 0)
    TensorListFromTensor(t, e)     -> t
    TensorListSetItem(l, i, x)     -> SelectV2(Equal(iota[n, 1, ...], i), Reshape(x, [1, *e]), l)
    TensorListGetItem(l, i, e)     -> GatherV2(l, i, axis 0)
    TensorListStack(l, e)          -> l
    TensorListLength(l)            -> n
    TensorListElementShape(l)      -> e

Lists flow through tf.WhileRegion / tf.IfRegion (operands, region arguments, yields, results), so list values are
grouped across regions first and each group gets one static type. The element shape comes from wherever it is
known: Reserve's element_shape, an item written, an item read, the stacked result (TensorListReserve with
element_shape -1, which TF's converter refuses, is how Keras traces RNN outputs). A group whose length or
element shape stays unknown is left alone (its ops then fail legalization, naming them).

A list of a run-time length or element dims (a Keras RNN loop over a dynamic sequence length or batch, converted
with dynamic dims) becomes a tensor of shape [n, *e] with -1 where dynamic:

    TensorListReserve(e, n)        -> Fill(Concat([n], Shape(s0)), 0), s0 the initial value of the loop state
                                      written into the list each step (the same shape: it is carried unchanged)
    TensorListSetItem(l, i, x)     -> XlaDynamicUpdateSlice(l, ExpandDims(x, 0), [i, 0, ...])

(GetItem, FromTensor and Stack as above); a group needing Length or ElementShape, or a Reserve with no such state,
is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, TensorType, i1, i64
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from dialects import tf
from dialects.elements import DenseElementsAttr, numpy_dtype
from dialects.names import NAME
from passes.patterns import const_value

LIST_OPS = {
    "TensorListReserve",
    "TensorListFromTensor",
    "TensorListSetItem",
    "TensorListGetItem",
    "TensorListStack",
    "TensorListLength",
    "TensorListElementShape",
}


def _is_list(v: SSAValue) -> bool:
    elem = getattr(v.type, "element_type", None)
    return isinstance(elem, tf.OpaqueType) and elem.kind.data == "variant"


def _list_op(op: Operation) -> str | None:
    return op.op_type if isinstance(op, tf.GenericOp) and op.op_type in LIST_OPS else None


def _static(t: Attribute) -> tuple[int, ...] | None:
    if isinstance(t, TensorType) and all(d >= 0 for d in t.get_shape()):
        return tuple(t.get_shape())
    return None


def _ranked(t: Attribute) -> tuple[int, ...] | None:
    """A ranked tensor type's dims, -1 where dynamic (a list element of a run-time batch)."""
    return tuple(t.get_shape()) if isinstance(t, TensorType) and not _is_list_type(t) else None


def _is_list_type(t: Attribute) -> bool:
    elem = getattr(t, "element_type", None)
    return isinstance(elem, tf.OpaqueType) and elem.kind.data == "variant"


class _Groups:
    """Union-find over list values."""

    def __init__(self) -> None:
        self.parent: dict[SSAValue, SSAValue] = {}

    def find(self, v: SSAValue) -> SSAValue:
        self.parent.setdefault(v, v)
        while self.parent[v] is not v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def union(self, *values: SSAValue) -> None:
        lists = [v for v in values if _is_list(v)]
        for v in lists[1:]:
            self.parent[self.find(v)] = self.find(lists[0])
        if lists:
            self.find(lists[0])


@dataclass
class _Shape:
    n: int | None = None
    element: tuple[int, ...] | None = None
    dtype: Attribute | None = None
    conflict: bool = False
    # where only a run-time length / element dims are known (a dynamic sequence length or batch)
    dynamic_n: bool = False
    partial: tuple[int, ...] | None = None

    def set(self, field: str, value: object) -> None:
        old = getattr(self, field)
        if value is None:
            return
        if old is not None and old != value:
            self.conflict = True
        setattr(self, field, value)


def _group_lists(module: ModuleOp) -> _Groups:
    groups = _Groups()
    for op in module.walk():
        kind = _list_op(op)
        if kind == "TensorListSetItem":
            groups.union(op.operands[0], op.results[0])
        elif isinstance(op, tf.WhileRegionOp):
            cond, body = op.cond_region.block, op.body_region.block
            ret = body.last_op
            for k, v in enumerate(op.inputs):
                groups.union(v, op.results[k], cond.args[k], body.args[k], ret.operands[k])
        elif isinstance(op, tf.IfRegionOp):
            blocks = (op.then_region.block, op.else_region.block)
            for k, v in enumerate(op.inputs):
                groups.union(v, *(b.args[k] for b in blocks))
            for k, r in enumerate(op.results):
                groups.union(r, *(b.last_op.operands[k] for b in blocks))
        elif isinstance(op, tf.IdentityOp):
            groups.union(op.operands[0], op.results[0])
        for v in (*op.results, *(a for r in op.regions for b in r.blocks for a in b.args)):
            if _is_list(v):
                groups.find(v)
    return groups


def _anchor(op: Operation, kind: str) -> SSAValue:
    """The list value an op works on: the list it makes, or its list operand."""
    return op.results[0] if kind in ("TensorListReserve", "TensorListFromTensor") else op.operands[0]


def _known_shapes(module: ModuleOp, groups: _Groups) -> dict[SSAValue, _Shape]:
    shapes: dict[SSAValue, _Shape] = {}
    for op in module.walk():
        kind = _list_op(op)
        if kind is None:
            continue
        s = shapes.setdefault(groups.find(_anchor(op, kind)), _Shape())
        dtype = op.attributes.get("element_dtype")
        if isinstance(dtype, Attribute) and not isinstance(dtype, tf.OpaqueType):
            s.set("dtype", dtype)
        if kind == "TensorListReserve":
            n, e = const_value(op.operands[1]), const_value(op.operands[0])
            s.set("n", int(n) if n is not None and n.size == 1 else None)
            s.dynamic_n |= n is None
            if e is not None and e.ndim == 1 and (e >= 0).all():
                s.set("element", tuple(int(d) for d in e))
        elif kind == "TensorListFromTensor":
            t = _static(op.operands[0].type)
            if t:
                s.set("n", t[0])
                s.set("element", t[1:])
            elif (r := _ranked(op.operands[0].type)) and len(r) >= 1:
                s.set("n", r[0] if r[0] >= 0 else None)
                s.dynamic_n |= r[0] < 0
                s.partial = s.partial or r[1:]
        elif kind == "TensorListSetItem":
            s.set("element", _static(op.operands[2].type))
            s.partial = s.partial or _ranked(op.operands[2].type)
        elif kind == "TensorListGetItem":
            s.set("element", _static(op.results[0].type))
            s.partial = s.partial or _ranked(op.results[0].type)
        elif kind == "TensorListStack":
            t = _static(op.results[0].type)
            if t:
                s.set("n", t[0])
                s.set("element", t[1:])
    return shapes


def _const(rewriter_point: InsertPoint, array: np.ndarray, name: str) -> SSAValue:
    c = tf.ConstOp(DenseElementsAttr.from_array(array))
    c.attributes[NAME] = StringAttr(name)
    Rewriter.insert_op(c, rewriter_point)
    return c.output


def _lower(op: tf.GenericOp, kind: str, t: TensorType, s: _Shape) -> None:
    """Replace one list op by tensor ops on the list's tensor type `t` = [n, *e]."""
    at = InsertPoint.before(op)
    name = op.attributes[NAME].data if NAME in op.attributes else kind
    named = {NAME: StringAttr(name)}
    n, e = s.n, s.element
    assert n is not None and e is not None
    dtype = numpy_dtype(t.element_type)
    new: list[Operation] = []
    if kind == "TensorListReserve":
        dims = _const(at, np.array([n, *e], np.int32), f"{name}/shape")
        zero = _const(at, np.zeros([], dtype), f"{name}/zero")
        new = [tf.FillOp([dims, zero], [t], named)]
        out = new[-1].results[0]
    elif kind == "TensorListFromTensor":
        out = op.operands[0]
    elif kind == "TensorListStack":
        out = op.operands[0]
    elif kind == "TensorListGetItem":
        axis = _const(at, np.zeros([], np.int32), f"{name}/axis")
        result = op.results[0].type
        new = [
            tf.GatherV2Op([op.operands[0], op.operands[1], axis], [result], {**named, "batch_dims": _i64(0)})
        ]
        out = new[-1].results[0]
    elif kind == "TensorListSetItem":
        rank = len(e)
        iota = _const(at, np.arange(n, dtype=np.int32).reshape([n] + [1] * rank), f"{name}/indices")
        index = op.operands[1]
        mask_type = TensorType(i1, [n] + [1] * rank)
        eq = tf.EqualOp([iota, index], [mask_type], {NAME: StringAttr(f"{name}/mask")})
        shape = _const(at, np.array([1, *e], np.int32), f"{name}/item_shape")
        item = tf.ReshapeOp(
            [op.operands[2], shape], [TensorType(t.element_type, [1, *e])], {NAME: StringAttr(f"{name}/item")}
        )
        new = [eq, item, tf.SelectV2Op([eq.results[0], item.results[0], op.operands[0]], [t], named)]
        out = new[-1].results[0]
    elif kind == "TensorListLength":
        out = _const(at, np.array(n, np.int32), name)
    else:  # TensorListElementShape
        out = _const(at, np.array(e, np.int32), name)
    for o in new:
        Rewriter.insert_op(o, at)
    op.results[0].replace_all_uses_with(out)
    Rewriter.erase_op(op)


def _i64(v: int) -> Attribute:
    return IntegerAttr(v, i64)


def _source(v: SSAValue) -> SSAValue:
    while isinstance(v.owner, tf.IdentityOp):
        v = v.owner.operands[0]
    return v


def _element_donor(reserve: Operation) -> tuple[Operation, SSAValue] | None:
    """For a list reserved with run-time element dims: (the While it feeds, a value outside the loop with the
    element's dims). A loop writes its state into the list each step (Keras' RNN output h) and carries that state
    with a fixed shape, so the state's initial value has the element's shape."""
    uses = list(reserve.results[0].uses)
    if len(uses) != 1 or not isinstance(uses[0].operation, tf.WhileRegionOp):
        return None
    loop, k = uses[0].operation, uses[0].index
    ret = loop.body_region.block.last_op
    setitem = _source(ret.operands[k]).owner
    if _list_op(setitem) != "TensorListSetItem":
        return None
    item = _source(setitem.operands[2])
    for j, out in enumerate(ret.operands):
        if j != k and not _is_list(out) and _source(out) is item and loop.operands[j].type == item.type:
            return loop, loop.operands[j]
    return None


def _lower_dynamic(op: tf.GenericOp, kind: str, t: TensorType) -> None:
    """Replace one list op of a list with a run-time length or element dims by tensor ops on `t` = [n, *e] (-1
    where dynamic): Reserve fills zeros of the run-time shape, SetItem is a dynamic-update-slice at [i, 0, ...]."""
    name = op.attributes[NAME].data if NAME in op.attributes else kind
    rank = len(t.get_shape()) - 1
    new: list[Operation] = []
    if kind == "TensorListReserve":
        loop, donor = _element_donor(op)  # checked before lowering the group
        at = InsertPoint.before(loop)
        n = op.operands[1]
        one = _const(at, np.array([1], np.int32), f"{name}/one")
        length = tf.ReshapeOp(
            [n, one],
            [TensorType(n.type.element_type, [1])],
            {NAME: StringAttr(f"{name}/length"), "T": n.type.element_type, "Tshape": one.type.element_type},
        )
        element = tf.ShapeOp(
            [donor],
            [TensorType(n.type.element_type, [rank])],
            {
                NAME: StringAttr(f"{name}/element_shape"),
                "T": donor.type.element_type,
                "out_type": n.type.element_type,
            },
        )
        axis = _const(at, np.zeros([], np.int32), f"{name}/axis")
        dims = tf.ConcatV2Op(
            [length.results[0], element.results[0], axis],
            [TensorType(n.type.element_type, [rank + 1])],
            {
                NAME: StringAttr(f"{name}/shape"),
                "N": _i64(2),
                "T": n.type.element_type,
                "Tidx": axis.type.element_type,
            },
        )
        zero = _const(at, np.zeros([], numpy_dtype(t.element_type)), f"{name}/zero")
        fill = tf.FillOp(
            [dims.results[0], zero],
            [t],
            {NAME: StringAttr(name), "T": t.element_type, "index_type": n.type.element_type},
        )
        for o in (length, element, dims, fill):
            Rewriter.insert_op(o, at)
        out = fill.results[0]
    elif kind in ("TensorListFromTensor", "TensorListStack"):
        out = op.operands[0]
    elif kind == "TensorListGetItem":
        at = InsertPoint.before(op)
        axis = _const(at, np.zeros([], np.int32), f"{name}/axis")
        new = [
            tf.GatherV2Op(
                [op.operands[0], op.operands[1], axis],
                [op.results[0].type],
                {NAME: StringAttr(name), "batch_dims": _i64(0)},
            )
        ]
        out = new[-1].results[0]
    else:  # TensorListSetItem
        at = InsertPoint.before(op)
        item, index = op.operands[2], op.operands[1]
        zero = _const(at, np.zeros([], np.int32), f"{name}/zero")
        dim0 = _const(at, np.zeros([], np.int32), f"{name}/dim")
        update = tf.ExpandDimsOp(
            [item, dim0],
            [TensorType(t.element_type, [1, *item.type.get_shape()])],
            {NAME: StringAttr(f"{name}/item"), "T": t.element_type, "Tdim": dim0.type.element_type},
        )
        start = tf.PackOp(
            [index] + [zero] * rank,
            [TensorType(index.type.element_type, [rank + 1])],
            {
                NAME: StringAttr(f"{name}/start"),
                "N": _i64(rank + 1),
                "T": index.type.element_type,
                "axis": _i64(0),
            },
        )
        new = [
            update,
            start,
            tf.XlaDynamicUpdateSliceOp(
                [op.operands[0], update.results[0], start.results[0]],
                [t],
                {NAME: StringAttr(name), "T": t.element_type, "Tindices": index.type.element_type},
            ),
        ]
        out = new[-1].results[0]
    for o in new:
        Rewriter.insert_op(o, at)
    op.results[0].replace_all_uses_with(out)
    Rewriter.erase_op(op)


def _dynamic_type(s: _Shape, ops: list[Operation]) -> TensorType | None:
    """The tensor type of a list group known only with run-time dims, if every op of the group lowers so."""
    element = s.element if s.element is not None else s.partial
    if s.conflict or s.dtype is None or element is None or (s.n is None and not s.dynamic_n):
        return None
    if s.n is not None and s.element is not None:
        return None  # static: the lowering above
    for op in ops:
        kind = _list_op(op)
        if kind in ("TensorListLength", "TensorListElementShape"):
            return None
        if kind == "TensorListReserve" and s.element is None and _element_donor(op) is None:
            return None
    return TensorType(s.dtype, [s.n if s.n is not None else -1, *element])


def lower_tensor_lists(module: ModuleOp) -> int:
    """Lower every list whose length and element shape are static, or known at run time as above; returns the list
    ops replaced."""
    ops = [op for op in module.walk() if _list_op(op)]
    if not ops:
        return 0
    groups = _group_lists(module)
    shapes = _known_shapes(module, groups)
    types: dict[SSAValue, TensorType] = {}
    dynamic: set[SSAValue] = set()
    for root, s in shapes.items():
        if s.conflict or s.n is None or s.element is None or s.dtype is None:
            members = [op for op in ops if groups.find(_anchor(op, _list_op(op))) is root]
            t = _dynamic_type(s, members)
            if t is not None:
                types[root] = t
                dynamic.add(root)
            continue
        types[root] = TensorType(s.dtype, [s.n, *s.element])
    # Loop and branch values first (region arguments, While/If results), then the list ops themselves.
    for v in list(groups.parent):
        root = groups.find(v)
        if root in types and (
            isinstance(v, BlockArgument) or isinstance(v.owner, tf.WhileRegionOp | tf.IfRegionOp)
        ):
            Rewriter.replace_value_with_new_type(v, types[root])
    done = 0
    for op in ops:
        kind = _list_op(op)
        anchor = _anchor(op, kind)
        root = groups.find(anchor) if anchor in groups.parent else None
        if root in dynamic:
            _lower_dynamic(op, kind, types[root])
            done += 1
            continue
        if root is None or root not in types:
            # the operand was re-typed already: its group is known by its new type
            t = anchor.type if isinstance(anchor.type, TensorType) and not _is_list(anchor) else None
            if t is None:
                continue
            if any(d < 0 for d in t.get_shape()):
                _lower_dynamic(op, kind, t)
                done += 1
                continue
            s = _Shape(n=t.get_shape()[0], element=tuple(t.get_shape()[1:]), dtype=t.element_type)
        else:
            t, s = types[root], shapes[root]
        _lower(op, kind, t, s)
        done += 1
    return done


@dataclass(frozen=True)
class LowerTensorList(ModulePass):
    """Lower TensorList ops to plain tensors (through loops and branches): static lists as TF does, lists of a
    run-time length or batch with run-time shapes."""

    name = "lower-tensor-list"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        lower_tensor_lists(op)
