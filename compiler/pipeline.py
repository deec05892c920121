"""Pass registry, named conversion pipelines, and the driver that runs them.

Every pass is an xDSL `ModulePass` with a CLI name; a pipeline is a pass-pipeline string
(`tf-cleanup,legalize-tf,dce`, options in braces: `legalize-tf{allow-flex=true}`) parsed by xDSL's
`PassPipeline.parse_spec`, so `tflc opt`, `tflc convert --pass-pipeline` and stock `xdsl-opt` all speak the same
language. A pipeline string may also name a registered pipeline (`tflite-float`), which expands in place.

The registry is lazy: listing passes imports no pass module (and never TensorFlow). Later passes (quantization,
select-TF) plug in with `register_pass` / `register_pipeline` or by adding a factory to `_builtin_passes`.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.passes import ModulePass, PassPipeline
from xdsl.utils.arg_spec import parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from compiler.errors import PassError, PipelineError

PassFactory = Callable[[], type[ModulePass]]


def _lazy(module: str, cls: str) -> PassFactory:
    def factory() -> type[ModulePass]:
        import importlib

        return getattr(importlib.import_module(module), cls)

    factory.__qualname__ = f"lazy<{module}.{cls}>"
    return factory


def _builtin_passes() -> dict[str, PassFactory]:
    return {
        "tf-cleanup": _lazy("passes.cleanup_tf", "CleanupTF"),
        "fold-constants": _lazy("passes.fold_constants", "FoldConstants"),
        "lower-tensor-list": _lazy("passes.lower_tensor_list", "LowerTensorList"),
        "prepare-tf": _lazy("passes.prepare_tf", "PrepareTF"),
        "legalize-tf": _lazy("passes.legalize_tf", "LegalizeTF"),
        "legalize-fake-quant": _lazy("passes.legalize_tf.fake_quant", "LegalizeFakeQuant"),
        "select-tf-fallback": _lazy("passes.select_tf", "SelectTFFallback"),
        "optimize": _lazy("passes.optimize", "Optimize"),
        "dce": _lazy("passes.dce", "DeadCodeElimination"),
        "quantize-dynamic-range": _lazy("passes.quantize_weights", "QuantizeDynamicRange"),
        "quantize-float16": _lazy("passes.quantize_weights", "QuantizeFloat16"),
        "quantize-int8": _lazy("passes.quantize_int8", "QuantizeInt8"),
        "quantize-int16x8": _lazy("passes.quantize_int8", "QuantizeInt16x8"),
        "post-quantize": _lazy("passes.quantize_int8", "PostQuantize"),
        "pin-inputs": _lazy("passes.pin_inputs", "PinInputs"),
        "prepare-qat": _lazy("passes.quantize_qat", "PrepareQAT"),
        "qat-ranges": _lazy("passes.quantize_qat", "QATRanges"),
        "quantize-qat": _lazy("passes.quantize_qat", "QuantizeQAT"),
    }


# Passes registered at run time by other modules (quantization, select-TF, experiments).
_EXTRA_PASSES: dict[str, PassFactory] = {}


def register_pass(name: str, factory: PassFactory) -> None:
    """Add a pass to the registry under its CLI name (a factory returning the ModulePass class)."""
    _EXTRA_PASSES[name] = factory


def available_passes() -> dict[str, PassFactory]:
    """CLI name -> pass class factory (lazy, so listing passes imports nothing heavy)."""
    return {**_builtin_passes(), **_EXTRA_PASSES}


DEFAULT_PIPELINE = (
    "tf-cleanup,fold-constants,lower-tensor-list,prepare-tf,legalize-tf,fold-constants,optimize,dce"
)

# Named pipelines: a name usable wherever a pipeline string is expected (`--pass-pipeline=tflite-float`).
PIPELINES: dict[str, str] = {
    "tflite-float": DEFAULT_PIPELINE,
    # Post-training weight quantization (optimizations=[DEFAULT] without a representative dataset), after all
    # float rewrites so fusions see float weights, as TF quantizes after its optimize passes.
    "tflite-dynamic-range": f"{DEFAULT_PIPELINE},quantize-dynamic-range",
    "tflite-float16": f"{DEFAULT_PIPELINE},quantize-float16",
    # Quantization-aware-trained models: FakeQuant weights to int8 before legalization, FakeQuant ranges after the
    # float passes (then quantize-int8 and post-quantize, as for calibrated ranges).
    "tflite-qat": "tf-cleanup,fold-constants,prepare-tf,prepare-qat,legalize-tf,fold-constants,optimize,dce,"
    "qat-ranges,quantize-qat,post-quantize",
    # What `tflc analyze` runs: everything up to legalization, no fusion (so each TF op maps to its own builtin).
    "tf-legalize-only": "tf-cleanup,fold-constants,lower-tensor-list,prepare-tf,legalize-tf",
}


def register_pipeline(name: str, spec: str) -> None:
    PIPELINES[name] = spec


def expand_pipeline(spec: str) -> str:
    """Replace names of registered pipelines by their pass lists (recursively), keep everything else."""
    spec = spec.strip()
    seen: set[str] = set()
    while True:
        try:
            specs = list(parse_pipeline(spec)) if spec else []
        except ArgSpecParseError as e:  # a BaseException in xDSL; its str() shows the spot
            raise PipelineError(f"invalid pass pipeline {spec!r}: {e}") from None
        named = [s.name for s in specs if s.name in PIPELINES and not s.parameters]
        if not named:
            return spec
        if seen & set(named):
            raise PipelineError(f"pipeline {named[0]!r} includes itself")
        seen.update(named)
        spec = ",".join(
            PIPELINES[s.name] if s.name in PIPELINES and not s.parameters else str(s) for s in specs
        )


def parse_passes(spec: str) -> list[ModulePass]:
    """The pass instances of a pipeline string, or a PipelineError naming what is wrong."""
    # passes are frozen dataclasses, so one parse per spec (and registry state) serves every conversion
    key = (spec, tuple(PIPELINES.items()), tuple((n, id(f)) for n, f in _EXTRA_PASSES.items()))
    cached = _PARSED.get(key)
    if cached is None:
        cached = _PARSED[key] = tuple(_parse_passes(spec))
    return list(cached)


_PARSED: dict[tuple[object, ...], tuple[ModulePass, ...]] = {}


def _parse_passes(spec: str) -> list[ModulePass]:
    spec = expand_pipeline(spec)
    if not spec:
        return []
    registry = available_passes()
    try:
        return list(PassPipeline.parse_spec(registry, spec).passes)
    except (ValueError, ArgSpecParseError) as e:
        msg = str(e)
        if msg.startswith("Unrecognized passes"):
            msg += f"; available passes: {', '.join(sorted(registry))}; pipelines: {', '.join(sorted(PIPELINES))}"
        raise PipelineError(f"invalid pass pipeline {spec!r}: {msg}") from None


def pipeline_string(passes: list[ModulePass]) -> str:
    """The canonical pipeline string of a pass list (options that differ from defaults in braces)."""
    return ",".join(str(p.spec()) for p in passes)


def describe_passes() -> list[tuple[str, str]]:
    """(name, first docstring line) of every registered pass (imports the pass modules)."""
    out = []
    for name, factory in sorted(available_passes().items()):
        doc = (factory().__doc__ or "").strip().splitlines()
        out.append((name, doc[0] if doc else ""))
    return out


def make_context() -> Context:
    from dialects.elements import TFLC
    from dialects.quant import QUANT
    from dialects.tf import TF
    from dialects.tfl import TFL

    ctx = Context()
    for d in (Builtin, Func, TF, TFL, TFLC, QUANT):
        ctx.load_dialect(d)
    return ctx


@dataclass
class PassRecord:
    name: str
    seconds: float
    ops_before: int
    ops_after: int
    spec: str = ""  # the pass with its options, e.g. `legalize-tf{allow-flex=true}`
    # rewrite rule name -> times it fired in this pass (empty for a pass without a rule table)
    rule_hits: dict[str, int] = field(default_factory=dict)


@dataclass
class PipelineRun:
    """What happened in one pipeline run (for --pass-timing and reports)."""

    records: list[PassRecord] = field(default_factory=list)
    spec: str = ""

    @property
    def total_seconds(self) -> float:
        return sum(r.seconds for r in self.records)


def count_ops(module: ModuleOp) -> int:
    """Ops in the module, not counting the module itself."""
    n, stack = 0, [module]
    while stack:  # iterative: xDSL's recursive walk generator costs more than the counting
        for region in stack.pop().regions:
            for block in region.blocks:
                for op in block.ops:
                    n += 1
                    if op.regions:
                        stack.append(op)
    return n


def verify_each_default() -> bool:
    """Verify between passes when `TFLC_VERIFY_EACH=1`, and by default under pytest (which sets
    PYTEST_CURRENT_TEST, also seen by CLI subprocesses of a test); `TFLC_VERIFY_EACH=0` turns it off."""
    flag = os.environ.get("TFLC_VERIFY_EACH")
    if flag is not None:
        return flag not in ("", "0")
    return "PYTEST_CURRENT_TEST" in os.environ


def run_pipeline(
    module: ModuleOp,
    spec: str = DEFAULT_PIPELINE,
    *,
    verify_each: bool = False,
    on_pass: Callable[[int, ModulePass, ModuleOp], None] | None = None,
    before_pass: Callable[[int, ModulePass, ModuleOp], None] | None = None,
) -> PipelineRun:
    """Run a pipeline on `module` in place, timing each pass.

    `before_pass(i, pass, module)` / `on_pass(i, pass, module)` run around pass i (0-based); their time is not
    counted. With `verify_each`, the module is verified before the first pass and after every pass; a failure
    raises PassError naming the pass that produced the invalid IR.
    """
    from passes.patterns import collect_rule_hits

    verify_each = verify_each or verify_each_default()
    ctx = make_context()
    passes = parse_passes(spec)
    run = PipelineRun(spec=pipeline_string(passes))
    if verify_each:
        _verify(module, -1, "input")
    for i, p in enumerate(passes):
        if before_pass:
            before_pass(i, p, module)
        before = count_ops(module) if i == 0 or before_pass or on_pass else run.records[-1].ops_after
        t0 = time.perf_counter()
        try:
            with collect_rule_hits() as hits:
                p.apply(ctx, module)
        except (PassError, KeyboardInterrupt):
            raise
        except Exception as e:
            raise PassError(i, p.name, f"failed: {type(e).__name__}: {e}") from e
        dt = time.perf_counter() - t0
        if verify_each:
            _verify(module, i, p.name)
        record = PassRecord(p.name, dt, before, count_ops(module), str(p.spec()), dict(sorted(hits.items())))
        run.records.append(record)
        if on_pass:
            on_pass(i, p, module)
    return run


def _verify(module: ModuleOp, index: int, name: str) -> None:
    try:
        module.verify()
    except Exception as e:
        if index < 0:
            raise PassError(0, "<input>", f"received invalid IR: {e}") from e
        raise PassError(index, name, f"left invalid IR: {e}") from e


# A conversion allocates objects that nearly all live until it returns; Python's default first-generation threshold
# (700) re-scans them dozens of times per small model (~8% of a JAX conversion), so conversions raise it.
_GC_YOUNG_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Collect the youngest generation every 50k allocations instead of 700 while the block runs (nested and
    concurrent conversions share one setting; the caller's thresholds come back when the last one ends)."""
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], _GC_YOUNG_THRESHOLD), *_gc_saved[1:])
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)
