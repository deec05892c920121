"""Runtime core: reader validation, interpreter, memory plan, Python API parity with ai_edge_litert, Flex ops."""

import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_util as ru  # noqa: E402
import tensorflow as tf  # noqa: E402

# ---------------------------------------------------------------------------------------------------------------
# Reference models (TensorFlow's converter)
# ---------------------------------------------------------------------------------------------------------------


def _conv_model_fn():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 3, 3, 8)).astype(np.float32)
    b = rng.normal(size=(8,)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32, name="image")])
    def f(image):
        y = tf.nn.relu(tf.nn.conv2d(image, w, 1, "SAME") + b)
        return y * 0.5 + 1.0

    return f


@pytest.fixture(scope="module")
def conv_model():
    return ru.convert(_conv_model_fn())


@pytest.fixture(scope="module")
def int8_model():
    return ru.convert(
        _conv_model_fn(), quantize="int8", representative=ru.rep_dataset([(1, 8, 8, 3)]), int8_io=True
    )


@pytest.fixture(scope="module")
def chain_model():
    """A chain of elementwise ops: the memory plan should reuse activations."""

    @tf.function(input_signature=[tf.TensorSpec([1, 64, 64, 4], tf.float32)])
    def f(x):
        y = x
        for i in range(6):
            y = y * (1.0 + 0.1 * i) + 0.25
            y = tf.nn.relu(y) if i % 2 else y - 0.5
        return y

    return ru.convert(f)


@pytest.fixture(scope="module")
def dynamic_batch_model():
    rng = np.random.default_rng(2)
    c = rng.normal(size=(1, 5)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 5], tf.float32, name="x")])
    def f(x):
        return tf.nn.relu(x * c + 0.5) - x

    return ru.convert(f)


@pytest.fixture(scope="module")
def two_signature_model(tmp_path_factory):
    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32), tf.TensorSpec([2, 3], tf.float32)])
        def add(self, a, b):
            return {"sum": a + b, "diff": a - b}

        @tf.function(input_signature=[tf.TensorSpec([4], tf.float32)])
        def scale(self, x):
            return {"scaled": x * 3.0 + 1.0}

    m = M()
    return ru.convert_saved_model(
        m,
        {"add": m.add.get_concrete_function(), "scale": m.scale.get_concrete_function()},
        tmp_path_factory.mktemp("sm"),
    )


@pytest.fixture(scope="module")
def flex_model():
    @tf.function(input_signature=[tf.TensorSpec([4, 3, 3], tf.float32)])
    def f(x):
        return tf.linalg.det(x) * 2.0 + 1.0

    return ru.convert(f, select_tf=True), f


# ---------------------------------------------------------------------------------------------------------------
# Execution vs LiteRT
# ---------------------------------------------------------------------------------------------------------------


def test_float_model_matches_litert(conv_model):
    ru.require_kernels(conv_model)
    for seed in range(3):
        ru.compare_with_litert(conv_model, seed=seed)


def test_int8_model_bit_exact(int8_model):
    ru.require_kernels(int8_model)
    for seed in range(3):
        ru.compare_with_litert(int8_model, seed=seed)


def test_constant_tensors_are_not_copied(conv_model):
    """Constant tensor storage points into the model bytes: a view of a weight tensor is read-only memory inside
    the bytes object the interpreter keeps alive."""
    it = ru.ours(conv_model)
    consts = [d for d in it.get_tensor_details() if it._c.tensor_info(0, d["index"])[7] == 1]
    assert consts, "model has constant tensors"
    base = np.frombuffer(it._model_content, np.uint8).ctypes.data
    for d in consts:
        view = it._c.view(0, d["index"])
        assert view.readonly
        addr = np.frombuffer(view, np.uint8).ctypes.data
        assert base <= addr and addr + view.nbytes <= base + len(conv_model), d[
            "name"
        ]  # inside the model bytes
        np.testing.assert_array_equal(it.get_tensor(d["index"]).tobytes(), bytes(view))


# ---------------------------------------------------------------------------------------------------------------
# API surface
# ---------------------------------------------------------------------------------------------------------------


