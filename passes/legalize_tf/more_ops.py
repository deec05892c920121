"""legalize-tf rules: the rest of TensorFlow's builtin legalizations (legalize_patterns.td, prepare_patterns.td,
lower_tf.td), one builtin each unless noted.

    tf.Rank(x)                          -> tfl.rank (a static rank is folded before)
    tf.BroadcastArgs(s0, s1)            -> tfl.broadcast_args
    tf.BitwiseXor / tf.RightShift       -> tfl.bitwise_xor / tfl.right_shift
    tf.ReverseSequence {seq_dim, batch_dim} -> tfl.reverse_sequence
    tf.Bucketize {boundaries}           -> tfl.bucketize
    tf.LRN {depth_radius, bias, alpha, beta} -> tfl.local_response_normalization
    tf.Where(x)                         -> tfl.where (int64 indices of the true / nonzero elements)
    tf.SparseToDense                    -> tfl.sparse_to_dense
    tf.XlaDynamicUpdateSlice            -> tfl.dynamic_update_slice
    tf.Unique {out_idx}                 -> tfl.unique {idx_out_type}
    tf.RandomUniform / tf.RandomStandardNormal {seed, seed2} -> tfl.random_uniform / tfl.random_standard_normal
    tf.BatchNormWithGlobalNormalization -> t * s + (beta - m * s), s = rsqrt(v + eps) (* gamma) (prepare_patterns.td)
    tf.SoftmaxCrossEntropyWithLogits    -> loss = sum(log_softmax(f) * -labels, -1), backprop = softmax(f) - labels
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.expr import Builder, Expr
from passes.patterns import (
    FLOAT,
    bool_attr,
    dtype_of,
    float_attr,
    has_dtype,
    int_attr,
    rank_of,
    replace_with,
    rule,
    shape_of,
    tfl_const,
)


@rule(tf.RankOp)
def legalize_rank(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Rank(x) -> tfl.rank (int32 scalar)."""
    replace_with(rewriter, op, [tfl.RankOp.build([op.operands[0]], [op.results[0].type])])


