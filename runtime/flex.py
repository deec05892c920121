"""Runs Flex (select TensorFlow) ops for the C interpreter by handing their NodeDef to TensorFlow.

A Flex op is a CUSTOM op with custom_code "Flex<TFOpName>" whose custom_options are a FlexBuffer vector
[op name, serialized NodeDef]. TensorFlow is imported here, and only when a model contains such an op.
"""

from __future__ import annotations

import numpy as np

from .tensors import from_host, to_host


def parse_custom_options(options: bytes) -> tuple[str, bytes]:
    """Returns (TF op name, serialized NodeDef) from a Flex op's custom_options."""
    from flatbuffers import flexbuffers

    try:
        vec = flexbuffers.GetRoot(bytearray(options)).AsVector
        if len(vec) < 2:
            raise ValueError("expected a 2-element vector")
        return vec[0].AsString, bytes(vec[1].AsStringBytes)
    except Exception as e:  # flexbuffers raises assorted errors on malformed bytes
        raise ValueError(f"malformed Flex custom_options: {e}") from e


class FlexRunner:
    """Callable installed into the C interpreter: (custom_code, custom_options, inputs) -> outputs, where inputs
    are (tensor type, shape, bytes) triples (None for an omitted input) and outputs likewise."""

    def __init__(self):
        self._cache: dict[tuple, object] = {}

    def _build(self, node_def_bytes: bytes, in_dtypes: tuple):
        import tensorflow as tf
        from tensorflow.core.framework import graph_pb2, node_def_pb2

        node = node_def_pb2.NodeDef.FromString(node_def_bytes)
        data_inputs = [i for i in node.input if not i.startswith("^")]
        n_in = len(in_dtypes)
        graph_def = graph_pb2.GraphDef()
        feeds = []
        for i, dt in enumerate(in_dtypes):
            ph = graph_def.node.add()
            ph.name = f"tflrt_flex_input_{i}"
            ph.op = "Placeholder"
            ph.attr["dtype"].type = (
                tf.string if dt == np.dtype(object) else tf.as_dtype(dt)
            ).as_datatype_enum
            feeds.append(ph.name + ":0")
        if data_inputs and len(data_inputs) != n_in:
            raise ValueError(f"NodeDef {node.op} has {len(data_inputs)} inputs, the Flex op has {n_in}")
        op = graph_def.node.add()
        op.CopyFrom(node)
        op.name = "tflrt_flex_op"
        op.device = ""
        del op.input[:]
        op.input.extend(f"tflrt_flex_input_{i}" for i in range(n_in))
        for key in [k for k in op.attr if k.startswith("_")]:
            del op.attr[key]

        def imported():
            tf.compat.v1.import_graph_def(graph_def, name="")

        wrapped = tf.compat.v1.wrap_function(imported, [])
        tf_op = wrapped.graph.get_operation_by_name("tflrt_flex_op")
        fetches = [t.name for t in tf_op.outputs]
        return wrapped.prune(feeds=feeds, fetches=fetches)

    def __call__(self, custom_code: str, options: bytes, inputs: list):
        import tensorflow as tf

        _op_name, node_def = parse_custom_options(options)
        arrays = []
        for i, item in enumerate(inputs):
            if item is None:
                raise ValueError(f"{custom_code}: omitted input {i} is not supported for Flex ops")
            try:
                arrays.append(to_host(*item))
            except ValueError as e:
                raise ValueError(f"{custom_code}: input {i}: {e}") from None
        key = (node_def, tuple(a.dtype.str for a in arrays))
        fn = self._cache.get(key)
        if fn is None:
            fn = self._build(node_def, tuple(a.dtype for a in arrays))
            self._cache[key] = fn
        results = fn(*[tf.constant(a) for a in arrays])
        if not isinstance(results, (list, tuple)):
            results = [results]
        return [from_host(np.asarray(r.numpy()), custom_code) for r in results]
