"""legalize-tf rules: matrix products (MatMul, BatchMatMul*, Einsum).

    tf.MatMul(a, b)                  -> tfl.fully_connected(a, b^T) if b is constant, else tfl.batch_matmul
    tf.BatchMatMul/V2/V3(x, y)       -> tfl.fully_connected(x, y^T) {keep_num_dims} if y is a constant 2-D matrix
                                        and x is not adjoint, else tfl.batch_matmul {adj_x, adj_y}
    tf.Einsum(a, b) "<a>,<b>-><out>" -> transpose/reshape + batch_matmul (or fully_connected) + reshape/transpose
    tf.Einsum(a) "<a>-><out>"         -> tfl.sum over dropped indices + tfl.transpose

Einsum lowering (two operands, no index repeated within one operand, `...` allowed): every index is a batch index
(in both operands and the output; size 1 in one operand broadcasts), a contracted index (in both operands, not the output), a free index of one
operand (in it and the output), or a summed index (in one operand only: reduced with tfl.sum first). The operands
are transposed to [batch.., M.., K..] / [batch.., K.., N..] (or the adjoint layout when that needs no transpose),
reshaped to [B.., M, K] x [B.., K, N], multiplied, reshaped to [batch.., M.., N..] and transposed to the output
order. With a constant RHS and no batch indices it is one FULLY_CONNECTED with keep_num_dims over the LHS's free
dims instead (the Keras EinsumDense/Dense case: "abc,cd->abd").
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import TensorType, i32
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.shape import reshape, tensor_of, transpose
from passes.patterns import bool_attr, const_value, dims_of, replace_with, rule, shape_of, str_attr, tfl_const


def _fully_connected(x: SSAValue, weights: np.ndarray, out_type: TensorType) -> list[Operation]:
    """tfl.fully_connected(x, weights[N, K], no bias), keep_num_dims when x has rank > 2."""
    wc = tfl_const(np.ascontiguousarray(weights))
    none = tfl.NoValueOp()
    keep = len(out_type.get_shape()) > 2
    fc = tfl.FullyConnectedOp.build([x, wc.output, none.none], [out_type], keep_num_dims=keep)
    return [wc, none, fc]


@rule(tf.MatMulOp)
def legalize_matmul(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MatMul(a, b) -> tfl.fully_connected(a, b^T) when b is constant, else tfl.batch_matmul."""
    a, b = op.operands
    ta, tb = bool_attr(op, "transpose_a"), bool_attr(op, "transpose_b")
    w = const_value(b)
    if w is not None and not ta and w.ndim == 2:
        weights = w if tb else w.T  # FULLY_CONNECTED wants [out, in]
        replace_with(rewriter, op, _fully_connected(a, weights, op.results[0].type))
        return
    if dims_of(a) is None or dims_of(b) is None:  # BATCH_MATMUL takes dynamic dims (its prepare resizes)
        return
    bmm = tfl.BatchMatMulOp.build([a, b], [op.results[0].type], adj_x=ta, adj_y=tb)
    replace_with(rewriter, op, [bmm])


