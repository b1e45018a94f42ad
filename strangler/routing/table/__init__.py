"""Load and validate a stage's route table (``gateway/routes/stage-N.yaml``).

Every problem is collected and reported at once, each named by its route and field, so a
typo costs one edit, not one reload per mistake. Unknown keys are errors anywhere: a
misspelt ``retires`` must not silently mean "no retries".

The package reads the table section by section: ``parse`` (the entry points and the parser
that runs the readers), ``fields`` (the shared field checks), ``upstreams`` (with
``placeholders`` and the ``overrides`` given at load), ``policies`` (rate limits, defaults,
auth), ``routes`` and ``route_parts``, ``overlaps`` (shadowed and competing routes) and
``errors``. Import from here: these names are the package's interface.
"""

from __future__ import annotations

from strangler.routing.model import (
    IDEMPOTENT_METHODS,
    KNOWN_METHODS,
    AuthConfig,
    AuthMode,
    Balance,
    HealthCheck,
    Instance,
    Match,
    PathTemplate,
    RateLimitPolicy,
    Rewrite,
    Route,
    RouteTable,
    SplitTarget,
    Upstream,
    UpstreamProtocol,
    compile_template,
)
from strangler.routing.table.errors import RouteTableError
from strangler.routing.table.fields import path_problem
from strangler.routing.table.overrides import Ports, parse_instance_override
from strangler.routing.table.parse import load_route_table, parse_route_table
from strangler.routing.table.policies import DEFAULT_AUDIENCE, DEFAULT_ISSUER, rate_per_second
from strangler.routing.table.routes import resolve_handler

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "IDEMPOTENT_METHODS",
    "KNOWN_METHODS",
    "AuthConfig",
    "AuthMode",
    "Balance",
    "HealthCheck",
    "Instance",
    "Match",
    "PathTemplate",
    "Ports",
    "RateLimitPolicy",
    "Rewrite",
    "Route",
    "RouteTable",
    "RouteTableError",
    "SplitTarget",
    "Upstream",
    "UpstreamProtocol",
    "compile_template",
    "load_route_table",
    "parse_instance_override",
    "parse_route_table",
    "path_problem",
    "rate_per_second",
    "resolve_handler",
]
