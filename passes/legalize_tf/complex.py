"""legalize-tf rules: complex numbers and the real FFT (legalize_patterns.td, prepare_tf.cc's ConvertRfftToRfft2d).

    tf.RFFT2D(x, fft_length)            -> tfl.rfft2d (fft_length constant powers of 2, or computed at run time)
    tf.RFFT(x, [n])                     -> tfl.squeeze(tfl.rfft2d(tfl.expand_dims(x, -2), [1, n]), -2)
    tf.Real / tf.Imag / tf.ComplexAbs   -> tfl.real / tfl.imag / tfl.complex_abs
    tf.Complex(re, im)                  -> tfl.bitcast(tfl.pack([re, im], axis=-1)) to complex64 (beyond TF: TF 2.21
                                           writes no builtin for it, the schema has no COMPLEX; FlexComplex when
                                           the conversion allows Flex ops)

LiteRT's RFFT2D kernel (rfft2d.cc) runs only power-of-2 fft lengths: TF's converter writes the op for any length and
LiteRT then refuses the model at allocate_tensors; here such an FFT keeps no rule, so the error (or the select-TF
fallback) names it at conversion. These TF ops have no typed class and import as `tf.generic`.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.pattern_rewriter import PatternRewriter

from dialects import tf, tfl
from dialects.elements import element_type
from passes.legalize_tf.rearrange import generic_rule
from passes.patterns import const_value, op_accepts, rank_of, replace_with, shape_of, tfl_const


def _power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _fft_lengths(value: object, count: int) -> list[int] | None:
    """The constant fft_length of `count` powers of 2, or None."""
    lengths = const_value(value)  # type: ignore[arg-type]
    if lengths is None or lengths.shape != (count,):
        return None
    out = [int(n) for n in lengths]
    return out if all(_power_of_two(n) for n in out) else None


@generic_rule("RFFT2D")
def legalize_rfft2d(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """tf.RFFT2D(x, fft_length) -> tfl.rfft2d(x, int32 fft_length) (float32 -> complex64, rank >= 2); a run-time
    fft_length is passed on as TF's converter does (LiteRT sizes the output at invoke)."""
    if len(op.operands) != 2 or len(op.results) != 1:
        return
    x, length = op.operands
    if (rank_of(x) or 0) < 2 or not op_accepts(tfl.Rfft2dOp, [x, length]):
        return
    if const_value(length) is None:  # computed at run time: LiteRT sizes the output (and checks it) at invoke
        if shape_of(length) == (2,):
            replace_with(rewriter, op, [tfl.Rfft2dOp.build([x, length], [op.results[0].type])])
        return
    lengths = _fft_lengths(length, 2)
    if lengths is None:
        return
    c = tfl_const(np.asarray(lengths, np.int32))
    replace_with(rewriter, op, [c, tfl.Rfft2dOp.build([x, c.output], [op.results[0].type])])


@generic_rule("RFFT")
def legalize_rfft(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """tf.RFFT(x, [n]) -> squeeze(rfft2d(expand_dims(x, -2), [1, n]), -2): a 2-D FFT of height 1, as TF's
    prepare_tf does (optimize then turns both reshapes into RESHAPE)."""
    if len(op.operands) != 2 or len(op.results) != 1:
        return
    x, length = op.operands
    lengths = _fft_lengths(length, 1)
    shape, out_shape = shape_of(x), shape_of(op.results[0])
    if lengths is None or not shape or out_shape is None or not op_accepts(tfl.Rfft2dOp, [x]):
        return
    axis = len(shape) - 1
    f32, c64 = element_type(np.dtype(np.float32)), element_type(np.dtype(np.complex64))
    dim = tfl_const(np.asarray(axis, np.int32))
    expanded = tfl.ExpandDimsOp.build([x, dim.output], [TensorType(f32, [*shape[:-1], 1, shape[-1]])])
    fft_length = tfl_const(np.asarray([1, lengths[0]], np.int32))
    fft = tfl.Rfft2dOp.build(
        [expanded.results[0], fft_length.output], [TensorType(c64, [*out_shape[:-1], 1, out_shape[-1]])]
    )
    squeezed = tfl.SqueezeOp.build([fft.results[0]], [op.results[0].type], squeeze_dims=[axis])
    replace_with(rewriter, op, [dim, expanded, fft_length, fft, squeezed])


def _part_rule(tf_type: str, new_cls: type[tfl.TflOp], name: str) -> object:
    @generic_rule(tf_type)
    def legalize_complex_part(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
        """tf.Real / tf.Imag / tf.ComplexAbs(z) -> tfl.real / tfl.imag / tfl.complex_abs (complex64 -> float32,
        complex128 -> float64)."""
        if len(op.operands) != 1 or len(op.results) != 1:
            return
        if not new_cls.accepts([op.operands[0].type, op.results[0].type]):
            return
        replace_with(rewriter, op, [new_cls.build([op.operands[0]], [op.results[0].type])])

    legalize_complex_part.__name__ = legalize_complex_part.__qualname__ = name
    return legalize_complex_part


legalize_real = _part_rule("Real", tfl.RealOp, "legalize_real")
legalize_imag = _part_rule("Imag", tfl.ImagOp, "legalize_imag")
legalize_complex_abs = _part_rule("ComplexAbs", tfl.ComplexAbsOp, "legalize_complex_abs")


@generic_rule("Complex")
def legalize_complex(op: tf.GenericOp, rewriter: PatternRewriter) -> None:
    """tf.Complex(re, im) (float32, one shape) -> bitcast(pack([re, im], axis=rank)) to complex64: complex64 is
    the (re, im) float32 pair in memory, so the bitcast is exact."""
    if len(op.operands) != 2 or len(op.results) != 1:
        return
    re, im = op.operands
    shape = shape_of(re)
    if shape is None or shape_of(im) != shape or not op_accepts(tfl.PackOp, [re, im]):
        return
    if str(re.type.element_type) != "f32" or op.results[0].type.element_type != element_type(np.complex64):
        return
    f32 = element_type(np.dtype(np.float32))
    pair = tfl.PackOp.build([re, im], [TensorType(f32, [*shape, 2])], values_count=2, axis=len(shape))
    cast = tfl.BitcastOp.build([pair.results[0]], [op.results[0].type])
    replace_with(rewriter, op, [pair, cast])


RULES = [legalize_rfft2d, legalize_rfft, legalize_real, legalize_imag, legalize_complex_abs]

# Ops TF's converter writes no builtin for (legalize-tf's second sweep, off when Flex or custom ops are allowed).
BEYOND_TF_RULES = [legalize_complex]