@rule(tf.BroadcastArgsOp)
def legalize_broadcast_args(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BroadcastArgs(s0, s1) -> tfl.broadcast_args (int32 or int64 shapes)."""
    replace_with(rewriter, op, [tfl.BroadcastArgsOp.build(list(op.operands), [op.results[0].type])])


BITWISE: dict[type[Operation], type[tfl.TflOp]] = {
    tf.BitwiseXorOp: tfl.BitwiseXorOp,
    tf.RightShiftOp: tfl.RightShiftOp,
}


@rule(*BITWISE)
def legalize_bitwise(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BitwiseXor / tf.RightShift -> the builtin of the same name (shapes the kernel broadcasts)."""
    new_cls = BITWISE[type(op)]
    x, y = op.operands
    if new_cls.broadcast_error([x.type, y.type]) is not None:
        return
    replace_with(rewriter, op, [new_cls.build([x, y], [op.results[0].type])])


@rule(tf.ReverseSequenceOp)
def legalize_reverse_sequence(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.ReverseSequence(x, seq_lengths) {seq_dim, batch_dim} -> tfl.reverse_sequence."""
    rank = rank_of(op.operands[0])
    seq_dim, batch_dim = int_attr(op, "seq_dim"), int_attr(op, "batch_dim", 0)
    if rank is None or seq_dim is None or batch_dim is None:
        return
    new = tfl.ReverseSequenceOp.build(
        list(op.operands), [op.results[0].type], seq_dim=seq_dim % rank, batch_dim=batch_dim % rank
    )
    replace_with(rewriter, op, [new])


@rule(tf.BucketizeOp)
def legalize_bucketize(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Bucketize(x) {boundaries} -> tfl.bucketize {boundaries}."""
    attr = op.attributes.get("boundaries")
    if attr is None or not hasattr(attr, "data"):
        return
    boundaries = [float(b.value.data) for b in attr.data]
    if any(b > a for a, b in zip(boundaries[1:], boundaries, strict=False)):
        return  # LiteRT requires sorted boundaries (TF's kernel too)
    new = tfl.BucketizeOp.build([op.operands[0]], [op.results[0].type], boundaries=boundaries)
    replace_with(rewriter, op, [new])


@rule(tf.LRNOp)
def legalize_lrn(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.LRN {depth_radius, bias, alpha, beta} -> tfl.local_response_normalization (float32, rank 4)."""
    if rank_of(op.operands[0]) != 4:
        return
    new = tfl.LocalResponseNormalizationOp.build(
        [op.operands[0]], [op.results[0].type],
        radius=int_attr(op, "depth_radius", 5), bias=float_attr(op, "bias", 1.0),
        alpha=float_attr(op, "alpha", 1.0), beta=float_attr(op, "beta", 0.5),
    )  # fmt: skip
    replace_with(rewriter, op, [new])


@rule(tf.WhereOp)
def legalize_where(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Where(x) -> tfl.where: the int64 coordinates of x's true (nonzero) elements, in row-major order."""
    replace_with(rewriter, op, [tfl.WhereOp.build([op.operands[0]], [op.results[0].type])])


@rule(tf.SparseToDenseOp)
def legalize_sparse_to_dense(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SparseToDense(indices, output_shape, values, default) -> tfl.sparse_to_dense (validate_indices is TF's
    check only; LiteRT's kernel checks bounds always)."""
    replace_with(rewriter, op, [tfl.SparseToDenseOp.build(list(op.operands), [op.results[0].type])])


@rule(tf.XlaDynamicUpdateSliceOp)
def legalize_dynamic_update_slice(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.XlaDynamicUpdateSlice(input, update, indices) -> tfl.dynamic_update_slice."""
    replace_with(rewriter, op, [tfl.DynamicUpdateSliceOp.build(list(op.operands), [op.results[0].type])])


@rule(tf.UniqueOp)
def legalize_unique(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Unique(x) {out_idx} -> tfl.unique {idx_out_type} (y has a dynamic length)."""
    kind = "INT64" if dtype_of(op.results[1]) == np.dtype(np.int64) else "INT32"
    new = tfl.UniqueOp.build([op.operands[0]], [r.type for r in op.results], idx_out_type=kind)
    replace_with(rewriter, op, [new])


RANDOM: dict[type[Operation], type[tfl.TflOp]] = {
    tf.RandomUniformOp: tfl.RandomUniformOp,
    tf.RandomStandardNormalOp: tfl.RandomStandardNormalOp,
}


@rule(*RANDOM)
def legalize_random(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.RandomUniform / tf.RandomStandardNormal(shape) {seed, seed2} -> the builtin with the same seeds (float32;
    LiteRT's kernel draws a Philox stream keyed by them, fresh seeds when both are 0, as TF)."""
    new = RANDOM[type(op)].build(
        [op.operands[0]], [op.results[0].type], seed=int_attr(op, "seed", 0), seed2=int_attr(op, "seed2", 0)
    )
    replace_with(rewriter, op, [new])


def _rsqrt(x: Expr) -> Expr:
    return Expr(x.builder, tfl.RsqrtOp, (x,))


@rule(tf.BatchNormWithGlobalNormalizationOp)
def legalize_batch_norm_global(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BatchNormWithGlobalNormalization(t, m, v, beta, gamma) {variance_epsilon, scale_after_normalization}
    -> t * s + (beta - m * s), s = rsqrt(v + eps) * gamma (without gamma when not scale_after_normalization)."""
    if not has_dtype(list(op.operands), FLOAT) or shape_of(op.operands[0]) is None:
        return
    b = Builder(op)
    t, m, v, beta, gamma = (b(x) for x in op.operands)
    scale = _rsqrt(v + float_attr(op, "variance_epsilon", 0.001))
    if bool_attr(op, "scale_after_normalization"):
        scale = scale * gamma
    b.replace(rewriter, t * scale + (beta - m * scale))


@rule(tf.SoftmaxCrossEntropyWithLogitsOp)
def legalize_softmax_cross_entropy(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.SoftmaxCrossEntropyWithLogits(f, labels) (rank 2, same shapes) -> (sum(log_softmax(f) * -labels, 1),
    softmax(f) - labels), TF's lowering (lower_tf.td)."""
    features, labels = op.operands
    loss_type, backprop_type = (r.type for r in op.results)
    if not has_dtype([features, labels], FLOAT) or rank_of(features) != 2 or features.type != labels.type:
        return
    if not isinstance(loss_type, TensorType) or backprop_type != features.type:
        return
    # -labels rather than -log_softmax: a constant labels tensor then folds its negation, as TF's file does
    log_softmax = tfl.LogSoftmaxOp.build([features], [features.type])
    neg = tfl.NegOp.build([labels], [labels.type])
    product = tfl.MulOp.build([log_softmax.results[0], neg.results[0]], [features.type])
    axis = tfl_const(np.asarray([1], np.int32))
    loss = tfl.SumOp.build([product.results[0], axis.output], [loss_type], keep_dims=False)
    softmax = tfl.SoftmaxOp.build([features], [features.type], beta=1.0)
    backprop = tfl.SubOp.build([softmax.results[0], labels], [backprop_type])
    new = [log_softmax, neg, product, axis, loss, softmax, backprop]
    replace_with(rewriter, op, new, [loss.results[0], backprop.results[0]])


RULES = [
    legalize_rank,
    legalize_broadcast_args,
    legalize_bitwise,
    legalize_reverse_sequence,
    legalize_bucketize,
    legalize_lrn,
    legalize_where,
    legalize_sparse_to_dense,
    legalize_dynamic_update_slice,
    legalize_unique,
    legalize_random,
    legalize_batch_norm_global,
    legalize_softmax_cross_entropy,
]
