"""Elementwise, activation and reduction legalization end to end: tf.function / Keras -> tflc -> LiteRT vs TensorFlow.

Each case converts one small function with `compiler.TFLiteConverter`, checks which TFLite builtins came out (the
op must really be legalized, not left to a fallback), runs the model in ai_edge_litert (1 thread) and compares
with TensorFlow on the same inputs: float32 within 1e-5 of the output's max magnitude, integer and bool results
exactly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import tensorflow as tf  # noqa: E402
from corpus import run_litert

from compiler import TFLiteConverter

TOL = 1e-5


# ---- helpers -----------------------------------------------------------------------------------------------------


def builtin_ops(model: bytes) -> Counter[str]:
    """Operator names (BuiltinOperator enum names, or CUSTOM:<code>) of every op in the model."""
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator

    names = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
    m = tflite.Model.GetRootAsModel(model, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        name = names.get(code, str(code))
        if name == "CUSTOM":
            name = "CUSTOM:" + oc.CustomCode().decode()
        codes.append(name)
    ops: Counter[str] = Counter()
    for s in range(m.SubgraphsLength()):
        g = m.Subgraphs(s)
        for j in range(g.OperatorsLength()):
            ops[codes[g.Operators(j).OpcodeIndex()]] += 1
    return ops


def compare(out: np.ndarray, ref: np.ndarray) -> None:
    assert out.shape == ref.shape, f"shape {out.shape} != TF {ref.shape}"
    if ref.dtype.kind in "biu":
        assert out.dtype == ref.dtype, f"dtype {out.dtype} != TF {ref.dtype}"
        np.testing.assert_array_equal(out, ref)
        return
    scale = max(float(np.abs(ref).max()), 1e-30)
    err = float(np.abs(out.astype(np.float64) - ref.astype(np.float64)).max()) / scale
    assert err <= TOL, f"relative error {err:.3e} > {TOL}"


@dataclass
class In:
    """One input: shape, dtype and value range."""

    shape: tuple[int, ...]
    dtype: Any = np.float32
    kind: str = "normal"  # normal | wide | positive | nonzero | halves | zeros | bool

    def spec(self) -> Any:
        return tf.TensorSpec(self.shape, tf.as_dtype(self.dtype))

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        s = self.shape
        if self.dtype == np.bool_:
            return rng.random(s) > 0.5
        if np.issubdtype(self.dtype, np.integer):
            v = rng.integers(-9, 10, s)
            if self.kind == "nonzero":
                v = np.where(v == 0, 3, v)
            if self.kind == "positive":
                v = np.abs(v) % 4
            return v.astype(self.dtype)
        if self.kind == "positive":
            return rng.uniform(0.1, 3.0, s).astype(self.dtype)
        if self.kind == "nonzero":
            v = rng.uniform(0.5, 3.0, s) * rng.choice([-1.0, 1.0], s)
            return v.astype(self.dtype)
        if self.kind == "zeros":  # signed zeros and ties (argmax tie-breaking, sign-bit tests)
            return rng.choice(np.array([-0.0, 0.0, -1.0, 1.0, 2.0], self.dtype), s)
        if self.kind == "halves":  # exact .5 ties for Round, plus others
            return (rng.integers(-12, 12, s) / 2.0 + rng.choice([0.0, 0.25], s)).astype(self.dtype)
        if self.kind == "wide":
            return rng.uniform(-9.0, 9.0, s).astype(self.dtype)
        return (rng.standard_normal(s) * 2.0).astype(self.dtype)


@dataclass
class Case:
    name: str
    fn: Callable[..., Any]
    inputs: list[In]
    expect: set[str]  # builtins that must appear
    forbid: set[str] = field(default_factory=set)  # builtins that must not appear

    def __repr__(self) -> str:
        return self.name


def F(*shape: int, kind: str = "normal") -> In:
    return In(shape, np.float32, kind)


def I(*shape: int, kind: str = "normal", dtype: Any = np.int32) -> In:  # noqa: E743
    return In(shape, dtype, kind)


def B(*shape: int) -> In:
    return In(shape, np.bool_, "bool")


def convert(fn: Callable[..., Any], inputs: list[In]) -> tuple[bytes, Any]:
    names = [f"x{i}" for i in range(len(inputs))]
    sig = [tf.TensorSpec(x.shape, tf.as_dtype(x.dtype), name=n) for x, n in zip(inputs, names, strict=True)]
    wrapped = tf.function(lambda *args: fn(*args), input_signature=sig)
    concrete = wrapped.get_concrete_function()
    return TFLiteConverter.from_concrete_functions([concrete]).convert(), concrete


def check(case: Case, seed: int = 0) -> Counter[str]:
    model, concrete = convert(case.fn, case.inputs)
    ops = builtin_ops(model)
    assert not [o for o in ops if o.startswith("CUSTOM")], f"custom/flex ops left: {ops}"
    missing = case.expect - set(ops)
    assert not missing, f"expected builtins {missing} in {dict(ops)}"
    assert not (case.forbid & set(ops)), f"unexpected builtins {case.forbid & set(ops)} in {dict(ops)}"
    rng = np.random.default_rng(seed)
    xs = [x.sample(rng) for x in case.inputs]
    ref = concrete(*[tf.constant(x) for x in xs])
    ref = ref.numpy() if hasattr(ref, "numpy") else np.asarray(ref)
    for delegates in (True, False):  # default (XNNPACK may take ops) and the plain builtin kernels
        compare(run(model, xs, delegates), ref)
    return ops


def run(model: bytes, xs: list[np.ndarray], delegates: bool = True) -> np.ndarray:
    """Run in ai_edge_litert (1 thread) through the signature runner; inputs named x0, x1, ..."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_content=model, num_threads=1, experimental_op_resolver_type=resolver)
    out = it.get_signature_runner()(**{f"x{i}": x for i, x in enumerate(xs)})
    assert len(out) == 1
    return next(iter(out.values()))