@rule(tf.BatchMatMulOp, tf.BatchMatMulV2Op, tf.BatchMatMulV3Op)
def legalize_batch_matmul(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BatchMatMul* -> tfl.fully_connected (constant 2-D RHS) or tfl.batch_matmul {adj_x, adj_y}."""
    x, y = op.operands
    adj_x, adj_y = bool_attr(op, "adj_x"), bool_attr(op, "adj_y")
    out_ty = op.results[0].type
    if (
        not isinstance(out_ty, TensorType)
        or x.type.element_type != out_ty.element_type
        or y.type.element_type != out_ty.element_type
    ):
        return  # BatchMatMulV3 with mixed types (e.g. int8 x int8 -> int32): no float builtin
    x_shape = dims_of(x)  # leading dims may be dynamic: FULLY_CONNECTED and BATCH_MATMUL resize at run time
    w = const_value(y)
    if w is not None and 2 < w.ndim <= len(x_shape or ()) and all(d == 1 for d in w.shape[:-2]):
        w = w.reshape(w.shape[-2:])  # a constant with unit batch dims broadcasts like a matrix
    if (
        w is not None
        and w.ndim == 2
        and not adj_x
        and x_shape is not None
        and len(x_shape) >= 2
        and x_shape[-1] >= 0
        and w.dtype.kind == "f"
    ):
        replace_with(rewriter, op, _fully_connected(x, w if adj_y else w.T, out_ty))
        return
    if x_shape is None or dims_of(y) is None:
        return
    replace_with(rewriter, op, [tfl.BatchMatMulOp.build([x, y], [out_ty], adj_x=adj_x, adj_y=adj_y)])


# ---- Einsum -----------------------------------------------------------------------------------------------------


def parse_einsum(equation: str, ranks: Sequence[int]) -> tuple[list[str], str] | None:
    """Split "ab,bc->ac" into operand index strings and the output, expanding `...` to fresh letters."""
    eq = equation.replace(" ", "")
    if "->" not in eq:
        return None
    lhs, out = eq.split("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ranks):
        return None
    used = set(eq) - {".", ",", "-", ">"}
    fresh = [c for c in string.ascii_letters if c not in used]
    ell_ranks = []
    for spec, rank in zip(inputs, ranks, strict=True):
        if "..." in spec:
            ell_ranks.append(rank - len(spec.replace("...", "")))
        elif len(spec) != rank:
            return None
    n_ell = max(ell_ranks, default=0)
    if n_ell < 0 or n_ell > len(fresh):
        return None
    ell = "".join(fresh[:n_ell])
    expanded = []
    for spec, rank in zip(inputs, ranks, strict=True):
        if "..." in spec:
            k = rank - len(spec.replace("...", ""))
            spec = spec.replace("...", ell[n_ell - k :] if k else "")
        expanded.append(spec)
    out = out.replace("...", ell)
    if any(len(set(s)) != len(s) for s in (*expanded, out)) or not set(out) <= set("".join(expanded)):
        return None
    return expanded, out


def _prod(dims: Sequence[int]) -> int:
    """Product of sizes; -1 (dynamic) when one of them is."""
    if any(d < 0 for d in dims):
        return -1
    return int(np.prod(dims, dtype=np.int64)) if dims else 1


def _prefer_adjoint(perm: list[int], adj_perm: list[int]) -> bool:
    """Whether to feed BATCH_MATMUL the adjoint layout: when it needs no transpose and the plain one does, or
    when both need one and only the adjoint's keeps the innermost axis in place (a cheaper, row-copying
    transpose)."""

    def identity(p: list[int]) -> bool:
        return p == list(range(len(p)))

    if identity(perm):
        return False
    if identity(adj_perm):
        return True
    last = len(perm) - 1
    return perm[-1] != last and adj_perm[-1] == last


def _reshape_groups(
    value: SSAValue, groups: list[str], size: dict[str, int], where: dict[str, tuple[SSAValue, int]]
) -> tuple[list[Operation], SSAValue] | None:
    """Reshape `value` to one dim per group of einsum indices (the product of their sizes). With more than one
    dynamic dim the target is built at run time: a group that is one dynamic index reads it from the operand holding
    it (SHAPE + GATHER), one group with a dynamic index among others is left to RESHAPE's -1 (None if more)."""
    dims = [_prod([size[c] for c in g]) for g in groups]
    if sum(d < 0 for d in dims) <= 1:
        return reshape(value, dims)
    if all(d >= 0 or where[g] == (value, i) for i, (g, d) in enumerate(zip(groups, dims, strict=True))):
        if len(dims) == len(value.type.get_shape()):  # type: ignore[attr-defined]
            return [], value  # already that shape: each dynamic dim is value's own, in place
    # Pieces of the target: runs of constants, runs of dims read from one operand's SHAPE.
    runs: list[tuple[SSAValue | None, list[int]]] = []
    inferred = False
    for g, d in zip(groups, dims, strict=True):
        if d < 0 and len(g) == 1:
            src, axis = where[g]
        elif d >= 0 or not inferred:
            inferred = inferred or d < 0
            src, axis = None, d
        else:
            return None
        if runs and runs[-1][0] is src:
            runs[-1][1].append(axis)
        else:
            runs.append((src, [axis]))
    ops: list[Operation] = []
    pieces: list[SSAValue] = []
    shapes: dict[int, SSAValue] = {}
    for src, items in runs:
        c = tfl_const(np.asarray(items, np.int32))
        ops.append(c)
        if src is None:
            pieces.append(c.output)
            continue
        if id(src) not in shapes:
            rank = len(src.type.get_shape())  # type: ignore[attr-defined]
            sh = tfl.ShapeOp.build([src], [TensorType(i32, [rank])], out_type="INT32")
            ops.append(sh)
            shapes[id(src)] = sh.results[0]
        gather = tfl.GatherOp.build(
            [shapes[id(src)], c.output], [TensorType(i32, [len(items)])], axis=0, batch_dims=0
        )
        ops.append(gather)
        pieces.append(gather.results[0])
    target = pieces[0]
    if len(pieces) > 1:
        concat = tfl.ConcatenationOp.build(pieces, [TensorType(i32, [len(groups)])], axis=0)
        ops.append(concat)
        target = concat.results[0]
    r = tfl.ReshapeOp.build([value, target], [tensor_of(value, dims)])
    ops.append(r)
    return ops, r.results[0]


