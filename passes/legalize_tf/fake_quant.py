"""legalize-fake-quant: FakeQuant / QuantizeAndDequantize ops of a float model (no quantization flags), as TF 2.21's
converter writes them (legalize_patterns.td LegalizeFakeQuantToDequantizeQuantize, LegalizeFakeQuantWithMinMaxVars,
LegalizeQuantizeAndDequantizeV4):

    tf.FakeQuantWithMinMaxArgs {min, max, num_bits, narrow_range} -> tfl.dequantize(tfl.quantize(x) : uint8)
    tf.FakeQuantWithMinMaxVars(x, min, max)                        -> the same, min/max constants
    tf.QuantizeAndDequantizeV2 / V4(x, input_min, input_max)       -> the same on [input_min, input_max]; of a
        constant x: the constant TF's own kernel makes of it (TF folds it before legalizing)

The uint8 type is MLIR's FakeQuantSupport on the grid [narrow_range, 255] (`quantize_qat.nudged_params`), whatever
the op's signedness; LiteRT then quantizes at run time. A FakeQuant of a convolution's or matmul's constant
weights: the op is legalized on the raw weights and the pair put on the filter in the builtin's layout (TF folds
the transposes into the constant, not the quantization). Runs before legalize-tf (TF does this in prepare), so
no fusion crosses the pair, and only for a float conversion: with quantization flags the QAT passes read these ops
instead. Refused, naming the op: num_bits other than 8 (TF writes a 4-bit or 16-bit storage type tflc does not
have), non-constant ranges, per-channel ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from dialects.quant import UniformQuantizedType
from passes.legalize_tf.rearrange import generic_rule
from passes.patterns import (
    PatternTable,
    bool_attr,
    const_value,
    float_attr,
    int_attr,
    replace_with,
    str_attr,
    tfl_const,
)
from passes.quantize_weights import round_half_away

FAKE_QUANT = ("FakeQuantWithMinMaxArgs", "FakeQuantWithMinMaxVars")
QDQ = ("QuantizeAndDequantizeV2", "QuantizeAndDequantizeV4")
WEIGHT_FAKE_QUANT = (*FAKE_QUANT, "FakeQuantWithMinMaxVarsPerChannel")


def _refuse(op: tf.GenericOp, why: str) -> None:
    from passes.quantize_qat import QATError, _describe

    raise QATError(f"{_describe(op)}: {why}")


def _range(op: tf.GenericOp) -> tuple[float, float]:
    if op.op_type == "FakeQuantWithMinMaxArgs":
        return float(np.float32(float_attr(op, "min", -6.0))), float(np.float32(float_attr(op, "max", 6.0)))
    lo, hi = const_value(op.operands[1]), const_value(op.operands[2])
    if lo is None or hi is None or lo.size != 1 or hi.size != 1:
        _refuse(
            op, "its min/max must be scalar constants for a float conversion (TF's converter needs them too)"
        )
    return float(lo.astype(np.float32).reshape(())), float(hi.astype(np.float32).reshape(()))


def qdq_fold(x: np.ndarray, lo: float, hi: float, op: tf.GenericOp) -> np.ndarray:
    """TF's QuantizeAndDequantize kernel on a constant (QuantizeAndDequantizeOneScaleImpl), in float32."""
    signed, bits, narrow = (
        bool_attr(op, "signed_input", True),
        int_attr(op, "num_bits", 8),
        bool_attr(op, "narrow_range"),
    )
    x = x.astype(np.float32)
    if not bool_attr(op, "range_given"):
        lo, hi = float(x.min()), float(x.max())
    q_min = (-(1 << (bits - 1)) + int(narrow)) if signed else 0
    q_max = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    f32max = np.float32(np.finfo(np.float32).max)
    lo32, hi32 = np.float32(lo), np.float32(hi)
    from_min = np.float32(q_min) / lo32 if q_min * lo > 0 else f32max
    from_max = np.float32(q_max) / hi32 if q_max * hi > 0 else f32max
    if from_min < from_max:
        scale, inverse = from_min, lo32 / np.float32(q_min)
        hi32 = np.float32(q_max) * inverse
    else:
        scale, inverse = from_max, hi32 / np.float32(q_max)
        lo32 = np.float32(q_min) * inverse
    if bool_attr(op, "range_given"):
        x = np.maximum(np.minimum(x, hi32), lo32)
    y = x * scale
    y = (
        np.floor(y + np.float32(0.5))
        if str_attr(op, "round_mode", "HALF_TO_EVEN") == "HALF_UP"
        else np.rint(y)
    )
    return (y * inverse).astype(np.float32)


