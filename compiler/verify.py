"""`tflc run` and `tflc verify`: execute a .tflite, and compare TensorFlow vs LiteRT vs tflc's C runtime.

verify runs the source model in TensorFlow, the .tflite in ai_edge_litert and in `runtime.Interpreter` on the same
random (seeded) inputs, and reports per output the max absolute and relative (to the reference's max magnitude)
errors. With `per_layer`, both interpreters keep every intermediate tensor and each one is compared (LiteRT vs
ours), which localizes a kernel or conversion bug to one tensor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compiler.errors import UsageError


@dataclass
class Comparison:
    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float


@dataclass
class VerifyReport:
    signature: str
    outputs: dict[str, dict[str, Comparison]] = field(
        default_factory=dict
    )  # pair name -> output -> comparison
    layers: list[Comparison] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def worst(self, pair: str) -> float:
        return max((c.max_rel for c in self.outputs.get(pair, {}).values()), default=0.0)


def compare(name: str, ours: np.ndarray, ref: np.ndarray) -> Comparison:
    a, b = np.asarray(ours), np.asarray(ref)
    if a.shape != b.shape:
        return Comparison(name, tuple(b.shape), float("inf"), float("inf"))
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        a, b = a.astype(np.float64), b.astype(np.float64)
    else:
        a, b = a.astype(np.int64), b.astype(np.int64)
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    scale = float(np.abs(b).max()) if b.size else 0.0
    return Comparison(
        name, tuple(b.shape), diff, diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
    )


def random_inputs(details: dict[str, dict[str, Any]], seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs for a signature runner's input details: floats in [-1, 1], integers in [0, 10)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, d in details.items():
        shape = [int(s) for s in d["shape"]]
        dtype = np.dtype(d["dtype"])
        if dtype.kind == "f":
            out[name] = rng.uniform(-1, 1, shape).astype(dtype)
        elif dtype.kind == "b":
            out[name] = rng.integers(0, 2, shape).astype(dtype)
        else:
            out[name] = rng.integers(0, 10, shape).astype(dtype)
    return out


def load_inputs(paths: list[str], details: dict[str, dict[str, Any]]) -> dict[str, np.ndarray]:
    """`.npy` files, one per input in signature order (`name=path` to name them)."""
    out = {}
    names = list(details)
    for i, p in enumerate(paths):
        name, _, path = p.partition("=") if "=" in p else (names[i] if i < len(names) else "", "", p)
        if name not in details:
            raise UsageError(f"input {name!r} is not one of the signature's inputs {names}")
        arr = np.load(path)
        want = np.dtype(details[name]["dtype"])
        out[name] = arr.astype(want)
    missing = [n for n in names if n not in out]
    if missing:
        raise UsageError(f"no .npy given for inputs {missing}")
    return out


def _interpreter(cls: Any, model_bytes: bytes, **kwargs: Any) -> Any:
    """An interpreter (ours or LiteRT's) on the model; a file that does not load is the user's input, not our bug."""
    try:
        return cls(model_content=model_bytes, **kwargs)
    except ValueError as e:
        raise UsageError(f"the .tflite file does not load: {e}") from e


def _check_signature(signatures: dict[str, Any], key: str | None) -> None:
    if key is not None and key not in signatures:
        raise UsageError(f"signature {key!r} not in the model; it has {list(signatures)}")


def run(
    model_bytes: bytes,
    inputs: list[str] | None = None,
    signature: str | None = None,
    seed: int = 0,
    repeat: int = 1,
    num_threads: int = 1,
) -> tuple[dict[str, np.ndarray], float]:
    """Run a model in tflc's C runtime; returns outputs and the best ms per invoke over `repeat` runs."""
    from runtime import Interpreter

    interp = _interpreter(Interpreter, model_bytes, num_threads=num_threads)
    _check_signature(interp.get_signature_list(), signature)
    runner = interp.get_signature_runner(signature) if interp.get_signature_list() else None
    if runner is None:
        interp.allocate_tensors()
        details = {d["name"]: d for d in interp.get_input_details()}
        feed = load_inputs(inputs, details) if inputs else random_inputs(details, seed)
        best = float("inf")
        for _ in range(max(repeat, 1)):
            for d in interp.get_input_details():
                interp.set_tensor(d["index"], feed[d["name"]])
            t0 = time.perf_counter()
            interp.invoke()
            best = min(best, time.perf_counter() - t0)
        return {d["name"]: interp.get_tensor(d["index"]) for d in interp.get_output_details()}, best * 1e3
    details = runner.get_input_details()
    feed = load_inputs(inputs, details) if inputs else random_inputs(details, seed)
    best = float("inf")
    outs: dict[str, np.ndarray] = {}
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        outs = runner(**feed)
        best = min(best, time.perf_counter() - t0)
    return outs, best * 1e3


def _tf_reference(
    saved_model_dir: str | None,
    keras_model_file: str | None,
    signature: str,
    feed: dict[str, np.ndarray],
    output_names: list[str],
) -> dict[str, np.ndarray]:
    import tensorflow as tf

    if saved_model_dir:
        fn = tf.saved_model.load(saved_model_dir).signatures[signature]
        res = fn(**{k: tf.constant(v) for k, v in feed.items()})
        return {k: v.numpy() for k, v in res.items()}
    import keras

    model = keras.models.load_model(keras_model_file, compile=False)
    xs = [feed[n] for n in feed]
    res = model(xs[0] if len(xs) == 1 else xs, training=False)
    flat = tf.nest.flatten(res)
    return {name: t.numpy() for name, t in zip(output_names, flat, strict=False)}


def verify(
    model_bytes: bytes,
    saved_model_dir: str | None = None,
    keras_model_file: str | None = None,
    signature: str | None = None,
    per_layer: bool = False,
    seed: int = 0,
) -> VerifyReport:
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    litert = _interpreter(LiteRT, model_bytes, num_threads=1)
    sigs = litert.get_signature_list()
    if not sigs:
        raise UsageError("the model has no SignatureDef; verify needs one to match TensorFlow's inputs")
    key = signature or next(iter(sigs))
    _check_signature(sigs, key)
    l_runner = litert.get_signature_runner(key)
    feed = random_inputs(l_runner.get_input_details(), seed)
    report = VerifyReport(key)
    t0 = time.perf_counter()
    l_out = l_runner(**feed)
    report.seconds["litert"] = time.perf_counter() - t0
    ours = _interpreter(Ours, model_bytes, num_threads=1)
    t0 = time.perf_counter()
    o_out = ours.get_signature_runner(key)(**feed)
    report.seconds["tflc-runtime"] = time.perf_counter() - t0
    if saved_model_dir or keras_model_file:
        t0 = time.perf_counter()
        tf_out = _tf_reference(saved_model_dir, keras_model_file, key, feed, list(l_out))
        report.seconds["tensorflow"] = time.perf_counter() - t0
        report.outputs["TF vs LiteRT"] = {n: compare(n, l_out[n], tf_out[n]) for n in l_out if n in tf_out}
        report.outputs["TF vs tflc-runtime"] = {
            n: compare(n, o_out[n], tf_out[n]) for n in o_out if n in tf_out
        }
    report.outputs["LiteRT vs tflc-runtime"] = {n: compare(n, o_out[n], l_out[n]) for n in l_out}
    if per_layer:
        report.layers = _per_layer(model_bytes, key, feed)
    return report


def _per_layer(model_bytes: bytes, key: str, feed: dict[str, np.ndarray]) -> list[Comparison]:
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    interps = [
        cls(model_content=model_bytes, num_threads=1, experimental_preserve_all_tensors=True)
        for cls in (LiteRT, Ours)
    ]
    for it in interps:
        runner = it.get_signature_runner(key)
        runner(**feed)
    lit, ours = interps
    rows = []
    sig_index = list(lit.get_signature_list()).index(key)
    for d in lit.get_tensor_details(sig_index) if _takes_subgraph(lit) else lit.get_tensor_details():
        try:
            a = lit.get_tensor(d["index"], sig_index) if sig_index else lit.get_tensor(d["index"])
            b = ours.get_tensor(d["index"], sig_index) if sig_index else ours.get_tensor(d["index"])
        except ValueError:
            continue  # tensors without data (e.g. omitted or freed)
        if a is None or b is None or np.asarray(a).dtype == object:
            continue
        rows.append(compare(d["name"], b, a))
    return rows


def _takes_subgraph(interp: Any) -> bool:
    import inspect

    return "subgraph_index" in inspect.signature(interp.get_tensor_details).parameters
