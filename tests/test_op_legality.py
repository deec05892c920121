"""Legality on the op: the query API passes use before building a `tfl` op, and the verifier catching an illegal op
that a pass produced (as a PassError naming that pass)."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, i16
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from compiler import pipeline
from compiler.errors import PassError
from compiler.pipeline import run_pipeline
from dialects import tfl
from dialects.elements import element_type

F32, I16, I32, I64, I8 = (np.dtype(t) for t in (np.float32, np.int16, np.int32, np.int64, np.int8))


def test_operand_types_error_names_op_operand_and_allowed_types():
    assert tfl.AddOp.operand_types_error([F32, F32]) is None
    assert tfl.AddOp.accepts([I64, I64])
    msg = tfl.TanhOp.operand_types_error([I16])
    assert msg == (
        "'tfl.tanh' operand x has element type i16, which LiteRT's TANH kernel does not take "
        "(allowed: f32, qi8, qui8, qi16)"
    )
    assert "must have the same element type, got f32 and i32" in tfl.AddOp.operand_types_error([F32, I32])
    # Types may be numpy dtypes, xDSL types or kind names alike; results are checked when given.
    assert tfl.GreaterOp.accepts([element_type(F32), "f32"], [np.bool_])
    assert not tfl.GreaterOp.accepts([F32, F32], [F32])


def test_supports_answers_per_operand():
    assert tfl.AddOp.supports("qi8") and tfl.AddOp.supports(I16, "rhs")
    assert not tfl.TanhOp.supports(I16)
    assert tfl.FullyConnectedOp.supports("qi8", "filter") and not tfl.FullyConnectedOp.supports(I8, "filter")
    assert tfl.ReshapeOp.supports("string") and tfl.ReshapeOp.supports(I32, 1)
    assert not tfl.ReshapeOp.supports(I64, "shape")


def test_broadcast_limits_and_errors():
    assert tfl.AddOp.MAX_BROADCAST_RANK == 6 and tfl.MaximumOp.MAX_BROADCAST_RANK == 5
    assert tfl.GreaterOp.MAX_BROADCAST_RANK == 4 and tfl.Atan2Op.MAX_BROADCAST_RANK == 0
    assert tfl.TanhOp.MAX_BROADCAST_RANK is None
    shape6 = (2, 1, 3, 1, 5, 1)
    assert tfl.AddOp.broadcast_error([shape6, (1, 4, 1, 2, 1, 6)]) is None
    assert "up to rank 5" in tfl.MaximumOp.broadcast_error([shape6, (1, 4, 1, 2, 1, 6)])
    # Same shapes and single-element operands need no broadcasting, at any rank.
    assert tfl.GreaterOp.broadcast_error([(2,) * 7, (2,) * 7]) is None
    assert tfl.GreaterOp.broadcast_error([(2,) * 7, ()]) is None
    assert tfl.GreaterOp.broadcast_error([(2,) * 7, (1,) * 7]) is None
    assert "do not broadcast" in tfl.AddOp.broadcast_error([(2, 3), (4, 3)])
    assert "does not broadcast" in tfl.Atan2Op.broadcast_error([(4,), ()])
    assert tfl.AddOp.broadcast_error([(2, 3), None]) is None  # unranked: not checked


def test_fused_activation_queries():
    assert tfl.Conv2DOp.takes_fused_activation([4, 4, 1, 4])
    assert tfl.AddOp.takes_fused_activation([4, 4, 4]) and not tfl.AddOp.takes_fused_activation([5, 5, 5])
    assert not tfl.TanhOp.takes_fused_activation()
    assert not tfl.ConcatenationOp.takes_fused_activation(
        [2, 2]
    )  # the schema field exists; LiteRT ignores it


class RetypeReluToInt16(ModulePass):
    """Test pass: runs every float tfl.relu on int16 (cast in, relu, cast out). LiteRT's RELU has quantized int16
    kernels only, so the relu it builds is illegal."""

    name = "test-retype-relu-int16"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for relu in [o for o in op.walk() if isinstance(o, tfl.ReluOp)]:
            ty = relu.x.type
            narrow = TensorType(i16, ty.get_shape())
            to16 = tfl.CastOp.build([relu.x], [narrow], in_data_type="FLOAT32", out_data_type="INT16")
            relu16 = tfl.ReluOp.build([to16.results[0]], [narrow])
            back = tfl.CastOp.build([relu16.results[0]], [ty], in_data_type="INT16", out_data_type="FLOAT32")
            rewriter.insert_op([to16, relu16, back], InsertPoint.before(relu))
            rewriter.replace_op(relu, [], [back.results[0]])


def _relu_module() -> ModuleOp:
    ty = TensorType(element_type(F32), [4])
    fn = func.FuncOp("main", ((ty,), (ty,)))
    relu = tfl.ReluOp.build([fn.args[0]], [ty])
    fn.body.block.add_ops([relu, func.ReturnOp(relu.results[0])])
    return ModuleOp([fn])


def test_illegal_op_from_a_pass_is_a_pass_error(monkeypatch):
    monkeypatch.setitem(pipeline._EXTRA_PASSES, RetypeReluToInt16.name, lambda: RetypeReluToInt16)
    module = _relu_module()
    run_pipeline(module, "dce", verify_each=True)  # the input itself is legal
    with pytest.raises(PassError) as info:
        run_pipeline(module, f"dce,{RetypeReluToInt16.name}", verify_each=True)
    err = info.value
    assert err.pass_name == RetypeReluToInt16.name and err.index == 1
    assert "'tfl.relu' operand x has element type i16, which LiteRT's RELU kernel does not take" in str(err)


def test_no_rule_builds_an_op_its_kernel_refuses():
    """float64 Conv2D / StridedSlice have no builtin kernel: the rules leave them in TF (listed, or Flex), as TF's
    converter does, instead of building a CONV_2D the verifier rejects."""
    import tensorflow as tf

    from compiler import OpsSet, TFLiteConverter
    from compiler.errors import ConversionError

    @tf.function(input_signature=[tf.TensorSpec([1, 4, 4, 2], tf.float64, name="x")])
    def f(x):
        return tf.nn.conv2d(x, tf.ones([3, 3, 2, 2], tf.float64), 1, "SAME")[:, 1:]

    with pytest.raises(ConversionError, match=r"Conv2D x1.*\n.*StridedSlice x1"):
        TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f).convert()
    conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    conv.target_spec.supported_ops = {OpsSet.TFLITE_BUILTINS, OpsSet.SELECT_TF_OPS}
    theirs = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    theirs.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS}
    import tflite

    def codes(data):
        m = tflite.Model.GetRootAsModel(data, 0)
        return sorted(
            (m.OperatorCodes(i).CustomCode() or b"").decode() for i in range(m.OperatorCodesLength())
        )

    assert codes(conv.convert()) == codes(theirs.convert()) == ["FlexConv2D", "FlexStridedSlice"]
