"""``stage up``, ``stage check`` and ``stage down``: run a stage in the foreground, look at it
from another shell, stop it by pid.

One module per command or concern: ``foreground`` (``stage up`` and its supervision),
``preparation`` (ports and databases before the start), ``state_file`` (what the runner
records), ``urls`` (where the stage answers), ``control_channel`` (``stage restart`` over the
runner's socket), ``checking`` (``stage check``) and ``stopping`` (``stage down``). Import
from here: these names are the package's interface.
"""

from __future__ import annotations

from strangler.stages.runner.checking import check, check_rows
from strangler.stages.runner.control_channel import restart
from strangler.stages.runner.foreground import Stopped, UpOptions, up
from strangler.stages.runner.preparation import ensure_databases, ports_for
from strangler.stages.runner.stopping import down
from strangler.stages.runner.urls import live_urls, url_rows

__all__ = [
    "Stopped",
    "UpOptions",
    "check",
    "check_rows",
    "down",
    "ensure_databases",
    "live_urls",
    "ports_for",
    "restart",
    "up",
    "url_rows",
]
