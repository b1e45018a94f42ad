"""The types of the stage manifest and the one way to derive a stage from the one before it.

A stage is never written out in full: it is ``previous.extend(...)`` with its own change, so a
stage inserted later (stage 3 between 2 and 4) changes every stage after it automatically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

ReadyKind = Literal["http", "log", "tcp"]

# Placeholders in argv: {python} (this interpreter), {var} (the stage's state folder),
# {port} (the process's own port), {port:NAME} (the port of another process, by port name),
# {run} (a short id of this run of the stage: Celery worker names must be unique on a broker
# that several stages share, e.g. RabbitMQ during the tests).
PLACEHOLDER = re.compile(r"\{(python|var|port|run)(?::([A-Za-z0-9_-]+))?\}")


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process of a stage.

    ``ready`` says how to know it serves: ``http`` when GET ``ready_path`` answers 2xx, ``log``
    when its log contains ``ready_text`` (a Celery worker prints " ready." once consuming),
    ``tcp`` when its port accepts a connection (a gRPC server has no HTTP health endpoint).
    ``live_path`` is what the supervisor probes for liveness (empty: only "is it running").
    ``optional`` processes (Flower) are started by ``stage up`` but not by the tests.
    ``upstream`` names the gateway upstream this process is one instance of (two processes
    ``monolith`` and ``monolith-2`` with ``upstream="monolith"`` are its two replicas):
    ``stage restart monolith`` restarts them one at a time behind the gateway.
    ``metrics_path`` is where Prometheus scrapes it (empty: it serves no metrics);
    ``stage prometheus`` writes a scrape configuration from it.
    ``settings_of`` is the service whose Django settings it loads when that is not its own
    (Flower runs the monolith's Celery app): from stage 5 it reads the secret store with
    that service's token.
    """

    name: str
    argv: tuple[str, ...]
    ready: ReadyKind
    ready_text: str = ""
    port_name: str = ""
    ready_path: str = "/health/ready"
    live_path: str = ""
    service: str = ""
    upstream: str = ""
    metrics_path: str = ""
    optional: bool = False
    env: tuple[tuple[str, str], ...] = ()
    settings_of: str = ""
    # What a person opens in a browser: (label, path) printed by ``stage up``.
    urls: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.ready in ("http", "tcp") and not self.port_name:
            raise ValueError(f"process {self.name!r}: ready={self.ready!r} needs a port_name")
        if self.metrics_path and not self.port_name:
            raise ValueError(f"process {self.name!r}: metrics_path needs a port_name")
        if self.ready == "log" and not self.ready_text:
            raise ValueError(f"process {self.name!r}: ready='log' needs a ready_text")
        if self.ready == "http" and not self.live_path:
            object.__setattr__(self, "live_path", "/health/live")
        if not self.service:
            object.__setattr__(self, "service", self.name)
        if not self.settings_of:
            object.__setattr__(self, "settings_of", self.service)

    def placeholders(self) -> set[str]:
        """The port names this process's argv refers to (``{port}`` is its own)."""
        names = set()
        for part in self.argv:
            for match in PLACEHOLDER.finditer(part):
                if match.group(1) == "port":
                    names.add(match.group(2) or self.port_name)
        return names


@dataclass(frozen=True)
class Subscription:
    """A consumer bound to an integration event type (``order.created`` -> notifications)."""

    event_type: str
    consumer: str
    queue: str = ""