def _assert_details_equal(mine, ref):
    assert set(mine) == set(ref), f"keys {set(mine) ^ set(ref)}"
    for k in ref:
        a, b = mine[k], ref[k]
        if k == "quantization_parameters":
            assert set(a) == set(b)
            for kk in b:
                if isinstance(b[kk], np.ndarray):
                    assert isinstance(a[kk], np.ndarray) and a[kk].dtype == b[kk].dtype, kk
                    np.testing.assert_array_equal(a[kk], b[kk])
                else:
                    assert a[kk] == b[kk] and type(a[kk]) is type(b[kk]), kk
        elif isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and a.dtype == b.dtype, k
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, f"{k}: {a!r} != {b!r}"
            assert type(a) is type(b), k


@pytest.mark.parametrize("which", ["conv_model", "int8_model", "dynamic_batch_model"])
def test_details_match_litert(which, request):
    model = request.getfixturevalue(which)
    ref, mine = ru.litert(model), ru.ours(model)
    for get in ("get_input_details", "get_output_details", "get_tensor_details"):
        r, m = getattr(ref, get)(), getattr(mine, get)()
        assert len(r) == len(m), get
        for dm, dr in zip(m, r, strict=True):
            _assert_details_equal(dm, dr)
    assert mine.num_subgraphs() == ref.num_subgraphs()
    assert mine.get_signature_list() == ref.get_signature_list()


def test_ops_details_match_litert(int8_model):
    ref, mine = ru.litert(int8_model), ru.ours(int8_model)
    r, m = ref._get_ops_details(), mine._get_ops_details()
    assert len(r) == len(m)
    for a, b in zip(m, r, strict=True):
        assert a["op_name"] == b["op_name"]
        np.testing.assert_array_equal(a["inputs"], b["inputs"])
        np.testing.assert_array_equal(a["outputs"], b["outputs"])
        assert a["operand_types"] == b["operand_types"]


def test_model_path_and_content(conv_model, tmp_path):
    ru.require_kernels(conv_model)
    p = tmp_path / "m.tflite"
    p.write_bytes(conv_model)
    from runtime import Interpreter

    x = ru.random_inputs(Interpreter(model_path=str(p)).get_input_details())
    a = ru.run(Interpreter(model_path=p), x)
    b = ru.run(Interpreter(model_content=conv_model, num_threads=2, experimental_delegates=[]), x)
    np.testing.assert_array_equal(a[0], b[0])
    import runtime.interpreter as rti

    old = rti._MMAP_THRESHOLD
    rti._MMAP_THRESHOLD = 0  # large-file path: the model is memory-mapped, not copied
    try:
        mapped = Interpreter(model_path=p)
        assert type(mapped._model_content).__name__ == "mmap"
        np.testing.assert_array_equal(ru.run(mapped, x)[0], a[0])
    finally:
        rti._MMAP_THRESHOLD = old
    with pytest.raises(ValueError):
        Interpreter()
    with pytest.raises(ValueError):
        Interpreter(model_path=str(p), model_content=conv_model)
    with pytest.raises(ValueError):
        Interpreter(model_path=str(tmp_path / "missing.tflite"))
    with pytest.raises(ValueError):
        Interpreter(model_content=conv_model, num_threads=0)


def test_get_tensor_returns_copy_and_tensor_view(conv_model):
    ru.require_kernels(conv_model)
    it = ru.ours(conv_model)
    out = ru.run(it, ru.random_inputs(it.get_input_details()))[0]
    idx = it.get_output_details()[0]["index"]
    a = it.get_tensor(idx)
    a[...] = -7.0
    np.testing.assert_array_equal(it.get_tensor(idx), out)
    view = it.tensor(idx)()
    np.testing.assert_array_equal(view, out)
    inp = it.tensor(it.get_input_details()[0]["index"])
    inp()[...] = 0.0
    it.invoke()
    np.testing.assert_array_equal(
        it.get_tensor(idx), ru.run(ru.litert(conv_model), [np.zeros((1, 8, 8, 3), np.float32)])[0]
    )


