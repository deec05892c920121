"""`tflc run` and `tflc verify`: execute a .tflite, and compare TensorFlow vs LiteRT vs tflc's C runtime.

verify runs the source model in TensorFlow, the .tflite in ai_edge_litert and in `runtime.Interpreter` on the same
random (seeded) inputs, and reports per output the max absolute and relative (to the reference's max magnitude)
errors. With `per_layer`, both interpreters keep every intermediate tensor and each one is compared (LiteRT vs
ours), which localizes a kernel or conversion bug to one tensor.

A quantized model (int8, int16x8, dynamic range, float16) can also be compared layer by layer with its float source
(`quantized_layers`): tensors matched by name, each quantized tensor's error in units of its scale, its SQNR and
the range its scale and zero point can represent (what calibration chose).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compiler.errors import ModelRunError, UsageError

WORST_ELEMENTS = 3  # elements a comparison keeps: output stays bounded whatever the tensor size


@dataclass
class Comparison:
    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    # the largest differences: (index, ours, reference)
    worst: list[tuple[tuple[int, ...], float, float]] = field(default_factory=list)
    index: int = -1  # tensor index (per-layer rows)


@dataclass
class QuantizedLayer:
    """One tensor of a quantized model against the same-named tensor of its float source."""

    name: str
    index: int
    shape: tuple[int, ...]
    dtype: str
    scale: float | None  # None: a float tensor (dynamic-range and float16 models, float fallback)
    zero_point: int | None
    mean_error: float  # in units of the scale (float tensors: absolute)
    max_error: float
    sqnr_db: float
    range: tuple[float, float] | None  # [min, max] the scale and zero point represent


@dataclass
class QuantizedReport:
    layers: list[QuantizedLayer] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # quantized-model tensors with no float counterpart


@dataclass
class VerifyReport:
    signature: str
    outputs: dict[str, dict[str, Comparison]] = field(
        default_factory=dict
    )  # pair name -> output -> comparison
    layers: list[Comparison] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    quantized: QuantizedReport | None = None
    is_quantized: bool = False

    def worst(self, pair: str) -> float:
        return max((c.max_rel for c in self.outputs.get(pair, {}).values()), default=0.0)


def compare(name: str, ours: np.ndarray, ref: np.ndarray) -> Comparison:
    a, b = np.asarray(ours), np.asarray(ref)
    if a.shape != b.shape:
        return Comparison(name, tuple(b.shape), float("inf"), float("inf"))
    if a.dtype.kind in "SUO" or b.dtype.kind in "SUO":  # strings: equal or not
        same = a.astype(object).tolist() == b.astype(object).tolist()
        return Comparison(name, tuple(b.shape), 0.0 if same else float("inf"), 0.0 if same else float("inf"))
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        a, b = a.astype(np.float64), b.astype(np.float64)
    else:
        a, b = a.astype(np.int64), b.astype(np.int64)
    d = np.abs(a - b)
    diff = float(np.nanmax(d)) if a.size else 0.0
    if a.size and np.isnan(d).any():
        diff = float("inf")
    scale = float(np.abs(b).max()) if b.size else 0.0
    worst = []
    if diff > 0:
        flat = np.nan_to_num(d, nan=np.inf).ravel()
        top = np.argsort(flat, kind="stable")[::-1][:WORST_ELEMENTS]
        for i in top:
            if flat[i] == 0:
                break
            idx = tuple(int(x) for x in np.unravel_index(int(i), d.shape))
            worst.append((idx, float(a[idx]), float(b[idx])))
    return Comparison(
        name,
        tuple(b.shape),
        diff,
        diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf")),
        worst,
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
    """`.npy` files, one per input in signature order (`name=path` to name them). Each must have the input's
    shape (a -1 in the input's shape signature takes any size) and a dtype that converts to the input's without
    changing kind (float64 -> float32 is fine, float -> int8 is not: quantize it yourself)."""
    out = {}
    names = list(details)
    if len(paths) > len(names) and not any("=" in p for p in paths):
        raise UsageError(f"{len(paths)} --input files for {len(names)} input(s) {names}")
    for i, p in enumerate(paths):
        name, _, path = p.partition("=") if "=" in p else (names[i] if i < len(names) else "", "", p)
        if name not in details:
            raise UsageError(f"input {name!r} is not one of the signature's inputs {names}")
        try:
            arr = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise UsageError(f"--input {p}: file '{path}' does not exist") from None
        except (OSError, ValueError) as e:
            raise UsageError(f"--input {p}: '{path}' is not a .npy array ({e})") from None
        if not isinstance(arr, np.ndarray):
            raise UsageError(f"--input {p}: '{path}' holds several arrays; give one .npy per input")
        want = np.dtype(details[name]["dtype"])
        if arr.dtype.kind != want.kind:
            raise UsageError(
                f"input {name!r} is {want.name}, the array in '{path}' is {arr.dtype.name} (not cast: "
                f"save it as {want.name})"
            )
        shape = [int(x) for x in details[name]["shape"]]
        signature = [int(x) for x in details[name].get("shape_signature", shape)]
        ok = len(arr.shape) == len(shape) and all(
            a == s or sig == -1 for a, s, sig in zip(arr.shape, shape, signature, strict=True)
        )
        if not ok:
            raise UsageError(f"input {name!r} has shape {signature}, the array in '{path}' {list(arr.shape)}")
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
    outs, ms, _ = _load_and_run(model_bytes, inputs, signature, seed, repeat, num_threads, profile=False)
    return outs, ms


def run_profiled(
    model_bytes: bytes,
    inputs: list[str] | None = None,
    signature: str | None = None,
    seed: int = 0,
    repeat: int = 1,
    num_threads: int = 1,
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    """run() with the runtime's per-node profiler on; also returns the profile (runtime.Interpreter.get_profile) of
    the signature's subgraph. The first invoke (memory plan, thread start) is left out of it."""
    outs, ms, interp = _load_and_run(model_bytes, inputs, signature, seed, repeat, num_threads, profile=True)
    key = signature or next(iter(interp.get_signature_list()), None)
    sg = interp._signature_subgraph.get(key, 0) if key is not None else 0
    return outs, ms, interp.get_profile(sg)


def _load_and_run(
    model_bytes: bytes,
    inputs: list[str] | None,
    signature: str | None,
    seed: int,
    repeat: int,
    num_threads: int,
    profile: bool,
) -> tuple[dict[str, np.ndarray], float, Any]:
    from runtime import Interpreter

    extra = {"experimental_profile": True} if profile else {}
    interp = _interpreter(Interpreter, model_bytes, num_threads=num_threads, **extra)
    _check_signature(interp.get_signature_list(), signature)
    try:
        if profile:
            _run(interp, inputs, signature, seed, 1)
            interp.reset_profile()
        outs, ms = _run(interp, inputs, signature, seed, repeat)
    except (
        RuntimeError
    ) as e:  # the runtime refused the model while running it: the file, not tflc, is at fault
        raise ModelRunError(f"the model does not run in tflc's runtime: {e}") from e
    return outs, ms, interp


def _run(
    interp: Any, inputs: list[str] | None, signature: str | None, seed: int, repeat: int
) -> tuple[dict[str, np.ndarray], float]:
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

    source = saved_model_dir or keras_model_file
    shapes = ", ".join(f"{k}: {v.dtype}{list(v.shape)}" for k, v in feed.items())
    try:
        if saved_model_dir:
            sigs = tf.saved_model.load(saved_model_dir).signatures
            if signature not in sigs:
                raise UsageError(
                    f"reference {source!r} has no signature {signature!r}; it has {sorted(sigs)}"
                )
            fn = sigs[signature]
            wanted = sorted(fn.structured_input_signature[1])
            if set(wanted) != set(feed) and len(wanted) == len(feed):
                feed = dict(
                    zip(wanted, [feed[k] for k in sorted(feed)], strict=True)
                )  # same order, other names
            res = fn(**{k: tf.constant(v) for k, v in feed.items()})
            outs = {k: v.numpy() for k, v in res.items()}
        else:
            import keras

            model = keras.models.load_model(keras_model_file, compile=False)
            xs = [feed[n] for n in feed]
            res = model(xs[0] if len(xs) == 1 else xs, training=False)
            outs = {name: t.numpy() for name, t in zip(output_names, tf.nest.flatten(res), strict=False)}
    except UsageError:
        raise
    except Exception as e:  # the reference is the user's input: a model that does not fit is their mistake
        raise UsageError(
            f"reference {source!r} does not run on the .tflite's inputs ({shapes}): {_first_line(e)}"
        ) from None
    if not set(outs) & set(output_names) and len(outs) == len(output_names):
        outs = dict(zip(output_names, [outs[k] for k in sorted(outs)], strict=True))
    return outs


def _first_line(e: BaseException, limit: int = 200) -> str:
    """An exception's message bounded: its first non-empty line, cut to `limit` characters (TF and Keras put
    whole tensors into their messages)."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # TF's and Keras's framing lines say where, not what: skip them
    framing = (
        "Exception encountered",
        "Graph execution error",
        "Detected at node",
        "<stack traces",
        "File ",
        "[[",
    )
    useful = [ln for ln in lines if not ln.startswith(framing)] or lines or [type(e).__name__]
    line = useful[0]
    if "[[" in line:  # an array dump follows
        line = line[: line.index("[[")].rstrip() + " ..."
    return line if len(line) <= limit else line[: limit - 3] + "..."


def verify(
    model_bytes: bytes,
    saved_model_dir: str | None = None,
    keras_model_file: str | None = None,
    signature: str | None = None,
    per_layer: bool = False,
    seed: int = 0,
    float_model: bytes | None = None,
) -> VerifyReport:
    """Run the model in LiteRT and tflc's runtime (and its TF source, if given) on seeded inputs and compare.
    A quantized model takes float inputs quantized with its input scales and its outputs are dequantized before
    the comparison with TensorFlow. With `per_layer`, every non-constant tensor is compared LiteRT vs ours, and a
    quantized model is compared layer by layer with its float source: `float_model` (a float .tflite) or, when
    only the TF model is given, that model converted by tflc without quantization."""
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    litert = _interpreter(LiteRT, model_bytes, num_threads=1)
    sigs = litert.get_signature_list()
    if not sigs:
        raise UsageError("the model has no SignatureDef; verify needs one to match TensorFlow's inputs")
    key = signature or next(iter(sigs))
    _check_signature(sigs, key)
    l_runner = litert.get_signature_runner(key)
    details = l_runner.get_input_details()
    float_feed = random_inputs({n: _as_float(d) for n, d in details.items()}, seed)
    feed = {n: quantize_array(float_feed[n], d) for n, d in details.items()}
    report = VerifyReport(key, is_quantized=is_quantized(model_bytes))
    t0 = time.perf_counter()
    l_out = l_runner(**feed)
    report.seconds["litert"] = time.perf_counter() - t0
    ours = _interpreter(Ours, model_bytes, num_threads=1)
    t0 = time.perf_counter()
    o_out = ours.get_signature_runner(key)(**feed)
    report.seconds["tflc-runtime"] = time.perf_counter() - t0
    if saved_model_dir or keras_model_file:
        t0 = time.perf_counter()
        tf_out = _tf_reference(saved_model_dir, keras_model_file, key, float_feed, list(l_out))
        report.seconds["tensorflow"] = time.perf_counter() - t0
        out_details = l_runner.get_output_details()
        for pair, outs in (("TF vs LiteRT", l_out), ("TF vs tflc-runtime", o_out)):
            report.outputs[pair] = {
                n: compare(n, dequantize_array(outs[n], out_details[n]), tf_out[n])
                for n in outs
                if n in tf_out
            }
    report.outputs["LiteRT vs tflc-runtime"] = {n: compare(n, o_out[n], l_out[n]) for n in l_out}
    if per_layer:
        report.layers = _per_layer(model_bytes, key, feed)
        if report.is_quantized and (float_model is not None or saved_model_dir or keras_model_file):
            if float_model is None:
                float_model = _float_conversion(saved_model_dir, keras_model_file)
            report.quantized = quantized_layers(model_bytes, float_model, key, float_feed)
    return report


def _as_float(d: dict[str, Any]) -> dict[str, Any]:
    """Input details with quantized integer inputs seen as float32 (random values are drawn in float)."""
    if _scale_zp(d) is not None:
        return {**d, "dtype": np.float32}
    return d


def _scale_zp(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, int] | None:
    """A tensor's (scales, zero points, quantized dimension), or None for a tensor that is not quantized."""
    q = d.get("quantization_parameters") or {}
    scales = np.asarray(q.get("scales", []), np.float64)
    if scales.size == 0 or np.dtype(d["dtype"]).kind not in "iu":
        return None
    return scales, np.asarray(q.get("zero_points", []), np.int64), int(q.get("quantized_dimension", 0))


def quantize_array(x: np.ndarray, d: dict[str, Any]) -> np.ndarray:
    """A float array quantized as the tensor `d` stores it (unchanged for a float tensor)."""
    qp = _scale_zp(d)
    if qp is None:
        return x.astype(np.dtype(d["dtype"]))
    scales, zps, _ = qp
    info = np.iinfo(np.dtype(d["dtype"]))
    q = np.round(x.astype(np.float64) / scales[0]) + zps[0]
    return np.clip(q, info.min, info.max).astype(np.dtype(d["dtype"]))


def dequantize_array(q: np.ndarray, d: dict[str, Any]) -> np.ndarray:
    """A quantized tensor's values as float64 (per tensor, or per axis along its quantized dimension)."""
    qp = _scale_zp(d)
    if qp is None:
        return np.asarray(q)
    scales, zps, axis = qp
    a = np.asarray(q).astype(np.float64)
    if scales.size > 1:
        shape = [1] * a.ndim
        shape[axis] = scales.size
        return (a - zps.reshape(shape)) * scales.reshape(shape)
    return (a - zps[0]) * scales[0]


def _tensor_facts(model_bytes: bytes) -> tuple[list[set[int]], bool]:
    """Per subgraph the indices of constant tensors (data in a buffer), and whether any tensor is quantized or
    float16 (what makes a model 'quantized' for verify)."""
    import tflite

    m = tflite.Model.GetRootAsModel(model_bytes, 0)
    constant: list[set[int]] = []
    quantized = False
    for i in range(m.SubgraphsLength()):
        sg = m.Subgraphs(i)
        consts = set()
        for t in range(sg.TensorsLength()):
            tensor = sg.Tensors(t)
            buf = m.Buffers(tensor.Buffer()) if tensor.Buffer() < m.BuffersLength() else None
            if buf is not None and (buf.DataLength() > 0 or buf.Offset() > 1):
                consts.add(t)
            qp = tensor.Quantization()
            if tensor.Type() == tflite.TensorType.FLOAT16 or (qp is not None and qp.ScaleLength() > 0):
                quantized = True
        constant.append(consts)
    return constant, quantized


def is_quantized(model_bytes: bytes) -> bool:
    return _tensor_facts(model_bytes)[1]


def _subgraph_of(interp: Any, key: str) -> int:
    return list(interp.get_signature_list()).index(key)


def _run_all_tensors(cls: Any, model_bytes: bytes, key: str, feed: dict[str, np.ndarray]) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LiteRT: "preserve_all_tensors is for debugging"
        it = cls(model_content=model_bytes, num_threads=1, experimental_preserve_all_tensors=True)
    it.get_signature_runner(key)(**feed)
    return it


def _tensors(interp: Any, sub: int) -> list[dict[str, Any]]:
    return interp.get_tensor_details(sub) if _takes_subgraph(interp) else interp.get_tensor_details()


def _value(interp: Any, index: int, sub: int) -> np.ndarray | None:
    try:
        v = interp.get_tensor(index, sub) if sub else interp.get_tensor(index)
    except ValueError:
        return None  # tensors without data (e.g. omitted or freed)
    return None if v is None or np.asarray(v).dtype == object else np.asarray(v)


def _per_layer(model_bytes: bytes, key: str, feed: dict[str, np.ndarray]) -> list[Comparison]:
    """Every non-constant tensor, LiteRT vs ours (constants are the same bytes in both)."""
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    from runtime import Interpreter as Ours

    lit, ours = (_run_all_tensors(cls, model_bytes, key, feed) for cls in (LiteRT, Ours))
    sub = _subgraph_of(lit, key)
    constants = _tensor_facts(model_bytes)[0][sub]
    rows = []
    for d in _tensors(lit, sub):
        if d["index"] in constants:
            continue
        a, b = _value(lit, d["index"], sub), _value(ours, d["index"], sub)
        if a is None or b is None:
            continue
        c = compare(d["name"], b, a)
        c.index = d["index"]
        rows.append(c)
    return rows


def _float_conversion(saved_model_dir: str | None, keras_model_file: str | None) -> bytes:
    """The float .tflite of the TF source (tflc's conversion, no quantization): the per-layer float reference."""
    from compiler.converter import TFLiteConverter

    if saved_model_dir:
        converter = TFLiteConverter.from_saved_model(saved_model_dir)
    else:
        converter = TFLiteConverter.from_keras_file(str(keras_model_file))
    import warnings

    from compiler.errors import ConversionNote

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConversionNote)
        return converter.convert()


