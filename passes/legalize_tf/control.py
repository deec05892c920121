"""legalize-tf rules: control flow (tf.IfRegion/WhileRegion -> tfl.if/while) and resource variables.

An IfRegion whose condition is a constant is replaced by the branch it takes (inlined). A loop is trimmed before it
becomes a tfl.while, as TF's converter trims it: a loop-invariant constant is used as a constant inside cond and body
instead of being carried, and loop values nothing reads (the loop counter and maximum_iterations that
tf.while_loop adds) are dropped.
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import is_trivially_dead

from dialects import tf, tfl
from passes.patterns import const_value, rule

_CONSTS = (tf.ConstOp, tfl.ConstOp)


def _yield(block: Block) -> Operation:
    last = block.last_op
    assert last is not None
    return last


def erase_dead_ops(block: Block, rewriter: PatternRewriter) -> None:
    """Erase side-effect-free ops of `block` whose results are unused (one backwards sweep)."""
    op = block.last_op
    while op is not None:
        prev = op.prev_op
        if op.results and is_trivially_dead(op):
            rewriter.erase(op)
        op = prev


def _args_feeding(values: list[SSAValue], block: Block) -> set[int]:
    """Indices of `block`'s arguments that `values` are computed from."""
    found: set[int] = set()
    seen: set[SSAValue] = set()
    stack = list(values)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if isinstance(v, BlockArgument):
            if v.block is block:
                found.add(v.index)
            continue
        owner = v.owner
        if isinstance(owner, Operation):
            for inner in owner.walk():
                stack.extend(inner.operands)
    return found


def trim_loop(op: Operation, rewriter: PatternRewriter) -> list[int]:
    """Sink loop-invariant constants into cond/body and drop loop values that nothing reads; returns the indices
    of the operands kept (the caller rebuilds the op on them)."""
    cond, body = op.regions[0].block, op.regions[1].block
    inputs = list(op.operands)
    for k, value in enumerate(inputs):
        if _yield(body).operands[k] is not body.args[k]:
            continue
        rewriter.replace_all_uses_with(op.results[k], value)  # invariant: the loop returns its input
        owner = value.owner
        if isinstance(owner, _CONSTS):
            for block in (cond, body):
                if block.args[k].uses:
                    clone = owner.clone()
                    rewriter.insert(clone, InsertPoint.at_start(block))
                    rewriter.replace_all_uses_with(block.args[k], clone.results[0])
    live = {k for k in range(len(inputs)) if op.results[k].uses or cond.args[k].uses}
    # values an effect in the body reads (a variable write) are live as well
    effects = [o for o in body.ops if not o.results and o is not _yield(body)]
    live |= _args_feeding([v for o in effects for v in o.operands], body)
    work = list(live)
    while work:
        k = work.pop()
        for j in _args_feeding([_yield(body).operands[k]], body) - live:
            live.add(j)
            work.append(j)
    keep = sorted(live)
    if len(keep) == len(inputs):
        return keep
    old_yield = _yield(body)
    rewriter.replace(old_yield, tfl.YieldOp([old_yield.operands[k] for k in keep]))
    for block in (cond, body):
        erase_dead_ops(block, rewriter)
        for k in reversed(range(len(inputs))):
            if k not in live:
                block.erase_arg(block.args[k])
    return keep


@rule(tf.IfRegionOp)
def fold_constant_if(op: tf.IfRegionOp, rewriter: PatternRewriter) -> None:
    """A condition known at compile time: the taken branch, inlined."""
    cond = const_value(op.cond)
    if cond is None or cond.size != 1:
        return
    block = (op.then_region if bool(cond.reshape(-1)[0]) else op.else_region).block
    terminator = _yield(block)
    inputs = list(op.inputs)
    outs = [
        inputs[v.index] if isinstance(v, BlockArgument) and v.block is block else v
        for v in terminator.operands
    ]
    rewriter.erase(terminator)
    rewriter.inline_block(block, InsertPoint.before(op), inputs)
    rewriter.replace(op, [], outs)


def _move_regions(old: Operation, new: Operation) -> None:
    for src, dst in zip(old.regions, new.regions, strict=True):
        src.move_blocks(dst)


@rule(tf.IfRegionOp)
def legalize_if(op: tf.IfRegionOp, rewriter: PatternRewriter) -> None:
    """tf.IfRegion -> tfl.if (IF with then/else subgraphs)."""
    if not tfl.IfOp.supports(op.cond.type, "cond"):
        return
    new = tfl.IfOp(op.cond, list(op.inputs), [r.type for r in op.outs])
    _move_regions(op, new)
    new.attributes.update(op.attributes)
    rewriter.replace(op, new)


@rule(tf.WhileRegionOp)
def legalize_while(op: tf.WhileRegionOp, rewriter: PatternRewriter) -> None:
    """tf.WhileRegion -> tfl.while (WHILE with cond/body subgraphs), trimmed first."""
    cond_out = _yield(op.cond_region.block).operands
    if len(cond_out) != 1 or not isinstance(cond_out[0].type, TensorType):
        return
    keep = trim_loop(op, rewriter)
    new = tfl.WhileOp([op.inputs[k] for k in keep])
    _move_regions(op, new)
    new.attributes.update(op.attributes)
    results = [None] * len(op.results)
    for i, k in enumerate(keep):
        results[k] = new.results[i]
    rewriter.insert(new, InsertPoint.before(op))
    for k, r in enumerate(op.results):
        if results[k] is not None:
            rewriter.replace_all_uses_with(r, results[k])
    rewriter.erase(op)


@rule(tf.YieldOp)
def legalize_yield(op: tf.YieldOp, rewriter: PatternRewriter) -> None:
    rewriter.replace(op, tfl.YieldOp(list(op.values)))


@rule(tf.VarHandleOp)
def legalize_var_handle(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    """tf.VarHandleOp -> tfl.var_handle (container, shared_name)."""
    container = op.attributes.get("container")
    shared = op.attributes.get("shared_name")
    new = tfl.VarHandleOp(
        shared.data if shared is not None else "", op.results[0].type, container.data if container else ""
    )
    new.attributes.update({k: v for k, v in op.attributes.items() if k.startswith("tflc.")})
    rewriter.replace(op, new)


@rule(tf.ReadVariableOp)
def legalize_read_variable(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    new = tfl.ReadVariableOp(op.operands[0], op.results[0].type)
    new.attributes.update({k: v for k, v in op.attributes.items() if k.startswith("tflc.")})
    rewriter.replace(op, new)


@rule(tf.AssignVariableOp)
def legalize_assign_variable(op: tf.TFOp, rewriter: PatternRewriter) -> None:
    rewriter.replace(op, tfl.AssignVariableOp(op.operands[0], op.operands[1]))


RULES = [
    fold_constant_if,
    legalize_if,
    legalize_while,
    legalize_yield,
    legalize_var_handle,
    legalize_read_variable,
    legalize_assign_variable,
]
