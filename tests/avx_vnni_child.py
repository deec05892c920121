"""Child process of test_runtime_avx_vnni.py: runs saved int8 models on our runtime and saves every tensor.

    python avx_vnni_child.py DIR LEVEL[,LEVEL...] THREADS[,THREADS...] NAME...

For each name, DIR/NAME.tflite is run on DIR/NAME.in.npy at each ISA cap (`-` = none: the detected level) and thread
count, keeping all tensors; they go to DIR/NAME.LEVEL.THREADS.npz keyed by tensor index. Prints one JSON line: the
runtime's isa(), and when avx_vnni_shim.so is preloaded its state, its self-test's result and how many CPUID / vpdpbusd
instructions it emulated, in total and per model.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

import numpy as np

import runtime
from runtime import _tflrt


def _shim():
    """The preloaded avx_vnni_shim.so (its symbols are global in the process), or None."""
    lib = ctypes.CDLL(None)
    try:
        ctypes.c_int.in_dll(lib, "tflc_shim_sigill")
    except ValueError:
        return None
    return lib


def _counter(lib, name: str) -> int:
    return ctypes.c_ulong.in_dll(lib, name).value if lib is not None else 0


def main(argv: list[str]) -> None:
    folder, levels, threads, names = (
        argv[0],
        argv[1].split(","),
        [int(t) for t in argv[2].split(",")],
        argv[3:],
    )
    lib = _shim()
    report = {"isa": list(_tflrt.isa()), "shim": None, "vnni_per_model": {}}
    if lib is not None:
        trapped = ctypes.c_ulong(0)
        lib.tflc_shim_selftest.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_ulong)]
        mismatches = lib.tflc_shim_selftest(500, ctypes.byref(trapped))
        report["shim"] = {
            name: ctypes.c_int.in_dll(lib, "tflc_shim_" + name).value
            for name in ("sigill", "cpuid_faked", "cpuid_avx_vnni")
        }
        report["shim"].update(selftest_mismatches=mismatches, selftest_trapped=trapped.value)
    start = _counter(lib, "tflc_shim_vnni_emulated")
    for name in names:
        model = open(os.path.join(folder, name + ".tflite"), "rb").read()
        x = np.load(os.path.join(folder, name + ".in.npy"))
        before = _counter(lib, "tflc_shim_vnni_emulated")
        for level in levels:
            _tflrt.set_isa(None if level == "-" else level)
            for t in threads:
                it = runtime.Interpreter(
                    model_content=model, num_threads=t, experimental_preserve_all_tensors=True
                )
                it.allocate_tensors()
                it.set_tensor(it.get_input_details()[0]["index"], x)
                it.invoke()
                tensors = {}
                for d in it.get_tensor_details():
                    try:
                        tensors[str(d["index"])] = it.get_tensor(d["index"])
                    except ValueError:  # tensors without data (e.g. optional inputs)
                        continue
                np.savez(os.path.join(folder, f"{name}.{level}.{t}.npz"), **tensors)
            _tflrt.set_isa(None)
        report["vnni_per_model"][name] = _counter(lib, "tflc_shim_vnni_emulated") - before
    if lib is not None:
        report["shim"]["vnni_emulated"] = _counter(lib, "tflc_shim_vnni_emulated") - start
        report["shim"]["cpuid_traps"] = _counter(lib, "tflc_shim_cpuid_traps")
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
