"""Builds the C reference interpreter (runtime/_tflrt) as part of the package build; no network needed."""

from glob import glob

from setuptools import Extension, setup

sources = sorted(glob("runtime/src/*.c") + glob("runtime/src/kernels/*.c"))
# Headers as dependencies: editing one rebuilds every object (setuptools does not scan includes).
headers = sorted(glob("runtime/src/*.h") + glob("runtime/src/kernels/*.h"))

setup(
    ext_modules=[
        Extension(
            "runtime._tflrt",
            sources=sources,
            include_dirs=["runtime/src"],
            depends=headers,
            extra_compile_args=[
                "-std=c11",
                "-O3",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
                "-fno-strict-aliasing",
                "-pthread",
            ],
            extra_link_args=["-lm", "-pthread"],
        )
    ]
)
