"""The route table loader: a valid table loads into frozen values; every mistake is named."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from strangler.routing.table import (
    Ports,
    RouteTableError,
    load_route_table,
    parse_instance_override,
    parse_route_table,
    resolve_handler,
)

STAGE_1 = Path(__file__).resolve().parents[3] / "gateway" / "routes" / "stage-1.yaml"
PORTS = {"monolith": 8001, "monolith_v2": 8011}


def valid() -> dict[str, Any]:
    return {
        "version": 1,
        "upstreams": {
            "monolith": {
                "instances": ["127.0.0.1:{monolith}", "127.0.0.2:{monolith}"],
                "balance": "least_conn",
                "health": {"path": "/health/ready", "interval": 1, "fall": 3},
            },
            "monolith_v2": {"instances": ["127.0.0.1:{monolith_v2}"]},
        },
        "rate_limits": {"default": {"rate": "50/s", "burst": 100}, "login": {"rate": "10/m"}},
        "defaults": {"auth": "optional", "rate_limit": "default", "timeout": 30.0},
        "routes": [
            {
                "name": "auth",
                "prefix": "/api/v1/auth",
                "methods": ["GET", "POST"],
                "upstream": "monolith",
                "auth": "none",
                "rate_limit": "login",
                "timeout": 10,
                "retries": 1,
                "rewrite": {"from": "/api/v1/auth", "to": "/"},
            },
            {
                "name": "products-admin-canary",
                "prefix": "/api/v1/products",
                "match": {"claims": {"role": "admin"}, "headers": {"X-Canary": "always"}},
                "upstream": "monolith_v2",
            },
            {
                "name": "products",
                "prefix": "/api/v1/products",
                "split": [
                    {"upstream": "monolith", "weight": 95},
                    {"upstream": "monolith_v2", "weight": 5},
                ],
            },
            {
                "name": "order",
                "path": "/api/v1/orders/{order_id:int}",
                "methods": ["GET"],
                "auth": "required",
                "upstream": "monolith",
                "shadow": "monolith_v2",
            },
            {"name": "root", "prefix": "/", "upstream": "monolith", "rate_limit": None},
        ],
    }


def problems_of(data: Any, ports: dict[str, int] | None = None) -> str:
    with pytest.raises(RouteTableError) as caught:
        parse_route_table(data, PORTS if ports is None else ports, source="test.yaml")
    return str(caught.value)


def test_a_valid_table_loads_with_defaults_applied_and_placeholders_filled() -> None:
    table = parse_route_table(valid(), PORTS, source="test.yaml")
    monolith = table.upstreams["monolith"]
    assert [i.address for i in monolith.instances] == ["127.0.0.1:8001", "127.0.0.2:8001"]
    assert monolith.balance == "least_conn" and monolith.protocol == "http"
    assert monolith.health is not None and monolith.health.fall == 3 and monolith.health.rise == 2
    assert table.upstreams["monolith_v2"].health is None
    assert table.rate_limits["login"].rate_per_second == pytest.approx(10 / 60)
    assert table.rate_limits["login"].burst == 0
    auth = table.route("auth")
    assert auth.methods == frozenset({"GET", "POST"}) and auth.timeout == 10.0
    assert auth.rewrite is not None and auth.rewrite.apply("/api/v1/auth/token") == "/token"
    products = table.route("products")
    assert products.auth == "optional" and products.rate_limit == "default"
    assert [(t.upstream, t.weight) for t in products.split] == [
        ("monolith", 95),
        ("monolith_v2", 5),
    ]
    canary = table.route("products-admin-canary")
    assert canary.match is not None and canary.match.headers == (("x-canary", "always"),)
    assert table.route("order").path is not None
    assert table.route("order").path.match("/api/v1/orders/7") == {"order_id": "7"}  # type: ignore[union-attr]
    assert table.route("order").path.match("/api/v1/orders/x") is None  # type: ignore[union-attr]
    assert table.route("root").rate_limit is None
    assert table.auth.issuer == "shop-identity" and table.auth.audience == "shop-api"
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.route("root").timeout = 1  # type: ignore[misc]


def test_rewrite_to_another_prefix_keeps_the_rest_of_the_path() -> None:
    data = valid()
    data["routes"][0]["rewrite"] = {"from": "/api/v1/auth", "to": "/auth"}
    rewrite = parse_route_table(data, PORTS, source="t").route("auth").rewrite
    assert rewrite is not None
    assert rewrite.apply("/api/v1/auth/token") == "/auth/token"
    assert rewrite.apply("/api/v1/auth") == "/auth"


def test_a_shadow_names_its_upstream_alone_or_with_fields_to_ignore() -> None:
    plain = parse_route_table(valid(), PORTS, source="t").route("order")
    assert plain.shadow == "monolith_v2" and plain.shadow_ignore == frozenset()
    data = valid()
    _route(data, "order")["shadow"] = {"upstream": "monolith_v2", "ignore": ["updated_at", "id"]}
    long_form = parse_route_table(data, PORTS, source="t").route("order")
    assert long_form.shadow == "monolith_v2"
    assert long_form.shadow_ignore == frozenset({"updated_at", "id"})


Mutation = Callable[[dict[str, Any]], None]


def _route(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in data["routes"] if r["name"] == name)


def _set(name: str, **fields: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        _route(data, name).update(fields)

    return mutate


def _drop(name: str, key: str) -> Mutation:
    return lambda data: _route(data, name).pop(key)


def _append(route: dict[str, Any]) -> Mutation:
    return lambda data: data["routes"].append(route)


def _insert(route: dict[str, Any]) -> Mutation:
    return lambda data: data["routes"].insert(0, route)


BAD: list[tuple[str, Mutation, str]] = [
    ("unknown upstream", _set("root", upstream="nope"), "route root.upstream: unknown upstream"),
    ("unknown shadow", _set("order", shadow="nope"), "route order.shadow: unknown upstream"),
    (
        "unknown shadow upstream in the long form",
        _set("order", shadow={"upstream": "nope", "ignore": ["updated_at"]}),
        "route order.shadow.upstream: unknown upstream 'nope'",
    ),
    (
        "shadow ignore not a list of names",
        _set("order", shadow={"upstream": "monolith_v2", "ignore": "updated_at"}),
        "route order.shadow.ignore: must list field names",
    ),
    (
        "unknown shadow key",
        _set("order", shadow={"upstream": "monolith_v2", "skip": ["a"]}),
        "route order.shadow: unknown key 'skip'",
    ),
    ("unknown rate limit", _set("root", rate_limit="nope"), "route root.rate_limit: unknown rate"),
    (
        "unknown default rate limit",
        lambda d: d["defaults"].update(rate_limit="nope"),
        "defaults.rate_limit: unknown rate limit",
    ),
    (
        "unknown placeholder",
        lambda d: d["upstreams"]["monolith"].update(instances=["127.0.0.1:{orders}"]),
        "unknown placeholder {orders}",
    ),
    (
        "instance without port",
        lambda d: d["upstreams"]["monolith"].update(instances=["localhost"]),
        "is not 'host:port'",
    ),
    (
        "duplicate name",
        _append({"name": "root", "prefix": "/x", "upstream": "monolith"}),
        "duplicate route name",
    ),
    (
        "no target",
        _drop("root", "upstream"),
        "route root: needs exactly one of upstream/split/handler",
    ),
    (
        "two targets",
        _set("root", handler="json:dumps"),
        "needs exactly one of upstream/split/handler",
    ),
    (
        "both prefix and path",
        _set("root", path="/x"),
        "route root: needs exactly one of prefix/path",
    ),
    ("neither prefix nor path", _drop("root", "prefix"), "needs exactly one of prefix/path"),
    ("prefix without slash", _set("root", prefix="api"), "must be a string starting with '/'"),
    ("prefix with ..", _set("root", prefix="/api/../admin"), "'.' or '..' segments"),
    ("prefix with //", _set("root", prefix="/api//v1"), "must not contain '//'"),
    ("prefix with trailing /", _set("root", prefix="/api/"), "must not end with '/'"),
    ("prefix percent", _set("root", prefix="/api%2fv1"), "must not contain '%'"),
    ("bad template", _set("order", path="/api/v1/orders/{id:uuid}"), "route order.path"),
    ("bad method", _set("auth", methods=["GET", "FETCH"]), "unknown method(s) ['FETCH']"),
    ("lower-case method", _set("auth", methods=["get"]), "route auth.methods: unknown method"),
    ("empty methods", _set("auth", methods=[]), "non-empty list of HTTP methods"),
    ("zero timeout", _set("auth", timeout=0), "route auth.timeout: must be a positive number"),
    ("text timeout", _set("auth", timeout="10s"), "route auth.timeout: must be a positive number"),
    ("negative retries", _set("auth", retries=-1), "route auth.retries: must be an integer >= 0"),
    (
        "zero rate",
        lambda d: d["rate_limits"].update(slow={"rate": "0/s"}),
        "rate_limit slow.rate: must be 'N/s' or 'N/m'",
    ),
    (
        "rate per hour",
        lambda d: d["rate_limits"].update(slow={"rate": "5/h"}),
        "rate_limit slow.rate",
    ),
    (
        "weights not 100",
        _set(
            "products",
            split=[
                {"upstream": "monolith", "weight": 90},
                {"upstream": "monolith_v2", "weight": 5},
            ],
        ),
        "weights must sum to 100, not 95",
    ),
    (
        "zero weight",
        _set(
            "products",
            split=[
                {"upstream": "monolith", "weight": 100},
                {"upstream": "monolith_v2", "weight": 0},
            ],
        ),
        "route products.split[1].weight: must be a positive integer",
    ),
    (
        "overlapping routes",
        _append(
            {
                "name": "auth2",
                "prefix": "/api/v1/auth",
                "methods": ["POST", "PUT"],
                "upstream": "monolith",
            }
        ),
        "route auth2: overlaps route auth",
    ),
    (
        "shadowed route",
        _insert({"name": "all-products", "prefix": "/api/v1/products", "upstream": "monolith"}),
        "route products-admin-canary: shadowed by route all-products",
    ),
    (
        "shadowed template with another param name",
        _append(
            {
                "name": "order2",
                "path": "/api/v1/orders/{pk:int}",
                "methods": ["GET"],
                "upstream": "monolith",
            }
        ),
        "route order2: shadowed by route order",
    ),
    ("unknown route key", _set("auth", retires=2), "route auth: unknown key 'retires'"),
    (
        "unknown upstream key",
        lambda d: d["upstreams"]["monolith"].update(balanse="least_conn"),
        "upstream monolith: unknown key 'balanse'",
    ),
    ("unknown top key", lambda d: d.update(route=[]), "table: unknown key 'route'"),
    (
        "unknown health key",
        lambda d: d["upstreams"]["monolith"]["health"].update(intervall=2),
        "upstream monolith.health: unknown key 'intervall'",
    ),
    (
        "unknown match key",
        _set("products-admin-canary", match={"claim": {"role": "admin"}}),
        "unknown key 'claim'",
    ),
    (
        "bad balance",
        lambda d: d["upstreams"]["monolith"].update(balance="random"),
        "monolith.balance",
    ),
    ("bad auth mode", _set("auth", auth="maybe"), "route auth.auth: must be one of"),
    (
        "unimportable handler",
        _append({"name": "h", "path": "/h", "handler": "gateway.nowhere:handler"}),
        "route h.handler: cannot import 'gateway.nowhere:handler'",
    ),
    (
        "handler missing its function",
        _append({"name": "h", "path": "/h", "handler": "json:no_such_function"}),
        "route h.handler: cannot import",
    ),
    (
        "handler upstreams unknown",
        _append(
            {
                "name": "h",
                "path": "/h",
                "handler": "json:dumps",
                "options": {"upstreams": {"a": "x"}},
            }
        ),
        "route h.options.upstreams.a: unknown upstream 'x'",
    ),
    (
        "options without handler",
        _set("root", options={"a": 1}),
        "only a handler route takes options",
    ),
    (
        "rewrite from elsewhere",
        _set("auth", rewrite={"from": "/api/v2", "to": "/"}),
        "is not a prefix of the route's",
    ),
    ("wrong version", lambda d: d.update(version=2), "version: must be 1"),
    (
        "grpc health path",
        lambda d: d["upstreams"]["monolith_v2"].update(protocol="grpc", health={"path": "/x"}),
        "grpc upstreams are checked by TCP connect",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_table_is_refused_with_the_route_and_field_named(
    mutate: Mutation, expected: str
) -> None:
    data = copy.deepcopy(valid())
    mutate(data)
    assert expected in problems_of(data)


def test_every_problem_is_reported_at_once() -> None:
    data = valid()
    _route(data, "root")["upstream"] = "nope"
    _route(data, "auth")["timeout"] = -1
    data["upstreams"]["monolith"]["bogus"] = 1
    with pytest.raises(RouteTableError) as caught:
        parse_route_table(data, PORTS, source="t")
    assert len(caught.value.problems) == 3


def test_garbage_documents_are_refused_not_crashed_on(tmp_path: Path) -> None:
    for text in ("", "- just\n- a list\n", "routes: 3\n", "version: 1\nupstreams: []\n", ": :\n"):
        path = tmp_path / "t.yaml"
        path.write_text(text)
        with pytest.raises(RouteTableError):
            load_route_table(path, PORTS)
    with pytest.raises(RouteTableError, match="cannot read"):
        load_route_table(tmp_path / "missing.yaml", PORTS)


def test_stage_1_table_sends_every_public_route_to_the_monolith() -> None:
    table = load_route_table(STAGE_1, {"monolith": 8001, "monolith-grpc": 8101})
    prefixes = {route.prefix: route for route in table.routes if route.prefix}
    for prefix in (
        "/api/v1/auth",
        "/api/v1/me",
        "/api/v1/categories",
        "/api/v1/products",
        "/api/v1/inventory",
        "/api/v1/cart",
        "/api/v1/checkout",
        "/api/v1/orders",
        "/api/v1/payments",
        "/api/v1/notifications",
        "/api/schema",
        "/api/docs",
        "/admin",
        "/static",
    ):
        assert prefixes[prefix].upstream == "monolith", prefix
    assert prefixes["/api/v1/orders"].auth == "required"
    assert prefixes["/api/v1/products"].auth == "optional"
    assert table.upstreams["monolith-grpc"].protocol == "grpc"
    assert table.auth.jwks_upstream == "monolith"


def test_stage_1_table_names_the_composition_and_translation_handlers() -> None:
    table = load_route_table(STAGE_1, {"monolith": 8001, "monolith-grpc": 8101})
    assert table.route("order-summary").handler == "gateway.composition:order_summary"
    assert table.route("inventory-availability").handler == (
        "gateway.translation:inventory_availability"
    )
    resolve_handler("gateway.translation:inventory_availability")


def test_a_handler_module_that_fails_to_import_raises_instead_of_being_a_bad_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_handlers.py").write_text("import no_such_dependency\n\ndef h(): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    data = valid()
    data["routes"].append({"name": "h", "path": "/h", "handler": "broken_handlers:h"})

    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        parse_route_table(data, PORTS, source="t")


def test_instance_overrides_replace_an_upstreams_instances_and_skip_its_placeholders() -> None:
    data = valid()
    loaded = parse_route_table(
        data,
        {"monolith_v2": 8011},  # no {monolith} port: the overridden list is never filled
        "test",
        instances={"monolith": ("10.0.0.1:8001", "monolith:8002")},
    )

    assert [i.address for i in loaded.upstreams["monolith"].instances] == [
        "10.0.0.1:8001",
        "monolith:8002",
    ]
    assert [i.address for i in loaded.upstreams["monolith_v2"].instances] == ["127.0.0.1:8011"]


def test_ports_carry_the_overrides_through_every_load(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump(valid()))
    ports = Ports(PORTS, instances={"monolith_v2": ["127.0.0.1:9100", "127.0.0.1:9101"]})

    for _ in range(2):  # a reload is just another load with the same settings
        loaded = load_route_table(path, ports)
        assert [i.port for i in loaded.upstreams["monolith_v2"].instances] == [9100, 9101]
        assert [i.port for i in loaded.upstreams["monolith"].instances] == [8001, 8001]


def test_an_override_of_an_unknown_upstream_is_a_problem_naming_it() -> None:
    with pytest.raises(RouteTableError) as error:
        parse_route_table(valid(), PORTS, "test", instances={"monolit": ("127.0.0.1:1",)})

    assert error.value.problems == (
        "--upstream monolit: the table has no such upstream (it has: monolith, monolith_v2)",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monolith=127.0.0.1:8001", ("monolith", ("127.0.0.1:8001",))),
        ("monolith=a:1, b:2", ("monolith", ("a:1", "b:2"))),
        ("monolith-grpc=monolith:9001", ("monolith-grpc", ("monolith:9001",))),
    ],
)
def test_an_instance_override_parses(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert parse_instance_override(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("monolith", "expected NAME=HOST:PORT"),
        ("=127.0.0.1:1", "expected NAME=HOST:PORT"),
        ("Monolith=127.0.0.1:1", "expected NAME=HOST:PORT"),
        ("monolith=127.0.0.1", "is not HOST:PORT"),
        ("monolith=127.0.0.1:0", "is not HOST:PORT"),
        ("monolith=127.0.0.1:99999", "is not HOST:PORT"),
        ("monolith=:8001", "is not HOST:PORT"),
        ("monolith=a:1,", "is not HOST:PORT"),
        ("monolith=a:1,a:1", "listed twice"),
    ],
)
def test_a_bad_instance_override_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_instance_override(text)
