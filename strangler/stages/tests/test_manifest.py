"""The manifest: each stage is the one before it plus its own change, and says what it runs."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages import manifest
from strangler.stages.launcher import fill
from strangler.stages.manifest import (
    DEFAULT_PORTS,
    STAGES,
    ProcessSpec,
    Stage,
    first_stage_here,
    get_stage,
    latest_stage,
    missing_paths,
    retired_here,
    runnable_stages,
)
from strangler.stages.processes import ProcessFailed
from strangler.stages.tags import introduced_by
from strangler.stages.views import stage_show


def test_every_adapter_a_stage_sets_is_in_that_stages_tree() -> None:
    """A stage's adapters are neither introduced after it nor retired by then (stage 2's
    outbox adapters arrive with it; stage 0's in-process notifications leave there)."""
    for stage in STAGES:
        later = [p for s in STAGES if s.number > stage.number for p in s.introduces]
        retired = [p for s in STAGES if s.number <= stage.number for p in s.retires]
        for name, value in stage.settings:
            if not name.endswith("_ADAPTER"):
                continue
            module = value.rsplit(".", 1)[0].replace(".", "/")
            for path in (f"{module}.py", f"{module}/__init__.py"):
                assert not introduced_by(path, later), f"{stage.tag}: {name} = {value} comes later"
                assert not introduced_by(path, retired), f"{stage.tag}: {name} = {value} retired"


def test_stages_are_numbered_from_zero_in_order() -> None:
    numbers = [s.number for s in STAGES]
    assert numbers == sorted(set(numbers))
    assert STAGES[0].tag == "stage-0-monolith"
    assert all(s.tag.startswith(f"stage-{s.number}-") for s in STAGES)


def test_a_stage_builds_on_the_highest_numbered_stage_below_it() -> None:
    from strangler.stages.manifest import _numbered

    names = ["stage_0", "stage_1", "stage_2", "stage_6", "model", "stage_3", "commands"]
    assert _numbered(names) == [(0, "stage_0"), (1, "stage_1"), (2, "stage_2"), (3, "stage_3"),
                                (6, "stage_6")]  # fmt: skip
    for before, after in itertools.pairwise(STAGES):
        # whole and in order; steps the later stage must run first (its secrets) may precede it
        n = len(before.setup)
        starts = range(len(after.setup) - n + 1)
        assert any(after.setup[i : i + n] == before.setup for i in starts), f"stage {after.number}"


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["stage_0", "stage_6", "stage_06"], "two stage modules for stage 6"),
        (["stage_1", "stage_2"], "must be stage_0"),
    ],
)
def test_a_duplicate_or_missing_first_stage_module_is_an_error(
    names: list[str], problem: str
) -> None:
    from strangler.stages.manifest import _numbered

    with pytest.raises(ImportError, match=problem):
        _numbered(names)


def test_every_later_stage_keeps_the_processes_of_the_one_before() -> None:
    for before, after in itertools.pairwise(STAGES):
        kept = {p.name for p in before.processes} & {p.name for p in after.processes}
        assert kept, f"stage {after.number} dropped every process of stage {before.number}"
        assert set(before.setup) <= set(after.setup)
        assert set(before.subscriptions) <= set(after.subscriptions)


def test_every_port_name_has_a_default_port() -> None:
    for stage in STAGES:
        unknown = set(stage.port_names) - set(DEFAULT_PORTS)
        assert not unknown, f"stage {stage.number}: no default port for {unknown}"


def test_default_ports_follow_the_design() -> None:
    assert DEFAULT_PORTS["gateway"] == 8000
    assert DEFAULT_PORTS["monolith"] == 8001
    assert DEFAULT_PORTS["monolith-grpc"] == 9001
    assert DEFAULT_PORTS["flower"] == 5555
    assert [DEFAULT_PORTS[s] for s in ("inventory", "payments", "notifications")] == [
        8002,
        8003,
        8004,
    ]
    assert len(set(DEFAULT_PORTS.values())) == len(DEFAULT_PORTS)


def test_stage_0_is_the_monolith_alone() -> None:
    stage = get_stage(0)
    assert stage.entrypoint == "monolith"
    assert stage.routes is None
    assert stage.subscriptions == ()
    assert [p.name for p in stage.required_processes()] == ["monolith", "monolith-worker"]
    assert stage.process("flower").optional
    assert stage.settings_env["ORDERS_INVENTORY_ADAPTER"].endswith("InProcessInventory")


def test_fill_replaces_every_placeholder() -> None:
    argv = ("{python}", "{var}/x", "127.0.0.1:{port}", "a={port:other}")
    assert fill(argv, var="/v", ports={"me": 1, "other": 2}, own_port="me", python="py") == [
        "py",
        "/v/x",
        "127.0.0.1:1",
        "a=2",
    ]


def test_run_names_differ_between_runs_and_stay_the_same_within_one() -> None:
    one = fill(("w.{run}@%h",), var="/tmp/stage-a", ports={})
    assert one == fill(("w.{run}@%h",), var="/tmp/stage-a", ports={})
    assert one != fill(("w.{run}@%h",), var="/tmp/stage-b", ports={})
    assert one[0].startswith("w.") and one[0].endswith("@%h")


def test_fill_names_a_port_nobody_gave() -> None:
    with pytest.raises(ProcessFailed, match="'other'"):
        fill(("{port:other}",), var="/v", ports={})


def _base() -> Stage:
    web = ProcessSpec(name="web", argv=("x", "{port}"), ready="http", port_name="web")
    return Stage(number=0, tag="stage-0-t", title="t", setup=(), processes=(web,), entrypoint="web")