# ---- binary ops --------------------------------------------------------------------------------------------------

_BIN_F = {
    "add": (lambda a, b: tf.raw_ops.Add(x=a, y=b), "ADD", "normal"),
    "addv2": (lambda a, b: a + b, "ADD", "normal"),
    "sub": (lambda a, b: a - b, "SUB", "normal"),
    "mul": (lambda a, b: a * b, "MUL", "normal"),
    "realdiv": (lambda a, b: a / b, "DIV", "nonzero"),
    "maximum": (tf.maximum, "MAXIMUM", "normal"),
    "minimum": (tf.minimum, "MINIMUM", "normal"),
    "squared_difference": (tf.math.squared_difference, "SQUARED_DIFFERENCE", "normal"),
    "floordiv": (tf.math.floordiv, "FLOOR_DIV", "nonzero"),
    "floormod": (tf.math.floormod, "FLOOR_MOD", "nonzero"),
}

# (lhs shape, rhs shape): same shape, bias-like, two-sided broadcast, scalar
_SHAPES_4 = [((2, 3, 4), (2, 3, 4)), ((1, 4, 4, 3), (3,)), ((2, 1, 4), (3, 1)), ((2, 3), ())]

BINARY_CASES = [
    Case(f"{name}_{i}", fn, [F(*sa), F(*sb, kind=kind)], {builtin})
    for name, (fn, builtin, kind) in _BIN_F.items()
    for i, (sa, sb) in enumerate(_SHAPES_4)
]
BINARY_CASES += [
    Case("atan2", tf.math.atan2, [F(2, 3, 4), F(2, 3, 4)], {"ATAN2"}, {"BROADCAST_TO"}),
    Case("atan2_bcast", tf.math.atan2, [F(2, 3, 4), F(4)], {"ATAN2", "BROADCAST_TO"}),
    Case("pow", tf.pow, [F(2, 3, 4, kind="positive"), F(4)], {"POW"}),
    Case("pow_scalar", lambda a: tf.pow(a, 1.5), [F(2, 3, kind="positive")], {"POW"}),
]

