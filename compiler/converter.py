"""Drop-in replacement for `tf.lite.TFLiteConverter` (TF2 API).

    from compiler import TFLiteConverter, OpsSet, Optimize
    converter = TFLiteConverter.from_saved_model("model_dir")
    tflite_bytes = converter.convert()

Flags we cannot honour yet raise `UnsupportedFlagError` instead of silently producing a float model.
"""

from __future__ import annotations

import enum
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from compiler.errors import ConversionError, ConversionNote, ModelImportError, PassError, UnsupportedFlagError
from compiler.export import export
from compiler.metadata import (
    MODEL_TYPE,
    QUANTIZATION_AWARE_TRAINING,
    optimization_modes,
    reduced_precision_metadata,
)
from compiler.options import ExportOptions
from compiler.pipeline import DEFAULT_PIPELINE, PipelineRun, fewer_gc_passes, run_pipeline

# Default of `experimental_static_batch`: None keeps a signature's None dims dynamic (shape_signature -1, as TF);
# an int N is the opt-in that fixes them (batch N, other dims 1) for maximal folding.
DEFAULT_STATIC_BATCH: int | None = None


class OpsSet(enum.Enum):
    """Same members and values as tf.lite.OpsSet."""

    TFLITE_BUILTINS = "TFLITE_BUILTINS"
    SELECT_TF_OPS = "SELECT_TF_OPS"
    TFLITE_BUILTINS_INT8 = "TFLITE_BUILTINS_INT8"
    EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 = (
        "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8"
    )


class Optimize(enum.Enum):
    """Same members and values as tf.lite.Optimize."""

    DEFAULT = "DEFAULT"
    OPTIMIZE_FOR_SIZE = "OPTIMIZE_FOR_SIZE"
    OPTIMIZE_FOR_LATENCY = "OPTIMIZE_FOR_LATENCY"
    EXPERIMENTAL_SPARSITY = "EXPERIMENTAL_SPARSITY"


def _enum_name(v: Any) -> str:
    """Accept our enums and TensorFlow's (tf.lite.OpsSet.X / tf.lite.Optimize.X) alike."""
    return getattr(v, "name", None) or str(v)


@dataclass
class TargetSpec:
    supported_ops: set[Any] = field(default_factory=lambda: {OpsSet.TFLITE_BUILTINS})
    supported_types: set[Any] = field(default_factory=set)
    experimental_select_user_tf_ops: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CompatFlags:
    """Which op sets a conversion may emit: builtins (TFLITE_BUILTINS), Flex (SELECT_TF_OPS), custom ops."""

    builtins: bool = True
    flex: bool = False
    custom: bool = False


def compat_pipeline(flags: CompatFlags, base: str = DEFAULT_PIPELINE) -> str:
    """`base` with the select-TF fallback right after legalization when Flex or custom ops are allowed; with
    SELECT_TF_OPS alone (no builtins) no legalization at all, so every op goes Flex, as in TF."""
    if not (flags.flex or flags.custom):
        return base
    fallback = f"select-tf-fallback{{flex={str(flags.flex).lower()} custom={str(flags.custom).lower()}}}"
    if not flags.builtins:
        # TF skips legalization too: TF ops, Identity included, are exported as they are (constants still fold).
        return f"fold-constants,{fallback},dce"
    # no decomposition of ops TF only has as Flex ops (Erf): the fallback writes them as TF does
    return base.replace("legalize-tf,", f"legalize-tf{{beyond-tf=false}},{fallback},", 1)


@dataclass
class ConversionResult:
    """What the last convert() did (read by the CLI summary and benchmarks)."""

    module: ModuleOp | None = None
    pipeline: PipelineRun | None = None
    phase_seconds: dict[str, float] = field(default_factory=dict)
    op_counts: dict[str, int] = field(default_factory=dict)
    size: int = 0
    notes: list[str] = field(default_factory=list)


