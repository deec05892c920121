"""Calibration for full-integer quantization: the global [min, max] of every float activation over a
representative dataset, measured by running the float model in tflc's C runtime.

    samples = load_representative_data("data.npz", limit=16)          # or any TF-style representative_dataset
    ranges = calibrate(module, samples)                                # {SSAValue: (min, max)}
    annotate_ranges(module, ranges)                                    # optional: carry them in the IR

What TensorFlow does, and so what we do (TF 2.21: lite/python/optimize/calibrator.py `_feed_tensors`,
lite/tools/optimize/calibration/calibrator.cc and calibration_logger.cc):

- `representative_dataset` is a callable returning an iterable of samples. A sample is a `list` of arrays in the
  order of the first subgraph's inputs, a `dict` {input name: array} for a single-signature model, or a `tuple`
  `(signature_key, {input name: array})` for any signature. Tuples of arrays, bare arrays and other types are
  refused; dict entries beyond the signature's inputs are ignored; arrays must have the input's dtype exactly (no
  casting). Each signature's inputs are resized to its first sample's shapes; later samples must keep them.
- Logged tensors are float32 tensors without constant data; per tensor the plain running min and max over every
  element of every sample. NaN values are skipped (with a warning), infinities count, empty tensors record nothing;
  a tensor that never saw a value has no range.
- Fused activations: the op's output tensor is observed after the activation, as LiteRT computes it.
- TF's calibrator logs each op's inputs again after the op ran. LiteRT lets ADD/SUB/MUL/DIV/SOFTMAX write their
  output into an input's buffer when that input has no other use, so such an input's recorded range takes in the
  output's (a residual ADD's conv input gets the sum's range), and its running max starts at FLT_MIN. `calibrate`
  returns these TF ranges by default (so int8 scales match TF's models: every MobileNetV2, EfficientNetB0 and
  transformer-block scale within 2e-6 of TF's calibrator, against 54/64 within 1% without it);
  `match_tf_calibrator=False` returns each tensor's own range, bit for bit what LiteRT computes with every tensor
  kept (BUILTIN_REF kernels; `_exact_math` makes our SOFTMAX/LOGISTIC use libm expf as those do).

Ranges come back as a mapping {SSAValue: (min, max)} over the module's own values (function arguments and op
results), so the quantizer looks them up directly; `annotate_ranges` / `read_ranges` carry the same numbers as IR
attributes (`tflc.range` on ops, `tflc.arg_ranges` on functions) for IR dumps and `tflc opt` pipelines that start
from calibrated IR. The module passed in is never modified by `calibrate`: a clone is exported with one tensor name
per op result, run with `experimental_preserve_all_tensors=True`, and its tensors mapped back to the original values.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    Float32Type,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass

from compiler.errors import ConversionError, UsageError

Range = tuple[float, float]
Ranges = dict[SSAValue, Range]

# IR annotation of calibrated ranges: per op, one `array<f32: min, max>` per result (`array<f32>` when the result
# has no range); per function, the same for its arguments.
RANGE_ATTR = "tflc.range"
ARG_RANGES_ATTR = "tflc.arg_ranges"
REGION_ARG_RANGES_ATTR = "tflc.region_arg_ranges"  # on IF/WHILE: per region, its arguments' ranges

_CALIB_NAME = "tflc.calibration/"  # tensor-name prefix of op results in the calibration copy


class RepresentativeDatasetError(UsageError, ValueError):
    """A representative dataset TensorFlow's converter would refuse too (wrong item type, count, dtype, shape)."""


class CalibrationError(ConversionError):
    """The float model could not be run on the representative samples."""


# ---------------------------------------------------------------------------------------------------------------
# Signatures and samples
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureInputs:
    """One signature's inputs in subgraph order (the order a list sample follows)."""

    key: str
    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[np.dtype, ...]

    def describe(self) -> str:
        parts = [
            f"{n}: {d.name}{list(s)}" for n, s, d in zip(self.names, self.shapes, self.dtypes, strict=True)
        ]
        return f"signature '{self.key}' expects {len(self.names)} input(s) ({', '.join(parts)})"


@dataclass
class Sample:
    """One normalized sample: the signature it feeds and its arrays in that signature's input order."""

    signature: int
    inputs: list[np.ndarray]