_BIN_I = {
    "add": (lambda a, b: a + b, "ADD", "normal"),
    "sub": (lambda a, b: a - b, "SUB", "normal"),
    "mul": (lambda a, b: a * b, "MUL", "normal"),
    "maximum": (tf.maximum, "MAXIMUM", "normal"),
    "minimum": (tf.minimum, "MINIMUM", "normal"),
    "floordiv": (tf.math.floordiv, "FLOOR_DIV", "nonzero"),
    "floormod": (tf.math.floormod, "FLOOR_MOD", "nonzero"),
    "squared_difference": (tf.math.squared_difference, "SQUARED_DIFFERENCE", "normal"),
    "pow": (tf.pow, "POW", "positive"),
}
BINARY_CASES += [
    Case(f"{name}_i32", fn, [I(2, 3, 4), I(3, 4, kind=kind)], {builtin})
    for name, (fn, builtin, kind) in _BIN_I.items()
]
BINARY_CASES += [
    Case("add_i64", lambda a, b: a + b, [I(2, 3, dtype=np.int64), I(3, dtype=np.int64)], {"ADD"}),
    Case(
        "floormod_i64",
        tf.math.floormod,
        [I(2, 3, dtype=np.int64), I(3, dtype=np.int64, kind="nonzero")],
        {"FLOOR_MOD"},
    ),
]

_CMP = {
    "greater": (tf.greater, "GREATER"),
    "greater_equal": (tf.greater_equal, "GREATER_EQUAL"),
    "less": (tf.less, "LESS"),
    "less_equal": (tf.less_equal, "LESS_EQUAL"),
    "equal": (tf.equal, "EQUAL"),
    "not_equal": (tf.not_equal, "NOT_EQUAL"),
}
COMPARE_CASES = [
    Case(f"{n}_f32", fn, [F(2, 3, 4, kind="halves"), F(3, 1, kind="halves")], {b})
    for n, (fn, b) in _CMP.items()
]
COMPARE_CASES += [Case(f"{n}_i32", fn, [I(2, 3, 4), I(4)], {b}) for n, (fn, b) in _CMP.items()]
COMPARE_CASES += [
    Case("equal_bool", tf.equal, [B(2, 3), B(3)], {"EQUAL"}),
    Case("logical_and", tf.logical_and, [B(2, 3, 4), B(3, 4)], {"LOGICAL_AND"}),
    Case("logical_or", tf.logical_or, [B(2, 3, 4), B(1, 4)], {"LOGICAL_OR"}),
    Case("logical_not", tf.logical_not, [B(2, 3)], {"LOGICAL_NOT"}),
    Case("select_v2", lambda c, a, b: tf.where(c, a, b), [B(2, 1, 4), F(2, 3, 4), F(3, 1)], {"SELECT_V2"}),
    Case("select_v2_i32", lambda c, a, b: tf.where(c, a, b), [B(3, 4), I(3, 4), I(3, 4)], {"SELECT_V2"}),
    Case(
        "select_v1_same",
        lambda c, a, b: tf.raw_ops.Select(condition=c, x=a, y=b),
        [B(3, 4), F(3, 4), F(3, 4)],
        {"SELECT_V2"},
    ),
    Case(
        "select_v1_rows",
        lambda c, a, b: tf.raw_ops.Select(condition=c, x=a, y=b),
        [B(3), F(3, 2, 4), F(3, 2, 4)],
        {"SELECT_V2", "RESHAPE"},
    ),
    Case(
        "select_v1_scalar",
        lambda a, b: tf.raw_ops.Select(condition=tf.constant(False), x=a, y=b),
        [F(3, 4), F(3, 4)],
        {"SELECT_V2"},
    ),
    Case("add_n", lambda a, b, c: tf.add_n([a, b, c, a]), [F(2, 5), F(2, 5), F(2, 5)], {"ADD"}),
    Case(
        "div_no_nan",
        lambda a, b: tf.math.divide_no_nan(a, tf.round(b)),
        [F(3, 5), F(3, 5)],
        {"DIV", "EQUAL", "SELECT_V2"},
    ),
]

