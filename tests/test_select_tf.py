"""Select TF ops (Flex) through tflc, side by side with TensorFlow's converter on the same function: the same
operators (as a multiset: each converter orders independent ops its own way), each Flex op's custom_options
byte-identical to TF's file (FlexBuffer [op type, NodeDef]), and the model run in our runtime (which hands Flex nodes
to TensorFlow; LiteRT cannot run them) equal to TensorFlow within 1e-5. Ops TF maps to builtins stay builtins with
SELECT_TF_OPS on; ops outside TF's Flex allowlist are refused, naming them and the flag that helps."""

import os
import sys

import numpy as np
import pytest
import tflite

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402
from flatbuffers import flexbuffers  # noqa: E402
from tensorflow.core.framework import node_def_pb2  # noqa: E402

from compiler import ConversionError, OpsSet, TFLiteConverter  # noqa: E402

FLEX_ONLY = ("SELECT_TF_OPS",)
BOTH = ("TFLITE_BUILTINS", "SELECT_TF_OPS")


def _theirs(fn, ops, custom=False) -> bytes:
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    conv.target_spec.supported_ops = [getattr(tf.lite.OpsSet, o) for o in ops]
    conv.allow_custom_ops = custom
    return conv.convert()


def _ours(fn, ops, custom=False) -> bytes:
    conv = TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    conv.target_spec.supported_ops = {getattr(OpsSet, o) for o in ops}
    conv.allow_custom_ops = custom
    return conv.convert()


def operators(model: bytes) -> list[tuple[int, str, bytes]]:
    """(builtin code, custom code, custom_options) of each operator of the first subgraph, in order."""
    m = tflite.Model.GetRootAsModel(model, 0)
    sg = m.Subgraphs(0)
    out = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        oc = m.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        custom = (oc.CustomCode() or b"").decode()
        opts = op.CustomOptionsAsNumpy().tobytes() if op.CustomOptionsLength() else b""
        out.append((code, custom, opts))
    return out


def node_def(options: bytes) -> node_def_pb2.NodeDef:
    vec = flexbuffers.GetRoot(bytearray(options)).AsVector
    return node_def_pb2.NodeDef.FromString(bytes(vec[1].AsStringBytes))


def assert_same_ops(ours: bytes, theirs: bytes) -> None:
    """The same operators as TF (a multiset: both converters order independent ops by their own topological sort);
    each Flex op's options byte-identical to TF's op for the same node. TF's NodeDef attr order comes from a hash map
    and varies from run to run, so NodeDefs with several attributes are compared as messages (and sizes must agree)."""
    a, b = operators(ours), operators(theirs)
    assert sorted((c, cc) for c, cc, _ in a) == sorted((c, cc) for c, cc, _ in b)
    tf_flex = {
        (cc, *node_def(o).experimental_debug_info.original_node_names): o
        for _, cc, o in b
        if cc.startswith("Flex")
    }
    for _, custom, mine in a:
        if not custom.startswith("Flex"):
            continue
        tfs = tf_flex[(custom, *node_def(mine).experimental_debug_info.original_node_names)]
        if len(node_def(tfs).attr) <= 1:
            assert mine == tfs, custom
        else:
            assert len(mine) == len(tfs) and node_def(mine) == node_def(tfs), custom


def assert_runs_like_tf(model: bytes, fn, inputs: list) -> None:
    got = ru.ours(model).get_signature_runner()(
        **{f"x{i}" if len(inputs) > 1 else "x": v for i, v in enumerate(inputs)}
    )
    want = fn(*[tf.constant(v) for v in inputs])
    want = want if isinstance(want, tuple | list) else [want]
    for g, w in zip(got.values(), want, strict=True):
        w = w.numpy()
        assert g.dtype == w.dtype and g.shape == w.shape
        ru.assert_match(g, w)  # |err| <= 1e-5 * max |ref|


def _rng(shape, seed=0, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


def _det():
    @tf.function(input_signature=[tf.TensorSpec([2, 3, 3], tf.float32, name="x")])
    def f(x):
        return tf.linalg.det(x)

    return f, [_rng((2, 3, 3))]


def _erf():
    @tf.function(input_signature=[tf.TensorSpec([2, 5], tf.float32, name="x")])
    def f(x):
        return tf.math.erf(x) * 2.0

    return f, [_rng((2, 5), lo=-3, hi=3)]


def _sinh():
    # tf.math.sinh (Sinh): stateless, no TFLite builtin (TF sends it to Flex in both modes)
    @tf.function(input_signature=[tf.TensorSpec([4], tf.float32, name="x")])
    def f(x):
        return tf.math.sinh(x)

    return f, [_rng((4,), lo=-3, hi=3)]


def _cumprod():
    # several attributes (T, Tidx, exclusive, reverse) and a constant operand
    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32, name="x")])
    def f(x):
        return tf.math.cumprod(x, axis=1, exclusive=True, reverse=True)

    return f, [_rng((2, 4), lo=0.5, hi=2)]


