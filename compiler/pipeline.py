"""Pass registry, the default conversion pipeline, and the driver that runs it.

Every pass is an xDSL `ModulePass` with a CLI name; a pipeline is a pass-pipeline string
(`tf-cleanup,legalize-tf,dce`, options in braces) parsed by xDSL's `PassPipeline.parse_spec`, so `tflc opt`,
`tflc convert --pass-pipeline` and stock `xdsl-opt` all speak the same language.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.passes import ModulePass, PassPipeline


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """CLI name -> pass class factory (lazy, so listing passes imports nothing heavy)."""

    def legalize_tf() -> type[ModulePass]:
        from passes.legalize_tf import LegalizeTF

        return LegalizeTF

    def cleanup_tf() -> type[ModulePass]:
        from passes.cleanup_tf import CleanupTF

        return CleanupTF

    def dce() -> type[ModulePass]:
        from passes.dce import DeadCodeElimination

        return DeadCodeElimination

    def prepare_tf() -> type[ModulePass]:
        from passes.prepare_tf import PrepareTF

        return PrepareTF

    def fold_constants() -> type[ModulePass]:
        from passes.fold_constants import FoldConstants

        return FoldConstants

    def optimize() -> type[ModulePass]:
        from passes.optimize import Optimize

        return Optimize

    return {
        "tf-cleanup": cleanup_tf,
        "fold-constants": fold_constants,
        "prepare-tf": prepare_tf,
        "legalize-tf": legalize_tf,
        "optimize": optimize,
        "dce": dce,
    }


DEFAULT_PIPELINE = "tf-cleanup,fold-constants,prepare-tf,legalize-tf,fold-constants,optimize,dce"


def make_context() -> Context:
    from dialects.elements import TFLC
    from dialects.tf import TF
    from dialects.tfl import TFL

    ctx = Context()
    for d in (Builtin, Func, TF, TFL, TFLC):
        ctx.load_dialect(d)
    return ctx


@dataclass
class PassRecord:
    name: str
    seconds: float
    ops_before: int
    ops_after: int


@dataclass
class PipelineRun:
    """What happened in one pipeline run (for --pass-timing and reports)."""

    records: list[PassRecord] = field(default_factory=list)


def count_ops(module: ModuleOp) -> int:
    return sum(1 for _ in module.walk()) - 1


def run_pipeline(module: ModuleOp, spec: str = DEFAULT_PIPELINE, *, verify_each: bool = False,
                 on_pass: Callable[[int, ModulePass, ModuleOp], None] | None = None,
                 before_pass: Callable[[int, ModulePass, ModuleOp], None] | None = None) -> PipelineRun:
    """Run a pipeline on `module` in place, timing each pass."""
    ctx = make_context()
    run = PipelineRun()
    passes = list(PassPipeline.parse_spec(available_passes(), spec).passes)
    for i, p in enumerate(passes):
        if before_pass:
            before_pass(i, p, module)
        before = count_ops(module)
        t0 = time.perf_counter()
        p.apply(ctx, module)
        dt = time.perf_counter() - t0
        if verify_each:
            module.verify()
        run.records.append(PassRecord(p.name, dt, before, count_ops(module)))
        if on_pass:
            on_pass(i, p, module)
    return run