# TF's converter settings tflc does not implement, with TF's defaults: left at the default they mean what tflc does;
# any other value is refused at convert() (never ignored). tflc-honoured settings are checked in _check_flags.
_UNHONOURED_TF_SETTINGS: dict[str, Any] = {
    "experimental_new_converter": True,
    "experimental_new_quantizer": True,
    "experimental_new_dynamic_range_quantizer": True,
    "experimental_lower_to_saved_model": True,
    "experimental_use_stablehlo_quantizer": False,
    "experimental_stablehlo_quantizer_config": None,
    "serialize_debug_metadata": False,
    "unfold_batchmatmul": False,
    "legalize_custom_tensor_list_ops": False,
    "canonicalizing_inf_as_min_max_float": True,
    "model_origin_framework": "UNSET",
    "ir_dump_dir": None,
    "ir_dump_pass_regex": None,
    "ir_dump_func_regex": None,
    "enable_timing": None,
    "print_ir_before": None,
    "print_ir_after": None,
    "print_ir_module_scope": None,
    "elide_elementsattrs_if_larger": None,
    "_experimental_unfold_large_splat_constant": False,
    "_experimental_quantization_options": None,
    "_experimental_tf_quantization_mode": None,
    "_experimental_calibrate_only": False,
    "_experimental_sparsify_model": False,
    "_experimental_lower_tensor_list_ops": True,
    "_experimental_default_to_single_batch_in_tensor_list_ops": False,
    "_experimental_enable_dynamic_update_slice": False,
    "_experimental_preserve_assert_op": False,
    "_experimental_guarantee_all_funcs_one_use": False,
    "_experimental_low_bit_qat": False,
    "_experimental_allow_all_select_tf_ops": False,
    "_experimental_variable_quantization": False,
    "_experimental_disable_fuse_mul_and_fc": False,
    "_experimental_use_buffer_offset": False,
    "_experimental_reduce_type_precision": False,
    "_experimental_enable_composite_direct_lowering": True,
    "_experimental_strict_qdq": False,
    "_experimental_unsafe_fuse_dynamic_shaped_broadcast": False,
}
# Attributes a user may set: TF's public ones above and below, tflc's debugging extras; a typo is an AttributeError.
_SETTABLE = {
    *_UNHONOURED_TF_SETTINGS,
    "_experimental_disable_per_channel",
    "_experimental_qdq_conversion_mode",
    "_qat",
    "_experimental_full_integer_quantization_bias_type",
    "_experimental_disable_per_channel_quantization_for_dense_layers",
    "optimizations",
    "representative_dataset",
    "target_spec",
    "inference_input_type",
    "inference_output_type",
    "allow_custom_ops",
    "exclude_conversion_metadata",
    "experimental_enable_resource_variables",
    "experimental_static_batch",
    "metadata",
    "pass_pipeline",
    "verify_each",
    "on_pass",
    "before_pass",
    "on_phase",
    "debug",
    "result",
    "_debug_info",
    "saved_model_dir",
    "_load",
    "_model_type",
    "_load_seconds",
    "_had_dynamic_dims",
}


