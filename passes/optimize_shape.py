"""optimize rules: shape chains, BatchMatMul -> FULLY_CONNECTED, identities and constant folding.

- reshape(reshape(x)) -> reshape(x); reshape to the input's own shape -> x; squeeze / expand_dims -> reshape.
- transpose(transpose(x, p), q) -> transpose(x, p[q]) (or x when the composition is the identity);
  a transpose that only moves size-1 dims -> reshape.
- batch_matmul(x, constant 2-D rhs) -> fully_connected(x, rhs^T, keep_num_dims=true);
  reshape(fully_connected(x)) back to x's leading dims -> fully_connected(keep_num_dims=true);
  fully_connected(reshape(x) flattening leading dims) -> fully_connected(x).
- identities: x + 0, x - 0, x * 1, x / 1 (no broadcast, no activation), cast to the same type, single-input concat,
  zero pad, full slice.
- constant folding of tfl ops whose operands are all constant (numpy; result size bounded).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tfl
from dialects.elements import numpy_dtype
from passes.fold_constants import tf_rsqrt
from passes.optimize_common import (
    activation,
    const_and_other,
    forward,
    i32_const,
    owner,
    rebuild,
    replace_root,
)
from passes.patterns import axis_set, const_value, dims_of, is_f32, rule, shape_of, single_use, tfl_const

# ---- reshape / squeeze / expand_dims ----------------------------------------------------------------------------


def _one_dynamic(value: SSAValue) -> tuple[int, ...] | None:
    """dims with at most one dynamic dim (-1), else None: a reshape to them is determined by the element count."""
    dims = dims_of(value)
    return dims if dims is not None and sum(d < 0 for d in dims) <= 1 else None


def _reshape(x, out_type) -> list[Operation]:  # noqa: ANN001
    shape = i32_const(out_type.get_shape())
    return [shape, tfl.ReshapeOp.build([x, shape.output], [out_type])]


@rule(tfl.ReshapeOp)
def simplify_reshape(op: Operation, rewriter: PatternRewriter) -> None:
    """reshape to the input's shape -> input; reshape(reshape(x)) -> reshape(x)."""
    x, out = op.operands[0], op.results[0]
    out_shape = _one_dynamic(out)
    if out_shape is None:
        return
    if x.type == out.type:
        forward(rewriter, op, x, dead=[op.operands[1].owner])  # type: ignore[list-item]
        return
    inner = owner(x, tfl.ReshapeOp, tfl.SqueezeOp, tfl.ExpandDimsOp)
    if inner is not None:
        src = inner.operands[0]
        if src.type == out.type:
            forward(rewriter, op, src, dead=[inner])
        else:
            replace_root(rewriter, op, _reshape(src, out.type), dead=[inner])


@rule(tfl.SqueezeOp, tfl.ExpandDimsOp)
def squeeze_to_reshape(op: Operation, rewriter: PatternRewriter) -> None:
    """squeeze / expand_dims with a static result -> reshape."""
    if shape_of(op.results[0]) is None:
        return
    replace_root(rewriter, op, _reshape(op.operands[0], op.results[0].type))


# ---- transpose --------------------------------------------------------------------------------------------------


@rule(tfl.TransposeOp)
def simplify_transpose(op: Operation, rewriter: PatternRewriter) -> None:
    """Identity perm -> x; transpose of transpose -> one transpose; moving only size-1 dims -> reshape."""
    perm = const_value(op.operands[1])
    x = op.operands[0]
    if perm is None:
        return
    perm = [int(p) for p in perm.reshape(-1)]
    if perm == list(range(len(perm))):
        forward(rewriter, op, x, dead=[op.operands[1].owner])  # type: ignore[list-item]
        return
    inner = owner(x, tfl.TransposeOp)
    if inner is not None:
        p1 = const_value(inner.operands[1])
        if p1 is not None:
            combined = [int(p1.reshape(-1)[q]) for q in perm]
            src = inner.operands[0]
            if combined == list(range(len(combined))):
                forward(rewriter, op, src, dead=[inner])
            else:
                pc = i32_const(combined)
                replace_root(
                    rewriter,
                    op,
                    [pc, tfl.TransposeOp.build([src, pc.output], [op.results[0].type])],
                    dead=[inner],
                )
            return
    in_shape = shape_of(x)
    if in_shape is not None and shape_of(op.results[0]) is not None:
        moved = [p for p in perm if in_shape[p] != 1]
        if moved == sorted(moved):
            replace_root(rewriter, op, _reshape(x, op.results[0].type))


