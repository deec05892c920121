"""Recurrent `tfl` ops: the fused sequence LSTM and RNN, and the variable tensors holding their state.

LiteRT's sequence kernels keep the recurrent state in *variable* tensors (operands 18/19 of the LSTM, 4 of the RNN):
zero (int8: their zero point, LiteRT's ResetVariableTensor) at `allocate_tensors()` / `reset_all_variables()` and overwritten by every invoke with the last step's state,
as TF's converter writes them. `tfl.pseudo_variable_state` is such a tensor (is_variable, no buffer); it is not Pure,
so no pass merges two of them into one shared state.
"""

from __future__ import annotations

from typing import ClassVar

from tflite.BuiltinOperator import BuiltinOperator as B
from xdsl.ir import Attribute
from xdsl.irdl import IRDLOperation, irdl_op_definition, operand_def, result_def

from dialects.tensor_types import element_kind
from dialects.tfl.base import ACT, BOOL, F32, Options, TensorOf, TflOp, tfl_op

_F32 = TensorOf("f32")
# Attribute of an op with Operator.intermediates (the integer LSTM): ArrayAttr of [StringAttr name, TensorType].
INTERMEDIATES = "tflc.intermediates"


_LSTM_FIELDS = (
    "input",
    "input_to_input_weights",
    "input_to_forget_weights",
    "input_to_cell_weights",
    "input_to_output_weights",
    "recurrent_to_input_weights",
    "recurrent_to_forget_weights",
    "recurrent_to_cell_weights",
    "recurrent_to_output_weights",
    "cell_to_input_weights",
    "cell_to_forget_weights",
    "cell_to_output_weights",
    "input_gate_bias",
    "forget_gate_bias",
    "cell_bias",
    "output_gate_bias",
    "projection_weights",
    "projection_bias",
    "input_activation_state",
    "input_cell_state",
    "input_layer_norm_coefficients",
    "forget_layer_norm_coefficients",
    "cell_layer_norm_coefficients",
    "output_layer_norm_coefficients",
    "output",
)
_QUANTIZABLE_FIELDS = frozenset(_LSTM_FIELDS[:20]) | {"output"}


@tfl_op
class UnidirectionalSequenceLSTMOp(TflOp):
    """tfl.unidirectional_sequence_lstm: LiteRT's 24-operand LSTM over a whole sequence (gates i, f, c, o; weights
    [cells, input] / [cells, output] per gate; optional operands are `tfl.no_value`)."""

    name = "tfl.unidirectional_sequence_lstm"
    BUILTIN = B.UNIDIRECTIONAL_SEQUENCE_LSTM
    OPTIONS = Options(
        "UnidirectionalSequenceLSTMOptions",
        fused_activation_function=ACT,
        cell_clip=F32(),
        proj_clip=F32(),
        time_major=BOOL(),
        asymmetric_quantize_inputs=BOOL(),
        diagonal_recurrent_tensors=BOOL(),
    )
    input = operand_def()
    input_to_input_weights = operand_def()
    input_to_forget_weights = operand_def()
    input_to_cell_weights = operand_def()
    input_to_output_weights = operand_def()
    recurrent_to_input_weights = operand_def()
    recurrent_to_forget_weights = operand_def()
    recurrent_to_cell_weights = operand_def()
    recurrent_to_output_weights = operand_def()
    cell_to_input_weights = operand_def()
    cell_to_forget_weights = operand_def()
    cell_to_output_weights = operand_def()
    input_gate_bias = operand_def()
    forget_gate_bias = operand_def()
    cell_bias = operand_def()
    output_gate_bias = operand_def()
    projection_weights = operand_def()
    projection_bias = operand_def()
    input_activation_state = operand_def()
    input_cell_state = operand_def()
    input_layer_norm_coefficients = operand_def()
    forget_layer_norm_coefficients = operand_def()
    cell_layer_norm_coefficients = operand_def()
    output_layer_norm_coefficients = operand_def()
    output = result_def()
    # float, hybrid (int8 weights, float activations) and LiteRT's integer 8x8->16 kernel (int8 activations and
    # weights, int32 biases, int16 cell state)
    TYPES = {
        name: TensorOf("f32", "qi8", "qi16", "qi32") if name in _QUANTIZABLE_FIELDS else _F32
        for name in _LSTM_FIELDS
    }
    # tools/versioning/runtime_version.cc: 1 (float, integer) since 1.13.1, 2 (hybrid) 1.14.0, 3 (hybrid with
    # asymmetric inputs) 2.3.0.
    VERSIONS = {1: "1.13.1", 2: "1.14.0", 3: "2.3.0"}

    def version(self) -> int:
        """As op_version.cc: float input and output with int8 weights is the hybrid op, 3 with asymmetric inputs."""
        hybrid = (
            element_kind(self.input.type) == "f32"
            and element_kind(self.input_to_forget_weights.type) == "qi8"
        )
        if hybrid:
            return 3 if self.asymmetric_quantize_inputs.value.data else 2
        return 1


@tfl_op
class UnidirectionalSequenceRNNOp(TflOp):
    """tfl.unidirectional_sequence_rnn: h_t = act(x_t W^T + h_{t-1} R^T + b) over a sequence (W [units, input],
    R [units, units]); `hidden_state` is a variable tensor."""

    name = "tfl.unidirectional_sequence_rnn"
    BUILTIN = B.UNIDIRECTIONAL_SEQUENCE_RNN
    OPTIONS = Options(
        "SequenceRNNOptions",
        time_major=BOOL(),
        fused_activation_function=ACT,
        asymmetric_quantize_inputs=BOOL(),
    )
    input = operand_def()
    input_to_input_weights = operand_def()
    recurrent_to_input_weights = operand_def()
    input_gate_bias = operand_def()
    hidden_state = operand_def()
    output = result_def()
    TYPES = {
        "input": _F32,
        "input_to_input_weights": TensorOf("f32", "qi8"),  # qi8: LiteRT's hybrid kernel
        "recurrent_to_input_weights": TensorOf("f32", "qi8"),
        "input_gate_bias": _F32,
        "hidden_state": _F32,
        "output": _F32,
    }
    # runtime_version.cc: versions 1 and 2 since 1.14.0, 3 since 2.3.0.
    VERSIONS = {1: "1.14.0", 2: "1.14.0", 3: "2.3.0"}

    def version(self) -> int:
        """As op_version.cc: hybrid (int8 weights) 2, with asymmetric inputs 3."""
        if element_kind(self.input_to_input_weights.type) == "qi8":
            return 3 if self.asymmetric_quantize_inputs.value.data else 2
        return 1


@irdl_op_definition
class VariableStateOp(IRDLOperation):
    """tfl.pseudo_variable_state: a zero-initialised variable tensor (Tensor.is_variable, no buffer data)."""

    name = "tfl.pseudo_variable_state"
    output = result_def()
    IS_VARIABLE: ClassVar[bool] = True

    def __init__(self, result_type: Attribute) -> None:
        super().__init__(result_types=[result_type])

    def constant_bytes(self) -> bytes:
        """No data: LiteRT zeroes variable tensors at allocation."""
        return b""


__all__ = ["INTERMEDIATES", "UnidirectionalSequenceLSTMOp", "UnidirectionalSequenceRNNOp", "VariableStateOp"]
