"""Shared helpers of the `optimize` pass (TFLite-level fusions).

Each fusion rule is marked with the class of the op it starts from (the root of the matched DAG, usually its last
op). Helpers here state the guards TensorFlow's `optimize_patterns.td` uses beyond those in `passes.patterns`:
fused activations, per-channel constants broadcast on the last axis, rebuilding an op with other options.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tfl
from passes.patterns import const_value, erase_dead, named, shape_of, tfl_const

# Ops that carry a `fused_activation_function` and whose kernels apply it after the bias.
RELU_ACTIVATIONS: dict[type[Operation], str] = {
    tfl.ReluOp: "RELU",
    tfl.Relu6Op: "RELU6",
    tfl.Relu1Op: "RELU_N1_TO_1",
}
AFFINE = (tfl.Conv2DOp, tfl.DepthwiseConv2DOp, tfl.FullyConnectedOp, tfl.TransposeConvOp)
CONVS = (tfl.Conv2DOp, tfl.DepthwiseConv2DOp)


def owner(value: SSAValue, *classes: type[Operation]) -> Any:
    """The op defining `value` if it is one of `classes`, else None."""
    op = value.owner
    return op if isinstance(op, classes) else None


def no_value(value: SSAValue) -> bool:
    return isinstance(value.owner, tfl.NoValueOp)


def activation(op: Operation) -> str:
    act = op.properties.get("fused_activation_function")
    return act.data if act is not None else "NONE"  # type: ignore[attr-defined]


def const_and_other(op: Operation) -> tuple[np.ndarray, SSAValue, bool] | None:
    """For a binary op with exactly one constant operand: (constant, other operand, constant is rhs)."""
    lhs, rhs = op.operands[0], op.operands[1]
    c_rhs, c_lhs = const_value(rhs), const_value(lhs)
    if c_rhs is not None and c_lhs is None:
        return c_rhs, lhs, True
    if c_lhs is not None and c_rhs is None:
        return c_lhs, rhs, False
    return None


def channel_vector(c: np.ndarray, channels: int, out_rank: int) -> np.ndarray | None:
    """`c` as a [channels] float32 vector if it broadcasts along the last axis only (or is a scalar), else None."""
    if c.dtype != np.float32 or c.ndim > out_rank:
        return None
    if c.size == 1:
        return np.full((channels,), c.reshape(-1)[0], np.float32)
    if c.ndim == 0 or any(d != 1 for d in c.shape[:-1]) or c.shape[-1] != channels:
        return None
    return c.reshape(channels)


def rebuild(
    op: Operation,
    operands: Iterable[SSAValue] | None = None,
    result_types: list[Attribute] | None = None,
    **options: Any,
) -> Operation:
    """A copy of `op` (not inserted) with other operands/result types and some options changed."""
    props = dict(op.properties)
    fields = type(op).OPTIONS.fields if getattr(type(op), "OPTIONS", None) is not None else {}
    for k, v in options.items():
        props[k] = fields[k].attr(v)
    return type(op).create(
        operands=list(op.operands if operands is None else operands),
        result_types=[r.type for r in op.results] if result_types is None else result_types,
        properties=props,
        attributes=dict(op.attributes),
    )


def replace_root(
    rewriter: PatternRewriter, root: Operation, new_ops: list[Operation], dead: Iterable[Operation] = ()
) -> None:
    """Replace `root` by `new_ops` (last one named like root), then erase ops of the matched DAG left unused."""
    named(new_ops[-1], root)
    rewriter.replace(root, new_ops)
    erase_dead(rewriter, dead)


def forward(
    rewriter: PatternRewriter, root: Operation, value: SSAValue, dead: Iterable[Operation] = ()
) -> None:
    """Replace `root`'s single result by an existing value (the op is an identity)."""
    rewriter.replace(root, [], [value])
    erase_dead(rewriter, dead)


def static_shape(value: SSAValue) -> tuple[int, ...] | None:
    return shape_of(value)


def tensor_like(value: SSAValue, shape: Iterable[int]) -> TensorType:
    return TensorType(value.type.element_type, list(shape))  # type: ignore[attr-defined]


def i32_const(values: Iterable[int]) -> tfl.ConstOp:
    return tfl_const(np.asarray(list(values), np.int32))


def bias_index(op: Operation) -> int:
    return 3 if isinstance(op, tfl.TransposeConvOp) else 2


def input_index(op: Operation) -> int:
    return 2 if isinstance(op, tfl.TransposeConvOp) else 0


def out_channels(op: Operation, w: np.ndarray) -> int:
    """Number of output channels of an affine op given its filter (OHWI / [1,H,W,C*M] / [out,in])."""
    return int(w.shape[-1] if isinstance(op, tfl.DepthwiseConv2DOp) else w.shape[0])
