"""The request and response headers nginx sets, strips or hides, and the id/trace patterns.

Identity headers only the gateway may set are stripped from every client request (nginx
cannot drop headers by prefix, so they are a fixed list), hop-by-hop headers are not passed
on, and :func:`proxy_headers` lists the ``proxy_set_header``/``proxy_hide_header`` lines
every proxied location inherits. The patterns decide when a client's ``X-Request-ID`` or
``traceparent`` is kept.
"""

from __future__ import annotations

# Headers only the gateway may set: a client sending them is stripped, never trusted.
IDENTITY_HEADERS = (
    "X-User-Id",
    "X-User-Email",
    "X-Authenticated-User",
    "X-Authenticated-Userid",
    "X-Authenticated-User-Id",
    "X-Authenticated-Email",
    "X-Authenticated-Scope",
    "X-Authenticated-Groups",
    "X-Authenticated-Roles",
    "X-Authenticated-Claims",
)
HOP_BY_HOP_REQUEST = (
    "Connection",
    "Keep-Alive",
    "Proxy-Authorization",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Upgrade",
)
HOP_BY_HOP_RESPONSE = ("Proxy-Authenticate", "Trailer", "Upgrade")

REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


def proxy_headers() -> list[str]:
    """$gw_user_id is empty unless auth_request set it: a client's X-User-Id never passes."""
    lines = [
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-Host $http_host;",
        "proxy_set_header X-Request-ID $gw_request_id;",
        "proxy_set_header traceparent $gw_traceparent;",
    ]
    for name in IDENTITY_HEADERS:
        value = "$gw_user_id" if name == "X-User-Id" else '""'
        lines.append(f"proxy_set_header {name} {value};")
    lines += [f'proxy_set_header {name} "";' for name in HOP_BY_HOP_REQUEST]
    lines += [f"proxy_hide_header {name};" for name in (*HOP_BY_HOP_RESPONSE, "X-Request-ID")]
    return lines
