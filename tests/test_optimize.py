"""The optimize pass: numerics and op counts.

1. Every function of the optimize FileCheck files is exported before and after `optimize` and both models run in
   LiteRT on the same random input: the fusions must not change the numbers (rel <= 1e-5).
2. Whole Keras models converted by us vs TensorFlow's converter, both run in LiteRT against TensorFlow itself;
   our op count must be <= TF's, measured in the same test.
"""

from __future__ import annotations

import collections
import glob
import os

import numpy as np
import pytest
from corpus import rel_error, run_litert, sample_inputs
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.parser import Parser
from xdsl.rewriter import InsertPoint, Rewriter

from compiler.export import export
from compiler.pipeline import make_context
from dialects import tf, tfl
from passes.optimize import optimize_module
from passes.patterns import const_value, tfl_const

HERE = os.path.dirname(__file__)
MLIR_FILES = sorted(glob.glob(os.path.join(HERE, "filecheck", "optimize", "*.mlir")))
TOL = 1e-5


# ---- 1. hand-written IR: LiteRT before vs after ------------------------------------------------------------------


def _functions() -> list[tuple[str, str]]:
    out = []
    for path in MLIR_FILES:
        with open(path) as f:
            text = f.read()
        module = Parser(make_context(), text, path).parse_module()
        for fn in module.ops:
            if isinstance(fn, func.FuncOp):
                out.append((path, fn.sym_name.data))
    return out


def _single(path: str, name: str) -> ModuleOp:
    with open(path) as f:
        module = Parser(make_context(), f.read(), path).parse_module()
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp) and op.sym_name.data == name)
    fn.detach()
    _give_convs_a_bias(fn)
    return ModuleOp([fn])


def _give_convs_a_bias(fn: func.FuncOp) -> None:
    """LiteRT's CONV_2D / DEPTHWISE_CONV_2D kernels require a bias: replace a `tfl.no_value` bias by zeros
    (in the IR given to both sides; the no_value paths are covered by the FileCheck cases)."""
    for op in list(fn.walk()):
        if isinstance(op, tfl.Conv2DOp | tfl.DepthwiseConv2DOp) and isinstance(op.bias.owner, tfl.NoValueOp):
            w = const_value(op.filter)
            zeros = tfl_const(
                np.zeros((w.shape[-1] if isinstance(op, tfl.DepthwiseConv2DOp) else w.shape[0],), np.float32)
            )
            Rewriter.insert_op(zeros, InsertPoint.before(op))
            op.operands[2] = zeros.output


