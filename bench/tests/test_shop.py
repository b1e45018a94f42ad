"""The checkout benches' shop: each stage set up by its own steps, the services a checkout
reaches started with the stage's settings, customers logging in where the stage says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import migration, tracing
from bench.cpu import Pinning
from bench.migration import Stages
from bench.tracing import STOCK, Shop, called_services
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.stages.manifest import Stage, get_stage, runnable_stages

UNPINNED = Pinning(enabled=False, reason="a unit test")
# stages 1 and 2 call no service on a checkout: on their tags this test has no case
SERVICES = [stage for stage in runnable_stages() if called_services(stage)]


def _shop(monkeypatch: pytest.MonkeyPatch, stage: Stage) -> Iterator[Shop]:
    monkeypatch.delenv("DATABASE_URL", raising=False)  # SQLite: no database to create or drop
    shop = Shop(UNPINNED, traced_env={}, stage=stage)
    yield shop
    shop.close(keep=False)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    """What the shop's group was asked to start: each process's name and its own env."""
    calls: list[tuple[str, dict[str, str]]] = []

    def start(self: object, name: str, argv: Any, ready: Any, env: dict[str, str]) -> object:
        calls.append((name, env))
        return type("Started", (), {"pid": len(calls)})()

    monkeypatch.setattr(tracing.ProcessGroup, "start", start)
    return calls


def test_the_monolith_is_never_a_called_service_the_bench_runs_its_own() -> None:
    for stage in runnable_stages():
        assert all(spec.service != "monolith" for spec in called_services(stage)), stage.number


@pytest.mark.parametrize("stage", SERVICES, ids=lambda stage: f"stage-{stage.number}")
def test_each_service_gets_the_stages_settings_with_every_started_port_filled(
    monkeypatch: pytest.MonkeyPatch, started: list[tuple[str, dict[str, str]]], stage: Stage
) -> None:
    """Payments calls fraud (stage 4 on): a service without the other's URL answers 503."""
    for shop in _shop(monkeypatch, stage):
        settings, sessions = shop.start_called()

        assert [name for name, _ in started] == [spec.name for spec in called_services(stage)]
        assert len(sessions) == len(started)
        for spec in called_services(stage):
            url = f"http://127.0.0.1:{shop.ports[spec.port_name]}"
            named = [key for key, value in stage.settings if f"{{port:{spec.port_name}}}" in value]
            for key in named:
                assert settings[key] == url
                assert all(env[key] == url for _, env in started), (key, spec.name)


@pytest.mark.parametrize("stage", runnable_stages(), ids=lambda stage: f"stage-{stage.number}")
def test_customers_log_in_where_the_stages_gateway_sends_the_log_in(
    monkeypatch: pytest.MonkeyPatch, started: list[tuple[str, dict[str, str]]], stage: Stage
) -> None:
    for shop in _shop(monkeypatch, stage):
        shop.start_called()
        login = shop.login_url("http://monolith.test")

        moved = routed_elsewhere(stage, "monolith")("POST", "/api/v1/auth/token")
        if moved is None:
            assert login == "http://monolith.test"
        else:  # identity, from stage 5
            (spec,) = [s for s in called_services(stage) if s.upstream == moved]
            assert login == f"http://127.0.0.1:{shop.ports[spec.port_name]}"


@pytest.mark.parametrize("stage", runnable_stages(), ids=lambda stage: f"stage-{stage.number}")
def test_the_set_up_runs_every_step_of_the_stage_then_fills_the_shelf_checkouts_take_from(
    monkeypatch: pytest.MonkeyPatch, stage: Stage
) -> None:
    """The stage's secret and config stores, its services' databases and hand-overs come from
    its own steps; the deep shelf is the monolith's, and from stage 3 the inventory service's."""
    ran: list[tuple[str, ...]] = []

    def run_setup(stage: Stage, env: Any, var: Path, progress: Any) -> None:
        ran.extend(("step", str(stage.number), *step) for step in stage.setup)

    def manage(self: Shop, stage: Stage, *argv: str) -> str:
        ran.append(("manage", str(stage.number), *argv[1:]))
        return "SKU-1\n"

    monkeypatch.setattr(tracing, "run_setup", run_setup)
    monkeypatch.setattr(Shop, "_manage", manage)
    for shop in _shop(monkeypatch, stage):
        assert shop.setup() == "SKU-1"

    expected = [("step", str(stage.number), *step) for step in stage.setup]
    expected.append(("manage", str(stage.number), "-m", "bench.tracing", "--restock"))
    if any(spec.service == "inventory" for spec in called_services(stage)):
        shelf = ("extracted/inventory/manage.py", "set_stock", "SKU-1", str(STOCK))
        expected.append(("manage", str(stage.number), *shelf))
    assert ran == expected


