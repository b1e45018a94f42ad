"""The ``upstreams:`` section: each upstream's instances, protocol, balance and health check.

:class:`UpstreamReader` reads the section, fills the ``{name}`` port placeholders of instance
addresses, applies the ``--upstream`` instance overrides (and reports an override naming an
upstream the table lacks), and reads the optional active health check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from strangler.routing.model import Balance, HealthCheck, Instance, Upstream, UpstreamProtocol
from strangler.routing.table.fields import NAME, FieldReader, path_problem
from strangler.routing.table.placeholders import fill_placeholders, unknown_placeholders

_UPSTREAM_KEYS = {"instances", "protocol", "balance", "connect_timeout", "health", "eject_after"}
_HEALTH_KEYS = {"path", "interval", "timeout", "fall", "rise"}


class UpstreamReader(FieldReader):
    ports: Mapping[str, int]  # the {name} placeholder values
    overrides: dict[str, Sequence[str]]  # upstream name -> the instances that replace its own

    def upstreams(self, value: Any) -> dict[str, Upstream]:
        upstreams: dict[str, Upstream] = {}
        entries = self.mapping(value, "upstreams", set(value or {}))
        if not entries:
            self.problem("upstreams", "at least one upstream is required")
        for name, spec in entries.items():
            where = f"upstream {name}"
            if not isinstance(name, str) or not NAME.fullmatch(name):
                self.problem(where, "name must match [a-z0-9_-]+")
            fields = self.mapping(spec, where, _UPSTREAM_KEYS)
            protocol = cast(
                UpstreamProtocol,
                self.choice(fields.get("protocol"), f"{where}.protocol", ("http", "grpc"), "http"),
            )
            balance = cast(
                Balance,
                self.choice(
                    fields.get("balance"),
                    f"{where}.balance",
                    ("round_robin", "least_conn"),
                    "round_robin",
                ),
            )
            override = self.overrides.get(str(name))
            upstreams[str(name)] = Upstream(
                name=str(name),
                instances=(
                    self.instances(list(override), f"--upstream {name}")
                    if override is not None
                    else self.instances(fields.get("instances"), f"{where}.instances")
                ),
                protocol=protocol,
                balance=balance,
                connect_timeout=self.positive(
                    fields.get("connect_timeout"), f"{where}.connect_timeout", 2.0
                ),
                health=self.health(fields.get("health"), f"{where}.health", protocol),
                eject_after=self.count(fields.get("eject_after"), f"{where}.eject_after", 3, 1),
            )
        for name in sorted(set(self.overrides) - set(upstreams)):
            known = ", ".join(sorted(upstreams)) or "none"
            self.problem(f"--upstream {name}", f"the table has no such upstream (it has: {known})")
        return upstreams

    def instances(self, value: Any, where: str) -> tuple[Instance, ...]:
        if not isinstance(value, list) or not value:
            self.problem(where, "must be a non-empty list of 'host:port'")
            return ()
        instances = []
        for raw in value:
            if not isinstance(raw, str):
                self.problem(where, f"{raw!r} is not a 'host:port' string")
                continue
            text = self.fill_placeholders(raw, where)
            if text is None:
                continue
            host, sep, port = text.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                self.problem(where, f"{raw!r} is not 'host:port' with a port in 1..65535")
                continue
            instance = Instance(host=host, port=int(port))
            if instance in instances:
                self.problem(where, f"{text!r} is listed twice")
            instances.append(instance)
        return tuple(instances)

    def fill_placeholders(self, raw: str, where: str) -> str | None:
        unknown = unknown_placeholders(raw, self.ports)
        if unknown:
            known = ", ".join(sorted(self.ports)) or "none given"
            for name in unknown:
                self.problem(where, f"unknown placeholder {{{name}}} (ports known: {known})")
            return None
        return fill_placeholders(raw, self.ports)

    def health(self, value: Any, where: str, protocol: str) -> HealthCheck | None:
        if value is None:
            return None
        fields = self.mapping(value, where, _HEALTH_KEYS)
        path = fields.get("path")
        if protocol == "grpc":
            if path is not None:
                self.problem(f"{where}.path", "grpc upstreams are checked by TCP connect: no path")
        else:
            path = "/health/ready" if path is None else path
            trouble = path_problem(path)
            if trouble:
                self.problem(f"{where}.path", trouble)
        interval = self.positive(fields.get("interval"), f"{where}.interval", 2.0)
        timeout = self.positive(fields.get("timeout"), f"{where}.timeout", 1.0)
        return HealthCheck(
            path=path,
            interval=interval,
            timeout=timeout,
            fall=self.count(fields.get("fall"), f"{where}.fall", 2, 1),
            rise=self.count(fields.get("rise"), f"{where}.rise", 2, 1),
        )
