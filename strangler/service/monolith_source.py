"""Where a service's hand-over command reads the monolith's tables from (``--source-url``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from strangler.config import database, env


def add_source_argument(parser: CommandParser) -> None:
    """``--source-url``, defaulting to ``MONOLITH_DATABASE_URL``."""
    parser.add_argument(
        "--source-url",
        default=env.str("MONOLITH_DATABASE_URL", default=""),
        help="the monolith's database URL (default: MONOLITH_DATABASE_URL, else the "
        "monolith's own DATABASE_URL / embedded SQLite)",
    )


def source_database(given: str) -> dict[str, Any]:
    """The monolith's database (a ``DATABASES`` entry): the ``--source-url`` given, else the
    monolith's own settings."""
    return env.db_url_config(given) if given else database("monolith")
