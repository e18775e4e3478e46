# make demo: run the main example.   make test: lint (ruff) and run the test suite.
# Both create .venv on first use and (re)install only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test bench clean

demo: $(VENV)/.installed
	$(PY) examples/basics.py

test: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run.py

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	@echo "Installing flowgraph into $(VENV) ..."
	$(PIP) install -qq -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	@echo "Installing flowgraph and its test tools (TensorFlow included) into $(VENV): the first time takes a few minutes ..."
	$(PIP) install -qq -e '.[test]'
	# TF 2.21 keeps TF1's RNN cells in tf-keras (for the RNN conformance tests); without
	# --no-deps it would pull the full `tensorflow` package beside tensorflow-cpu.
	$(PIP) install -qq --no-deps 'tf-keras==2.21.*'
	@touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
