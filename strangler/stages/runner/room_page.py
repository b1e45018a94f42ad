"""What the control room shows: a running stage at a glance, as a page and as JSON.

:func:`snapshot` reads the stage as it runs now (each process's pid, port, whether it is alive,
live and ready, how often the supervisor restarted it; the same probes as ``stage check``),
with what a person can open, where the gateway sends each path and which consumer takes each
event. :func:`render_html` lays it out as one page that reloads itself; :func:`as_json` is the
same for a script.
"""

from __future__ import annotations

import html
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from strangler.stages.launcher import RunningStage
from strangler.stages.runner.checking import check_rows
from strangler.stages.runner.room_signals import Signal, read_signals
from strangler.stages.runner.state_file import stage_state
from strangler.stages.runner.urls import metrics_urls, process_links
from strangler.stages.views import route_rows

PROCESS_COLUMNS = ("process", "pid", "port", "alive", "live", "ready", "restarts")
ROUTE_COLUMNS = ("route", "path", "methods", "to", "auth", "rate limit")
EVENT_COLUMNS = ("event", "consumer", "queue")
REFRESH_SECONDS = 3


@dataclass(frozen=True)
class Snapshot:
    stage: int
    tag: str
    title: str
    changes: tuple[str, ...]
    doc: str
    healthy: bool
    processes: tuple[tuple[object, ...], ...]  # PROCESS_COLUMNS, as ``stage check`` gives them
    links: tuple[tuple[str, str, str], ...]  # (process or "", label, URL or text)
    routes: tuple[tuple[str, ...], ...]  # ROUTE_COLUMNS; none before the gateway
    events: tuple[tuple[str, ...], ...]  # EVENT_COLUMNS; none before stage 2
    signals: tuple[Signal, ...]  # from the processes' /metrics
    taken_at: float


def snapshot(running: RunningStage, var: Path) -> Snapshot:
    stage = running.stage
    rows, healthy = check_rows(stage, stage_state(running, var))
    return Snapshot(
        stage=stage.number,
        tag=stage.tag,
        title=stage.title,
        changes=tuple(stage.changes),
        doc=stage.doc,
        healthy=healthy,
        processes=tuple(tuple(row) for row in rows),
        links=tuple(process_links(stage, running)),
        routes=tuple(route_rows(stage)),
        events=tuple((s.event_type, s.consumer, s.queue or "-") for s in stage.subscriptions),
        signals=tuple(read_signals(metrics_urls(running))),
        taken_at=time.time(),
    )


def _plain(value: object) -> object:
    """A cell of ``stage check`` as JSON: yes / NO / ? as true / false / null, "-" as null."""
    return {"yes": True, "NO": False, "?": None, "-": None}.get(str(value), value)


def as_json(snap: Snapshot) -> dict[str, Any]:
    data = asdict(snap)
    data["processes"] = [
        {column: _plain(cell) for column, cell in zip(PROCESS_COLUMNS, row, strict=True)}
        for row in snap.processes
    ]
    data["links"] = [
        {"process": process or None, "label": label, "value": value}
        for process, label, value in snap.links
    ]
    data["routes"] = [dict(zip(ROUTE_COLUMNS, row, strict=True)) for row in snap.routes]
    data["events"] = [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in snap.events]
    return data


