"""Where the processes run and what CPU they spend: core pinning and per-session CPU time.

:class:`Pinning` puts each proxy on core ``PROXY_CPU`` and wrk and the upstreams on core
``LOAD_CPU`` with ``taskset`` (or says why it cannot); :func:`session_cpu_seconds` adds up
the CPU time of a process tree, from which the report gives the CPU cost per request.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.progress import say

PROXY_CPU, LOAD_CPU = "0", "1"


def session_cpu_seconds(session: int) -> float:
    """User + system CPU of every live process of a session (a ProcessGroup's process tree).

    On a shared machine this is steadier than req/s: other work steals wall time, not the
    CPU time a request costs.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # fields[0] is field 3 of proc(5)
        if int(fields[3]) == session:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Pinning:
    enabled: bool
    reason: str = ""

    @classmethod
    def detect(cls) -> Pinning:
        if shutil.which("taskset") is None:
            return cls(False, "taskset not found")
        if not {0, 1} <= os.sched_getaffinity(0):
            return cls(False, "cores 0 and 1 are not both available")
        return cls(True)

    def argv(self, cpu: str, argv: Sequence[str]) -> list[str]:
        return ["taskset", "-c", cpu, *argv] if self.enabled else list(argv)


def pin_load_here() -> Pinning:
    """The servers' pinning; this process, the load generator, moved to ``LOAD_CPU`` (or why
    it cannot be, said once)."""
    pinning = Pinning.detect()
    if pinning.enabled:
        os.sched_setaffinity(0, {int(LOAD_CPU)})
    else:
        say(f"running without CPU pinning: {pinning.reason}")
    return pinning
