"""Root pytest configuration: fast password hashing and eager Celery for in-process tests,
how pytest-xdist shares the tests out, and what a session fixture can free when a scope ends.

E2E tests start real processes with their own environment; nothing here reaches them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest


def _here(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:  # its package is not in the tree either (strangler.service)
        return False


# The fixtures that run inventory and payments in process, as the stages before their
# extraction do: stage 4 retires the module with the two contexts. And the consumer fixtures
# (app, consumer, deliver) the monolith's event handlers are tested with, as every service's
# are: they come with the service kit at stage 2.
pytest_plugins = [m for m in ("tests.in_process_contexts", "strangler.service.testing") if _here(m)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    from monolith.shop.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _memory_email(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


# pytest-xdist: `make test` runs `-n auto --dist loadscope`, and a scope's tests run on one
# worker. A session- or module-scoped fixture is built once per worker that asks for it, so the
# scopes follow the expensive ones. (xdist_group marks would say it per test, but xdist's
# loadgroup rewrites item._nodeid, which pytest 9.2 no longer reads: the marks are ignored.)
STAGE_PARAM = re.compile(r"[\[-]stage-(\d+)\]$")
# An e2e module whose tests all run on one stage's processes says which: ``STAGE = 3``,
# ``STAGE = latest_stage().number``, or ``STAGE = first_stage_here(3).number``.
ONE_STAGE = re.compile(
    r"^STAGE = (\d+|latest_stage\(\)\.number|first_stage_here\((\d+)\)\.number)$", re.MULTILINE
)
ROOT = Path(__file__).parent


@functools.cache
def _module_stage(module: str) -> str | None:
    """The stage an e2e module's tests run on (its ``STAGE = N``), read from its source: the
    scheduler has node ids only, before any test module is imported."""
    found = ONE_STAGE.search((ROOT / module).read_text()) if (ROOT / module).is_file() else None
    if found is None:
        return None
    if found.group(1).isdigit():
        return found.group(1)
    from strangler.stages.manifest import first_stage_here, latest_stage

    if found.group(2):
        return str(first_stage_here(int(found.group(2))).number)
    return str(latest_stage().number)


@pytest.fixture
def in_process_credentials() -> Iterator[None]:
    """Registration keeps the password on the customer's row, as at stages 0 to 4: for tests
    that run the monolith without the identity service (from stage 5 on the tree's default
    adapter asks it over HTTP)."""
    from monolith.customers.adapters import InProcessCredentials
    from monolith.customers.wiring import CREDENTIALS
    from strangler.composition import root

    with root.replaced(CREDENTIALS, InProcessCredentials()):
        yield


def xdist_scope(nodeid: str) -> str:
    """The scope of a test, from its node id (the controller has no more than that)."""
    module = nodeid.split("::", 1)[0]
    stage = STAGE_PARAM.search(nodeid)
    if module.startswith("tests/e2e/") and stage:
        # The black-box suite, once per stage: a stage's processes start on one worker, and
        # the stages start side by side on the workers.
        return f"e2e-stage-{stage.group(1)}"
    if module.startswith("tests/e2e/") and (number := _module_stage(module)):
        # A module of one stage joins that stage's black-box scope: the stage starts once. Its
        # tests leave the stage as they found it (a process they stop runs again, a circuit
        # they open closes), and each takes SKUs no other test uses.
        return f"e2e-stage-{number}"
    if module.startswith("tests/gateway/"):
        return "tests/gateway/"  # one session-scoped world: the upstreams and both gateways
    return module  # module-scoped fixtures (the faults rig, the gateway's signers)


# Scopes whose tests start real processes (a stage, a broker's consumers): minutes each.
SLOW_SCOPES = ("e2e-stage-", "tests/e2e/", "tests/faults/")


# What runs after the last test of each scope, on each worker (and in a run without xdist).
SCOPE_END: pytest.StashKey[list[Callable[[], None]]] = pytest.StashKey()


@pytest.fixture(scope="session")
def on_scope_end(pytestconfig: pytest.Config) -> Callable[[Callable[[], None]], None]:
    """Registers a callable to run at the teardown of each test whose next test, on this worker,
    belongs to another scope (or is none): a session fixture's resources that only one scope
    uses can be freed then rather than idle on until the session ends."""
    return pytestconfig.stash.setdefault(SCOPE_END, []).append


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    try:
        yield
    finally:
        # After the test's own fixtures are torn down (module-scoped ones too when the module
        # ends), so none outlives what it uses. Only where a scope's tests run one after
        # another: --dist load interleaves them, and a session fixture keyed on a parameter
        # (``stage``) would keep what it was given across the gap.
        whole = item.config.getoption("dist", "no") in ("no", "loadscope")
        if whole and (nextitem is None or xdist_scope(nextitem.nodeid) != xdist_scope(item.nodeid)):
            for callback in item.config.stash.get(SCOPE_END, []):
                callback()


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's, when it is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

        def schedule(self) -> None:
            # xdist queues the scopes with the most tests first; a scope that starts processes
            # takes minutes with one test, so it goes before every other one: left to the end,
            # it keeps one worker busy while the other has nothing left to take
            first = self.collection is None
            super().schedule()
            if first:
                for scope in [s for s in self.workqueue if not s.startswith(SLOW_SCOPES)]:
                    self.workqueue.move_to_end(scope)

    return SharedFixtureScheduling(config, log)
