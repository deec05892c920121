"""`runtime.Interpreter`: the ai_edge_litert.interpreter.Interpreter API over the C interpreter (runtime._tflrt)."""

from __future__ import annotations

import enum
import mmap
import os

import numpy as np
from tflite.TensorType import TensorType

from . import _tflrt
from .dtypes import schema_numpy_types
from .tensors import decode_strings, encode_strings

# Schema TensorType -> numpy type, as ai_edge_litert reports it: numpy's own types, plus STRING as bytes and INT4 as
# int8 (LiteRT reports int4 tensors as int8).
_NP_TYPES = {**schema_numpy_types(), TensorType.STRING: np.bytes_, TensorType.INT4: np.int8}

_ALLOC_CONST = 1
_MMAP_THRESHOLD = 64 << 20


class OpResolverType(enum.Enum):
    """Accepted for API compatibility; this runtime has a single set of (reference) kernels."""

    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def _default_max_bytes() -> int:
    env = os.environ.get("TFLRT_MAX_BYTES")
    if env is not None:
        return int(env)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 0


def _np_type(t: int):
    try:
        return _NP_TYPES[t]
    except KeyError:
        raise ValueError(f"tensor type {t} has no numpy equivalent") from None


class SignatureRunner:
    """Callable running one SignatureDef: `runner(**inputs) -> {output_name: array}` (mirrors ai_edge_litert)."""

    def __init__(self, interpreter: Interpreter | None = None, signature_key: str | None = None):
        if not interpreter:
            raise ValueError("None interpreter provided.")
        if not signature_key:
            raise ValueError("None signature_key provided.")
        self._interpreter = interpreter
        self._signature_key = signature_key
        sigs = interpreter._get_full_signature_list()
        if signature_key not in sigs:
            raise ValueError(f'Invalid signature_key provided: "{signature_key}".')
        self._signature_def = sigs[signature_key]
        self._inputs = self._signature_def["inputs"]
        self._outputs = self._signature_def["outputs"].items()
        self._subgraph_index = interpreter._signature_subgraph[signature_key]

    def __call__(self, **kwargs):
        if len(kwargs) != len(self._inputs):
            raise ValueError(
                "Invalid number of inputs provided for running a SignatureDef, "
                f"expected {len(self._inputs)} vs provided {len(kwargs)}"
            )
        it = self._interpreter
        for name, value in kwargs.items():
            if name not in self._inputs:
                raise ValueError(f"Invalid Input name ({name}) for SignatureDef")
            value = np.asarray(value)
            it._c.resize_input(self._subgraph_index, self._inputs[name], [int(d) for d in value.shape])
        it._allocate(self._subgraph_index)
        for name, value in kwargs.items():
            it._set_tensor(self._inputs[name], value, self._subgraph_index)
        it._c.invoke(self._subgraph_index)
        return {name: it.get_tensor(idx, self._subgraph_index) for name, idx in self._outputs}

    def invoke_same_shapes(self, **kwargs) -> None:
        """Run again on inputs of the shapes of the previous call, without resizing or re-planning memory, and
        leave the outputs in the interpreter (calibration's loop over same-shaped samples). A shape that differs
        raises ValueError."""
        if len(kwargs) != len(self._inputs):
            raise ValueError(
                "Invalid number of inputs provided for running a SignatureDef, "
                f"expected {len(self._inputs)} vs provided {len(kwargs)}"
            )
        it = self._interpreter
        for name, value in kwargs.items():
            if name not in self._inputs:
                raise ValueError(f"Invalid Input name ({name}) for SignatureDef")
            it._set_tensor(self._inputs[name], value, self._subgraph_index)
        it._c.invoke(self._subgraph_index)

    def get_input_details(self):
        return {
            name: self._interpreter._get_tensor_details(idx, self._subgraph_index)
            for name, idx in self._inputs.items()
        }

    def get_output_details(self):
        return {
            name: self._interpreter._get_tensor_details(idx, self._subgraph_index)
            for name, idx in self._outputs
        }


