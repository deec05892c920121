"""pin-inputs: inputs whose dynamic dims the model reads as values get a RESHAPE to their converted shape.

tflc fixes a signature's dynamic (None) dims to 1 and folds `tf.shape(x)[0]` and the like into constants. LiteRT's
signature runner resizes inputs without asking the model, so a model that folded `x / batch` would then compute
`x / 1` at batch 4. The frontend marks such inputs (dialects/names.py PINNED_INPUTS); this pass makes each flow
through a RESHAPE to its converted shape first, so running at another shape fails in RESHAPE's prepare instead of
returning wrong numbers. The converter runs it after every pipeline (user pipelines included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr, TensorType
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from dialects import tfl
from dialects.names import NAME, PINNED_INPUTS, SHAPE_READS, SIGNATURE_INPUTS
from passes.patterns import tfl_const


def pin_inputs(module: ModuleOp) -> list[str]:
    """Insert the pinning RESHAPEs; returns one note per pinned signature (empty if none)."""
    notes = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp) or PINNED_INPUTS not in fn.attributes:
            continue
        pinned = [int(a.value.data) for a in fn.attributes[PINNED_INPUTS]]  # type: ignore[attr-defined]
        names_attr = fn.attributes.get(SIGNATURE_INPUTS)
        names = [a.data for a in names_attr] if isinstance(names_attr, ArrayAttr) else []  # type: ignore[attr-defined]
        block = fn.body.block
        shown = []
        for index in pinned:
            arg = block.args[index]
            if not isinstance(arg.type, TensorType) or not arg.uses:
                continue
            name = names[index] if index < len(names) else f"input {index}"
            uses = list(arg.uses)  # before the RESHAPE below becomes one
            shape = tfl_const(np.asarray(arg.type.get_shape(), np.int32), f"{name}/pinned_shape")
            reshape = tfl.ReshapeOp.build([arg, shape.output], [arg.type])
            reshape.attributes[NAME] = StringAttr(f"{name}/pinned")
            Rewriter.insert_op([shape, reshape], InsertPoint.at_start(block))
            for use in uses:
                use.operation.operands[use.index] = reshape.results[0]
            shown.append(f"{name} {list(arg.type.get_shape())}")
        del fn.attributes[PINNED_INPUTS]
        reads = fn.attributes.pop(SHAPE_READS, None)
        if shown:
            nodes = [a.data for a in reads][:3] if isinstance(reads, ArrayAttr) else []  # type: ignore[attr-defined]
            notes.append(
                f"signature {fn.sym_name.data!r} reads dynamic input dims as values ({', '.join(nodes)}"
                f"{', ...' if isinstance(reads, ArrayAttr) and len(reads) > 3 else ''}); they were folded at the "
                f"converted shape, so inputs are pinned to it: {'; '.join(shown)}. Running at another shape fails "
                "in RESHAPE instead of computing with the folded size. Fix: convert with the input shapes you run."
            )
    return notes


def dynamic_state_notes(module: ModuleOp) -> list[str]:
    """One note per signature whose recurrent state tensors (variable tensors) have a dynamic dim.

    LiteRT sizes a variable tensor only when asked: resizing the inputs to batch 8 leaves the LSTM/RNN states at
    batch 1 and allocate_tensors fails in the op's prepare. Users must resize the states too; say which ones."""
    notes = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        states = []
        for op in fn.walk():
            if not getattr(op, "IS_VARIABLE", False):
                continue
            ty = op.results[0].type
            if isinstance(ty, TensorType) and -1 in ty.get_shape():
                name = op.attributes.get(NAME)
                shape = list(ty.get_shape())
                states.append(f"{name.data if isinstance(name, StringAttr) else 'state'} {shape}")
        if states:
            notes.append(
                f"signature {fn.sym_name.data!r} keeps recurrent state in {len(states)} variable tensor(s) with a "
                f"dynamic dim ({'; '.join(states[:4])}{'; ...' if len(states) > 4 else ''}). LiteRT does not resize "
                "variable tensors with the inputs: after resize_tensor_input on an input, resize each state tensor "
                "to the new batch too (interpreter.resize_tensor_input(state_index, [batch, units])) before "
                "allocate_tensors, or convert with a fixed batch (experimental_static_batch = N / --static-batch N)."
            )
    return notes


@dataclass(frozen=True)
class PinInputs(ModulePass):
    name = "pin-inputs"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pin_inputs(op)
