"""Recurrent layers recognized at import: a Keras RNN `While` loop -> fused LiteRT sequence ops (or an unrolled cell).

Keras 3 (TF backend) and tf-keras run an RNN layer as a While loop over the time-major sequence: the body reads step
`time` of a TensorList made from the input (TensorListFromTensor), runs the cell on it and the states, reading the
weights from captured variables (Keras 3) or loop invariants (tf-keras), and writes the output at `time` (return
sequences) or at 0 (last output only) into a second TensorList, stacked after the loop. The importer calls
`import_op` for every op before its generic path; for such a While:

- LSTM (two states, the Keras gate math) -> UNIDIRECTIONAL_SEQUENCE_LSTM with TF's weight layout (gates i, f, c, o;
  weights [units, input]), zero initial states as variable tensors;
- SimpleRNN (one state, no sigmoid) -> UNIDIRECTIONAL_SEQUENCE_RNN (activation tanh or relu fused);
- any other RNN cell (input and recurrent MatMuls: GRU with either reset_after, LSTM with other activations) over a
  static sequence of at most MAX_UNROLL steps: the body is imported once per step (the same TF ops TF would run,
  so the same numbers), states chained. Other loops, and longer sequences, stay While loops (the generic path).

A cell is fused only after one step of the body, run by TensorFlow on random inputs, matches the fused op's
formula with the weights read from the model; anything that does not match exactly (another activation, peepholes,
masking, a non-zero initial state, a used final cell state) is unrolled when short and static, and otherwise left
to the generic While path, so a partial match never changes the model. Bidirectional wrappers are two such loops
(the backward one reads a ReverseV2 of the input) joined by ReverseV2 + ConcatV2 in the graph, which import as is:
two fused LSTMs + REVERSE_V2 + CONCATENATION, the form LiteRT runs with its default kernels.

Dynamic dims (experimental_static_batch = None): a None batch or sequence length stays -1. The loop bound must then
be the sequence's run-time length (tf.shape(sequence)[0], checked on the IR) and the initial states zeros of a
run-time shape (Fill(dims, 0)); the fused ops read the run-time length, and their state variable tensors get
shape_signature [-1, units]. LiteRT does not resize variable tensors with the input (its Prepare checks that a state
holds batch x units elements): after resize_tensor_input of the input, resize the state variables to [batch, units]
too; a resized variable restarts from zero (our runtime does the same). GRU rule (GRU(32), 16 features, batch 1, one
thread): 16 steps unrolled 278 ops, LiteRT 12 us (ours 25) vs WHILE 37 ops (12 + cond 3 + body 22), 28 us (39);
64 steps 1094 ops, 309 us (610) vs WHILE 37 ops, 419 us (720): unrolled while static and <= MAX_UNROLL steps, else
(a run-time length, or longer) the generic WHILE path, whose lists passes/lower_tensor_list.py sizes at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import SSAValue

from dialects import tf as tfd
from dialects import tfl
from dialects.elements import DenseElementsAttr
from dialects.names import NAME

# Longest static sequence a non-fused cell is unrolled over (ops grow linearly: ~14 builtins per GRU step).
MAX_UNROLL = 64
_WHILE = {"While", "StatelessWhile"}
_DT_FLOAT, _DT_INT32, _DT_RESOURCE, _DT_VARIANT = 1, 3, 20, 21
_ACTIVATIONS = {"Tanh": "TANH", "Relu": "RELU"}


@dataclass
class SequenceList:
    """A recognized While's output TensorList: built on demand as the time-major [steps, batch, units] outputs,
    or, when the loop writes index 0 each step (Keras' return_sequences=False), as [1, batch, units]."""

    loop: Any
    sequence: Any  # () -> SSAValue, None when only the last output is kept
    last: SSAValue  # the last output [batch, units]

    def stacked(self) -> SSAValue:
        if self.sequence is not None:
            return self.sequence()
        B, U = self.loop.batch, self.loop.units
        shape = self.loop.const(np.array([1, B, U], np.int32), "last/shape")  # B = -1: the run-time batch
        return self.loop.tf_op("Reshape", [self.last, shape], [1, B, U], "last/list", Tshape=tfd_int32())


# Set on the importer once a loop is recognized: ops after it may get shapes TF could not infer through the list.
_RECOGNIZED = "_rnn_recognized"
# TensorListStack results holding only the last output -> that output ([batch, units]), for the slice Keras takes.
_LAST = "_rnn_last_outputs"


def import_op(importer: Any, op: Any, args: list[Any], values: dict[str, Any]) -> bool:
    """Import `op` if it is part of a recognized recurrent layer; False leaves it to the generic path."""
    if op.type == "TensorListStack" and args and isinstance(args[0], SequenceList):
        seq = args[0].stacked()
        if not op.outputs[0].shape.is_compatible_with(_dims(seq)):
            raise AssertionError(
                "TensorListStack shape differs from the recognized sequence"
            )  # checked at match
        values[op.outputs[0].name] = seq
        if args[0].sequence is None:
            importer.__dict__.setdefault(_LAST, {})[seq] = args[0].last
        return True
    if op.type == "StridedSlice" and args and args[0] in importer.__dict__.get(_LAST, {}):
        # [1, B, U] -> [B, U] with unit strides can only take the one element: the last output itself
        last = importer.__dict__[_LAST][args[0]]
        strides = _static_value(op.inputs[3])
        if (
            strides is not None
            and np.all(strides == 1)
            and list(args[0].type.get_shape()[1:]) == list(last.type.get_shape())
            and op.outputs[0].shape.is_compatible_with(_dims(last))
        ):
            values[op.outputs[0].name] = last
            return True
    if op.type in ("Identity", "IdentityN") and any(isinstance(a, SequenceList) for a in args):
        for out, a in zip(op.outputs, args, strict=False):
            values[out.name] = a
        return True
    if op.type not in _WHILE:
        return _import_refined(importer, op, args, values)
    try:
        loop = _Loop.match(importer, op, args)
    except _NoMatch:
        return False
    importer.__dict__[_RECOGNIZED] = True
    outs = loop.emit_fused() if loop.fusable() else None
    if outs is None:
        # only RNN cells (input and recurrent matmuls) are unrolled; other loops stay While loops
        if loop.steps > MAX_UNROLL or loop.steps < 0 or loop.units < 0 or not loop.is_cell():
            return False
        outs = loop.emit_unrolled()
    for tensor, value in zip(op.outputs, outs, strict=True):
        values[tensor.name] = value
    return True


class _NoMatch(Exception):
    pass


def _require(cond: bool) -> None:
    if not cond:
        raise _NoMatch


def _split(name: str) -> tuple[str, int]:
    node, _, idx = name.partition(":")
    return node, int(idx) if idx else 0


class _Loop:
    """One Keras RNN While loop: the roles of its loop variables, its cell kind and its weights."""

    def __init__(self, importer: Any, op: Any, args: list[Any]) -> None:
        self.importer, self.op, self.args = importer, op, args

    # ---- structure ---------------------------------------------------------------------------------------------

    @classmethod
    def match(cls, importer: Any, op: Any, args: list[Any]) -> _Loop:
        from tensorflow.python.framework.function_def_to_graph import function_def_to_graph_def

        self = cls(importer, op, args)
        library = importer.entry.library
        body = library.get(op.get_attr("body").name)
        cond = library.get(op.get_attr("cond").name)
        _require(body is not None and cond is not None)
        self.body, self.cond = body, cond
        with importer.library_graph().as_default():
            gd, name_map = function_def_to_graph_def(body)
        self.gd, self.name_map = gd, name_map
        self.nodes = {n.name: n for n in gd.node}
        arg_names = [name_map[a.name].split(":")[0] for a in body.signature.input_arg]
        self.arg_names = arg_names
        arg_of = {n: i for i, n in enumerate(arg_names)}
        types = [a.type for a in body.signature.input_arg]
        n = len(types)
        _require(n == len(op.inputs) == len(args))
        rets = [self.resolve(name_map[body.ret[a.name]]) for a in body.signature.output_arg]
        _require(len(rets) == n)

        def ret_arg(i: int) -> int | None:
            node, _ = _split(rets[i])
            return arg_of.get(node)

        getitems = [nd for nd in gd.node if nd.op == "TensorListGetItem"]
        setitems = [nd for nd in gd.node if nd.op == "TensorListSetItem"]
        _require(len(getitems) == 1 and len(setitems) == 1)
        get, put = getitems[0], setitems[0]
        self.in_list = arg_of.get(_split(self.resolve(get.input[0]))[0])
        self.out_list = arg_of.get(_split(self.resolve(put.input[0]))[0])
        self.time = arg_of.get(_split(self.resolve(get.input[1]))[0])
        _require(None not in (self.in_list, self.out_list, self.time))
        _require(ret_arg(self.in_list) == self.in_list and _split(rets[self.out_list])[0] == put.name)
        _require(self.incremented(rets[self.time], self.time))
        self.get, self.put = get, put
        self.item = f"{get.name}:0"
        # index 0 every step (Keras' return_sequences=False) or `time`
        put_index = self.resolve(put.input[1])
        if _split(put_index)[0] == arg_names[self.time]:
            self.last_only = False
        else:
            idx = self.const_of(put_index)
            _require(idx is not None and int(idx) == 0)
            self.last_only = True
        self.states, self.invariants, self.counters = [], [], []
        for i in range(n):
            if i in (self.in_list, self.out_list, self.time):
                continue
            if ret_arg(i) == i:
                self.invariants.append(i)
            elif types[i] == _DT_INT32 and self.incremented(rets[i], i):
                self.counters.append(i)
            elif types[i] == _DT_FLOAT:
                self.states.append(i)
            else:
                raise _NoMatch
        _require(all(types[i] in (_DT_FLOAT, _DT_INT32, _DT_RESOURCE) for i in self.invariants))
        _require(1 <= len(self.states) <= 2 and len(self.counters) <= 1)
        self.rets = rets
        # outer graph: the sequence comes from TensorListFromTensor, the output list from TensorListReserve
        src = op.inputs[self.in_list].op
        _require(src.type == "TensorListFromTensor")
        # shapes from the imported operands: TF's graph may not know them behind an earlier recognized loop
        listed = args[self.in_list]  # the imported TensorListFromTensor: the sequence is its first operand
        _require(
            isinstance(listed, SSAValue) and listed.owner is not None and len(listed.owner.operands) >= 1
        )
        self.sequence = listed.owner.operands[0]
        seq_shape = _shape(self.sequence)
        # steps and batch may be dynamic (-1: the run-time sequence length / batch); the features are not
        _require(seq_shape is not None and len(seq_shape) == 3 and seq_shape[2] >= 0)
        _require(self.sequence.type.element_type == f32)
        self.steps, self.batch, self.features = seq_shape
        _require(self.steps >= 1 or self.steps == -1)
        _require(op.inputs[self.out_list].op.type == "TensorListReserve")
        units = set()
        for i in self.states:
            shape = _shape(args[i]) if isinstance(args[i], SSAValue) else None
            _require(shape is not None and len(shape) == 2 and _same_dim(shape[0], self.batch))
            units.add(shape[1])
        # with a dynamic batch TF may not know the states' width (zeros of a run-time shape): the weights tell
        self.units = _static_shape(args[self.states[0]])[1] if self.dynamic is False else max(units)
        # what reads the output list: TensorListStack only
        list_out = op.outputs[self.out_list]
        for consumer in list_out.consumers():
            _require(consumer.type == "TensorListStack")
            want = [1 if self.last_only else self.steps, self.batch, self.units]
            _require(consumer.outputs[0].shape.is_compatible_with([d if d >= 0 else None for d in want]))
        if self.dynamic:
            self.check_trip_count_probed()
            # the fused op has no trip count output: a dynamic one must not be read
            _require(
                self.steps >= 0 or not any(self.is_read(op.outputs[i]) for i in [self.time, *self.counters])
            )
        else:
            self.check_trip_count()
        return self

    @property
    def dynamic(self) -> bool:
        """Whether the sequence length or the batch is a run-time dim (the model converts with dynamic dims)."""
        return (
            self.steps < 0 or self.batch < 0 or any(_static_shape(self.args[i]) is None for i in self.states)
        )

    def probe_sizes(self) -> list[tuple[int, int]]:
        """(batch, steps) a step is checked at: the static dims, and probe sizes for dynamic ones."""
        return [
            (self.batch if self.batch > 0 else b, self.steps if self.steps > 0 else t)
            for b, t in ((2, 7), (3, 11))
        ]

    def check_trip_count_probed(self) -> None:
        """check_trip_count for a run-time sequence length: int inputs that are not constants must be the length
        itself (tf.shape(sequence)[0], as Keras computes the loop bound), checked at two lengths."""
        ints = self.static_ints()
        lengths = [
            i
            for i, t in enumerate(self.op.inputs)
            if ints[i] is None and t.dtype.name == "int32" and self.is_length(self.args[i])
        ]
        for steps in (7, 11) if self.steps < 0 else (self.steps,):
            at = list(ints)
            for i in lengths:
                at[i] = steps
            self.check_trip_count(at, steps)

    def is_length(self, v: Any) -> bool:
        """`v` is the sequence's length: StridedSlice(Shape(sequence), [0], [1], [1], shrink) (through Identity),
        or the same dim of the batch-major input the sequence is a [1, 0, 2] transpose of."""
        while isinstance(v, SSAValue) and getattr(v.owner, "TF_TYPE", "") == "Identity":
            v = v.owner.operands[0]
        owner = v.owner if isinstance(v, SSAValue) else None
        if getattr(owner, "TF_TYPE", "") != "StridedSlice" or len(owner.operands) != 4:
            return False
        consts = [_const_array(o) for o in owner.operands[1:]]
        if any(c is None or c.shape != (1,) for c in consts):
            return False
        (begin,), (end,), (stride,) = (c.tolist() for c in consts)
        masks = {k: owner.attributes[k].value.data for k in _MASKS if k in owner.attributes}
        if stride != 1 or end != begin + 1 or masks != {**dict.fromkeys(_MASKS, 0), "shrink_axis_mask": 1}:
            return False
        shape = owner.operands[0].owner
        if getattr(shape, "TF_TYPE", "") != "Shape":
            return False
        return self.time_axes().get(shape.operands[0]) == begin

    def time_axes(self) -> dict[SSAValue, int]:
        """Values the sequence is made from without changing its dims -> their time axis: the sequence (0), what it
        reverses or forwards (0), the batch-major input of a [1, 0, 2] transpose (1)."""
        axes: dict[SSAValue, int] = {}
        v, axis = self.sequence, 0
        while isinstance(v, SSAValue) and v not in axes:
            axes[v] = axis
            owner, kind = v.owner, getattr(v.owner, "TF_TYPE", "")
            if kind in ("ReverseV2", "Identity", "StopGradient"):
                v = owner.operands[0]
            elif kind == "Transpose" and axis == 0:
                perm = _const_array(owner.operands[1])
                if perm is None or perm.tolist() != [1, 0, 2]:
                    break
                v, axis = owner.operands[0], 1
            else:
                break
        return axes

    def is_read(self, tensor: Any) -> bool:
        """Whether a While output reaches a signature output or a computing op (not only dead Identity nodes
        left by inlined function returns)."""
        roots = set()
        for ret in self.importer.entry.function_def.ret.values():
            parts = ret.split(":")
            name = f"{parts[0]}:{parts[-1]}" if len(parts) == 3 else ret
            roots.add(self.importer.renamed.get(name, name).split(":")[0])
        stack, seen = [tensor], set()
        while stack:
            for consumer in stack.pop().consumers():
                if consumer.name in roots or consumer.type not in ("Identity", "IdentityN"):
                    return True
                if consumer.name not in seen:
                    seen.add(consumer.name)
                    stack.extend(consumer.outputs)
        return False

    def resolve(self, tensor: str) -> str:
        """A body tensor name ("node:out:idx" or "node:idx") as "node:idx", through Identity."""
        parts = tensor.split(":")
        node = parts[0]
        idx = int(parts[-1]) if len(parts) > 1 else 0
        nd = self.nodes.get(node)
        while nd is not None and nd.op == "Identity":
            node, idx = _split(nd.input[0].split("^")[-1])
            nd = self.nodes.get(node)
        return f"{node}:{idx}"

    def const_of(self, tensor: str) -> np.ndarray | None:
        import tensorflow as tf

        nd = self.nodes.get(_split(tensor)[0])
        if nd is None or nd.op != "Const":
            return None
        return tf.make_ndarray(nd.attr["value"].tensor)

    def incremented(self, tensor: str, arg: int) -> bool:
        """`tensor` is arg + 1."""
        nd = self.nodes.get(_split(tensor)[0])
        if nd is None or nd.op not in ("AddV2", "Add") or len(nd.input) < 2:
            return False
        a, b = self.resolve(nd.input[0]), self.resolve(nd.input[1])
        one = self.const_of(b)
        return _split(a)[0] == self.arg_names[arg] and one is not None and one.size == 1 and int(one) == 1

    def static_ints(self) -> list[int | None]:
        """The loop's initial int32 scalars (time, counter, bounds) as constants, None where not constant."""
        out: list[int | None] = []
        for i, t in enumerate(self.op.inputs):
            if t.dtype.name != "int32" or t.shape.rank != 0:
                out.append(None)
                continue
            v = self.args[i]
            owner = v.owner if isinstance(v, SSAValue) else None
            if isinstance(owner, tfd.ConstOp):
                out.append(int(owner.value.array))
                continue
            out.append(_evaluate(self.importer, t))
        return out

    def check_trip_count(self, ints: list[int | None] | None = None, steps: int | None = None) -> None:
        """The loop runs exactly `steps` times from time 0: cond holds for time < steps only."""
        ints = self.static_ints() if ints is None else ints
        steps = self.steps if steps is None else steps
        _require(ints[self.time] == 0)
        for i in self.counters:
            _require(ints[i] is not None)
        for i in self.invariants:
            if self.op.inputs[i].dtype.name == "int32":
                _require(ints[i] is not None)
        cond_nodes = {n.name: n for n in self.cond.node_def}
        cond_args = [a.name for a in self.cond.signature.input_arg]
        ret = self.cond.ret[self.cond.signature.output_arg[0].name]

        def value(name: str, env: dict[str, int]) -> Any:
            node = name.split(":")[0]
            if node in env:
                return env[node]
            nd = cond_nodes.get(node)
            _require(nd is not None)
            if nd.op == "Identity":
                return value(nd.input[0], env)
            if nd.op == "Const":
                import tensorflow as tf

                return tf.make_ndarray(nd.attr["value"].tensor).item()
            a = [value(x, env) for x in nd.input if not x.startswith("^")]
            if nd.op == "Less":
                return a[0] < a[1]
            if nd.op == "LogicalAnd":
                return bool(a[0]) and bool(a[1])
            raise _NoMatch

        for k in range(steps + 1):
            env = {}
            for i, name in enumerate(cond_args):
                if i == self.time:
                    env[name] = k
                elif i in self.counters:
                    env[name] = ints[i] + k
                elif ints[i] is not None:
                    env[name] = ints[i]
            _require(bool(value(ret, env)) == (k < steps))

    # ---- the cell ----------------------------------------------------------------------------------------------

    def invariant_array(self, i: int) -> np.ndarray | None:
        v = self.args[i]
        while isinstance(v, SSAValue) and getattr(v.owner, "TF_TYPE", "") in ("Identity", "StopGradient"):
            v = v.owner.operands[0]
        if isinstance(v, SSAValue):
            owner = v.owner
            return owner.value.array if isinstance(owner, tfd.ConstOp) else None
        if isinstance(v, tuple) and v and v[0] == "resource":
            return None  # read where the body reads it (dtype known there)
        return None

    def weights(self) -> dict[str, np.ndarray] | None:
        """kernel / recurrent_kernel / bias of the cell, found by what the body multiplies with what."""
        x_node = self.get.name
        h_node = self.arg_names[self.states[0]]
        found: dict[str, np.ndarray] = {}
        for nd in self.gd.node:
            if nd.op != "MatMul":
                continue
            if nd.attr["transpose_a"].b or nd.attr["transpose_b"].b:
                return None
            lhs = _split(self.resolve(nd.input[0]))[0]
            w = self.weight_of(self.resolve(nd.input[1]))
            if w is None:
                return None
            role = {x_node: "kernel", h_node: "recurrent_kernel"}.get(lhs)
            if role is None or role in found:
                return None
            found[role] = w
        for nd in self.gd.node:  # the bias is the one weight added (the step check confirms where)
            if nd.op in ("BiasAdd", "AddV2", "Add"):
                for inp in nd.input[:2]:
                    w = self.weight_of(self.resolve(inp))
                    if w is not None:
                        if "bias" in found:
                            return None
                        found["bias"] = w
        return found if {"kernel", "recurrent_kernel"} <= set(found) else None

    def weight_of(self, tensor: str) -> np.ndarray | None:
        """The frozen value of a loop invariant (read through ReadVariableOp for captured variables)."""
        node, _ = _split(tensor)
        nd = self.nodes.get(node)
        if nd is not None and nd.op == "ReadVariableOp":
            arg = _split(self.resolve(nd.input[0]))[0]
            i = self.arg_names.index(arg) if arg in self.arg_names else None
            if i is None or i not in self.invariants:
                return None
            marker = self.args[i]
            if not (isinstance(marker, tuple) and marker[0] == "resource"):
                return None
            return np.asarray(self.importer.variable_value(marker, nd.attr["dtype"].type))
        if node in self.arg_names and self.arg_names.index(node) in self.invariants:
            return self.invariant_array(self.arg_names.index(node))
        return None

    def is_cell(self) -> bool:
        """An RNN cell: the step's input goes through a MatMul, and at least one more MatMul (the recurrent one)."""
        matmuls = [nd for nd in self.gd.node if nd.op in ("MatMul", "BatchMatMulV2", "BatchMatMulV3")]
        return len(matmuls) >= 2 and any(
            _split(self.resolve(nd.input[0]))[0] == self.get.name for nd in matmuls
        )

    def fusable(self) -> bool:
        """A standard LSTM or SimpleRNN cell with zero initial states whose final cell state is not read."""
        ops = [nd.op for nd in self.gd.node]
        kind = "lstm" if len(self.states) == 2 else ("rnn" if "Sigmoid" not in ops else "gru")
        if kind == "gru":
            return False
        w = self.weights()
        if w is None or "bias" not in w:
            return False
        gates = 4 if kind == "lstm" else 1
        k, r, b = w["kernel"], w["recurrent_kernel"], w["bias"]
        if self.units < 0 and r.ndim == 2:  # zeros of a run-time shape: the width is the recurrent kernel's
            self.units = r.shape[0]
        if k.shape != (self.features, gates * self.units) or r.shape != (self.units, gates * self.units):
            return False
        if b.shape != (gates * self.units,) or k.dtype != np.float32:
            return False
        self.kind, self.kernel, self.recurrent_kernel, self.bias = kind, k, r, b
        if kind == "rnn":
            acts = [o for o in ops if o in _ACTIVATIONS or o in ("Sigmoid", "Relu6", "Elu", "Selu")]
            if len(acts) != 1 or acts[0] not in _ACTIVATIONS:
                return False
            self.activation = _ACTIVATIONS[acts[0]]
        for i in self.states:
            if self.dynamic and _is_zeros(self.args[i]):
                continue
            owner = self.args[i].owner
            init = (
                owner.value.array
                if isinstance(owner, tfd.ConstOp)
                else _evaluate_array(self.importer, self.op.inputs[i])
            )
            if init is None or np.any(init != 0):
                return False
        if kind == "lstm" and self.is_read(self.op.outputs[self.states[1]]):
            return False  # the fused op keeps the cell state in a variable tensor, not an output
        return self.step_matches()

    def reference_step(self, x: np.ndarray, states: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The fused op's formula for one step (float64): (output, new states)."""
        x, states = x.astype(np.float64), [s.astype(np.float64) for s in states]
        z = x @ self.kernel + states[0] @ self.recurrent_kernel + self.bias
        if self.kind == "rnn":
            h = np.tanh(z) if self.activation == "TANH" else np.maximum(z, 0)
            return h, [h]
        u = self.units
        sig = 1 / (1 + np.exp(-z))
        i, f, g, o = sig[:, :u], sig[:, u : 2 * u], np.tanh(z[:, 2 * u : 3 * u]), sig[:, 3 * u :]
        c = f * states[1] + i * g
        h = o * np.tanh(c)
        return h, [h, c]

    def step_matches(self) -> bool:
        """Run one body step in TensorFlow on random inputs and compare it with the fused op's formula."""
        import tensorflow as tf

        rng = np.random.default_rng(0)
        (batch, steps), _ = self.probe_sizes()
        xs = rng.uniform(-2, 2, (steps, batch, self.features)).astype(np.float32)
        states = [rng.uniform(-1, 1, (batch, self.units)).astype(np.float32) for _ in self.states]
        gd = type(self.gd)()
        gd.CopyFrom(self.gd)
        for nd in gd.node:  # captured variables read in the body -> their frozen values
            if nd.op == "ReadVariableOp":
                arr = self.weight_of(f"{nd.name}:0")
                if arr is None:
                    return False
                nd.op = "Const"
                del nd.input[:]
                nd.attr.clear()
                nd.attr["dtype"].type = _DT_FLOAT if arr.dtype == np.float32 else nd.attr["dtype"].type
                nd.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(arr))
        gd.library.CopyFrom(self.importer.library_proto())
        t = min(1, steps - 1)
        graph = tf.Graph()
        with graph.as_default():
            feed: dict[str, Any] = {}
            for i, name in enumerate(self.arg_names):
                src = self.op.inputs[i]
                if i == self.in_list:
                    v = tf.raw_ops.TensorListFromTensor(tensor=tf.constant(xs), element_shape=tf.constant(-1))
                elif i == self.out_list:
                    n = 1 if self.last_only else steps
                    v = tf.raw_ops.TensorListReserve(
                        element_shape=tf.constant(-1), num_elements=n, element_dtype=tf.float32
                    )
                elif i == self.time:
                    v = tf.constant(t)
                elif i in self.states:
                    v = tf.constant(states[self.states.index(i)])
                elif src.dtype == tf.resource:
                    continue
                elif i in self.counters:
                    v = tf.constant(t)
                else:
                    arr = self.invariant_array(i)
                    if arr is None and self.dynamic and self.is_length(self.args[i]):
                        arr = np.array(steps, np.int32)
                    if arr is None:
                        arr = _evaluate_array(self.importer, src)
                    if arr is None:
                        return False
                    v = tf.constant(arr)
                feed[f"{name}:0"] = v
            fetch = [self.resolve(self.put.input[2])] + [self.rets[i] for i in self.states]
            try:
                outs = tf.graph_util.import_graph_def(gd, input_map=feed, return_elements=fetch, name="step")
                with tf.compat.v1.Session(graph=graph) as sess:
                    got = sess.run(outs)
            except (ValueError, TypeError, KeyError, tf.errors.OpError):
                return False
        want_out, want_states = self.reference_step(xs[t], states)
        for g, w in zip(got, [want_out, *want_states], strict=True):
            scale = max(float(np.max(np.abs(w))), 1.0)
            if g.shape != w.shape or float(np.max(np.abs(g - w))) > 1e-5 * scale:
                return False
        return True

    # ---- emission ----------------------------------------------------------------------------------------------

    def emit(self, op: Any, name: str) -> Any:
        op.attributes[NAME] = StringAttr(f"{self.op.name}/{name}")
        return self.importer.emit(op)

    def const(self, array: np.ndarray, name: str) -> SSAValue:
        return self.emit(tfd.ConstOp(DenseElementsAttr.from_array(np.ascontiguousarray(array))), name).output

    def tf_op(
        self, tf_type: str, operands: list[SSAValue], shape: list[int], name: str, **attrs: Any
    ) -> SSAValue:
        cls = tfd.op_class(tf_type)
        assert cls is not None, tf_type
        elem = operands[0].type.element_type
        converted = {
            k: (
                IntegerAttr(v, i64)
                if isinstance(v, int)
                else ArrayAttr([IntegerAttr(x, i64) for x in v])
                if isinstance(v, list)
                else v
            )
            for k, v in attrs.items()
        }
        return self.emit(cls(operands, [TensorType(elem, shape)], {"T": elem, **converted}), name).results[0]

    def batch_major_input(self) -> SSAValue | None:
        """x when the sequence is Transpose(x, [1, 0, 2]) (Keras' own transpose): the fused op reads x directly."""
        owner = self.sequence.owner
        if owner is None or getattr(owner, "TF_TYPE", "") != "Transpose":
            return None
        perm = owner.operands[1].owner
        if not isinstance(perm, tfd.ConstOp) or list(perm.value.array.reshape(-1)) != [1, 0, 2]:
            return None
        return owner.operands[0]

    def emit_fused(self) -> list[Any] | None:
        T, B, U = self.steps, self.batch, self.units
        x = self.batch_major_input()
        time_major = x is None
        if x is None:
            x = self.sequence
        out_shape = [T, B, U] if time_major else [B, T, U]
        state_type = TensorType(f32, [B, U])
        if self.kind == "lstm":

            def gate(w: np.ndarray, g: int) -> np.ndarray:
                return w[..., g * U : (g + 1) * U]

            operands = [x]
            operands += [self.const(gate(self.kernel, g).T, f"input_weights_{g}") for g in range(4)]
            operands += [
                self.const(gate(self.recurrent_kernel, g).T, f"recurrent_weights_{g}") for g in range(4)
            ]
            none = self.importer.emit(tfl.NoValueOp()).none
            operands += [none] * 3
            operands += [self.const(gate(self.bias, g), f"bias_{g}") for g in range(4)]
            operands += [none] * 2
            operands += [self.emit(tfl.VariableStateOp(state_type), f"state_{k}").output for k in range(2)]
            operands += [none] * 4
            fused = tfl.UnidirectionalSequenceLSTMOp.build(
                operands,
                [TensorType(f32, out_shape)],
                fused_activation_function="TANH",
                time_major=time_major,
            )
        else:
            operands = [
                x,
                self.const(self.kernel.T, "input_weights"),
                self.const(self.recurrent_kernel.T, "recurrent_weights"),
                self.const(self.bias, "bias"),
                self.emit(tfl.VariableStateOp(state_type), "state").output,
            ]
            fused = tfl.UnidirectionalSequenceRNNOp.build(
                operands,
                [TensorType(f32, out_shape)],
                fused_activation_function=self.activation,
                time_major=time_major,
            )
        seq = self.emit(fused, "fused").results[0]
        last = self.slice_last(seq, axis=0 if time_major else 1)
        if time_major:
            return self.outputs(lambda: seq, last, [last, None])

        def time_major_seq() -> SSAValue:
            perm = self.const(np.array([1, 0, 2], np.int32), "perm")
            return self.tf_op("Transpose", [seq, perm], [T, B, U], "time_major", Tperm=tfd_int32())

        return self.outputs(time_major_seq, last, [last, None])

    def slice_last(self, seq: SSAValue, axis: int) -> SSAValue:
        """The last step of a [T, B, U] (axis 0) or [B, T, U] (axis 1) sequence, as [B, U]."""
        shape = list(seq.type.get_shape())
        begin = [0, 0, 0]
        begin[axis] = shape[axis] - 1
        end, masks = shape, 0
        if any(d < 0 for d in shape):  # step -1 of a run-time length, the other dims whole
            begin, end, masks = [-1 if k == axis else 0 for k in range(3)], [0, 0, 0], 0b111 & ~(1 << axis)
        consts = [
            self.const(np.array(v, np.int32), f"last/{n}")
            for n, v in (("begin", begin), ("end", end), ("strides", [1, 1, 1]))
        ]
        out = [d for k, d in enumerate(shape) if k != axis]
        return self.tf_op(
            "StridedSlice",
            [seq, *consts],
            out,
            "last",
            Index=tfd_int32(),
            begin_mask=masks,
            end_mask=masks,
            ellipsis_mask=0,
            new_axis_mask=0,
            shrink_axis_mask=1 << axis,
        )

    def outputs(self, sequence: Any, last: SSAValue, final_states: list[SSAValue | None]) -> list[Any]:
        """Values for every While output: `sequence()` builds the time-major outputs (only when read), `last` is
        the last output, `final_states` the states after the last step (None: not available)."""
        outs: list[Any] = []
        for i in range(len(self.op.outputs)):
            if i == self.out_list:
                outs.append(SequenceList(self, None if self.last_only else sequence, last))
            elif i in self.states:
                state = final_states[self.states.index(i)]
                if state is None:  # fusable() checked nothing computes from it (dead Identity nodes only)
                    dims = [max(self.batch, 1), self.units]  # only dead Identity nodes read it
                    state = self.const(np.zeros(dims, np.float32), f"unread_state_{i}")
                outs.append(state)
            elif i == self.time or i in self.counters:  # a dynamic trip count is not read (checked at match)
                outs.append(self.const(np.array(max(self.steps, 0), np.int32), f"trip_{i}"))
            else:  # the input list and the invariants pass through the loop unchanged
                outs.append(self.args[i])
        return outs

    def emit_unrolled(self) -> list[Any]:
        """The body imported once per step, with the list reads/writes replaced by the step's tensors."""
        step_fdef = self.step_function()
        T, B, U = self.steps, self.batch, self.units
        unpack = self.emit(
            tfd.op_class("Unpack")(
                [self.sequence],
                [TensorType(f32, [B, self.features])] * T,
                {"T": f32, "num": IntegerAttr(T, i64), "axis": IntegerAttr(0, i64)},
            ),
            "steps",
        )
        states = [self.args[i] for i in self.states]
        outputs: list[SSAValue] = []
        renamed = self.importer.renamed
        try:
            for t in range(T):
                inputs = list(self.args)
                x_t = unpack.results[t]
                inputs[self.in_list] = x_t
                inputs[self.out_list] = x_t
                inputs[self.time] = self.const(np.array(t, np.int32), f"time_{t}")
                for k, i in enumerate(self.states):
                    inputs[i] = states[k]
                for i in self.counters:
                    inputs[i] = self.const(np.array(t, np.int32), f"counter_{t}")
                outs = self.importer.import_function(step_fdef, inputs)
                states = [outs[i] for i in self.states]
                outputs.append(outs[self.out_list])
        finally:
            self.importer.renamed = renamed

        def sequence() -> SSAValue:
            return self.tf_op("Pack", outputs, [T, B, U], "outputs", N=T, axis=0)

        return self.outputs(sequence, outputs[-1], states)

    def step_function(self) -> Any:
        """The body as a plain function of one step: the read item is an argument, the written item a result."""
        from tensorflow.core.framework.function_pb2 import FunctionDef

        f = FunctionDef()
        f.CopyFrom(self.body)
        f.signature.name = f.signature.name + "_tflc_step"
        args = f.signature.input_arg
        args[self.in_list].type = _DT_FLOAT
        args[self.out_list].type = _DT_FLOAT
        for k in (self.in_list, self.out_list):
            if args[k].type_attr:
                args[k].type_attr = ""
        f.signature.output_arg[self.in_list].type = _DT_FLOAT
        f.signature.output_arg[self.out_list].type = _DT_FLOAT
        renames = {}
        for nd in f.node_def:
            if nd.op == "TensorListGetItem":
                src = nd.input[0]
                nd.op = "Identity"
                del nd.input[:]
                nd.input.append(src)
                nd.attr.clear()
                nd.attr["T"].type = _DT_FLOAT
                renames[f"{nd.name}:item:0"] = f"{nd.name}:output:0"
            elif nd.op == "TensorListSetItem":
                item = nd.input[2]
                nd.op = "Identity"
                del nd.input[:]
                nd.input.append(item)
                nd.attr.clear()
                nd.attr["T"].type = _DT_FLOAT
                renames[f"{nd.name}:output_handle:0"] = f"{nd.name}:output:0"
        for nd in f.node_def:
            if nd.op == "Identity" and nd.attr["T"].type == _DT_VARIANT:  # the lists' pass-through
                nd.attr["T"].type = _DT_FLOAT
            for j, inp in enumerate(nd.input):
                if inp in renames:
                    nd.input[j] = renames[inp]
        for key, value in list(f.ret.items()):
            if value in renames:
                f.ret[key] = renames[value]
        return f


def tfd_int32() -> Any:
    from xdsl.dialects.builtin import i32

    return i32


def _static_shape(value: SSAValue) -> list[int] | None:
    ty = value.type
    if not isinstance(ty, TensorType) or any(d < 0 for d in ty.get_shape()):
        return None
    return list(ty.get_shape())


def _shape(value: SSAValue) -> list[int] | None:
    """A ranked tensor's dims, -1 where dynamic."""
    ty = value.type
    return list(ty.get_shape()) if isinstance(ty, TensorType) else None


def _dims(value: SSAValue) -> list[int | None]:
    """A value's dims as TF's TensorShape takes them (None: dynamic)."""
    return [d if d >= 0 else None for d in value.type.get_shape()]


_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _const_array(v: SSAValue) -> np.ndarray | None:
    owner = v.owner
    return np.asarray(owner.value.array) if isinstance(owner, tfd.ConstOp) else None


def _is_zeros(v: SSAValue) -> bool:
    """A value that is zero whatever its run-time shape: Fill(dims, 0) (Keras' initial states), through Identity."""
    while getattr(v.owner, "TF_TYPE", "") == "Identity":
        v = v.owner.operands[0]
    owner = v.owner
    if getattr(owner, "TF_TYPE", "") == "Fill" and len(owner.operands) == 2:
        value = _const_array(owner.operands[1])
        return value is not None and value.size == 1 and not np.any(value)
    value = _const_array(v)
    return value is not None and not np.any(value)


def _same_dim(a: int, b: int) -> bool:
    """Two dims that may be the same at run time (equal, or either dynamic)."""
    return a == b or a < 0 or b < 0


def _static_value(tensor: Any) -> np.ndarray | None:
    import tensorflow as tf

    value = tf.get_static_value(tensor)
    return None if value is None else np.asarray(value)


def _evaluate_array(importer: Any, tensor: Any) -> np.ndarray | None:
    """A graph tensor's value when it depends on constants only (zeros of a traced batch, loop bounds)."""
    import tensorflow as tf

    value = tf.get_static_value(tensor)
    if value is not None:
        return np.asarray(value)
    try:
        with tf.compat.v1.Session(graph=tensor.graph) as sess:
            return np.asarray(sess.run(tensor))
    except (tf.errors.OpError, ValueError, TypeError):
        return None


def _evaluate(importer: Any, tensor: Any) -> int | None:
    v = _evaluate_array(importer, tensor)
    return int(v) if v is not None and v.size == 1 else None


def _import_refined(importer: Any, op: Any, args: list[Any], values: dict[str, Any]) -> bool:
    """Import an op after a recognized loop whose outputs TF's shape inference left partly unknown (it cannot see
    through the TensorList) with the shapes TF infers from the static shapes of its imported operands."""
    if not importer.__dict__.get(_RECOGNIZED) or not op.outputs or op.type in _WHILE or op.op_def.is_stateful:
        return False
    if not args or any(not isinstance(a, SSAValue) or not isinstance(a.type, TensorType) for a in args):
        return False
    if any(d < 0 for a in args for d in a.type.get_shape()):
        return False
    if op.type in ("Shape", "Size", "Rank") or all(isinstance(a.owner, tfd.ConstOp) for a in args):
        folded = _fold(op, args)
        if folded is not None:  # a value TF's graph could not know (it reads a shape behind the list)
            for t, arr in zip(op.outputs, folded, strict=True):
                c = importer.emit(tfd.ConstOp(DenseElementsAttr.from_array(arr)))
                c.attributes[NAME] = StringAttr(op.name)
                values[t.name] = c.output
            return True
    if all(t.shape.is_fully_defined() for t in op.outputs):
        return False
    shapes = _infer_shapes(op, args)
    if shapes is None:
        return False
    from compiler.frontends.graph import convert_attr, tensor_type_of

    attrs = {}
    for k in sorted(op.node_def.attr):
        if not k.startswith("_") and (a := convert_attr(op.node_def.attr[k])) is not None:
            attrs[k] = a
    attrs[NAME] = StringAttr(op.name)
    types = []
    for t, shape in zip(op.outputs, shapes, strict=True):
        ty = tensor_type_of(t)
        types.append(TensorType(ty.element_type, shape) if isinstance(ty, TensorType) else ty)
    cls = tfd.op_class(op.type)
    if cls is None:
        return False
    new = importer.emit(cls(args, types, attrs))
    for t, r in zip(op.outputs, new.results, strict=True):
        values[t.name] = r
    return True


def _infer_shapes(op: Any, args: list[SSAValue], evaluate: bool = False) -> Any:
    """TF's shape inference for one node, its operands being constants (their values) or static placeholders."""
    import tensorflow as tf
    from tensorflow.core.framework.graph_pb2 import GraphDef

    gd = GraphDef()
    for k, a in enumerate(args):
        owner = a.owner
        arr = owner.value.array if isinstance(owner, tfd.ConstOp) else None
        node = gd.node.add()
        node.name = f"in{k}"
        dtype = tf.dtypes.as_dtype(op.inputs[k].dtype).as_datatype_enum
        if arr is not None:
            node.op = "Const"
            node.attr["dtype"].type = dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(arr))
        else:
            node.op = "Placeholder"
            node.attr["dtype"].type = dtype
            node.attr["shape"].shape.CopyFrom(tf.TensorShape(a.type.get_shape()).as_proto())
    node = gd.node.add()
    node.CopyFrom(op.node_def)
    node.name = "op"
    del node.input[:]
    node.input.extend(f"in{k}" for k in range(len(args)))
    node.ClearField("device")
    graph = tf.Graph()
    try:
        with graph.as_default():
            tf.graph_util.import_graph_def(gd, name="")
    except (ValueError, TypeError):
        return None
    outputs = graph.get_operation_by_name("op").outputs
    if evaluate:
        try:
            with tf.compat.v1.Session(graph=graph) as sess:
                return [np.asarray(v) for v in sess.run(outputs)]
        except (tf.errors.OpError, ValueError, TypeError):
            return None
    shapes = [t.shape for t in outputs]
    if not all(s.is_fully_defined() for s in shapes):
        return None
    return [[int(d) for d in s.as_list()] for s in shapes]


def _fold(op: Any, args: list[SSAValue]) -> list[np.ndarray] | None:
    """Shape/Size/Rank of a static operand, or a small op on constants whose value TF's graph does not know."""
    import tensorflow as tf

    if all(tf.get_static_value(t) is not None for t in op.outputs if t.dtype != tf.variant):
        if op.type not in ("Shape", "Size", "Rank") or op.inputs[0].shape.is_fully_defined():
            return None
    if op.type in ("Shape", "Size", "Rank"):
        shape = list(args[0].type.get_shape())
        dtype = op.outputs[0].dtype.as_numpy_dtype
        value = {"Shape": shape, "Size": int(np.prod(shape)), "Rank": len(shape)}[op.type]
        return [np.asarray(value, dtype)]
    if sum(int(np.prod(a.type.get_shape())) for a in args) > 1024 or op.type not in _FOLDABLE:
        return None
    shapes = _infer_shapes(op, args, evaluate=True)
    return shapes  # type: ignore[return-value]


# Shape arithmetic Keras runs on a sequence's shape (zeros for the initial states).
_FOLDABLE = {"StridedSlice", "Pack", "Fill", "ConcatV2", "Cast", "Identity", "Mul", "AddV2", "Sub", "Prod"}
