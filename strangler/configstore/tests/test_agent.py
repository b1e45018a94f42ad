"""The agent in a service process: defaults, the store's values, hot reload, refusals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler.configstore.agent import ConfigAgent, coerce
from strangler.configstore.connect import open_store
from strangler.configstore.store import ConfigStore, Scalar
from strangler.configstore.tests.conftest import EtcdServer
from strangler.testing import eventually

DEFAULTS: dict[str, Scalar] = {
    "FRAUD_TIMEOUT": 2.0,
    "FRAUD_BREAKER_FAILURES": 5,
    "FRAUD_CHECKS": True,
    "FRAUD_MODE": "strict",
}


@pytest.fixture
def agents() -> Iterator[list[ConfigAgent]]:
    started: list[ConfigAgent] = []
    yield started
    for agent in started:
        agent.stop()


def _started(agents: list[ConfigAgent], store: ConfigStore) -> ConfigAgent:
    agent = ConfigAgent(store, "monolith", DEFAULTS)
    agents.append(agent)
    agent.start()
    return agent


def test_the_agent_starts_on_the_store_s_values_coerced_to_the_defaults_types(
    store: ConfigStore, agents: list[ConfigAgent]
) -> None:
    revision = store.apply(
        "monolith",
        {"FRAUD_TIMEOUT": 1, "FRAUD_BREAKER_FAILURES": "3", "FRAUD_CHECKS": "off", "OTHER": 1},
        author="ada",
        source="test",
    )
    agent = _started(agents, store)
    assert (agent.loaded, agent.revision) == (True, revision)
    assert agent.get("FRAUD_TIMEOUT") == 1.0 and isinstance(agent.get("FRAUD_TIMEOUT"), float)
    assert agent.get("FRAUD_BREAKER_FAILURES") == 3
    assert agent.get("FRAUD_CHECKS") is False
    assert agent.get("FRAUD_MODE") == "strict"  # not in the store: the default


def test_a_name_that_is_not_a_dynamic_setting_is_a_key_error(
    store: ConfigStore, agents: list[ConfigAgent]
) -> None:
    agent = _started(agents, store)
    with pytest.raises(KeyError, match="OTHER is not a dynamic setting of monolith"):
        agent.get("OTHER")


def test_a_change_applied_while_the_agent_runs_is_seen_without_a_restart(
    store: ConfigStore, agents: list[ConfigAgent], caplog: pytest.LogCaptureFixture
) -> None:
    store.apply("monolith", {"FRAUD_BREAKER_FAILURES": 5}, author="ada", source="test")
    agent = _started(agents, store)
    caplog.set_level(logging.INFO, logger="strangler.configstore.agent")
    revision = store.apply(
        "monolith",
        {"FRAUD_BREAKER_FAILURES": 3, "FRAUD_TIMEOUT": 0.5},
        author="ada",
        source="test",
    )
    eventually(lambda: agent.get("FRAUD_BREAKER_FAILURES") == 3, "the new value in the agent")
    assert agent.get("FRAUD_TIMEOUT") == 0.5
    assert agent.revision == revision
    changes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("config ")]
    assert changes == [
        f"config FRAUD_TIMEOUT: 2.0 -> 0.5 (revision {revision})",
        f"config FRAUD_BREAKER_FAILURES: 5 -> 3 (revision {revision})",
    ]


def test_a_setting_removed_from_the_store_falls_back_to_its_default(
    store: ConfigStore, agents: list[ConfigAgent]
) -> None:
    store.apply("monolith", {"FRAUD_MODE": "lenient"}, author="ada", source="test")
    agent = _started(agents, store)
    assert agent.get("FRAUD_MODE") == "lenient"
    store.apply("monolith", {"FRAUD_MODE": None}, author="ada", source="test")
    eventually(lambda: agent.get("FRAUD_MODE") == "strict", "the default back")


def test_a_value_that_cannot_be_coerced_is_refused_and_the_previous_value_kept(
    store: ConfigStore, agents: list[ConfigAgent], caplog: pytest.LogCaptureFixture
) -> None:
    store.apply("monolith", {"FRAUD_BREAKER_FAILURES": 4}, author="ada", source="test")
    agent = _started(agents, store)
    caplog.set_level(logging.INFO, logger="strangler.configstore.agent")
    refused = store.apply(
        "monolith",
        {"FRAUD_BREAKER_FAILURES": "many", "FRAUD_TIMEOUT": 1.5},
        author="ada",
        source="test",
    )
    eventually(lambda: agent.revision == refused, "the agent at the new revision")
    assert agent.get("FRAUD_BREAKER_FAILURES") == 4
    assert agent.get("FRAUD_TIMEOUT") == 1.5  # the rest of the change is taken
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"config FRAUD_BREAKER_FAILURES: refused 'many' (revision {refused}): not an int; keeping 4"
    ]
    fixed = store.apply("monolith", {"FRAUD_BREAKER_FAILURES": 2}, author="ada", source="t")
    eventually(lambda: agent.revision == fixed, "the agent at the fixed revision")
    assert agent.get("FRAUD_BREAKER_FAILURES") == 2
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_stop_ends_the_agent_s_thread(store: ConfigStore) -> None:
    agent = ConfigAgent(store, "monolith", DEFAULTS)
    agent.start()
    assert agent._thread is not None and agent._thread.is_alive()
    agent.stop()
    assert not agent._thread.is_alive()


def test_an_agent_whose_etcd_is_not_up_keeps_the_defaults_then_loads_once_it_is(
    tmp_path: Path, agents: list[ConfigAgent], caplog: pytest.LogCaptureFixture
) -> None:
    server = EtcdServer(tmp_path / "etcd")
    try:
        agent = _started(agents, open_store(server.url))
        assert (agent.loaded, agent.revision) == (False, 0)
        assert agent.get("FRAUD_BREAKER_FAILURES") == 5
        assert "running on the defaults" in caplog.text
        server.start()
        revision = open_store(server.url).apply(
            "monolith", {"FRAUD_BREAKER_FAILURES": 2}, author="ada", source="test"
        )
        eventually(lambda: agent.revision == revision, "the agent loaded from etcd", deadline=30)
        assert agent.loaded and agent.get("FRAUD_BREAKER_FAILURES") == 2
        follow = open_store(server.url).apply(
            "monolith", {"FRAUD_BREAKER_FAILURES": 1}, author="ada", source="test"
        )
        eventually(lambda: agent.revision == follow, "the agent watching etcd")
    finally:
        for agent in agents:
            agent.stop()
        server.stop()


def test_an_agent_whose_store_folder_is_unreadable_keeps_the_defaults_then_loads(
    tmp_path: Path, agents: list[ConfigAgent]
) -> None:
    folder = tmp_path / "store"
    folder.write_text("a file where the store's folder should be")
    agent = _started(agents, open_store(f"file://{folder}"))
    assert (agent.loaded, agent.get("FRAUD_TIMEOUT")) == (False, 2.0)
    folder.unlink()
    revision = open_store(f"file://{folder}").apply(
        "monolith", {"FRAUD_TIMEOUT": 0.25}, author="ada", source="test"
    )
    eventually(lambda: agent.loaded and agent.revision == revision, "the agent loaded")
    assert agent.get("FRAUD_TIMEOUT") == 0.25


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (3, 5, 3),
        (3.0, 5, 3),
        (" 7 ", 5, 7),
        (1, 2.0, 1.0),
        ("0.25", 2.0, 0.25),
        (True, False, True),
        ("yes", False, True),
        ("OFF", True, False),
        (0, True, False),
        ("lenient", "strict", "lenient"),
        (3, "strict", "3"),
    ],
)
def test_values_are_coerced_to_the_type_of_the_default(
    value: Scalar, default: Scalar, expected: Scalar
) -> None:
    coerced = coerce(value, default)
    assert coerced == expected and type(coerced) is type(expected)


@pytest.mark.parametrize(
    ("value", "default", "reason"),
    [
        ("many", 5, "not an int"),
        (3.5, 5, "not an int"),
        (True, 5, "a bool, not an int"),
        (True, 2.0, "a bool, not a float"),
        ("fast", 2.0, "not a float"),
        ("inf", 2.0, "not a finite float"),
        ("maybe", True, "not a bool"),
        (2, True, "not a bool"),
        (True, "strict", "a bool, not a str"),
    ],
)
def test_values_that_are_not_of_the_default_s_type_are_refused(
    value: Scalar, default: Scalar, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        coerce(value, default)