def lower_einsum(a: SSAValue, b: SSAValue, equation: str, out_type: TensorType) -> list[Operation] | None:
    """TFLite ops computing the two-operand einsum, or None if the equation is not supported."""
    sa, sb, so = dims_of(a), dims_of(b), tuple(d if d >= 0 else -1 for d in out_type.get_shape())
    if sa is None or sb is None:
        return None
    parsed = parse_einsum(equation, [len(sa), len(sb)])
    if parsed is None:
        return None
    (ia, ib), io = parsed
    if const_value(a) is not None and const_value(b) is None:
        a, b, ia, ib, sa, sb = b, a, ib, ia, sb, sa  # constant on the right, where FULLY_CONNECTED wants it
    size_a, size_b = dict(zip(ia, sa, strict=True)), dict(zip(ib, sb, strict=True))
    size = {**size_a, **size_b}
    broadcast = False
    where = {c: (b, i) for i, c in enumerate(ib)} | {
        c: (a, i) for i, c in enumerate(ia)
    }  # dims read at run time
    for c in set(ia) & set(ib):
        if size_a[c] != size_b[c] and min(size_a[c], size_b[c]) < 0:
            return None  # a dynamic index against a static one: broadcasting unknown until run time
        if size_a[c] != size_b[c]:
            if c not in io or 1 not in (size_a[c], size_b[c]):
                return None  # only a batch index may broadcast, and only from size 1
            size[c] = max(size_a[c], size_b[c])
            broadcast = True
    ops: list[Operation] = []

    # Indices in one operand only and not in the output are summed away first.
    def reduce_lonely(v: SSAValue, idx: str, other: str) -> tuple[SSAValue, str]:
        lonely = [i for i, c in enumerate(idx) if c not in other and c not in io]
        if not lonely:
            return v, idx
        keep = "".join(c for c in idx if c in other or c in io)
        axes = tfl_const(np.asarray(lonely, np.int32))
        own = dict(zip(idx, dims_of(v), strict=True))
        s = tfl.SumOp.build([v, axes.output], [tensor_of(v, [own[c] for c in keep])], keep_dims=False)
        ops.extend([axes, s])
        return s.results[0], keep

    a, ia = reduce_lonely(a, ia, ib)
    b, ib = reduce_lonely(b, ib, ia)
    batch = [c for c in io if c in ia and c in ib]
    contract = [c for c in ia if c in ib and c not in io]
    free_a = [c for c in ia if c not in ib]
    free_b = [c for c in ib if c not in ia]
    if set(batch + free_a + free_b) != set(io):
        return None
    m, k, n = (
        _prod([size[c] for c in free_a]),
        _prod([size[c] for c in contract]),
        _prod([size[c] for c in free_b]),
    )
    w = const_value(b)
    mm_order = batch + free_a + free_b  # order of the matmul result's unflattened dims

    if w is not None and not batch and w.dtype.kind == "f" and free_a:
        # FULLY_CONNECTED over the LHS's free dims: weights [N, K] from the constant.
        wt = np.transpose(w, [ib.index(c) for c in free_b + contract]).reshape(n, k)
        t_ops, x = transpose(a, [ia.index(c) for c in free_a + contract])
        ops += t_ops
        lead = [size[c] for c in free_a]
        made = _reshape_groups(x, [*free_a, "".join(contract)], size, where)
        if made is None:
            return None
        r_ops, x = made
        ops += r_ops
        fc_ty = TensorType(out_type.element_type, lead + [n])
        if len(lead) == 1:  # rank-2 input: FULLY_CONNECTED without keep_num_dims gives [M, N]
            fc_ty = TensorType(out_type.element_type, [m, n])
        fc = _fully_connected(x, wt, fc_ty)
        ops += fc
        y = fc[-1].results[0]
    else:
        bsizes, bsizes_a, bsizes_b = ([sz[c] for c in batch] for sz in (size, size_a, size_b))
        bgroups = list(batch)
        if len(bsizes) > 3:  # BATCH_MATMUL handles rank <= 5: flatten the batch dims
            if broadcast:
                return None
            bsizes = bsizes_b = [_prod(bsizes)]
            bgroups = ["".join(batch)]
        mg, kg, ng = "".join(free_a), "".join(contract), "".join(free_b)
        # LHS: [batch, M, K] or adjoint [batch, K, M], whichever is already the layout (else [batch, M, K]).
        pa = [ia.index(c) for c in batch + free_a + contract]
        pa_adj = [ia.index(c) for c in batch + contract + free_a]
        adj_x = _prefer_adjoint(pa, pa_adj)
        t_ops, x = transpose(a, pa_adj if adj_x else pa)
        ops += t_ops
        made = _reshape_groups(x, bgroups + ([kg, mg] if adj_x else [mg, kg]), size_a, where)
        if made is None:
            return None
        r_ops, x = made
        ops += r_ops
        pb = [ib.index(c) for c in batch + contract + free_b]
        pb_adj = [ib.index(c) for c in batch + free_b + contract]
        adj_y = _prefer_adjoint(pb, pb_adj)
        if w is not None:
            # Constant RHS: lay the weights out in numpy instead of emitting ops.
            wb = np.ascontiguousarray(np.transpose(w, pb).reshape(bsizes_b + [k, n]))
            wc = tfl_const(wb)
            ops.append(wc)
            y_in = wc.output
            adj_y = False
        else:
            t_ops, y_in = transpose(b, pb_adj if adj_y else pb)
            ops += t_ops
            made = _reshape_groups(y_in, bgroups + ([ng, kg] if adj_y else [kg, ng]), size_b, where)
            if made is None:
                return None
            r_ops, y_in = made
            ops += r_ops
        bmm = tfl.BatchMatMulOp.build(
            [x, y_in], [TensorType(out_type.element_type, bsizes + [m, n])], adj_x=adj_x, adj_y=adj_y
        )
        ops.append(bmm)
        y = bmm.results[0]
    made = _reshape_groups(y, list(mm_order), size, where)
    if made is None:
        return None
    r_ops, y = made
    ops += r_ops
    t_ops, y = transpose(y, [mm_order.index(c) for c in io])
    ops += t_ops
    if dims_of(y) != so:
        return None
    if not ops:
        return None
    return ops


