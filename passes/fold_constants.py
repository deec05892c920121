"""fold-constants: evaluate ops on constants in numpy, and shape arithmetic on static shapes.

One forward sweep per block (SSA order is topological, so whole chains fold in one pass):

- an op whose operands are all constants and that has an evaluator in `FOLDERS` (op class -> numpy function)
  becomes a constant of the same dialect (`tf.Const` for tf ops, `tfl.pseudo_const` for tfl ops);
- `tf.Shape`/`Size`/`Rank` (and `tfl.shape`, `ZerosLike`/`OnesLike`) of a value with a static shape become
  constants even when that value is not constant (`STATIC_FOLDERS`). A dynamic dim (`?`) is never folded;
- `StridedSlice`/`Slice`/`Gather` of the shape of a value with some dynamic dims fold when they select only
  static dims (`tf.shape(x)[1:]` of a `tensor<?x7x7x3xf32>` is `[7, 7, 3]`);
- an op whose results all have a static shape with no elements (`top_k(x, k=0)`, a slice of size 0) becomes empty
  constants whatever its operands, as TensorFlow's converter folds it;
- identical integer/bool constants are merged (digest CSE; `cse-all` merges float constants too).

Guards: the folded value must have the op's result element type and a shape compatible with the result type;
results larger than `max-elements` (16M) are never materialized, and a result that is both over 1 MiB and more
than twice the size of its constant operands (a broadcast/tile/fill blowing up a weight) is left to the runtime,
like TensorFlow's constant folder (tensorflow/compiler/mlir/tensorflow/transforms/constant_fold.cc).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dialects import tf, tfl
from dialects.elements import DenseElementsAttr
from dialects.names import NAME
from passes.patterns import bool_attr, const_value, dtype_of, int_attr, ints_attr, normalize_axis, shape_of

Arrays = Sequence[np.ndarray]
Folder = Callable[[Operation, Arrays], "np.ndarray | list[np.ndarray] | None"]

# op class -> evaluator over its constant operands (all operands must be constant).
FOLDERS: dict[type[Operation], Folder] = {}
# op class -> evaluator that needs no constant operands, only static shapes (gets the op, returns arrays or None).
STATIC_FOLDERS: dict[type[Operation], Callable[[Operation], np.ndarray | list[np.ndarray] | None]] = {}

MAX_ELEMENTS = 16 * 1024 * 1024
_BLOWUP_BYTES = 1 << 20  # results above this size must not be more than 2x their constant operands


def folds(*op_types: type[Operation]) -> Callable[[Folder], Folder]:
    def deco(fn: Folder) -> Folder:
        for t in op_types:
            FOLDERS[t] = fn
        return fn

    return deco


def folds_static(*op_types: type[Operation]):  # noqa: ANN201
    def deco(fn):  # noqa: ANN001, ANN202
        for t in op_types:
            STATIC_FOLDERS[t] = fn
        return fn

    return deco


# ---- helpers ----------------------------------------------------------------------------------------------------


def _opt(op: Operation, name: str, default=None):  # noqa: ANN001, ANN202
    """A tfl op's option value (Python), else `default`."""
    opts = getattr(type(op), "OPTIONS", None)
    if opts is None or name not in opts.fields or name not in op.properties:
        return default
    field, attr = opts.fields[name], op.properties[name]
    return attr.data if field.kind == "enum" else field.value(attr)


def _is_tfl(op: Operation) -> bool:
    return op.name.startswith("tfl.")


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "NONE": lambda x: x,
    "RELU": lambda x: np.maximum(x, 0),
    "RELU6": lambda x: np.clip(x, 0, 6),
    "RELU_N1_TO_1": lambda x: np.clip(x, -1, 1),
    "TANH": np.tanh,
}


def _fused(op: Operation, value: np.ndarray) -> np.ndarray | None:
    act = _opt(op, "fused_activation_function", "NONE")
    fn = _ACTIVATIONS.get(act)
    return fn(value) if fn is not None else None