def quantized_layers(
    quant_bytes: bytes, float_bytes: bytes, key: str, float_feed: dict[str, np.ndarray]
) -> QuantizedReport:
    """Each non-constant tensor of the quantized model against the float model's tensor of the same name and
    shape, both run in LiteRT on the same float inputs (quantized with the model's input scale where its inputs
    are integer). A quantized tensor's error is |dequantized - float| / scale (mean and max), its SQNR
    10 log10(sum float^2 / sum error^2), its range the [min, max] its scale and zero point represent; a float
    tensor (dynamic-range, float16, float fallback) gets the absolute error and SQNR."""
    from ai_edge_litert.interpreter import Interpreter as LiteRT

    fl = _interpreter(LiteRT, float_bytes, num_threads=1)
    if key not in fl.get_signature_list():
        raise UsageError(f"the float model has no signature {key!r}; it has {list(fl.get_signature_list())}")
    f_details = fl.get_signature_runner(key).get_input_details()
    q_it = _interpreter(LiteRT, quant_bytes, num_threads=1)
    q_details = q_it.get_signature_runner(key).get_input_details()
    if set(f_details) != set(q_details):
        raise UsageError(
            f"the float model's inputs {sorted(f_details)} are not the quantized model's {sorted(q_details)}"
        )
    f_feed = {n: quantize_array(float_feed[n], d) for n, d in f_details.items()}
    q_feed = {n: quantize_array(float_feed[n], d) for n, d in q_details.items()}
    fl = _run_all_tensors(LiteRT, float_bytes, key, f_feed)
    qt = _run_all_tensors(LiteRT, quant_bytes, key, q_feed)
    f_sub, q_sub = _subgraph_of(fl, key), _subgraph_of(qt, key)
    f_const, q_const = _tensor_facts(float_bytes)[0][f_sub], _tensor_facts(quant_bytes)[0][q_sub]
    floats = [
        d for d in _tensors(fl, f_sub) if d["index"] not in f_const and np.dtype(d["dtype"]) == np.float32
    ]
    match = _name_matcher(floats, _signature_io(fl, key), _signature_io(qt, key))
    report = QuantizedReport()
    for d in _tensors(qt, q_sub):
        if d["index"] in q_const:
            continue
        q = _value(qt, d["index"], q_sub)
        if q is None:
            continue
        ref_d = match(d, q.shape)
        ref = _value(fl, ref_d["index"], f_sub) if ref_d is not None else None
        if ref is None or ref.shape != q.shape:
            report.unmatched.append(d["name"])
            continue
        report.layers.append(_quantized_layer(d, q, ref.astype(np.float64)))
    return report


