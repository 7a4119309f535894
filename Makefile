# Atlante — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON_DOWNLOADS := never
METRO ?= roma
SCALE ?= small
SEED ?= 1

.PHONY: run test lint format check-migrations check-deploy schema messages smoke bench bench-seed bench-api bench-coverage bench-ui bench-dashboard clean

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	uv sync --frozen --python python3.11
	@touch $@

## run: the app on its embedded default (SQLite, tasks inline, demo data) at 127.0.0.1:8000
run: $(VENV)/.synced
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) load_territory
	$(MANAGE) seed_demo --metro $(METRO) --scale $(SCALE) --seed $(SEED)
	$(MANAGE) runserver 127.0.0.1:8000

## test: the whole suite on this machine's PostgreSQL and Redis
test: $(VENV)/.synced
	$(VENV)/bin/pytest --create-db

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: $(VENV)/.synced
	$(MANAGE) makemigrations --check --dry-run

## check-deploy: `check --deploy` clean, warnings included, with production settings: DEBUG
## off, throw-away secrets from `generate_keys` (in a throw-away var dir), a host name and
## the TLS proxy in front
check-deploy: $(VENV)/.synced
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	keys=$$(env -u DATABASE_URL DEBUG=true ATLANTE_VAR_DIR="$$scratch" $(MANAGE) generate_keys) && \
	env $$keys DEBUG=false ATLANTE_VAR_DIR="$$scratch" ALLOWED_HOSTS=atlante.example.org \
		BEHIND_TLS_PROXY=true $(MANAGE) check --deploy --fail-level WARNING

## schema: the OpenAPI schema is valid, with no warning
schema: $(VENV)/.synced
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null

## messages: refresh the Italian catalogue (needs gettext); translate, then compile
messages: $(VENV)/.synced
	$(MANAGE) makemessages -l it --ignore=.venv --ignore=var --ignore=tests --ignore=staticfiles
	$(MANAGE) compilemessages -l it --ignore=.venv

## smoke: the embedded default from scratch (migrate + load + seed on a throw-away SQLite)
smoke: $(VENV)/.synced
	rm -rf var/smoke && mkdir -p var/smoke
	env -u DATABASE_URL -u REDIS_URL ATLANTE_VAR_DIR=var/smoke $(MANAGE) migrate --no-input -v0
	env -u DATABASE_URL -u REDIS_URL ATLANTE_VAR_DIR=var/smoke $(MANAGE) load_territory
	env -u DATABASE_URL -u REDIS_URL ATLANTE_VAR_DIR=var/smoke $(MANAGE) seed_demo --metro roma --scale small --seed 1
	env -u DATABASE_URL -u REDIS_URL ATLANTE_VAR_DIR=var/smoke $(MANAGE) check
	env -u DATABASE_URL -u REDIS_URL ATLANTE_VAR_DIR=var/smoke $(PY) -m tests.smoke_pages

## bench-seed: time `seed_demo --scale large` on PostgreSQL (database atlante_bench)
bench-seed: $(VENV)/.synced
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS atlante_bench" -c "CREATE DATABASE atlante_bench"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) migrate --no-input -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) load_territory
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) seed_demo --scale large --seed 1

bench: bench-seed

## bench-api: API latency against the bare SQL of the same page, on the bench-seed data
## (issue 3); options through BENCH_API_ARGS, e.g. BENCH_API_ARGS="--profile --explain"
bench-api: $(VENV)/.synced
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench REDIS_URL=redis://127.0.0.1:6379/14 \
		$(PY) -m tests.bench.bench_api $(BENCH_API_ARGS)

## bench-coverage: coverage runs end to end (all cities, Roma) and the 2SFCA kernel against
## PySAL access on the same cost table, on the bench-seed data (issue 4); migrates
## atlante_bench first (the gaps tables); options through BENCH_COVERAGE_ARGS,
## e.g. BENCH_COVERAGE_ARGS="--profile --explain" or "--radii 50,200"
bench-coverage: $(VENV)/.synced
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) migrate --no-input -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench REDIS_URL=redis://127.0.0.1:6379/14 \
		$(PY) -m tests.bench.bench_coverage $(BENCH_COVERAGE_ARGS)

## bench-ui: the workspace's caseload page (a worker with 1,000 cases, and one with 10) and
## case page, against the bare SQL of the same pages, on the bench-seed data (issue 5);
## migrates atlante_bench first (the workspace's columns); options through BENCH_UI_ARGS,
## e.g. BENCH_UI_ARGS="--profile --explain --requests 50"
bench-ui: $(VENV)/.synced
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) migrate --no-input -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench REDIS_URL=redis://127.0.0.1:6379/14 \
		$(PY) -m tests.bench.bench_ui $(BENCH_UI_ARGS)

## bench-dashboard: the officials' dashboard of Roma and its drill-down pages and an export,
## against the bare SQL of the same pages, on the bench-seed data (issue 6); migrates
## atlante_bench and refreshes the dashboards' facts first (printing how long that took);
## options through BENCH_DASHBOARD_ARGS, e.g. "--explain --requests 20"
bench-dashboard: $(VENV)/.synced
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench $(MANAGE) migrate --no-input -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench REDIS_URL=redis://127.0.0.1:6379/14 \
		$(MANAGE) refresh_dashboard_facts
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlante_bench REDIS_URL=redis://127.0.0.1:6379/14 \
		$(PY) -m tests.bench.bench_dashboard $(BENCH_DASHBOARD_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