# Broadcasting above a kernel's rank limit: TF's converter broadcasts explicitly (or splits squared_difference);
# within the limit, and with a scalar at any rank, no BROADCAST_TO may appear.
RANK_CASES = [
    Case(
        "add_rank6", lambda a, b: a + b, [F(2, 1, 2, 1, 2, 3), F(1, 2, 1, 2, 1, 1)], {"ADD"}, {"BROADCAST_TO"}
    ),
    Case(
        "mul_rank6", lambda a, b: a * b, [F(2, 1, 2, 1, 2, 3), F(1, 2, 1, 2, 1, 1)], {"MUL"}, {"BROADCAST_TO"}
    ),
    Case("maximum_rank5", tf.maximum, [F(2, 1, 2, 1, 3), F(1, 2, 1, 2, 3)], {"MAXIMUM"}, {"BROADCAST_TO"}),
    Case(
        "maximum_rank6", tf.maximum, [F(2, 1, 2, 1, 2, 3), F(1, 2, 1, 2, 1, 1)], {"MAXIMUM", "BROADCAST_TO"}
    ),
    Case("less_rank5", tf.less, [F(2, 1, 2, 1, 3), F(1, 2, 1, 2, 3)], {"LESS", "BROADCAST_TO"}),
    Case("less_rank6_scalar", lambda a: tf.less(a, 0.25), [F(2, 1, 2, 3, 2, 3)], {"LESS"}, {"BROADCAST_TO"}),
    Case("pow_rank5", tf.pow, [F(2, 1, 2, 1, 3, kind="positive"), F(1, 2, 1, 2, 3)], {"POW", "BROADCAST_TO"}),
    Case(
        "pow_rank6_const",
        lambda a: tf.pow(a, tf.constant([2.5])),
        [F(2, 1, 2, 3, 2, 3, kind="positive")],
        {"POW"},
        {"BROADCAST_TO"},
    ),
    Case(
        "floormod_rank5",
        tf.math.floormod,
        [F(2, 1, 2, 1, 3), F(1, 2, 1, 2, 3, kind="nonzero")],
        {"FLOOR_MOD", "BROADCAST_TO"},
    ),
    Case(
        "squared_difference_rank5",
        tf.math.squared_difference,
        [F(2, 1, 2, 1, 3), F(1, 2, 1, 2, 3)],
        {"SUB", "SQUARE"},
        {"SQUARED_DIFFERENCE"},
    ),
    Case(
        "select_v2_rank6",
        lambda c, a, b: tf.where(c, a, b),
        [B(2, 1, 2, 1, 2, 1), F(1, 2, 1, 2, 1, 3), F(3)],
        {"SELECT_V2", "BROADCAST_TO"},
    ),
    Case(
        "squared_difference_rank6_scalar",
        lambda a: tf.math.squared_difference(a, 0.3),
        [F(2, 3, 1, 2, 3, 2)],
        {"SQUARED_DIFFERENCE"},
        {"BROADCAST_TO", "SUB"},
    ),
    Case(
        "floordiv_rank6_scalar",
        lambda a: tf.math.floordiv(a, tf.constant([0.7])),
        [F(2, 3, 1, 2, 3, 2)],
        {"FLOOR_DIV"},
        {"BROADCAST_TO"},
    ),
    Case(
        "logical_and_rank6",
        tf.logical_and,
        [B(2, 1, 2, 1, 2, 3), B(1, 2, 1, 2, 1, 1)],
        {"LOGICAL_AND"},
        {"BROADCAST_TO"},
    ),
]


# ---- unary ops and activations -----------------------------------------------------------------------------------

