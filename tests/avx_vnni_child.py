"""Child process of test_runtime_avx_vnni.py: runs saved int8 models on our runtime and saves every tensor.

    python avx_vnni_child.py DIR LEVEL[,LEVEL...] THREADS[,THREADS...] NAME...

For each name, DIR/NAME.tflite is run on DIR/NAME.in.npy at each ISA cap (`-` = none: the detected level) and thread
count, keeping all tensors; they go to DIR/NAME.LEVEL.THREADS.npz keyed by tensor index. Prints one JSON line: the
runtime's isa(), and when avx_vnni_shim.so is preloaded its state, self-test result and how many CPUID / vpdpbusd
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
    lib = ctypes.CDLL(None)
    try:
        active = ctypes.c_int.in_dll(lib, "tflc_shim_active")
    except ValueError:
        return None
    return lib, active


def _counter(lib, name: str) -> int:
    return ctypes.c_ulong.in_dll(lib, name).value if lib is not None else 0


def main(argv: list[str]) -> None:
    folder, levels, threads, names = (
        argv[0],
        argv[1].split(","),
        [int(t) for t in argv[2].split(",")],
        argv[3:],
    )
    shim = _shim()
    lib = shim[0] if shim else None
    report = {"isa": list(_tflrt.isa()), "shim": None, "vnni_per_model": {}}
    if shim:
        report["shim"] = {
            "active": shim[1].value,
            "native_avx_vnni": ctypes.c_int.in_dll(lib, "tflc_shim_native_avx_vnni").value,
            "selftest_mismatches": lib.tflc_shim_selftest(500),
        }
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
    if shim:
        report["shim"]["vnni_emulated"] = _counter(lib, "tflc_shim_vnni_emulated") - start
        report["shim"]["cpuid_traps"] = _counter(lib, "tflc_shim_cpuid_traps")
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
