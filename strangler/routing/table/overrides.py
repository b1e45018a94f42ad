"""Values from outside the file: the ``{name}`` port placeholders and instance overrides.

:class:`Ports` carries both the placeholder values and the instances that replace an
upstream's (the gateway's ``--upstream NAME=HOST:PORT,...``), so every (re)load applies both;
:func:`parse_instance_override` reads one such ``--upstream`` argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from strangler.routing.table.fields import NAME


class Ports(dict[str, int]):
    """The values of the ``{name}`` placeholders, and the instances that replace an upstream's.

    ``instances`` comes from the gateway's ``--upstream NAME=HOST:PORT[,HOST:PORT...]``: the
    upstream ``NAME`` gets exactly those instances, whatever the file lists. Both travel
    together so that every (re)load of the table applies both.
    """

    def __init__(
        self,
        ports: Mapping[str, int] | None = None,
        *,
        instances: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(ports or {})
        self.instances: dict[str, tuple[str, ...]] = {
            name: tuple(addresses) for name, addresses in (instances or {}).items()
        }


def parse_instance_override(text: str) -> tuple[str, tuple[str, ...]]:
    """``NAME=HOST:PORT[,HOST:PORT...]`` -> (name, addresses); ValueError saying what is wrong."""
    name, sep, rest = text.partition("=")
    if not sep or not NAME.fullmatch(name):
        raise ValueError(f"expected NAME=HOST:PORT[,HOST:PORT...], got {text!r}")
    addresses = tuple(part.strip() for part in rest.split(","))
    for address in addresses:
        host, colon, port = address.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                f"{name}: {address!r} is not HOST:PORT with a port in 1..65535 (in {text!r})"
            )
    if len(set(addresses)) != len(addresses):
        raise ValueError(f"{name}: an instance is listed twice in {text!r}")
    return name, addresses