def test_set_tensor_checks_dtype_and_shape(conv_model):
    it = ru.ours(conv_model)
    it.allocate_tensors()
    idx = it.get_input_details()[0]["index"]
    with pytest.raises(ValueError, match="type"):
        it.set_tensor(idx, np.zeros((1, 8, 8, 3), np.float64))
    with pytest.raises(ValueError, match="Dimension mismatch"):
        it.set_tensor(idx, np.zeros((1, 8, 8, 4), np.float32))
    with pytest.raises(ValueError):
        it.get_tensor(10_000)


def test_invoke_before_allocate_raises(conv_model):
    it = ru.ours(conv_model)
    with pytest.raises(RuntimeError, match="allocate_tensors"):
        it.invoke()


def test_signature_runners(two_signature_model):
    ru.require_kernels(two_signature_model)
    ref, mine = ru.litert(two_signature_model), ru.ours(two_signature_model)
    assert mine.get_signature_list() == ref.get_signature_list()
    assert mine.num_subgraphs() == ref.num_subgraphs() == 2
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32)
    x = rng.normal(size=(4,)).astype(np.float32)
    for key, kwargs in (("add", {"a": a, "b": b}), ("scale", {"x": x})):
        r, m = ref.get_signature_runner(key), mine.get_signature_runner(key)
        for dm, dr in (
            (m.get_input_details(), r.get_input_details()),
            (m.get_output_details(), r.get_output_details()),
        ):
            assert dm.keys() == dr.keys()
            for k in dr:
                _assert_details_equal(dm[k], dr[k])
        want, got = r(**kwargs), m(**kwargs)
        assert got.keys() == want.keys()
        for k in want:
            ru.assert_match(got[k], want[k], f"{key}.{k}")
    with pytest.raises(ValueError):
        mine.get_signature_runner()
    with pytest.raises(ValueError, match="Invalid signature_key"):
        mine.get_signature_runner("nope")
    with pytest.raises(ValueError, match="Invalid number of inputs"):
        mine.get_signature_runner("add")(a=a)
    with pytest.raises(ValueError, match="Invalid Input name"):
        mine.get_signature_runner("add")(a=a, c=b)


def test_resize_tensor_input(dynamic_batch_model):
    ru.require_kernels(dynamic_batch_model)
    ref, mine = ru.litert(dynamic_batch_model), ru.ours(dynamic_batch_model)
    mine.allocate_tensors()
    arena1 = mine.arena_bytes()
    np.testing.assert_array_equal(mine.get_input_details()[0]["shape_signature"], [-1, 5])
    for batch in (7, 3, 7):
        x = np.random.default_rng(batch).normal(size=(batch, 5)).astype(np.float32)
        for it in (ref, mine):
            it.resize_tensor_input(it.get_input_details()[0]["index"], [batch, 5])
            it.allocate_tensors()
        assert list(mine.get_output_details()[0]["shape"]) == [batch, 5]
        want, got = ru.run(ref, [x]), ru.run(mine, [x])
        ru.assert_match(got[0], want[0])
    assert mine.arena_bytes() > arena1
    with pytest.raises(ValueError):
        mine.resize_tensor_input(mine.get_input_details()[0]["index"], [2, 6], strict=True)
    mine.resize_tensor_input(mine.get_input_details()[0]["index"], [2, 5], strict=True)
    with pytest.raises(RuntimeError, match="allocate_tensors"):
        mine.invoke()


def test_memory_plan_shares_activations(chain_model):
    ru.require_kernels(chain_model)
    mine, _ = ru.compare_with_litert(chain_model)
    sizes = [
        int(np.prod(d["shape"])) * 4
        for d in mine.get_tensor_details()
        if mine._c.tensor_info(0, d["index"])[7] == 2
    ]
    one = 64 * 64 * 4 * 4
    assert max(sizes) == one
    # input and output live throughout; the intermediates need at most two more buffers
    assert mine.arena_bytes() <= 4 * one, (mine.arena_bytes(), sum(sizes))
    assert mine.arena_bytes() < sum(sizes)