_UNARY = {
    "relu": (tf.nn.relu, "RELU", "normal"),
    "relu6": (tf.nn.relu6, "RELU6", "wide"),
    "elu": (tf.nn.elu, "ELU", "normal"),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, alpha=0.3), "LEAKY_RELU", "normal"),
    "sigmoid": (tf.sigmoid, "LOGISTIC", "normal"),
    "tanh": (tf.tanh, "TANH", "normal"),
    "softmax": (tf.nn.softmax, "SOFTMAX", "normal"),
    "log_softmax": (tf.nn.log_softmax, "LOG_SOFTMAX", "normal"),
    "softplus": (lambda x: tf.math.softplus(x * 20), "EXP", "normal"),
    "selu": (tf.nn.selu, "ELU", "normal"),
    "softsign": (tf.nn.softsign, "ABS", "normal"),
    "expm1": (tf.math.expm1, "TANH", "normal"),
    "rsqrt": (tf.math.rsqrt, "RSQRT", "positive"),
    "sqrt": (tf.sqrt, "SQRT", "positive"),
    "square": (tf.square, "SQUARE", "normal"),
    "exp": (tf.exp, "EXP", "normal"),
    "log": (tf.math.log, "LOG", "positive"),
    "neg": (tf.negative, "NEG", "normal"),
    "abs": (tf.abs, "ABS", "normal"),
    "reciprocal": (tf.math.reciprocal, "DIV", "nonzero"),
    "sin": (tf.sin, "SIN", "normal"),
    "cos": (tf.cos, "COS", "normal"),
    "floor": (tf.floor, "FLOOR", "halves"),
    "ceil": (tf.math.ceil, "CEIL", "halves"),
    "round": (tf.round, "ROUND", "halves"),
}
UNARY_CASES = [Case(n, fn, [F(2, 3, 8, kind=k)], {b}) for n, (fn, b, k) in _UNARY.items()]
UNARY_CASES += [
    Case("softmax_rank4", tf.nn.softmax, [F(1, 4, 6, 6)], {"SOFTMAX"}),
    Case("softmax_rank1", tf.nn.softmax, [F(7)], {"SOFTMAX"}),
    Case("neg_i32", tf.negative, [I(3, 4)], {"NEG"}),
    Case("abs_i32", tf.abs, [I(3, 4)], {"ABS"}),
    Case("sign", tf.sign, [F(3, 8, kind="zeros")], {"SIGN"}),
    Case("sign_i32", tf.sign, [I(3, 8)], {"SIGN"}),
    Case("log1p", tf.math.log1p, [F(3, 8, kind="positive")], {"LOG", "SELECT_V2"}),
    Case("log1p_small", lambda x: tf.math.log1p(x * 1e-2), [F(3, 8)], {"LOG", "SELECT_V2"}),
    Case("log1p_tiny", lambda x: tf.math.log1p(x * 1e-6), [F(3, 8)], {"LOG", "SELECT_V2"}),
    Case("is_nan", lambda x: tf.math.is_nan(tf.sqrt(x)), [F(3, 8)], {"NOT_EQUAL"}),
    # overflow: inf in TF, +-FLT_MAX out of TFLite's clamping float kernels; both count as infinite
    Case("is_inf", lambda x: tf.math.is_inf(1.0 / x), [F(3, 8, kind="zeros")], {"GREATER_EQUAL", "ABS"}),
    Case(
        "is_inf_overflow",
        lambda x: tf.math.is_inf(x * 1e38 * 1e38),
        [F(3, 8, kind="zeros")],
        {"GREATER_EQUAL"},
    ),
    Case("is_finite", lambda x: tf.math.is_finite(tf.math.log(x)), [F(3, 8, kind="zeros")], {"LESS", "ABS"}),
    Case(
        "keras_logsumexp",
        lambda x: __import__("keras").ops.logsumexp(x, axis=-1),
        [F(3, 8)],
        {"REDUCE_MAX", "LOG"},
    ),
    Case("expm1_tiny", lambda x: tf.math.expm1(x * 1e-4), [F(3, 8)], {"TANH", "EXP"}),
    Case("keras_celu", lambda x: __import__("keras").activations.celu(x), [F(3, 8)], {"TANH", "EXP"}),
    Case(
        "keras_leaky_relu",
        lambda x: __import__("keras").layers.LeakyReLU(negative_slope=0.1)(x),
        [F(2, 8)],
        {"LEAKY_RELU"},
    ),
]

