# The dev loop. `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := redis-server chromium poppler-utils libegl1 libgl1-mesa-dri libegl-mesa0 idzebra-2.0-utils idzebra-2.0-common libidzebra-2.0-mod-dom
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-test web-deps js-deps system-deps demo serve test check lint format typecheck pytest lock clean

$(BIN)/python:
	@scripts/preflight.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

clients/web/node_modules/.package-lock.json: clients/web/package.json clients/web/package-lock.json
	cd clients/web && npm ci --no-audit --no-fund --loglevel=error

tests/js/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

web-deps: clients/web/node_modules/.package-lock.json

js-deps: tests/js/node_modules/.package-lock.json

system-deps:
	@scripts/system-deps.sh $(SYSTEM_PACKAGES)

demo: install web-deps
	$(BIN)/readingroom demo

serve: install web-deps
	$(BIN)/readingroom serve

test: install-test web-deps js-deps system-deps
	$(MAKE) check

check: lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^readingroom' > constraints.txt

clean:
	rm -rf $(VENV) clients/web/node_modules tests/js/node_modules .mypy_cache .ruff_cache .pytest_cache
