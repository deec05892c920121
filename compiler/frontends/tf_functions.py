"""TensorFlow/Keras objects -> import entries (one per signature): concrete functions, SavedModels, Keras models.

TensorFlow is imported here and only here in the compiler (lazily, inside functions), so `tflc --help` and the
runtime never pay for it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from compiler.errors import ModelImportError
from compiler.frontends.graph import Entry


def _signature_shape(shape: Any) -> list[int]:
    """An input's signature shape, -1 for its dynamic (None) dims."""
    if shape.rank is None:
        raise ModelImportError("an input has unknown rank; give the model a fixed input signature")
    return [-1 if d is None else int(d) for d in shape.as_list()]


def entry_from_concrete_function(
    cf: Any,
    key: str = "serving_default",
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    call_suffix: str = "",
) -> Entry:
    """An Entry for a tf.function ConcreteFunction (variables read from its captures). Its tensors are named as TF's
    converter names them after saving the function as signature `key` (`call_suffix`: "_1" for Keras models, whose
    temporary SavedModel holds two call nodes)."""
    import tensorflow as tf

    captured = list(cf.captured_inputs)
    n_user = len(cf.inputs) - len(captured)
    user_inputs = cf.inputs[:n_user]
    if input_names is None:
        input_names = _input_names(cf, user_inputs)
    if output_names is None:
        output_names = _output_names(cf)
    captures: list[Any] = []
    for cap in captured:
        if cap.dtype == tf.resource:
            read = lambda dtype, h=cap: tf.raw_ops.ReadVariableOp(resource=h, dtype=dtype).numpy()  # noqa: E731
            read.variable_key = ("handle", id(cap))  # type: ignore[attr-defined]  # same variable, any signature
            captures.append(read)
        else:
            captures.append(np.asarray(cap.numpy()))
    library = {f.signature.name: f for f in cf.graph.as_graph_def(add_shapes=False).library.function}
    stateful = cf.function_def.signature.is_stateful or any(c.dtype == tf.resource for c in captured)
    call = f"{'Stateful' if stateful else ''}PartitionedCall{call_suffix}"
    return Entry(
        key=key,
        function_def=cf.function_def,
        library=library,
        input_names=input_names,
        input_specs=[(_signature_shape(t.shape), np.dtype(t.dtype.as_numpy_dtype)) for t in user_inputs],
        output_names=output_names,
        captures=captures,
        tensor_names=(
            [f"{key}_{n}:0" for n in input_names],
            [f"{call}:{i}" for i in range(len(output_names))],
        ),
    )


def _input_names(cf: Any, user_inputs: list[Any]) -> list[str]:
    import tensorflow as tf

    args, kwargs = cf.structured_input_signature
    specs = tf.nest.flatten((args, kwargs))
    names = []
    for i, t in enumerate(user_inputs):
        spec = specs[i] if i < len(specs) else None
        name = getattr(spec, "name", None) if spec is not None else None
        # specs sharing a name get their placeholders' unique names (`a`, `a_1`), as TF's converter names them
        names.append(t.op.name if not name or name in names else name)
    if kwargs and len(tf.nest.flatten(kwargs)) == len(user_inputs) and not args:
        names = sorted(kwargs)  # signature functions: inputs flattened by sorted key
    return names


def _output_names(cf: Any) -> list[str]:
    outs = cf.structured_outputs
    if isinstance(outs, dict):
        return sorted(outs)
    import tensorflow as tf

    return [f"output_{i}" for i in range(len(tf.nest.flatten(outs)))]