def signature_inputs(module: ModuleOp) -> list[SignatureInputs]:
    """The signatures of a `tfl` module (one per func.func, in export order) with their input names/shapes/dtypes."""
    from dialects.elements import numpy_dtype
    from dialects.names import SIGNATURE_INPUTS

    out = []
    for fn in _functions(module):
        attr = fn.attributes.get(SIGNATURE_INPUTS)
        names = [a.data for a in attr.data] if isinstance(attr, ArrayAttr) else []
        if len(names) != len(fn.args):
            names = [f"input_{i}" for i in range(len(fn.args))]
        shapes, dtypes = [], []
        for arg in fn.args:
            ty = arg.type
            assert isinstance(ty, TensorType)
            shapes.append(tuple(int(d) if d >= 0 else 1 for d in ty.get_shape()))
            dtypes.append(numpy_dtype(ty.element_type))
        out.append(SignatureInputs(fn.sym_name.data, tuple(names), tuple(shapes), tuple(dtypes)))
    return out


def _functions(module: ModuleOp) -> list[func.FuncOp]:
    return [op for op in module.ops if isinstance(op, func.FuncOp)]


_ITEM_TYPES = (
    "either a dictionary with input names and values, a tuple with signature key and a dictionary with input "
    "names and values, or a list with input values in the order of the model's input tensors"
)


def normalize_dataset(dataset: Any, signatures: list[SignatureInputs]) -> Iterator[Sample]:
    """Check and convert a TF-style representative dataset lazily, one sample at a time (see module doc)."""
    if not signatures:
        raise RepresentativeDatasetError("the model has no signature to calibrate")
    if isinstance(dataset, RepresentativeData):
        yield from dataset.samples(signatures)
        return
    gen = getattr(dataset, "input_gen", dataset)  # tf.lite.RepresentativeDataset wraps the callable
    if not callable(gen):
        raise RepresentativeDatasetError(
            f"representative_dataset must be a callable returning an iterable of samples (a generator function), "
            f"not {type(gen).__name__}"
        )
    try:
        items = iter(gen())
    except TypeError as e:
        raise RepresentativeDatasetError(
            f"representative_dataset() did not return an iterable: {e}"
        ) from None
    by_key = {s.key: i for i, s in enumerate(signatures)}
    for n, item in enumerate(items):
        yield _normalize_item(n, item, signatures, by_key)


def _normalize_item(n: int, item: Any, signatures: list[SignatureInputs], by_key: dict[str, int]) -> Sample:
    if isinstance(item, tuple):
        if len(item) < 2 or not isinstance(item[1], dict):
            raise RepresentativeDatasetError(
                f"representative_dataset sample {n} is a tuple: a tuple must be (signature_key, {{input name: "
                f"value}}); give the inputs of one signature as a list instead. Available signatures: "
                f"{', '.join(repr(k) for k in by_key)}"
            )
        key = item[0]
        if key not in by_key:
            raise RepresentativeDatasetError(
                f"representative_dataset sample {n} names signature {key!r}, which the model does not have; "
                f"it has {', '.join(repr(k) for k in by_key)}"
            )
        index = by_key[key]
        return Sample(index, _from_dict(n, item[1], signatures[index]))
    if isinstance(item, dict):
        if len(signatures) != 1:
            raise RepresentativeDatasetError(
                f"representative_dataset sample {n} is a dictionary, but the model has {len(signatures)} "
                f"signatures ({', '.join(repr(k) for k in by_key)}): give (signature_key, {{input name: value}}) "
                "tuples"
            )
        return Sample(0, _from_dict(n, item, signatures[0]))
    if isinstance(item, list):
        sig = signatures[0]
        if len(item) != len(sig.names):
            raise RepresentativeDatasetError(
                f"representative_dataset sample {n} has {len(item)} input(s), but {sig.describe()}"
            )
        return Sample(0, [_array(n, v, i, sig) for i, v in enumerate(item)])
    raise RepresentativeDatasetError(
        f"representative_dataset sample {n} is a {type(item).__name__}; each sample must be {_ITEM_TYPES}"
    )


def _from_dict(n: int, values: Mapping[str, Any], sig: SignatureInputs) -> list[np.ndarray]:
    missing = [name for name in sig.names if name not in values]
    if missing:
        raise RepresentativeDatasetError(
            f"representative_dataset sample {n} lacks input(s) {', '.join(repr(m) for m in missing)}; "
            f"{sig.describe()}"
        )
    return [_array(n, values[name], i, sig) for i, name in enumerate(sig.names)]