# ---- elementwise ------------------------------------------------------------------------------------------------


def _floordiv(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError
    return np.floor_divide(x, y)


def _floormod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError
    return np.mod(x, y)


def _realdiv(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind in "iu":
        if np.any(y == 0):
            raise ZeroDivisionError
        q = np.abs(x) // np.abs(y)  # TF integer Div truncates toward zero
        return np.where((x < 0) != (y < 0), -q, q).astype(x.dtype)
    return np.divide(x, y)


def _pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("negative integer power")
    return np.power(x, y)


_BINARY: dict[type[Operation], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    cls: fn
    for classes, fn in {
        (tf.AddOp, tf.AddV2Op, tfl.AddOp): np.add,
        (tf.SubOp, tfl.SubOp): np.subtract,
        (tf.MulOp, tfl.MulOp): np.multiply,
        (tf.RealDivOp, tfl.DivOp): _realdiv,
        (tf.MaximumOp, tfl.MaximumOp): np.maximum,
        (tf.MinimumOp, tfl.MinimumOp): np.minimum,
        (tf.FloorDivOp, tfl.FloorDivOp): _floordiv,
        (tf.FloorModOp, tfl.FloorModOp): _floormod,
        (tf.PowOp, tfl.PowOp): _pow,
        (tf.SquaredDifferenceOp, tfl.SquaredDifferenceOp): lambda x, y: np.square(x - y),
        (tf.GreaterOp, tfl.GreaterOp): np.greater,
        (tf.GreaterEqualOp, tfl.GreaterEqualOp): np.greater_equal,
        (tf.LessOp, tfl.LessOp): np.less,
        (tf.LessEqualOp, tfl.LessEqualOp): np.less_equal,
        (tf.EqualOp, tfl.EqualOp): np.equal,
        (tf.NotEqualOp, tfl.NotEqualOp): np.not_equal,
        (tf.LogicalAndOp, tfl.LogicalAndOp): np.logical_and,
        (tf.LogicalOrOp, tfl.LogicalOrOp): np.logical_or,
    }.items()
    for cls in classes
}


@folds(*_BINARY)
def fold_binary(op: Operation, v: Arrays) -> np.ndarray | None:
    x, y = v
    if x.dtype != y.dtype:
        return None
    with np.errstate(all="ignore"):
        out = _BINARY[type(op)](x, y)
    return _fused(op, np.asarray(out)) if _is_tfl(op) else np.asarray(out)


_PACKET = 8  # float32 lanes of Eigen's AVX packet (TF's x86 wheels)


def _rsqrt_estimate(x: np.ndarray) -> np.ndarray | None:
    """The CPU's RSQRTPS estimate of each float32 element (None off x86 or without the C runtime)."""
    try:
        from runtime import _tflrt
    except ImportError:
        return None
    est = _tflrt.rsqrt_estimate(np.ascontiguousarray(x, np.float32))
    return None if est is None else np.frombuffer(est, np.float32).reshape(x.shape)


def tf_rsqrt(x: np.ndarray) -> np.ndarray:
    """Rsqrt as TensorFlow's converter folds it: with TF's CPU kernel, i.e. Eigen's packet rsqrt on x86.

    float32 elements in whole 8-lane packets: the CPU's RSQRTPS estimate y, one Newton step without FMA,
    y + (-0.5 * y) * ((x * y) * y - 1), y itself where that step gives NaN (x = 0, inf, NaN); the n % 8 tail
    elements and every other type: 1 / sqrt(x), correctly rounded. The estimate's bits are CPU-specific, so
    TF's folded values (BatchNorm folded into conv filters) are too; off x86 this falls back to 1 / sqrt(x)."""
    exact = (np.ones((), x.dtype) / np.sqrt(x)).astype(x.dtype)
    if x.dtype != np.float32 or x.size < _PACKET:
        return exact
    flat = np.ascontiguousarray(x).reshape(-1)
    whole = flat.size // _PACKET * _PACKET
    y = _rsqrt_estimate(flat[:whole])
    if y is None:
        return exact
    a = flat[:whole]
    step = (y * np.float32(-0.5)) * ((a * y) * y + np.float32(-1)) + y
    out = exact.reshape(-1).copy()
    out[:whole] = np.where(np.isnan(step), y, step)
    return out.reshape(x.shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1 / (1 + np.exp(-x))).astype(x.dtype)


def _float_only(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray | None]:
    return lambda x: fn(x) if x.dtype.kind == "f" else None


_UNARY: dict[type[Operation], Callable[[np.ndarray], np.ndarray | None]] = {
    cls: fn
    for classes, fn in {
        (tf.RsqrtOp, tfl.RsqrtOp): _float_only(tf_rsqrt),
        (tf.SqrtOp, tfl.SqrtOp): _float_only(np.sqrt),
        (tf.NegOp, tfl.NegOp): np.negative,
        (tf.SquareOp, tfl.SquareOp): np.square,
        (tf.ExpOp, tfl.ExpOp): _float_only(np.exp),
        (tf.LogOp, tfl.LogOp): _float_only(np.log),
        (tf.AbsOp, tfl.AbsOp): np.abs,
        (tf.ReciprocalOp,): _float_only(np.reciprocal),
        (tf.FloorOp, tfl.FloorOp): np.floor,
        (tf.CeilOp, tfl.CeilOp): np.ceil,
        (tf.RoundOp, tfl.RoundOp): np.round,
        (tf.SigmoidOp, tfl.LogisticOp): _float_only(_sigmoid),
        (tf.TanhOp, tfl.TanhOp): _float_only(np.tanh),
        (tf.ReluOp, tfl.ReluOp): lambda x: np.maximum(x, 0).astype(x.dtype),
        (tf.Relu6Op, tfl.Relu6Op): lambda x: np.clip(x, 0, 6).astype(x.dtype),
        (tf.SinOp, tfl.SinOp): _float_only(np.sin),
        (tf.CosOp, tfl.CosOp): _float_only(np.cos),
        (tf.LogicalNotOp, tfl.LogicalNotOp): np.logical_not,
    }.items()
    for cls in classes
}


@folds(*_UNARY)
def fold_unary(op: Operation, v: Arrays) -> np.ndarray | None:
    with np.errstate(all="ignore"):
        return _UNARY[type(op)](v[0])


@folds(tf.CastOp, tfl.CastOp)
def fold_cast(op: Operation, v: Arrays) -> np.ndarray | None:
    dtype = dtype_of(op.results[0])
    if dtype is None:
        return None
    x = v[0]
    if x.dtype.kind == "f" and dtype.kind in "iu":
        if not np.all(np.isfinite(x)):
            return None
        x = np.trunc(x)
    return x.astype(dtype)


@folds(tf.SelectV2Op, tf.SelectOp, tfl.SelectV2Op)
def fold_select(op: Operation, v: Arrays) -> np.ndarray:
    c, x, y = v
    if isinstance(op, tf.SelectOp) and c.ndim == 1 and x.ndim > 1:
        c = c.reshape((-1,) + (1,) * (x.ndim - 1))  # tf.Select (v1): a vector condition picks rows
    return np.where(c, x, y)


@folds(tf.AddNOp)
def fold_addn(op: Operation, v: Arrays) -> np.ndarray:
    out = v[0]
    for x in v[1:]:
        out = out + x
    return out


# ---- reductions -------------------------------------------------------------------------------------------------


def _mean(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    if x.dtype.kind in "iu":
        count = int(np.prod([x.shape[a] for a in axis])) if axis else 1
        s = np.sum(x, axis=axis, keepdims=keepdims, dtype=np.int64)
        return _realdiv(s, np.asarray(max(count, 1), np.int64)).astype(x.dtype)
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=np.float64 if x.dtype == np.float64 else None)


_REDUCE: dict[type[Operation], Callable[..., np.ndarray]] = {
    tf.SumOp: np.sum,
    tf.ProdOp: np.prod,
    tf.MaxOp: np.max,
    tf.MinOp: np.min,
    tf.MeanOp: _mean,
    tfl.SumOp: np.sum,
    tfl.ReduceProdOp: np.prod,
    tfl.ReduceMaxOp: np.max,
    tfl.ReduceMinOp: np.min,
    tfl.MeanOp: _mean,
}


@folds(*_REDUCE)
def fold_reduce(op: Operation, v: Arrays) -> np.ndarray | None:
    x, axes = v
    keep = bool(_opt(op, "keep_dims", False)) if _is_tfl(op) else bool_attr(op, "keep_dims")
    axis = tuple(sorted({normalize_axis(int(a), x.ndim) for a in np.asarray(axes).reshape(-1)}))
    if any(a < 0 or a >= max(x.ndim, 1) for a in axis):
        return None
    if x.ndim == 0:
        return x
    if x.size == 0 and type(op) in (tf.MaxOp, tf.MinOp, tfl.ReduceMaxOp, tfl.ReduceMinOp):
        return None
    out = _REDUCE[type(op)](x, axis=axis, keepdims=keep)
    return np.asarray(out).astype(x.dtype)


# ---- shape and data movement ------------------------------------------------------------------------------------


@folds(tf.ReshapeOp, tfl.ReshapeOp)
def fold_reshape(op: Operation, v: Arrays) -> np.ndarray:
    x, shape = v
    out_shape = shape_of(op.results[0])
    if out_shape is not None:
        return x.reshape(out_shape)
    return x.reshape([int(s) for s in np.asarray(shape).reshape(-1)])


@folds(tf.TransposeOp, tfl.TransposeOp)
def fold_transpose(op: Operation, v: Arrays) -> np.ndarray:
    x, perm = v
    return np.transpose(x, [int(p) for p in perm.reshape(-1)])


@folds(tf.SqueezeOp, tfl.SqueezeOp)
def fold_squeeze(op: Operation, v: Arrays) -> np.ndarray:
    x = v[0]
    dims = list(_opt(op, "squeeze_dims", ())) if _is_tfl(op) else (ints_attr(op, "squeeze_dims") or [])
    if not dims:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(normalize_axis(d, x.ndim) for d in dims))


@folds(tf.ExpandDimsOp, tfl.ExpandDimsOp)
def fold_expand_dims(op: Operation, v: Arrays) -> np.ndarray:
    x, dim = v
    d = int(np.asarray(dim).reshape(-1)[0])
    return np.expand_dims(x, normalize_axis(d, x.ndim + 1))


@folds(tf.PackOp, tfl.PackOp)
def fold_pack(op: Operation, v: Arrays) -> np.ndarray:
    axis = _opt(op, "axis", 0) if _is_tfl(op) else int_attr(op, "axis", 0)
    return np.stack(list(v), axis=normalize_axis(axis, v[0].ndim + 1))


@folds(tf.ConcatV2Op)
def fold_concat_v2(op: Operation, v: Arrays) -> np.ndarray:
    *values, axis = v
    return np.concatenate(values, axis=normalize_axis(int(axis), values[0].ndim))


@folds(tfl.ConcatenationOp)
def fold_concatenation(op: Operation, v: Arrays) -> np.ndarray | None:
    out = np.concatenate(list(v), axis=normalize_axis(_opt(op, "axis", 0), v[0].ndim))
    return _fused(op, out)


@folds(tf.UnpackOp, tfl.UnpackOp)
def fold_unpack(op: Operation, v: Arrays) -> list[np.ndarray]:
    x = v[0]
    axis = normalize_axis(_opt(op, "axis", 0) if _is_tfl(op) else int_attr(op, "axis", 0), x.ndim)
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


@folds(tf.SplitOp, tfl.SplitOp)
def fold_split(op: Operation, v: Arrays) -> list[np.ndarray]:
    dim, x = v
    return np.split(x, len(op.results), axis=normalize_axis(int(dim), x.ndim))


@folds(tf.SplitVOp, tfl.SplitVOp)
def fold_split_v(op: Operation, v: Arrays) -> list[np.ndarray] | None:
    x, sizes, dim = v
    axis = normalize_axis(int(dim), x.ndim)
    sizes = [int(s) for s in sizes.reshape(-1)]
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


@folds(tf.SliceOp, tfl.SliceOp)
def fold_slice(op: Operation, v: Arrays) -> np.ndarray:
    x, begin, size = v
    idx = []
    for d, (b, s) in enumerate(zip(begin.reshape(-1), size.reshape(-1), strict=True)):
        b, s = int(b), int(s)
        idx.append(slice(b, x.shape[d] if s == -1 else b + s))
    return x[tuple(idx)]


def strided_slice_index(
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    *,
    begin_mask: int,
    end_mask: int,
    ellipsis_mask: int,
    new_axis_mask: int,
    shrink_axis_mask: int,
) -> tuple:
    """TF StridedSlice's spec as a numpy index (numpy basic indexing has the same clamping semantics)."""
    idx: list = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides, strict=True)):
        bit = 1 << i
        if ellipsis_mask & bit:
            idx.append(Ellipsis)
        elif new_axis_mask & bit:
            idx.append(np.newaxis)
        elif shrink_axis_mask & bit:
            idx.append(int(b))
        else:
            idx.append(
                slice(None if begin_mask & bit else int(b), None if end_mask & bit else int(e), int(s))
            )
    return tuple(idx)


