"""legalize-tf rules: shape and data movement.

    tf.Reshape          -> tfl.reshape (new shape as an int32 constant: the static result shape when known)
    tf.Squeeze          -> tfl.squeeze            tf.ExpandDims  -> tfl.expand_dims
    tf.Transpose        -> tfl.transpose          tf.ConcatV2    -> tfl.concatenation (axis operand last)
    tf.Pack / Unpack    -> tfl.pack / tfl.unpack  tf.Split/SplitV -> tfl.split / tfl.split_v
    tf.Slice            -> tfl.slice              tf.StridedSlice -> tfl.strided_slice (+ tfl.reshape for new axes)
    tf.Pad/PadV2/MirrorPad -> tfl.pad / tfl.padv2 / tfl.mirror_pad
    tf.GatherV2         -> tfl.gather (axis, batch_dims)
    tf.Tile / BroadcastTo / Fill / Range / Shape / ZerosLike -> the tfl op of the same name
    tf.Size             -> tfl.reduce_prod(tfl.shape)  tf.OnesLike -> tfl.fill(shape, 1)   (dynamic shapes only:
                           static ones are folded by fold-constants first)
    tf.ResizeBilinear / ResizeNearestNeighbor -> tfl.resize_bilinear / tfl.resize_nearest_neighbor

Operands that TFLite wants as small int32 tensors (perm, axes, paddings, multiples, begin/size...) must be
constants here (fold-constants runs first and turns static shape arithmetic into constants); an op whose such
operand is computed at run time stays TF. Negative axes are normalized when the rank is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import TensorType, i32
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from dialects.elements import element_type, numpy_dtype
from dialects.tensor_types import tensor_type_name
from passes.patterns import (
    I32,
    I64,
    Rule,
    bool_attr,
    const_value,
    dims_of,
    dtype_of,
    int_attr,
    ints_attr,
    normalize_axis,
    rank_of,
    replace_with,
    rule,
    shape_of,
    str_attr,
    tfl_const,
)

_I32 = np.iinfo(np.int32)


def int32_array(arr: np.ndarray | Sequence[int]) -> np.ndarray | None:
    """An integer array as int32, or None if a value does not fit."""
    a = np.asarray(arr)
    if a.dtype.kind not in "iu":
        return None
    if a.size and (a.min() < _I32.min or a.max() > _I32.max):
        return None
    return a.astype(np.int32)


def int32_const(value: SSAValue) -> tuple[tfl.ConstOp, np.ndarray] | None:
    """A constant integer operand re-made as an int32 tfl constant (with its values), else None."""
    arr = const_value(value)
    if arr is None:
        return None
    a32 = int32_array(arr)
    if a32 is None:
        return None
    return tfl_const(a32), a32


def tensor_of(value: SSAValue, shape: Sequence[int]) -> TensorType:
    return TensorType(value.type.element_type, list(shape))


def reshape(value: SSAValue, shape: Sequence[int]) -> tuple[list[Operation], SSAValue]:
    """A `tfl.reshape` of `value` to a shape with at most one -1 (dynamic) dim (no op if it already has it)."""
    if dims_of(value) == tuple(shape):
        return [], value
    c = tfl_const(np.asarray(list(shape), np.int32))
    r = tfl.ReshapeOp.build([value, c.output], [tensor_of(value, shape)])
    return [c, r], r.results[0]


def transpose(value: SSAValue, perm: Sequence[int]) -> tuple[list[Operation], SSAValue]:
    """A `tfl.transpose` of a statically shaped value (no op for the identity permutation)."""
    perm = list(perm)
    if perm == list(range(len(perm))):
        return [], value
    shape = dims_of(value)
    assert shape is not None
    c = tfl_const(np.asarray(perm, np.int32))
    t = tfl.TransposeOp.build([value, c.output], [tensor_of(value, [shape[p] for p in perm])])
    return [c, t], t.results[0]


# ---- reshape family ---------------------------------------------------------------------------------------------


@rule(tf.ReshapeOp)
def legalize_reshape(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Reshape(x, shape) -> tfl.reshape(x, int32 shape); the result shape replaces any -1 when at most one of its
    dims is dynamic (RESHAPE infers that one), else the shape is computed at run time (a cast to int32 if needed)."""
    x, shape = op.operands
    out = dims_of(op.results[0])
    if out is not None and sum(d < 0 for d in out) <= 1:
        c = tfl_const(np.asarray(out, np.int32))
    else:
        made = int32_const(shape)
        if made is None:
            dynamic_shape = reshape_shape_at_run_time(shape)
            if dynamic_shape is None:
                return
            pre, shape_v = dynamic_shape
            replace_with(rewriter, op, [*pre, tfl.ReshapeOp.build([x, shape_v], [op.results[0].type])])
            return
        c = made[0]
    replace_with(rewriter, op, [c, tfl.ReshapeOp.build([x, c.output], [op.results[0].type])])