def _random_inputs(fn: func.FuncOp, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for ty in fn.function_type.inputs.data:
        assert isinstance(ty, TensorType)
        shape = tuple(ty.get_shape())
        if "f32" in str(ty.element_type):
            arrays.append(rng.uniform(-4, 4, shape).astype(np.float32))
        else:
            arrays.append(rng.integers(-5, 6, shape).astype(np.int32))
    return arrays


@pytest.mark.parametrize("path,name", _functions(), ids=lambda v: os.path.basename(v) if "/" in str(v) else v)
def test_fusion_preserves_numerics(path: str, name: str) -> None:
    before = _single(path, name)
    if any(isinstance(op, tf.TFOp) for op in before.walk()):
        pytest.skip("contains tf ops (not runnable in LiteRT before the rewrite)")
    fn = next(iter(before.ops))
    inputs = _random_inputs(fn, seed=len(name))  # type: ignore[arg-type]
    try:
        ref = run_litert(export(before), inputs)
    except (RuntimeError, ValueError) as e:  # e.g. RELU on int32: LiteRT has no kernel for the original
        pytest.skip(f"original not runnable in LiteRT: {str(e).splitlines()[0][:80]}")
    after = _single(path, name)
    optimize_module(after)
    after.verify()
    got = run_litert(export(after), inputs)
    assert got.keys() == ref.keys()
    for k in ref:
        assert rel_error(got[k], ref[k]) <= TOL, (name, k)


@pytest.mark.parametrize("name", ["gelu_erf", "gelu_erfc"])
def test_gelu_erf_numerics(name: str) -> None:
    """The erf/erfc GELU forms (tf.Erf/Erfc are not builtins) become tfl.gelu; checked against the formula."""
    import math

    path = os.path.join(HERE, "filecheck", "optimize", "gelu-erf.mlir")
    module = _single(path, name)
    optimize_module(module)
    assert not any(isinstance(op, tf.TFOp) for op in module.walk())
    x = np.random.default_rng(0).uniform(-4, 4, (2, 16)).astype(np.float32)
    got = list(run_litert(export(module), [x]).values())[0]
    erf = np.vectorize(math.erf)
    ref = 0.5 * x.astype(np.float64) * (1 + erf(x.astype(np.float64) / math.sqrt(2)))
    assert rel_error(got, ref) <= TOL


@pytest.mark.parametrize("path", MLIR_FILES, ids=os.path.basename)
def test_fixed_point(path: str) -> None:
    """A second run of the pass changes nothing (the rules and CSE ran to a fixed point)."""
    from passes.optimize import OPTIMIZE, cse

    with open(path) as f:
        module = Parser(make_context(), f.read(), path).parse_module()
    optimize_module(module)
    text = str(module)
    assert not OPTIMIZE.apply(module) and cse(module) == 0
    assert str(module) == text


def test_rule_order_per_op() -> None:
    """Per op: fusions into the producer, then recognizers, then identities and constant folding (each table is
    one ordered list in passes/optimize.py)."""
    from passes.optimize import OPTIMIZE

    assert OPTIMIZE.order(tfl.MulOp) == [
        "fold_into_preceding_affine",
        "recognize_hard_swish",
        "recognize_gelu",
        "recognize_l2_normalization",
        "merge_constant_chain",
        "drop_neutral_binary",
        "fold_constant_op",
    ]
    assert OPTIMIZE.order(tfl.SoftmaxOp) == ["drop_max_before_softmax", "fold_scale_into_softmax"]


# ---- 2. whole models: ours vs TensorFlow's converter -------------------------------------------------------------


def op_counts(model_bytes: bytes) -> collections.Counter[str]:
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator

    names = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
    m = tflite.Model.GetRootAsModel(model_bytes, 0)
    counts: collections.Counter[str] = collections.Counter()
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            oc = m.OperatorCodes(sg.Operators(i).OpcodeIndex())
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            counts[names.get(code, str(code))] += 1
    return counts


def _compare(model) -> tuple[collections.Counter, collections.Counter]:  # noqa: ANN001
    import tensorflow as tf_

    from compiler import TFLiteConverter

    conv = TFLiteConverter.from_keras_model(model)
    ours = conv.convert()
    theirs = tf_.lite.TFLiteConverter.from_keras_model(model).convert()
    x = sample_inputs(model)
    ref = np.asarray(model(x[0]) if len(x) == 1 else model(x))
    got = list(run_litert(ours, x).values())[0]
    assert rel_error(got, ref) <= TOL
    c_ours, c_tf = op_counts(ours), op_counts(theirs)
    assert sum(c_ours.values()) <= sum(c_tf.values()), (dict(c_ours), dict(c_tf))
    return c_ours, c_tf


def test_conv_bn_relu6() -> None:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((16, 16, 3))
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(inp)
    x = layers.Conv2D(8, 3, strides=2, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(4, 1)(x)
    x = layers.BatchNormalization()(x)
    model = keras.Model(inp, x)
    # Non-trivial BatchNorm statistics, so the folds are exercised with real numbers.
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            rng = np.random.default_rng(n)
            layer.set_weights(
                [rng.uniform(0.5, 2, n), rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), rng.uniform(0.5, 2, n)]
            )
    ours, _ = _compare(model)
    assert set(ours) == {"CONV_2D", "DEPTHWISE_CONV_2D"}, ours  # pad, BN mul/add and relus all folded


def test_dense_relu() -> None:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((12, 16)), layers.Dense(32, activation="relu"), layers.Dense(8), layers.ReLU(6.0)]
    )
    ours, _ = _compare(model)
    assert set(ours) == {"FULLY_CONNECTED"}, ours


def test_prelu_hard_swish_gelu_block() -> None:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 4))
    x = layers.Conv2D(8, 3, padding="same")(inp)
    x = layers.PReLU()(x)
    x = layers.Conv2D(8, 1)(x)
    x = layers.Activation("hard_swish")(x)
    x = layers.Dense(16, activation="gelu")(x)
    x = layers.Dense(16)(x)
    x = layers.Activation(lambda t: keras.activations.gelu(t, approximate=True))(x)
    x = layers.Activation("softmax")(layers.Dense(10)(x) * 0.125)
    model = keras.Model(inp, x)
    ours, _ = _compare(model)
    assert ours["PRELU"] == 1 and ours["HARD_SWISH"] == 1 and ours["GELU"] == 2, ours
    assert ours["MUL"] == 0, ours  # the 0.125 became softmax's beta


@pytest.mark.heavy
def test_mobilenet_v3_small() -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV3Small(
        weights=None, minimalistic=False, input_shape=(224, 224, 3), classifier_activation=None
    )
    ours, theirs = _compare(model)
    assert ours["HARD_SWISH"] > 0, ours


# Corpus op counts against TensorFlow's converter are asserted in tests/test_models.py; pass times are
# measured by `make bench` (benchmarks/RESULTS.md), never asserted.