class TFLiteConverter:
    """Converts TensorFlow models to LiteRT FlatBuffers. Use the `from_*` constructors."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _SETTABLE:
            import difflib

            close = difflib.get_close_matches(name, sorted(_SETTABLE), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AttributeError(f"TFLiteConverter has no setting {name!r}{hint}")
        object.__setattr__(self, name, value)

    def __init__(self, load: Callable[[int | None], Any], model_type: str) -> None:
        self._load = load
        self._model_type = model_type
        self.optimizations: list[Any] = []
        self.representative_dataset: Callable[[], Iterable[Any]] | None = None
        self.target_spec = TargetSpec()
        self.inference_input_type: Any = None
        self.inference_output_type: Any = None
        self.allow_custom_ops = False
        self.exclude_conversion_metadata = False
        # TF's default is True; tflc converts variable writes only when asked (otherwise: one clear error)
        self.experimental_enable_resource_variables = False
        # tflc extra: model metadata written onto the converted model (compiler.metadata: a ModelMetadata or a
        # writer such as ImageClassifier(labels=..., mean=..., std=...)), so convert + describe is one step.
        self.metadata: Any = None
        # tflc extension: None keeps a signature's None dims dynamic (shape_signature -1, resizable, as TF does);
        # an int N fixes them (batch dim to N, others to 1) so every shape folds.
        self.experimental_static_batch: int | None = DEFAULT_STATIC_BATCH
        for name, default in _UNHONOURED_TF_SETTINGS.items():
            setattr(self, name, default)
        self._debug_info = None
        self.saved_model_dir: str | None = None  # as TF: the directory a from_saved_model converter reads
        # Honoured by dynamic-range quantization, as TF does: per-tensor weight scales everywhere / for dense layers.
        self._experimental_disable_per_channel = False
        self._experimental_disable_per_channel_quantization_for_dense_layers = False
        # Honoured for quantization-aware-trained models (FakeQuant ops): "STATIC" / "DYNAMIC", as TF reads them.
        self._experimental_qdq_conversion_mode: str | None = None
        # Whether the model is quantization-aware trained (has FakeQuant ops): None until convert() imported it.
        self._qat: bool | None = None
        # Bias storage of full-integer quantization, as TF: int32 for int8; int64 (default) or int32 for 16x8.
        self._experimental_full_integer_quantization_bias_type: Any = None
        # tflc extras (debugging)
        self.pass_pipeline: str = DEFAULT_PIPELINE
        self.verify_each = False
        self.on_pass: Callable[..., None] | None = None
        self.before_pass: Callable[..., None] | None = None
        self.on_phase: Callable[[str], None] | None = None
        self.debug: Any = None  # compiler.dumps.DebugOptions: IR dumps, print-ir-after/before, pass timing
        self.result = ConversionResult()
        self._load_seconds = 0.0  # time a constructor spent reading the model

    # ---- constructors (same signatures as tf.lite.TFLiteConverter) ----

    @classmethod
    def from_saved_model(
        cls, saved_model_dir: str, signature_keys: list[str] | None = None, tags: set[str] | None = None
    ) -> TFLiteConverter:
        """Reads the SavedModel now, as TF does: a missing directory, an unknown signature key or a SavedModel
        without signatures raise ModelImportError (a ValueError) here, not at convert()."""
        from compiler.frontends.tf_functions import entries_from_saved_model

        t0 = time.perf_counter()
        entries = entries_from_saved_model(str(saved_model_dir), signature_keys, tags)
        converter = cls(lambda static_batch: entries, "TF_SAVED_MODEL")
        converter._load_seconds = time.perf_counter() - t0
        converter.saved_model_dir = str(saved_model_dir)
        return converter

    @classmethod
    def from_keras_model(cls, model: Any) -> TFLiteConverter:
        def load(static_batch: int | None) -> list[Any]:
            from compiler.frontends.tf_functions import entry_from_keras_model

            return [entry_from_keras_model(model, static_batch)]

        return cls(load, "KERAS_MODEL")

    @classmethod
    def from_keras_file(cls, path: str) -> TFLiteConverter:
        """tflc extension: a `.keras` or `.h5` file."""

        def load(static_batch: int | None) -> list[Any]:
            from compiler.frontends.tf_functions import entry_from_keras_file

            return [entry_from_keras_file(str(path), static_batch)]

        return cls(load, "KERAS_MODEL")

    @classmethod
    def from_concrete_functions(cls, funcs: list[Any], trackable_obj: Any = None) -> TFLiteConverter:
        for f in funcs:  # TF's check and message, at construction
            if not hasattr(f, "function_def"):
                hint = (
                    " To get the ConcreteFunction from a Function, call get_concrete_function."
                    if hasattr(f, "get_concrete_function")
                    else ""
                )
                raise ModelImportError("This function takes in a list of ConcreteFunction." + hint)

        def load(static_batch: int | None) -> list[Any]:
            from compiler.frontends.tf_functions import entry_from_concrete_function

            if len(funcs) == 1:
                return [entry_from_concrete_function(funcs[0], "serving_default")]
            keys = [_function_key(f, i) for i, f in enumerate(funcs)]
            if len(set(keys)) != len(keys):
                keys = [f"{k}_{i}" for i, k in enumerate(keys)]
            return [entry_from_concrete_function(f, k) for f, k in zip(funcs, keys, strict=True)]

        return cls(load, "TF_CONCRETE_FUNCTIONS")

    @classmethod
    def experimental_from_jax(
        cls, serving_funcs: list[Callable[..., Any]], inputs: list[Any]
    ) -> TFLiteConverter:
        """TF's signature: JAX functions with their weights applied (functools.partial(model.apply, params)) and,
        per function, a list of (input name, example array) tuples. Lowered through StableHLO by JAX itself (no
        TensorFlow); several functions become several signatures named by the functions."""

        def load(_static_batch: int | None) -> Any:  # JAX example shapes are static
            from compiler.frontends.jax import import_signatures, signatures_from_tf_style

            return import_signatures(signatures_from_tf_style(serving_funcs, inputs))

        return cls(load, "JAX")

    @classmethod
    def from_jax(
        cls, fn: Callable[..., Any], *example_args: Any, signature_name: str = "serving_default"
    ) -> TFLiteConverter:
        """tflc extension: one JAX function at example inputs (arrays or jax.ShapeDtypeStruct, pytrees of them);
        inputs are named by the function's parameters."""

        def load(_static_batch: int | None) -> Any:  # JAX example shapes are static
            from compiler.frontends.jax import import_signatures, lower_function

            return import_signatures([lower_function(fn, example_args, signature_name)])

        return cls(load, "JAX")

    @classmethod
    def from_jax_exported(cls, path: str, signature_name: str = "serving_default") -> TFLiteConverter:
        """tflc extension: a serialized jax.export.Exported (`exported.serialize()` written to a file)."""

        def load(_static_batch: int | None) -> Any:  # JAX example shapes are static
            from compiler.frontends.jax import import_signatures, signatures_from_exported

            return import_signatures(signatures_from_exported(str(path), signature_name))

        return cls(load, "JAX")

    # ---- conversion ----

    def quantization_mode(self) -> str | None:
        """ "dynamic-range", "float16", "int16x8" or "int8" as TF's lite.py decides them (an optimization set; float16
        when it is the smallest supported type; int16x8 with a representative dataset and the 16x8 ops set, int8 with
        a representative dataset), None for a float model. Other settings
        are refused by convert()."""
        if self._qat and self.representative_dataset is None:
            # TF's is_quantization_aware_training: int8 from the FakeQuant ranges, whatever the supported types;
            # with a QDQ conversion mode also without optimizations.
            if self.optimizations or self._experimental_qdq_conversion_mode in ("STATIC", "DYNAMIC"):
                return "qat"
        if not self.optimizations:
            return None
        types = {_type_name(t) for t in self.target_spec.supported_types}
        if types == {"float16"}:
            return "float16"
        # TF's post_training_int16x8_*: a representative dataset and the 16x8 ops set
        if self.representative_dataset is not None and _OPS_16X8 in {
            _enum_name(o) for o in self.target_spec.supported_ops
        }:
            return "int16x8"
        # TF's post_training_int8_*: a representative dataset and int8 the smallest supported type (or none given)
        if self.representative_dataset is not None and (not types or "int8" in types):
            return "int8"
        return "dynamic-range"

    def int8_only(self) -> bool:
        """TF's post_training_int8_no_float: no TFLITE_BUILTINS (nor SELECT_TF_OPS) to fall back to in float."""
        ops = {_enum_name(o) for o in self.target_spec.supported_ops}
        return not ops & {"TFLITE_BUILTINS", "SELECT_TF_OPS"}

    def quantization_pass(self) -> str | None:
        """The pass (with options) that quantizes weights for these settings, or None."""
        mode = self.quantization_mode()
        if mode == "float16":
            return "quantize-float16"
        if mode == "dynamic-range":
            options = []
            if self._experimental_disable_per_channel:
                options.append("per-channel=false")
            if self._experimental_disable_per_channel_quantization_for_dense_layers:
                options.append("per-channel-dense=false")
            return "quantize-dynamic-range" + (f"{{{' '.join(options)}}}" if options else "")
        return None

    def effective_pipeline(self) -> str:
        """The pipeline for these settings (`_pipeline`) followed by the weight-quantization pass they ask for."""
        from compiler.pipeline import expand_pipeline

        base = self._pipeline()
        if self.quantization_mode() == "qat":
            return qat_pipeline(base)
        if self._qat and self.quantization_mode() is None:
            base = fake_quant_pipeline(base)  # TF: a float model that fake-quantizes at run time
        extra = self.quantization_pass()
        if extra is None or extra.split("{")[0] in expand_pipeline(base):
            return base
        return f"{base},{extra}" if base else extra

    def _check_flags(self) -> None:
        batch = self.experimental_static_batch
        if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
            raise ValueError(
                f"experimental_static_batch must be None (dynamic dims) or a positive int, not {batch!r}"
            )
        ops = {_enum_name(o) for o in self.target_spec.supported_ops}
        unsupported = []
        optimizations = {_enum_name(o) for o in self.optimizations}
        if optimizations - _QUANTIZING_OPTIMIZATIONS:
            unsupported.append(
                f"optimizations={sorted(optimizations)} (only DEFAULT and its aliases OPTIMIZE_FOR_SIZE / "
                "OPTIMIZE_FOR_LATENCY are implemented: dynamic-range and float16 weight quantization)"
            )
        mode = self.quantization_mode()
        # Before the model is imported a QAT model is not known yet: settings it would honour wait for that.
        int8_like = mode in ("int8", "int16x8", "qat") or (self._qat is None and bool(self.optimizations))
        unsupported += self._qat_problems()
        if self.representative_dataset is not None and mode not in ("int8", "int16x8"):
            unsupported.append(
                "representative_dataset without optimizations=[DEFAULT] and an int8 target (tflc implements "
                "full-integer quantization with int8 activations only)"
            )
        if ops - {
            "TFLITE_BUILTINS",
            "TFLITE_BUILTINS_INT8",
            "SELECT_TF_OPS",
            *([_OPS_16X8] if mode == "int16x8" else []),
        }:
            unsupported.append(
                f"target_spec.supported_ops={sorted(ops)} (only TFLITE_BUILTINS, TFLITE_BUILTINS_INT8 and "
                "SELECT_TF_OPS are implemented, and the 16x8 set with optimizations=[DEFAULT] and a "
                "representative_dataset)"
            )
        elif "TFLITE_BUILTINS_INT8" in ops and not int8_like:
            unsupported.append(
                "target_spec.supported_ops=TFLITE_BUILTINS_INT8 without optimizations=[DEFAULT] and a "
                "representative_dataset (TF refuses it too)"
            )
        if self.target_spec.experimental_select_user_tf_ops:
            unsupported.append(
                "target_spec.experimental_select_user_tf_ops (user-defined Flex ops are not implemented yet)"
            )
        types = {_type_name(t) for t in self.target_spec.supported_types}
        if types - {"float16", "int8"}:
            unsupported.append(
                f"target_spec.supported_types={sorted(types)} (only float16 and int8 are implemented)"
            )
        elif types == {"int8"} and not int8_like:
            unsupported.append(
                "target_spec.supported_types=['int8'] without optimizations=[DEFAULT] and a representative_dataset"
            )
        elif types and not self.optimizations and mode != "qat":
            unsupported.append(
                "target_spec.supported_types=['float16'] without optimizations (TF ignores it then; set "
                "optimizations=[Optimize.DEFAULT] for float16 weights)"
            )
        for attr in ("inference_input_type", "inference_output_type"):
            v = getattr(self, attr)
            name = _io_type(v)
            if name == "float32":
                continue
            if mode == "int16x8" and name in ("int8", "uint8"):
                unsupported.append(
                    f"{attr}={v} (16x8 quantization takes float32 or int16 model I/O; TF refuses it too)"
                )
            elif (
                name not in ("int8", "uint8", "int16")
                or not int8_like
                or (name == "int16" and mode != "int16x8")
                or (mode == "qat" and not self.optimizations)
            ):
                unsupported.append(
                    f"{attr}={v} (tflc implements float32 model I/O, and int8 / uint8 with full-integer "
                    "quantization only)"
                )
        bias_type = self._experimental_full_integer_quantization_bias_type
        # TF takes int32 for int8 and int32 / int64 for 16x8; tflc writes TF's defaults (int32 / int64) only.
        if bias_type is not None and _type_name(bias_type) != {"int8": "int32", "int16x8": "int64"}.get(
            mode or ""
        ):
            unsupported.append(
                f"_experimental_full_integer_quantization_bias_type={bias_type} (tflc implements int32 biases for "
                "int8 and int64 biases for 16x8 full-integer quantization)"
            )
        for name, default in _UNHONOURED_TF_SETTINGS.items():
            if getattr(self, name) != default:
                unsupported.append(f"{name}={getattr(self, name)!r} (tflc implements only {default!r})")
        if unsupported:
            raise UnsupportedFlagError(
                "tflc cannot honour these converter settings yet, and will not silently ignore them:\n  - "
                + "\n  - ".join(unsupported)
                + ("" if self._qat else "\nRemove them to get a float32 model.")
            )

    def _qat_problems(self) -> list[str]:
        """Settings refused for quantization-aware-trained models (or asking for one)."""
        out = []
        qdq = self._experimental_qdq_conversion_mode
        if qdq not in (None, "STATIC", "DYNAMIC"):
            out.append(f"_experimental_qdq_conversion_mode={qdq!r} (TF knows None, 'STATIC' and 'DYNAMIC')")
        elif qdq is not None and self._qat is False:
            out.append(
                f"_experimental_qdq_conversion_mode={qdq!r} on a model without FakeQuant ops (tflc honours it "
                "for quantization-aware-trained models only)"
            )
        if not self._qat:
            return out
        if self.representative_dataset is not None:
            out.append(
                "representative_dataset with a quantization-aware-trained model (FakeQuant ops give the ranges; "
                "tflc does not calibrate such a model)"
            )
        return out

    def _phase(self, name: str) -> None:
        if self.on_phase:
            self.on_phase(name)

    def convert(self) -> bytes:
        """Convert the model; returns the FlatBuffer bytes. With dynamic dims kept (experimental_static_batch None)
        and a model that converts only with them fixed (an op tflc lowers at static shapes only), it is converted
        at batch 1 instead, with a ConversionNote naming why (and inputs pinned where the model reads them)."""
        with fewer_gc_passes():
            return self._convert()

    def _convert(self) -> bytes:
        if self.experimental_static_batch is not None:
            return self._convert_at(self.experimental_static_batch)
        self._had_dynamic_dims = False
        try:
            return self._convert_at(None)
        except (ConversionError, PassError) as e:
            if not self._had_dynamic_dims:
                raise
            lines = str(e).splitlines()
            ops = [ln for ln in lines if ln.startswith(("TF Select ops:", "Custom ops:"))]
            why = "; ".join([lines[0].rstrip(":"), *ops]) if lines else type(e).__name__
        data = self._convert_at(1)  # its own errors, if any, are the model's
        note = (
            f"dynamic input dims could not be kept ({why}); converted with them fixed to 1 "
            "(experimental_static_batch = 1): resize_tensor_input cannot change them"
        )
        self.result.notes = [note, *self.result.notes]
        warnings.warn(note, ConversionNote, stacklevel=2)
        return data

    def _convert_at(self, static_batch: int | None) -> bytes:
        self._check_flags()
        from compiler.frontends.graph import import_entries

        times: dict[str, float] = {}
        t0 = time.perf_counter()
        self._phase("load")
        try:
            with _eager_scope():  # works inside a user's `with tf.Graph().as_default():` too
                entries = self._load(static_batch)
                times["load"] = self._load_seconds + time.perf_counter() - t0
                self._phase("import")
                t1 = time.perf_counter()
                module = (
                    entries
                    if isinstance(entries, ModuleOp)
                    else import_entries(
                        entries,
                        bool(self.experimental_enable_resource_variables),
                        static_batch,
                    )
                )
        except ModelImportError as e:
            raise ConversionError(str(e)) from e
        self._had_dynamic_dims = _has_dynamic_inputs(module)
        from passes.quantize_qat import qat_ops

        self._qat = bool(qat_ops(module))
        self._check_flags()  # again, now that the model is known
        times["import"] = time.perf_counter() - t1
        self._phase("passes")
        t2 = time.perf_counter()
        try:
            run = (self.debug.run if self.debug is not None else run_pipeline)(
                module,
                self.effective_pipeline(),
                verify_each=self.verify_each,
                on_pass=self.on_pass,
                before_pass=self.before_pass,
            )
        except PassError as e:
            from passes.quantize_qat import QATError

            if isinstance(e.__cause__, QATError):  # the model, not the pass, is at fault: say so plainly
                raise e.__cause__ from None
            raise
        times["passes"] = time.perf_counter() - t2
        self._phase("export")
        t3 = time.perf_counter()
        from passes.pin_inputs import dynamic_state_notes, pin_inputs

        notes = pin_inputs(
            module
        )  # after any pipeline: folded dynamic dims must not be resized into wrong numbers
        notes += dynamic_state_notes(module)
        check_legalized(module, self._compat_flags())
        if self.quantization_mode() == "qat":
            t4 = time.perf_counter()
            self._quantize_qat(module)
            times["quantize"] = time.perf_counter() - t4
        elif self.quantization_mode() in ("int8", "int16x8"):
            self._phase("calibrate")
            t4 = time.perf_counter()
            self._quantize_int8(module)
            times["quantize"] = time.perf_counter() - t4
        data = export(module, self._export_options())
        if self.metadata is not None:
            from compiler.model_metadata import write_metadata

            data = write_metadata(data, self.metadata)
        times["export"] = time.perf_counter() - t3
        from compiler.export import summary

        self.result = ConversionResult(module, run, times, summary(module), len(data), notes)
        for note in notes:
            warnings.warn(note, ConversionNote, stacklevel=2)
        return data

    def _quantize_int8(self, module: ModuleOp) -> None:
        """Calibrate the float module on the representative dataset, then quantize it to int8 (TF's order)."""
        from compiler.calibrate import annotate_ranges, calibrate
        from compiler.pipeline import make_context
        from passes.quantize_int8 import PostQuantize, QuantizeInt8, QuantizeInt16x8

        annotate_ranges(module, calibrate(module, self.representative_dataset))
        ctx = make_context()
        per_channel = not self._experimental_disable_per_channel
        per_channel_dense = not self._experimental_disable_per_channel_quantization_for_dense_layers
        if self.quantization_mode() == "int16x8":
            QuantizeInt16x8(
                per_channel=per_channel, per_channel_dense=per_channel_dense, int16_only=self.int8_only()
            ).apply(ctx, module)
        else:
            QuantizeInt8(
                per_channel=per_channel, per_channel_dense=per_channel_dense, int8_only=self.int8_only()
            ).apply(ctx, module)
        PostQuantize(
            input_type=_io_type(self.inference_input_type), output_type=_io_type(self.inference_output_type)
        ).apply(ctx, module)
        module.verify()

    def _quantize_qat(self, module: ModuleOp) -> None:
        """Quantize a QAT module from the FakeQuant parameters qat-ranges wrote (no calibration)."""
        from compiler.pipeline import make_context
        from passes.quantize_int8 import PostQuantize
        from passes.quantize_qat import QuantizeQAT

        ctx = make_context()
        QuantizeQAT(
            per_channel=not self._experimental_disable_per_channel,
            per_channel_dense=not self._experimental_disable_per_channel_quantization_for_dense_layers,
            int8_only=self.int8_only(),
        ).apply(ctx, module)
        io = (_io_type(self.inference_input_type), _io_type(self.inference_output_type))
        if self._experimental_qdq_conversion_mode == "STATIC" and not self.optimizations:
            # TF's static QDQ model keeps the int8 ends (its I/O type settings must stay float32 then)
            io = ("int8", "int8")
        PostQuantize(input_type=io[0], output_type=io[1]).apply(ctx, module)
        module.verify()

    # ---- compatibility: select TF ops (Flex) and custom ops ----

    def _compat_flags(self) -> CompatFlags:
        ops = {_enum_name(o) for o in self.target_spec.supported_ops}
        return CompatFlags(
            builtins=bool(ops & {"TFLITE_BUILTINS", "TFLITE_BUILTINS_INT8", _OPS_16X8}) or not ops,
            flex="SELECT_TF_OPS" in ops,
            custom=bool(self.allow_custom_ops),
        )

    def _pipeline(self) -> str:
        """The pass pipeline for these flags (a pipeline set by the user is taken as given)."""
        if self.pass_pipeline != DEFAULT_PIPELINE:
            return self.pass_pipeline
        return compat_pipeline(self._compat_flags())

    def _export_options(self) -> ExportOptions:
        tf_version = ""
        if self._model_type == "JAX":  # the installed version, without importing TensorFlow for a JAX model
            tf_version = installed_tensorflow_version()
        else:
            try:
                import tensorflow as tf

                tf_version = tf.__version__
            except ImportError:
                pass
        mode = self.quantization_mode()
        return ExportOptions(
            model_type=MODEL_TYPE[self._model_type],
            tensorflow_version=tf_version,
            include_conversion_metadata=not self.exclude_conversion_metadata,
            optimization_modes=(
                optimization_modes(mode)
                if mode != "qat"
                else [QUANTIZATION_AWARE_TRAINING] * bool(self.optimizations)  # TF writes none for QDQ alone
            ),
            extra_metadata=reduced_precision_metadata(mode),
            allow_custom_ops=bool(self.allow_custom_ops),
            enable_select_tf_ops=self._compat_flags().flex,
            force_select_tf_ops=self._compat_flags().flex and not self._compat_flags().builtins,
        )


