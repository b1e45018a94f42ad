"""The process runner waits by polling, names what failed, and leaves no process behind."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from strangler.stages.processes import (
    PORT_FLOOR,
    ProcessFailed,
    ProcessGroup,
    _bindable,
    _ephemeral_low,
    free_port,
    ready_when_log_contains,
)

# A parent that starts a child which ignores SIGTERM, then says it is ready.
PARENT = (
    "import subprocess, sys, time;"
    "child = subprocess.Popen([sys.executable, '-c', "
    "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)']);"
    "print('child', child.pid, flush=True); print('ready', flush=True); time.sleep(120)"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is gone for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.fixture
def group(tmp_path: Path) -> ProcessGroup:
    return ProcessGroup(log_dir=tmp_path, env=dict(os.environ), cwd=tmp_path)


def test_stop_leaves_neither_the_process_nor_its_children(group: ProcessGroup) -> None:
    parent = group.start("parent", [sys.executable, "-c", PARENT], ready_when_log_contains("ready"))
    group.wait_ready(deadline_seconds=20)
    child_pid = int(parent.log_path.read_text().split()[1])
    assert parent.pid is not None

    group.stop(grace_seconds=2)

    assert not _alive(parent.pid)
    # SIGKILL is delivered asynchronously: poll, with a deadline, for the child to be gone
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid), "the child that ignores SIGTERM survived"


def test_a_process_that_dies_is_named_with_its_log(group: ProcessGroup) -> None:
    group.start(
        "doomed",
        [sys.executable, "-c", "print('config is broken'); raise SystemExit(3)"],
        ready_when_log_contains("never"),
    )
    with pytest.raises(ProcessFailed, match=r"'doomed'.*code 3(.|\n)*config is broken"):
        group.wait_ready(deadline_seconds=20)
    group.stop()


def test_a_process_never_ready_fails_at_the_deadline_by_name(group: ProcessGroup) -> None:
    group.start("sleepy", [sys.executable, "-c", "import time; time.sleep(60)"], lambda p: False)
    with pytest.raises(ProcessFailed, match="not ready after 1s: sleepy"):
        group.wait_ready(deadline_seconds=1)
    group.stop(grace_seconds=2)


def test_free_ports_come_from_below_the_ephemeral_range_and_are_bindable() -> None:
    """A port of the ephemeral range can be held at any moment as the local end of an
    outgoing connection; a server must never be given one."""
    low = _ephemeral_low()
    ports = {free_port() for _ in range(50)}
    assert all(PORT_FLOOR <= port < low for port in ports), sorted(ports)
    assert len(ports) > 40  # drawn at random, so parallel runs rarely meet
    for port in ports:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))


def test_a_port_held_by_an_outgoing_connection_is_never_given() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.socket() as outgoing:
            outgoing.connect(listener.getsockname())
            held = outgoing.getsockname()[1]
            assert not _bindable(held)
            assert held not in {free_port() for _ in range(200)}
