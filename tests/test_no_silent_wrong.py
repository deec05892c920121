"""Models tflc cannot convert exactly fail loudly, never convert into a model that silently computes something else:
side-effecting ops are a conversion error naming them, and folded dynamic dims pin the inputs so LiteRT and our
runtime refuse other shapes instead of computing with the folded size (checked against TF at the converted shape)."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from compiler import TFLiteConverter
from compiler.errors import ConversionError, ConversionNote


def _convert(fn) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn).convert()
    return data, [str(w.message) for w in caught if issubclass(w.category, ConversionNote)]


def _interpreters(model: bytes):
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    return [("litert", LiteRT(model_content=model)), ("ours", Ours(model_content=model))]


def test_variable_write_is_an_error_naming_the_op_and_layer():
    v = tf.Variable(1.0)

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32, name="x")])
    def f(x):
        with tf.name_scope("counter"):
            v.assign_add(tf.reduce_sum(x))
        return v * 2

    with pytest.raises(ConversionError, match=r"AssignAddVariableOp at node 'counter/AssignAddVariableOp' "
                       r"\(layer 'counter'\)"):  # fmt: skip
        _convert(f)


@pytest.mark.parametrize(
    ("op_type", "body"),
    [
        ("RandomShuffle", lambda x: tf.random.shuffle(x)),  # RandomUniform is a builtin (test_legalize_more2)
        ("PrintV2", lambda x: (tf.print(x), x * 2)[1]),
        ("Assert", lambda x: (tf.debugging.Assert(tf.reduce_all(x > -100.0), [x]), x * 2)[1]),
    ],
)
def test_stateful_ops_are_refused(op_type, body):
    f = tf.function(body, input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    with pytest.raises(ConversionError, match=op_type):
        _convert(f)


def test_analyze_agrees_with_convert_on_a_variable_write(tmp_path):
    class M(tf.Module):
        def __init__(self):
            self.v = tf.Variable(0.0)

        @tf.function(input_signature=[tf.TensorSpec([2], tf.float32, name="x")])
        def serve(self, x):
            self.v.assign_add(tf.reduce_sum(x))
            return self.v + x

    m = M()
    tf.saved_model.save(m, str(tmp_path / "sm"), signatures={"serving_default": m.serve})
    from compiler.analyze import analyze_tf_model

    with pytest.raises(Exception, match="AssignAddVariableOp"):
        analyze_tf_model(saved_model_dir=str(tmp_path / "sm"))
    with pytest.raises(ConversionError, match="AssignAddVariableOp"):
        TFLiteConverter.from_saved_model(str(tmp_path / "sm")).convert()


_BATCH_READS = {
    "divide_by_batch": (lambda x: x / tf.cast(tf.shape(x)[0], tf.float32), [None, 3]),
    "reshape_by_batch": (lambda x: tf.reshape(x, [tf.shape(x)[0], -1]), [None, 2, 3]),
}


@pytest.mark.parametrize("case", sorted(_BATCH_READS))
def test_folded_batch_pins_the_input(case):
    body, shape = _BATCH_READS[case]
    f = tf.function(body, input_signature=[tf.TensorSpec(shape, tf.float32, name="x")])
    model, notes = _convert(f)
    assert len(notes) == 1 and "pinned" in notes[0] and "x [1, " in notes[0]
    x1 = np.random.default_rng(0).normal(size=[1, *shape[1:]]).astype(np.float32)
    want = f(tf.constant(x1)).numpy()
    x4 = np.random.default_rng(1).normal(size=[4, *shape[1:]]).astype(np.float32)
    for name, interp in _interpreters(model):
        np.testing.assert_allclose(
            interp.get_signature_runner()(x=x1)["output_0"], want, rtol=1e-6, err_msg=name
        )
    for _name, interp in _interpreters(model):
        with pytest.raises((ValueError, RuntimeError)):  # RESHAPE refuses the batch of 4: no x / 1 result
            interp.get_signature_runner()(x=x4)


def test_a_model_that_does_not_read_dims_keeps_resizing():
    """No shape reads: no pin, no note; a batch of 4 in LiteRT matches TF."""
    f = tf.function(
        lambda x: tf.nn.relu(x) * 2.0, input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")]
    )
    model, notes = _convert(f)
    assert notes == []
    x4 = np.random.default_rng(2).normal(size=[4, 3]).astype(np.float32)
    for name, interp in _interpreters(model):
        got = interp.get_signature_runner()(x=x4)["output_0"]
        np.testing.assert_allclose(got, f(tf.constant(x4)).numpy(), rtol=1e-6, err_msg=name)