# ---- matmul -> fully_connected ----------------------------------------------------------------------------------


@rule(tfl.BatchMatMulOp)
def batch_matmul_to_fc(op: Operation, rewriter: PatternRewriter) -> None:
    """batch_matmul(x, W) with W a constant [K, N] (or [1.., K, N]) -> fully_connected(x, W^T, keep_num_dims)."""
    if op.adj_x.value.data or not is_f32(op.results[0]):  # type: ignore[attr-defined]
        return
    w = const_value(op.operands[1])
    xs, ys = shape_of(op.operands[0]), shape_of(op.results[0])
    if w is None or xs is None or ys is None or w.ndim < 2 or any(d != 1 for d in w.shape[:-2]):
        return
    w2 = w.reshape(w.shape[-2:])
    weights = w2 if op.adj_y.value.data else np.ascontiguousarray(w2.T)  # type: ignore[attr-defined]
    if len(xs) < 2 or tuple(ys) != tuple(xs[:-1]) + (weights.shape[0],) or weights.shape[1] != xs[-1]:
        return
    wc, none = tfl_const(weights), tfl.NoValueOp()
    fc = tfl.FullyConnectedOp.build(
        [op.operands[0], wc.output, none.none], [op.results[0].type], keep_num_dims=True
    )
    replace_root(rewriter, op, [wc, none, fc])


@rule(tfl.ReshapeOp)
def reshape_after_fc(op: Operation, rewriter: PatternRewriter) -> None:
    """reshape(fully_connected(x) [prod, N]) to x.shape[:-1] + [N] -> fully_connected(x, keep_num_dims=true)."""
    y = op.operands[0]
    fc = owner(y, tfl.FullyConnectedOp)
    if fc is None or not single_use(y) or fc.keep_num_dims.value.data:
        return
    # A dynamic dim matches when it is the single -1 of both (the reshape infers it from the same element count), or
    # when the target is computed as x's own leading dims + [N] (Keras' Dense on a tensor with dynamic dims).
    xs, out, ys = dims_of(fc.operands[0]), dims_of(op.results[0]), dims_of(y)
    if xs is None or out is None or ys is None or len(xs) < 2 or ys[-1] < 0:
        return
    if len(out) != len(xs) or out[-1] != ys[-1]:
        return
    if sum(d < 0 for d in out) > 1 or out != tuple(xs[:-1]) + (ys[-1],):
        if not _leading_dims_of(op.operands[1], fc.operands[0], ys[-1]):
            return
    new = rebuild(fc, result_types=[op.results[0].type], keep_num_dims=True)
    replace_root(rewriter, op, [new], dead=[fc])


def _leading_dims_of(shape: SSAValue, x: SSAValue, n: int) -> bool:
    """Whether `shape` is computed as concat(gather(shape(x), [0 .. rank-2]), [n]): x's leading dims, then n."""
    concat = owner(shape, tfl.ConcatenationOp)
    if concat is None or len(concat.operands) != 2:
        return False
    gather, last = owner(concat.operands[0], tfl.GatherOp), const_value(concat.operands[1])
    if gather is None or last is None or last.reshape(-1).tolist() != [n]:
        return False
    sh, idx = owner(gather.operands[0], tfl.ShapeOp), const_value(gather.operands[1])
    rank = len(dims_of(x) or ())
    return (
        sh is not None
        and sh.operands[0] is x
        and idx is not None
        and idx.reshape(-1).tolist() == list(range(rank - 1))
    )


@rule(tfl.FullyConnectedOp)
def fc_drop_input_reshape(op: Operation, rewriter: PatternRewriter) -> None:
    """fully_connected(reshape(x) to [prod(lead), K]) -> fully_connected(x): the kernel flattens leading dims."""
    if op.keep_num_dims.value.data:  # type: ignore[attr-defined]
        return
    r = owner(op.operands[0], tfl.ReshapeOp)
    if r is None:
        return
    xs, rs = (
        dims_of(r.operands[0]),
        dims_of(op.operands[0]),
    )  # leading dims may be dynamic: the kernel flattens
    if xs is None or rs is None or len(rs) != 2 or not xs or xs[-1] != rs[1] or rs[1] < 0:
        return
    new = rebuild(op, [r.operands[0], *op.operands[1:]])
    replace_root(rewriter, op, [new], dead=[r])


