"""tf-cleanup: remove TF ops that do nothing at inference (Identity, StopGradient, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf
from passes.patterns import PatternTable, rule

_FORWARDING = (
    tf.IdentityOp,
    tf.IdentityNOp,
    tf.StopGradientOp,
    tf.SnapshotOp,
    tf.PreventGradientOp,
    tf.CheckNumericsOp,
    tf.EnsureShapeOp,
)


@rule(*_FORWARDING)
def forward_identity(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """Replace a forwarding op by its inputs (types must agree; EnsureShape may refine, keep then)."""
    n = len(op.results)
    ins = list(op.operands[:n])
    if len(ins) != n or any(i.type != r.type for i, r in zip(ins, op.results, strict=True)):
        return
    rewriter.replace(op, [], ins)


@rule(tf.NoOpOp)
def erase_noop(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    if not op.results:
        rewriter.erase(op)


CLEANUP_TF = PatternTable(
    "tf-cleanup",
    [
        forward_identity,
        erase_noop,
    ],
)


@dataclass(frozen=True)
class CleanupTF(ModulePass):
    """Forward Identity-like ops and drop no-ops."""

    name = "tf-cleanup"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        CLEANUP_TF.apply(op, once=True)
