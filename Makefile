# The README's two commands: `make demo` and `make test`. Both build .venv from scratch when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv clean lock audit

$(BIN)/svodka: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/svodka

venv: $(BIN)/svodka

demo: venv
	$(BIN)/svodka demo

lint: venv
	$(BIN)/ruff check svodka tests

test: venv lint
	$(BIN)/python -m pytest -q

# Known vulnerabilities in the pinned dependencies; pip-audit lives in its own venv, not in the product's.
audit:
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit==2.10.1)
	.venv-audit/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip --progress-spinner off

lock:
	$(BIN)/pip list --format=freeze --exclude-editable | grep -vi '^pillow=' > requirements.lock

clean:
	rm -rf $(VENV) .venv-audit var .pytest_cache