_OPS_16X8 = "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8"

# tf.lite.Optimize members that all mean "quantize" (SIZE and LATENCY are deprecated aliases of DEFAULT in TF).
_QUANTIZING_OPTIMIZATIONS = {"DEFAULT", "OPTIMIZE_FOR_SIZE", "OPTIMIZE_FOR_LATENCY"}


def fake_quant_pipeline(base: str = DEFAULT_PIPELINE) -> str:
    """`base` for a float conversion of a model with FakeQuant / QuantizeAndDequantize ops: each becomes a uint8
    QUANTIZE/DEQUANTIZE pair (legalize-fake-quant) before legalize-tf, as TF's prepare pass does."""
    from compiler.pipeline import expand_pipeline

    base = expand_pipeline(base)
    if "legalize-tf" in [p.split("{")[0] for p in base.split(",")]:
        base = base.replace("legalize-tf", "legalize-fake-quant,legalize-tf", 1)
    return base


def qat_pipeline(base: str = DEFAULT_PIPELINE) -> str:
    """`base` for a quantization-aware-trained model: FakeQuant weights legalized to int8 (prepare-qat) before
    legalize-tf, the remaining FakeQuant ops turned into ranges (qat-ranges) after the float passes."""
    from compiler.pipeline import expand_pipeline

    base = expand_pipeline(base)
    if "legalize-tf" in base.split(","):
        base = base.replace("legalize-tf", "prepare-qat,legalize-tf", 1)
    return f"{base},qat-ranges"


