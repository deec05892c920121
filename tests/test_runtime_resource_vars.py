"""Resource variables in our C runtime (CALL_ONCE, VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE), side by side with
LiteRT on the same files: TF's converter's file and ours for `self.v.assign_add(x)` with
experimental_enable_resource_variables; a variable shared by two signatures of one SavedModel; the state's life
(per interpreter, kept by reset_all_variables as LiteRT keeps it); hostile files refused with ValueError."""

from __future__ import annotations

import os
import struct
import sys

import numpy as np
import pytest
import tensorflow as tf
import tflite
from ai_edge_litert.interpreter import Interpreter as LiteRT
from ai_edge_litert.interpreter import OpResolverType

from compiler import TFLiteConverter
from runtime import Interpreter as Ours

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402


class Counter_(tf.Module):
    """As tests/test_control_flow.py: one variable, initialized to 2, accumulating the input."""

    def __init__(self):
        self.v = tf.Variable(tf.ones([3]) * 2.0)

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
    def f(self, x):
        self.v.assign_add(x)
        return {"out": self.v.read_value()}


class Shared(tf.Module):
    """One variable written by `increment` and read by `read` (a signature with no inputs)."""

    def __init__(self):
        self.v = tf.Variable([0.5, -1.0])

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def increment(self, x):
        self.v.assign_add(x * 2.0)
        return {"out": self.v.read_value()}

    @tf.function(input_signature=[])
    def read(self):
        return {"value": self.v.read_value() + 1.0}


def _resource_converters(make):
    """(ours, TF's) converters from `make(converter_class)`, with resource variables enabled."""
    out = []
    for cls in (TFLiteConverter, tf.lite.TFLiteConverter):
        c = make(cls)
        c.experimental_enable_resource_variables = True
        out.append(c)
    return out


@pytest.fixture(scope="module")
def counter_files() -> dict[str, bytes]:
    m = Counter_()
    cf = m.f.get_concrete_function()
    ours, theirs = _resource_converters(lambda cls: cls.from_concrete_functions([cf], m))
    return {"ours": ours.convert(), "tf_file": theirs.convert()}


@pytest.fixture(scope="module")
def shared_files(tmp_path_factory) -> dict[str, bytes]:
    m = Shared()
    path = str(tmp_path_factory.mktemp("shared") / "saved_model")
    sigs = {"increment": m.increment.get_concrete_function(), "read": m.read.get_concrete_function()}
    tf.saved_model.save(m, path, signatures=sigs)
    ours, theirs = _resource_converters(lambda cls: cls.from_saved_model(path, signature_keys=list(sigs)))
    return {"ours": ours, "tf_file": theirs.convert()}


def _counter_sequence(interp) -> list[np.ndarray]:
    """Outputs of three invokes, reset_all_variables, three more."""
    run = interp.get_signature_runner()
    xs = [
        np.array([1, 2, 3], np.float32),
        np.array([0.25, -4, 8], np.float32),
        np.array([-1, 0.5, 1e3], np.float32),
    ]
    got = [run(x=x)["out"].copy() for x in xs]
    interp.reset_all_variables()
    got += [run(x=x)["out"].copy() for x in xs[::-1]]
    return got


