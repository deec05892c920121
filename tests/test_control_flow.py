"""Control flow and resource variables, side by side with TensorFlow's converter on the same models:
tf.cond / tf.while_loop as IF / WHILE subgraphs, a tf.cond on a constant folded away, a while_loop writing a
TensorArray (lowered TensorList ops), variables read inside a loop frozen, and `self.v.assign_add(x)` as
VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE with experimental_enable_resource_variables (an error without it)."""

from collections import Counter

import numpy as np
import pytest
import tensorflow as tf
import tflite

from compiler import TFLiteConverter
from compiler.errors import ConversionError

_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def _ops(model: bytes) -> list[list[str]]:
    """Builtin names per subgraph."""
    m = tflite.Model.GetRootAsModel(model, 0)
    out = []
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        codes = [m.OperatorCodes(sg.Operators(i).OpcodeIndex()) for i in range(sg.OperatorsLength())]
        out.append([_NAMES[max(c.BuiltinCode(), c.DeprecatedBuiltinCode())] for c in codes])
    return out


def _both(module: tf.Module, fn, **settings) -> tuple[bytes, bytes]:
    """(ours, TF's) conversions of one tf.function of `module`."""
    cf = fn.get_concrete_function()
    ours = TFLiteConverter.from_concrete_functions([cf], module)
    theirs = tf.lite.TFLiteConverter.from_concrete_functions([cf], module)
    for k, v in settings.items():
        setattr(ours, k, v)
        setattr(theirs, k, v)
    return ours.convert(), theirs.convert()


def _run_all(model: bytes, **inputs) -> dict[str, dict[str, np.ndarray]]:
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    return {
        "litert": LiteRT(model_content=model).get_signature_runner()(**inputs),
        "ours": Ours(model_content=model).get_signature_runner()(**inputs),
    }


class CondWhile(tf.Module):
    """The branch depends on the input's sum, the trip count on `n`."""

    @tf.function(input_signature=[tf.TensorSpec([4], tf.float32), tf.TensorSpec([], tf.int32)])
    def f(self, x, n):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: x - 1.0)
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 0.5 + 1.0), [tf.constant(0), y])
        return {"y": y}


def test_cond_and_while_become_if_and_while_like_tf():
    m = CondWhile()
    ours, theirs = _both(m, m.f)
    ops, tf_ops = _ops(ours), _ops(theirs)
    assert "IF" in ops[0] and "WHILE" in ops[0]
    assert len(ops) <= len(tf_ops) == 5  # main, then, else, cond, body
    assert sum(map(len, ops)) <= sum(map(len, tf_ops))
    cases = [
        (np.array([1, 2, 3, 4], np.float32), 3),  # then branch, 3 iterations
        (np.array([-1, -2, -3, -4], np.float32), 0),  # else branch, no iteration
        (np.array([-1, 2, -3, 1.5], np.float32), 7),  # else branch, 7 iterations
    ]
    for x, n in cases:
        want = m.f(tf.constant(x), tf.constant(n))["y"].numpy()
        inputs = {"x": x, "n": np.array(n, np.int32)}
        for name, got in _run_all(ours, **inputs).items():
            np.testing.assert_allclose(got["y"], want, rtol=1e-6, err_msg=f"{name} x={x} n={n}")


def test_a_cond_on_a_constant_folds_away():
    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
        def f(self, x):
            return {"y": tf.cond(tf.constant(2.0) > 1.0, lambda: x * 3.0, lambda: x + 1.0)}

    m = M()
    ours, theirs = _both(m, m.f)
    assert _ops(ours) == [["MUL"]]
    assert sum(map(len, _ops(ours))) <= sum(map(len, _ops(theirs)))
    x = np.array([1, -2, 3], np.float32)
    for name, got in _run_all(ours, x=x).items():
        np.testing.assert_allclose(got["y"], x * 3.0, rtol=1e-6, err_msg=name)


def test_while_loop_writing_a_tensor_array():
    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([5, 3], tf.float32)])
        def f(self, x):
            xs = tf.TensorArray(tf.float32, size=5).unstack(x)
            out = tf.TensorArray(tf.float32, size=5)

            def body(i, out):
                return i + 1, out.write(i, xs.read(i) * 2.0 + tf.cast(i, tf.float32))

            _, out = tf.while_loop(lambda i, out: i < 5, body, [0, out])
            return {"y": out.stack()}

    m = M()
    ours, theirs = _both(m, m.f)
    ops = _ops(ours)
    assert "WHILE" in ops[0] and not any("TENSOR" in o for sg in ops for o in sg)
    assert sum(map(len, ops)) <= sum(map(len, _ops(theirs)))
    x = np.random.default_rng(0).normal(size=[5, 3]).astype(np.float32)
    want = m.f(tf.constant(x))["y"].numpy()
    for name, got in _run_all(ours, x=x).items():
        np.testing.assert_allclose(got["y"], want, rtol=1e-6, err_msg=name)


def test_variables_read_inside_a_loop_are_frozen():
    class M(tf.Module):
        def __init__(self):
            self.w = tf.Variable([[0.5, -1.0], [2.0, 0.25]])

        @tf.function(input_signature=[tf.TensorSpec([1, 2], tf.float32)])
        def f(self, x):
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.tanh(y @ self.w)), [0, x])
            return {"y": y}

    m = M()
    ours, theirs = _both(m, m.f)
    assert "WHILE" in _ops(ours)[0]
    assert sum(map(len, _ops(ours))) <= sum(map(len, _ops(theirs)))
    x = np.array([[0.3, -0.7]], np.float32)
    want = m.f(tf.constant(x))["y"].numpy()
    for name, got in _run_all(ours, x=x).items():
        np.testing.assert_allclose(got["y"], want, rtol=1e-6, err_msg=name)


