"""Stage 5: configuration from a central store, fed from Git, reloaded without a restart;
secrets in a secret store, rotated without a restart.

Configuration: the dynamic settings (the timeouts and circuit-breaker limits of the
monolith's calls to inventory, payments and identity, and of the payments service's calls to
fraud and the monolith) move to a config store: etcd where ``CONFIG_STORE_URL``
names one, a folder of files in the embedded demo. The folder ``deploy/config/`` in Git is
their source of truth; the set-up pushes it (``python -m strangler config sync``: a diff,
then one versioned, audited change per service), and every monolith process (and the payments
service, and the gateway for its rate limits) runs an agent that watches the store and
applies a change at once.

Secrets: the JWT signing keys and each Django process's ``SECRET_KEY`` move to a secret
store (OpenBao where ``SECRET_STORE_URL`` names one, a folder of 0600 files in the embedded
demo), seeded by the set-up (``python -m strangler secrets init``, the existing key imported).
Only identity reads the private keys, the others their public halves; on OpenBao each
service logs in with an AppRole of its own, to a token bound to a policy that allows nothing
more.
``secrets rotate jwt-signing`` adds a key: published in the JWKS first, it signs new tokens
``JWT_KEY_PUBLISH_SECONDS`` later, and tokens signed by the old one verify for the
refresh-token lifetime; a new ``SECRET_KEY`` applies at each process's next restart, the old
one kept as a fallback.

Identity: the customers' credentials leave the monolith for a service of their own. Sign-in,
refresh and the public keys (JWKS) move to it at the same paths, bodies and codes; the gateway
routes them there and verifies tokens with the keys identity publishes. Tokens carry the
account's roles (``customer``, and ``admin`` for the accounts granted it in identity's admin or
with ``grant_role``). Registration stays at the monolith, which owns the profile: it checks the
password and asks identity for the credential over HTTP (``HttpIdentity``: a timeout, the
customer's id as the Idempotency-Key, the circuit breaker; identity down -> 503, nothing kept).
The set-up hands the existing customers' credentials over (``take_over_credentials``,
strangler.migrate's backfill and verify) before identity serves. Identity consumes no events and
publishes none: a web process, no worker.

Release 2 of the inventory service runs beside release 1 (``inventory-v2``, the same code with
``SERVICE_RELEASE=2``, on the service's database): its stock read shows an admin the orders
holding a SKU. The gateway sends a request whose token has the ``admin`` role there and
everyone else to release 1: routing on a business rule, which a load balancer cannot do.
"""

from __future__ import annotations

from strangler.stages.manifest.model import Stage
from strangler.stages.manifest.services import service_manage, service_setup, service_web
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-5.yaml"
IDENTITY_WEB = service_web("identity")
INVENTORY_V2 = service_web("inventory", release=2)


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    served = (*previous.processes, IDENTITY_WEB, INVENTORY_V2)
    return previous.extend(
        number=5,
        tag="stage-5-identity",
        title="Identity extracted; configuration and secrets in central stores, rotated",
        # the secrets first: every Django command of the set-up reads its SECRET_KEY there
        setup_first=(("{python}", "-m", "strangler", "secrets", "init"),),
        setup=(
            ("{python}", "-m", "strangler", "config", "sync"),
            *service_setup("identity"),
            # the customers' credentials handed over (copied and verified) before identity serves
            (*service_manage("identity"), "take_over_credentials"),
        ),
        add=(IDENTITY_WEB, INVENTORY_V2),
        replace_processes=(gateway_for(served, ROUTES),),
        routes=ROUTES,
        settings={
            "CONFIG_STORE": "on",
            "SECRET_STORE": "on",
            "CUSTOMERS_CREDENTIALS_ADAPTER": "monolith.customers.http_identity.HttpIdentity",
            "IDENTITY_SERVICE_URL": "http://127.0.0.1:{port:identity}",
            "IDENTITY_TIMEOUT": "10.0",
        },
        introduces=(
            "strangler/configstore/",
            "deploy/config/",
            "docs/stages/5-identity.md",
            "docs/prometheus/stage-5.yml",
            "deploy/k8s/stage-5.yaml",
            "tests/e2e/test_config_reload.py",
            "gateway/tests/test_rate_limits_from_the_store.py",
            "strangler/secretstore/",
            "tests/e2e/test_key_rotation.py",
            "extracted/identity/",
            "docs/api/identity-v1.yaml",
            "monolith/customers/http_identity.py",
            "monolith/customers/tests/test_http_identity.py",
            "monolith/customers/tests/test_pact_identity.py",
            "strangler/contracts/pacts/monolith-customers-identity.json",
            "gateway/routes/stage-5.yaml",
            "tests/e2e/test_identity.py",
            "strangler/migrate/tests/test_handover_moves.py",
            # release 2 of the inventory service, for admins
            "extracted/inventory/service/urls_v2.py",
            "extracted/inventory/stock/urls_v2.py",
            "extracted/inventory/stock/apis_v2.py",
            "extracted/inventory/stock/tests/test_release_2.py",
        ),
        doc="docs/stages/5-identity.md",
        changes=(
            "a central config store for the dynamic settings (etcd, or files in the embedded "
            "demo), fed from deploy/config/ in Git by `python -m strangler config sync`: a diff "
            "first, then one versioned change per service with its author and commit, audited",
            "every monolith process runs an agent that watches the store: a changed timeout or "
            "circuit-breaker limit applies to the next call, without a restart",
            "the gateway's rate limits in the store too (deploy/config/gateway.yaml, "
            "RATE_LIMIT_<POLICY>_RATE and _BURST over the route table's): a limit lowered in "
            "an incident applies at the next request, without a reload",
            "the JWT signing keys and each process's Django SECRET_KEY in a secret store "
            "(OpenBao, or 0600 files in the embedded demo), seeded by `python -m strangler "
            "secrets init`; `secrets rotate jwt-signing` publishes a new key in the JWKS, which "
            "signs new tokens JWT_KEY_PUBLISH_SECONDS later, while tokens signed by the old one "
            "verify for the refresh-token lifetime; a rotated SECRET_KEY applies at the next "
            "restart, the old one a fallback",
            "least privilege: only identity's key ring reads the private signing keys, the "
            "other services verify with their public halves (shop/jwt-verifying); on OpenBao "
            "`secrets init` writes a read-only policy and an AppRole per service, and each "
            "process logs in with its service's login (an hour per token, logged in again "
            "with the secret id of the last init), never with the set-up's token",
            "identity extracted into its own Django project and database: each customer's "
            "credential (e-mail, password hash, active, last login) and roles (customer; admin "
            "granted in its admin or with grant_role), the existing ones handed over by the "
            "set-up (strangler.migrate backfill + verify)",
            "sign-in, refresh and the JWKS served by identity at the same paths, bodies and "
            "codes; tokens carry a roles claim; the gateway routes them there and reads the "
            "keys from identity",
            "registration stays at the monolith, which creates the credential over HTTP "
            "(HttpIdentity: timeout, Idempotency-Key from the customer id, circuit breaker); "
            "identity down -> 503 naming it, nothing kept",
            "release 2 of the inventory service beside release 1 (SERVICE_RELEASE=2): its stock "
            "read shows an admin the orders holding a SKU; the gateway routes tokens with the "
            "admin role there, everyone else to release 1",
        ),
    )
