# tflc developer commands. `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: setup build demo test test-fast lit bench bench-runtime lint clean fuzz bytecheck ops metadata-bindings

setup: $(VENV)/.installed

# Quantization-aware training for tests/test_quantize_qat.py. Installed without dependencies: tf-keras requires the
# full `tensorflow` wheel, which would replace tensorflow-cpu; what they need besides is already there.
QAT_PACKAGES := tf-keras==2.21.0 tensorflow-model-optimization==0.8.1 dm-tree==0.1.10

$(VENV)/.installed: pyproject.toml setup.py Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps $(QAT_PACKAGES)
	touch $@

# Rebuild the C runtime in place after editing runtime/src (pip's editable install built it once).
build: setup
	$(PY) setup.py -q build_ext --inplace

demo: build
	$(PY) examples/demo.py

test: build
	$(PY) -m pytest -q tests
	lit -q tests/filecheck

test-fast: build
	$(PY) -m pytest -q -m "not heavy" tests
	lit -q tests/filecheck

lit: setup
	lit -v tests/filecheck

# Byte-identity of a refactoring against BASE (a git ref): make bytecheck BASE=main~3
bytecheck: build
	benchmarks/bytecheck/run.sh $(BASE)

bench: build
	$(PY) benchmarks/convert.py
	$(PY) benchmarks/runtime.py
	$(PY) benchmarks/convert_jax.py

# Only the runtime rows of benchmarks/RESULTS.md (latency vs LiteRT XNNPACK at the forced ISA levels, 1 and 2 threads).
bench-runtime: build
	$(PY) benchmarks/runtime.py

# ASan+UBSan fuzzing of the C runtime (runtime/fuzz/fuzz.sh explains; FUZZ_RUNS=N, default 1,000,000). Builds into
# build/fuzz, never touching runtime/_tflrt*.so; installs clang from Debian's packages if missing (else no coverage).
fuzz: setup
	PY=$(PY) bash runtime/fuzz/fuzz.sh

# The op coverage table (TF ops TensorFlow's converter legalizes to builtins, tflc's builtins, kernel status).
ops: build
	$(PY) -m compiler.cli ops --markdown > docs/ops.md

lint: setup
	$(VENV)/bin/ruff check compiler dialects passes runtime tests benchmarks examples
	$(VENV)/bin/ruff format --check compiler dialects passes runtime tests benchmarks examples

clean:
	rm -rf build runtime/*.so out

# Regenerate compiler/model_metadata/metadata_schema_generated.py from TFLite Support's metadata_schema.fbs with flatc
# (Debian: apt-get install flatbuffers-compiler; or FLATC=/path/to/flatc). Only after the .fbs changes; CI never runs it.
metadata-bindings:
	bash compiler/model_metadata/gen_bindings.sh
