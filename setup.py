"""Builds the C reference interpreter (runtime/_tflrt) as part of the package build; no network needed."""

from glob import glob

from setuptools import Extension, setup

sources = sorted(glob("runtime/src/*.c") + glob("runtime/src/kernels/*.c"))

setup(
    ext_modules=[
        Extension(
            "runtime._tflrt",
            sources=sources,
            include_dirs=["runtime/src"],
            extra_compile_args=["-std=c11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"],
            extra_link_args=["-lm"],
        )
    ]
)