def _array(n: int, value: Any, i: int, sig: SignatureInputs) -> np.ndarray:
    if not (hasattr(value, "shape") and hasattr(value, "dtype")):
        raise RepresentativeDatasetError(
            f"representative_dataset sample {n}, input '{sig.names[i]}': got a {type(value).__name__}, expected an "
            f"array (numpy or tf.Tensor) of {sig.dtypes[i].name}{list(sig.shapes[i])}; {sig.describe()}"
        )
    arr = np.asarray(value)
    if arr.dtype != sig.dtypes[i]:
        raise RepresentativeDatasetError(
            f"representative_dataset sample {n}, input '{sig.names[i]}': got {arr.dtype.name}, expected "
            f"{sig.dtypes[i].name} (values are not cast); {sig.describe()}"
        )
    return arr


# ---------------------------------------------------------------------------------------------------------------
# Files: .npz or a folder of .npy (CLI `--representative-data`)
# ---------------------------------------------------------------------------------------------------------------


class RepresentativeData:
    """Samples read from files: per signature (None: the only/first one) input name -> array whose first
    dimension counts samples. Callable like a TF representative_dataset (dict or (key, dict) items, one batch-1
    sample each); `calibrate` reads it directly and also accepts arrays stored with the batch dimension
    ([N, 1, ...]) or without it when the model's batch is 1 ([N, ...] for an input [1, ...])."""

    def __init__(self, arrays: dict[str | None, dict[str, np.ndarray]], count: int, source: str) -> None:
        self.arrays = arrays
        self.count = count
        self.source = source

    def __len__(self) -> int:
        return self.count

    def __call__(self) -> Iterator[Any]:
        for i in range(self.count):
            for key, inputs in self.arrays.items():
                d = {name: np.asarray(a[i : i + 1]) for name, a in inputs.items()}
                yield d if key is None else (key, d)

    def samples(self, signatures: list[SignatureInputs]) -> Iterator[Sample]:
        by_key = {s.key: i for i, s in enumerate(signatures)}
        plan = []
        for key, inputs in self.arrays.items():
            if key is None and len(signatures) != 1:
                raise RepresentativeDatasetError(
                    f"{self.source}: the model has {len(signatures)} signatures "
                    f"({', '.join(repr(k) for k in by_key)}); name arrays 'signature_key/input_name'"
                )
            if key is not None and key not in by_key:
                raise RepresentativeDatasetError(
                    f"{self.source}: signature {key!r} is not in the model; it has "
                    f"{', '.join(repr(k) for k in by_key)}"
                )
            index = 0 if key is None else by_key[key]
            sig = signatures[index]
            missing = [name for name in sig.names if name not in inputs]
            if missing:
                raise RepresentativeDatasetError(
                    f"{self.source}: no array for input(s) {', '.join(repr(m) for m in missing)} (has "
                    f"{', '.join(repr(k) for k in inputs)}); {sig.describe()}"
                )
            takes = []
            for name, shape, dtype in zip(sig.names, sig.shapes, sig.dtypes, strict=True):
                a = inputs[name]
                if a.dtype != dtype:
                    raise RepresentativeDatasetError(
                        f"{self.source}: array {name!r} is {a.dtype.name}, expected {dtype.name} (values are not "
                        f"cast); {sig.describe()}"
                    )
                if tuple(a.shape[1:]) == shape:
                    takes.append((a, False))  # [N, *shape]: one input per row
                elif shape[:1] == (1,) and tuple(a.shape[1:]) == shape[1:]:
                    takes.append((a, True))  # [N, *shape[1:]]: the samples axis is the batch axis
                else:
                    raise RepresentativeDatasetError(
                        f"{self.source}: array {name!r} has shape {list(a.shape)}; expected [samples, "
                        f"{', '.join(map(str, shape))}] or, with batch 1, [samples, "
                        f"{', '.join(map(str, shape[1:]))}]; {sig.describe()}"
                    )
            plan.append((index, takes))
        for i in range(self.count):
            for index, takes in plan:
                yield Sample(index, [np.asarray(a[i : i + 1] if keep else a[i]) for a, keep in takes])