_CASTS = [
    (np.float32, np.int32, "halves"),
    (np.int32, np.float32, "normal"),
    (np.bool_, np.float32, "bool"),
    (np.float32, np.bool_, "halves"),
    (np.int32, np.int64, "normal"),
    (np.int64, np.int32, "normal"),
    (np.int32, np.bool_, "normal"),
    (np.float32, np.int64, "halves"),
    (np.uint8, np.float32, "positive"),
]
CAST_CASES = [
    Case(
        f"cast_{np.dtype(s).name}_{np.dtype(d).name}",
        lambda x, d=d: tf.cast(x, tf.as_dtype(d)),
        [In((3, 4), s, k)],
        {"CAST"},
    )
    for s, d, k in _CASTS
]


# ---- reductions --------------------------------------------------------------------------------------------------

_RED = {
    "mean": (tf.reduce_mean, "MEAN"),
    "sum": (tf.reduce_sum, "SUM"),
    "max": (tf.reduce_max, "REDUCE_MAX"),
    "min": (tf.reduce_min, "REDUCE_MIN"),
    "prod": (tf.reduce_prod, "REDUCE_PROD"),
}
_AXES = [([1, 2], True), ([-1], False), (None, False), ([0, 2], False), (1, True)]
REDUCE_CASES = [
    Case(f"{n}_{i}", lambda x, f=f, ax=ax, kd=kd: f(x, axis=ax, keepdims=kd), [F(2, 3, 4, 5)], {b})
    for n, (f, b) in _RED.items()
    for i, (ax, kd) in enumerate(_AXES)
]
REDUCE_CASES += [
    Case("sum_i32", lambda x: tf.reduce_sum(x, axis=[0, 1]), [I(3, 4, 2)], {"SUM"}),
    Case("max_i32", lambda x: tf.reduce_max(x, axis=-1, keepdims=True), [I(3, 4, 2)], {"REDUCE_MAX"}),
    Case("prod_i32", lambda x: tf.reduce_prod(x, axis=1), [I(3, 4, 2, kind="positive")], {"REDUCE_PROD"}),
    Case("any", lambda x: tf.reduce_any(x, axis=-1), [B(3, 4, 5)], {"REDUCE_ANY"}),
    Case("all", lambda x: tf.reduce_all(x, axis=[0, 2], keepdims=True), [B(3, 4, 5)], {"REDUCE_ALL"}),
    Case(
        "keras_masking",
        lambda x: __import__("keras").layers.Masking(0.5)(tf.round(x)),
        [F(1, 6, 3)],
        {"REDUCE_ANY", "NOT_EQUAL"},
    ),
    Case("mean_rank5", lambda x: tf.reduce_mean(x, axis=[1, 3]), [F(2, 3, 2, 4, 3)], {"MEAN"}),
    # integer MEAN divides with truncation toward zero, as TF does (negative sums included)
    Case("mean_i32", lambda x: tf.reduce_mean(x, axis=[1]), [I(3, 7, 2)], {"MEAN"}),
    Case("argmax_i64", lambda x: tf.argmax(x, axis=-1), [F(3, 4, 6)], {"ARG_MAX"}),
    Case("argmax_i32", lambda x: tf.argmax(x, axis=1, output_type=tf.int32), [F(3, 4, 6)], {"ARG_MAX"}),
    Case("argmin_i32", lambda x: tf.argmin(x, axis=0, output_type=tf.int32), [I(3, 4, 6)], {"ARG_MIN"}),
    Case("argmin_i64", lambda x: tf.argmin(x, axis=2), [F(3, 4, 6)], {"ARG_MIN"}),
    # Keras 3 argmax/argmin on floats first map -0.0 to -tiny, testing the sign bit with Bitcast + BitwiseAnd.
    Case(
        "keras_argmax",
        lambda x: __import__("keras").ops.argmax(x, axis=-1),
        [F(4, 6, kind="zeros")],
        {"ARG_MAX", "BITCAST", "LESS"},
    ),
    Case(
        "keras_argmin",
        lambda x: __import__("keras").ops.argmin(x, axis=0),
        [F(4, 6, kind="zeros")],
        {"ARG_MIN", "BITCAST"},
    ),
    Case(
        "keras_signbit",
        lambda x: __import__("keras").ops.signbit(x),
        [F(4, 6, kind="zeros")],
        {"BITCAST", "LESS"},
    ),
    Case(
        "sign_mask",
        lambda x: tf.bitwise.bitwise_and(tf.bitcast(x, tf.int32), tf.constant(-(2**31))),
        [F(4, 6, kind="zeros")],
        {"BITCAST", "SELECT_V2"},
    ),
    Case("cumsum", lambda x: tf.cumsum(x, axis=1), [F(3, 8)], {"CUMSUM"}),
    Case(
        "cumsum_exclusive_reverse",
        lambda x: tf.cumsum(x, axis=-1, exclusive=True, reverse=True),
        [F(3, 4, 5)],
        {"CUMSUM"},
    ),
    Case("cumsum_i32", lambda x: tf.cumsum(x, axis=0, exclusive=True), [I(3, 8)], {"CUMSUM"}),
    # LayerNorm-style moments: Mean, SquaredDifference, Rsqrt
    Case(
        "moments",
        lambda x: (
            (x - tf.reduce_mean(x, -1, keepdims=True))
            * tf.math.rsqrt(
                tf.reduce_mean(
                    tf.math.squared_difference(x, tf.reduce_mean(x, -1, keepdims=True)), -1, keepdims=True
                )
                + 1e-3
            )
        ),
        [F(2, 6, 16)],
        {"MEAN", "RSQRT"},
    ),
]


