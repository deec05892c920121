"""legalize-tf shape/data-movement, matmul and Einsum rules, end to end.

Each case is a small tf.function converted with `compiler.TFLiteConverter.from_concrete_functions`, run in
`ai_edge_litert` (1 thread) and compared with TensorFlow on the same inputs: bit-exact for data movement, within
1e-5 of the output's max magnitude for arithmetic (matmul, einsum, resize). Each case also states which TFLite
builtins it must (and must not) produce, so a rule that silently stops firing is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from compiler import TFLiteConverter

TOL = 1e-5


def builtin_names(data: bytes) -> list[str]:
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator as B

    names = {v: k for k, v in vars(B).items() if not k.startswith("_")}
    m = tflite.Model.GetRootAsModel(data, 0)
    codes = [
        max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())
        for i in range(m.OperatorCodesLength())
    ]
    out = []
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        out += [names[codes[sg.Operators(i).OpcodeIndex()]] for i in range(sg.OperatorsLength())]
    return out


def run_litert(data: bytes, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data, num_threads=1)
    return it.get_signature_runner()(**inputs)


LEGALIZE_ONLY = "tf-cleanup,fold-constants,prepare-tf,legalize-tf,dce"
PIPELINES = (None, LEGALIZE_ONLY)


def convert_and_compare(
    fn,
    specs: list[tf.TensorSpec],
    inputs: list[np.ndarray],
    *,
    exact: bool = True,
    expect: set[str] = frozenset(),
    forbid: set[str] = frozenset(),
) -> list[str]:
    """Convert `fn` with tflc, run it in LiteRT, compare every output with TensorFlow. Returns the op list.

    Converted twice: with the default pipeline, and without the optimizer (`LEGALIZE_ONLY`), where the builtins
    the rules produce are checked (the optimizer may rewrite them further, e.g. SQUEEZE -> RESHAPE)."""
    f = tf.function(fn, input_signature=specs)
    ref = [np.asarray(r) for r in tf.nest.flatten(f(*inputs))]
    result = []
    for pipeline in PIPELINES:
        conv = TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
        if pipeline:
            conv.pass_pipeline = pipeline
        data = conv.convert()
        got = run_litert(data, {s.name: x for s, x in zip(specs, inputs, strict=True)})
        assert len(got) == len(ref)
        for i, r in enumerate(ref):
            o = got[f"output_{i}"]
            what = f"output {i} ({pipeline or 'default pipeline'})"
            assert o.shape == r.shape, f"{what}: shape {o.shape} != TF {r.shape}"
            assert o.dtype == r.dtype, f"{what}: dtype {o.dtype} != TF {r.dtype}"
            if exact or r.dtype.kind not in "f":
                np.testing.assert_array_equal(o, r, err_msg=what)
            else:
                scale = max(float(np.abs(r).max()), 1e-30)
                err = float(np.abs(o.astype(np.float64) - r).max()) / scale
                assert err <= TOL, f"{what}: relative error {err:.2e}"
        ops = builtin_names(data)
        if pipeline:
            assert expect <= set(ops), f"expected {sorted(expect - set(ops))} in {ops}"
        else:
            result = ops
        assert not (forbid & set(ops)), f"unexpected {sorted(forbid & set(ops))} in {ops}"
    return result


def spec(shape, dtype=tf.float32, name="x"):
    return tf.TensorSpec(shape, dtype, name=name)


RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    if np.dtype(dtype).kind == "f":
        return RNG.standard_normal(shape).astype(dtype)
    return RNG.integers(-50, 50, shape).astype(dtype)


# ---- data movement (exact) --------------------------------------------------------------------------------------

X = rand(2, 3, 4, 5)

DATA_MOVEMENT = {
    "reshape": (lambda x: tf.reshape(x, [6, -1]), {"RESHAPE"}),
    "reshape_int64_shape": (lambda x: tf.reshape(x, tf.constant([2, 60], tf.int64)), {"RESHAPE"}),
    "squeeze": (lambda x: tf.squeeze(x[:, :1], axis=1), {"SQUEEZE"}),
    "expand_dims": (lambda x: tf.expand_dims(x, -2), {"EXPAND_DIMS"}),
    "transpose": (lambda x: tf.transpose(x, [3, 1, 0, 2]), {"TRANSPOSE"}),
    "concat": (lambda x: tf.concat([x, x * 1.0, x[:, :, :1]], axis=-2), {"CONCATENATION"}),
    "stack": (lambda x: tf.stack([x[0], x[1]], axis=1), {"PACK"}),
    "unstack": (lambda x: tf.unstack(x, axis=2), {"UNPACK"}),
    "split": (lambda x: tf.split(x, 2, axis=0), {"SPLIT"}),
    "split_v": (lambda x: tf.split(x, [1, -1, 2], axis=-1), {"SPLIT_V"}),
    "slice": (lambda x: tf.slice(x, [1, 0, 2, 1], [1, -1, 2, 3]), {"SLICE"}),
    "strided_slice_step": (lambda x: x[:, ::2, 1:, ::-2], {"STRIDED_SLICE"}),
    "strided_slice_shrink": (lambda x: x[1, :, -1], {"STRIDED_SLICE"}),
    "strided_slice_ellipsis_newaxis": (lambda x: x[..., tf.newaxis, 2:4], {"STRIDED_SLICE"}),
    "strided_slice_reverse": (lambda x: x[::-1, ..., ::-1], {"STRIDED_SLICE"}),
    "pad": (lambda x: tf.pad(x, [[0, 0], [1, 2], [0, 1], [3, 0]]), {"PAD"}),
    "pad_value": (lambda x: tf.pad(x, [[0, 0], [1, 2], [0, 1], [3, 0]], constant_values=2.5), {"PADV2"}),
    "pad_reflect": (lambda x: tf.pad(x, [[0, 0], [1, 1], [2, 1], [0, 0]], mode="REFLECT"), {"MIRROR_PAD"}),
    "pad_symmetric": (
        lambda x: tf.pad(x, [[1, 0], [1, 2], [0, 0], [0, 0]], mode="SYMMETRIC"),
        {"MIRROR_PAD"},
    ),
    "gather_const_indices": (lambda x: tf.gather(x, [3, 0, 0, 1], axis=2), {"GATHER"}),
    "tile": (lambda x: tf.tile(x, [1, 2, 1, 3]), {"TILE"}),
    "broadcast_to": (lambda x: tf.broadcast_to(x[:, :1], [2, 6, 4, 5]), {"BROADCAST_TO"}),
}


@pytest.mark.parametrize("name", list(DATA_MOVEMENT))
def test_data_movement(name):
    fn, expect = DATA_MOVEMENT[name]
    convert_and_compare(fn, [spec(X.shape)], [X], expect=expect)


def test_gather_runtime_indices_batch_dims():
    params = rand(2, 3, 7)
    idx = RNG.integers(0, 7, (2, 4)).astype(np.int32)
    convert_and_compare(
        lambda p, i: (tf.gather(p, i, axis=2, batch_dims=1), tf.gather(p, i[0], axis=-1)),
        [spec(params.shape, name="p"), spec(idx.shape, tf.int32, name="i")],
        [params, idx],
        expect={"GATHER"},
    )


def test_integer_data_movement():
    x = rand(4, 6, dtype=np.int32)
    convert_and_compare(
        lambda x: (tf.transpose(tf.reshape(x, [2, 2, 6]), [2, 0, 1]), tf.concat([x, x], 0)[::3]),
        [spec(x.shape, tf.int32)],
        [x],
        expect={"TRANSPOSE", "RESHAPE", "CONCATENATION"},
    )


@pytest.mark.parametrize("b", [0, 2, 3])
def test_strided_slice_runtime_begin_end(b):
    """Begin/end computed from an input: STRIDED_SLICE with the TF masks, as TF's converter emits it."""
    x = rand(4, 6)
    convert_and_compare(
        lambda x, b: (x[b : b + 2, 1:], x[b, ::-2], x[:, b:]),
        [spec(x.shape, name="x"), spec([], tf.int32, name="b")],
        [x, np.array(b, np.int32)],
        expect={"STRIDED_SLICE"},
    )


