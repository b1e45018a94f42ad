"""Dynamic settings in a Django process: ``dynamic("FRAUD_TIMEOUT")``.

The settings that name it::

    CONFIG_STORE_URL = env.str("CONFIG_STORE_URL", default="")  # etcd://... or file:///...
    DYNAMIC_SETTINGS = ["FRAUD_TIMEOUT", "FRAUD_BREAKER_FAILURES", ...]
    FRAUD_TIMEOUT = 2.0  # the default, and the value while the store is out of reach

Without ``CONFIG_STORE_URL`` there is no agent and ``dynamic`` reads the Django setting.
With it, the process's ``ConfigAgent`` (service ``SERVICE_NAME``, the Django values of
``DYNAMIC_SETTINGS`` as defaults) is built and started on first use, once per process: a
gunicorn worker forked from a master that had one builds its own, since threads do not
survive a fork.

Importing this module registers ``strangler_config_revision{service}`` and
``strangler_config_loaded{service}`` with Prometheus' default registry (``/metrics``), read
from the agent on scrape.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from prometheus_client import REGISTRY
from prometheus_client.core import Metric

from strangler.configstore.agent import ConfigAgent
from strangler.configstore.connect import open_store
from strangler.configstore.store import Scalar, is_scalar

log = logging.getLogger(__name__)

_lock = threading.Lock()
_agents: dict[int, ConfigAgent | None] = {}  # by pid: None when no store is configured
_SETTINGS = {"CONFIG_STORE_URL", "SERVICE_NAME", "DYNAMIC_SETTINGS"}


def _after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    _agents.clear()  # the parent's agent has no thread here


os.register_at_fork(after_in_child=_after_fork)


def _build() -> ConfigAgent | None:
    url = getattr(settings, "CONFIG_STORE_URL", "") or ""
    if not url:
        return None
    names = list(getattr(settings, "DYNAMIC_SETTINGS", []))
    defaults: dict[str, Scalar] = {}
    for name in names:
        value = getattr(settings, name, None)
        if not is_scalar(value):
            raise ImproperlyConfigured(
                f"DYNAMIC_SETTINGS names {name}, whose setting is {value!r}: "
                "a dynamic setting needs an int, float, bool or str default"
            )
        defaults[name] = value
    try:
        store = open_store(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CONFIG_STORE_URL: {exc}") from exc
    agent = ConfigAgent(store, settings.SERVICE_NAME, defaults)
    agent.start()
    return agent


def agent() -> ConfigAgent | None:
    """This process's agent (built and started on first use), or None without a store."""
    pid = os.getpid()
    try:
        return _agents[pid]
    except KeyError:
        pass
    with _lock:
        if pid not in _agents:
            _agents[pid] = _build()
        return _agents[pid]


def dynamic(name: str) -> Scalar:
    """The current value of the dynamic setting ``name`` in this process."""
    current = agent()
    if current is None:
        value: Scalar = getattr(settings, name)
        return value
    return current.get(name)


def config_loaded() -> bool | None:
    """For a readiness check: None without a store, else whether its values were read."""
    current = agent()
    return None if current is None else current.loaded


def reset() -> None:
    """Stops this process's agent; the next use builds one from the settings of then."""
    with _lock:
        current = _agents.pop(os.getpid(), None)
    if current is not None:
        current.stop()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS or setting in getattr(settings, "DYNAMIC_SETTINGS", ()):
        reset()


class RevisionCollector:
    """This process's config revision and whether it is loaded, computed on scrape (which
    builds the agent when nothing has asked for a dynamic setting yet)."""

    def describe(self) -> Iterable[Metric]:
        return ()  # computed on scrape only: describing must not start an agent

    def collect(self) -> Iterator[Metric]:
        try:
            current = agent()
        except Exception as exc:  # a scrape never raises
            log.warning("config metrics: no agent: %r", exc)
            return
        if current is not None:
            yield from current.metric_families()


COLLECTOR = RevisionCollector()
REGISTRY.register(COLLECTOR)  # type: ignore[arg-type]