def load_representative_data(
    path: str | os.PathLike[str], input_names: Iterable[str] | None = None, limit: int | None = None
) -> RepresentativeData:
    """Read a `.npz` file or a folder of `.npy` files: one array per input name (first dimension = samples).
    Multi-signature models: name arrays `signature_key/input_name` (in a folder: `signature_key/input_name.npy`).
    `input_names`, when given, must all be present; `limit` keeps the first samples only. Folder arrays are
    memory-mapped, so a large dataset is read sample by sample."""
    path = os.fspath(path)
    if limit is not None and limit < 1:
        raise UsageError(f"the calibration sample limit must be at least 1, not {limit}")
    flat: dict[str, np.ndarray] = {}
    if os.path.isdir(path):
        for root, _dirs, files in sorted(os.walk(path)):
            for f in sorted(files):
                if f.endswith(".npy"):
                    rel = os.path.relpath(os.path.join(root, f), path)[: -len(".npy")]
                    flat[rel.replace(os.sep, "/")] = _load_npy(os.path.join(root, f))
        if not flat:
            raise UsageError(f"representative data folder {path!r} has no .npy files")
    elif os.path.isfile(path):
        try:
            with np.load(path, allow_pickle=False) as z:
                if not isinstance(z, np.lib.npyio.NpzFile):
                    raise UsageError(f"{path!r} is a single array; give a .npz keyed by input name")
                flat = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read representative data {path!r}: {e}") from None
        if not flat:
            raise UsageError(f"representative data file {path!r} holds no arrays")
    else:
        raise UsageError(
            f"representative data {path!r} does not exist (give a .npz file or a folder of .npy files)"
        )
    arrays: dict[str | None, dict[str, np.ndarray]] = {}
    for name, a in flat.items():
        key, _, inp = name.rpartition("/")
        if a.ndim == 0:
            raise UsageError(f"{path}: array {name!r} is a scalar; its first dimension must count samples")
        arrays.setdefault(key or None, {})[inp] = a
    counts = {name: a.shape[0] for name, a in flat.items()}
    if len(set(counts.values())) != 1:
        raise UsageError(
            f"{path}: arrays disagree on the number of samples (first dimension): "
            + ", ".join(f"{k}: {v}" for k, v in counts.items())
        )
    if input_names is not None:
        have = {inp for inputs in arrays.values() for inp in inputs}
        missing = [n for n in input_names if n not in have]
        if missing:
            raise UsageError(
                f"{path}: no array for input(s) {', '.join(repr(m) for m in missing)}; it has "
                f"{', '.join(repr(k) for k in flat)}"
            )
    count = next(iter(counts.values()))
    if limit is not None:
        count = min(count, limit)
    return RepresentativeData(arrays, count, path)


def _load_npy(path: str) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read representative data {path!r}: {e}") from None


# ---------------------------------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------------------------------


def observed_values(module: ModuleOp) -> list[SSAValue]:
    """The values calibration measures: float32 function arguments and op results (constants excluded)."""
    from dialects import tfl

    out: list[SSAValue] = []
    for fn in _functions(module):
        out.extend(a for a in fn.args if _is_f32(a))
        for op in fn.body.walk():
            if isinstance(op, tfl.ConstOp | tfl.NoValueOp | func.ReturnOp):
                continue
            out.extend(r for r in op.results if _is_f32(r))
        out.extend(a for blk in _region_blocks(fn) for a in blk.args if _is_f32(a))
    return out


def _region_blocks(fn: func.FuncOp) -> list[Block]:
    """The blocks of the IF/WHILE regions in `fn`, nested ones included."""
    from dialects import tfl

    return [r.block for o in fn.body.walk() if isinstance(o, tfl.RegionOp) for r in o.regions]


def _is_f32(value: SSAValue) -> bool:
    return isinstance(value.type, TensorType) and isinstance(value.type.element_type, Float32Type)


class _MinMax:
    """Running min/max of one tensor (float32, NaN skipped, empty tensors ignored)."""

    __slots__ = ("lo", "hi", "nan")

    def __init__(self) -> None:
        self.lo = np.float32(np.inf)
        self.hi = np.float32(-np.inf)
        self.nan = False

    def update(self, a: np.ndarray) -> None:
        if a.size == 0:
            return
        lo, hi = a.min(), a.max()
        if np.isnan(lo) or np.isnan(hi):
            self.nan = True
            finite = a[~np.isnan(a)]
            if finite.size == 0:
                return
            lo, hi = finite.min(), finite.max()
        self.lo = min(self.lo, lo)
        self.hi = max(self.hi, hi)

    @property
    def seen(self) -> bool:
        return bool(self.lo <= self.hi)