def test_fill_from_runtime_value():
    v = np.array(1.25, np.float32)
    convert_and_compare(lambda v: tf.fill([2, 3], v), [spec([], name="v")], [v], expect={"FILL"})


def test_ones_zeros_like_of_large_tensor():
    """Too big to fold into the model (> 1 MiB): FILL(shape, 1) and ZEROS_LIKE at run time."""
    x = rand(1, 600, 600)
    convert_and_compare(
        lambda x: (tf.ones_like(x), tf.raw_ops.ZerosLike(x=x)),
        [spec(x.shape)],
        [x],
        expect={"FILL", "ZEROS_LIKE"},
    )


def test_resize_bilinear_and_nearest():
    x = rand(1, 5, 7, 3)
    convert_and_compare(
        lambda x: (
            tf.image.resize(x, [10, 9], method="bilinear"),
            tf.compat.v1.image.resize_bilinear(x, [9, 13], align_corners=True),
            tf.compat.v1.image.resize_nearest_neighbor(x, [10, 14]),
        ),
        [spec(x.shape)],
        [x],
        exact=False,
        expect={"RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"},
    )


# ---- matmul family ----------------------------------------------------------------------------------------------


def test_batch_matmul_adjoints():
    a, b = rand(2, 3, 5, 4), rand(2, 3, 6, 5)
    convert_and_compare(
        lambda a, b: tf.linalg.matmul(a, b, adjoint_a=True, adjoint_b=True),
        [spec(a.shape, name="a"), spec(b.shape, name="b")],
        [a, b],
        exact=False,
        expect={"BATCH_MATMUL"},
    )