class Counter_(tf.Module):
    def __init__(self):
        self.v = tf.Variable(tf.ones([3]) * 2.0)

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
    def f(self, x):
        self.v.assign_add(x)
        return {"out": self.v.read_value()}


def test_assign_add_becomes_resource_variables_like_tf():
    m = Counter_()
    ours, theirs = _both(m, m.f, experimental_enable_resource_variables=True)
    assert Counter(o for sg in _ops(ours) for o in sg) == Counter(o for sg in _ops(theirs) for o in sg)
    assert _ops(ours)[0][0] == "CALL_ONCE"
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    # (LiteRT runs both files here; tests/test_runtime_resource_vars.py runs them in our C runtime too)
    runners = {
        "tf_file": LiteRT(model_content=theirs).get_signature_runner(),
        "ours": LiteRT(model_content=ours).get_signature_runner(),
    }
    x = np.array([1, 2, 3], np.float32)
    got = {name: [r(x=x)["out"].copy() for _ in range(3)] for name, r in runners.items()}
    assert np.allclose(got["tf_file"][2], [5, 8, 11])  # the variable really accumulates
    np.testing.assert_array_equal(np.stack(got["ours"]), np.stack(got["tf_file"]))


def test_assign_add_without_the_flag_is_one_clear_error():
    m = Counter_()
    converter = TFLiteConverter.from_concrete_functions([m.f.get_concrete_function()], m)
    with pytest.raises(
        ConversionError, match=r"(?s)AssignAddVariableOp.*experimental_enable_resource_variables"
    ):
        converter.convert()


@pytest.mark.heavy
def test_keras3_lstm_converts_as_a_loop():
    """Keras 3 LSTM layers trace to a While reading the kernels as variables and writing a TensorList with an unknown
    element shape: the variables freeze, the list lowers, the loop exports as WHILE (the generic path, before any
    fused-LSTM recognition), with no more ops than TF's converter writes for the same function."""
    import keras

    inp = keras.Input((6, 4), batch_size=1)
    h = keras.layers.LSTM(8, return_sequences=True)(inp)
    km = keras.Model(inp, keras.layers.LSTM(5)(h))
    m = tf.Module()
    m.f = tf.function(
        lambda x: {"y": km(x, training=False)}, input_signature=[tf.TensorSpec([1, 6, 4], tf.float32)]
    )
    cf = m.f.get_concrete_function()
    theirs = tf.lite.TFLiteConverter.from_concrete_functions([cf], m).convert()
    model = TFLiteConverter.from_concrete_functions([cf], m).convert()
    assert sum(map(len, _ops(model))) <= sum(map(len, _ops(theirs)))
    x = np.random.default_rng(0).normal(size=[1, 6, 4]).astype(np.float32)
    want = m.f(tf.constant(x))["y"].numpy()
    got = _run_all(model, x=x)
    np.testing.assert_allclose(got["litert"]["y"], want, rtol=1e-5, atol=1e-6 * np.abs(want).max())
    np.testing.assert_allclose(got["ours"]["y"], got["litert"]["y"], rtol=1e-5, atol=1e-6)


class CondWhileDense(tf.Module):
    """CondWhile with 32x32 weights in both branches and in the loop body (large enough for dynamic range)."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.w = [tf.constant(rng.normal(0, 0.2, (32, 32)).astype(np.float32)) for _ in range(3)]

    @tf.function(input_signature=[tf.TensorSpec([1, 32], tf.float32), tf.TensorSpec([], tf.int32)])
    def f(self, x, n):
        w1, w2, w3 = self.w
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.matmul(x, w1), lambda: tf.matmul(x, w2) - 1.0)
        _, y = tf.while_loop(
            lambda i, y: i < n, lambda i, y: (i + 1, tf.tanh(tf.matmul(y, w3))), [tf.constant(0), y]
        )
        return {"y": y}


@pytest.mark.parametrize("mode", ["dynamic_range", "float16"])
def test_weight_quantization_inside_if_and_while_like_tf(mode):
    """Dynamic-range and float16 quantization reach the weights inside IF branches and the WHILE body: the same ops
    per subgraph as TF's file (subgraph order aside) and the same outputs for both branches."""
    m = CondWhileDense()
    settings = {"optimizations": [tf.lite.Optimize.DEFAULT]}
    if mode == "float16":
        settings["target_spec"] = tf.lite.TargetSpec(supported_types=[tf.float16])
    ours, theirs = _both(m, m.f, **settings)
    assert sorted(map(sorted, _ops(ours))) == sorted(map(sorted, _ops(theirs)))
    if mode == "dynamic_range":  # hybrid kernels: int8 weights in the branches and the body
        assert "DEQUANTIZE" not in sum(_ops(ours), [])
    for x, n in [(np.full((1, 32), 0.1, np.float32), 2), (np.full((1, 32), -0.1, np.float32), 3)]:
        inputs = {"x": x, "n": np.array(n, np.int32)}
        want = _run_all(theirs, **inputs)["litert"]["y"]
        got = _run_all(ours, **inputs)
        np.testing.assert_array_equal(got["litert"]["y"], want)
        np.testing.assert_allclose(got["ours"]["y"], want, rtol=1e-5, atol=1e-6)
