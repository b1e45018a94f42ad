"""Start a stage's processes, wait until they are ready, stop every one of them by pid.

Used by ``make demo`` and by the e2e tests alike, so both exercise the same start-up path.
Readiness is polled with a deadline, never slept for; a process that dies is named with the
tail of its log.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class ProcessFailed(RuntimeError):
    """A process exited or never became ready."""


# Servers get ports from here up to the kernel's ephemeral range, never from inside it: any
# port of that range can become, at any moment, the local end of an outgoing connection (a
# database, broker or Redis pool keeps one for minutes), and a server started on it later
# cannot bind ("Address already in use").
PORT_FLOOR = 10_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_pick = random.SystemRandom()  # xdist workers and parallel runs must not draw the same ports


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    """Nothing on ``port``: not listening, not connected, not even in TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback port nothing uses, below the ephemeral range when there is room there."""
    low = _ephemeral_low()
    if low - PORT_FLOOR >= 1000:
        for _ in range(200):
            port = _pick.randrange(PORT_FLOOR, low)
            if _bindable(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Process:
    name: str
    argv: Sequence[str]
    log_path: Path
    ready: Callable[[Process], bool]
    popen: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    restarts: int = 0

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None


def ready_when_http_ok(url: str) -> Callable[[Process], bool]:
    return lambda process: http_ok(url)


def tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ready_when_tcp_open(host: str, port: int) -> Callable[[Process], bool]:
    return lambda process: tcp_open(host, port)


def ready_when_log_contains(text: str) -> Callable[[Process], bool]:
    def check(process: Process) -> bool:
        try:
            return text in process.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return False

    return check


@dataclass
class ProcessGroup:
    """Processes started together, each in its own session so a stop reaches its children."""

    log_dir: Path
    env: Mapping[str, str]
    cwd: Path
    processes: list[Process] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        ready: Callable[[Process], bool],
        *,
        env: Mapping[str, str] | None = None,
    ) -> Process:
        """Start ``argv`` in a session of its own; ``env`` adds to the group's environment."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        process = Process(
            name=name,
            argv=argv,
            log_path=self.log_dir / f"{name}.log",
            ready=ready,
            env=dict(env or {}),
        )
        self._spawn(process, mode="wb")
        self.processes.append(process)
        return process

    def _spawn(self, process: Process, *, mode: str) -> None:
        log = process.log_path.open(mode)
        try:
            process.popen = subprocess.Popen(
                list(process.argv),
                cwd=self.cwd,
                env={**self.env, **process.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    def restart(self, process: Process, grace_seconds: float = 10.0) -> None:
        """Stop ``process`` (its whole group) and start it again: same argv, same port, new pid.

        The log is appended to, so what led to the restart stays readable.
        """
        stop_process(process, grace_seconds=grace_seconds)
        self.respawn(process)
        process.restarts += 1

    def respawn(self, process: Process, note: str = "restarted") -> None:
        """Start a stopped ``process`` again with the same argv and environment (new pid).

        Not counted as a restart: a deliberate stop (a rolling restart) is not a failure.
        """
        with process.log_path.open("ab") as log:
            log.write(f"\n--- {note} {process.name} ---\n".encode())
        self._spawn(process, mode="ab")

    def wait_ready(self, deadline_seconds: float = 60.0, poll: float = 0.2) -> None:
        deadline = time.monotonic() + deadline_seconds
        pending = list(self.processes)
        while pending:
            for process in list(pending):
                self.raise_if_dead(process)
                if process.ready(process):
                    pending.remove(process)
            if pending and time.monotonic() > deadline:
                names = ", ".join(p.name for p in pending)
                tails = "\n".join(f"--- {p.name} ---\n{p.log_tail()}" for p in pending)
                raise ProcessFailed(f"not ready after {deadline_seconds:.0f}s: {names}\n{tails}")
            if pending:
                time.sleep(poll)

    def raise_if_dead(self, process: Process) -> None:
        assert process.popen is not None
        code = process.popen.poll()
        if code is not None:
            raise ProcessFailed(
                f"process {process.name!r} (pid {process.pid}) exited with code {code}\n"
                f"{process.log_tail()}"
            )

    def check_alive(self) -> None:
        for process in self.processes:
            self.raise_if_dead(process)

    def stop(self, grace_seconds: float = 10.0) -> None:
        """SIGTERM each leader, then SIGKILL whatever is left of its group after the grace.

        Only the leader gets SIGTERM: gunicorn's arbiter and Celery's main process shut their
        own children down in order (a pool child killed under a Celery worker makes it hang).
        """
        for process in self.processes:
            if process.popen is not None and process.popen.poll() is None:
                _signal_group(process, signal.SIGCONT)  # a stopped process cannot act on TERM
                process.popen.terminate()
        deadline = time.monotonic() + grace_seconds
        for process in self.processes:
            assert process.popen is not None
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.popen.wait(timeout=5)
            _signal_group(process, signal.SIGKILL)  # children a dead leader left behind
        self.processes.clear()


def stop_process(process: Process, grace_seconds: float = 10.0) -> None:
    """SIGTERM the leader (SIGCONT first: a stopped process cannot act on it), then SIGKILL
    whatever is left of its group after the grace."""
    if process.popen is None:
        return
    if process.popen.poll() is None:
        _signal_group(process, signal.SIGCONT)
        process.popen.terminate()
        try:
            process.popen.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.popen.wait(timeout=5)
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: Process, sig: signal.Signals) -> None:
    if process.popen is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.popen.pid, sig)