def test_batch_matmul_broadcast_batch():
    a, b = rand(2, 3, 5, 4), rand(3, 4, 6)
    convert_and_compare(
        lambda a, b: tf.linalg.matmul(a, b),
        [spec(a.shape, name="a"), spec(b.shape, name="b")],
        [a, b],
        exact=False,
        expect={"BATCH_MATMUL"},
    )


def test_batch_matmul_constant_rhs_is_fully_connected():
    x, w = rand(2, 7, 16), rand(16, 8)
    convert_and_compare(
        lambda x: tf.linalg.matmul(x, tf.constant(w)),
        [spec(x.shape)],
        [x],
        exact=False,
        expect={"FULLY_CONNECTED"},
        forbid={"BATCH_MATMUL"},
    )


EINSUMS = {
    # equation: (lhs shape, rhs shape, rhs constant?)
    "abc,cd->abd": ((1, 6, 16), (16, 8), True),
    "abc,cde->abde": ((1, 6, 16), (16, 4, 8), True),
    "abcd,cde->abe": ((1, 6, 4, 8), (4, 8, 16), True),
    "aecd,abcd->acbe": ((1, 5, 4, 8), (1, 6, 4, 8), False),
    "acbe,aecd->abcd": ((1, 4, 6, 5), (1, 5, 4, 8), False),
    "BTNH,BSNH->BNTS": ((1, 6, 4, 8), (1, 5, 4, 8), False),
    "BNTS,BSNH->BTNH": ((1, 4, 6, 5), (1, 5, 4, 8), False),
    "bij,bjk->bik": ((3, 4, 5), (3, 5, 6), False),
    "bji,bjk->bki": ((3, 5, 4), (3, 5, 6), False),
    "ij,kj->ik": ((4, 5), (6, 5), False),
    "...ij,jk->...ik": ((2, 3, 4, 5), (5, 6), True),
    "abc,bd->ad": ((2, 3, 4), (3, 5), False),
    "bnij,bjk->bnik": ((2, 3, 4, 5), (2, 5, 6), False),
    "bnij,xnjk->bnik": ((2, 3, 4, 5), (1, 3, 5, 6), False),  # x: summed away on its own
}


@pytest.mark.parametrize("equation", list(EINSUMS))
def test_einsum(equation):
    sa, sb, const_rhs = EINSUMS[equation]
    a, b = rand(*sa), rand(*sb)
    if const_rhs:
        ops = convert_and_compare(
            lambda a: tf.einsum(equation, a, tf.constant(b)), [spec(sa, name="a")], [a], exact=False
        )
        assert "FULLY_CONNECTED" in ops
    else:
        ops = convert_and_compare(
            lambda a, b: tf.einsum(equation, a, b),
            [spec(sa, name="a"), spec(sb, name="b")],
            [a, b],
            exact=False,
        )
        assert "BATCH_MATMUL" in ops
    assert len(ops) <= 6, ops


@pytest.mark.parametrize(
    "shapes", [((2, 3, 4, 5), (1, 3, 5, 6)), ((2, 3, 4, 5), (3, 5, 6)), ((1, 4, 5), (2, 3, 5, 6))]
)
def test_einsum_broadcast_batch(shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1])
    convert_and_compare(
        lambda a, b: tf.einsum("...ij,...jk->...ik", a, b),
        [spec(a.shape, name="a"), spec(b.shape, name="b")],
        [a, b],
        exact=False,
        expect={"BATCH_MATMUL"},
    )


