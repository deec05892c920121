"""JAX functions -> `tf` dialect, through StableHLO (what `jax.jit(...).lower` and `jax.export` produce).

JAX lowers each function itself (`jax.jit(fn, keep_unused=True).lower(*args)`, or a serialized
`jax.export.Exported` is deserialized); `compiler.frontends.jax_stablehlo` walks the resulting MLIR objects and
emits the `tf` ops the TF path legalizes. Closed-over arrays (Flax params applied with `functools.partial`) are
constants of the lowered module, read into numpy from their attribute buffers. Importing this module imports
neither TensorFlow nor JAX; JAX is imported when a function is lowered.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, FunctionType, ModuleOp, StringAttr
from xdsl.ir import Block, Region

from compiler.errors import ConversionError, ModelImportError
from dialects.names import SIGNATURE_INPUTS, SIGNATURE_OUTPUTS


@dataclass
class JaxSignature:
    """One signature: a StableHLO module (JAX's MLIR objects) and the names of its flat inputs and outputs."""

    key: str
    module: Any  # jaxlib.mlir ir.Module, kept with its context
    input_names: list[str]
    output_names: list[str]


def _leaf_names(prefix: str, arg: Any) -> list[str]:
    import jax

    leaves = jax.tree_util.tree_leaves_with_path(arg)
    if len(leaves) == 1 and not leaves[0][0]:
        return [prefix]
    return [
        prefix + "_" + "_".join(str(getattr(k, "key", getattr(k, "idx", k))) for k in path)
        for path, _ in leaves
    ]


def _param_names(fn: Callable[..., Any], n: int) -> list[str]:
    """Names of `fn`'s first n positional parameters (args_i where it has none)."""
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"args_{i}" for i in range(n)]


def lower_function(
    fn: Callable[..., Any], args: Sequence[Any], key: str, input_names: Sequence[str] | None = None
) -> JaxSignature:
    """Lower `fn` at `args` (arrays or jax.ShapeDtypeStruct, pytrees of them) with JAX to StableHLO."""
    import jax

    try:
        lowered = jax.jit(fn, keep_unused=True).lower(*args)
    except Exception as e:  # a JAX tracing error: the user's function, not tflc
        raise ModelImportError(f"JAX could not lower signature {key!r}: {type(e).__name__}: {e}") from e
    names: list[str] = []
    if input_names is None:
        for name, a in zip(_param_names(fn, len(args)), args, strict=True):
            names += _leaf_names(name, a)
    else:
        names = list(input_names)
    n_out = len(jax.tree_util.tree_leaves(lowered.out_info))
    module = lowered.compiler_ir("stablehlo")
    return JaxSignature(key, module, names, [f"output_{i}" for i in range(n_out)])


def signatures_from_exported(path: str, key: str = "serving_default") -> list[JaxSignature]:
    """A serialized `jax.export.Exported` (`exported.serialize()` bytes in a file) as one signature."""
    import jax
    from jax._src.interpreters import mlir
    from jaxlib.mlir.dialects import stablehlo

    try:
        with open(path, "rb") as f:
            exported = jax.export.deserialize(bytearray(f.read()))
    except OSError as e:
        raise ModelImportError(f"cannot read {path}: {e}") from e
    except Exception as e:
        raise ModelImportError(
            f"{path} is not a serialized jax.export.Exported: {type(e).__name__}: {e}"
        ) from e
    if exported.ordered_effects or exported.unordered_effects:
        raise ConversionError(
            f"{path}: the exported function has side effects (JAX effects), tflc converts pure functions"
        )
    if len(exported.platforms) != 1:
        raise ConversionError(
            f"{path}: exported for {len(exported.platforms)} platforms {exported.platforms}; export for one platform"
        )
    if any(not isinstance(d, int) for a in exported.in_avals for d in a.shape):
        raise ConversionError(f"{path}: symbolic (shape-polymorphic) input shapes; export with static shapes")
    ctx = mlir.make_ir_context()
    # the portable (VHLO) bytecode back to a StableHLO module in memory: constants never become text
    module = stablehlo.deserialize_portable_artifact(ctx, bytes(exported.mlir_module_serialized))
    names = [f"args_{i}" for i in range(len(exported.in_avals))]
    try:
        import jax.tree_util as tu

        args, _ = tu.tree_unflatten(exported.in_tree, list(range(len(exported.in_avals))))
        names = []
        for i, a in enumerate(args):
            names += _leaf_names(f"args_{i}", a)
    except (TypeError, ValueError):
        pass
    return [JaxSignature(key, module, names, [f"output_{i}" for i in range(len(exported.out_avals))])]