class Interpreter:
    """Runs a .tflite model with tflc's C reference interpreter. Same constructor and methods as
    `ai_edge_litert.interpreter.Interpreter`; delegate and resolver arguments are accepted and ignored."""

    def __init__(
        self,
        model_path=None,
        model_content=None,
        experimental_delegates=None,
        num_threads=None,
        experimental_op_resolver_type=OpResolverType.AUTO,
        experimental_preserve_all_tensors=False,
        custom_ops=None,
        experimental_fast_float=False,
        experimental_profile=False,
        **unsupported_options,
    ):
        """`custom_ops` (tflc extension): {custom_code: fn(inputs, options) -> outputs} implementing the model's
        custom ops in Python (see runtime/custom_ops.py); C kernels register with runtime.register_custom_op.
        `experimental_fast_float` (tflc extension): float convolutions, fully connected layers and matrix products
        use FMA and wider tiles where the CPU has them (within ~1e-5 relative of the default exact mode, which is
        bit-identical on every ISA level and thread count).
        `experimental_profile` (tflc extension): time every node of every invoke; read with get_profile()."""
        if num_threads is not None:
            if not isinstance(num_threads, int):
                raise ValueError("type of num_threads should be int")
            if num_threads < 1:
                raise ValueError("num_threads should >= 1")
        # Private limits for fuzzing hostile files: bytes per tensor/arena, WHILE iterations.
        # By default a memory plan may not exceed half the machine's RAM: a hostile file that asks for more gets an
        # error at allocate_tensors instead of the process being OOM-killed (TFLRT_MAX_BYTES overrides, 0 = no limit).
        max_bytes = int(unsupported_options.pop("_max_tensor_bytes", 0) or 0) or _default_max_bytes()
        max_loop = int(unsupported_options.pop("_max_loop_iterations", 0) or 0)
        # Private: libm expf in float SOFTMAX/LOGISTIC, bit-identical to LiteRT's BUILTIN_REF kernels (calibration).
        exact_math = bool(unsupported_options.pop("_exact_math", False))
        if model_path and not model_content:
            model_path = os.fspath(model_path)
            try:
                with open(model_path, "rb") as f:
                    if os.fstat(f.fileno()).st_size >= _MMAP_THRESHOLD:
                        # large models (up to and beyond 2 GiB): map read-only instead of copying; constant
                        # tensors then point into the mapping, which this object keeps alive
                        model_content = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    else:
                        model_content = f.read()
            except OSError as e:
                raise ValueError(f"Failed to open {model_path}: {e}") from e
        elif model_content and not model_path:
            pass
        else:
            raise ValueError("Can't both provide `model_path` and `model_content`")
        if isinstance(model_content, (bytearray, memoryview)):
            model_content = bytes(model_content)  # immutable: constant tensors point into it
        self._model_content = model_content
        self._preserve_all = bool(experimental_preserve_all_tensors)
        self._c = _tflrt.Interp(
            model_content,
            num_threads=int(num_threads or 1),
            preserve_all=self._preserve_all,
            max_bytes=max_bytes,
        )
        if max_loop:
            self._c.set_max_loop_iterations(max_loop)
        if exact_math:
            self._c.set_exact_math(True)
        if experimental_fast_float:
            self._c.set_fast_float(True)
        self._num_threads = int(num_threads or 1)
        if experimental_profile:
            self._c.set_profile(True)
        info = self._c.model_info()
        self._info = info
        self._flex = None
        self._install_host_ops(dict(custom_ops or {}))
        self._signature_defs = {}
        self._signature_subgraph = {}
        for key, sg, ins, outs in info["signatures"]:
            self._signature_defs[key] = {"inputs": dict(ins), "outputs": dict(outs)}
            self._signature_subgraph[key] = sg

    def _install_host_ops(self, custom_ops):
        """Flex ops run through TensorFlow, custom ops through the user's Python functions (or a registered C
        kernel); a custom op with neither is refused here, at load, naming how to provide it."""
        from .custom_ops import FLEX_PREFIX, HostOps, unresolved_custom_codes

        codes = [c for sg in self._info["subgraphs"] for c in sg["custom_codes"]]
        missing = unresolved_custom_codes(codes, custom_ops)
        if missing:
            raise ValueError(
                f"the model uses custom op(s) {', '.join(repr(c) for c in missing)} with no implementation: pass "
                "Interpreter(..., custom_ops={name: fn}) with fn(inputs, options) -> outputs (numpy), or register a "
                "C kernel with runtime.register_custom_op(name, kernel_address) before loading the model"
            )
        routed = {c for c in codes if c in custom_ops and not c.startswith(FLEX_PREFIX)}
        flex_runner = None
        if any(c.startswith(FLEX_PREFIX) and c not in custom_ops for c in codes):
            from . import flex  # imports TensorFlow lazily

            flex_runner = flex.FlexRunner()
        for c in codes:
            if c.startswith(FLEX_PREFIX) and c in custom_ops:
                routed.add(c)
        if flex_runner is None and not routed:
            return
        self._flex = HostOps({c: custom_ops[c] for c in routed}, flex_runner)
        for c in sorted(routed):
            self._c.route_custom(c)
        self._c.set_flex(self._flex)

    # ---- allocation / execution ----

    def _allocate(self, subgraph_index=0):
        self._c.allocate(subgraph_index)

    def allocate_tensors(self):
        self._allocate(0)

    def invoke(self):
        self._c.invoke(0)

    def get_profile(self, subgraph_index=0):
        """Where the invokes' time went (tflc extension; needs experimental_profile=True, else None): a dict with
        num_threads, invokes, invoke_ms (per invoke), nodes (per node: op_name, output_shape, ms, busy_ms per
        thread, wait_ms, parallel_calls, tasks, handoff_us, fused: invokes it ran inside the node before it, a
        residual ADD, ...) and by_op (op name -> count, ms, wait_ms), all
        averaged over the invokes since profiling began or reset_profile(). runtime.profile.format_profile prints
        it."""
        from .profile import build_profile

        if not 0 <= subgraph_index < self.num_subgraphs():
            raise ValueError(f"subgraph_index is out of range: {subgraph_index}")
        raw = self._c.profile(subgraph_index)
        if raw is None:
            return None
        sg = self._info["subgraphs"][subgraph_index]
        shapes = []
        for _name, _version, _ins, outs in sg["ops"]:
            first = next((t for t in outs if t >= 0), None)
            shapes.append(list(self._c.tensor_info(subgraph_index, first)[2]) if first is not None else [])
        return build_profile(raw, sg["ops"], shapes, self._num_threads)

    def reset_profile(self):
        """Clears the profile's sums (tflc extension)."""
        self._c.reset_profile()

    def reset_all_variables(self):
        for i in range(self.num_subgraphs()):
            self._c.reset_variables(i)

    def num_subgraphs(self):
        return len(self._info["subgraphs"])

    def arena_bytes(self, subgraph_index=0):
        """Bytes of the activation arena planned for a subgraph (after allocate_tensors)."""
        return self._c.arena_bytes(subgraph_index)

    # ---- tensors ----

    def _check_tensor(self, tensor_index, subgraph_index):
        if not 0 <= subgraph_index < self.num_subgraphs():
            raise ValueError(f"subgraph_index is out of range: {subgraph_index}")
        n = self._info["subgraphs"][subgraph_index]["num_tensors"]
        if not 0 <= int(tensor_index) < n:
            raise ValueError(f"Invalid tensor index {tensor_index} exceeds max tensor index {n - 1}")

    def _get_tensor_details(self, tensor_index, subgraph_index):
        tensor_index = int(tensor_index)
        subgraph_index = int(subgraph_index)
        self._check_tensor(tensor_index, subgraph_index)
        name, ttype, shape, sig, scales, zps, qdim, _alloc, _nbytes, sparse, _has = self._c.tensor_info(
            subgraph_index, tensor_index
        )
        if ttype not in _NP_TYPES:
            raise ValueError("Could not get tensor details")
        shape_arr = np.array(shape, dtype=np.int32)
        sig_arr = np.array(sig, dtype=np.int32) if sig is not None else shape_arr.copy()
        quant = (float(scales[0]), int(zps[0])) if len(scales) == 1 else (0.0, 0)
        return {
            "name": name if name is not None else "",
            "index": tensor_index,
            "shape": shape_arr,
            "shape_signature": sig_arr,
            "dtype": _NP_TYPES[ttype],
            "quantization": quant,
            "quantization_parameters": {
                "scales": np.array(scales, dtype=np.float32),
                "zero_points": np.array(zps, dtype=np.int32),
                "quantized_dimension": int(qdim),
                "block_size": 0,
            },
            "sparsity_parameters": {"sparse": True} if sparse else {},
        }

    def get_tensor_details(self, subgraph_index=0):
        n = self.num_subgraphs()
        if subgraph_index < 0 or subgraph_index >= n:
            raise ValueError(
                f"subgraph_index is out of range: {subgraph_index} for the model, which has {n} subgraphs."
            )
        out = []
        for i in range(self._info["subgraphs"][subgraph_index]["num_tensors"]):
            try:
                out.append(self._get_tensor_details(i, subgraph_index))
            except ValueError:
                pass
        return out

    def get_input_details(self):
        return [self._get_tensor_details(i, 0) for i in self._info["subgraphs"][0]["inputs"]]

    def get_output_details(self):
        return [self._get_tensor_details(i, 0) for i in self._info["subgraphs"][0]["outputs"]]

    def _set_tensor(self, tensor_index, value, subgraph_index):
        tensor_index = int(tensor_index)
        self._check_tensor(tensor_index, subgraph_index)
        _, ttype, shape, *_ = self._c.tensor_info(subgraph_index, tensor_index)
        dtype = _np_type(ttype)
        value = np.asarray(value)
        if ttype == TensorType.STRING and value.dtype.kind in ("S", "U", "O"):
            if tuple(value.shape) != tuple(shape):
                raise ValueError(
                    f"Cannot set tensor: Dimension mismatch. Got {list(value.shape)} but expected {list(shape)} "
                    f"for input {tensor_index}."
                )
            self._c.set_string(subgraph_index, tensor_index, encode_strings(value))
            return
        if value.dtype != np.dtype(dtype):
            raise ValueError(
                f"Cannot set tensor: Got value of type {np.dtype(value.dtype).name.upper()} but expected type "
                f"{np.dtype(dtype).name.upper()} for input {tensor_index}, name: {self._c.tensor_info(subgraph_index, tensor_index)[0]} "
            )
        if tuple(value.shape) != tuple(shape):
            raise ValueError(
                f"Cannot set tensor: Dimension mismatch. Got {list(value.shape)} but expected {list(shape)} "
                f"for input {tensor_index}."
            )
        self._c.set_tensor(subgraph_index, tensor_index, np.ascontiguousarray(value))

    def set_tensor(self, tensor_index, value):
        self._set_tensor(tensor_index, value, 0)

    def get_tensor(self, tensor_index, subgraph_index=0):
        tensor_index = int(tensor_index)
        self._check_tensor(tensor_index, subgraph_index)
        _, ttype, shape, _s, _sc, _zp, _q, _alloc, nbytes, _sp, has_data = self._c.tensor_info(
            subgraph_index, tensor_index
        )
        if not has_data and nbytes:
            raise ValueError("Tensor data is null. Run allocate_tensors() first")
        if ttype == TensorType.STRING:
            data = bytes(self._c.view(subgraph_index, tensor_index)) if has_data else b""
            return decode_strings(data, tuple(shape)).astype(np.bytes_)
        out = np.empty(shape, dtype=_np_type(ttype))
        self._c.get_tensor(subgraph_index, tensor_index, out)
        return out

    def tensor(self, tensor_index, subgraph_index=0):
        """Returns a function giving a numpy view of a tensor's current storage (no copy). As in LiteRT,
        allocate_tensors(), resize_tensor_input() and invoke() raise RuntimeError while such a view is alive (the C
        extension counts them; a view also keeps the interpreter's memory alive)."""
        tensor_index, subgraph_index = int(tensor_index), int(subgraph_index)

        def view():
            _, ttype, shape, *_ = self._c.tensor_info(subgraph_index, tensor_index)
            arr = np.frombuffer(self._c.view(subgraph_index, tensor_index), dtype=_np_type(ttype))
            return arr.reshape(shape)

        self._check_tensor(tensor_index, subgraph_index)
        return view

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        input_index = int(input_index)
        self._check_tensor(input_index, 0)
        tensor_size = [int(d) for d in np.array(tensor_size, dtype=np.int32).reshape(-1)]
        if strict:
            _, _, shape, sig, *_ = self._c.tensor_info(0, input_index)
            sig = sig if sig is not None else shape
            if len(sig) != len(tensor_size) or any(
                s != -1 and s != d for s, d in zip(sig, tensor_size, strict=False)
            ):
                raise ValueError(
                    f"ResizeInputTensorStrict only allows mutating unknown dimensions identified by -1 "
                    f"(signature {list(sig)}, requested {tensor_size})."
                )
        self._c.resize_input(0, input_index, tensor_size)

    # ---- signatures ----

    def _get_full_signature_list(self):
        return {
            k: {"inputs": dict(v["inputs"]), "outputs": dict(v["outputs"])}
            for k, v in self._signature_defs.items()
        }

    def get_signature_list(self):
        return {
            k: {"inputs": list(v["inputs"]), "outputs": list(v["outputs"])}
            for k, v in self._signature_defs.items()
        }

    def get_signature_runner(self, signature_key=None):
        if signature_key is None:
            if len(self._signature_defs) != 1:
                raise ValueError(
                    f"SignatureDef signature_key is None and model has {len(self._signature_defs)} Signatures. "
                    "None is only allowed when the model has 1 SignatureDef"
                )
            signature_key = next(iter(self._signature_defs))
        return SignatureRunner(interpreter=self, signature_key=signature_key)

    # ---- ops ----

    def _get_ops_details(self):
        sg = self._info["subgraphs"][0]
        out = []
        for i, (name, _version, ins, outs) in enumerate(sg["ops"]):
            out.append(
                {
                    "index": i,
                    "op_name": name,
                    "inputs": np.array(ins, dtype=np.int32),
                    "outputs": np.array(outs, dtype=np.int32),
                    "operand_types": [self._get_tensor_details(t, 0)["dtype"] for t in ins if t != -1],
                    "result_types": [self._get_tensor_details(t, 0)["dtype"] for t in outs if t != -1],
                }
            )
        return out