def _ss_masks(op: Operation) -> dict[str, int]:
    names = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
    if _is_tfl(op):
        return {n: int(_opt(op, n, 0)) for n in names}
    return {n: int_attr(op, n, 0) for n in names}


@folds(tf.StridedSliceOp, tfl.StridedSliceOp)
def fold_strided_slice(op: Operation, v: Arrays) -> np.ndarray | None:
    x, b, e, s = v
    if _is_tfl(op) and _opt(op, "offset", False):
        return None
    if np.any(s == 0):
        return None
    idx = strided_slice_index(
        b.reshape(-1).tolist(), e.reshape(-1).tolist(), s.reshape(-1).tolist(), **_ss_masks(op)
    )
    return np.asarray(x[idx])


def gather(params: np.ndarray, indices: np.ndarray, axis: int, batch_dims: int) -> np.ndarray:
    """tf.gather semantics (with batch_dims) in numpy."""
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices, strict=True)])


@folds(tf.GatherV2Op)
def fold_gather_v2(op: Operation, v: Arrays) -> np.ndarray | None:
    params, indices, axis = v
    batch_dims = int_attr(op, "batch_dims", 0)
    axis = normalize_axis(int(axis), params.ndim)
    batch_dims = normalize_axis(batch_dims, indices.ndim)
    if np.any(indices < 0) or np.any(indices >= params.shape[axis]):
        return None  # TF errors out on CPU; leave the op
    return gather(params, indices, axis, batch_dims)