@generic_rule(*FAKE_QUANT, *QDQ)
def legalize_fake_quant(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """FakeQuant / QuantizeAndDequantize -> tfl.quantize to uint8 then tfl.dequantize (see the module doc)."""
    x = op.operands[0]
    qdq = op.op_type in QDQ
    if qdq and int_attr(op, "axis", -1) != -1:
        _refuse(op, "per-channel QuantizeAndDequantize is not convertible (TF's converter refuses it too)")
    lo, hi = _range(op)
    value = const_value(x) if qdq else None
    if value is not None and value.dtype == np.float32:  # TF's constant folding runs the op's own kernel
        folded = tfl_const(qdq_fold(value, lo, hi, op))
        replace_with(rewriter, op, [folded])
        return
    if int_attr(op, "num_bits", 8) != 8:
        _refuse(op, f"num_bits={int_attr(op, 'num_bits')}: TF writes a storage type other than uint8 for it")
    if not isinstance(x.type, TensorType) or x.type.element_type != f32:
        return
    quantize = tfl.QuantizeOp.build([x], [_uint8_type(op, x.type)])
    dequantize = tfl.DequantizeOp.build([quantize.results[0]], [op.results[0].type])
    replace_with(rewriter, op, [quantize, dequantize])


FAKE_QUANT_TABLE = PatternTable("legalize-fake-quant", [legalize_fake_quant])


def _uint8_type(op: tf.GenericOp, like: TensorType) -> TensorType:
    from passes.quantize_qat import nudged_params

    lo, hi = _range(op)
    scale, zero_point = nudged_params(lo, hi, int(bool_attr(op, "narrow_range")), 255)
    return TensorType(UniformQuantizedType.per_tensor("u8", scale, zero_point), like.get_shape())


def _weights_of(fq: tf.GenericOp) -> list[Operation] | None:
    """The convolutions / matmuls taking a FakeQuant of a constant as their weights (every use), or None."""
    from passes.quantize_qat import _AFFINE_TF

    if fq.op_type not in WEIGHT_FAKE_QUANT or const_value(fq.operands[0]) is None:
        return None
    uses = list(fq.results[0].uses)
    if not uses or any(not isinstance(u.operation, _AFFINE_TF) or u.index != 1 for u in uses):
        return None
    return list(dict.fromkeys(u.operation for u in uses))


def _weight_type(op: Operation, fq_op: tf.GenericOp) -> UniformQuantizedType:
    """The uint8 element type of the filter: per tensor, or per channel of the builtin's channel dimension (TF's
    layout, quantize_qat's `_weight_layout`: conv dim 0, depthwise dim 3 with the per-multiplier ranges repeated).
    Raises QATError for what TF refuses (a per-channel matmul weight) or tflc cannot write (num_bits != 8)."""
    from passes.quantize_qat import _weight_layout, fake_quant

    fq = fake_quant(fq_op)
    assert fq is not None
    _, axis, slices = _weight_layout(op, const_value(fq_op.operands[0]), fq)
    scales, zps = fq.params()
    if axis is None:
        return UniformQuantizedType.per_tensor("u8", scales[0], zps[0] + 128)
    return UniformQuantizedType.per_axis(
        "u8", [scales[i] for i in slices], [zps[i] + 128 for i in slices], axis
    )


def _fake_quantized(w: np.ndarray, qtype: UniformQuantizedType, qmin: int) -> np.ndarray:
    """The weights TF's file holds in front of the QUANTIZE: MLIR's quantize (round half away of w / scale +
    zero point in double, clamped to [qmin, 255]) and dequantize ((q - zero point) * scale in float32)."""
    shape = [1] * w.ndim
    if qtype.axis is not None:
        shape[qtype.axis] = -1
    scale = np.asarray(qtype.scales, np.float64).reshape(shape)
    zero = np.asarray(qtype.zero_points, np.float64).reshape(shape)
    q = np.clip(round_half_away(w.astype(np.float32).astype(np.float64) / scale + zero), qmin, 255)
    return (q - zero).astype(np.float32) * scale.astype(np.float32)


def _legalize_with_fake_quant_weights(op: Operation, fq: tf.GenericOp) -> None:
    """Legalize `op` on the FakeQuant's raw constant, then put the uint8 QUANTIZE/DEQUANTIZE pair between the
    filter legalize-tf made of it (in the builtin's layout) and the builtin, as TF writes it."""
    from passes.quantize_qat import legalize_on_raw_weights

    block = op.parent_block()
    if block is None:
        return
    qtype = _weight_type(op, fq)
    raw, affine = legalize_on_raw_weights(op, const_value(fq.operands[0]), block)
    filt = affine[0].operands[1].owner if len(affine) == 1 and op.parent is None else None
    if not isinstance(filt, tfl.ConstOp):
        if (
            op.parent is not None
        ):  # not legalized: the FakeQuant stays its input, legalized like an activation's
            op.operands[1] = fq.results[0]
            raw.detach()
            raw.erase()
        return
    new = affine[0]
    fake = tfl_const(_fake_quantized(filt.value.array, qtype, int(bool_attr(fq, "narrow_range"))))
    block.insert_op_before(fake, new)
    new.operands[1] = fake.output
    if not filt.output.uses:
        filt.detach()
        filt.erase()
    filt = fake
    quantize = tfl.QuantizeOp.build([filt.output], [TensorType(qtype, filt.output.type.get_shape())])
    dequantize = tfl.DequantizeOp.build([quantize.results[0]], [filt.output.type])
    block.insert_op_before(quantize, new)
    block.insert_op_before(dequantize, new)
    new.operands[1] = dequantize.results[0]
    if not raw.output.uses:
        raw.detach()
        raw.erase()
    if isinstance(new, tfl.FullyConnectedOp):
        from passes.quantize_qat import _absorb_bias

        _absorb_bias(new)  # a following BiasAdd becomes the bias, as TF folds it with DEQUANTIZE'd weights


@dataclass(frozen=True)
class LegalizeFakeQuant(ModulePass):
    """FakeQuant / QuantizeAndDequantize ops of a float conversion -> uint8 QUANTIZE/DEQUANTIZE pairs, as TF."""

    name = "legalize-fake-quant"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fq in [o for o in op.walk() if isinstance(o, tf.GenericOp)]:
            for user in _weights_of(fq) or ():
                _legalize_with_fake_quant_weights(user, fq)
            if fq.parent is not None and not fq.results[0].uses:
                fq.detach()
                fq.erase()
        FAKE_QUANT_TABLE.apply(op, once=True)