def installed_tensorflow_version() -> str:
    """TensorFlow's version without importing it: its module if loaded, else the installed distribution's metadata
    (published as `tensorflow`, `tensorflow-cpu` or `tensorflow-gpu`); "" when none is installed."""
    import sys

    module = sys.modules.get("tensorflow")
    if getattr(module, "__version__", None):
        return module.__version__
    import importlib.metadata

    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-gpu"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return ""


def _type_name(t: Any) -> str:
    """A dtype given as tf.float16, np.float16 or "float16" -> "float16"."""
    name = getattr(t, "name", None)
    if isinstance(name, str):
        return name
    try:
        import numpy as np

        return np.dtype(t).name
    except TypeError:
        return str(t)


def _io_type(t: Any) -> str:
    """inference_input_type / inference_output_type as a dtype name (None: float32)."""
    return "float32" if t is None else _type_name(t)


def _eager_scope() -> Any:
    """Eager execution even inside a caller's graph (what TF's own converter enters) once TensorFlow is loaded."""
    import contextlib
    import sys

    if "tensorflow" not in sys.modules:
        return contextlib.nullcontext()
    from tensorflow.python.eager import context

    return context.eager_mode()


def _function_key(fn: Any, index: int) -> str:
    """Signature key for one of several concrete functions: its Python name (`__inference_encode_42` -> `encode`)."""
    import re

    name = getattr(fn, "name", "") or ""
    name = name.decode() if isinstance(name, bytes) else str(name)
    m = re.fullmatch(r"__inference_(.+?)_\d+", name)
    return m.group(1) if m else (name or f"fn_{index}")