def shape_of_type(ty: object) -> tuple[int, ...] | None:
    if isinstance(ty, TensorType):
        shape = tuple(ty.get_shape())
        if all(d >= 0 for d in shape):
            return shape
    return None


def lower_unary_einsum(a: SSAValue, equation: str, out_type: TensorType) -> list[Operation] | None:
    """One-operand einsum without repeated indices: tfl.sum over the dropped indices, then a transpose."""
    sa, so = shape_of(a), shape_of_type(out_type)
    if sa is None or so is None:
        return None
    parsed = parse_einsum(equation, [len(sa)])
    if parsed is None:
        return None
    (ia,), io = parsed
    ops: list[Operation] = []
    dropped = [i for i, c in enumerate(ia) if c not in io]
    keep = "".join(c for c in ia if c in io)
    x = a
    if dropped:
        axes = tfl_const(np.asarray(dropped, np.int32))
        s = tfl.SumOp.build(
            [a, axes.output], [tensor_of(a, [sa[ia.index(c)] for c in keep])], keep_dims=False
        )
        ops += [axes, s]
        x = s.results[0]
    t_ops, x = transpose(x, [keep.index(c) for c in io])
    ops += t_ops
    if not ops or shape_of(x) != so:
        return None
    return ops


@rule(tf.EinsumOp)
def legalize_einsum(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Einsum -> transpose/reshape/batch_matmul (or fully_connected) chain; one operand: sum + transpose."""
    equation = str_attr(op, "equation")
    out_ty = op.results[0].type
    if equation is None or not isinstance(out_ty, TensorType) or len(op.operands) not in (1, 2):
        return
    if any(v.type.element_type != out_ty.element_type for v in op.operands):
        return
    if len(op.operands) == 1:
        new_ops = lower_unary_einsum(op.operands[0], equation, out_ty)
    else:
        new_ops = lower_einsum(op.operands[0], op.operands[1], equation, out_ty)
    if new_ops is None:
        return
    replace_with(rewriter, op, new_ops)


RULES = [legalize_matmul, legalize_batch_matmul, legalize_einsum]