_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; } td, th { padding: 0.25em 0.9em; text-align: left; }
th { border-bottom: 2px solid #999; } tr:nth-child(even) td { background: #f4f4f4; }
td.NO { background: #f6c6c6 !important; font-weight: bold; } td.yes { color: #17692c; }
tr.alert td { background: #f6c6c6 !important; }
.verdict { display: inline-block; padding: 0.2em 0.7em; border-radius: 0.3em; color: white; }
.verdict.ok { background: #17692c; } .verdict.bad { background: #b3261e; }
.muted { color: #666; }
"""


def _cell(value: str, column: str) -> str:
    kind = f' class="{html.escape(value)}"' if column in ("alive", "live", "ready") else ""
    return f'<td data-column="{html.escape(column)}"{kind}>{html.escape(value)}</td>'


def _table(columns: tuple[str, ...], rows: tuple[tuple[object, ...], ...], key: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f'<tr data-{key}="{html.escape(str(row[0]))}">'
        + "".join(_cell(str(value), column) for column, value in zip(columns, row, strict=True))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _link(value: str, text: str = "") -> str:
    """``value`` as a link where it is an http(s) URL (shown as ``text``, else itself)."""
    shown = html.escape(text or value)
    if not value.startswith(("http://", "https://")):
        return shown
    return f'<a href="{html.escape(value)}">{shown}</a>'


def _links(links: tuple[tuple[str, str, str], ...]) -> str:
    """One row per process with its links (labelled without the process's name), then one
    row per link of no process (the logs, the demo customer)."""
    grouped: dict[str, list[str]] = {}
    for process, label, value in links:
        if process:
            grouped.setdefault(process, []).append(_link(value, label.removeprefix(f"{process} ")))
        else:
            grouped[label] = [_link(value)]
    return "".join(
        f'<tr data-opens="{html.escape(name)}"><td>{html.escape(name)}</td>'
        f"<td>{' · '.join(items)}</td></tr>"
        for name, items in grouped.items()
    )


def _signal_row(signal: Signal) -> str:
    kind = ' class="alert"' if signal.alert else ""
    cells = (signal.process, signal.figure, signal.subject, signal.value)
    return (
        f'<tr data-signal="{html.escape(signal.figure)}"{kind}>'
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
        + "</tr>"
    )


def render_html(snap: Snapshot) -> str:
    verdict = (
        '<span class="verdict ok" id="verdict">every process is ready</span>'
        if snap.healthy
        else '<span class="verdict bad" id="verdict">a process is not ready</span>'
    )
    changes = "".join(f"<li>{html.escape(change)}</li>" for change in snap.changes)
    # a route to an upstream other than the monolith (a handler may still call it)
    moved = sum(
        1 for r in snap.routes if not r[3].startswith("handler ") and "monolith" not in r[3]
    )
    routes = (
        f'<p id="moved">{moved} of {len(snap.routes)} routes no longer reach the monolith.</p>'
        + _table(ROUTE_COLUMNS, snap.routes, "route")
        if snap.routes
        else '<p class="muted">No gateway yet: clients call the monolith directly.</p>'
    )
    events = (
        _table(EVENT_COLUMNS, snap.events, "event")
        if snap.events
        else '<p class="muted">No integration events yet: the contexts call each other in '
        "process.</p>"
    )
    signals = (
        "<table><thead><tr><th>process</th><th>figure</th><th>of</th><th>value</th></tr>"
        "</thead><tbody>"
        + "".join(_signal_row(signal) for signal in snap.signals)
        + "</tbody></table>"
        if snap.signals
        else '<p class="muted">No process reports a breaker, a pool or an event figure yet '
        "(they come with the gateway and with the first extracted service).</p>"
    )
    taken = time.strftime("%H:%M:%S", time.localtime(snap.taken_at))
    doc = f' <span class="muted">({html.escape(snap.doc)})</span>' if snap.doc else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>Control room: stage {snap.stage}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(snap.tag)}: {html.escape(snap.title)}</h1>
<p>{verdict} <span class="muted">as of {taken}; this page reloads every {REFRESH_SECONDS} s,
the same data as JSON at <a href="/status.json">/status.json</a></span></p>
<h2>Processes</h2>
{_table(PROCESS_COLUMNS, snap.processes, "process")}
<p class="muted">alive: the process runs; live: its liveness probe answers (the supervisor
restarts it when it stops answering); ready: its readiness probe answers (its database and
broker are reachable, it is not draining).</p>
<h2>What to open</h2>
<table><tbody>{_links(snap.links)}</tbody></table>
<h2>Where the gateway sends each request</h2>
{routes}
<h2>Who consumes each event</h2>
{events}
<h2>Signals (from each process's /metrics)</h2>
{signals}
<h2>What this stage changed{doc}</h2>
<ul>{changes}</ul>
</body></html>
"""