def _signature_io(interp: Any, key: str) -> dict[int, str]:
    """Tensor index -> signature input/output name (the names both files share whatever their tensor names)."""
    runner = interp.get_signature_runner(key)
    details = {**runner.get_input_details(), **runner.get_output_details()}
    return {int(d["index"]): name for name, d in details.items()}


def _name_matcher(floats: list[dict[str, Any]], float_io: dict[int, str], quant_io: dict[int, str]) -> Any:
    """Find a quantized tensor's float counterpart: the same signature input/output, else the same tensor name,
    else one of TF's fused names ('a;b;c') equal, else the only float tensor of the same shape in the same layer
    (name scope): TF's converter and tflc name a layer's output differently (conv2d/Relu;conv2d/BiasAdd vs
    conv2d/BiasAdd)."""
    by_io = {name: d for d in floats if (name := float_io.get(int(d["index"]))) is not None}
    by_name: dict[str, dict[str, Any]] = {}
    by_layer: dict[tuple[str, tuple[int, ...]], list[dict[str, Any]]] = {}
    for d in floats:
        for part in d["name"].split(";"):
            by_name.setdefault(part, d)
            by_layer.setdefault((part.rpartition("/")[0], tuple(int(x) for x in d["shape"])), []).append(d)

    def match(d: dict[str, Any], shape: tuple[int, ...]) -> dict[str, Any] | None:
        io = quant_io.get(int(d["index"]))
        if io is not None:
            return by_io.get(io)
        parts = d["name"].split(";")
        for part in [d["name"], *parts]:
            if part in by_name:
                return by_name[part]
        layers = {p.rpartition("/")[0] for p in parts if "/" in p}
        found = {id(c): c for layer in layers for c in by_layer.get((layer, tuple(shape)), [])}
        return next(iter(found.values())) if len(found) == 1 else None

    return match