def reshape_shape_at_run_time(shape: SSAValue) -> tuple[list[Operation], SSAValue] | None:
    """A computed (not constant) reshape target as RESHAPE's int32 shape operand: itself, or a CAST of int64."""
    ty = shape.type
    if not isinstance(ty, TensorType) or len(ty.get_shape()) != 1:
        return None
    kind = dtype_of(shape)
    if kind == np.int32:
        return [], shape
    if kind != np.int64:
        return None
    cast = tfl.CastOp.build(
        [shape],
        [TensorType(i32, ty.get_shape())],
        in_data_type=tensor_type_name(np.dtype(np.int64)),
        out_data_type=tensor_type_name(np.dtype(np.int32)),
    )
    return [cast], cast.results[0]


@rule(tf.SqueezeOp)
def legalize_squeeze(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    x = op.operands[0]
    dims = ints_attr(op, "squeeze_dims") or []
    rank = rank_of(x)
    dims = [normalize_axis(d, rank) for d in dims]
    replace_with(rewriter, op, [tfl.SqueezeOp.build([x], [op.results[0].type], squeeze_dims=dims)])


@rule(tf.ExpandDimsOp)
def legalize_expand_dims(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    x, dim = op.operands
    made = int32_const(dim)
    if made is None or made[1].size != 1:
        return
    rank = rank_of(x)
    d = normalize_axis(int(made[1].reshape(-1)[0]), None if rank is None else rank + 1)
    c = tfl_const(np.asarray(d, np.int32))
    replace_with(rewriter, op, [c, tfl.ExpandDimsOp.build([x, c.output], [op.results[0].type])])


@rule(tf.TransposeOp)
def legalize_transpose(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    x, perm = op.operands
    made = int32_const(perm)
    if made is None:
        return
    replace_with(rewriter, op, [made[0], tfl.TransposeOp.build([x, made[0].output], [op.results[0].type])])


# ---- concat / pack / split --------------------------------------------------------------------------------------


@rule(tf.ConcatV2Op)
def legalize_concat_v2(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ConcatV2(values..., axis) -> tfl.concatenation(values...) {axis}."""
    *values, axis_v = op.operands
    axis = const_value(axis_v)
    if axis is None or axis.size != 1 or not values:
        return
    rank = rank_of(op.results[0])
    a = normalize_axis(int(axis.reshape(-1)[0]), rank)
    if len(values) == 1 and values[0].type == op.results[0].type:
        rewriter.replace(op, [], [values[0]])
        return
    replace_with(rewriter, op, [tfl.ConcatenationOp.build(list(values), [op.results[0].type], axis=a)])


@rule(tf.PackOp)
def legalize_pack(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    values = list(op.operands)
    axis = normalize_axis(int_attr(op, "axis", 0), rank_of(op.results[0]))
    replace_with(
        rewriter, op, [tfl.PackOp.build(values, [op.results[0].type], values_count=len(values), axis=axis)]
    )


@rule(tf.UnpackOp)
def legalize_unpack(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    x = op.operands[0]
    axis = normalize_axis(int_attr(op, "axis", 0), rank_of(x))
    n = len(op.results)
    replace_with(rewriter, op, [tfl.UnpackOp.build([x], [r.type for r in op.results], num=n, axis=axis)])


@rule(tf.SplitOp)
def legalize_split(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Split(split_dim, value) -> tfl.split(int32 split_dim, value) {num_splits}."""
    dim_v, x = op.operands
    dim = const_value(dim_v)
    if dim is None or dim.size != 1:
        return
    c = tfl_const(np.asarray(normalize_axis(int(dim.reshape(-1)[0]), rank_of(x)), np.int32))
    split = tfl.SplitOp.build([c.output, x], [r.type for r in op.results], num_splits=len(op.results))
    replace_with(rewriter, op, [c, split])


@rule(tf.SplitVOp)
def legalize_split_v(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SplitV(value, size_splits, split_dim) -> tfl.split_v (a -1 size resolved from the static shape)."""
    x, sizes_v, dim_v = op.operands
    sizes, dim = const_value(sizes_v), const_value(dim_v)
    if sizes is None or dim is None or dim.size != 1:
        return
    axis = normalize_axis(int(dim.reshape(-1)[0]), rank_of(x))
    sizes = [int(s) for s in sizes.reshape(-1)]
    shape = shape_of(x)
    if -1 in sizes and shape is not None and 0 <= axis < len(shape):
        sizes[sizes.index(-1)] = shape[axis] - (sum(sizes) + 1)
    sc = tfl_const(np.asarray(sizes, np.int32))
    dc = tfl_const(np.asarray(axis, np.int32))
    split = tfl.SplitVOp.build([x, sc.output, dc.output], [r.type for r in op.results], num_splits=len(sizes))
    replace_with(rewriter, op, [sc, dc, split])


# ---- slicing ----------------------------------------------------------------------------------------------------


@rule(tf.SliceOp)
def legalize_slice(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    x, begin_v, size_v = op.operands
    begin, size = int32_const(begin_v), int32_const(size_v)
    if begin is None or size is None:
        return
    shape = shape_of(x)
    sizes = size[1]
    if shape is not None and np.any(sizes == -1):  # resolve "to the end" from the static shape
        sizes = np.array(
            [
                shape[d] - int(b) if s == -1 else s
                for d, (b, s) in enumerate(zip(begin[1], sizes, strict=True))
            ],
            np.int32,
        )
        size = (tfl_const(sizes), sizes)
    s = tfl.SliceOp.build([x, begin[0].output, size[0].output], [op.results[0].type])
    replace_with(rewriter, op, [begin[0], size[0], s])


_SS_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def canonical_strided_slice(
    shape: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    masks: dict[str, int],
) -> tuple[list, list, list, int, int]:
    """Resolve a TF StridedSlice spec on a static shape into one entry per input dim, without ellipsis or new axes.

    Returns (begin, end, strides, end_mask, shrink_axis_mask) with non-negative begins; the caller reshapes the
    result to add the new axes. Indices come from Python's `slice.indices`, which clamps exactly as TF does."""
    entries: list[tuple[str, int, int, int]] = []  # kind, b, e, s
    consumed = sum(
        1
        for i in range(len(begin))
        if not (masks["ellipsis_mask"] >> i) & 1 and not (masks["new_axis_mask"] >> i) & 1
    )
    for i, (b, e, s) in enumerate(zip(begin, end, strides, strict=True)):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            entries.extend([("full", 0, 0, 1)] * (len(shape) - consumed))
        elif masks["new_axis_mask"] & bit:
            continue
        elif masks["shrink_axis_mask"] & bit:
            entries.append(("shrink", b, 0, 1))
        else:
            entries.append(
                ("slice", None if masks["begin_mask"] & bit else b, None if masks["end_mask"] & bit else e, s)
            )
    while len(entries) < len(shape):
        entries.append(("full", 0, 0, 1))
    if len(entries) != len(shape):
        raise ValueError("strided slice spec does not match the input rank")
    out_b, out_e, out_s, end_mask, shrink = [], [], [], 0, 0
    for d, ((kind, b, e, s), dim) in enumerate(zip(entries, shape, strict=True)):
        if kind == "full":
            out_b.append(0), out_e.append(dim), out_s.append(1)
        elif kind == "shrink":
            idx = b + dim if b < 0 else b
            if not 0 <= idx < dim:
                raise ValueError("shrink index out of range")
            out_b.append(idx), out_e.append(idx + 1), out_s.append(1)
            shrink |= 1 << d
        else:
            if s == 0:
                raise ValueError("zero stride")
            start, stop, step = slice(b, e, s).indices(dim)
            if not len(range(start, stop, step)):
                start, stop, step = (
                    0,
                    0,
                    1,
                )  # empty: Python's start/stop may be -1, which TFLite reads as dim-1
            elif step < 0 and stop < 0:  # runs to the beginning: no valid end index, use the end mask
                end_mask |= 1 << d
                stop = 0
            out_b.append(start), out_e.append(stop), out_s.append(step)
    return out_b, out_e, out_s, end_mask, shrink


def _strided_slice_at_run_time(op: tf.TFOp, rewriter: PatternRewriter, masks: dict[str, int]) -> None:
    """begin/end/strides computed at run time: STRIDED_SLICE applies the same masks itself (int32 indices; ellipsis
    and new axes need the static resolution above)."""
    x, *indices = op.operands
    if masks["ellipsis_mask"] or masks["new_axis_mask"] or any(dtype_of(v) != I32 for v in indices):
        return
    ss = tfl.StridedSliceOp.build(
        [x, *indices],
        [op.results[0].type],
        **{k: v for k, v in masks.items() if k in ("begin_mask", "end_mask", "shrink_axis_mask")},
    )
    replace_with(rewriter, op, [ss])


@rule(tf.StridedSliceOp)
def legalize_strided_slice(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.StridedSlice -> tfl.strided_slice; ellipsis and new axes are resolved on the static input shape."""
    x, b_v, e_v, s_v = op.operands
    b, e, s = const_value(b_v), const_value(e_v), const_value(s_v)
    masks = {k: int_attr(op, k, 0) for k in _SS_MASKS}
    if b is None or e is None or s is None:
        _strided_slice_at_run_time(op, rewriter, masks)
        return
    shape = shape_of(x)
    out_shape = shape_of(op.results[0])
    ops: list[Operation] = []
    if out_shape is not None and 0 in out_shape:
        return  # an empty slice: TFLite's STRIDED_SLICE cannot express it (begin == end reads as a full range)
    if shape is not None and out_shape is not None:
        try:
            cb, ce, cs, end_mask, shrink = canonical_strided_slice(
                shape, b.reshape(-1).tolist(), e.reshape(-1).tolist(), s.reshape(-1).tolist(), masks
            )
        except ValueError:
            return
        sliced = [
            len(range(bb, -1 if (end_mask >> d) & 1 else ee, ss))
            for d, (bb, ee, ss) in enumerate(zip(cb, ce, cs, strict=True))
            if not (shrink >> d) & 1
        ]
        consts = [tfl_const(np.asarray(v, np.int32)) for v in (cb, ce, cs)]
        ss = tfl.StridedSliceOp.build(
            [x, *(c.output for c in consts)],
            [tensor_of(x, sliced)],
            end_mask=end_mask,
            shrink_axis_mask=shrink,
        )
        ops = [*consts, ss]
        if tuple(sliced) != out_shape:
            if int(np.prod(sliced)) != int(np.prod(out_shape)):
                return
            more, _ = reshape(ss.results[0], out_shape)
            ops += more
        replace_with(rewriter, op, ops)
        return
    if masks["ellipsis_mask"] or masks["new_axis_mask"]:
        return
    arrs = [int32_array(a) for a in (b, e, s)]
    if any(a is None for a in arrs):
        return
    consts = [tfl_const(a) for a in arrs]
    ss = tfl.StridedSliceOp.build(
        [x, *(c.output for c in consts)],
        [op.results[0].type],
        **{k: v for k, v in masks.items() if k in ("begin_mask", "end_mask", "shrink_axis_mask")},
    )
    replace_with(rewriter, op, [*consts, ss])


# ---- padding ----------------------------------------------------------------------------------------------------


@rule(tf.PadOp, tf.PadV2Op, tf.MirrorPadOp)
def legalize_pad(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Pad / PadV2 / MirrorPad -> tfl.pad / tfl.padv2 / tfl.mirror_pad with int32 paddings."""
    x, pads_v = op.operands[0], op.operands[1]
    made = int32_const(pads_v)
    if made is None:
        return
    pc, _ = made
    ty = op.results[0].type
    if isinstance(op, tf.PadOp):
        new = tfl.PadOp.build([x, pc.output], [ty])
    elif isinstance(op, tf.PadV2Op):
        new = tfl.PadV2Op.build([x, pc.output, op.operands[2]], [ty])
    else:
        mode = (str_attr(op, "mode", "REFLECT") or "REFLECT").upper()
        if mode not in tfl.MIRROR_PAD_MODES:
            return
        new = tfl.MirrorPadOp.build([x, pc.output], [ty], mode=mode)
    replace_with(rewriter, op, [pc, new])


# ---- gather / tile / broadcast / fill / range / shape -----------------------------------------------------------


@rule(tf.GatherV2Op)
def legalize_gather_v2(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.GatherV2(params, indices, axis) {batch_dims} -> tfl.gather(params, indices) {axis, batch_dims}."""
    params, indices, axis_v = op.operands
    axis = const_value(axis_v)
    if axis is None or axis.size != 1:
        return
    a = normalize_axis(int(axis.reshape(-1)[0]), rank_of(params))
    batch_dims = normalize_axis(int_attr(op, "batch_dims", 0), rank_of(indices))
    ops: list[Operation] = []
    idx = const_value(indices)
    if idx is not None and idx.dtype == np.int64 and (i32 := int32_array(idx)) is not None:
        c = tfl_const(i32)
        ops.append(c)
        indices = c.output
    ops.append(tfl.GatherOp.build([params, indices], [op.results[0].type], axis=a, batch_dims=batch_dims))
    replace_with(rewriter, op, ops)


def _int32_operand_rule(tf_cls: type, tfl_cls: type, const_index: int) -> Rule:
    """A rule: tf_cls -> tfl_cls, with operand `const_index` re-made as an int32 constant."""

    @rule(tf_cls)
    def legalize(op: tf.TFOp, rewriter: PatternRewriter) -> None:
        made = int32_const(op.operands[const_index])
        if made is None:
            return
        operands = list(op.operands)
        operands[const_index] = made[0].output
        replace_with(rewriter, op, [made[0], tfl_cls.build(operands, [op.results[0].type])])

    legalize.__name__ = f"legalize_{tf_cls.TF_TYPE.lower()}"
    legalize.__doc__ = f"{tf_cls.name} -> {tfl_cls.name} (operand {const_index} as an int32 constant)."
    return legalize


legalize_tile = _int32_operand_rule(tf.TileOp, tfl.TileOp, 1)
legalize_broadcast_to = _int32_operand_rule(tf.BroadcastToOp, tfl.BroadcastToOp, 1)
legalize_fill = _int32_operand_rule(tf.FillOp, tfl.FillOp, 0)


@rule(tf.FillOp)
def legalize_fill_dynamic(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Fill with run-time int32 dims (zeros of a dynamic batch, as Keras' RNN initial states) -> tfl.fill."""
    if const_value(op.operands[0]) is not None or dtype_of(op.operands[0]) != I32:
        return
    replace_with(rewriter, op, [tfl.FillOp.build(list(op.operands), [op.results[0].type])])


@rule(tf.RangeOp)
def legalize_range(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    replace_with(rewriter, op, [tfl.RangeOp.build(list(op.operands), [op.results[0].type])])


_SHAPE_TYPES = (I32, I64)  # out_type of tfl.shape


@rule(tf.ShapeOp)
def legalize_shape(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Shape -> tfl.shape (only reached when the shape is dynamic; static shapes fold to constants)."""
    ty = op.results[0].type
    out = dtype_of(op.results[0])
    if out not in _SHAPE_TYPES:
        return
    replace_with(rewriter, op, [tfl.ShapeOp.build([op.operands[0]], [ty], out_type=tensor_type_name(out))])


def _shape_value(x: SSAValue, dtype: np.dtype) -> tuple[list[Operation], SSAValue] | None:
    """The shape of `x` as a 1-D tensor of `dtype`: a constant when static, else a `tfl.shape`."""
    rank = rank_of(x)
    if np.dtype(dtype) not in _SHAPE_TYPES or rank is None:
        return None
    static = shape_of(x)
    if static is not None:
        c = tfl_const(np.asarray(static, dtype))
        return [c], c.output
    sh = tfl.ShapeOp.build(
        [x], [TensorType(element_type(np.dtype(dtype)), [rank])], out_type=tensor_type_name(dtype)
    )
    return [sh], sh.results[0]


@rule(tf.SizeOp)
def legalize_size(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Size of a dynamically shaped value -> tfl.reduce_prod(tfl.shape(x)) (static sizes fold before)."""
    ty = op.results[0].type
    if not isinstance(ty, TensorType):
        return
    made = _shape_value(op.operands[0], numpy_dtype(ty.element_type))
    if made is None:
        return
    ops, shape = made
    axes = tfl_const(np.asarray([0], np.int32))
    prod = tfl.ReduceProdOp.build([shape, axes.output], [ty], keep_dims=False)
    replace_with(rewriter, op, [*ops, axes, prod])


@rule(tf.OnesLikeOp)
def legalize_ones_like(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.OnesLike -> tfl.fill(shape(x), 1) (TFLite has no ONES_LIKE builtin)."""
    ty = op.results[0].type
    if not isinstance(ty, TensorType):
        return
    made = _shape_value(op.operands[0], np.dtype(np.int32))
    if made is None:
        return
    ops, shape = made
    one = tfl_const(np.ones((), numpy_dtype(ty.element_type)))
    replace_with(rewriter, op, [*ops, one, tfl.FillOp.build([shape, one.output], [ty])])


@rule(tf.ZerosLikeOp)
def legalize_zeros_like(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    replace_with(rewriter, op, [tfl.ZerosLikeOp.build([op.operands[0]], [op.results[0].type])])


# ---- resize -----------------------------------------------------------------------------------------------------

_RESIZE: dict[type, type] = {
    tf.ResizeBilinearOp: tfl.ResizeBilinearOp,
    tf.ResizeNearestNeighborOp: tfl.ResizeNearestNeighborOp,
}


@rule(*_RESIZE)
def legalize_resize(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ResizeBilinear / ResizeNearestNeighbor (NHWC) -> the tfl op with align_corners / half_pixel_centers."""
    x, size_v = op.operands
    made = int32_const(size_v)
    if made is None or made[1].shape != (2,):
        return
    new = _RESIZE[type(op)].build(
        [x, made[0].output],
        [op.results[0].type],
        align_corners=bool_attr(op, "align_corners"),
        half_pixel_centers=bool_attr(op, "half_pixel_centers"),
    )
    replace_with(rewriter, op, [made[0], new])


RULES = [
    legalize_reshape,
    legalize_squeeze,
    legalize_expand_dims,
    legalize_transpose,
    legalize_concat_v2,
    legalize_pack,
    legalize_unpack,
    legalize_split,
    legalize_split_v,
    legalize_slice,
    legalize_strided_slice,
    legalize_pad,
    legalize_gather_v2,
    legalize_tile,
    legalize_broadcast_to,
    legalize_fill,
    legalize_fill_dynamic,
    legalize_range,
    legalize_shape,
    legalize_size,
    legalize_ones_like,
    legalize_zeros_like,
    legalize_resize,
]
