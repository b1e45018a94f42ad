"""Stage 5 in the manifest: the central config store and the secret store switched on (on
OpenBao, each process with its service's own login), and the identity service added:
registration's credential over HTTP, the auth routes to it."""

from __future__ import annotations

from pathlib import Path

import yaml

from strangler.config import REPO_ROOT, secret_store_login_file
from strangler.stages.launcher import process_env, stage_env, without_operator_token
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, get_stage
from strangler.stages.manifest.services import service_manage, service_setup

SECRETS_INIT = ("{python}", "-m", "strangler", "secrets", "init")
CONFIG_SYNC = ("{python}", "-m", "strangler", "config", "sync")
TAKE_OVER = (*service_manage("identity"), "take_over_credentials")


def test_stage_5_turns_the_stores_on_seeds_the_secrets_first_and_then_sets_identity_up() -> None:
    stage = get_stage(5)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-5-identity"
    assert stage.settings_env == {
        **before.settings_env,
        "CONFIG_STORE": "on",
        "SECRET_STORE": "on",
        "CUSTOMERS_CREDENTIALS_ADAPTER": "monolith.customers.http_identity.HttpIdentity",
        "IDENTITY_SERVICE_URL": "http://127.0.0.1:{port:identity}",
        "IDENTITY_TIMEOUT": "10.0",
    }
    assert stage.setup[0] == SECRETS_INIT  # the Django commands after it read SECRET_KEY there
    assert stage.setup[1 : 1 + len(before.setup)] == before.setup
    # the customers exist (seeded, registered before) when their credentials are handed over
    assert stage.setup[1 + len(before.setup) :] == (
        CONFIG_SYNC,
        *service_setup("identity"),
        TAKE_OVER,
    )


def test_identity_and_inventory_release_2_are_web_processes_behind_the_gateway() -> None:
    stage = get_stage(5)
    before = STAGES[STAGES.index(stage) - 1]
    names = {p.name for p in stage.processes}
    assert names - {p.name for p in before.processes} == {"identity", "inventory-v2"}
    assert names >= {p.name for p in before.processes}
    assert stage.process("identity").upstream == "identity"
    assert DEFAULT_PORTS["identity"] == 8005
    release_2 = stage.process("inventory-v2")
    assert (release_2.service, release_2.upstream) == ("inventory", "inventory-v2")
    assert release_2.argv[-2:] == ("--env", "SERVICE_RELEASE=2")
    assert release_2.argv[:-2] == stage.process("inventory").argv  # the same code, release 2
    assert DEFAULT_PORTS["inventory-v2"] == 8008
    assert stage.subscriptions == before.subscriptions, "identity hears no event"


def test_the_auth_routes_and_the_keys_go_to_identity_registration_stays() -> None:
    stage = get_stage(5)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.routes == "gateway/routes/stage-5.yaml" and before.routes
    ours = yaml.safe_load((REPO_ROOT / stage.routes).read_text())
    theirs = yaml.safe_load((REPO_ROOT / before.routes).read_text())
    routes = {r["name"]: r for r in ours["routes"]}

    assert ours["auth"]["jwks"] == {"upstream": "identity", "path": "/api/v1/auth/jwks.json"}
    assert {n for n, r in routes.items() if r.get("upstream") == "identity"} == {
        "auth-token",
        "auth-refresh",
        "auth-jwks",
    }
    assert routes["auth-token"]["rate_limit"] == "login"
    assert routes["auth"]["upstream"] == "monolith"  # auth/register
    unchanged = [r for r in ours["routes"] if r.get("upstream") not in ("identity", "inventory-v2")]
    assert unchanged == [r for r in theirs["routes"] if r["name"] != "auth-token"]


def test_an_admins_stock_read_goes_to_inventory_release_2_before_the_translation() -> None:
    routes = get_stage(5).routes
    assert routes
    table = yaml.safe_load((REPO_ROOT / routes).read_text())
    names = [r["name"] for r in table["routes"]]
    admin = table["routes"][names.index("inventory-admin")]

    assert admin["match"] == {"claims": {"roles": "admin"}}
    assert (admin["path"], admin["methods"], admin["auth"]) == (
        "/api/v1/inventory/{sku}",
        ["GET"],
        "required",
    )
    assert admin["upstream"] == "inventory-v2" and "inventory-v2" in table["upstreams"]
    assert names.index("inventory-admin") < names.index("inventory-availability")


def test_no_stage_before_5_reads_a_store_or_asks_identity() -> None:
    for stage in STAGES:
        if stage.number < 5:
            assert "CONFIG_STORE" not in stage.settings_env
            assert "SECRET_STORE" not in stage.settings_env
            assert SECRETS_INIT not in stage.setup
            assert stage.settings_env["CUSTOMERS_CREDENTIALS_ADAPTER"].endswith(
                "InProcessCredentials"
            )
            assert "identity" not in {p.name for p in stage.processes}


def test_on_openbao_each_process_gets_its_services_login_and_not_the_operators_token(
    tmp_path: Path,
) -> None:
    stage = get_stage(5)
    common = stage_env(stage, {"SECRET_STORE_URL": "bao://127.0.0.1:8200",
                               "SECRET_STORE_TOKEN": "operator-root"})  # fmt: skip
    for service in ("monolith", "identity"):  # as `secrets init` leaves them
        secret_store_login_file(tmp_path, service).parent.mkdir(exist_ok=True)
        secret_store_login_file(tmp_path, service).write_text(f"{service}-login\n")
    by_name = {spec.name: spec for spec in stage.processes}

    assert "SECRET_STORE_TOKEN" not in without_operator_token(common)
    for name, service in (("monolith-worker", "monolith"), ("flower", "monolith"),
                          ("identity", "identity")):  # fmt: skip
        own = process_env(by_name[name], tmp_path, common)
        assert own["SECRET_STORE_APPROLE_FILE"] == str(secret_store_login_file(tmp_path, service))
        assert "SECRET_STORE_TOKEN_FILE" not in own
    assert "SECRET_STORE_APPROLE_FILE" not in process_env(by_name["gateway"], tmp_path, common)

    embedded = stage_env(stage, {"SECRET_STORE_URL": "file:///srv/secrets"})
    assert without_operator_token(embedded) == embedded
    assert "SECRET_STORE_APPROLE_FILE" not in process_env(by_name["identity"], tmp_path, embedded)