def test_einsum_single_operand():
    a = rand(2, 3, 4)
    convert_and_compare(
        lambda a: (tf.einsum("ijk->kji", a), tf.einsum("ijk->ki", a), tf.einsum("ijk->", a)),
        [spec(a.shape, name="a")],
        [a],
        exact=False,
        expect={"TRANSPOSE", "SUM"},
    )


def test_einsum_constant_lhs():
    a, x = rand(16, 8), rand(1, 6, 16)
    ops = convert_and_compare(
        lambda x: tf.einsum("cd,abc->abd", tf.constant(a), x),
        [spec(x.shape)],
        [x],
        exact=False,
        expect={"FULLY_CONNECTED"},
        forbid={"BATCH_MATMUL"},
    )
    assert ops == ["FULLY_CONNECTED"], ops


def test_keras_einsum_dense():
    import keras

    keras.utils.set_random_seed(3)
    inp = keras.Input((6, 16), batch_size=1)
    y = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")(inp)
    model = keras.Model(inp, y)
    x = rand(1, 6, 16)
    ref = model(x).numpy()
    data = TFLiteConverter.from_keras_model(model).convert()
    got = next(iter(run_litert(data, {"keras_tensor" if False else _input_name(data): x}).values()))
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= TOL * np.abs(ref).max()
    assert "BATCH_MATMUL" not in builtin_names(data)


def _input_name(data: bytes) -> str:
    from ai_edge_litert.interpreter import Interpreter

    return next(iter(Interpreter(model_content=data).get_signature_runner().get_input_details()))


# ---- transformer encoder block ----------------------------------------------------------------------------------


def test_transformer_encoder_block():
    """Keras 3 MultiHeadAttention(4, 32) on (64, 128) + LayerNorm + Dense-GELU feed-forward, vs TensorFlow.

    Needs the elementwise/reduce families (GELU, LayerNorm's mean/rsqrt) as well as this one's Einsum/matmul."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((64, 128), batch_size=1)
    att = layers.MultiHeadAttention(num_heads=4, key_dim=32)(inp, inp)
    x = layers.LayerNormalization()(inp + att)
    ff = layers.Dense(256, activation="gelu")(x)
    ff = layers.Dense(128)(ff)
    out = layers.LayerNormalization()(x + ff)
    model = keras.Model(inp, out)
    xin = np.random.default_rng(1).uniform(-1, 1, (1, 64, 128)).astype(np.float32)
    ref = model(xin, training=False).numpy()
    data = TFLiteConverter.from_keras_model(model).convert()
    got = next(iter(run_litert(data, {_input_name(data): xin}).values()))
    err = float(np.abs(got.astype(np.float64) - ref).max()) / float(np.abs(ref).max())
    ops = builtin_names(data)
    print(f"transformer block: {len(ops)} ops, {len(data)} bytes, rel err {err:.2e}")
    assert err <= TOL
    shape_math = {"SHAPE", "STRIDED_SLICE", "PACK", "GATHER", "REDUCE_PROD"}
    assert not (shape_math & set(ops)), ops
    assert len(ops) < 61, f"{len(ops)} ops (TF's converter: 61)"


# ---- randomized StridedSlice specs (masks, negative strides, ellipsis, new axes) --------------------------------


def random_slices(seed: int, rank: int, n: int) -> list[tuple]:
    """`n` random numpy-style index tuples for a rank-`rank` tensor, as TF's __getitem__ turns into StridedSlice."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        idx: list = []
        used_ellipsis = False
        consumed = 0
        while consumed < rank and len(idx) < rank + 1:
            r = rng.random()
            if r < 0.1 and not used_ellipsis:
                idx.append(Ellipsis)
                used_ellipsis = True
                consumed = rank - sum(1 for i in idx if i is not Ellipsis and i is not None) + 0
                continue
            if r < 0.2:
                idx.append(tf.newaxis)
                continue
            if r < 0.35:
                idx.append(int(rng.integers(-2, 2)))
            else:
                step = int(rng.choice([1, 1, 2, -1, -2, 3]))

                def bound():
                    return None if rng.random() < 0.3 else int(rng.integers(-6, 7))

                idx.append(slice(bound(), bound(), step))
            consumed += 1
        out.append(tuple(idx))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_strided_slice_random_specs(seed):
    x = rand(3, 4, 5)
    # Empty results are left out: TFLite cannot represent them (legalize-tf declines those, see FileCheck).
    specs = [s for s in random_slices(seed, 3, 12) if x[s].size][:10]
    convert_and_compare(lambda x: tuple(x[s] for s in specs), [spec(x.shape)], [x], expect={"STRIDED_SLICE"})