@folds(tfl.GatherOp)
def fold_gather(op: Operation, v: Arrays) -> np.ndarray | None:
    params, indices = v
    axis = normalize_axis(_opt(op, "axis", 0), params.ndim)
    batch_dims = normalize_axis(_opt(op, "batch_dims", 0), indices.ndim)
    if np.any(indices < 0) or np.any(indices >= params.shape[axis]):
        return None
    return gather(params, indices, axis, batch_dims)


@folds(tf.TileOp, tfl.TileOp)
def fold_tile(op: Operation, v: Arrays) -> np.ndarray:
    x, multiples = v
    return np.tile(x, [int(m) for m in multiples.reshape(-1)])


@folds(tf.BroadcastToOp, tfl.BroadcastToOp)
def fold_broadcast_to(op: Operation, v: Arrays) -> np.ndarray:
    x, shape = v
    return np.broadcast_to(x, [int(d) for d in shape.reshape(-1)])


@folds(tf.FillOp, tfl.FillOp)
def fold_fill(op: Operation, v: Arrays) -> np.ndarray | None:
    dims, value = v
    shape = [int(d) for d in dims.reshape(-1)]
    if any(d < 0 for d in shape) or int(np.prod(shape)) > MAX_ELEMENTS:
        return None
    return np.full(shape, value.reshape(()), value.dtype)


