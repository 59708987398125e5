# `make demo` and `make test` each create or refresh .venv, install what the target needs,
# and run. The install is redone only when pyproject.toml is newer than the target's stamp.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PIP_QUIET := 2>&1 | { grep -v "^WARNING: Location" || true; }
export MPLBACKEND := Agg

EXTRAS_test := test,pretrained,dask
EXTRAS_demo := pretrained
EXTRAS_docs := docs,pretrained

.PHONY: demo test fuzz docs gallery-time bench clean help

help:
	@echo "make demo   set up .venv, then run the main job on the built-in data"
	@echo "make test   set up .venv, then run the test suite (doctests included)"
	@echo "make fuzz   fuzz the image, CLI and model-file readers with 50,000 new cases"
	@echo "make docs   build the HTML docs, execute the gallery, print its total time"
	@echo "make bench  run the benchmarks (needs ../shared/data/oasis)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[$(EXTRAS_$*)]" $(PIP_QUIET)
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/skemo compare --out skemo-report

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# tests/test_fuzz.py runs 2,000 fixed cases in `make test`; this draws FUZZ_CASES new ones.
FUZZ_CASES ?= 50000
fuzz: $(VENV)/.installed-test
	SKEMO_FUZZ_CASES=$(FUZZ_CASES) OMP_NUM_THREADS=1 $(BIN)/python -m pytest -p no:cacheprovider \
		--hypothesis-show-statistics tests/test_fuzz.py

# One thread per process: torch's default of one per core made the gallery's small
# networks 10-30x slower whenever anything else ran on the 2-core build machines.
docs: $(VENV)/.installed-docs
	OMP_NUM_THREADS=1 $(BIN)/sphinx-build -b html -W --keep-going docs docs/_build/html
	@$(MAKE) --no-print-directory gallery-time

# The gallery's total execution time, from the table sphinx-gallery writes
# (write_computation_times in docs/conf.py).
gallery-time:
	@sed -n 's/^\*\*\([0-9:.]*\)\*\* total execution time for \([0-9]*\) files.*/gallery: total execution time \1 (mm:ss) for \2 examples (docs\/sg_execution_times.rst)/p' \
		docs/sg_execution_times.rst

bench: $(VENV)/.installed-test
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated skemo-report