@dataclass(frozen=True)
class Stage:
    number: int
    tag: str
    title: str
    setup: tuple[tuple[str, ...], ...]
    processes: tuple[ProcessSpec, ...]
    entrypoint: str  # the process whose URL clients use
    # The gateway's route table for this stage (None at stage 0: no gateway yet).
    routes: str | None = None
    # Environment given to every process of the stage: the monolith's adapters and settings.
    settings: tuple[tuple[str, str], ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    # Paths (files, or folders ending in "/") this stage adds to the repository. The tag
    # command removes them from the trees of earlier stages.
    introduces: tuple[str, ...] = ()
    # Paths (same forms) this stage removes from its own tree and every later one: code the
    # strangler decommissions once its replacement took over. They stay on main, which still
    # runs every stage; the tag command leaves them out of this stage's tag and the later ones.
    retires: tuple[str, ...] = ()
    # The page that explains the stage.
    doc: str = ""
    # What this stage changed, in one line per item, for ``stage show``.
    changes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.processes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"stage {self.number}: duplicate process names {duplicates}")
        if self.entrypoint not in names:
            raise ValueError(f"stage {self.number}: entrypoint {self.entrypoint!r} not a process")
        ports = {p.port_name for p in self.processes if p.port_name}
        for process in self.processes:
            unknown = process.placeholders() - ports
            if unknown:
                raise ValueError(
                    f"stage {self.number}: process {process.name!r} refers to unknown ports "
                    f"{sorted(unknown)}"
                )

    @property
    def port_names(self) -> tuple[str, ...]:
        return tuple(p.port_name for p in self.processes if p.port_name)

    @property
    def settings_env(self) -> dict[str, str]:
        return dict(self.settings)

    def instances(self, upstream: str) -> tuple[ProcessSpec, ...]:
        """The processes behind the gateway's ``upstream``, in start order."""
        return tuple(p for p in self.processes if p.upstream == upstream)

    def process(self, name: str) -> ProcessSpec:
        for spec in self.processes:
            if spec.name == name:
                return spec
        raise KeyError(f"stage {self.number} has no process {name!r}")

    def required_processes(self) -> tuple[ProcessSpec, ...]:
        return tuple(p for p in self.processes if not p.optional)

    def extend(
        self,
        *,
        number: int,
        tag: str,
        title: str,
        add: Iterable[ProcessSpec] = (),
        replace_processes: Iterable[ProcessSpec] = (),
        remove: Iterable[str] = (),
        setup: Iterable[tuple[str, ...]] = (),
        setup_first: Iterable[tuple[str, ...]] = (),
        entrypoint: str | None = None,
        routes: str | None = None,
        settings: Mapping[str, str] | None = None,
        unset: Iterable[str] = (),
        subscriptions: Iterable[Subscription] = (),
        introduces: Iterable[str] = (),
        retires: Iterable[str] = (),
        doc: str = "",
        changes: Iterable[str] = (),
    ) -> Stage:
        """This stage plus a delta: the next stage.

        Processes are added, replaced by name or removed; settings are merged (a later stage
        switches an adapter by setting the same key) and ``unset`` drops those whose reader a
        stage retires; subscriptions accumulate; the route
        table is replaced when given. ``setup`` runs after the earlier stages' set-up steps,
        ``setup_first`` before them (what their commands need, such as the secrets a Django
        command reads as it starts). ``introduces``, ``retires`` and ``changes`` belong to
        the new stage alone (a retired path stays retired: the tag command reads every stage's).
        """
        removed = set(remove)
        replacements = {p.name: p for p in replace_processes}
        missing = (removed | set(replacements)) - {p.name for p in self.processes}
        if missing:
            raise ValueError(f"stage {number}: no process {sorted(missing)} in stage {self.number}")
        processes = [replacements.get(p.name, p) for p in self.processes if p.name not in removed]
        merged = {**self.settings_env, **(settings or {})}
        dropped = set(unset)
        unknown = dropped - set(merged)
        if unknown:
            raise ValueError(f"stage {number}: no setting {sorted(unknown)} to unset")
        merged = {name: value for name, value in merged.items() if name not in dropped}
        return replace(
            self,
            number=number,
            tag=tag,
            title=title,
            setup=(*setup_first, *self.setup, *setup),
            processes=(*processes, *add),
            entrypoint=entrypoint or self.entrypoint,
            routes=routes if routes is not None else self.routes,
            settings=tuple(merged.items()),
            subscriptions=(*self.subscriptions, *subscriptions),
            introduces=tuple(introduces),
            retires=tuple(retires),
            doc=doc,
            changes=tuple(changes),
        )