def calibrate(
    module: ModuleOp,
    dataset: Any,
    *,
    quiet: bool = False,
    num_threads: int | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    match_tf_calibrator: bool = True,
) -> Ranges:
    """Run the float `tfl` module on every sample of `dataset` (a TF-style representative_dataset or
    `load_representative_data(...)`) in tflc's C runtime and return the global (min, max) of each float activation
    (`observed_values`). Values that saw no element (empty tensors, all NaN, unused signatures) are left out. A
    progress bar over the samples appears on a terminal's stderr after ~1 s unless `quiet`.

    By default the ranges are what TF 2.21's calibrator records (`tf_calibrator_ranges`: inputs of in-place ops
    take in their output's range) where TF's graph has the same tensors (not where `tf_graph_differs`), so
    quantized scales match TF's models; `match_tf_calibrator=False` gives each
    tensor's own values, bit for bit what LiteRT computes with every tensor kept."""
    from runtime import Interpreter

    signatures = signature_inputs(module)
    samples = normalize_dataset(dataset, signatures)
    model, names = calibration_model(module)
    interp = Interpreter(
        model_content=model,
        experimental_preserve_all_tensors=True,
        num_threads=num_threads or min(4, os.cpu_count() or 1),
        _exact_math=True,  # libm expf in SOFTMAX/LOGISTIC: LiteRT's reference values, bit for bit
    )
    tensors = _tensor_indices(interp, module, names)
    stats: dict[SSAValue, _MinMax] = {v: _MinMax() for v in observed_values(module)}
    # IF/WHILE regions run many times per invoke: their tensors are seen as each call writes them (all iterations)
    regions = {
        key: stats[v] for key, v in _region_tensors(interp, module, names, len(tensors)).items() if v in stats
    }
    if regions:
        interp._c.set_observer(lambda sg, t, lo, hi, nan: _observe(regions.get((sg, t)), lo, hi, nan))
    # signature -> runner, [(running min/max, tensor index, view function)]
    runners: dict[int, tuple[Any, list[tuple[_MinMax, int, Callable[[], np.ndarray]]]]] = {}
    shapes: dict[int, list[tuple[int, ...]]] = {}
    bar = progress or (lambda it: _progress(it, quiet))
    for sample in bar(samples):
        sig = signatures[sample.signature]
        first = sample.signature not in runners
        if first:
            runner = interp.get_signature_runner(sig.key)
            shapes[sample.signature] = [a.shape for a in sample.inputs]
            watch = [
                (stats[v], i, interp.tensor(i, sample.signature))
                for v, i in tensors[sample.signature].items()
                if v in stats
            ]
            runners[sample.signature] = (runner, watch)
        elif [a.shape for a in sample.inputs] != shapes[sample.signature]:
            got = ", ".join(f"{n}: {list(a.shape)}" for n, a in zip(sig.names, sample.inputs, strict=True))
            first = ", ".join(
                f"{n}: {list(s)}" for n, s in zip(sig.names, shapes[sample.signature], strict=True)
            )
            raise RepresentativeDatasetError(
                f"representative_dataset sample shapes changed for signature '{sig.key}' ({got}); the first "
                f"sample had ({first}) and every sample must have the same shapes"
            )
        runner, watch = runners[sample.signature]
        inputs = dict(zip(sig.names, sample.inputs, strict=True))
        try:
            if first:
                runner(**inputs)
            else:  # the first sample sized and planned the signature's memory; same shapes reuse it
                runner.invoke_same_shapes(**inputs)
        except (ValueError, RuntimeError) as e:
            given = ", ".join(
                f"{n}: {a.dtype.name}{list(a.shape)}" for n, a in zip(sig.names, sample.inputs, strict=True)
            )
            raise CalibrationError(
                f"the float model could not run on a representative sample ({given}); {sig.describe()}: {e}"
            ) from e
        for stat, index, view in watch:
            try:
                a = view()  # the tensor's storage, not a copy
            except ValueError:  # no storage (an empty tensor): get_tensor says what it holds
                a = interp.get_tensor(index, sample.signature)
            stat.update(a)
            del a  # invoke() refuses to run while a view is alive
    if any(s.nan for s in stats.values()):
        warnings.warn(
            "the model produced NaN values during calibration; they are left out of the ranges (as TensorFlow "
            "does). Make sure the model computes real values on the representative data.",
            RuntimeWarning,
            stacklevel=2,
        )
    ranges = {v: (float(s.lo), float(s.hi)) for v, s in stats.items() if s.seen}
    return tf_calibrator_ranges(module, ranges, keep_own=tf_graph_differs) if match_tf_calibrator else ranges


