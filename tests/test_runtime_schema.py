"""The C runtime's schema vocabulary (runtime/src/schema_gen.h) is generated from the `tflite` package and checked in:
regenerating it must give the same bytes, and the names the runtime reports must be the schema's."""

import os
import sys

import numpy as np
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util  # noqa: E402, F401  (puts the repository root on sys.path)

from runtime import _tflrt, gen_schema  # noqa: E402


def test_checked_in_header_is_regenerated_byte_for_byte():
    with open(gen_schema.HEADER) as f:
        checked_in = f.read()
    assert gen_schema.render() == checked_in, (
        "run `python -m runtime.gen_schema` and commit runtime/src/schema_gen.h"
    )


def test_op_names_are_the_schema_names():
    codes = {k: v for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    assert len(codes) > 200
    for name, code in codes.items():
        assert _tflrt.op_name(code) == name
    assert _tflrt.op_name(max(codes.values()) + len(gen_schema.NEWER_OPS) + 1) is None


def test_options_fields_come_from_the_generated_builders():
    """Spot checks against the schema text (tensorflow/lite/schema/schema.fbs): slot order and defaults."""
    conv = {f.name: (f.slot, f.default) for f in gen_schema.options_fields("Conv2DOptions")}
    assert conv["padding"] == (0, 0) and conv["stride_w"] == (1, 0) and conv["dilation_h_factor"] == (5, 1)
    add = {f.name: (f.slot, f.default) for f in gen_schema.options_fields("AddOptions")}
    assert add == {"fused_activation_function": (0, 0), "pot_scale_int16": (1, True)}
    reshape = gen_schema.options_fields("ReshapeOptions")
    assert [(f.name, f.writer) for f in reshape] == [("new_shape", "PrependUOffsetTRelativeSlot")]


def test_numpy_types_come_from_the_schema_names():
    """runtime's TensorType -> numpy table is the schema's names looked up in numpy, with LiteRT's two extras."""
    from runtime import dtypes, interpreter

    table = dtypes.schema_numpy_types()
    named = {k: v for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
    assert {named[n] for n in ("FLOAT32", "INT8", "BOOL", "UINT64", "COMPLEX128")} <= set(table)
    for name, code in named.items():
        if code in table:
            assert np.dtype(table[code]).name == ("bool" if name == "BOOL" else name.lower())
    assert named["BFLOAT16"] not in table and named["STRING"] not in table
    assert (
        interpreter._NP_TYPES[named["STRING"]] is np.bytes_
        and interpreter._NP_TYPES[named["INT4"]] is np.int8
    )