def entries_from_saved_model(
    path: str, signature_keys: list[str] | None = None, tags: set[str] | None = None
) -> list[Entry]:
    """One Entry per signature of a SavedModel directory.

    TF2 SavedModels are read directly: the signature's FunctionDef from the MetaGraph's function library, its
    captured variables from the object graph (`bound_inputs`) and their values from the variables checkpoint
    (object-graph node ids are shared by the SavedModel and its checkpoint). No `tf.saved_model.load`, no
    freezing. SavedModels without an object graph (TF1) go through `tf.saved_model.load`.
    """
    if not os.path.isdir(path):
        raise ModelImportError(f"SavedModel directory {path!r} does not exist")
    pb, pbtxt = os.path.join(path, "saved_model.pb"), os.path.join(path, "saved_model.pbtxt")
    if not (os.path.exists(pb) or os.path.exists(pbtxt)):
        raise ModelImportError(f"{path!r} is not a SavedModel directory (no saved_model.pb)")
    from google.protobuf import message, text_format
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    try:
        if os.path.exists(pb):
            with open(pb, "rb") as f:
                sm.ParseFromString(f.read())
        else:
            with open(pbtxt) as f:
                text_format.Parse(f.read(), sm)
    except (message.DecodeError, text_format.ParseError, UnicodeDecodeError) as e:
        raise ModelImportError(f"cannot load SavedModel {path!r}: saved_model.pb is corrupt ({e})") from e
    wanted = set(tags) if tags else {"serve"}
    metas = [mg for mg in sm.meta_graphs if set(mg.meta_info_def.tags) == wanted] or (
        list(sm.meta_graphs) if not tags and len(sm.meta_graphs) == 1 else []
    )
    if not metas:
        have = [sorted(mg.meta_info_def.tags) for mg in sm.meta_graphs]
        raise ModelImportError(
            f"SavedModel {path!r} has no MetaGraph with tags {sorted(wanted)}; it has {have}"
        )
    mg = metas[0]
    if not mg.object_graph_def.nodes:
        return _entries_via_tf_load(path, signature_keys, tags)
    signatures = _signature_functions(mg)
    if not signatures:
        raise ModelImportError(
            f"SavedModel {path!r} has no signatures; save it with `signatures=` or use a Keras model"
        )
    keys = signature_keys or list(signatures)
    if _is_keras_export(mg, keys):
        keys = ["serving_default"]
    missing = [k for k in keys if k not in signatures]
    if missing:
        raise ModelImportError(
            f"signature(s) {missing} not in SavedModel {path!r}; it has {sorted(signatures)}"
        )
    library = {f.signature.name: f for f in mg.graph_def.library.function}
    variables = _CheckpointVariables(os.path.join(path, "variables", "variables"))
    consts = {n.name: n for n in mg.graph_def.node if n.op == "Const"}
    return [_saved_model_entry(k, signatures[k], mg, library, variables, consts) for k in keys]


def _signature_functions(mg: Any) -> dict[str, str]:
    """Signature key -> concrete function name, from the object graph's root `signatures` child."""
    og = mg.object_graph_def
    sig_nodes = [c.node_id for c in og.nodes[0].children if c.local_name == "signatures"]
    out: dict[str, str] = {}
    for child in og.nodes[sig_nodes[0]].children if sig_nodes else []:
        node = og.nodes[child.node_id]
        kind = node.WhichOneof("kind")
        if kind == "bare_concrete_function":
            out[child.local_name] = node.bare_concrete_function.concrete_function_name
        elif kind == "function" and node.function.concrete_functions:
            out[child.local_name] = node.function.concrete_functions[0]
    return out


class _CheckpointVariables:
    """Variable values from a SavedModel's checkpoint, addressed by object-graph node id."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._reader: Any = None
        self._keys: dict[int, str] = {}

    def _load(self) -> None:
        if self._reader is not None:
            return
        import tensorflow as tf
        from tensorflow.core.protobuf import trackable_object_graph_pb2

        try:
            self._reader = tf.train.load_checkpoint(self.prefix)
            graph = trackable_object_graph_pb2.TrackableObjectGraph()
            graph.ParseFromString(self._reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
        except Exception as e:
            raise ModelImportError(f"cannot read the SavedModel's variables at {self.prefix!r}: {e}") from e
        for i, node in enumerate(graph.nodes):
            for attr in node.attributes:
                if attr.name == "VARIABLE_VALUE":
                    self._keys[i] = attr.checkpoint_key

    def reader(self, node_id: int, name: str) -> Any:
        self._load()
        key = self._keys.get(node_id)
        if key is None:
            raise ModelImportError(
                f"variable {name!r} (object {node_id}) has no value in the SavedModel checkpoint"
            )
        read = lambda dtype: np.asarray(self._reader.get_tensor(key))  # noqa: E731
        read.variable_key = ("saved_model", node_id)  # type: ignore[attr-defined]  # same variable, any signature
        return read


def _saved_model_entry(
    key: str,
    fn_name: str,
    mg: Any,
    library: dict[str, Any],
    variables: _CheckpointVariables,
    consts: dict[str, Any],
) -> Entry:
    import tensorflow as tf
    from tensorflow.python.saved_model import nested_structure_coder

    og = mg.object_graph_def
    cf = og.concrete_functions[fn_name]
    fdef = library.get(fn_name)
    if fdef is None:
        raise ModelImportError(
            f"signature {key!r}: function {fn_name!r} missing from the SavedModel's library"
        )
    captures: list[Any] = []
    for node_id in cf.bound_inputs:
        node = og.nodes[node_id]
        kind = node.WhichOneof("kind")
        if kind == "variable":
            captures.append(variables.reader(node_id, node.variable.name))
        elif kind == "constant" and node.constant.operation in consts:
            captures.append(tf.make_ndarray(consts[node.constant.operation].attr["value"].tensor))
        else:
            raise ModelImportError(f"signature {key!r} captures a {kind!r} object, which tflc cannot freeze")
    n_user = len(fdef.signature.input_arg) - len(captures)
    in_sig = nested_structure_coder.decode_proto(cf.canonicalized_input_signature)
    specs = [s for s in tf.nest.flatten(in_sig) if isinstance(s, tf.TensorSpec)]
    if len(specs) != n_user:
        raise ModelImportError(f"signature {key!r}: {len(specs)} input specs for {n_user} function inputs")
    out_sig = nested_structure_coder.decode_proto(cf.output_signature)
    if isinstance(out_sig, dict):
        output_names = sorted(out_sig)
    else:
        output_names = [f"output_{i}" for i in range(len(tf.nest.flatten(out_sig)))]
    args = fdef.signature.input_arg
    input_names = [s.name or args[i].name for i, s in enumerate(specs)]
    sig = mg.signature_def.get(key)
    tensor_names = None
    if sig is not None and set(sig.inputs) == set(input_names) and set(sig.outputs) == set(output_names):
        tensor_names = (
            [sig.inputs[n].name for n in input_names],
            [sig.outputs[n].name for n in output_names],
        )
    return Entry(
        key=key,
        function_def=fdef,
        library=library,
        input_names=input_names,
        input_specs=[(_signature_shape(s.shape), np.dtype(s.dtype.as_numpy_dtype)) for s in specs],
        output_names=output_names,
        captures=captures,
        tensor_names=tensor_names,
    )


def _is_keras_export(meta_graph: Any, keys: list[str]) -> bool:
    """A Keras 3 `model.export()` artifact, read as TF's `from_saved_model` reads it: several signatures, a `serve`
    endpoint on the root object and no `_default_save_signature`. TF then converts `serving_default` alone (the
    same function as `serve`), so a user's `get_signature_runner()` without a key works; so do we."""
    root = meta_graph.object_graph_def.nodes[0]
    children = {c.local_name for c in root.children}
    return len(keys) > 1 and "serve" in children and "_default_save_signature" not in children


