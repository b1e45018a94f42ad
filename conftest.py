"""Root pytest configuration: fast password hashing and eager Celery for in-process tests,
and the pytest-xdist groups.

E2E tests start real processes with their own environment; nothing here reaches them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from strangler.stages.manifest import STAGES


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


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the marks into groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test``: ``-n auto --dist loadgroup``) a session- or
    module-scoped fixture is built once per worker that runs a test asking for it: tests that
    share an expensive one go to one worker, so a stage's processes start once per run."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        group = xdist_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def xdist_group(item: pytest.Item) -> str | None:
    names = getattr(item, "fixturenames", ())
    if "stages" in names:
        # tests/e2e: one group per stage, so the stages start on both workers side by side;
        # a test that picks its stage itself asks for the last one.
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        number = params.get("stage", STAGES[-1].number)
        return f"e2e-stage-{number}"
    if "world" in names:
        return "gateway-conformance"  # tests/gateway: the upstreams and both gateways
    # A module-scoped fixture of ours (a plugin's has no baseid). pytest has no public API for
    # a fixture's scope; _fixtureinfo has been stable for years.
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is not None and any(
        defs[-1].scope == "module" and defs[-1].baseid
        for defs in definitions.name2fixturedefs.values()
    ):
        return item.nodeid.split("::", 1)[0]  # the module's tests together
    return None
