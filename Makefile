# shiliu: `make demo` sets everything up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo test lint bench messages

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo --scale small --if-empty --logins var/demo-logins.json
	@$(BIN)/python -c "import json; print('演示账户 / demo logins (var/demo-logins.json):'); [print(f\"  {p['username']:<16} {p['password']:<18} {p['role']:<15} {p['org_code']}\") for p in json.load(open('var/demo-logins.json'))]"
	@echo "石榴 serving on http://$(HOST):$(PORT)/"
	@mkdir -p var; $(BIN)/python manage.py db_worker >var/worker.log 2>&1 & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

test: setup
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Benchmarks on PostgreSQL (drops and reloads BENCH_DATABASE_URL, default .../shiliu_bench); see bench/README.md.
bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Refresh the English catalogue after changing UI text (needs gettext); the compiled .mo is committed.
messages: setup
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=static
	$(BIN)/python manage.py compilemessages -l en
