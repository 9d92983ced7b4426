# Two commands on a fresh machine (see README):
#   make demo   set up .venv if needed, then run the main job on the embedded data
#   make test   set up .venv if needed, then run the whole test suite
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test clean-venv

setup:
	RSKD_VENV=$(VENV) bash tools/setup_env.sh

demo: setup
	$(PY) tools/run_demo.py

test: setup
	$(PY) -m pytest tests $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
