"""Rolling restart: restart every instance of a gateway upstream, one at a time, and fail no
request while doing it.

For each instance in turn: create its drain file (its ``/health/ready`` answers 503 from then
on) -> wait until the gateway's health checks have taken it out of the pool (the
``gateway_upstream_instance_up`` gauge of the gateway's ``/metrics`` drops to 0) -> SIGTERM it
(gunicorn finishes the requests it has) -> start it again with the same argv and port -> wait
until its ``/health/ready`` passes and the gateway has it back in the pool -> the next one.

Draining first is what makes it safe: a process that gets SIGTERM while the gateway still
sends it requests refuses the ones that arrive after its listener closed, and the gateway only
learns from those failures. Every wait is polled against a deadline; a step that does not
happen in time stops the restart (the instance's drain file is removed, so an instance that was
not stopped goes back into the pool).
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strangler.stages.launcher import drain_file
from strangler.stages.manifest import ProcessSpec, Stage
from strangler.stages.processes import Process, ProcessGroup, stop_process

Log = Callable[[str], None]

_MEMBER = re.compile(r"^gateway_upstream_instance_up\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)", re.M)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class RestartFailed(RuntimeError):
    """A step of the rolling restart did not happen within its deadline."""


def pool_membership(gateway_url: str, timeout: float = 2.0) -> dict[tuple[str, str], bool]:
    """(upstream, "host:port") -> in the gateway's pool, from its ``/metrics``."""
    with urllib.request.urlopen(f"{gateway_url}/metrics", timeout=timeout) as response:
        text = response.read().decode()
    members: dict[tuple[str, str], bool] = {}
    for match in _MEMBER.finditer(text):
        labels = dict(_LABEL.findall(match.group("labels")))
        members[labels.get("upstream", ""), labels.get("instance", "")] = (
            float(match.group("value")) > 0
        )
    return members


@dataclass
class InstanceResult:
    name: str
    address: str
    old_pid: int | None
    new_pid: int | None = None
    out_of_pool_after: float | None = None  # seconds from the drain file to "out"
    stopped_after: float | None = None  # seconds SIGTERM took
    back_after: float | None = None  # seconds from the new start to "in the pool"
    error: str = ""

    def row(self) -> tuple[object, ...]:
        def seconds(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}s"

        return (
            self.name,
            self.address,
            self.old_pid or "-",
            self.new_pid or "-",
            seconds(self.out_of_pool_after),
            seconds(self.stopped_after),
            seconds(self.back_after),
            self.error or "ok",
        )


RESULT_HEADERS = ["instance", "address", "old pid", "new pid", "out of pool", "stop", "back", ""]


