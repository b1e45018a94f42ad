"""A process's composition root: the adapter behind each port, built once at start-up.

A context declares its ports: a :class:`Port` names the setting that holds the adapter's
dotted path and the Protocol the adapter implements. The process's start-up code builds every
adapter from the settings (:meth:`CompositionRoot.compose`, from an ``AppConfig.ready``), and
the context asks the root for its adapter (:meth:`CompositionRoot.get`). Extracting a context
changes a setting, not the code. Tests put a fake behind a port with
:meth:`CompositionRoot.replaced`.

A broken setting (a path that does not import, or a class that lacks a method of its port) never
stops start-up: :func:`adapter_errors` reports it from a Django system check, so
``manage.py check`` (and ``migrate``, ``runserver``) fail naming the setting, and a call to the
broken port raises the same message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from typing_extensions import get_protocol_members

P = TypeVar("P")


@dataclass(frozen=True)
class Port(Generic[P]):
    """One port of a context; declare it typed: ``Port[InventoryPort]("SETTING", InventoryPort)``.

    ``protocol`` is the Protocol class itself (a plain ``type``: mypy refuses a Protocol where
    ``type[P]`` is expected); its methods are what the adapter's class must have.
    """

    setting: str
    protocol: type


@dataclass(frozen=True)
class BrokenAdapter:
    """Why the adapter named by ``setting`` cannot stand behind its port."""

    setting: str
    path: object
    reason: str

    def __str__(self) -> str:
        return f"{self.setting} = {self.path!r}: {self.reason}"


def resolve(port: Port[Any], settings: Any) -> type | BrokenAdapter:
    """The adapter class the setting names, or why it cannot be used (nothing is built)."""
    path = getattr(settings, port.setting, None)
    if not isinstance(path, str) or not path:
        return BrokenAdapter(port.setting, path, "set it to the dotted path of the adapter class")
    try:
        adapter = import_string(path)
    except ImportError as exc:
        return BrokenAdapter(port.setting, path, f"the path does not import ({exc})")
    if not isinstance(adapter, type):
        return BrokenAdapter(port.setting, path, "the path names no class")
    missing = missing_methods(adapter, port.protocol)
    if missing:
        return BrokenAdapter(
            port.setting,
            path,
            f"{adapter.__qualname__} does not implement {port.protocol.__qualname__}: "
            f"no {', '.join(missing)}",
        )
    return adapter


def missing_methods(adapter: type, protocol: type) -> list[str]:
    """The protocol's members that the adapter class has no callable for (sorted)."""
    return sorted(
        name
        for name in get_protocol_members(protocol)
        if not callable(getattr(adapter, name, None))
    )


def adapter_errors(
    ports: Iterable[Port[Any]], settings: Any, *, check_id: str
) -> list[checks.CheckMessage]:
    """One system check error per port whose setting names no usable adapter."""
    errors: list[checks.CheckMessage] = []
    for port in ports:
        resolved = resolve(port, settings)
        if isinstance(resolved, BrokenAdapter):
            errors.append(
                checks.Error(
                    f"{resolved.setting} names no usable adapter: {resolved.reason}.",
                    hint=f"{resolved.setting} is {resolved.path!r}; it must be the dotted path "
                    f"of a class implementing {port.protocol.__module__}."
                    f"{port.protocol.__qualname__}.",
                    obj=resolved.setting,
                    id=check_id,
                )
            )
    return errors


class CompositionRoot:
    """The adapters of one process, keyed by port."""

    def __init__(self) -> None:
        self._adapters: dict[Port[Any], object] = {}
        self._broken: dict[Port[Any], BrokenAdapter] = {}

    def compose(self, ports: Iterable[Port[Any]], settings: Any) -> list[BrokenAdapter]:
        """Build the adapter of every port from the settings; returns why any was left unbuilt."""
        for port in ports:
            resolved = resolve(port, settings)
            if isinstance(resolved, BrokenAdapter):
                self._adapters.pop(port, None)
                self._broken[port] = resolved
            else:
                self._adapters[port] = resolved()
                self._broken.pop(port, None)
        return list(self._broken.values())

    def get(self, port: Port[P]) -> P:
        try:
            return cast(P, self._adapters[port])
        except KeyError:
            broken = self._broken.get(port)
            if broken is not None:
                raise ImproperlyConfigured(
                    f"{broken} (`python manage.py check` lists every broken adapter)"
                ) from None
            raise ImproperlyConfigured(
                f"No adapter behind {port.setting}: the process's composition root has not "
                "composed this port (is the app whose ready() composes it installed?)"
            ) from None

    @contextmanager
    def replaced(self, port: Port[P], adapter: P) -> Iterator[None]:
        """Put ``adapter`` behind ``port`` for the block (a test's fake), then put back the old."""
        composed = port in self._adapters
        before = self._adapters.get(port)
        self._adapters[port] = adapter
        try:
            yield
        finally:
            if composed:
                self._adapters[port] = before
            else:
                del self._adapters[port]


# The one root of this process: a context asks it for its adapters, start-up fills it.
root = CompositionRoot()
