"""legalize-tf rules: matrix products (MatMul, BatchMatMul*, BiasAdd)."""

from __future__ import annotations

import numpy as np
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.legalize_tf.table import LEGALIZE_TF
from passes.patterns import bool_attr, const_value, replace_with, shape_of, tfl_const


@LEGALIZE_TF.register(tf.MatMulOp)
def legalize_matmul(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.MatMul(a, b) -> tfl.fully_connected(a, b^T) when b is constant, else tfl.batch_matmul."""
    a, b = op.operands
    ta, tb = bool_attr(op, "transpose_a"), bool_attr(op, "transpose_b")
    w = const_value(b)
    if w is not None and not ta:
        weights = w if tb else np.ascontiguousarray(w.T)  # FULLY_CONNECTED wants [out, in]
        wc = tfl_const(weights)
        none = tfl.NoValueOp()
        fc = tfl.FullyConnectedOp.build([a, wc.output, none.none], [op.results[0].type])
        replace_with(rewriter, op, [wc, none, fc])
        return
    if shape_of(a) is None or shape_of(b) is None:
        return
    bmm = tfl.BatchMatMulOp.build([a, b], [op.results[0].type], adj_x=ta, adj_y=tb)
    replace_with(rewriter, op, [bmm])
