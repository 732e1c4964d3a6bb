# The README's Quick start is `make run` and `make test`; both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench bench-api bench-webhooks bench-lists bench-messages bench-fixture bench-abuse bench-load bench-media bench-soak clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "partnerhub needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server,dev]'
	@touch $(STAMP)

# `make run PORT=8361` (or `PARTNERHUB_PORT=8361 make run`) when 8360 is taken.
run: $(STAMP)
	$(BIN)/partnerhub serve --demo $(if $(PORT),--port $(PORT))

# One pytest-xdist worker per core; tests sharing one outside resource share a worker
# (xdist_group marks), and each worker has its own PostgreSQL database (tests/conftest.py).
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench examples
	$(BIN)/ruff check --fix src tests bench examples

bench: bench-api bench-webhooks bench-lists bench-messages bench-fixture bench-abuse bench-load

# bench-api and bench-messages: SQLite, then PostgreSQL too when PARTNERHUB_BENCH_DATABASE_URL
# is set; `make bench-api BENCH_ARGS=--quick` for 2 short rounds (docs/benchmarks.md).
bench-api: $(STAMP)
	$(BIN)/python bench/partner_get.py $(BENCH_ARGS)

bench-webhooks: $(STAMP)
	$(BIN)/python bench/webhooks.py

bench-lists: $(STAMP)
	$(BIN)/python bench/lists.py

bench-messages: $(STAMP)
	$(BIN)/python bench/messages.py $(BENCH_ARGS)

bench-fixture: $(STAMP)
	$(BIN)/python bench/fixture.py

bench-abuse: $(STAMP)
	$(BIN)/python bench/abuse.py

bench-load: $(STAMP)
	$(BIN)/python bench/load.py

# Not part of `make bench`: 10 minutes of the mixed workload at 80 % (issue 16's soak).
bench-soak: $(STAMP)
	$(BIN)/python bench/soak.py

# Media upload/download throughput vs a bare ASGI app, and peak RSS for 50 MB files (issue 17);
# `make bench-media BENCH_ARGS=--quick` runs in well under two minutes.
bench-media: $(STAMP)
	$(BIN)/python bench/media.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
