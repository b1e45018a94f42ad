"""Self-healing: the orchestrator half of the Health Check and Readiness Check patterns.

While a stage runs, every process with a liveness endpoint is probed every ``interval``
seconds with a short timeout. ``failures`` failed probes in a row mean the process is alive but
stuck (a hung main thread, a deadlock): it is killed with its whole group and started again
with the same argv and port. A process that exits is started again too, after a back-off that
doubles; after ``max_restarts`` restarts within ``window`` seconds the supervisor gives up on
it and says so, rather than restarting a crash loop forever.

Liveness is never readiness: a process whose database is down is alive and must not be
restarted (that is what ``/health/live`` not touching dependencies is for); the gateway stops
sending it traffic through ``/health/ready`` instead.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from strangler.stages.processes import Process, ProcessGroup

Log = Callable[[str], None]


@dataclass(frozen=True)
class Policy:
    interval: float = 2.0
    timeout: float = 1.0
    failures: int = 3
    max_restarts: int = 5
    window: float = 60.0
    backoff: float = 0.5
    backoff_max: float = 10.0
    # A (re)started process gets this long to answer its first liveness probe before
    # failures count (like a Kubernetes startup probe): gunicorn needs a moment to boot.
    startup_grace: float = 60.0


@dataclass
class Watch:
    process: Process
    live_url: str | None
    started_at: float
    failures: int = 0
    seen_live: bool = False
    restart_times: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    given_up: bool = False


def probe(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Supervisor:
    """Watches a ``ProcessGroup``; call ``tick()`` every ``policy.interval`` seconds."""

    def __init__(
        self,
        group: ProcessGroup,
        live_urls: Mapping[str, str | None],
        *,
        policy: Policy | None = None,
        log: Log = print,
        on_restart: Callable[[Process], None] = lambda process: None,
        clock: Callable[[], float] = time.monotonic,
        already_ready: bool = True,
    ) -> None:
        """``already_ready``: the processes passed their readiness check before being handed
        over (as ``stage up`` does), so liveness failures count from the first probe."""
        self.group = group
        self.policy = policy or Policy()
        self.log = log
        self.on_restart = on_restart
        self.clock = clock
        now = clock()
        self.watches = {
            p.name: Watch(
                process=p, live_url=live_urls.get(p.name), started_at=now, seen_live=already_ready
            )
            for p in group.processes
        }
        # Taken by each tick and by whoever stops a process on purpose (``hold``).
        self.lock = threading.RLock()
        self._held: set[str] = set()

    @property
    def restarts(self) -> dict[str, int]:
        return {name: w.process.restarts for name, w in self.watches.items()}

    def given_up(self) -> list[str]:
        return [name for name, w in self.watches.items() if w.given_up]

    def run(self, should_stop: Callable[[], bool]) -> None:
        while not should_stop():
            self.tick()
            time.sleep(self.policy.interval)

    def tick(self) -> None:
        with self.lock:
            for watch in self.watches.values():
                if not watch.given_up and watch.process.name not in self._held:
                    self._check(watch)

    @contextlib.contextmanager
    def hold(self, name: str) -> Iterator[None]:
        """Leave process ``name`` alone while it is stopped and started on purpose (a rolling
        restart): its exit is not a failure, nothing restarts it, no restart is counted. It
        is watched afresh afterwards, with a start-up grace like any (re)started process."""
        with self.lock:
            self._held.add(name)
        try:
            yield
        finally:
            with self.lock:
                self._held.discard(name)
                watch = self.watches[name]
                watch.failures, watch.seen_live, watch.restart_at = 0, False, None
                watch.started_at = self.clock()

    def _check(self, watch: Watch) -> None:
        process, now = watch.process, self.clock()
        assert process.popen is not None
        code = process.popen.poll()
        if code is not None:
            if watch.restart_at is None:
                delay = min(
                    self.policy.backoff * 2 ** len(watch.restart_times), self.policy.backoff_max
                )
                self.log(
                    f"{process.name} (pid {process.pid}) exited with code {code}; "
                    f"restarting in {delay:.1f}s\n{process.log_tail(15)}"
                )
                watch.restart_at = now + delay
            if now >= watch.restart_at:
                self._restart(watch, reason=f"it exited with code {code}")
            return
        if watch.live_url is None:
            return
        if probe(watch.live_url, self.policy.timeout):
            watch.failures, watch.seen_live = 0, True
            return
        if not watch.seen_live and now - watch.started_at < self.policy.startup_grace:
            return
        watch.failures += 1
        if watch.failures >= self.policy.failures:
            self._restart(
                watch, reason=f"{watch.failures} failed liveness probes of {watch.live_url}"
            )

    def _restart(self, watch: Watch, *, reason: str) -> None:
        now = self.clock()
        while watch.restart_times and now - watch.restart_times[0] > self.policy.window:
            watch.restart_times.popleft()
        name = watch.process.name
        if len(watch.restart_times) >= self.policy.max_restarts:
            watch.given_up = True
            self.log(
                f"gave up on {name}: {len(watch.restart_times)} restarts within "
                f"{self.policy.window:.0f}s; last reason: {reason}\n{watch.process.log_tail(15)}"
            )
            return
        self.group.restart(watch.process)
        watch.restart_times.append(now)
        watch.failures, watch.seen_live, watch.restart_at = 0, False, None
        watch.started_at = self.clock()
        self.log(f"restarted {name} after {reason} (restart {watch.process.restarts})")
        self.on_restart(watch.process)
