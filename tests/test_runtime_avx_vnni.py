"""The avx2_vnni int8 kernels on a CPU with AVX2 + AVX-VNNI and no AVX-512, bit-exact with LiteRT BUILTIN_REF.

At the avx2_vnni level the int8 GEMMs (CONV_2D, FULLY_CONNECTED, hybrid CONV_2D / FULLY_CONNECTED) run 256-bit VEX
vpdpbusd kernels on uint8 rows when the CPU has AVX-VNNI (runtime/src/qgemm.c, ymm_vex); an AVX512-VNNI CPU runs
their EVEX twin instead, so tests/test_runtime_isa_q.py does not reach the VEX code on such machines. Here a child
process runs our runtime on an emulated CPU of that level, in two ways:
  - qemu: qemu-x86_64 -cpu max,+avx-vnni,x-force-features=on (TCG: AVX2 and FMA, no AVX-512; CPUID reports AVX-VNNI,
    which TCG cannot execute, so tests/avx_vnni_shim.c, preloaded in the guest, computes each vpdpbusd on SIGILL);
  - native: the shim also makes CPUID fault and report AVX2 + AVX-VNNI without AVX-512 (CPUs with CPUID faulting);
    only CPUID and vpdpbusd are emulated, the rest runs on the CPU.
In both the runtime detects avx2_vnni by itself. The shim's self-test checks its vpdpbusd against the CPU's EVEX
vpdpbusd (or a scalar sum). The models (test_runtime_isa_q's, FULLY_CONNECTED row tails of 3 and 5, and its cnn
with requantization multipliers above 1) are converted and run on LiteRT here; the child runs ours at 1 and 2
threads and every op output must equal LiteRT's. It also runs them under TFLRT_ROUNDING=single (the GEMM's
non-fused path; LiteRT has no such mode, so compared with our native levels). Without qemu-x86_64 (or with one that
cannot run the shim) the qemu tests skip, and fail instead when TFLC_REQUIRE_EMULATOR is set (CI); the native ones
skip where CPUID does not fault.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from test_runtime_isa_q import MODELS as ISA_MODELS  # noqa: E402
from test_runtime_isa_q import _hybrid, _scaled_output, reference_keeping_tensors  # noqa: E402
from test_runtime_kernels_q import HYBRID, INT8, _const, _convert  # noqa: E402

from runtime import _tflrt  # noqa: E402


def _fc_tails(x):
    """FULLY_CONNECTED on 3 and on 5 rows (the 3- and 5-row VNNI kernels), depth 70, 40 units (a half panel)."""
    a = tf.matmul(x[:3], _const((70, 40), 71, 0.1)) + _const((40,), 72)
    b = tf.nn.relu(tf.matmul(x[3:], _const((70, 40), 73, 0.1)))
    return tf.concat([a, b], 0)


# name -> (function, input shapes, quantization, ops the converter must emit)
MODELS = {name: (fn, shapes, INT8, ops) for name, (fn, shapes, ops) in ISA_MODELS.items()}
MODELS["fc_tails"] = (_fc_tails, [(8, 70)], INT8, ["FULLY_CONNECTED"])
MODELS["hybrid"] = (_hybrid, [(2, 8, 9, 5)], HYBRID, ["CONV_2D", "FULLY_CONNECTED"])
# name -> (model, op, factor): that model with the output scales of `op` divided by factor (multipliers above 1)
SCALED = {"cnn_conv_x300": ("cnn", "CONV_2D", 300.0), "cnn_dw_x300": ("cnn", "DEPTHWISE_CONV_2D", 300.0)}
NAMES = [*MODELS, *SCALED]
# models whose integer GEMMs all run on vpdpbusd at this level (each must have emulated some)
GEMM_MODELS = ["stem", "cnn", "se", "wide", "fc", "fc_tails", "hybrid", *SCALED]
# qemu's CPU model: everything TCG runs (AVX2, FMA, no AVX-512), and AVX-VNNI reported though TCG lacks it
QEMU_CPU = "max,+avx-vnni,x-force-features=on"
MODES = ["qemu", "native"]


def _unavailable(reason: str):
    if os.environ.get("TFLC_REQUIRE_EMULATOR"):
        pytest.fail(f"AVX-VNNI emulation required (TFLC_REQUIRE_EMULATOR is set) but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> dict:
    """avx_vnni_shim.c built as a preload library ("so") and as its self-test program ("probe")."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        _unavailable(f"needs Linux on x86-64, not {platform.system()} {platform.machine()}")
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if not cc:
        _unavailable("no C compiler to build tests/avx_vnni_shim.c")
    out = tmp_path_factory.mktemp("shim")
    src = os.path.join(HERE, "avx_vnni_shim.c")
    built = {"so": str(out / "avx_vnni_shim.so"), "probe": str(out / "avx_vnni_probe")}
    for cmd in (
        ["-shared", "-fPIC", src, "-o", built["so"]],
        ["-DTFLC_SHIM_PROBE", src, "-o", built["probe"]],
    ):
        res = subprocess.run([cc, "-O2", *cmd], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    return built


def _launch(mode: str, shim: dict) -> tuple[list[str], dict]:
    """Command prefix and environment of a process in `mode`, with the shim loaded."""
    if mode == "qemu":
        return [shutil.which("qemu-x86_64"), "-cpu", QEMU_CPU, "-E", "LD_PRELOAD=" + shim["so"]], {}
    return [], {"LD_PRELOAD": shim["so"], "TFLC_SHIM_CPUID": "1"}


@pytest.fixture(scope="module", params=MODES)
def mode(request, shim) -> str:
    """Where the avx2_vnni level runs: qemu (required in CI) or natively with faked CPUID (where it faults)."""
    if request.param == "qemu":
        qemu = shutil.which("qemu-x86_64")
        if not qemu:
            _unavailable(
                "qemu-x86_64 is not installed (Debian: qemu-user 10.0, from bookworm-backports on Debian 12)"
            )
        version = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        res = subprocess.run([qemu, "-cpu", QEMU_CPU, shim["probe"]], capture_output=True, text=True)
        if res.returncode != 0:
            _unavailable(f"{version} cannot run the shim (qemu-user 10.0 can, 7.2 cannot): {res}")
    else:
        res = subprocess.run(
            [shim["probe"]], capture_output=True, text=True, env=dict(os.environ, TFLC_SHIM_CPUID="1")
        )
        assert res.returncode == 0, res
        if not json.loads(res.stdout)["cpuid_faked"]:
            pytest.skip("this CPU or kernel has no CPUID faulting (arch_prctl ARCH_SET_CPUID)")
    return request.param


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """(folder, {name: {tensor index: LiteRT BUILTIN_REF value}}): each model and input saved in the folder."""

    folder = tmp_path_factory.mktemp("avx_vnni")
    refs, models = {}, {}
    for name in NAMES:
        if name in MODELS:
            fn, shapes, mode, ops = MODELS[name]
            model = models[name] = _convert(fn, shapes, mode)
        else:
            base, op, factor = SCALED[name]
            mode, ops = MODELS[base][2], [op]
            model = _scaled_output(models[base], op, factor)
        ref, names = reference_keeping_tensors(name, model, ops)
        assert "DEQUANTIZE" not in names, f"{name}: {names}"
        d = ref.get_input_details()[0]
        rng = np.random.default_rng(11)
        if mode == HYBRID:
            x = rng.uniform(-3, 2, size=d["shape"]).astype(np.float32)
            # float outputs of the hybrid kernels: the model output (their intermediates are float as well)
            indices = [ref.get_output_details()[0]["index"]]
        else:
            x = rng.integers(-128, 128, size=d["shape"]).astype(np.int8)
            indices = [d["index"]] + [int(i) for o in ref._get_ops_details() for i in o["outputs"]]
        ref.set_tensor(d["index"], x)
        ref.invoke()
        refs[name] = {i: ref.get_tensor(i).copy() for i in indices}
        (folder / f"{name}.tflite").write_bytes(model)
        np.save(folder / f"{name}.in.npy", x)
    return folder, refs


def _child(
    folder, levels: str, threads: str, launch: tuple[list[str], dict] | None = None, **env_extra: str
) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TFLRT_ISA", "PYTHONFAULTHANDLER", "LD_PRELOAD")}
    env["PYTHONPATH"] = os.pathsep.join([REPO, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    prefix, env_launch = launch or ([], {})
    env.update(env_launch, **env_extra)
    res = subprocess.run(
        [
            *prefix,
            sys.executable,
            os.path.join(HERE, "avx_vnni_child.py"),
            str(folder),
            levels,
            threads,
            *NAMES,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, f"child exited {res.returncode}: {res.stderr[-3000:]}"
    return json.loads(res.stdout.strip().splitlines()[-1])


def _check_emulated(report: dict, mode: str) -> None:
    """The child ran at avx2_vnni, detected by itself, and the VEX kernels ran for every GEMM model."""
    shim = report["shim"]
    assert shim is not None and shim["sigill"], "avx_vnni_shim.so was not loaded in the child"
    assert shim["selftest_mismatches"] == 0, (
        f"vpdpbusd differs from the CPU's EVEX form or a scalar sum: {shim}"
    )
    assert report["isa"] == ["avx2_vnni", "avx2_vnni"], (
        f"runtime isa() in the child ({mode}): {report['isa']}"
    )
    if mode == "native":
        assert shim["cpuid_faked"] and shim["cpuid_traps"] > 0, shim
    if shim["selftest_trapped"]:  # the instruction traps here: each GEMM model must have trapped too
        missing = [n for n in GEMM_MODELS if report["vnni_per_model"][n] == 0]
        assert not missing, f"no VEX vpdpbusd executed for {missing}"


def _load(folder, name: str, level: str, threads: int) -> dict:
    with np.load(folder / f"{name}.{level}.{threads}.npz") as z:
        return {int(k): z[k] for k in z.files}


@pytest.fixture(scope="module")
def emulated(cases, shim, mode):
    """The child's report: every model at avx2_vnni (detected), 1 and 2 threads, outputs in folder/mode."""
    folder, _ = cases
    report = _child(_copy_cases(folder, mode), "-", "1,2", _launch(mode, shim))
    _check_emulated(report, mode)
    return report


def _copy_cases(folder, sub: str):
    """The saved models and inputs copied into folder/sub, where a child run writes its outputs apart."""
    os.makedirs(folder / sub, exist_ok=True)
    for name in NAMES:
        for ext in (".tflite", ".in.npy"):
            shutil.copy(folder / f"{name}{ext}", folder / sub / f"{name}{ext}")
    return folder / sub


def test_runs_at_avx2_vnni(emulated, mode):
    """The runtime detects avx2_vnni by itself; where vpdpbusd traps, it trapped in every GEMM model."""
    assert emulated["isa"] == ["avx2_vnni", "avx2_vnni"]
    if emulated["shim"]["selftest_trapped"]:
        assert emulated["shim"]["vnni_emulated"] >= sum(emulated["vnni_per_model"].values()) > 0


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", NAMES)
def test_avx_vnni_exact(cases, emulated, mode, name, threads):
    """Every op output (the model output for hybrid models) equals LiteRT BUILTIN_REF's bytes."""
    folder, refs = cases
    got = _load(folder / mode, name, "-", threads)
    for idx, want in refs[name].items():
        assert got[idx].dtype == want.dtype and got[idx].shape == want.shape, idx
        if not np.array_equal(got[idx], want):
            diff = np.abs(got[idx].astype(np.float64) - want.astype(np.float64))
            raise AssertionError(
                f"{name}, avx2_vnni ({mode}), {threads} threads: tensor {idx} differs from LiteRT BUILTIN_REF in "
                f"{int(np.count_nonzero(diff))} of {diff.size} values (max {float(diff.max())})"
            )


def test_single_rounding_matches_native(cases, shim, mode, emulated):
    """TFLRT_ROUNDING=single: the VNNI GEMM's non-fused path (sums then per-value requantization) gives the same
    bytes at avx2_vnni as our runtime natively at avx2 and at the CPU's own level."""
    folder, _ = cases
    single, native = _copy_cases(folder, mode + "-single"), folder / "levels-single"
    _check_emulated(_child(single, "-", "1", _launch(mode, shim), TFLRT_ROUNDING="single"), mode)
    level_here = _tflrt.isa()[1]
    if not native.exists():
        _child(_copy_cases(folder, "levels-single"), f"avx2,{level_here}", "1", None, TFLRT_ROUNDING="single")
    for name in NAMES:
        got = _load(single, name, "-", 1)
        for level in ("avx2", level_here):
            want = _load(native, name, level, 1)
            bad = [i for i in want if not np.array_equal(got[i], want[i])]
            assert not bad, (
                f"{name}: tensors {bad} differ between avx2_vnni ({mode}) and native {level} (single rounding)"
            )
