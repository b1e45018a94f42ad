"""Before a stage starts: the ports its processes take and the databases they need.

:func:`ports_for` gives each port name of the processes that will start its port (the
default unless overridden); :func:`ensure_databases` creates every PostgreSQL database named
by a ``*DATABASE_URL`` in the environment that does not exist yet.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg

from strangler.console import progress
from strangler.stages.launcher import processes_to_start
from strangler.stages.manifest import DEFAULT_PORTS, Stage


def ports_for(stage: Stage, overrides: Mapping[str, int], *, with_optional: bool) -> dict[str, int]:
    names = {p.port_name for p in processes_to_start(stage, with_optional=with_optional)}
    return {name: overrides.get(name, DEFAULT_PORTS[name]) for name in sorted(names - {""})}


def ensure_databases(env: Mapping[str, str]) -> None:
    """Create the PostgreSQL database of every ``*DATABASE_URL`` that does not exist yet."""
    for key, url in env.items():
        if not key.endswith("DATABASE_URL") or not url.startswith("postgres"):
            continue
        base, name = url.split("?", 1)[0].rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                progress(f"setup: create database {name}")
                conn.execute(f'CREATE DATABASE "{name}"')