def _entries_via_tf_load(path: str, signature_keys: list[str] | None, tags: set[str] | None) -> list[Entry]:
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(path, tags=list(tags) if tags else None)
    except Exception as e:  # TF raises many types for corrupt files
        raise ModelImportError(
            f"cannot load SavedModel {path!r}: {type(e).__name__}: {str(e).splitlines()[0]}"
        ) from e
    available = list(loaded.signatures.keys())
    if not available:
        raise ModelImportError(
            f"SavedModel {path!r} has no signatures; save it with `signatures=` or use a Keras model"
        )
    keys = signature_keys or available
    missing = [k for k in keys if k not in available]
    if missing:
        raise ModelImportError(f"signature(s) {missing} not in SavedModel {path!r}; it has {available}")
    entries_keepalive.append(loaded)
    return [entry_from_concrete_function(loaded.signatures[k], k) for k in keys]


# Loaded SavedModels must outlive the capture readers that point at their variables.
entries_keepalive: list[Any] = []


def entry_from_keras_model(model: Any, static_batch: int | None = 1) -> Entry:
    """The Keras model's forward pass (training=False) as signature "serving_default", traced with the input shapes
    it is converted at: dynamic dims kept (static_batch None) or fixed as graph.fixed_shape says."""
    import tensorflow as tf

    from compiler.frontends.graph import fixed_shape

    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ModelImportError("the Keras model has no defined inputs; build it with keras.Input(...) first")
    specs = [
        tf.TensorSpec(
            [
                None if d < 0 else d
                for d in fixed_shape(_signature_shape(tf.TensorShape(t.shape)), static_batch)
            ],
            t.dtype,
            name=_layer_name(t),
        )
        for t in inputs
    ]

    @tf.function
    def serve(*args: Any) -> Any:
        return model(list(args) if len(args) > 1 else args[0], training=False)

    cf = serve.get_concrete_function(*specs)
    return entry_from_concrete_function(
        cf, "serving_default", input_names=[s.name for s in specs], call_suffix="_1"
    )


def _layer_name(t: Any) -> str:
    name = getattr(t, "name", None) or "input"
    return name.split(":")[0]


def entry_from_keras_file(path: str, static_batch: int | None = 1) -> Entry:
    """A `.keras` or `.h5` Keras model file."""
    if not os.path.isfile(path):
        raise ModelImportError(f"Keras model file {path!r} does not exist")
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as e:
        raise ModelImportError(
            f"cannot load Keras model {path!r}: {type(e).__name__}: {str(e).splitlines()[0]}"
        ) from e
    return entry_from_keras_model(model, static_batch)