@dataclass
class RollingRestart:
    """Restarts the processes of one running stage; the stage runner owns it.

    ``hold(name)`` keeps the supervisor's hands off a process while it is stopped on purpose;
    ``on_respawn`` records the new pid (the state file); ``stopping`` is set when the runner
    shuts down, and no process is started again after that.
    """

    stage: Stage
    group: ProcessGroup
    ports: Mapping[str, int]
    var: Path
    hold: Callable[[str], AbstractContextManager[None]]
    lock: AbstractContextManager[Any] = field(default_factory=threading.RLock)
    on_respawn: Callable[[Process], None] = lambda process: None
    stopping: threading.Event | None = None
    deadline: float = 60.0
    stop_grace: float = 30.0
    poll: float = 0.2

    def instances(self, upstream: str) -> tuple[ProcessSpec, ...]:
        specs = self.stage.instances(upstream)
        if not specs:
            known = sorted({p.upstream for p in self.stage.processes if p.upstream})
            raise RestartFailed(
                f"stage {self.stage.number} has no instances of {upstream!r} behind the gateway "
                f"(upstreams with instances: {', '.join(known) or 'none'})"
            )
        if "gateway" not in self.ports:
            raise RestartFailed(f"stage {self.stage.number} has no gateway to drain through")
        undrainable = [s.name for s in specs if s.ready != "http"]
        if undrainable:
            raise RestartFailed(
                f"{', '.join(undrainable)}: no HTTP readiness to drain through (the gateway "
                "checks this upstream by TCP connect only); a restart would fail requests"
            )
        if len(specs) < 2:
            raise RestartFailed(
                f"{upstream} has one instance ({specs[0].name}): restarting it would leave the "
                "gateway with none; run two (see docs/operations.md, rolling restart)"
            )
        return specs

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def address(self, spec: ProcessSpec) -> str:
        return f"127.0.0.1:{self.ports[spec.port_name]}"

    def run(self, upstream: str, log: Log) -> list[InstanceResult]:
        specs = self.instances(upstream)
        processes = {p.name: p for p in self.group.processes}
        results = [
            InstanceResult(
                s.name, self.address(s), processes[s.name].pid if s.name in processes else None
            )
            for s in specs
        ]
        log(
            f"rolling restart of {upstream}: {len(specs)} instances "
            f"({', '.join(f'{r.name} {r.address}' for r in results)})"
        )
        for spec, result in zip(specs, results, strict=True):
            try:
                self._restart_one(upstream, spec, processes[spec.name], result, log)
            except (RestartFailed, KeyError) as exc:
                result.error = str(exc).splitlines()[0]
                log(f"{spec.name}: FAILED: {exc}")
                break
        return results

    def _restart_one(
        self,
        upstream: str,
        spec: ProcessSpec,
        process: Process,
        result: InstanceResult,
        log: Log,
    ) -> None:
        others = [s for s in self.stage.instances(upstream) if s.name != spec.name]
        self._wait(
            lambda: all(self._member(upstream, s) for s in others),
            f"the other instances of {upstream} ({', '.join(s.name for s in others)}) "
            "in the gateway's pool before draining one",
        )
        drain = drain_file(self.var, spec.name)
        with self.hold(spec.name):
            try:
                drain.parent.mkdir(parents=True, exist_ok=True)
                drain.touch()
                began = time.monotonic()
                log(f"{spec.name}: draining (its /health/ready answers 503)")
                self._wait(
                    lambda: self._member(upstream, spec) is False,
                    f"the gateway taking {spec.name} ({result.address}) out of its pool",
                )
                result.out_of_pool_after = time.monotonic() - began
                log(
                    f"{spec.name}: out of the gateway's pool after "
                    f"{result.out_of_pool_after:.1f}s; SIGTERM pid {process.pid}"
                )
                began = time.monotonic()
                stop_process(process, grace_seconds=self.stop_grace)
                result.stopped_after = time.monotonic() - began
                log(f"{spec.name}: stopped after {result.stopped_after:.1f}s; starting it again")
            finally:
                drain.unlink(missing_ok=True)
            began = time.monotonic()
            with self.lock:  # the runner sets ``stopping`` under it before stopping the group
                if self.stopping is not None and self.stopping.is_set():
                    raise RestartFailed("the stage is shutting down")
                self.group.respawn(process, note="rolling restart:")
            result.new_pid = process.pid
            self.on_respawn(process)
            self._wait(
                lambda: self._ready(process),
                f"{spec.name} (pid {process.pid}) answering /health/ready",
            )
            log(f"{spec.name}: ready again (pid {process.pid}); waiting for the gateway")
        self._wait(
            lambda: self._member(upstream, spec) is True,
            f"the gateway taking {spec.name} ({result.address}) back into its pool",
        )
        result.back_after = time.monotonic() - began
        log(f"{spec.name}: back in the gateway's pool after {result.back_after:.1f}s")

    def _member(self, upstream: str, spec: ProcessSpec) -> bool | None:
        try:
            return pool_membership(self.gateway_url).get((upstream, self.address(spec)))
        except (urllib.error.URLError, OSError):
            return None

    def _ready(self, process: Process) -> bool:
        assert process.popen is not None
        code = process.popen.poll()
        if code is not None:
            raise RestartFailed(
                f"{process.name} exited with code {code} on start\n{process.log_tail(15)}"
            )
        return process.ready(process)

    def _wait(self, check: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + self.deadline
        while not check():
            if time.monotonic() > end:
                raise RestartFailed(f"not within {self.deadline:.0f}s: {what}")
            time.sleep(self.poll)
