"""legalize-tf rule: integer matrix products with a wider result.

    tf.BatchMatMulV3(x: int8, y: int8) {Tout = int32} -> tfl.batch_matmul {adj_x, adj_y}: int8 x int8 -> int32

TF 2.21's converter writes these as BATCH_MATMUL version 2 on plain (unquantized) int8 tensors; LiteRT runs them
with its int8 x int8 -> int32 kernel (EvalInt8Int32). The float rule (matmul.py) declines mixed element types.
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, i8, i32
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from passes.patterns import bool_attr, replace_with, rule, shape_of


@rule(tf.BatchMatMulV3Op)
def legalize_int8_batch_matmul(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BatchMatMulV3(int8, int8) -> int32 as tfl.batch_matmul."""
    x, y = op.operands
    out = op.results[0].type
    if not all(isinstance(v.type, TensorType) for v in (x, y)) or not isinstance(out, TensorType):
        return
    if (x.type.element_type, y.type.element_type, out.element_type) != (i8, i8, i32):
        return
    if shape_of(x) is None or shape_of(y) is None:
        return
    adj_x, adj_y = bool_attr(op, "adj_x"), bool_attr(op, "adj_y")
    replace_with(rewriter, op, [tfl.BatchMatMulOp.build([x, y], [out], adj_x=adj_x, adj_y=adj_y)])


RULES = [legalize_int8_batch_matmul]