# ---- identities -------------------------------------------------------------------------------------------------

_NEUTRAL = {tfl.AddOp: 0.0, tfl.SubOp: 0.0, tfl.MulOp: 1.0, tfl.DivOp: 1.0}


@rule(*_NEUTRAL)
def drop_neutral_binary(op: Operation, rewriter: PatternRewriter) -> None:
    """x + 0, x - 0, x * 1, x / 1 -> x (same type as the result, no activation)."""
    m = const_and_other(op)
    if m is None or activation(op) != "NONE":
        return
    c, x, c_is_rhs = m
    if not c_is_rhs and isinstance(op, tfl.SubOp | tfl.DivOp):
        return
    if x.type == op.results[0].type and c.size > 0 and np.all(c == _NEUTRAL[type(op)]):
        forward(rewriter, op, x)


@rule(tfl.CastOp)
def drop_identity_cast(op: Operation, rewriter: PatternRewriter) -> None:
    if op.operands[0].type == op.results[0].type:
        forward(rewriter, op, op.operands[0])


@rule(tfl.ConcatenationOp)
def drop_single_concat(op: Operation, rewriter: PatternRewriter) -> None:
    if len(op.operands) == 1 and activation(op) == "NONE" and op.operands[0].type == op.results[0].type:
        forward(rewriter, op, op.operands[0])


@rule(tfl.PadOp, tfl.PadV2Op)
def drop_zero_pad(op: Operation, rewriter: PatternRewriter) -> None:
    p = const_value(op.operands[1])
    if p is not None and not np.any(p) and op.operands[0].type == op.results[0].type:
        forward(rewriter, op, op.operands[0])


@rule(tfl.SliceOp, tfl.StridedSliceOp)
def drop_full_slice(op: Operation, rewriter: PatternRewriter) -> None:
    """A slice whose result has the input's static shape (and starts at 0 with stride 1) -> input."""
    if op.operands[0].type != op.results[0].type or shape_of(op.results[0]) is None:
        return
    begin = const_value(op.operands[1])
    if begin is None or np.any(begin != 0):
        return
    if isinstance(op, tfl.StridedSliceOp):
        strides = const_value(op.operands[3])
        if (
            strides is None
            or np.any(strides != 1)
            or op.shrink_axis_mask.value.data
            or op.new_axis_mask.value.data
            or op.ellipsis_mask.value.data
        ):  # type: ignore[attr-defined]
            return
    forward(rewriter, op, op.operands[0])


# ---- constant folding -------------------------------------------------------------------------------------------

FOLD_LIMIT = 1 << 16  # elements a folded result may have beyond its largest input


def _act(y: np.ndarray, op: Operation) -> np.ndarray:
    a = activation(op)
    if a == "RELU":
        return np.maximum(y, 0)
    if a == "RELU6":
        return np.clip(y, 0, 6)
    if a == "RELU_N1_TO_1":
        return np.clip(y, -1, 1)
    if a == "TANH":
        return np.tanh(y)
    return y


def _reduce(fn: Callable[..., np.ndarray]) -> Callable[[Operation, list[np.ndarray]], np.ndarray]:
    def f(op: Operation, a: list[np.ndarray]) -> np.ndarray:
        return fn(a[0], axis=axis_set(a[1], a[0].ndim), keepdims=bool(op.keep_dims.value.data))  # type: ignore

    return f


def _float_only(fn: Callable[..., np.ndarray]) -> Callable[[Operation, list[np.ndarray]], np.ndarray | None]:
    def f(op: Operation, a: list[np.ndarray]) -> np.ndarray | None:
        return _act(fn(*a), op) if all(x.dtype.kind == "f" for x in a) else None

    return f


def _int_div(op: Operation, a: list[np.ndarray]) -> np.ndarray | None:
    if a[0].dtype.kind == "f":
        return _act(a[0] / a[1], op)
    return None  # integer DIV semantics (truncation, zero) are left to the kernel