def _has_dynamic_inputs(module: ModuleOp) -> bool:
    from xdsl.dialects import func
    from xdsl.dialects.builtin import TensorType

    return any(
        isinstance(a.type, TensorType) and any(d < 0 for d in a.type.get_shape())
        for fn in module.ops
        if isinstance(fn, func.FuncOp)
        for a in fn.args
    )


def check_legalized(module: ModuleOp, flags: CompatFlags | None = None) -> None:
    """Raise one ConversionError listing every op that is not a TFLite builtin (nor a Flex/custom op the flags
    allow), grouped by TF op type, each with the converter flag that would help — TF's split into "TF Select ops"
    (in TF's Flex allowlist: SELECT_TF_OPS) and "Custom ops" (outside it: allow_custom_ops)."""
    from compiler.export import check_exportable
    from dialects.names import NAME
    from passes.select_tf import is_flex_allowlisted

    flags = flags or CompatFlags()
    bad = check_exportable(module)
    if not bad:
        return
    by_type: dict[str, list[str]] = {}
    for op in bad:
        op_type = getattr(op, "op_type", None) or op.name
        name = op.attributes.get(NAME)
        by_type.setdefault(op_type, []).append(name.data if name is not None else "?")
    lines = []
    flex_ops, custom_ops = [], []
    for op_type, nodes in sorted(by_type.items()):
        shown = ", ".join(nodes[:3]) + (f", ... ({len(nodes) - 3} more)" if len(nodes) > 3 else "")
        flex = is_flex_allowlisted(op_type)
        (flex_ops if flex else custom_ops).append(op_type)
        lines.append(f"  {op_type} x{len(nodes)}: {shown} [fix: {_flag_that_helps(op_type, flex, flags)}]")
    summary = []
    if flex_ops:
        summary.append(f"TF Select ops: {', '.join(flex_ops)}")
    if custom_ops:
        summary.append(f"Custom ops: {', '.join(custom_ops)}")
    raise ConversionError(
        f"{len(bad)} op(s) of {len(by_type)} type(s) have no TFLite builtin lowering in tflc:\n"
        + "\n".join(lines)
        + "\n"
        + "\n".join(summary)
        + "\nFix: run `tflc analyze` on the model for per-op advice; ops with no builtin need the select-TF "
        "fallback (target_spec.supported_ops = {TFLITE_BUILTINS, SELECT_TF_OPS}) when TF's Flex allowlist has "
        "them, else allow_custom_ops = True and a kernel at run time."
    )


def _flag_that_helps(op_type: str, flex_allowlisted: bool, flags: CompatFlags) -> str:
    if flex_allowlisted and not flags.flex:
        return "add SELECT_TF_OPS to target_spec.supported_ops (tflc convert --select-tf-ops)"
    if not flags.custom:
        return (
            "not in TensorFlow's Flex allowlist: set allow_custom_ops = True (tflc convert --allow-custom-ops) "
            f"and give the runtime a kernel for custom op '{op_type}'"
        )
    return "no Flex or custom fallback applies; rewrite the model without it"
