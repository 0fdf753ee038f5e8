# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-fast bench lint check-architecture clean browser java

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --upgrade pip setuptools
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/servitize demo

browser:
	@bash scripts/ensure-chromium

# The Spark engine of `servitize batch` and its test need Java 17 (Debian's JRE).
java:
	@bash scripts/ensure-java

# Style, layering and types: ruff (rules and format), import-linter and mypy.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check --quiet src tests bench scripts
	$(BIN)/lint-imports --config pyproject.toml
	$(BIN)/mypy

# The whole suite on both databases (the backends are named so that a stray
# SERVITIZE_TEST_BACKENDS in the environment cannot narrow CI's run).
test: $(STAMP) lint browser java
	SERVITIZE_TEST_BACKENDS=sqlite,postgres $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Under a minute and no server: SQLite only, no browser, broker or large data. Bytecode is
# cached (in var/pycache, which git ignores) even where PYTHONDONTWRITEBYTECODE is set:
# compiling servitize and the tests afresh cost each test process about seven CPU seconds.
test-fast: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache \
	SERVITIZE_TEST_BACKENDS=sqlite $(BIN)/pytest -x -q -n 2 --dist loadgroup \
		-m "not browser and not postgres and not mqtt and not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