def _strided(op: Operation, a: list[np.ndarray]) -> np.ndarray | None:
    x, begin, end, strides = a
    if op.ellipsis_mask.value.data or op.new_axis_mask.value.data or op.offset.value.data:  # type: ignore
        return None
    idx = []
    bm, em, sm = (
        op.begin_mask.value.data,
        op.end_mask.value.data,  # type: ignore[attr-defined]
        op.shrink_axis_mask.value.data,
    )  # type: ignore[attr-defined]
    for i in range(x.ndim):
        if i >= begin.size:
            idx.append(slice(None))
            continue
        b, e, s = int(begin[i]), int(end[i]), int(strides[i])
        if sm >> i & 1:
            idx.append(b)
            continue
        idx.append(slice(None if bm >> i & 1 else b, None if em >> i & 1 else e, s))
    return x[tuple(idx)]


def _slice(op: Operation, a: list[np.ndarray]) -> np.ndarray:
    x, begin, size = a
    idx = tuple(
        slice(int(b), None if int(s) < 0 else int(b) + int(s)) for b, s in zip(begin, size, strict=True)
    )
    return x[idx]


FOLDERS: dict[type[Operation], Callable[[Operation, list[np.ndarray]], np.ndarray | None]] = {
    tfl.AddOp: lambda op, a: _act(a[0] + a[1], op),
    tfl.SubOp: lambda op, a: _act(a[0] - a[1], op),
    tfl.MulOp: lambda op, a: _act(a[0] * a[1], op),
    tfl.DivOp: _int_div,
    tfl.MaximumOp: lambda op, a: np.maximum(a[0], a[1]),
    tfl.MinimumOp: lambda op, a: np.minimum(a[0], a[1]),
    tfl.SquaredDifferenceOp: lambda op, a: np.square(a[0] - a[1]),
    tfl.FloorDivOp: lambda op, a: np.floor_divide(a[0], a[1]),
    tfl.FloorModOp: lambda op, a: np.mod(a[0], a[1]),
    tfl.PowOp: _float_only(np.power),
    tfl.NegOp: lambda op, a: -a[0],
    tfl.AbsOp: lambda op, a: np.abs(a[0]),
    tfl.SquareOp: lambda op, a: np.square(a[0]),
    tfl.SqrtOp: _float_only(np.sqrt),
    tfl.RsqrtOp: _float_only(tf_rsqrt),
    tfl.ExpOp: _float_only(np.exp),
    tfl.LogOp: _float_only(np.log),
    tfl.ReluOp: lambda op, a: np.maximum(a[0], 0),
    tfl.Relu6Op: lambda op, a: np.clip(a[0], 0, 6),
    tfl.Relu1Op: lambda op, a: np.clip(a[0], -1, 1),
    tfl.ReshapeOp: lambda op, a: a[0].reshape(shape_of(op.results[0])),
    tfl.SqueezeOp: lambda op, a: a[0].reshape(shape_of(op.results[0])),
    tfl.ExpandDimsOp: lambda op, a: a[0].reshape(shape_of(op.results[0])),
    tfl.TransposeOp: lambda op, a: np.transpose(a[0], [int(p) for p in a[1].reshape(-1)]),
    tfl.ConcatenationOp: lambda op, a: _act(np.concatenate(a, axis=op.axis.value.data), op),  # type: ignore
    tfl.PackOp: lambda op, a: np.stack(a, axis=op.axis.value.data),  # type: ignore[attr-defined]
    tfl.CastOp: lambda op, a: a[0],
    tfl.SumOp: _reduce(np.sum),
    tfl.MeanOp: _reduce(np.mean),
    tfl.ReduceMaxOp: _reduce(np.max),
    tfl.ReduceMinOp: _reduce(np.min),
    tfl.ReduceProdOp: _reduce(np.prod),
    tfl.SliceOp: _slice,
    tfl.StridedSliceOp: _strided,
    tfl.GatherOp: lambda op, a: (
        np.take(a[0], a[1], axis=op.axis.value.data)  # type: ignore[attr-defined]
        if not op.batch_dims.value.data
        else None
    ),  # type: ignore[attr-defined]
    tfl.TileOp: lambda op, a: np.tile(a[0], [int(m) for m in a[1].reshape(-1)]),
    tfl.BroadcastToOp: lambda op, a: np.broadcast_to(a[0], [int(d) for d in a[1].reshape(-1)]),
    tfl.FillOp: lambda op, a: np.full([int(d) for d in a[0].reshape(-1)], a[1].reshape(())),
    tfl.RangeOp: lambda op, a: np.arange(a[0].reshape(()), a[1].reshape(()), a[2].reshape(())),
    tfl.GreaterOp: lambda op, a: a[0] > a[1],
    tfl.GreaterEqualOp: lambda op, a: a[0] >= a[1],
    tfl.LessOp: lambda op, a: a[0] < a[1],
    tfl.LessEqualOp: lambda op, a: a[0] <= a[1],
    tfl.EqualOp: lambda op, a: a[0] == a[1],
    tfl.NotEqualOp: lambda op, a: a[0] != a[1],
    tfl.LogicalAndOp: lambda op, a: np.logical_and(a[0], a[1]),
    tfl.LogicalOrOp: lambda op, a: np.logical_or(a[0], a[1]),
    tfl.LogicalNotOp: lambda op, a: np.logical_not(a[0]),
    tfl.SelectV2Op: lambda op, a: np.where(a[0], a[1], a[2]),
}