def test_preserve_all_tensors(chain_model):
    ru.require_kernels(chain_model)
    ref = ru.litert(chain_model, experimental_preserve_all_tensors=True)
    mine = ru.ours(chain_model, experimental_preserve_all_tensors=True)
    shared = ru.ours(chain_model)
    x = ru.random_inputs(ref.get_input_details())
    ru.run(ref, x)
    ru.run(mine, x)
    shared.allocate_tensors()
    assert mine.arena_bytes() > shared.arena_bytes()
    checked = 0
    for d in ref.get_tensor_details():
        ru.assert_match(mine.get_tensor(d["index"]), ref.get_tensor(d["index"]), d["name"])
        checked += 1
    assert checked == len(mine.get_tensor_details()) > 10


def _unsupported_model(conv_model):
    """The conv model with its first operator code replaced by a builtin op no kernel family registers."""
    from tensorflow.lite.python import schema_py_generated as schema

    candidates = ["RFFT2D", "HASHTABLE_LOOKUP", "LSH_PROJECTION", "SKIP_GRAM", "SEGMENT_SUM", "IMAG"]
    name = next(n for n in candidates if not ru.has_kernel(n))
    m = ru.model_object(conv_model)
    code = getattr(schema.BuiltinOperator, name)
    m.operatorCodes[0].builtinCode = code
    m.operatorCodes[0].deprecatedBuiltinCode = min(code, 127)
    m.operatorCodes[0].version = 3
    return ru.pack_model(m), name


def test_unsupported_op_error_names_op_and_version(conv_model):
    model, name = _unsupported_model(conv_model)
    it = ru.ours(model)  # loading succeeds; the op is reported at allocate_tensors
    with pytest.raises(RuntimeError, match=rf"{name} version 3"):
        it.allocate_tensors()


def test_unknown_custom_op_error(conv_model):
    m = ru.model_object(conv_model)
    m.operatorCodes[0].builtinCode = 32
    m.operatorCodes[0].deprecatedBuiltinCode = 32
    m.operatorCodes[0].customCode = b"MyFancyOp"
    # refused at load, naming the op and how to provide it (custom_ops= or a registered C kernel)
    with pytest.raises(ValueError, match="MyFancyOp.*custom_ops"):
        ru.ours(ru.pack_model(m))


def test_flex_model_matches_tensorflow(flex_model):
    model, fn = flex_model
    assert any(n.startswith("Flex") for n in ru.model_ops(model))
    ru.require_kernels(model)
    it = ru.ours(model)
    it.allocate_tensors()
    for seed in range(2):
        x = np.random.default_rng(seed).normal(size=(4, 3, 3)).astype(np.float32)
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        got = it.get_tensor(it.get_output_details()[0]["index"])
        want = fn(tf.constant(x)).numpy()
        ru.assert_match(got, want)
    # LiteRT itself refuses the model; ours is the only interpreter here that runs it
    with pytest.raises(RuntimeError, match="TensorFlow op"):
        ru.litert(model).allocate_tensors()