def _strings():
    @tf.function(input_signature=[tf.TensorSpec([3], tf.string, name="x")])
    def f(x):
        return tf.strings.length(x), tf.strings.to_number(x)

    return f, [np.array([b"1.5", b"-20", b"300.25"], dtype=object)]


def _string_join():
    # a string constant operand: a STRING buffer in the file, as TF writes it (not a FlexConst op)
    @tf.function(input_signature=[tf.TensorSpec([2], tf.string, name="x")])
    def f(x):
        return tf.strings.length(tf.strings.join([x, tf.constant(["ab", "cde"])], separator="-"))

    return f, [np.array([b"x", b"yyy"], dtype=object)]


MODELS = {
    "det": _det,
    "erf": _erf,
    "sinh": _sinh,
    "cumprod": _cumprod,
    "strings": _strings,
    "string_join": _string_join,
}


@pytest.mark.parametrize("ops", [FLEX_ONLY, BOTH], ids=["select-only", "builtins+select"])
@pytest.mark.parametrize("name", list(MODELS))
def test_flex_matches_tensorflow_converter(name, ops):
    fn, inputs = MODELS[name]()
    ours, theirs = _ours(fn, ops), _theirs(fn, ops)
    assert any(cc.startswith("Flex") for _, cc, _ in operators(ours))
    assert_same_ops(ours, theirs)
    assert_runs_like_tf(ours, fn, inputs)


def test_select_only_sends_every_op_to_flex():
    """SELECT_TF_OPS alone: even ops with builtins (Mul, AddV2, the output Identity) are Flex ops, as in TF;
    constants are still folded (2 * 3 computed at conversion)."""

    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x")])
    def f(x):
        return tf.identity(tf.nn.relu(x * 2.0)) + (tf.constant(2.0) * 3.0)

    ours, theirs = _ours(f, FLEX_ONLY), _theirs(f, FLEX_ONLY)
    codes = [cc for _, cc, _ in operators(ours)]
    assert codes == ["FlexMul", "FlexRelu", "FlexIdentity", "FlexAddV2", "FlexIdentity"]
    assert_same_ops(ours, theirs)
    assert_runs_like_tf(ours, f, [_rng((2, 3))])


def test_fusion_and_folding_around_flex():
    """Builtins + select: conv + bias + relu still fuse into one CONV_2D before a Flex op, constants fold after it,
    and the Flex result keeps its shape for the ops that follow (same operators as TF)."""
    w = _rng((3, 3, 2, 4), seed=3)

    @tf.function(input_signature=[tf.TensorSpec([1, 6, 6, 2], tf.float32, name="x")])
    def f(x):
        y = tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME") + tf.constant([0.1, 0.2, 0.3, 0.4]))
        return tf.math.erf(y) * (tf.constant(2.0) + 1.0) + 1.0

    ours, theirs = _ours(f, BOTH), _theirs(f, BOTH)
    assert_same_ops(ours, theirs)
    assert [(c, cc) for c, cc, _ in operators(ours)][:2] == [
        (tflite.BuiltinOperator.CONV_2D, ""),
        (32, "FlexErf"),
    ]
    assert_runs_like_tf(ours, f, [_rng((1, 6, 6, 2))])


def _builtin_models():
    """A few models of the op tests (conv, pooling, dense, elementwise, reductions, shapes, top-k)."""
    w = _rng((3, 3, 3, 8), seed=5)
    dw = _rng((3, 3, 3, 1), seed=6)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32, name="x")])
    def conv(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w, 2, "SAME"))
        z = tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID")
        return tf.nn.max_pool2d(y, 2, 2, "VALID"), tf.reduce_mean(z, axis=[1, 2])

    m = _rng((6, 5), seed=7)

    @tf.function(input_signature=[tf.TensorSpec([2, 6], tf.float32, name="x")])
    def dense(x):
        h = tf.nn.softmax(tf.tanh(tf.matmul(x, m)) - tf.sigmoid(x[:, :5]))
        return tf.reshape(tf.transpose(tf.concat([h, h * h], axis=1)), [5, 4])

    @tf.function(input_signature=[tf.TensorSpec([3, 7], tf.float32, name="x")])
    def misc(x):
        v, i = tf.math.top_k(x, k=2)
        return tf.reduce_max(x, axis=1) + tf.reduce_sum(tf.abs(x), axis=1), v, i

    return {"conv": conv, "dense": dense, "misc": misc}


@pytest.mark.parametrize("name", ["conv", "dense", "misc"])
def test_builtins_stay_builtins_with_select_tf(name):
    """No Flex where TF needs none: with SELECT_TF_OPS on, the same operators as TF, none of them Flex, and the
    same operators as our builtins-only conversion."""
    fn = _builtin_models()[name]
    ours = _ours(fn, BOTH)
    assert not any(cc for _, cc, _ in operators(ours))
    assert_same_ops(ours, _theirs(fn, BOTH))
    assert operators(ours) == operators(_ours(fn, ("TFLITE_BUILTINS",)))