# LiteRT kernels registered as in-place (kTfLiteInplaceOpInput{0,1}Shared): the output may take over the buffer of
# its first shareable input. Found on TF 2.21's calibrator: ADD, SUB, MUL, DIV and SOFTMAX share; GELU, LOGISTIC,
# TANH, LOG_SOFTMAX, L2_NORMALIZATION, MAXIMUM, SQUARED_DIFFERENCE, POW and unary math ops do not.
_INPLACE_INPUTS = {"ADD": 2, "SUB": 2, "MUL": 2, "DIV": 2, "SOFTMAX": 1}
# Kernels sharing their input's buffer without writing it (kTfLiteInplaceOpDataUnmodified).
_INPLACE_UNMODIFIED = {"RESHAPE"}
_SCALAR_TENSOR_BYTES = 4  # LiteRT never shares a modified tensor of this size or less


def tf_graph_differs(value: SSAValue) -> bool:
    """Whether TF's graph holds `value` where no in-place op can widen it, so TF's quantized model has its own range:
    - a FULLY_CONNECTED keeping rank > 2 stands for TF's FULLY_CONNECTED + RESHAPE (Keras Dense's Tensordot with a
      dynamic batch); TF's quantizer gives the RESHAPE the FC's scale, so the widening never reaches the FC;
    - a SUB feeding an in-place op is tflc's LayerNorm centring (x - mean), which TF writes as NEG/MUL/ADD.
    Widening these would coarsen scales TF keeps fine (transformer block: 32.6 dB instead of 33.5)."""
    from dialects import tfl

    owner = value.owner
    if isinstance(owner, tfl.FullyConnectedOp):
        ty = value.type
        return isinstance(ty, TensorType) and len(ty.get_shape()) > 2
    return isinstance(owner, tfl.SubOp)


_FLT_MIN = float(np.finfo(np.float32).tiny)


def tf_calibrator_ranges(
    module: ModuleOp, ranges: Mapping[SSAValue, Range], keep_own: Callable[[SSAValue], bool] | None = None
) -> Ranges:
    """What TF 2.21's calibrator records for the same values, given their own ranges:

    - it logs an op's inputs again after the op ran (calibrator.cc, LoggingEval); when LiteRT's arena planner let
      the op write its output into that input's buffer (ArenaPlanner::IdentifyInPlaceTensors: an in-place kernel,
      same byte size above 4 bytes, the input used once and not a graph input, the output not a graph output, the
      shared root used once), the input's range takes in the output's;
    - its running max starts at numeric_limits<float>::min(), so an all-negative tensor's max is FLT_MIN (2^-126).
    These change no int8 scale except the first (inputs of residual ADDs, of LayerNorm's epsilon ADD, ...).
    `keep_own(value)` true: the value keeps its own range (calibrate() passes tf_graph_differs)."""

    out = dict(ranges)
    for fn in _functions(module):
        _share_in_place(fn, ranges, out, keep_own or (lambda _: False))
    return {v: (lo, max(hi, _FLT_MIN)) for v, (lo, hi) in out.items()}


def _share_in_place(
    fn: func.FuncOp, ranges: Mapping[SSAValue, Range], out: Ranges, keep_own: Callable[[SSAValue], bool]
) -> None:
    """Widen `out` for the inputs LiteRT's planner lets an in-place op overwrite (see tf_calibrator_ranges)."""
    from dialects import tfl
    from dialects.tfl.base import builtin_name

    ret = fn.body.block.last_op
    outputs = set(ret.operands) if isinstance(ret, func.ReturnOp) else set()
    inputs = set(fn.args)
    for blk in _region_blocks(
        fn
    ):  # IF/WHILE region subgraphs: their inputs and outputs are never shared either
        inputs.update(blk.args)
        if isinstance(blk.last_op, tfl.YieldOp):
            outputs.update(blk.last_op.operands)
    root: dict[SSAValue, SSAValue] = {}
    for op in fn.body.walk():
        if not isinstance(op, tfl.TflOp) or not op.results or op.results[0] in outputs:
            continue
        name = builtin_name(op.BUILTIN)
        changed = name in _INPLACE_INPUTS
        if not changed and name not in _INPLACE_UNMODIFIED:
            continue
        result = op.results[0]
        for value in op.operands[: _INPLACE_INPUTS.get(name, 1)]:
            if value in inputs or _is_constant(value):
                continue
            size = _nbytes(value)
            if changed and (size != _nbytes(result) or size <= _SCALAR_TENSOR_BYTES or _refcount(value) > 1):
                continue
            shared = value
            while shared in root:
                shared = root[shared]
            if changed and _refcount(shared) > 1:
                break
            root[result] = shared
            if changed and value in out and result in ranges and not keep_own(value):
                (lo, hi), (rlo, rhi) = out[value], ranges[result]
                out[value] = (min(lo, rlo), max(hi, rhi))
            break