def test_extend_adds_replaces_removes_and_merges_settings() -> None:
    base = _base()
    worker = ProcessSpec(name="worker", argv=("w",), ready="log", ready_text="ready")
    one = base.extend(
        number=1, tag="stage-1-t", title="one", add=(worker,), settings={"A": "1", "B": "1"}
    )
    two = one.extend(
        number=2,
        tag="stage-2-t",
        title="two",
        remove=("worker",),
        settings={"B": "2"},
        introduces=("svc/",),
    )
    assert [p.name for p in one.processes] == ["web", "worker"]
    assert [p.name for p in two.processes] == ["web"]
    assert two.settings_env == {"A": "1", "B": "2"}
    assert one.introduces == () and two.introduces == ("svc/",)


def test_extend_unsets_the_settings_a_retired_reader_had_and_refuses_an_unknown_one() -> None:
    one = _base().extend(number=1, tag="stage-1-t", title="one", settings={"A": "1", "B": "1"})

    two = one.extend(number=2, tag="stage-2-t", title="two", unset=("A",), settings={"C": "2"})

    assert two.settings_env == {"B": "1", "C": "2"}
    with pytest.raises(ValueError, match=r"stage 2: no setting \['Z'\] to unset"):
        one.extend(number=2, tag="stage-2-t", title="two", unset=("Z",))


def test_stage_show_lists_what_a_stage_retires() -> None:
    zero = get_stage(0)
    one = zero.extend(number=1, tag="stage-1-t", title="one", retires=("old/", "legacy.py"))

    shown = stage_show(one)

    assert "Paths this stage retires (gone from its tag and every later one)" in shown
    assert "  old/\n  legacy.py" in shown
    assert "retires" not in stage_show(zero)
    assert one.extend(number=2, tag="stage-2-t", title="two").retires == ()


def test_extend_refuses_to_remove_a_process_that_is_not_there() -> None:
    with pytest.raises(ValueError, match="ghost"):
        _base().extend(number=1, tag="stage-1-t", title="t", remove=("ghost",))


def test_a_process_that_refers_to_an_unknown_port_is_rejected() -> None:
    bad = ProcessSpec(name="gw", argv=("{port:nowhere}",), ready="http", port_name="gw")
    with pytest.raises(ValueError, match="nowhere"):
        _base().extend(number=1, tag="stage-1-t", title="t", add=(bad,))


def test_http_and_tcp_readiness_need_a_port() -> None:
    with pytest.raises(ValueError, match="port_name"):
        ProcessSpec(name="x", argv=("x",), ready="tcp")


def test_missing_paths_names_programs_not_in_the_checkout(tmp_path: Path) -> None:
    assert "manage.py" in missing_paths(get_stage(0), root=tmp_path)
    assert missing_paths(STAGES[-1], root=Path(__file__).resolve().parents[3]) == []


def test_code_a_later_stage_retired_is_missing_only_where_the_checkout_lacks_it(
    tmp_path: Path,
) -> None:
    retiring = [stage for stage in STAGES if stage.retires]
    for stage in STAGES:  # an empty checkout: a later stage's tag lacks what that stage retired
        assert retired_here(stage, root=tmp_path) == [
            f"{path} (retired by stage {later.number})"
            for later in retiring
            if later.number > stage.number
            for path in later.retires
        ]
    for later in retiring:  # main keeps every stage's code
        for path in later.retires:
            target = tmp_path / path.rstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.endswith("/"):
                target.mkdir(exist_ok=True)
            else:
                target.touch()
    assert [retired_here(stage, root=tmp_path) for stage in STAGES] == [[] for _ in STAGES]
    assert [first_stage_here(stage.number, root=tmp_path) for stage in STAGES] == list(STAGES)


def test_the_first_stage_here_skips_the_stages_a_later_tag_retired(tmp_path: Path) -> None:
    """An empty checkout lacks every retired path, as the last retiring stage's tag does."""
    last_retiring = max((s.number for s in STAGES if s.retires), default=0)
    for stage in STAGES:
        expected = max(stage.number, last_retiring)
        assert first_stage_here(stage.number, root=tmp_path).number == expected


def test_the_latest_stage_is_the_last_one_that_can_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # every stage of this checkout's manifest is complete, but those whose code a later stage
    # retired (on that stage's tag: main keeps it)
    runnable = runnable_stages()
    assert runnable[-1] == STAGES[-1] == latest_stage()
    assert all(retired_here(stage) for stage in STAGES if stage not in runnable)

    first = STAGES[0]
    monkeypatch.setattr(manifest, "missing_paths", lambda stage: [] if stage is first else ["x"])
    assert latest_stage() == first

    monkeypatch.setattr(manifest, "missing_paths", lambda stage: ["x"])
    assert runnable_stages() == ()
    assert latest_stage() == first  # nothing can run: the first stage names what is missing


def test_every_stages_route_table_is_valid_with_its_processes_ports() -> None:
    """What the gateway loads at start: a broken table fails here, not only where an e2e run or
    a demo starts the stage."""
    for stage in STAGES:
        if stage.routes is None:
            continue
        # the routing library comes with the gateway (stage 1): found by name
        table = importlib.import_module("strangler.routing.table")
        ports = {name: DEFAULT_PORTS[name] for name in stage.port_names}
        loaded = table.load_route_table(REPO_ROOT / stage.routes, ports)
        assert loaded.routes, stage.routes