def test_op_outside_flex_allowlist_is_refused_as_tf_refuses_it():
    """Erfc is not in TF's Flex allowlist: both converters refuse it with SELECT_TF_OPS, naming it as a custom op."""

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    def f(x):
        return tf.math.erfc(x) + tf.math.erf(x)

    with pytest.raises(Exception, match="Custom ops: Erfc"):
        _theirs(f, BOTH)
    with pytest.raises(ConversionError) as info:
        _ours(f, BOTH)
    msg = str(info.value)
    assert "Erfc x1" in msg and "Custom ops: Erfc" in msg and "allow_custom_ops" in msg
    assert "Erf x1" not in msg  # Erf itself went Flex


def test_listing_error_names_the_flag_per_op():
    # Sinh: allowlisted, no builtin (a standalone Erf is decomposed into builtins when no fallback is allowed)
    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    def f(x):
        return tf.math.erfc(x) + tf.math.sinh(x)

    with pytest.raises(ConversionError) as info:
        _ours(f, ("TFLITE_BUILTINS",))
    lines = {ln.split(" x1")[0].strip(): ln for ln in str(info.value).splitlines() if " x1" in ln}
    assert "SELECT_TF_OPS" in lines["Sinh"] and "--select-tf-ops" in lines["Sinh"]
    assert "allow_custom_ops" in lines["Erfc"] and "SELECT_TF_OPS" not in lines["Erfc"]
    assert "TF Select ops: Sinh" in str(info.value)


def test_tf_flex_file_runs_in_our_runtime_like_ours():
    """TF's own Flex file and ours give the same numbers in our runtime."""
    fn, inputs = _det()
    mine, tfs = (ru.run(ru.ours(m), inputs) for m in (_ours(fn, FLEX_ONLY), _theirs(fn, FLEX_ONLY)))
    np.testing.assert_array_equal(mine[0], tfs[0])
    ru.assert_match(mine[0], fn(tf.constant(inputs[0])).numpy())


def test_saved_model_flex_bytes_match_tf(tmp_path):
    """From a SavedModel the node sits in an inlined function: TF's NodeDef names it and its function
    (experimental_debug_info.original_func_names); ours byte for byte the same."""

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x")])
        def __call__(self, x):
            return {"out": tf.math.erf(tf.nn.relu(x))}

    m = M()
    tf.saved_model.save(m, str(tmp_path / "sm"), signatures=m.__call__)
    conv = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm"))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    theirs = conv.convert()
    ours_conv = TFLiteConverter.from_saved_model(str(tmp_path / "sm"))
    ours_conv.target_spec.supported_ops = {OpsSet.TFLITE_BUILTINS, OpsSet.SELECT_TF_OPS}
    ours = ours_conv.convert()
    assert_same_ops(ours, theirs)
    (flex,) = [o for _, cc, o in operators(ours) if cc == "FlexErf"]
    assert node_def(flex).experimental_debug_info.original_func_names[0].startswith("__inference")
    x = _rng((2, 3))
    got = ru.ours(ours).get_signature_runner()(x=x)
    ru.assert_match(got["out"], tf.math.erf(tf.nn.relu(x)).numpy())


def _op_test_models():
    """Every model of the elementwise and data-movement op tests, as (name, tf.function)."""
    import test_legalize_elementwise as ew
    import test_legalize_shape as sh

    out = []
    for case in ew.ALL:
        sig = [tf.TensorSpec(x.shape, tf.as_dtype(x.dtype), name=f"x{i}") for i, x in enumerate(case.inputs)]
        out.append((case.name, tf.function(lambda *a, fn=case.fn: fn(*a), input_signature=sig)))
    for name, (fn, _) in sh.DATA_MOVEMENT.items():
        out.append((name, tf.function(fn, input_signature=[tf.TensorSpec(sh.X.shape, tf.float32, name="x")])))
    return out


@pytest.mark.heavy  # ~130 models converted twice (~25 s)
def test_op_test_models_stay_builtins_with_select_tf():
    """No Flex where none is needed: every model of the elementwise and data-movement op tests (all converted to
    builtins by TF and by us) converts with SELECT_TF_OPS on to the very same operators and bytes as without."""
    models = _op_test_models()
    assert len(models) > 100
    for name, fn in models:
        ours = _ours(fn, BOTH)
        assert not any(cc for _, cc, _ in operators(ours)), name
        plain = _ours(fn, ("TFLITE_BUILTINS",))
        assert operators(ours) == operators(plain), name


def string_buffers(model: bytes) -> list[bytes]:
    """The buffers of the STRING constant tensors of the first subgraph."""
    m = tflite.Model.GetRootAsModel(model, 0)
    sg = m.Subgraphs(0)
    out = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        if t.Type() == tflite.TensorType.STRING and t.Buffer() > 0 and m.Buffers(t.Buffer()).DataLength():
            out.append(m.Buffers(t.Buffer()).DataAsNumpy().tobytes())
    return out


def test_string_constant_is_a_string_buffer_like_tfs():
    fn, _ = _string_join()
    ours, theirs = _ours(fn, BOTH), _theirs(fn, BOTH)
    assert (
        string_buffers(ours)
        == string_buffers(theirs)
        == [b"\x02\x00\x00\x00\x10\x00\x00\x00\x12\x00\x00\x00\x15\x00\x00\x00abcde"]
    )
