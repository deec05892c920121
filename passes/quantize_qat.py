"""Quantization-aware-trained (QAT) models: the ranges come from the model's FakeQuant ops, as TF 2.21 reads them.

`FakeQuantWithMinMaxVars` / `FakeQuantWithMinMaxVarsPerChannel` (min/max constants, per channel along the last
dimension) and `FakeQuantWithMinMaxArgs` (min/max attributes) carry `num_bits` and `narrow_range`. TF's converter
turns each into a QUANTIZE/DEQUANTIZE pair of type uint8, which MLIR's FakeQuantSupport derives from [min, max] on
the grid [narrow_range, 255]: `scale = (max - min) / (255 - narrow_range)` in double, the zero point nudged to an
integer from whichever end has the smaller error (halves away from zero), then shifted by -128 to int8; a range
narrower than double epsilon gets scale 1. The unsigned grid matters: [-1, 1] gets zero point 0 (127.5 -> 128),
where quantize-int8's signed-grid nudge of a calibrated range gives -1. No calibration happens.

Three passes split the work around the float pipeline, so every float rewrite runs as for a float model (a FakeQuant
stays an opaque op in between, blocking fusions across it as TF's QUANTIZE/DEQUANTIZE pairs do):

- `prepare-qat` (before legalize-tf): a Conv2D / DepthwiseConv2dNative / MatMul / BatchMatMul whose weight is a
  FakeQuant of a constant is legalized by legalize-tf's own rule on the raw weights; the float filter it produces is
  then stored as int8 with the FakeQuant's parameters behind a DEQUANTIZE, laid out as TF writes them: conv per
  channel on dim 0 (or per tensor), depthwise on dim 3 with the per-multiplier scales repeated over the input
  channels, FULLY_CONNECTED per tensor (a following BiasAdd becomes its bias). `q = round(w / scale) + zero_point`,
  halves away from zero, clamped to [-128 + narrow_range, 127] (MLIR's UniformQuantizedValueConverter).
- `qat-ranges` (after the float pipeline): a FakeQuant of any other constant becomes a DEQUANTIZE of its int8
  constant; a FakeQuant of an activation is removed, its [min, max] written as the activation's `tflc.range` (as
  compiler/calibrate.py `annotate_ranges` writes calibrated ranges) and TF's exact (scale, zero point) as
  `tflc.qat_params` (a float32 range cannot carry the double scale and the unsigned-grid rounding).
- `quantize-qat`: quantize-int8's quantizer with those parameters first, each DEQUANTIZE'd int8 constant taken as
  it is (the hook in quantize_int8.py), then post-quantize.

Refused, with the op named: num_bits other than 8 (TF's low-bit QAT path), narrow-range or per-channel activation
ranges, a range that does not contain 0 (MLIR's FakeQuantSupport rejects it too), non-constant min/max, per-channel
matmul weights (TF 2.21 fails on them too), QuantizeAndDequantize ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, ModuleOp, TensorType, f64
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter

from compiler.errors import ConversionError
from dialects import tf, tfl
from dialects.names import NAME
from dialects.quant import UniformQuantizedType
from dialects.tfl.quantize import quantized_const
from passes.patterns import bool_attr, const_value, float_attr, int_attr, str_attr, tf_const, tfl_const
from passes.quantize_int8 import PostQuantize, QuantizationError, QuantizeInt8, _Quantizer
from passes.quantize_weights import round_half_away

FAKE_QUANT_OPS = frozenset(
    {"FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxVarsPerChannel", "FakeQuantWithMinMaxArgs"}
)
# QDQ ops TF's converter also takes as a QAT model; tflc does not convert them.
QDQ_OPS = frozenset({"QuantizeAndDequantizeV2", "QuantizeAndDequantizeV3", "QuantizeAndDequantizeV4"})


class QATError(ConversionError):
    """A quantization-aware-trained model tflc cannot convert exactly as TF does."""


@dataclass(frozen=True)
class FakeQuant:
    """One FakeQuant op: its input, float32 min/max (shape () or [channels]) and storage parameters."""

    op: Operation
    min: np.ndarray
    max: np.ndarray
    num_bits: int
    narrow_range: bool
    per_channel: bool

    @property
    def x(self) -> SSAValue:
        return self.op.operands[0]

    def describe(self) -> str:
        name = self.op.attributes.get(NAME)
        label = getattr(name, "data", None)
        return f"{op_type(self.op)}" + (f" ('{label}')" if label else "")

    def storage_range(self) -> tuple[int, int]:
        return -128 + int(self.narrow_range), 127

    def params(self) -> tuple[list[float], list[int]]:
        """Per-slice (scales, int8 zero points) as TF derives them: MLIR's fakeQuantAttrsToType on the unsigned
        grid [narrow_range, 255] (the uint8 type TF's prepare pass gives the FakeQuant), shifted to int8."""
        scales, zps = [], []
        for lo, hi in zip(self.min.reshape(-1), self.max.reshape(-1), strict=True):
            s, z = nudged_params(float(lo), float(hi), int(self.narrow_range), 255)
            scales.append(s)
            zps.append(z - 128)
        return scales, zps


def op_type(op: Operation) -> str:
    return op.op_type if isinstance(op, tf.GenericOp) else op.name


def nudged_params(rmin: float, rmax: float, qmin: int, qmax: int) -> tuple[float, int]:
    """MLIR FakeQuantSupport getNudgedScaleAndZeroPoint (scale 1 and zero point qmin for an empty range)."""
    if abs(rmax - rmin) < np.finfo(np.float64).eps:
        return 1.0, qmin
    scale = (rmax - rmin) / (qmax - qmin)
    from_min, from_min_err = qmin - rmin / scale, abs(qmin) + abs(rmin / scale)
    from_max, from_max_err = qmax - rmax / scale, abs(qmax) + abs(rmax / scale)
    zp = from_min if from_min_err < from_max_err else from_max
    if zp < qmin:
        return scale, qmin
    if zp > qmax:
        return scale, qmax
    return scale, int(round_half_away(np.array(zp)))


def fake_quant(op: Operation) -> FakeQuant | None:
    """The FakeQuant an op is, or None; QATError when its parameters are not convertible."""
    if not isinstance(op, tf.GenericOp) or op.op_type not in FAKE_QUANT_OPS:
        return None
    if op.op_type == "FakeQuantWithMinMaxArgs":
        lo = np.array(float_attr(op, "min", -6.0), np.float32)
        hi = np.array(float_attr(op, "max", 6.0), np.float32)
    else:
        lo_c, hi_c = const_value(op.operands[1]), const_value(op.operands[2])
        if lo_c is None or hi_c is None:
            raise QATError(f"{_describe(op)}: min/max are not constants (tflc, as TF, needs trained ranges)")
        lo, hi = lo_c.astype(np.float32), hi_c.astype(np.float32)
    fq = FakeQuant(
        op,
        lo,
        hi,
        int_attr(op, "num_bits", 8) or 8,
        bool_attr(op, "narrow_range"),
        op.op_type == "FakeQuantWithMinMaxVarsPerChannel",
    )
    if fq.num_bits != 8:
        raise QATError(
            f"{fq.describe()}: num_bits={fq.num_bits}; tflc converts 8-bit quantization-aware training only"
        )
    if np.any(fq.min > 0) or np.any(fq.max < 0):
        raise QATError(
            f"{fq.describe()}: FakeQuant range [{fq.min}, {fq.max}] must contain 0 (as TF requires)"
        )
    return fq


def _describe(op: Operation) -> str:
    name = op.attributes.get(NAME)
    label = getattr(name, "data", None)
    return op_type(op) + (f" ('{label}')" if label else "")


def qat_ops(module: ModuleOp) -> list[Operation]:
    """Every FakeQuant / QuantizeAndDequantize op of the module (TF calls a model with any a QAT model)."""
    return [
        op for op in module.walk() if isinstance(op, tf.GenericOp) and op.op_type in FAKE_QUANT_OPS | QDQ_OPS
    ]


def quantize_values(
    array: np.ndarray, scales: np.ndarray, zps: np.ndarray, qmin: int, qmax: int
) -> np.ndarray:
    """int8 values of float weights, scales/zero points broadcast like `array` (MLIR's value converter)."""
    q = round_half_away(array.astype(np.float32).astype(np.float64) / scales + zps)
    return np.clip(q, qmin, qmax).astype(np.int8)


def _functions(module: ModuleOp) -> list[func.FuncOp]:
    return [op for op in module.ops if isinstance(op, func.FuncOp)]


# ---- prepare-qat: weights ----------------------------------------------------------------------------------------

_AFFINE_TF = (
    tf.Conv2DOp,
    tf.DepthwiseConv2dNativeOp,
    tf.MatMulOp,
    tf.BatchMatMulOp,
    tf.BatchMatMulV2Op,
    tf.BatchMatMulV3Op,
)
_AFFINE_TFL = (tfl.Conv2DOp, tfl.DepthwiseConv2DOp, tfl.FullyConnectedOp)


def _weight_layout(op: Operation, w: np.ndarray, fq: FakeQuant) -> tuple[np.ndarray, int | None, np.ndarray]:
    """Where the legalized op has its weights: (expected float filter, quantized axis, slice -> FakeQuant slice).

    A per-tensor FakeQuant stays per tensor (axis None) except on DEPTHWISE_CONV_2D (TF writes dim 3 then)."""
    n = fq.min.size
    if isinstance(op, tf.Conv2DOp):  # HWIO -> OHWI
        expected = np.moveaxis(w, 3, 0)
        return (
            expected,
            0 if n > 1 or fq.per_channel else None,
            np.arange(w.shape[3]) if n > 1 else np.zeros(w.shape[3], np.int64),
        )
    if isinstance(op, tf.DepthwiseConv2dNativeOp):  # HWCM -> 1 x H x W x (C*M); channel c*M + m
        h, wd, c, m = w.shape
        return w.reshape(1, h, wd, c * m), 3, np.tile(np.arange(m), c) if n > 1 else np.zeros(c * m, np.int64)
    transposed = bool_attr(op, "transpose_b") or bool_attr(op, "adj_y")
    mat = w.reshape(w.shape[-2:])
    expected = mat if transposed else mat.T  # FULLY_CONNECTED wants [out, in]
    if fq.per_channel:  # TF 2.21 fails on them too ("tfl.transpose op has mismatched quantized axes")
        raise QATError(f"{_describe(fq.op)}: per-channel FakeQuant weights of a matmul are not convertible")
    return expected, None, np.zeros(expected.shape[0], np.int64)


def legalize_on_raw_weights(op: Operation, w: np.ndarray, block: Block) -> tuple[Operation, list[Operation]]:
    """Give `op` the raw constant `w` as its weights (operand 1) and run legalize-tf's rules on it alone; returns
    the raw constant and the affine tfl ops the legalization made (`op.parent` is None when it was legalized)."""
    from passes.legalize_tf import LEGALIZE_TF

    raw = tf_const(w)
    block.insert_op_before(raw, op)
    old_ops = set(block.ops)
    op.operands[1] = raw.output
    rewriter = PatternRewriter(op)
    for fn in LEGALIZE_TF.rules.get(type(op), ()):
        fn(op, rewriter)
        if rewriter.has_done_action:
            break
    return raw, [o for o in block.ops if o not in old_ops and isinstance(o, _AFFINE_TFL)]


def _legalize_with_weights(op: Operation, fq: FakeQuant) -> bool:
    """Legalize `op` with the FakeQuant's raw weights, then store the new op's filter as int8 (see module doc)."""
    w = const_value(fq.x)
    assert w is not None
    block = op.parent_block()
    assert block is not None
    raw, affine = legalize_on_raw_weights(op, w, block)
    if op.parent is not None or len(affine) != 1:
        if op.parent is not None:
            op.operands[1] = fq.op.results[0]
            raw.detach()
            raw.erase()
        raise QATError(f"{_describe(op)}: no int8 builtin for this op with FakeQuant weights {fq.describe()}")
    new = affine[0]
    filt = new.operands[1].owner
    expected, axis, slices = _weight_layout(op, w, fq)
    if not isinstance(filt, tfl.ConstOp) or not np.array_equal(filt.value.array, expected):
        raise QATError(f"{_describe(op)}: its weights were rewritten before quantization ({fq.describe()})")
    scales, zps = fq.params()
    qmin, qmax = fq.storage_range()
    s = np.array(scales, np.float64)[slices]
    z = np.array(zps, np.int64)[slices]
    if axis is None:
        qtype = UniformQuantizedType.per_tensor(np.int8, scales[0], zps[0])
        values = quantize_values(expected, np.float64(scales[0]), np.float64(zps[0]), qmin, qmax)
    else:
        shape = [1] * expected.ndim
        shape[axis] = -1
        qtype = UniformQuantizedType.per_axis(np.int8, s.tolist(), z.tolist(), axis)
        values = quantize_values(expected, s.reshape(shape), z.reshape(shape).astype(np.float64), qmin, qmax)
    qc = quantized_const(values, qtype)
    dq = tfl.DequantizeOp.build([qc.output], [filt.output.type])
    if NAME in fq.op.attributes:
        qc.attributes[NAME] = fq.op.attributes[NAME]
    block.insert_op_before(qc, new)
    block.insert_op_before(dq, new)
    new.operands[1] = dq.results[0]
    for dead in (filt, raw):
        if not dead.results[0].uses:
            _erase(dead)
    if not fq.op.results[0].uses:
        _erase(fq.op)
    if isinstance(new, tfl.FullyConnectedOp):
        _absorb_bias(new)
    return True


def _erase(op: Operation) -> None:
    """Erase `op` and then the constants only it used."""
    operands = list(op.operands)
    op.detach()
    op.erase()
    for v in operands:
        owner = v.owner
        if isinstance(owner, tf.ConstOp | tfl.ConstOp) and not v.uses:
            owner.detach()
            owner.erase()


def _absorb_bias(fc: tfl.FullyConnectedOp) -> None:
    """FULLY_CONNECTED without bias + BiasAdd / Add of a constant [out] vector -> FULLY_CONNECTED with that bias (the
    float optimizer's fold needs a constant filter; TF's folds it with DEQUANTIZE'd weights too)."""
    uses = list(fc.results[0].uses)
    if len(uses) != 1 or not isinstance(fc.operands[2].owner, tfl.NoValueOp):
        return
    user = uses[0].operation
    if (
        not isinstance(user, tf.BiasAddOp | tf.AddV2Op | tf.AddOp)
        or user.results[0].type != fc.results[0].type
    ):
        return
    other = user.operands[1 - uses[0].index]
    b = const_value(other)
    out = fc.results[0].type.get_shape()[-1]
    if b is None or b.dtype != np.float32 or b.shape != (out,):
        return
    if isinstance(user, tf.BiasAddOp) and (
        uses[0].index != 0 or str_attr(user, "data_format", "NHWC") != "NHWC"
    ):
        return
    bias = tfl_const(b)
    fc.parent_block().insert_op_before(bias, fc)
    none = fc.operands[2].owner
    fc.operands[2] = bias.output
    if not none.results[0].uses:
        none.detach()
        none.erase()
    if NAME in user.attributes:
        fc.attributes[NAME] = user.attributes[NAME]
    user.results[0].replace_all_uses_with(fc.results[0])
    _erase(user)


@dataclass(frozen=True)
class PrepareQAT(ModulePass):
    """Legalize convolutions and matmuls with FakeQuant weights to int8 weights behind a DEQUANTIZE."""

    name = "prepare-qat"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in _functions(op):
            for o in list(fn.body.block.ops):
                if not isinstance(o, _AFFINE_TF) or len(o.operands) < 2:
                    continue
                weight = o.operands[1].owner
                try:
                    fq = fake_quant(weight) if isinstance(weight, Operation) else None
                except QATError:
                    continue  # qat-ranges reports it, with every other FakeQuant
                if fq is None or const_value(fq.x) is None or len(list(fq.op.results[0].uses)) != 1:
                    continue
                _legalize_with_weights(o, fq)


# ---- qat-ranges: activations and remaining constants -----------------------------------------------------------


def _const_fake_quant(fq: FakeQuant, block: Block) -> None:
    """FakeQuant(constant) -> DEQUANTIZE(int8 constant) with the FakeQuant's type (last dimension per channel)."""
    w = const_value(fq.x)
    assert w is not None
    scales, zps = fq.params()
    qmin, qmax = fq.storage_range()
    if len(scales) > 1:
        axis = w.ndim - 1
        qtype = UniformQuantizedType.per_axis(np.int8, scales, zps, axis)
        values = quantize_values(w, np.array(scales), np.array(zps, np.float64), qmin, qmax)
    else:
        qtype = UniformQuantizedType.per_tensor(np.int8, scales[0], zps[0])
        values = quantize_values(w, np.float64(scales[0]), np.float64(zps[0]), qmin, qmax)
    qc = quantized_const(values, qtype)
    if NAME in fq.op.attributes:
        qc.attributes[NAME] = fq.op.attributes[NAME]
    dq = tfl.DequantizeOp.build([qc.output], [fq.op.results[0].type])
    block.insert_op_before(qc, fq.op)
    block.insert_op_before(dq, fq.op)
    fq.op.results[0].replace_all_uses_with(dq.results[0])


@dataclass(frozen=True)
class QATRanges(ModulePass):
    """Turn the FakeQuant ops left after the float pipeline into activation ranges (`tflc.range`) and int8
    constants behind DEQUANTIZE, for quantize-int8."""

    name = "qat-ranges"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from compiler.calibrate import annotate_ranges, read_ranges

        ranges = read_ranges(op)
        exact = read_params(op)
        bad = [o for o in qat_ops(op) if o.op_type in QDQ_OPS]  # type: ignore[attr-defined]
        if bad:
            raise QATError(
                "tflc does not convert QuantizeAndDequantize ops (QDQ models); found: "
                + ", ".join(_describe(o) for o in bad)
            )
        for fn in _functions(op):
            block = fn.body.block
            for o in list(block.ops):
                fq = fake_quant(o)
                if fq is None:
                    continue
                if const_value(fq.x) is not None:
                    _const_fake_quant(fq, block)
                else:
                    self._activation(fq, ranges, exact)
                _erase(o)
        annotate_ranges(op, ranges)
        _annotate_params(op, exact)

    @staticmethod
    def _activation(
        fq: FakeQuant, ranges: dict[SSAValue, tuple[float, float]], exact: dict[SSAValue, tuple[float, int]]
    ) -> None:
        if fq.narrow_range or fq.min.size != 1:
            raise QATError(
                f"{fq.describe()}: narrow-range or per-channel activation ranges are not supported by tflc"
            )
        x = fq.x
        if not isinstance(x.type, TensorType):
            raise QATError(f"{fq.describe()}: input is not a tensor")
        (scale,), (zp,) = fq.params()
        if x in exact and exact[x] != (scale, zp):
            raise QATError(f"{fq.describe()}: its input already has the range of another FakeQuant")
        ranges[x] = (float(fq.min.reshape(())), float(fq.max.reshape(())))
        exact[x] = (scale, zp)
        fq.op.results[0].replace_all_uses_with(x)


# ---- quantize-qat: quantize-int8 with the FakeQuant parameters -------------------------------------------------

# The exact (scale, zero point) of each FakeQuant'd activation, next to its `tflc.range`: per op one
# `array<f64: scale, zero_point>` per result (`array<f64>` without), per function the same for its arguments. The
# float32 range alone cannot carry them: TF rounds the zero point on the unsigned grid, quantize-int8 on the signed.
PARAMS_ATTR = "tflc.qat_params"
ARG_PARAMS_ATTR = "tflc.qat_arg_params"


def _params_attr(p: tuple[float, int] | None) -> DenseArrayBase:
    return DenseArrayBase.from_list(f64, [] if p is None else [p[0], float(p[1])])


def _annotate_params(module: ModuleOp, params: dict[SSAValue, tuple[float, int]]) -> None:
    for fn in _functions(module):
        if any(a in params for a in fn.args):
            fn.attributes[ARG_PARAMS_ATTR] = ArrayAttr([_params_attr(params.get(a)) for a in fn.args])
        for o in fn.body.walk():
            if any(r in params for r in o.results):
                o.attributes[PARAMS_ATTR] = ArrayAttr([_params_attr(params.get(r)) for r in o.results])


def read_params(module: ModuleOp) -> dict[SSAValue, tuple[float, int]]:
    out: dict[SSAValue, tuple[float, int]] = {}

    def take(values: Sequence[SSAValue], attr: Attribute | None) -> None:
        if not isinstance(attr, ArrayAttr):
            return
        for v, a in zip(values, attr.data, strict=False):
            if isinstance(a, DenseArrayBase):
                vals = a.get_values()
                if len(vals) == 2:
                    out[v] = (float(vals[0]), int(vals[1]))

    for fn in _functions(module):
        take(list(fn.args), fn.attributes.get(ARG_PARAMS_ATTR))
        for o in fn.body.walk():
            take(list(o.results), o.attributes.get(PARAMS_ATTR))
    return out


class _QATQuantizer(_Quantizer):
    """quantize-int8's quantizer, with each FakeQuant'd activation's exact parameters before its range's."""

    exact: dict[SSAValue, tuple[float, int]]

    def params_of(self, value: SSAValue) -> tuple[float, int] | None:
        p = self.exact.get(value)
        return p if p is not None else super().params_of(value)


@dataclass(frozen=True)
class QuantizeQAT(QuantizeInt8):
    """quantize-int8 from the FakeQuant parameters qat-ranges wrote (`tflc.qat_params`), then post-quantize."""

    name = "quantize-qat"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from compiler.calibrate import ARG_RANGES_ATTR, RANGE_ATTR, read_ranges

        ranges, exact = read_ranges(op), read_params(op)
        problems: list[str] = []
        for fn in _functions(op):
            qz = _QATQuantizer(fn, ranges, self.per_channel, self.per_channel_dense)
            qz.exact = exact
            qz.run()
            problems += [f"{_describe(o)} in {fn.sym_name.data}" for o in qz.unsupported]
        if self.int8_only and problems:
            raise QuantizationError(
                "target_spec.supported_ops = {TFLITE_BUILTINS_INT8} but tflc cannot quantize these ops to int8; "
                "add TFLITE_BUILTINS to keep them in float:\n  - " + "\n  - ".join(problems)
            )
        PostQuantize().apply(ctx, op)
        for fn in _functions(op):  # the parameters now live in the types
            for key in (ARG_RANGES_ATTR, ARG_PARAMS_ATTR):
                fn.attributes.pop(key, None)
            for o in fn.body.walk():
                o.attributes.pop(RANGE_ATTR, None)
                o.attributes.pop(PARAMS_ATTR, None)
