# Two commands for a fresh machine:  make demo   and   make test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
STAGE ?=

# `make test` runs on the real engines (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop
TEST_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) REDIS_URL=$(TEST_REDIS_URL)

# What mypy checks; a stage adds its own packages.
MYPY_PATHS := monolith strangler tests
MYPY_PATHS += gateway bench  # stage>=1

.PHONY: install demo test quick lint format unit e2e clean openapi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install  ## the whole stage on embedded defaults, one customer journey, then keeps running
	$(PY) -m strangler.stages.demo $(if $(STAGE),--stage $(STAGE)) $(DEMO_ARGS)

test: install lint  ## every suite, on PostgreSQL + RabbitMQ + Redis
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)
	cd extracted/notifications && $(TEST_ENV) ../../$(VENV)/bin/pytest $(PYTEST_ARGS)  # stage>=2
	cd extracted/analytics && $(TEST_ENV) ../../$(VENV)/bin/pytest $(PYTEST_ARGS)  # stage>=6

unit: install
	$(TEST_ENV) $(VENV)/bin/pytest -m "not e2e" $(PYTEST_ARGS)
	cd extracted/notifications && $(TEST_ENV) ../../$(VENV)/bin/pytest $(PYTEST_ARGS)  # stage>=2
	cd extracted/analytics && $(TEST_ENV) ../../$(VENV)/bin/pytest $(PYTEST_ARGS)  # stage>=6

e2e: install
	$(TEST_ENV) $(VENV)/bin/pytest -m e2e $(PYTEST_ARGS)

quick: install lint  ## lint + every test but the e2e ones (CI runs it on each stage tag)
	$(TEST_ENV) $(VENV)/bin/pytest -m "not e2e" -q $(PYTEST_ARGS)
	cd extracted/notifications && $(TEST_ENV) ../../$(VENV)/bin/pytest -q $(PYTEST_ARGS)  # stage>=2
	cd extracted/analytics && $(TEST_ENV) ../../$(VENV)/bin/pytest -q $(PYTEST_ARGS)  # stage>=6

lint: install  ## ruff (lint + format), mypy, and the bounded-context import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy $(MYPY_PATHS)
	$(VENV)/bin/mypy --config-file extracted/notifications/mypy.ini extracted/notifications  # stage>=2
	$(VENV)/bin/mypy --config-file extracted/analytics/mypy.ini extracted/analytics  # stage>=6

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

openapi: install  ## regenerate the committed OpenAPI contract after a deliberate API change
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/api/monolith-v1.yaml
	$(PY) extracted/notifications/manage.py spectacular --validate --fail-on-warn --file docs/api/notifications-v1.yaml  # stage>=2
	$(PY) extracted/analytics/manage.py spectacular --validate --fail-on-warn --file docs/api/analytics-v1.yaml  # stage>=6

# >>> stage 1
.PHONY: contracts
contracts: install  ## regenerate the committed gRPC stubs after a change to a .proto in strangler/contracts/proto (refused if it breaks the baseline)
	$(PY) -m strangler.contracts.proto.breaking
	$(PY) -m strangler.contracts.proto.generate
# <<< stage 1

# >>> stage 1
.PHONY: bench
bench: install  ## the gateway against nginx (wrk, pinned); checkouts traced vs untraced; checkouts at stage 0 vs the latest stage; from stage 2 the outbox against a raw Celery task
	$(PY) -m bench.gateway $(BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.tracing $(TRACING_BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.migration $(MIGRATION_BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.events $(EVENTS_BENCH_ARGS)  # stage>=2
# <<< stage 1

# The stage runner (python -m strangler stage ...). STAGE=N picks a stage (default: the latest
# that can run here); STAGE_ARGS are passed to `stage up` (e.g. --port monolith=18001).
.PHONY: stage-list stage-show stage-up stage-check stage-down tags
stage-list: install  ## every stage: tag, title, processes, runnable here
	$(PY) -m strangler stage list

stage-show: install  ## processes, settings, routes and a mermaid diagram of STAGE
	$(PY) -m strangler stage show $(STAGE)

stage-up: install  ## set up and start STAGE, wait until ready, print the URLs, self-heal until Ctrl-C
	$(PY) -m strangler stage up $(STAGE) $(STAGE_ARGS)

stage-check: install  ## health of every process of STAGE as a table (exit 1 if one is not ready)
	$(PY) -m strangler stage check $(STAGE)

# >>> stage 1
SERVICE ?= monolith
.PHONY: stage-restart
stage-restart: install  ## rolling restart of SERVICE's replicas behind the gateway, no failed request
	$(PY) -m strangler stage restart $(SERVICE)
# <<< stage 1

stage-down:  ## stop what `make stage-up` started, from another shell
	$(PY) -m strangler stage down

tags: install  ## on a fresh clone: the git tag of every stage (TAG_ARGS=--dry-run to look first)
	$(PY) -m strangler stage tag $(TAG_ARGS)