def _refcount(value: SSAValue) -> int:
    return sum(1 for _ in value.uses)


def _is_constant(value: SSAValue) -> bool:
    from dialects import tfl

    return isinstance(value.owner, tfl.ConstOp | tfl.NoValueOp)


def _nbytes(value: SSAValue) -> int:
    from dialects.elements import numpy_dtype

    ty = value.type
    if not isinstance(ty, TensorType):
        return 0
    return (
        int(np.prod([max(int(d), 1) for d in ty.get_shape()], dtype=np.int64))
        * numpy_dtype(ty.element_type).itemsize
    )


def calibration_model(module: ModuleOp) -> tuple[bytes, list[dict[str, SSAValue]]]:
    """Export a copy of `module` in which every op result has its own tensor name; per function, the map from
    those tensor names back to the original op results."""
    from compiler.export import export
    from compiler.options import ExportOptions
    from dialects import tfl
    from dialects.names import INPUT_TENSOR_NAMES, NAME, OUTPUT_TENSOR_NAMES

    clone = module.clone()
    names: list[dict[str, SSAValue]] = []
    counter = 0
    for fn, fn_clone in zip(_functions(module), _functions(clone), strict=True):
        for attr in (INPUT_TENSOR_NAMES, OUTPUT_TENSOR_NAMES):  # tensors named by signature / the names below
            fn_clone.attributes.pop(attr, None)
        by_name: dict[str, SSAValue] = {}
        for op, op_clone in zip(fn.body.walk(), fn_clone.body.walk(), strict=True):
            if isinstance(op, tfl.ConstOp | tfl.NoValueOp | func.ReturnOp) or not op.results:
                continue
            name = f"{_CALIB_NAME}{counter}"
            counter += 1
            op_clone.attributes[NAME] = StringAttr(name)
            for i, res in enumerate(op.results):
                by_name[name if i == 0 else f"{name}:{i}"] = res
        names.append(by_name)
    return export(clone, ExportOptions(include_conversion_metadata=False)), names


def _observe(stat: _MinMax | None, lo: float, hi: float, nan: int) -> None:
    if stat is None:
        return
    stat.nan = stat.nan or bool(nan)
    if lo <= hi:
        stat.lo = min(stat.lo, np.float32(lo))
        stat.hi = max(stat.hi, np.float32(hi))


def _region_tensors(
    interp: Any, module: ModuleOp, names: list[dict[str, SSAValue]], first: int
) -> dict[tuple[int, int], SSAValue]:
    """(subgraph, tensor index) -> original value, for the subgraphs after the functions' (IF/WHILE regions): op
    results by name, region arguments through the subgraph's inputs."""
    by_name = {k: v for d in names for k, v in d.items()}
    out: dict[tuple[int, int], SSAValue] = {}
    for sg in range(first, interp.num_subgraphs()):
        block = None
        for d in interp.get_tensor_details(sg):
            v = by_name.get(d["name"])
            if v is not None:
                out[(sg, int(d["index"]))] = v
                block = block or (v.owner.parent_block() if isinstance(v.owner, Operation) else None)
        inputs = interp._info["subgraphs"][sg]["inputs"] if block is not None else []
        if block is not None and len(inputs) == len(block.args):
            out.update({(sg, int(i)): a for i, a in zip(inputs, block.args, strict=True)})
    return out


def _tensor_indices(
    interp: Any, module: ModuleOp, names: list[dict[str, SSAValue]]
) -> list[dict[SSAValue, int]]:
    """Per subgraph, original value -> tensor index (arguments through the signature's inputs)."""
    out = []
    for sg, (fn, sig, by_name) in enumerate(
        zip(_functions(module), signature_inputs(module), names, strict=True)
    ):
        indices = {
            by_name[d["name"]]: d["index"] for d in interp.get_tensor_details(sg) if d["name"] in by_name
        }
        inputs = interp.get_signature_runner(sig.key).get_input_details()
        for arg, name in zip(fn.args, sig.names, strict=True):
            indices[arg] = int(inputs[name]["index"])
        out.append(indices)
    return out