def _quantized_layer(d: dict[str, Any], q: np.ndarray, ref: np.ndarray) -> QuantizedLayer:
    qp = _scale_zp(d)
    deq = dequantize_array(q, d).astype(np.float64)
    err = np.abs(deq - ref)
    noise = float(np.sum((deq - ref) ** 2))
    signal = float(np.sum(ref**2))
    sqnr = float("inf") if noise == 0 else (10 * np.log10(signal / noise) if signal > 0 else float("-inf"))
    scale = zp = rng = None
    if qp is not None and qp[0].size == 1:
        scale, zp = float(qp[0][0]), int(qp[1][0]) if qp[1].size else 0
        info = np.iinfo(np.dtype(d["dtype"]))
        rng = (scale * (info.min - zp), scale * (info.max - zp))
        err = err / scale
    return QuantizedLayer(
        d["name"],
        int(d["index"]),
        tuple(int(x) for x in q.shape),
        np.dtype(d["dtype"]).name,
        scale,
        zp,
        float(err.mean()) if err.size else 0.0,
        float(err.max()) if err.size else 0.0,
        sqnr,
        rng,
    )


def _takes_subgraph(interp: Any) -> bool:
    import inspect

    return "subgraph_index" in inspect.signature(interp.get_tensor_details).parameters