# ---- GELU --------------------------------------------------------------------------------------------------------


def _gelu_erf(x: Any) -> Any:
    return 0.5 * x * (1.0 + tf.math.erf(x / math.sqrt(2.0)))


def _gelu_tanh_pow(x: Any) -> Any:  # constants on the other side, cube as x*x*x
    inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
    return x * (tf.tanh(inner) + 1.0) * 0.5


GELU_CASES = [
    Case("tf_nn_gelu", lambda x: tf.nn.gelu(x), [F(4, 16)], {"GELU"}, {"MUL", "ADD", "EXP"}),
    Case(
        "tf_nn_gelu_approx", lambda x: tf.nn.gelu(x, approximate=True), [F(4, 16)], {"GELU"}, {"MUL", "TANH"}
    ),
    Case("gelu_erf_spelled", _gelu_erf, [F(2, 3, 8)], {"GELU"}, {"MUL", "DIV"}),
    Case("gelu_tanh_spelled", _gelu_tanh_pow, [F(2, 3, 8)], {"GELU"}, {"MUL", "TANH"}),
    Case(
        "gelu_div_root", lambda x: x * (1.0 + tf.math.erf(x * 0.70710677)) / 2.0, [F(3, 8)], {"GELU"}, {"DIV"}
    ),
    Case("keras_gelu", lambda x: __import__("keras").activations.gelu(x), [F(3, 8)], {"GELU"}, {"MUL"}),
    Case(
        "keras_gelu_approx",
        lambda x: __import__("keras").activations.gelu(x, approximate=True),
        [F(3, 8)],
        {"GELU"},
        {"MUL"},
    ),
]

ALL = BINARY_CASES + COMPARE_CASES + RANK_CASES + UNARY_CASES + CAST_CASES + REDUCE_CASES + GELU_CASES


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_op(case: Case) -> None:
    check(case)


def test_gelu_exact_and_approximate_flag() -> None:
    """The approximate flag follows the matched form (both run and match TF above; here the option itself)."""
    from compiler.frontends.graph import import_entries  # noqa: F401

    for fn, approx in ((lambda x: tf.nn.gelu(x), False), (lambda x: tf.nn.gelu(x, approximate=True), True)):
        model, _ = convert(fn, [F(2, 4)])
        import tflite

        m = tflite.Model.GetRootAsModel(model, 0)
        g = m.Subgraphs(0)
        assert g.OperatorsLength() == 1
        op = g.Operators(0)
        from tflite.GeluOptions import GeluOptions

        opts = GeluOptions()
        table = op.BuiltinOptions()
        opts.Init(table.Bytes, table.Pos)
        assert bool(opts.Approximate()) is approx