def _progress(items: Iterable[Any], quiet: bool) -> Iterable[Any]:
    """A progress bar over samples on stderr, shown only on a terminal and only once calibration takes > 1 s."""
    if quiet or not sys.stderr.isatty():
        return items
    try:
        from tqdm import tqdm
    except ImportError:
        return _MiniBar(items)
    return tqdm(items, desc="calibrating", unit="sample", delay=1.0, file=sys.stderr, leave=False)


class _MiniBar:
    """Fallback when tqdm is missing: a one-line sample counter, after 1 s."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        t0 = time.perf_counter()
        shown = False
        n = 0
        for n, item in enumerate(self.items, 1):
            yield item
            dt = time.perf_counter() - t0
            if dt > 1.0:
                shown = True
                sys.stderr.write(f"\rcalibrating: {n} samples, {n / dt:.1f} samples/s")
                sys.stderr.flush()
        if shown:
            sys.stderr.write(f"\rcalibrating: {n} samples done{' ' * 20}\n")


# ---------------------------------------------------------------------------------------------------------------
# IR annotation
# ---------------------------------------------------------------------------------------------------------------


def _range_attr(r: Range | None) -> DenseArrayBase:
    return DenseArrayBase.from_list(f32, [] if r is None else [r[0], r[1]])


def annotate_ranges(module: ModuleOp, ranges: Mapping[SSAValue, Range]) -> None:
    """Write ranges into the IR: `tflc.range` on each op with a ranged result, `tflc.arg_ranges` on functions."""
    for fn in _functions(module):
        if any(a in ranges for a in fn.args):
            fn.attributes[ARG_RANGES_ATTR] = ArrayAttr([_range_attr(ranges.get(a)) for a in fn.args])
        for op in fn.body.walk():
            if any(r in ranges for r in op.results):
                op.attributes[RANGE_ATTR] = ArrayAttr([_range_attr(ranges.get(r)) for r in op.results])
            args = [r.block.args for r in op.regions]
            if any(a in ranges for blk in args for a in blk):
                op.attributes[REGION_ARG_RANGES_ATTR] = ArrayAttr(
                    [ArrayAttr([_range_attr(ranges.get(a)) for a in blk]) for blk in args]
                )


def read_ranges(module: ModuleOp) -> Ranges:
    """The ranges `annotate_ranges` wrote (or that IR text carries)."""
    out: Ranges = {}

    def take(values: Iterable[SSAValue], attr: Attribute | None) -> None:
        if isinstance(attr, ArrayAttr):
            for v, a in zip(values, attr.data, strict=False):
                if isinstance(a, DenseArrayBase):
                    xs = a.get_values()
                    if len(xs) == 2 and not any(math.isnan(x) for x in xs):
                        out[v] = (float(xs[0]), float(xs[1]))

    for fn in _functions(module):
        take(fn.args, fn.attributes.get(ARG_RANGES_ATTR))
        for op in fn.body.walk():
            if isinstance(op, Operation):
                take(op.results, op.attributes.get(RANGE_ATTR))
                per_region = op.attributes.get(REGION_ARG_RANGES_ATTR)
                if isinstance(per_region, ArrayAttr):
                    for region, attr in zip(op.regions, per_region.data, strict=False):
                        take(region.block.args, attr)
    return out


# ---------------------------------------------------------------------------------------------------------------
# As a pass: `tflc opt -p 'calibrate{data="samples.npz" samples=16}'` annotates IR with the ranges
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibrate(ModulePass):
    """Annotate float activations with calibrated ranges (tflc.range) from a .npz file or a folder of .npy files."""

    name = "calibrate"

    data: str = ""
    samples: int = 0  # 0: every sample in `data`
    tf_compatible: bool = True  # ranges as TF's calibrator records them (see calibrate)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not self.data:
            raise UsageError('the calibrate pass needs representative data: calibrate{data="samples.npz"}')
        dataset = load_representative_data(self.data, limit=self.samples or None)
        annotate_ranges(op, calibrate(op, dataset, quiet=True, match_tf_calibrator=self.tf_compatible))
