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
