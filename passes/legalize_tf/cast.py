"""legalize-tf rules: element type conversions and bit operations.

Cast -> tfl.cast (CastOptions name both types); Bitcast between element types of the same width -> tfl.bitcast;
BitwiseAnd with the int32 sign mask -> a sign test (Keras 3 argmax/signbit test the sign bit of a float as
Less(BitwiseAnd(Bitcast(x), INT32_MIN), 0)).
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType, i1
from xdsl.ir import SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint

from dialects import tf, tfl
from dialects.tensor_types import tensor_type_name
from passes.expr import Builder, select
from passes.patterns import (
    BOOL,
    F16,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    const_value,
    dtype_of,
    replace_with,
    rule,
    shape_of,
)

# Element types the cast and bitcast rules convert between (float64 only by bitcast: CAST has no kernel for it).
CAST_TYPES = frozenset({F32, F16, F64, I32, I64, I16, I8, U8, BOOL})


@rule(tf.CastOp)
def legalize_cast(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Cast -> tfl.cast with CastOptions in/out types (a cast to the same type disappears)."""
    x, out = op.operands[0], op.results[0]
    src, dst = dtype_of(x), dtype_of(out)
    if src not in CAST_TYPES or dst not in CAST_TYPES or F64 in (src, dst):
        return
    if x.type == out.type:
        rewriter.replace(op, [], [x])
        return
    cast = tfl.CastOp.build(
        [x], [out.type], in_data_type=tensor_type_name(src), out_data_type=tensor_type_name(dst)
    )
    replace_with(rewriter, op, [cast])


@rule(tf.BitcastOp)
def legalize_bitcast(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.Bitcast between element types of the same width (shape unchanged) -> tfl.bitcast."""
    x, out = op.operands[0], op.results[0]
    src, dst = dtype_of(x), dtype_of(out)
    if src is None or dst is None or src.itemsize != dst.itemsize or shape_of(x) is None:
        return
    if shape_of(x) != shape_of(out) or src not in CAST_TYPES or dst not in CAST_TYPES:
        return
    replace_with(rewriter, op, [tfl.BitcastOp.build([x], [out.type])])


INT32_MIN = np.iinfo(np.int32).min


@rule(tf.BitwiseAndOp)
def legalize_sign_mask(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.BitwiseAnd(v, INT32_MIN) (the sign-bit mask; no builtin for bitwise and):
    users `mask < 0` become `v < 0`; otherwise the mask is select_v2(v < 0, INT32_MIN, 0)."""
    v, m = op.operands
    if const_value(v) is not None and const_value(m) is None:
        v, m = m, v
    mask = const_value(m)
    out = op.results[0]
    if dtype_of(v) != I32 or mask is None or mask.size == 0 or not np.all(mask == INT32_MIN):
        return
    if mask.ndim > 0 and v.type != out.type:
        return
    b = Builder(op)
    zero = b.const(0, I32)
    is_neg = b(v) < zero
    users = [u.operation for u in out.uses]
    if users and all(_is_sign_test(u, out, v) for u in users):
        new = b.ops(is_neg)
        rewriter.insert(new, InsertPoint.before(op))
        for u in users:
            rewriter.replace(u, [], [new[-1].results[0]])
        rewriter.erase(op)
        return
    b.replace(rewriter, select(is_neg, b.const(INT32_MIN, I32), zero))


def _is_sign_test(user: object, mask: SSAValue, v: SSAValue) -> bool:
    """`user` is `mask < 0` with the type `v < 0` has."""
    return (
        isinstance(user, tf.LessOp)
        and user.operands[0] is mask
        and _is_zero(user.operands[1])
        and user.results[0].type == TensorType(i1, v.type.get_shape())  # type: ignore[attr-defined]
    )


def _is_zero(value: SSAValue) -> bool:
    c = const_value(value)
    return c is not None and c.size > 0 and c.ndim == 0 and bool(np.all(c == 0))


RULES = [legalize_cast, legalize_bitcast, legalize_sign_mask]
