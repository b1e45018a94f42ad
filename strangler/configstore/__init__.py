"""Configuration management: a service's dynamic settings (timeouts, breaker thresholds,
flags; never secrets) in a store fed from ``deploy/config/`` in Git, each change versioned
and audited, and an agent in each service process that hot-reloads them.

- ``store``: the port (``ConfigStore``), ``Snapshot``, ``AuditEntry``; ``connect``:
  ``open_store(url)``.
- ``etcd``: ``EtcdStore`` (``etcd://HOST:PORT[/prefix]``); ``files``: ``FileStore``
  (``file:///abs/dir``), the embedded default, no server.
- ``folder``: the folder's files, and the diff against the store.
- ``agent``: ``ConfigAgent``, the client in a service process; ``django``: ``dynamic(name)``.
- ``cli``: ``python -m strangler config diff|sync|history``.
"""

from strangler.configstore.agent import ConfigAgent
from strangler.configstore.connect import open_store
from strangler.configstore.store import (
    AuditEntry,
    ConfigConflict,
    ConfigStore,
    ConfigStoreError,
    Scalar,
    Snapshot,
)

__all__ = [
    "AuditEntry",
    "ConfigAgent",
    "ConfigConflict",
    "ConfigStore",
    "ConfigStoreError",
    "Scalar",
    "Snapshot",
    "open_store",
]
