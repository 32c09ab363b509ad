# Two commands on a fresh machine: `make build` and `make test`. Each sets up whatever is missing first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup system venv browser build test check clean

setup: system venv browser

system:
	@bash scripts/setup-system.sh

venv: $(STAMP)

# Reinstalled only when pyproject.toml changes; a second run with everything present does nothing.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,xliff]"
	@touch $(STAMP)

# axe-core (npm) for the status site's accessibility test, in a project-local folder; the version is pinned
# in tests/browser/package.json (no lockfile: it would name the registry's host).
AXE := tests/browser/node_modules/axe-core/axe.min.js
browser: $(AXE)

$(AXE): tests/browser/package.json
	npm install --prefix tests/browser --no-audit --no-fund --no-package-lock --loglevel=error
	@touch $(AXE)

build: setup
	$(BIN)/handout build

check: setup
	$(BIN)/handout check

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf output .pytest_cache .hypothesis