@folds(tf.RangeOp, tfl.RangeOp)
def fold_range(op: Operation, v: Arrays) -> np.ndarray | None:
    start, limit, delta = (x.reshape(()) for x in v)
    if delta == 0:
        return None
    n = (
        int(np.ceil((limit - start) / delta))
        if start.dtype.kind == "f"
        else -(-(int(limit) - int(start)) // int(delta))
    )
    if n > MAX_ELEMENTS:
        return None
    return np.arange(start, limit, delta, dtype=start.dtype)


# Complex numbers (TF's converter folds these with TF's kernels before legalizing).
_COMPLEX_PARTS = {tfl.RealOp: np.real, tfl.ImagOp: np.imag, tfl.ComplexAbsOp: np.abs}


@folds(*_COMPLEX_PARTS)
def fold_complex_part(op: Operation, v: Arrays) -> np.ndarray:
    return _COMPLEX_PARTS[type(op)](v[0])


# TF ops imported as tf.generic that TF's converter folds (complex parts, complex of two constants).
_GENERIC: dict[str, Callable[..., np.ndarray]] = {
    "Real": np.real,
    "Imag": np.imag,
    "ComplexAbs": np.abs,
    "Complex": lambda re, im: re + 1j * im,
}


@folds(tf.GenericOp)
def fold_generic(op: Operation, v: Arrays) -> np.ndarray | None:
    fn, dtype = _GENERIC.get(op.op_type), dtype_of(op.results[0])
    if fn is None or dtype is None or len(op.results) != 1:
        return None
    return np.asarray(fn(*v)).astype(dtype)


@folds(tfl.Rfft2dOp)
def fold_rfft2d(op: Operation, v: Arrays) -> np.ndarray | None:
    """The 2-D real FFT of the innermost dims cropped or zero-padded to fft_length, in double, as LiteRT's kernel."""
    x, lengths = v
    h, w = (int(n) for n in lengths.reshape(-1))
    if h <= 0 or w <= 0 or h & (h - 1) or w & (w - 1) or x.ndim < 2:
        return None
    return np.fft.rfft2(x.astype(np.float64), s=(h, w)).astype(np.complex64)


@folds(tfl.BitcastOp)
def fold_bitcast(op: Operation, v: Arrays) -> np.ndarray | None:
    dtype, shape = dtype_of(op.results[0]), shape_of(op.results[0])
    if dtype is None or shape is None:
        return None
    return np.ascontiguousarray(v[0]).view(dtype).reshape(shape)


@folds(tf.PadOp, tf.PadV2Op, tf.MirrorPadOp, tfl.PadOp, tfl.PadV2Op, tfl.MirrorPadOp)
def fold_pad(op: Operation, v: Arrays) -> np.ndarray | None:
    x, paddings = v[0], v[1]
    pads = [(int(a), int(b)) for a, b in np.asarray(paddings).reshape(-1, 2)]
    if any(a < 0 or b < 0 for a, b in pads):
        return None
    if isinstance(op, tf.MirrorPadOp | tfl.MirrorPadOp):
        mode = (_opt(op, "mode", "REFLECT") if _is_tfl(op) else (op.attributes.get("mode").data)).lower()
        return np.pad(x, pads, mode="reflect" if mode == "reflect" else "symmetric")
    value = v[2].reshape(()) if len(v) > 2 else np.zeros((), x.dtype)
    return np.pad(x, pads, mode="constant", constant_values=value)


# ---- static-shape folders ---------------------------------------------------------------------------------------


@folds_static(tf.ShapeOp, tfl.ShapeOp)
def fold_shape(op: Operation) -> np.ndarray | None:
    shape = shape_of(op.operands[0])
    return None if shape is None else np.array(shape, np.int64)


@folds_static(tf.SizeOp)
def fold_size(op: Operation) -> np.ndarray | None:
    shape = shape_of(op.operands[0])
    return None if shape is None else np.array(int(np.prod(shape, dtype=np.int64)), np.int64)


@folds_static(tf.RankOp)
def fold_rank(op: Operation) -> np.ndarray | None:
    ty = op.operands[0].type
    return np.array(len(ty.get_shape()), np.int32) if isinstance(ty, TensorType) else None


@folds_static(tf.ZerosLikeOp, tf.OnesLikeOp, tfl.ZerosLikeOp)
def fold_zeros_like(op: Operation) -> np.ndarray | None:
    shape = shape_of(op.operands[0])
    dtype = dtype_of(op.results[0])
    if shape is None or dtype is None or int(np.prod(shape)) * dtype.itemsize > _BLOWUP_BYTES:
        return None  # a big zero tensor would bloat the model; ZEROS_LIKE is cheap at run time
    return np.ones(shape, dtype) if isinstance(op, tf.OnesLikeOp) else np.zeros(shape, dtype)


# Ops that pick entries out of a shape vector: they fold when they pick only static dims of a partly dynamic shape.
PARTIAL_SHAPE_OPS: set[type[Operation]] = {
    tf.StridedSliceOp,
    tf.SliceOp,
    tf.GatherV2Op,
    tfl.StridedSliceOp,
    tfl.SliceOp,
    tfl.GatherOp,
}


def partial_shape(value) -> np.ndarray | None:  # noqa: ANN001
    """The output of `tf.Shape`/`tfl.shape` of a ranked value, with -1 for its dynamic dims, else None."""
    owner = value.owner
    if not isinstance(owner, tf.ShapeOp | tfl.ShapeOp):
        return None
    ty = owner.operands[0].type
    dtype = dtype_of(owner.results[0])
    if not isinstance(ty, TensorType) or dtype is None:
        return None
    return np.array([d if d >= 0 else -1 for d in ty.get_shape()], dtype)


# ---- the pass ---------------------------------------------------------------------------------------------------


def _compatible(array: np.ndarray, ty: TensorType) -> bool:
    shape = tuple(ty.get_shape())
    return len(shape) == array.ndim and all(d < 0 or d == a for d, a in zip(shape, array.shape, strict=True))


def _make_const(op: Operation, array: np.ndarray) -> Operation:
    attr = DenseElementsAttr.from_array(array)
    return tfl.ConstOp(attr) if _is_tfl(op) else tf.ConstOp(attr)


def _empty_results(op: Operation) -> list[np.ndarray] | None:
    """Empty arrays for an op without regions whose results all have static shapes of zero elements, else None."""
    if not op.results or op.regions or isinstance(op, tf.ConstOp | tfl.ConstOp):
        return None
    arrays = []
    for res in op.results:
        shape = shape_of(res)
        if shape is None or 0 not in shape:  # nearly every op: decided before the (dearer) element type
            return None
        dtype = dtype_of(res)
        if dtype is None:
            return None
        arrays.append(np.zeros(shape, dtype))
    return arrays


def try_fold(op: Operation, max_elements: int = MAX_ELEMENTS) -> list[np.ndarray] | None:
    """The constant values of `op`'s results, or None if it does not fold (no evaluator, guards, errors)."""
    empty = _empty_results(op)
    if empty is not None:
        return empty
    static = STATIC_FOLDERS.get(type(op))
    operand_bytes = 0
    if static is not None:
        try:
            out = static(op)
        except (ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError):
            return None
    else:
        fn = FOLDERS.get(type(op))
        if fn is None or not op.results:
            return None
        values = []
        partial = False
        for i, operand in enumerate(op.operands):
            arr = const_value(operand)
            if arr is None and i == 0 and type(op) in PARTIAL_SHAPE_OPS:
                arr = partial_shape(operand)
                partial = arr is not None
            if arr is None:
                return None
            values.append(arr)
            operand_bytes += arr.nbytes
        try:
            out = fn(op, values)
        except (ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError):
            return None
        if partial and out is not None and np.any(np.asarray(out) < 0):
            return None  # the selected entries include a dynamic dim
    if out is None:
        return None
    arrays = list(out) if isinstance(out, list | tuple) else [out]
    if len(arrays) != len(op.results):
        return None
    result: list[np.ndarray] = []
    for arr, res in zip(arrays, op.results, strict=True):
        if arr is None or not isinstance(res.type, TensorType):
            return None
        arr = np.asarray(arr)
        dtype = dtype_of(op.results[res.index])
        if dtype is None or not _compatible(arr, res.type):
            return None
        if arr.size > max_elements:
            return None
        if arr.dtype != dtype:
            if arr.dtype.kind == "f" and dtype.kind in "iub":
                return (
                    None  # a float result where an integer is expected: the evaluator is wrong, don't guess
                )
            arr = arr.astype(dtype)
        result.append(arr if arr.flags.c_contiguous else np.ascontiguousarray(arr).reshape(arr.shape))
    total = sum(a.nbytes for a in result)
    if total > _BLOWUP_BYTES and total > 2 * operand_bytes:
        return None
    return result


def fold_block(block: Block, max_elements: int = MAX_ELEMENTS) -> int:
    """Fold every foldable op of `block` (and nested regions) in one forward sweep; returns ops folded."""
    folded = 0
    op = block.first_op
    while op is not None:
        nxt = op.next_op
        for region in op.regions:
            for inner in region.blocks:
                folded += fold_block(inner, max_elements)
        arrays = try_fold(op, max_elements)
        if arrays is not None:
            consts = [_make_const(op, a) for a in arrays]
            name = op.attributes.get(NAME)
            for i, c in enumerate(consts):
                if name is not None:
                    c.attributes[NAME] = name if len(consts) == 1 else type(name)(f"{name.data}:{i}")
            operands = list(op.operands)
            Rewriter.replace_op(op, consts, [c.results[0] for c in consts])
            for v in operands:  # drop constant operands nothing else uses
                owner = v.owner
                if isinstance(owner, tf.ConstOp | tfl.ConstOp) and not v.uses and owner.parent is not None:
                    if owner is nxt:
                        nxt = owner.next_op
                    Rewriter.erase_op(owner)
            folded += 1
        op = nxt
    return folded


def dedupe_constants(block: Block, *, floats: bool = False) -> int:
    """Merge identical constants of one block into the first (same op class, same digest). Returns merged count."""
    seen: dict[tuple[type, str], Operation] = {}
    merged = 0
    for op in list(block.ops):
        if not isinstance(op, tf.ConstOp | tfl.ConstOp):
            continue
        if op.value.array.dtype.kind == "f" and not floats:
            continue
        key = (type(op), op.value.data.digest)
        first = seen.get(key)
        if first is None:
            seen[key] = op
            continue
        op.results[0].replace_all_uses_with(first.results[0])
        Rewriter.erase_op(op)
        merged += 1
    return merged


@dataclass(frozen=True)
class FoldConstants(ModulePass):
    """Fold ops whose operands are constants, and shape arithmetic on static shapes."""

    name = "fold-constants"

    cse: bool = True  # merge identical integer/bool constants (shape tensors, axes, permutations)
    cse_all: bool = False  # also merge identical float constants
    max_elements: int = MAX_ELEMENTS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in op.regions:
            for block in region.blocks:
                for fn in block.ops:
                    for r in fn.regions:
                        for b in r.blocks:
                            fold_block(b, self.max_elements)
                            if self.cse or self.cse_all:
                                dedupe_constants(b, floats=self.cse_all)