def import_signatures(signatures: Sequence[JaxSignature]) -> ModuleOp:
    """Translate each signature's `main` into one func.func of `tf` ops named by its key."""
    from compiler.frontends.jax_stablehlo import UnsupportedStableHLO, tensor_type, translate

    funcs = []
    for sig in signatures:
        main = next(
            (
                f.operation
                for f in sig.module.body.operations
                if f.operation.name == "func.func" and f.operation.attributes["sym_name"].value == "main"
            ),
            None,
        )
        if main is None:
            raise ConversionError(f"signature {sig.key!r}: the StableHLO module has no main function")
        try:
            arg_types = [tensor_type(a.type) for a in main.regions[0].blocks[0].arguments]
        except UnsupportedStableHLO as e:
            raise ConversionError(f"signature {sig.key!r}: input {e}") from None
        if len(arg_types) != len(sig.input_names):
            raise ConversionError(
                f"signature {sig.key!r}: the lowered function takes {len(arg_types)} inputs, expected "
                f"{len(sig.input_names)} (JAX tokens or platform arguments are not supported)"
            )
        block = Block(arg_types=arg_types)
        outputs = translate(sig.module, block, list(block.args))
        block.add_op(func.ReturnOp(*outputs))
        fn = func.FuncOp(
            sig.key, FunctionType.from_lists(arg_types, [o.type for o in outputs]), Region(block)
        )
        fn.attributes[SIGNATURE_INPUTS] = ArrayAttr([StringAttr(n) for n in sig.input_names])
        names = (
            sig.output_names
            if len(sig.output_names) == len(outputs)
            else [f"output_{i}" for i in range(len(outputs))]
        )
        fn.attributes[SIGNATURE_OUTPUTS] = ArrayAttr([StringAttr(n) for n in names])
        funcs.append(fn)
    return ModuleOp(funcs)


def function_key(fn: Any, index: int) -> str:
    """Signature key of one of several functions: its Python name (a functools.partial's function's)."""
    while hasattr(fn, "func") and not hasattr(fn, "__name__"):
        fn = fn.func
    name = getattr(fn, "__name__", "") or ""
    return name if name.isidentifier() and name != "<lambda>" else f"fn_{index}"


def signatures_from_tf_style(
    serving_funcs: Sequence[Callable[..., Any]], inputs: Sequence[Any]
) -> list[JaxSignature]:
    """TF's `experimental_from_jax(serving_funcs, inputs)`: per function a list of (name, array) input tuples."""
    if len(serving_funcs) != len(inputs):
        raise ModelImportError("Input tensor mapping len should match serving func len.")  # TF's message
    keys = (
        ["serving_default"]
        if len(serving_funcs) == 1
        else [function_key(f, i) for i, f in enumerate(serving_funcs)]
    )
    if len(set(keys)) != len(keys):
        keys = [f"{k}_{i}" for i, k in enumerate(keys)]
    out = []
    for key, fn, spec in zip(keys, serving_funcs, inputs, strict=True):
        if not isinstance(spec, list | tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in spec):
            raise ModelImportError(
                "The input placeholders are not a dictionary."  # TF's message
                if not isinstance(spec, list | tuple)
                else "inputs must be lists of (name, array) tuples, one list per serving function"
            )
        names = [str(n) for n, _ in spec]
        args = [np.asarray(a) if not hasattr(a, "shape") else a for _, a in spec]
        out.append(lower_function(fn, args, key, names))
    return out