@pytest.mark.parametrize("which", ["tf_file", "ours"])
def test_assign_add_sequence_equals_litert(counter_files, which):
    model = counter_files[which]
    assert {"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= set(ru.model_ops(model))
    want = _counter_sequence(LiteRT(model_content=model))
    ref = _counter_sequence(
        LiteRT(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    )
    got = _counter_sequence(Ours(model_content=model))
    assert np.allclose(want[1], [3.25, 0, 13])  # really accumulates from the initial value 2
    np.testing.assert_array_equal(np.stack(got), np.stack(want))
    np.testing.assert_array_equal(np.stack(got), np.stack(ref))
    # the state belongs to the interpreter: a second one over the same bytes starts from the initial value again
    np.testing.assert_array_equal(_counter_sequence(Ours(model_content=model))[0], want[0])


def _shared_calls(interp) -> list[np.ndarray]:
    """read, increment, read, increment, read, reset_all_variables, read."""
    inc, read = interp.get_signature_runner("increment"), interp.get_signature_runner("read")
    x = np.array([1.5, -2], np.float32)
    seq = [read()["value"], inc(x=x)["out"], read()["value"], inc(x=x * 3)["out"], read()["value"]]
    interp.reset_all_variables()
    seq.append(read()["value"])
    return [np.array(v) for v in seq]


def test_two_signatures_run_like_litert(shared_files):
    """TF's two-signature file (tflc refuses this model, below) runs in our runtime as in LiteRT."""
    model = shared_files["tf_file"]
    want, got = _shared_calls(LiteRT(model_content=model)), _shared_calls(Ours(model_content=model))
    np.testing.assert_allclose(want[0], [1.5, 0])  # `read` first: its CALL_ONCE initializes the variable
    np.testing.assert_array_equal(np.stack(got), np.stack(want))


def test_variable_written_by_one_signature_is_read_by_the_other(shared_files):
    """TF's file: `read` sees what `increment` wrote, in LiteRT and in our runtime (one variable per interpreter)."""
    model = shared_files["tf_file"]
    assert "READ_VARIABLE" in _op_names(model, 1)
    for interp in (LiteRT(model_content=model), Ours(model_content=model)):
        got = _shared_calls(interp)
        np.testing.assert_allclose(got[2], [4.5, -4])
        np.testing.assert_allclose(got[4], [13.5, -16])
        np.testing.assert_allclose(got[5], got[4])  # reset_all_variables keeps resource variables, as LiteRT


def test_our_converter_refuses_a_variable_one_signature_writes_and_another_reads(shared_files):
    """tflc freezes a variable in a signature that only reads it, so `read` would never see `increment`'s writes
    (TF's file keeps one variable, above): that must be one clear error, not a silently stale model."""
    from compiler.errors import ConversionError

    with pytest.raises(ConversionError, match="'read' reads a variable 'increment' writes"):
        shared_files["ours"].convert()


# ---- hostile files: the C runtime refuses them with ValueError (malformed model), never crashes ----

OPERATOR_BUILTIN_OPTIONS = 4
VAR_HANDLE_SHARED_NAME = 1


def _operators(b: bytes, subgraph: int) -> list[int]:
    sg = ru.vector_table(b, ru.vector_at(b, ru.root_table(b), ru.MODEL_SUBGRAPHS), subgraph)
    ops = ru.vector_at(b, sg, ru.SUBGRAPH_OPERATORS)
    return [ru.vector_table(b, ops, i) for i in range(struct.unpack_from("<I", b, ops)[0])]


def _with_bad_shared_name(model: bytes, subgraph: int, how: str) -> bytes:
    """The file with the shared_name string of the subgraph's VAR_HANDLE pointing outside the file."""
    b = bytearray(model)
    (i,) = [i for i, name in enumerate(_op_names(model, subgraph)) if name == "VAR_HANDLE"]
    op = _operators(b, subgraph)[i]
    options = ru.deref(b, ru.table_field_pos(b, op, OPERATOR_BUILTIN_OPTIONS))
    field = ru.table_field_pos(b, options, VAR_HANDLE_SHARED_NAME)
    assert field is not None
    if how == "offset":
        struct.pack_into("<I", b, field, 0x7FFFFF00)  # the string's offset leaves the file
    else:
        struct.pack_into("<I", b, ru.deref(b, field), 0xFFFFFFF0)  # its length does
    return bytes(b)


def _op_names(model: bytes, subgraph: int) -> list[str]:
    m = ru.model_object(model)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    codes = [m.operatorCodes[op.opcodeIndex] for op in m.subgraphs[subgraph].operators]
    return [names[max(c.builtinCode, c.deprecatedBuiltinCode)] for c in codes]


def _run(model: bytes):
    it = Ours(model_content=model)
    it.get_signature_runner()(x=np.ones([3], np.float32))


@pytest.mark.parametrize("how", ["offset", "length"])
@pytest.mark.parametrize("subgraph", [0, 1], ids=["main", "init"])
def test_var_handle_name_outside_the_file_is_a_value_error(counter_files, subgraph, how):
    bad = _with_bad_shared_name(counter_files["tf_file"], subgraph, how)
    with pytest.raises(ValueError, match="malformed model: VAR_HANDLE.*shared_name lies outside the file"):
        _run(bad)


@pytest.mark.parametrize("index", [7, -1, 0, 2**31 - 1])
def test_call_once_with_a_bad_subgraph_index_is_a_value_error(counter_files, index):
    m = ru.model_object(counter_files["tf_file"])
    assert _op_names(counter_files["tf_file"], 0)[0] == "CALL_ONCE"
    call_once = m.subgraphs[0].operators[0]
    call_once.builtinOptions.initSubgraphIndex = index  # 0: the calling subgraph itself
    with pytest.raises(
        ValueError, match=rf"malformed model: CALL_ONCE \(subgraph 0, node 0\) calls subgraph {index}"
    ):
        _run(ru.pack_model(m))


def test_call_once_of_a_subgraph_with_inputs_is_a_value_error(counter_files):
    """An init subgraph must take nothing: here CALL_ONCE names the main graph's own signature subgraph (input x)."""
    m = ru.model_object(counter_files["tf_file"])
    m.subgraphs[1].inputs = np.array([0], np.int32)
    with pytest.raises(ValueError, match="must have no inputs or outputs"):
        _run(ru.pack_model(m))


def test_reading_a_variable_never_assigned_is_an_error_as_in_litert(counter_files):
    """Without its init subgraph's assignment (CALL_ONCE removed), READ_VARIABLE has nothing to read: LiteRT's builtin
    kernel fails the invoke, and so do we (LiteRT's default XNNPACK delegate instead reads zeros)."""
    m = ru.model_object(counter_files["tf_file"])
    assert _op_names(counter_files["tf_file"], 0)[0] == "CALL_ONCE"
    m.subgraphs[0].operators = m.subgraphs[0].operators[1:]
    model = ru.pack_model(m)
    lit = LiteRT(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    with pytest.raises(RuntimeError, match="READ_VARIABLE"):
        lit.get_signature_runner()(x=np.ones([3], np.float32))
    with pytest.raises(RuntimeError, match="READ_VARIABLE: resource variable 0 has no value"):
        _run(model)
