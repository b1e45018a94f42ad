"""Stage 5: configuration from a central store, fed from Git, reloaded without a restart.

The first part of stage 5: the monolith's dynamic settings (the timeouts and circuit-breaker
limits of its calls to inventory and fraud) move to a config store: etcd where
``CONFIG_STORE_URL`` names one, a folder of files in the embedded demo. The folder
``deploy/config/`` in Git is their source of truth; the set-up pushes it
(``python -m strangler config sync``: a diff, then one versioned, audited change per service),
and every monolith process runs an agent that watches the store and applies a change at once.

The identity service, signed keys with rotation and the secret store are this stage's next
parts.
"""

from __future__ import annotations

from strangler.stages.manifest.model import Stage


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    return previous.extend(
        number=5,
        tag="stage-5-identity",
        title="Configuration from a central store: fed from Git, audited, reloaded live",
        setup=(("{python}", "-m", "strangler", "config", "sync"),),
        settings={"CONFIG_STORE": "on"},
        introduces=(
            "strangler/configstore/",
            "deploy/config/",
            "docs/stages/5-identity.md",
            "docs/prometheus/stage-5.yml",
            "deploy/k8s/stage-5.yaml",
            "tests/e2e/test_config_reload.py",
        ),
        doc="docs/stages/5-identity.md",
        changes=(
            "a central config store for the dynamic settings (etcd, or files in the embedded "
            "demo), fed from deploy/config/ in Git by `python -m strangler config sync`: a diff "
            "first, then one versioned change per service with its author and commit, audited",
            "every monolith process runs an agent that watches the store: a changed timeout or "
            "circuit-breaker limit applies to the next call, without a restart",
        ),
    )