def test_runtime_does_not_import_tensorflow(conv_model, tmp_path):
    p = tmp_path / "m.tflite"
    p.write_bytes(conv_model)
    code = (
        f"import sys, numpy as np; sys.path.insert(0, {ru.ROOT!r})\n"
        "from runtime import Interpreter\n"
        f"it = Interpreter(model_path={str(p)!r}); d = it.get_input_details()\n"
        "assert 'tensorflow' not in sys.modules and 'compiler' not in sys.modules, sorted(sys.modules)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


# ---------------------------------------------------------------------------------------------------------------
# Buffers located by offset/size (the > 2 GiB layout)
# ---------------------------------------------------------------------------------------------------------------


def test_offset_buffers_match_litert(conv_model):
    ru.require_kernels(conv_model)
    model = ru.with_offset_buffers(conv_model)
    assert len(model) > len(conv_model) - 64
    x = ru.random_inputs(ru.ours(conv_model).get_input_details())
    want = ru.run(ru.litert(model), x)
    got = ru.run(ru.ours(model), x)
    ru.assert_match(got[0], want[0])
    np.testing.assert_array_equal(got[0], ru.run(ru.ours(conv_model), x)[0])


def test_offset_buffer_outside_file_rejected(conv_model):
    model = ru.with_offset_buffers(conv_model)
    with pytest.raises(ValueError, match="lies outside"):
        ru.ours(model[: len(model) - 100])


# ---------------------------------------------------------------------------------------------------------------
# Malformed files: each is a ValueError naming the problem
# ---------------------------------------------------------------------------------------------------------------


def test_truncated_files(conv_model):
    from runtime import Interpreter

    n = len(conv_model)
    cuts = sorted(set([0, 1, 4, 7, 8, 12, 16, 32, 64, 100, n // 4, n // 2, n - 100, n - 16, n - 1]))
    for cut in cuts:
        with pytest.raises(ValueError, match="malformed model|not a FlatBuffer"):
            it = Interpreter(model_content=conv_model[:cut] if cut else b"\0")
            it.allocate_tensors()


def test_bit_flips_in_structure(conv_model):
    """Flipping the high bit of offsets in the root table / vectors sends them outside the file."""
    b = conv_model
    root = ru.root_table(b)
    targets = {
        "root offset": 0,
        "subgraphs offset": ru.table_field_pos(b, root, ru.MODEL_SUBGRAPHS),
        "buffers offset": ru.table_field_pos(b, root, ru.MODEL_BUFFERS),
        "operator_codes offset": ru.table_field_pos(b, root, ru.MODEL_OPERATOR_CODES),
    }
    sg = ru.vector_table(b, ru.vector_at(b, root, ru.MODEL_SUBGRAPHS), 0)
    targets["tensors offset"] = ru.table_field_pos(b, sg, ru.SUBGRAPH_TENSORS)
    targets["operators offset"] = ru.table_field_pos(b, sg, ru.SUBGRAPH_OPERATORS)
    for what, pos in targets.items():
        bad = bytearray(b)
        bad[pos + 3] ^= 0x80
        with pytest.raises(ValueError, match="out of bounds|exceeds file|outside"):
            ru.ours(bytes(bad))
        assert what  # each target is a named structural offset
    bad = bytearray(b)  # vtable soffset corruption
    bad[root + 3] ^= 0x40
    with pytest.raises(ValueError, match="vtable"):
        ru.ours(bytes(bad))


@pytest.mark.parametrize("field", ["buffers", "tensors", "operators", "inputs", "shape"])
def test_oversized_vector_lengths(conv_model, field):
    b = bytearray(conv_model)
    root = ru.root_table(b)
    sg = ru.vector_table(b, ru.vector_at(b, root, ru.MODEL_SUBGRAPHS), 0)
    if field == "buffers":
        vec = ru.vector_at(b, root, ru.MODEL_BUFFERS)
    elif field == "tensors":
        vec = ru.vector_at(b, sg, ru.SUBGRAPH_TENSORS)
    elif field == "operators":
        vec = ru.vector_at(b, sg, ru.SUBGRAPH_OPERATORS)
    elif field == "inputs":
        vec = ru.vector_at(b, sg, ru.SUBGRAPH_INPUTS)
    else:
        t0 = ru.vector_table(b, ru.vector_at(b, sg, ru.SUBGRAPH_TENSORS), 0)
        vec = ru.vector_at(b, t0, ru.TENSOR_SHAPE)
    for n in (0x7FFFFFFF, 0xFFFFFFFF, len(b)):
        b2 = bytearray(b)
        b2[vec : vec + 4] = n.to_bytes(4, "little")
        with pytest.raises(ValueError, match="exceeds file|rank"):
            ru.ours(bytes(b2))


def test_bad_identifier_and_version(conv_model):
    b = bytearray(conv_model)
    b[4:8] = b"XYZ9"
    with pytest.raises(ValueError, match="identifier"):
        ru.ours(bytes(b))
    m = ru.model_object(conv_model)
    m.version = 7
    with pytest.raises(ValueError, match="version 7"):
        ru.ours(ru.pack_model(m))


def test_bad_indices(conv_model):
    cases = []
    m = ru.model_object(conv_model)
    m.subgraphs[0].operators[0].inputs = np.array(
        [999] + list(m.subgraphs[0].operators[0].inputs[1:]), np.int32
    )
    cases.append((m, "not a valid tensor index"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].outputs = np.array([12345], np.int32)
    cases.append((m, "not a valid tensor index"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].operators[0].opcodeIndex = 77
    cases.append((m, "opcode_index"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].tensors[0].buffer = 4000
    cases.append((m, "refers to buffer"))
    m = ru.model_object(conv_model)
    t = next(
        t
        for t in m.subgraphs[0].tensors
        if m.buffers[t.buffer].data is not None and len(m.buffers[t.buffer].data)
    )
    t.shape = np.array(list(t.shape) + [2], np.int32)
    cases.append((m, "buffer .* holds .* bytes but shape"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].tensors[0].type = 99
    cases.append((m, "unknown type"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].tensors[0].shape = np.array([1] * 9, np.int32)
    cases.append((m, "rank 9"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].tensors[0].shape = np.array([1, -3], np.int32)
    cases.append((m, "negative dimension"))
    m = ru.model_object(conv_model)
    m.operatorCodes[0].builtinCode = 5000
    cases.append((m, "unknown builtin code"))
    m = ru.model_object(conv_model)
    m.subgraphs[0].operators[0].builtinOptionsType = 200
    cases.append((m, "unknown builtin_options type"))
    m = ru.model_object(conv_model)
    m.subgraphs = []
    cases.append((m, "no subgraphs"))
    for model, msg in cases:
        with pytest.raises(ValueError, match=msg):
            ru.ours(ru.pack_model(model))


def test_output_into_constant_rejected(conv_model):
    m = ru.model_object(conv_model)
    sg = m.subgraphs[0]
    const = next(
        i
        for i, t in enumerate(sg.tensors)
        if m.buffers[t.buffer].data is not None and len(m.buffers[t.buffer].data)
    )
    sg.operators[0].outputs = np.array([const], np.int32)
    it = ru.ours(ru.pack_model(m))
    with pytest.raises(ValueError, match="writes to constant"):
        it.allocate_tensors()


def test_tensor_produced_twice_rejected(chain_model):
    """Two nodes writing one tensor would leave the first with stale sizes (found by the ASan fuzz run)."""
    m = ru.model_object(chain_model)
    sg = m.subgraphs[0]
    ops = sg.operators
    ops[1].outputs = np.array(ops[0].outputs, np.int32)
    with pytest.raises(ValueError, match="written by node 0 and again by node 1"):
        ru.ours(ru.pack_model(m))


def test_node_reading_its_output_rejected(chain_model):
    m = ru.model_object(chain_model)
    op = m.subgraphs[0].operators[1]
    op.outputs = np.array([op.inputs[0]], np.int32)  # also node 0's output: rejected when the model is read
    with pytest.raises(ValueError, match="malformed model"):
        ru.ours(ru.pack_model(m)).allocate_tensors()


# ---------------------------------------------------------------------------------------------------------------
# Control flow: IF / WHILE run other subgraphs (executed by the interpreter core)
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def while_model():
    @tf.function(
        input_signature=[tf.TensorSpec([3], tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="n")]
    )
    def f(x, n):
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 1.5 + 1.0), [tf.constant(0), x])
        return y

    return ru.convert(f)


@pytest.fixture(scope="module")
def if_model():
    @tf.function(
        input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x"), tf.TensorSpec([], tf.bool, name="p")]
    )
    def f(x, p):
        return tf.cond(p, lambda: x * 2.0 + 1.0, lambda: tf.nn.relu(x) - 3.0) + 0.5

    return ru.convert(f)


def _inputs_by_name(model, values):
    return [values[d["name"]] for d in ru.litert(model).get_input_details()]


def test_while_matches_litert(while_model):
    assert "WHILE" in ru.model_ops(while_model)
    ru.require_kernels(while_model)
    for n in (0, 1, 5, 20):
        x = np.random.default_rng(n).normal(size=(3,)).astype(np.float32)
        ru.compare_with_litert(
            while_model, _inputs_by_name(while_model, {"x": x, "n": np.array(n, np.int32)})
        )


def test_if_matches_litert(if_model):
    assert "IF" in ru.model_ops(if_model)
    ru.require_kernels(if_model)
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    for p in (True, False):
        ru.compare_with_litert(if_model, _inputs_by_name(if_model, {"x": x, "p": np.array(p)}))


def test_while_iteration_bound(while_model):
    ru.require_kernels(while_model)
    it = ru.ours(while_model, _max_loop_iterations=10)
    with pytest.raises(RuntimeError, match="exceeded 10 iterations"):
        ru.run(it, _inputs_by_name(while_model, {"x": np.ones(3, np.float32), "n": np.array(50, np.int32)}))


# ---------------------------------------------------------------------------------------------------------------
# Variable tensors (is_variable): persistent storage, zero-initialized, reset_all_variables
# ---------------------------------------------------------------------------------------------------------------


def _variable_add_model():
    """x + v where v is a variable tensor (built with the FlatBuffer object API; the converter emits resource
    variables instead)."""
    from tensorflow.lite.python import schema_py_generated as schema

    m = schema.ModelT()
    m.version = 3
    oc = schema.OperatorCodeT()
    oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = 0, 0, 1  # ADD
    m.operatorCodes = [oc]
    m.buffers = [schema.BufferT()]
    tensors = []
    for name, var in (("x", False), ("v", True), ("y", False)):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer, t.isVariable = name, np.array([4], np.int32), 0, 0, var
        tensors.append(t)
    sg = schema.SubGraphT()
    sg.tensors = tensors
    sg.inputs, sg.outputs = np.array([0], np.int32), np.array([2], np.int32)
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, np.array([0, 1], np.int32), np.array([2], np.int32)
    op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.AddOptions, schema.AddOptionsT()
    sg.operators = [op]
    m.subgraphs = [sg]
    return ru.pack_model(m)


def test_variable_tensors_persist():
    model = _variable_add_model()
    ru.require_kernels(model)
    x = np.array([10, 20, 30, 40], np.float32)
    ref, mine = ru.litert(model), ru.ours(model)
    for it in (ref, mine):
        it.allocate_tensors()
        it.set_tensor(1, np.array([1, 2, 3, 4], np.float32))
    for _ in range(2):  # the variable keeps its value across invokes
        want, got = ru.run(ref, [x]), ru.run(mine, [x])
        ru.assert_match(got[0], want[0])
    for it in (ref, mine):
        it.reset_all_variables()
    ru.assert_match(ru.run(mine, [x])[0], ru.run(ref, [x])[0])
    ru.assert_match(ru.run(mine, [x])[0], x)
    assert mine._c.persistent_bytes(0) == 16
    assert mine.arena_bytes() == 2 * 64


def test_float16_weights_model_matches_litert():
    """Float16 weights: DEQUANTIZE(float16 constant) feeds the conv; runs through the kernels like any op."""
    model = ru.convert(_conv_model_fn(), quantize="float16")
    assert "DEQUANTIZE" in ru.model_ops(model)
    ru.require_kernels(model)
    ru.compare_with_litert(model)


def test_memory_plan_over_the_limit_is_a_clean_error(monkeypatch):
    """A plan above TFLRT_MAX_BYTES (default: half the RAM) fails at allocate_tensors, as LiteRT reports allocation
    failures (RuntimeError), instead of exhausting memory."""
    import keras

    from compiler import TFLiteConverter
    from runtime import Interpreter

    model = keras.Sequential([keras.Input((256,)), keras.layers.Dense(256), keras.layers.Dense(256)])
    data = TFLiteConverter.from_keras_model(model).convert()
    monkeypatch.setenv("TFLRT_MAX_BYTES", "1024")
    with pytest.raises(RuntimeError, match="above the configured limit"):
        Interpreter(model_content=data).allocate_tensors()
    monkeypatch.delenv("TFLRT_MAX_BYTES")
    Interpreter(model_content=data).allocate_tensors()
