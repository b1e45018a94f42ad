"""Export a route table to a complete nginx.conf: the production gateway, from the same file.

The output runs unprivileged: ``nginx -p DIR -c DIR/nginx.conf -e stderr`` keeps its pid,
logs and temp files under ``DIR`` and stays in the foreground. What nginx (open source, no
modules beyond the Debian package's) cannot express is refused with a clear message rather
than exported wrong; the few places where it behaves differently from the Python gateway are
said in comments in the output and asserted by the conformance suite:

- rate limits are keyed on the ``Authorization`` header (or the client IP without one), not
  on the user id: ``limit_req`` runs before ``auth_request``, so the id is not known yet;
- no ``RateLimit-*`` headers (``Retry-After`` is sent, from the policy's rate);
- no active health checks: an instance leaves the pool after ``eject_after`` failures
  (``max_fails``) and is tried again after ``fail_timeout``; with no instance left nginx
  answers 502 where the Python gateway answers 503;
- ``X-Authenticated-*`` headers are stripped by a fixed list of names (nginx cannot drop
  headers by prefix), as are the headers named in ``Connection``.

The package writes the file in parts: ``plan`` (what is exported, left out or refused),
``writer`` (the file's order), ``http_block``, ``upstreams``, ``error_pages``, ``locations``
and ``headers`` (one part of the output each), ``syntax`` (lines, blocks and nginx's
spelling of values) and ``options``. Import from here: these names are the interface.
"""

from __future__ import annotations

from strangler.routing.model import RouteTable
from strangler.routing.nginx.error_pages import ERRORS, PATH_ATTACK, PATH_ATTACK_PATTERN
from strangler.routing.nginx.headers import (
    HOP_BY_HOP_REQUEST,
    HOP_BY_HOP_RESPONSE,
    IDENTITY_HEADERS,
    REQUEST_ID_PATTERN,
    TRACEPARENT_PATTERN,
)
from strangler.routing.nginx.options import DEFAULT_MAX_BODY, VERIFY_PATH, ExportOptions
from strangler.routing.nginx.plan import NginxExportError, plan_export
from strangler.routing.nginx.writer import NginxConfWriter

__all__ = [
    "DEFAULT_MAX_BODY",
    "ERRORS",
    "HOP_BY_HOP_REQUEST",
    "HOP_BY_HOP_RESPONSE",
    "IDENTITY_HEADERS",
    "PATH_ATTACK",
    "PATH_ATTACK_PATTERN",
    "REQUEST_ID_PATTERN",
    "TRACEPARENT_PATTERN",
    "VERIFY_PATH",
    "ExportOptions",
    "NginxExportError",
    "export_nginx",
]


def export_nginx(table: RouteTable, options: ExportOptions) -> str:
    """The nginx.conf text for ``table``; raises :class:`NginxExportError` listing problems."""
    plan = plan_export(table, options)
    return NginxConfWriter(table, options, plan).render()
