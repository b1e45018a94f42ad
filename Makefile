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

# What the tree holds decides what runs: a stage adds whole folders, never lines here.
# The extracted services present, each with its manage.py, its pytest.ini (a test session of
# its own, on its settings) and its mypy.ini.
SERVICES := $(patsubst extracted/%/manage.py,%,$(sort $(wildcard extracted/*/manage.py)))
# What mypy checks: the top-level packages present (gateway and bench come with stage 1).
MYPY_PATHS := $(wildcard monolith strangler gateway bench tests)

# pytest-xdist workers for the main session (auto: one per core; 0 runs in one process). Each
# worker gets its own test database (test_<name>_gw0, ...); tests sharing an expensive
# session fixture are kept on one worker (xdist_scope in conftest.py).
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist loadscope

# A newline, so that a $(foreach) over the services gives one recipe line (one command) each.
define EOL


endef

.PHONY: install demo test quick lint lint-beside format unit e2e clean openapi suites suite-main typecheck-main

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install  ## the whole stage on embedded defaults, one customer journey, then keeps running
	$(PY) -m strangler.stages.demo $(if $(STAGE),--stage $(STAGE)) $(DEMO_ARGS)

test: install  ## lint and every suite side by side, on PostgreSQL + RabbitMQ + Redis
	@$(MAKE) --no-print-directory -j lint-beside suites

unit: install
	@$(MAKE) --no-print-directory suites MAIN_ARGS='-m "not e2e"'

e2e: install
	$(TEST_ENV) $(VENV)/bin/pytest $(XDIST) -m e2e $(PYTEST_ARGS)

quick: install  ## lint + every test but the e2e ones, side by side (CI runs it on each stage tag)
	@$(MAKE) --no-print-directory -j lint-beside suites MAIN_ARGS='-m "not e2e" -q' SERVICE_ARGS=-q

# Lint beside the suites at a lower CPU priority: it takes the CPU the suites leave idle (an e2e
# test waiting for a process to start) instead of holding them back. Its output comes whole
# when it ends, closed by a line that says how it went; a lint failure fails the command once
# the running suites end.
lint-beside: install
	@out=$$(nice -n 10 $(MAKE) --no-print-directory lint 2>&1); status=$$?; \
	printf '%s\n' "$$out"; \
	if [ $$status -eq 0 ]; then echo "lint beside the suites: ok"; \
	else echo "lint beside the suites: FAILED"; fi; exit $$status

# The main session and each service's own session side by side (their test databases differ:
# test_<name>_gwN and test_<name>_<service>); each suite's output is printed whole as it ends,
# and the exit status fails if any suite failed.
suites:
	@echo "suites side by side: main $(SERVICES) (each one's output appears when it ends)"
	@$(MAKE) --no-print-directory -j --output-sync=target suite-main $(SERVICES:%=suite-%)

suite-main:
	$(TEST_ENV) $(VENV)/bin/pytest $(XDIST) $(MAIN_ARGS) $(PYTEST_ARGS)

suite-%:
	cd extracted/$* && $(TEST_ENV) ../../$(VENV)/bin/pytest $(SERVICE_ARGS) $(PYTEST_ARGS)

lint: install  ## ruff (lint + format), mypy, and the bounded-context import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m strangler stage generate --check
	@$(MAKE) --no-print-directory -j --output-sync=target typecheck-main $(SERVICES:%=typecheck-%)

# mypy, one run per configuration side by side, each with a cache of its own: the monolith and
# each service are checked on their own Django settings, and runs sharing one cache folder
# invalidate each other's entries (warm, a run takes about 1 s instead of 7 to 25).
typecheck-main:
	$(VENV)/bin/mypy --cache-dir .mypy_cache/main $(MYPY_PATHS)

typecheck-%:
	$(VENV)/bin/mypy --cache-dir .mypy_cache/$* --config-file extracted/$*/mypy.ini extracted/$*

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

openapi: install  ## regenerate the committed OpenAPI contract after a deliberate API change
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/api/monolith-v1.yaml
	$(foreach s,$(SERVICES),$(PY) extracted/$(s)/manage.py spectacular --validate --fail-on-warn --file docs/api/$(s)-v1.yaml$(EOL))

.PHONY: contracts
contracts: install  ## regenerate the committed gRPC stubs after a change to a .proto in strangler/contracts/proto (refused if it breaks the baseline)
ifneq ($(wildcard strangler/contracts/proto/),)
	$(PY) -m strangler.contracts.proto.breaking
	$(PY) -m strangler.contracts.proto.generate
else
	@echo "make contracts: no gRPC contract in this tree (strangler/contracts/proto/ comes with stage 1)" >&2
	@exit 2
endif

.PHONY: bench
bench: install  ## the gateway against nginx (wrk, pinned), with shadowing on vs off; checkouts traced vs untraced; checkouts at stage 0 vs the latest stage (and vs stage 3, the inventory service on the path); a checkout pair's CPU vs a liveness answer and an authenticated GET; a million rows backfilled and verified vs raw COPY; from stage 2 the outbox against a raw Celery task
ifneq ($(wildcard bench/),)
	$(PY) -m bench.gateway --shadow $(BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.tracing $(TRACING_BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.migration $(MIGRATION_BENCH_ARGS)
	$(TEST_ENV) $(PY) -m bench.floor $(FLOOR_BENCH_ARGS)
ifneq ($(wildcard strangler/stages/manifest/stage_3.py),)
	$(TEST_ENV) $(PY) -m bench.migration --stage 3 $(MIGRATION_BENCH_ARGS)
endif
	$(TEST_ENV) $(PY) -m bench.backfill $(BACKFILL_BENCH_ARGS)
ifneq ($(wildcard bench/events.py),)
	$(TEST_ENV) $(PY) -m bench.events $(EVENTS_BENCH_ARGS)
endif
else
	@echo "make bench: no benchmarks in this tree (bench/ comes with stage 1)" >&2
	@exit 2
endif

# The stage runner (python -m strangler stage ...). STAGE=N picks a stage (default: the latest
# that can run here); STAGE_ARGS are passed to `stage up` (e.g. --port monolith=18001).
.PHONY: generate
generate: install  ## write the files derived from the stage manifest (docker-compose.yml, deploy/k8s/, docs/prometheus/)
	$(PY) -m strangler stage generate $(GENERATE_ARGS)

.PHONY: stage-list stage-show stage-up stage-check stage-down tags
stage-list: install  ## every stage: tag, title, processes, runnable here
	$(PY) -m strangler stage list

stage-show: install  ## processes, settings, routes and a mermaid diagram of STAGE
	$(PY) -m strangler stage show $(STAGE)

stage-up: install  ## set up and start STAGE, wait until ready, print the URLs, self-heal until Ctrl-C
	$(PY) -m strangler stage up $(STAGE) $(STAGE_ARGS)

stage-check: install  ## health of every process of STAGE as a table (exit 1 if one is not ready)
	$(PY) -m strangler stage check $(STAGE)

SERVICE ?= monolith
.PHONY: stage-restart
stage-restart: install  ## rolling restart of SERVICE's replicas behind the gateway, no failed request (stage 1 on)
	$(PY) -m strangler stage restart $(SERVICE)

stage-down:  ## stop what `make stage-up` started, from another shell
	$(PY) -m strangler stage down

tags: install  ## on a fresh clone: the git tag of every stage (TAG_ARGS=--dry-run to look first)
	$(PY) -m strangler stage tag $(TAG_ARGS)
