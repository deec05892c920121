"""TensorFlow/Keras objects -> import entries (one per signature): concrete functions, SavedModels, Keras models.

TensorFlow is imported here and only here in the compiler (lazily, inside functions), so `tflc --help` and the
runtime never pay for it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from compiler.frontends.graph import Entry, ImportError_


def _static_shape(shape: Any) -> list[int]:
    if shape.rank is None:
        raise ImportError_("an input has unknown rank; give the model a fixed input signature")
    return [1 if d is None else int(d) for d in shape.as_list()]


def entry_from_concrete_function(cf: Any, key: str = "serving_default", input_names: list[str] | None = None,
                                 output_names: list[str] | None = None) -> Entry:
    """An Entry for a tf.function ConcreteFunction (variables read from its captures)."""
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
            captures.append(lambda dtype, h=cap: tf.raw_ops.ReadVariableOp(resource=h, dtype=dtype).numpy())
        else:
            captures.append(np.asarray(cap.numpy()))
    library = {f.signature.name: f for f in cf.graph.as_graph_def(add_shapes=False).library.function}
    return Entry(
        key=key,
        function_def=cf.function_def,
        library=library,
        input_names=input_names,
        input_specs=[(_static_shape(t.shape), np.dtype(t.dtype.as_numpy_dtype)) for t in user_inputs],
        output_names=output_names,
        captures=captures,
    )


def _input_names(cf: Any, user_inputs: list[Any]) -> list[str]:
    import tensorflow as tf

    args, kwargs = cf.structured_input_signature
    specs = tf.nest.flatten((args, kwargs))
    names = []
    for i, t in enumerate(user_inputs):
        spec = specs[i] if i < len(specs) else None
        name = getattr(spec, "name", None) if spec is not None else None
        names.append(name or t.op.name)
    if kwargs and len(tf.nest.flatten(kwargs)) == len(user_inputs) and not args:
        names = sorted(kwargs)  # signature functions: inputs flattened by sorted key
    return names


def _output_names(cf: Any) -> list[str]:
    outs = cf.structured_outputs
    if isinstance(outs, dict):
        return sorted(outs)
    import tensorflow as tf

    return [f"output_{i}" for i in range(len(tf.nest.flatten(outs)))]


def entries_from_saved_model(path: str, signature_keys: list[str] | None = None,
                             tags: set[str] | None = None) -> list[Entry]:
    """One Entry per signature of a SavedModel directory."""
    import tensorflow as tf

    if not os.path.isdir(path):
        raise ImportError_(f"SavedModel directory {path!r} does not exist")
    if not any(os.path.exists(os.path.join(path, f)) for f in ("saved_model.pb", "saved_model.pbtxt")):
        raise ImportError_(f"{path!r} is not a SavedModel directory (no saved_model.pb)")
    try:
        loaded = tf.saved_model.load(path, tags=list(tags) if tags else None)
    except Exception as e:  # TF raises many types for corrupt files
        raise ImportError_(f"cannot load SavedModel {path!r}: {type(e).__name__}: {str(e).splitlines()[0]}") from e
    available = list(loaded.signatures.keys())
    if not available:
        raise ImportError_(f"SavedModel {path!r} has no signatures; save it with `signatures=` or use a Keras model")
    keys = signature_keys or available
    missing = [k for k in keys if k not in available]
    if missing:
        raise ImportError_(f"signature(s) {missing} not in SavedModel {path!r}; it has {available}")
    entries = []
    for key in keys:
        cf = loaded.signatures[key]
        entries.append(entry_from_concrete_function(cf, key))
    entries_keepalive.append(loaded)
    return entries


# Loaded SavedModels must outlive the capture readers that point at their variables.
entries_keepalive: list[Any] = []


def entry_from_keras_model(model: Any) -> Entry:
    """The Keras model's forward pass (training=False) at batch size 1, as signature "serving_default"."""
    import tensorflow as tf

    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ImportError_("the Keras model has no defined inputs; build it with keras.Input(...) first")
    specs = [tf.TensorSpec(_static_shape(tf.TensorShape(t.shape)), t.dtype, name=_layer_name(t)) for t in inputs]

    @tf.function
    def serve(*args: Any) -> Any:
        return model(list(args) if len(args) > 1 else args[0], training=False)

    cf = serve.get_concrete_function(*specs)
    return entry_from_concrete_function(cf, "serving_default", input_names=[s.name for s in specs])


def _layer_name(t: Any) -> str:
    name = getattr(t, "name", None) or "input"
    return name.split(":")[0]


def entry_from_keras_file(path: str) -> Entry:
    """A `.keras` or `.h5` Keras model file."""
    if not os.path.isfile(path):
        raise ImportError_(f"Keras model file {path!r} does not exist")
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as e:
        raise ImportError_(f"cannot load Keras model {path!r}: {type(e).__name__}: {str(e).splitlines()[0]}") from e
    return entry_from_keras_model(model)
