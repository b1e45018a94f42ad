"""The ``http { }`` level before the upstreams: settings, the access log, maps, rate zones.

:class:`HttpBlockWriter` writes the temp paths and limits, the JSON access log format, the
``map`` blocks that pick the request id, the trace parent, the 401 error code and the client
key (a token stands for its user: ``limit_req`` runs before ``auth_request``), and one
``limit_req_zone`` per rate-limit policy a proxied route uses.
"""

from __future__ import annotations

from strangler.routing.nginx.headers import REQUEST_ID_PATTERN, TRACEPARENT_PATTERN
from strangler.routing.nginx.syntax import ConfigWriter, nginx_rate, seconds


class HttpBlockWriter(ConfigWriter):
    def http_settings(self) -> None:
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            self.line(f"{kind}_temp_path {kind}_temp;")
        self.line("server_tokens off;")
        self.line("default_type application/json;")
        self.line(f"client_max_body_size {self.options.max_body};")
        self.line(f"client_header_timeout {seconds(self.options.header_timeout)};")
        self.line(f"client_body_timeout {seconds(self.options.header_timeout)};")
        self.line("large_client_header_buffers 4 16k;")
        self.line("keepalive_timeout 75s;")
        self.line("keepalive_requests 10000;")
        self.line("proxy_http_version 1.1;")
        self.line("limit_req_status 429;")
        self.line("limit_req_log_level warn;")
        self.line()

    def log_format(self) -> None:
        fields = {
            "ts": "$time_iso8601",
            "method": "$request_method",
            "path": "$uri",
            "route": "$gw_route",
            "upstream": "$gw_upstream",
            "instance": "$upstream_addr",
            "status": "$status",
            "duration_s": "$request_time",
            "bytes": "$body_bytes_sent",
            "request_id": "$gw_request_id",
            "traceparent": "$gw_traceparent",
            "user": "$gw_user_id",
            "client": "$remote_addr",
        }
        body = ",".join(f'"{key}":"{value}"' for key, value in fields.items())
        self.line(f"log_format gateway escape=json '{{{body}}}';")
        log = self.options.access_log
        self.line(
            "access_log off;" if log == "off" else f"access_log {log} gateway buffer=64k flush=1s;"
        )
        self.line()

    def maps(self) -> None:
        self.line("# A sane client X-Request-ID is passed on, anything else replaced.")
        self.block(
            "map $http_x_request_id $gw_request_id",
            [f'"~{REQUEST_ID_PATTERN}" $http_x_request_id;', "default $request_id;"],
        )
        self.block("map $request_id $gw_span_id", ['"~^(?<span>.{16})" $span;'])
        self.block(
            "map $http_traceparent $gw_traceparent",
            [
                f'"~{TRACEPARENT_PATTERN}" $http_traceparent;',
                'default "00-$request_id-$gw_span_id-01";',
            ],
        )
        self.block(
            "map $http_authorization $gw_auth_code",
            ['"" not_authenticated;', "default invalid_token;"],
        )
        self.line("# Rate-limit and canary key: nginx cannot key on the user id, known only after")
        self.line("# auth_request (which runs after limit_req), so a token stands for its user.")
        self.block(
            "map $http_authorization $gw_client_key",
            ['"" $binary_remote_addr;', "default $http_authorization;"],
        )
        self.line()

    def rate_limit_zones(self) -> None:
        used = sorted({r.rate_limit for r in self.plan.proxied if r.rate_limit})
        for name in used:
            policy = self.table.rate_limits[name]
            self.line(
                f"limit_req_zone $gw_route$gw_rl_client zone=rl_{name}:10m "
                f"rate={nginx_rate(policy.rate)};"
            )
        if used:
            self.line()