def test_keras_dense_gelu_model() -> None:
    """Dense(activation="gelu") from Keras 3, as in the transformer encoder block: FULLY_CONNECTED + GELU."""
    import keras

    inp = keras.Input((16,), batch_size=1)
    h = keras.layers.Dense(32, activation="gelu")(inp)
    out = keras.layers.Dense(8, activation=keras.activations.gelu)(h)
    model = keras.Model(inp, out)
    data = TFLiteConverter.from_keras_model(model).convert()
    ops = builtin_ops(data)
    assert ops["GELU"] == 2 and "MUL" not in ops and not any(o.startswith("CUSTOM") for o in ops), dict(ops)
    x = np.random.default_rng(3).uniform(-2, 2, (1, 16)).astype(np.float32)
    ref = model(x, training=False).numpy()
    compare(next(iter(run_litert(data, [x]).values())), ref)


def test_erf_alone_is_decomposed_without_a_fallback() -> None:
    """Erf has no builtin: outside GELU it is decomposed into builtins (no CUSTOM op); with SELECT_TF_OPS it is the
    Flex op TF writes (tests/test_select_tf.py)."""
    data, concrete = convert(lambda x: tf.math.erf(x) * 2.0, [F(2, 4)])
    ops = builtin_ops(data)
    assert "SIGN" in ops and not any(o.startswith("CUSTOM") for o in ops), dict(ops)
    x = np.linspace(-3, 3, 8, dtype=np.float32).reshape(2, 4)
    compare(run(data, [x]), concrete(tf.constant(x)).numpy())


# ---- rule order and the expression builder -----------------------------------------------------------------------


def test_gelu_is_tried_before_the_plain_binary_rule() -> None:
    """GELU is rooted at a tf.Mul / tf.RealDiv: the plain binary rule would otherwise legalize the root first."""
    from dialects import tf as tfd
    from passes.legalize_tf import LEGALIZE_TF

    assert LEGALIZE_TF.order(tfd.MulOp) == ["legalize_gelu", "legalize_binary"]
    assert LEGALIZE_TF.order(tfd.RealDivOp) == ["legalize_gelu", "legalize_binary"]
    assert LEGALIZE_TF.order(tfd.AddV2Op) == ["legalize_binary"]


SELU = """
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "tf.Selu"(%x) {tflc.name = "act"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
"""


def test_decomposition_ops_come_out_in_formula_order() -> None:
    """Selu -> elu(x) * select_v2(x > 0, scale, scale * alpha): constants first as written, a comparison is i1,
    and the last op carries the TF node name (the tensor name in the exported model)."""
    from xdsl.dialects.builtin import StringAttr, TensorType, i1
    from xdsl.parser import Parser

    from compiler.pipeline import make_context, run_pipeline
    from dialects.names import NAME
    from passes.legalize_tf.decompose import SELU_ALPHA, SELU_SCALE

    module = Parser(make_context(), SELU).parse_module()
    run_pipeline(module, "legalize-tf")
    ops = list(module.ops.first.body.block.ops)  # type: ignore[union-attr]
    assert [op.name for op in ops] == [
        *["tfl.pseudo_const"] * 3,
        "tfl.elu",
        "tfl.greater",
        "tfl.select_v2",
        "tfl.mul",
        "func.return",
    ]
    consts = [float(op.value.array) for op in ops[:3]]
    assert consts == [0.0, np.float32(SELU_SCALE), np.float32(SELU_SCALE * SELU_ALPHA)]
    assert ops[4].results[0].type == TensorType(i1, [2, 3])
    assert ops[6].attributes[NAME] == StringAttr("act")
    assert all(NAME not in op.attributes for op in ops[:6])
