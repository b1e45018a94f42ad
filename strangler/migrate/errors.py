"""The one error the migrate commands report: a clear sentence, a non-zero exit, no write."""

from __future__ import annotations


class MigrateError(Exception):
    """Bad input or a state that makes the command refuse to start."""
