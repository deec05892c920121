"""Weight-only post-training quantization, as TensorFlow's converter does it without a representative dataset.

quantize-dynamic-range: constant float32 weights of at least `min-elements` (1024) elements, at the operand an op
declares in `DYNAMIC_RANGE` (dialects/tfl/base.py WeightQuantization), become int8 symmetric narrow-range
[-127, 127] with zero point 0: `scale = max(absmax, 0.5e-6) / 127` in double per channel of the op's quantized dimension (or per
tensor), `q = round(w / scale)` half away from zero (MLIR's UniformQuantizedValueConverter). What follows depends
on the op's kernel: a hybrid kernel takes the int8 weight directly (and `asymmetric_quantize_inputs = true` where the
op has that option), a same-scale op (GATHER) runs on the int8 table and a DEQUANTIZE follows it, otherwise a
DEQUANTIZE goes in front of the op.

The fused UNIDIRECTIONAL_SEQUENCE_LSTM / _RNN are TF's hybrid recurrent ops: every gate matrix int8 with one scale
(per tensor), asymmetric inputs, float biases and states; all matrices must reach `min-elements` (else the op stays
float, as TF leaves it).

quantize-float16: every constant float32 tensor becomes float16 (clipped to +-65504) with one DEQUANTIZE to float32
feeding all its uses; the model computes in float32. A SOFTMAX beta other than 1 (a scalar constant folded into it
by the float pipeline, which TF keeps as a MUL operand) takes its float16 value, as that constant has in TF's file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import BoolAttr, FloatAttr, ModuleOp, TensorType, f32
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from dialects import tfl
from dialects.elements import DenseElementsAttr
from dialects.names import NAME
from dialects.quant import UniformQuantizedType
from dialects.tfl.base import WeightQuantization
from dialects.tfl.quantize import quantized_const

FLOAT16_MAX = 65504.0
# The fused LSTM's gate matrices (input-to-gate, recurrent-to-gate), quantized by the dynamic-range pass.
LSTM_GATE_WEIGHTS = tuple(
    f"{src}_to_{gate}_weights"
    for src in ("input", "recurrent")
    for gate in ("input", "forget", "cell", "output")
)
# TF's kNearZeroTolerance: narrower weight ranges are widened to it (checked with all-zero and 1e-7 channels).
NEAR_ZERO_RANGE = 1e-6


def round_half_away(x: np.ndarray) -> np.ndarray:
    """std::round: halves away from zero (np.round rounds them to even)."""
    r = np.round(x)
    ties = np.abs(x - np.trunc(x)) == 0.5
    return np.where(ties, np.trunc(x) + np.sign(x), r)


def symmetric_int8(weights: np.ndarray, axis: int | None) -> tuple[np.ndarray, list[float]]:
    """int8 narrow-range symmetric quantization: (values, scales), one scale per slice of `axis` or one in all."""
    w = weights.astype(np.float64)
    if axis is None:
        absmax = np.abs(w).max(keepdims=True).reshape(1)
        per_element = absmax.reshape((1,) * w.ndim)
    else:
        others = tuple(d for d in range(w.ndim) if d != axis)
        absmax = np.abs(w).max(axis=others) if others else np.abs(w)
        per_element = np.expand_dims(absmax, others)
    # A range narrower than 1e-6 (all-zero slices included) becomes [-0.5e-6, 0.5e-6], as TF widens it.
    absmax = np.where(2 * absmax < NEAR_ZERO_RANGE, NEAR_ZERO_RANGE / 2, absmax)
    per_element = np.where(2 * per_element < NEAR_ZERO_RANGE, NEAR_ZERO_RANGE / 2, per_element)
    scales = absmax / 127.0
    per_element = per_element / 127.0
    q = np.clip(round_half_away(w / per_element), -127, 127).astype(np.int8)
    return q, [float(s) for s in scales]


def _const_array(value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    if isinstance(owner, tfl.ConstOp) and isinstance(owner.output.type, TensorType):
        if owner.output.type.element_type == f32:
            return owner.value.array
    return None


def _copy_name(src: SSAValue, dst: Operation) -> None:
    owner = src.owner
    if isinstance(owner, Operation) and NAME in owner.attributes:
        dst.attributes[NAME] = owner.attributes[NAME]


def _insert_before(anchor: Operation, *ops: Operation) -> None:
    block = anchor.parent_block()
    assert block is not None
    block.insert_ops_before(list(ops), anchor)


def _erase_if_dead(value: SSAValue) -> None:
    owner = value.owner
    if isinstance(owner, tfl.ConstOp) and not owner.output.uses:
        owner.detach()
        owner.erase()


def _functions(module: ModuleOp) -> list[func.FuncOp]:
    return [op for op in module.ops if isinstance(op, func.FuncOp)]


@dataclass(frozen=True)
class QuantizeDynamicRange(ModulePass):
    """Dynamic-range quantization: large constant float weights to int8, hybrid kernels where LiteRT has them."""

    name = "quantize-dynamic-range"

    # Weights with fewer elements stay float (TF's min_elements_for_weights).
    min_elements: int = 1024
    # False: one scale per tensor everywhere (`_experimental_disable_per_channel`).
    per_channel: bool = True
    # False: FULLY_CONNECTED per tensor (`_experimental_disable_per_channel_quantization_for_dense_layers`).
    per_channel_dense: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in _functions(op):
            for user in list(fn.body.walk()):
                if isinstance(user, tfl.UnidirectionalSequenceLSTMOp):
                    self._quantize_recurrent(user, LSTM_GATE_WEIGHTS)
                    continue
                if isinstance(user, tfl.UnidirectionalSequenceRNNOp):
                    self._quantize_recurrent(user, ("input_to_input_weights", "recurrent_to_input_weights"))
                    continue
                spec = getattr(user, "DYNAMIC_RANGE", None)
                if isinstance(spec, WeightQuantization):
                    self._quantize(user, spec)

    def _quantize_recurrent(self, lstm: Operation, fields: tuple[str, ...]) -> None:
        """TF's hybrid LSTM / RNN: the gate weight matrices become int8 with one scale each (TF quantizes them per
        tensor) and the op runs LiteRT's hybrid kernel with asymmetric inputs; biases and states stay float. LiteRT's
        hybrid kernels need every matrix in int8, so the op is left float unless all are large enough."""
        weights = [getattr(lstm, name) for name in fields]
        present = [w for w in weights if not isinstance(w.owner, tfl.NoValueOp)]
        arrays = [_const_array(w) for w in present]
        if any(a is None or a.size < self.min_elements for a in arrays):
            return
        for weight, array in zip(present, arrays, strict=True):
            assert array is not None
            values, scales = symmetric_int8(array, None)
            const = quantized_const(values, UniformQuantizedType.per_tensor(np.int8, scales[0], 0))
            _copy_name(weight, const)
            _insert_before(lstm, const)
            for i, operand in enumerate(list(lstm.operands)):
                if operand is weight:
                    lstm.operands[i] = const.output
            _erase_if_dead(weight)
        lstm.properties["asymmetric_quantize_inputs"] = BoolAttr.from_bool(True)

    def _axis(self, user: Operation, spec: WeightQuantization) -> int | None:
        if not self.per_channel or spec.axis is None:
            return None
        if isinstance(user, tfl.FullyConnectedOp) and not self.per_channel_dense:
            return None
        return spec.axis

    def _quantize(self, user: Operation, spec: WeightQuantization) -> None:
        weight = getattr(user, spec.operand)
        array = _const_array(weight)
        if array is None or array.size < self.min_elements:
            return
        axis = self._axis(user, spec)
        values, scales = symmetric_int8(array, axis)
        if axis is None:
            qtype = UniformQuantizedType.per_tensor(np.int8, scales[0], 0)
        else:
            qtype = UniformQuantizedType.per_axis(np.int8, scales, [0] * len(scales), axis)
        const = quantized_const(values, qtype)
        _copy_name(weight, const)
        index = list(user.operands).index(weight)
        if spec.kernel == "hybrid":
            _insert_before(user, const)
            user.operands[index] = const.output
            if spec.asymmetric_option:
                user.properties["asymmetric_quantize_inputs"] = BoolAttr.from_bool(True)
        elif spec.kernel == "dequantize":
            dq = tfl.DequantizeOp.build([const.output], [weight.type])
            _insert_before(user, const, dq)
            user.operands[index] = dq.results[0]
        else:  # same-scale: the op runs on int8 with the weight's parameters, a DEQUANTIZE after it
            (result,) = user.results
            operands = list(user.operands)
            operands[index] = const.output
            int8_op = type(user).create(
                operands=operands,
                result_types=[TensorType(qtype, result.type.get_shape())],
                properties=dict(user.properties),
                attributes=dict(user.attributes),
            )
            dq = tfl.DequantizeOp.build([int8_op.results[0]], [result.type])
            _insert_before(user, const, int8_op, dq)
            result.replace_all_uses_with(dq.results[0])
            user.detach()
            user.erase()
        _erase_if_dead(weight)


@dataclass(frozen=True)
class QuantizeFloat16(ModulePass):
    """Float16 quantization: constant float32 tensors stored as float16, each dequantized once to float32."""

    name = "quantize-float16"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in _functions(op):
            for const in [o for o in fn.body.walk() if isinstance(o, tfl.ConstOp)]:
                array = _const_array(const.output)
                if array is None or not const.output.uses:
                    continue
                half = np.clip(array, -FLOAT16_MAX, FLOAT16_MAX).astype(np.float16)
                new = tfl.ConstOp(DenseElementsAttr.from_array(half))
                _copy_name(const.output, new)
                dq = tfl.DequantizeOp.build([new.output], [const.output.type])
                _insert_before(const, new, dq)
                const.output.replace_all_uses_with(dq.results[0])
                const.detach()
                const.erase()
            # softmax(x * c) became softmax(x, beta = c) in the float pipeline; TF keeps the MUL and stores c as
            # float16 like every constant, so beta takes c's float16 value.
            for sm in [o for o in fn.body.walk() if isinstance(o, tfl.SoftmaxOp)]:
                beta = sm.beta.value.data  # type: ignore[attr-defined]
                if beta != 1.0:
                    half = float(np.float16(np.clip(beta, -FLOAT16_MAX, FLOAT16_MAX)))
                    sm.properties["beta"] = FloatAttr(half, f32)