def fold_constant_op(op: Operation, rewriter: PatternRewriter) -> None:
    """An op whose operands are all constants -> a constant (numpy, in the result's dtype)."""
    if len(op.results) != 1 or not op.operands:
        return
    args = []
    for v in op.operands:  # first: nearly every op has an operand that is not a constant
        a = const_value(v)
        if a is None:
            return
        args.append(a)
    ty = op.results[0].type
    out_shape = shape_of(op.results[0])
    if not isinstance(ty, TensorType) or out_shape is None:
        return
    if int(np.prod(out_shape)) > max(max(a.size for a in args), FOLD_LIMIT):  # type: ignore[arg-type]
        return
    try:
        with np.errstate(all="ignore"):
            y = FOLDERS[type(op)](op, args)
        if y is None:
            return
        y = np.asarray(y).astype(numpy_dtype(ty.element_type), copy=False)
    except (ValueError, TypeError, IndexError):
        return
    if y.shape != tuple(out_shape):  # type: ignore[arg-type]
        return
    replace_root(
        rewriter,
        op,
        [tfl_const(np.ascontiguousarray(y))],
        dead=[v.owner for v in op.operands if isinstance(v.owner, Operation)],
    )


@rule(tfl.ShapeOp)
def fold_shape(op: Operation, rewriter: PatternRewriter) -> None:
    """shape(x) with x static -> constant."""
    s = shape_of(op.operands[0])
    if s is None:
        return
    ty = op.results[0].type
    replace_root(rewriter, op, [tfl_const(np.asarray(s, numpy_dtype(ty.element_type)))])  # type: ignore


rule(*FOLDERS)(fold_constant_op)


# ---- reduce + reshape -> keep_dims --------------------------------------------------------------------------------


@rule(tfl.ReshapeOp)
def reduce_keep_dims(op: Operation, rewriter: PatternRewriter) -> None:
    """reshape(mean(x, axes, keep_dims=false)) to the keep_dims shape -> mean(x, axes, keep_dims=true)."""
    y = op.operands[0]
    red = owner(y, tfl.MeanOp, tfl.SumOp, tfl.ReduceMaxOp, tfl.ReduceMinOp, tfl.ReduceProdOp)
    if red is None or not single_use(y) or red.keep_dims.value.data:
        return
    # one dynamic dim (a dynamic batch) is fine: the reshape infers it from the element count, which keeps it
    xs, axes, out = dims_of(red.operands[0]), const_value(red.operands[1]), _one_dynamic(op.results[0])
    if xs is None or axes is None or out is None:
        return
    reduced = set(axis_set(axes, len(xs)))
    kept = tuple(1 if i in reduced else d for i, d in enumerate(xs))
    if kept != out:
        return
    new = rebuild(red, result_types=[op.results[0].type], keep_dims=True)
    replace_root(rewriter, op, [new], dead=[red])


RULES = [
    simplify_reshape,
    squeeze_to_reshape,
    simplify_transpose,
    batch_matmul_to_fc,
    reshape_after_fc,
    fc_drop_input_reshape,
    drop_neutral_binary,
    drop_identity_cast,
    drop_single_concat,
    drop_zero_pad,
    drop_full_slice,
    fold_shape,
    fold_constant_op,
    reduce_keep_dims,
]