def test_the_comparison_sets_up_stage_0_then_the_stage_it_compares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    latest = runnable_stages()[-1]
    shop = Stages(UNPINNED, latest)
    try:
        assert shop.stages_set_up() == (get_stage(0), latest)
        assert not set(latest.settings_env) & set(shop.env), "no stage's settings for both"
    finally:
        shop.close(keep=False)


def test_closing_drops_the_database_of_every_service_the_set_up_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Notifications and analytics are not on a checkout's path, yet their set-up steps made
    databases too (stage 6)."""
    monkeypatch.setenv("DATABASE_URL", "postgres://bench@127.0.0.1:9/shop")
    dropped: list[str] = []
    monkeypatch.setattr(Shop, "_admin", lambda self, sql: dropped.append(sql))
    latest = runnable_stages()[-1]
    shop = Shop(UNPINNED, traced_env={}, stage=latest)

    shop.close(keep=False)

    services = sorted({p.service for p in latest.processes} - {"", "monolith"})
    names = [shop.database, *(f"{shop.database}_{service}" for service in services)]
    assert dropped == [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names]


def test_the_tracing_bench_runs_the_stage_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--stage N``: that stage's code and settings, here the oldest this checkout can run
    (stage 0, the checkout in one process, until stage 2 retires a part of it)."""
    oldest = runnable_stages()[0]
    asked: list[int] = []

    class Stop(Exception):
        pass

    def shop(pinning: Pinning, traced_env: dict[str, str], stage: Stage) -> Shop:
        asked.append(stage.number)
        raise Stop

    monkeypatch.setattr(tracing, "Shop", shop)
    monkeypatch.setattr(tracing, "pin_load_here", lambda: UNPINNED)
    with pytest.raises(Stop):
        tracing.main(["--stage", str(oldest.number)])
    assert asked == [oldest.number]


def test_the_verdict_is_the_median_of_each_round_s_own_ratio() -> None:
    """A round whose two sides both ran slow is one ratio among the others, not a low median of
    one side; the rounds pair up one to one."""
    traced, untraced = [10.0, 50.0, 52.0], [20.0, 50.0, 40.0]  # ratios 0.5, 1.0, 1.3
    assert tracing.rounds_ratio(traced, untraced) == pytest.approx(1.0)  # not 50 / 40
    with pytest.raises(ValueError):
        tracing.rounds_ratio([1.0], [1.0, 2.0])


def test_a_stage_whose_code_is_gone_says_what_is_missing_and_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a tag after a retirement the stage 0 checkout cannot run: exit 2, naming the part."""

    def missing(stage: Stage) -> list[str]:
        return ["monolith/notifications/ (retired by stage 2)"] if stage.number == 0 else []

    def no_shop(*args: object) -> None:
        raise AssertionError("the bench started a shop it cannot run")

    monkeypatch.setattr(tracing, "missing_paths", missing)
    monkeypatch.setattr(tracing, "Shop", no_shop)
    monkeypatch.setattr(tracing, "pin_load_here", lambda: UNPINNED)

    assert tracing.main(["--stage", "0"]) == 2
    said = capsys.readouterr()
    assert "stage 0 cannot run on this checkout: monolith/notifications/ (retired by stage 2)" in (
        said.out + said.err
    )


@pytest.mark.parametrize(
    ("given", "said"), [("x", "expected a stage number, got 'x'"), ("99", "no stage 99")]
)
def test_a_stage_not_in_the_manifest_is_a_usage_error_naming_it(
    capsys: pytest.CaptureFixture[str], given: str, said: str
) -> None:
    for main in (tracing.main, migration.main):
        with pytest.raises(SystemExit) as exited:
            main(["--stage", given])
        assert exited.value.code == 2
        assert said in capsys.readouterr().err
