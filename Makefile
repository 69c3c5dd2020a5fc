# Diplomatic statements analysis. `make` or `make help` lists the targets.
# Every target sets up its own virtual environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EXTRAS ?= dev
STAMP   = $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)-$(subst $(comma),_,$(EXTRAS))
comma  := ,
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export MPLBACKEND := Agg

.DEFAULT_GOAL := help
.PHONY: help setup report test lint lab reference validation clean-data bench lock distclean

help: ## List the targets with what they do
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP) ## Create .venv and install the package with its test tools (EXTRAS=dev,dask,lab,bench to add more)

report: setup ## Main job: run the notebooks on the embedded data and write the PDF report
	$(PY) -m analysis run

test: ## Run the whole test suite (installs the dask extra its engine tests need)
	@$(MAKE) --no-print-directory setup EXTRAS=dev,dask
	$(PY) -m pytest

lint: setup ## ruff on the package and tests
	$(PY) -m ruff check src tests

lab: setup ## Start JupyterLab on notebooks/ (kernel "python3" of .venv; figures inline)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	env -u MPLBACKEND $(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean-data: setup ## Rebuild data/processed from data/raw (clean + tokens)
	$(PY) -m analysis clean

validation: setup ## Validate the dictionary on the coded sentences of ../shared and save its figures for other machines
	$(PY) -m analysis validate --save-summary > /dev/null

reference: setup ## Rebuild the shipped reference features from ../shared/corpus and ../shared/bench
	$(PY) -m analysis reference build --corpus ../shared/corpus/manifest.csv \
		--jsonl ../shared/bench/wh-statements-en.jsonl.gz --jsonl ../shared/bench/vie-publique-2020-fr.jsonl.gz

bench: setup ## Speed and memory on the real texts of ../shared/bench, beside the baselines and peers
	$(PY) -m pip install --quiet -e '.[dev,dask,bench]'
	$(PY) -m analysis bench

lock: setup ## Regenerate requirements.lock (runtime + dev pins for Python 3.11 on Linux) with uv
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform linux \
		--custom-compile-command 'make lock' --quiet --output-file requirements.lock

distclean: ## Remove the virtual environment and caches (keeps data and reports)
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
