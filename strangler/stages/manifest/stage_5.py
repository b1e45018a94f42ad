"""Stage 5: configuration from a central store, fed from Git, reloaded without a restart;
secrets in a secret store, rotated without a restart.

Configuration: the monolith's dynamic settings (the timeouts and circuit-breaker limits of
its calls to inventory and fraud) move to a config store: etcd where ``CONFIG_STORE_URL``
names one, a folder of files in the embedded demo. The folder ``deploy/config/`` in Git is
their source of truth; the set-up pushes it (``python -m strangler config sync``: a diff,
then one versioned, audited change per service), and every monolith process runs an agent
that watches the store and applies a change at once.

Secrets: the JWT signing keys and each Django process's ``SECRET_KEY`` move to a secret
store (OpenBao where ``SECRET_STORE_URL`` names one, a folder of 0600 files in the embedded
demo), seeded by the set-up (``python -m strangler secrets init``, the existing key imported).
``secrets rotate jwt-signing`` adds a key: new tokens carry its kid at once, tokens signed
by the old key verify for the refresh-token lifetime and the JWKS lists both; a new
``SECRET_KEY`` applies at each process's next restart, the old one kept as a fallback.

The identity service is this stage's next part.
"""

from __future__ import annotations

from strangler.stages.manifest.model import Stage


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    return previous.extend(
        number=5,
        tag="stage-5-identity",
        title="Configuration and secrets in central stores: from Git, audited, reloaded, rotated",
        # the secrets first: every Django command of the set-up reads its SECRET_KEY there
        setup_first=(("{python}", "-m", "strangler", "secrets", "init"),),
        setup=(("{python}", "-m", "strangler", "config", "sync"),),
        settings={"CONFIG_STORE": "on", "SECRET_STORE": "on"},
        introduces=(
            "strangler/configstore/",
            "deploy/config/",
            "docs/stages/5-identity.md",
            "docs/prometheus/stage-5.yml",
            "deploy/k8s/stage-5.yaml",
            "tests/e2e/test_config_reload.py",
            "strangler/secretstore/",
            "tests/e2e/test_key_rotation.py",
            "extracted/identity/",
            "docs/api/identity-v1.yaml",
            "monolith/customers/http_identity.py",
            "monolith/customers/tests/test_http_identity.py",
            "monolith/customers/tests/test_pact_identity.py",
            "strangler/contracts/pacts/monolith-customers-identity.json",
        ),
        doc="docs/stages/5-identity.md",
        changes=(
            "a central config store for the dynamic settings (etcd, or files in the embedded "
            "demo), fed from deploy/config/ in Git by `python -m strangler config sync`: a diff "
            "first, then one versioned change per service with its author and commit, audited",
            "every monolith process runs an agent that watches the store: a changed timeout or "
            "circuit-breaker limit applies to the next call, without a restart",
            "the JWT signing keys and each process's Django SECRET_KEY in a secret store "
            "(OpenBao, or 0600 files in the embedded demo), seeded by `python -m strangler "
            "secrets init`; `secrets rotate jwt-signing` signs new tokens with a new key at once "
            "while tokens signed by the old one verify for the refresh-token lifetime, the JWKS "
            "listing both; a rotated SECRET_KEY applies at the next restart, the old one a "
            "fallback",
        ),
    )
