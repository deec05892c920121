"""The op coverage table (compiler/coverage.py, `tflc ops`): TF's list is real TF ops, our side is read off our rules."""

from __future__ import annotations

import pytest

from compiler import coverage


@pytest.fixture(scope="module")
def rows() -> list[coverage.Row]:
    return coverage.coverage()


def test_tf_list_names_real_tf_ops() -> None:
    import tensorflow as tf

    entries = coverage.tf_legalizations()
    assert len(entries) == len({e.tf_op for e in entries}) > 150
    # XlaDynamicUpdateSlice is registered by tf2xla, not in tf.raw_ops
    known = {"Const", "XlaDynamicUpdateSlice"}
    unknown = [e.tf_op for e in entries if e.tf_op not in known and not hasattr(tf.raw_ops, e.tf_op)]
    assert unknown == []


def test_rules_are_read_not_listed(rows: list[coverage.Row]) -> None:
    by_op = {r.entry.tf_op: r for r in rows}
    assert by_op["Conv2D"].ours == ["CONV_2D", "PAD"]  # PAD: explicit padding
    assert by_op["Sigmoid"].ours == ["LOGISTIC"]  # through legalize_unary's table, this op's entry only
    assert by_op["AddN"].ours == ["ADD"]  # an expr formula (functools.reduce(operator.add, ...))
    assert set(by_op["Softplus"].ours) >= {"EXP", "LOG", "ADD", "RELU"}
    assert by_op["FusedBatchNormV3"].covered  # via prepare-tf's lowering to tf.Mul / tf.Add
    assert by_op["Conv2D"].kernels == {"float32": "yes", "int8": "yes", "int16": "yes"}
    assert by_op["LogicalAnd"].kernels["float32"] == "-"


def test_cli_prints_the_count(rows: list[coverage.Row]) -> None:
    from typer.testing import CliRunner

    from compiler.cli import app

    result = CliRunner().invoke(app, ["ops", "--markdown"])
    assert result.exit_code == 0, result.output
    assert coverage.summary(rows) in result.output
    assert result.output.count("\n| ") == len(rows) + 1


@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_type_generic_kernels_run_integer_files_like_litert(tmp_path, mode: str) -> None:  # noqa: ANN001
    """ARG_MAX / ARG_MIN / RESIZE_NEAREST_NEIGHBOR sit in float32 kernel sources but take any element type (the
    table reports int8/int16 for them): TF's own quantized files run in our runtime exactly as in LiteRT
    BUILTIN_REF. TF 2.21 refuses ARG_MAX/ARG_MIN in 16x8, so that file has the resize only."""
    import numpy as np
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from runtime import Interpreter as Ours

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 4, 4, 3], tf.float32)])
        def f(self, x):  # noqa: ANN001, ANN202
            y = tf.image.resize(x * 1.5, [8, 8], method="nearest")
            if mode == "16x8":
                return y + 0.5
            return tf.argmax(y, axis=-1), tf.argmin(y, axis=1), y

    m = M()
    rng = np.random.default_rng(0)

    def rep():  # noqa: ANN202
        for _ in range(8):
            yield [rng.uniform(-1, 1, (1, 4, 4, 3)).astype(np.float32)]

    c = tf.lite.TFLiteConverter.from_concrete_functions([m.f.get_concrete_function()], m)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS_INT8
        if mode == "int8"
        else tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
    ]
    data = c.convert()
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    ref = Interpreter(model_content=data, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    ref.allocate_tensors()
    kinds = {
        (o["op_name"], ref.get_tensor_details()[o["inputs"][0]]["dtype"].__name__)
        for o in ref._get_ops_details()
    }
    want = {("RESIZE_NEAREST_NEIGHBOR", "int8" if mode == "int8" else "int16")}
    if mode == "int8":
        want |= {("ARG_MAX", "int8"), ("ARG_MIN", "int8")}
    assert want <= kinds  # the integer kernels are what runs
    ours = Ours(model_path=str(path))
    ours.allocate_tensors()
    for _ in range(3):
        x = rng.uniform(-1, 1, (1, 4, 4, 3)).astype(np.float32)
        for it in (ref, ours):
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
        for o in ref.get_output_details():
            np.testing.assert_array_equal(ours.get_tensor(o["index"]), ref.get_tensor(o["index"]))
    row = {r.entry.tf_op: r for r in coverage.coverage()}
    assert row["ArgMax"].kernels["int8"] == "yes" and row["ResizeNearestNeighbor"].kernels["int16"] == "yes"
