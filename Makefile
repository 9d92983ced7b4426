# Two commands on a fresh machine (see README):
#   make demo   set up .venv if needed, then run the main job on the embedded data
#   make test   set up .venv if needed, then run the whole test suite
#   make lint   check the code style (flake8, isort, yapf; settings in setup.cfg)
#   make format rewrite the code in that style
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

LINT_PATHS := rskd_mm tools tests configs setup.py

.PHONY: setup demo test lint format clean-venv

setup:
	RSKD_VENV=$(VENV) bash tools/setup_env.sh

demo: setup
	$(PY) tools/run_demo.py

test: setup
	$(PY) -m pytest tests $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/flake8 $(LINT_PATHS)
	$(VENV)/bin/isort --check-only --diff $(LINT_PATHS)
	$(VENV)/bin/yapf --diff --recursive $(LINT_PATHS)

format: setup
	$(VENV)/bin/isort $(LINT_PATHS)
	$(VENV)/bin/yapf --in-place --recursive $(LINT_PATHS)

clean-venv:
	rm -rf $(VENV)
