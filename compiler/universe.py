"""Registers tflc's dialects and passes with stock `xdsl-opt` (entry point `xdsl.universe`)."""

from xdsl.universe import Universe

from compiler.pipeline import available_passes


def _tf():
    from dialects.tf import TF

    return TF


def _tfl():
    from dialects.tfl import TFL

    return TFL


def _tflc():
    from dialects.elements import TFLC

    return TFLC


def _quant():
    from dialects.quant import QUANT

    return QUANT


TFLC_UNIVERSE = Universe(
    all_dialects={"tf": _tf, "tfl": _tfl, "tflc": _tflc, "quant": _quant},
    # `dce` is also an xDSL pass name; stock xdsl-opt keeps its own, tflc pipelines use ours.
    all_passes={k: v for k, v in available_passes().items() if k != "dce"},
)
