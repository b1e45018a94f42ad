"""deploy/k8s/stage-N.yaml: valid against the Kubernetes schema (offline), and each runs what
the stage's manifest runs, with the probes of the Health Check pattern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from strangler.config import REPO_ROOT
from strangler.stages.generated import kubernetes
from strangler.stages.generated.containers import settings as container_settings
from strangler.stages.manifest import STAGES, Stage

# The oldest Kubernetes release the manifests are checked against, and the newest the
# validator's bundled schemas know (no network: the schemas are in the package).
VERSIONS = ("1.31.0", latest_version())


def committed(stage: Stage) -> list[dict[str, Any]]:
    path = REPO_ROOT / "deploy" / "k8s" / f"stage-{stage.number}.yaml"
    return list(yaml.safe_load_all(path.read_text()))


def schema_errors(resources: list[dict[str, Any]], version: str) -> list[str]:
    """Every resource checked with the strict schemas (unknown fields are errors too); a kind
    the validator has no schema for is an error here, not the warning its CLI gives."""
    errors = []
    for resource in resources:
        name = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            errors.append(f"{name}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{name}: {exc.message}")
    return errors


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def secret_refs(container: dict[str, Any]) -> list[dict[str, Any]]:
    """The container's variables read from a Secret."""
    return [e for e in container["env"] if "valueFrom" in e]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_every_stage_validates_against_the_kubernetes_schema(stage: Stage, version: str) -> None:
    resources = committed(stage)
    assert resources
    assert schema_errors(resources, version) == []


def _port_as_words(container: dict[str, Any]) -> None:
    container["ports"][0]["containerPort"] = "eight thousand"


def _misspelt_probe(container: dict[str, Any]) -> None:
    container["livenessProbes"] = container.pop("livenessProbe")


@pytest.mark.parametrize("edit", [_port_as_words, _misspelt_probe])
def test_the_validator_rejects_a_hand_edited_manifest(
    edit: Callable[[dict[str, Any]], None],
) -> None:
    resources = committed(STAGES[0])
    deployment = next(r for r in resources if r["kind"] == "Deployment")
    edit(deployment["spec"]["template"]["spec"]["containers"][0])

    errors = schema_errors(resources, VERSIONS[0])

    assert len(errors) == 1, errors
    assert errors[0].startswith(f"Deployment/{deployment['metadata']['name']}: spec.template")


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_a_deployment_per_process_a_service_per_process_with_a_port(stage: Stage) -> None:
    resources = committed(stage)
    assert set(by_kind(resources, "Deployment")) == {p.name for p in stage.processes}
    assert set(by_kind(resources, "Service")) == {p.name for p in stage.processes if p.port_name}
    assert set(by_kind(resources, "Job")) == {"setup"}
    cluster_wide = ("Namespace", "ClusterRoleBinding")
    assert {r["metadata"].get("namespace") for r in resources if r["kind"] not in cluster_wide} == {
        f"shop-stage-{stage.number}"
    }


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_http_processes_are_probed_on_live_and_ready_and_workers_are_not(stage: Stage) -> None:
    deployments = by_kind(committed(stage), "Deployment")
    for spec in stage.processes:
        container = deployments[spec.name]["spec"]["template"]["spec"]["containers"][0]
        if spec.ready == "http":
            assert container["livenessProbe"]["httpGet"]["path"] == spec.live_path
            assert container["startupProbe"]["httpGet"]["path"] == spec.live_path
            assert container["readinessProbe"]["httpGet"]["path"] == spec.ready_path
        elif spec.ready == "tcp":
            assert "tcpSocket" in container["readinessProbe"], spec.name
        else:
            assert not {"livenessProbe", "readinessProbe"} & set(container), spec.name


def test_web_processes_probe_the_health_endpoints() -> None:
    """Every stage's own web processes: /health/live and /health/ready (Flower has its own)."""
    deployments = by_kind(committed(STAGES[-1]), "Deployment")
    probes = deployments["monolith"]["spec"]["template"]["spec"]["containers"][0]
    assert probes["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert probes["readinessProbe"]["httpGet"]["path"] == "/health/ready"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_settings_come_from_the_config_map_and_secrets_by_reference(stage: Stage) -> None:
    resources = committed(stage)
    assert "Secret" not in {r["kind"] for r in resources}  # created by hand, never committed
    config = by_kind(resources, "ConfigMap")[kubernetes.CONFIG]["data"]
    assert container_settings(stage).items() <= config.items()
    for deployment in by_kind(resources, "Deployment").values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["envFrom"] == [{"configMapRef": {"name": kubernetes.CONFIG}}]
        # one literal: the service's OpenBao role (not a secret, and the ConfigMap is shared)
        env = [e for e in container["env"] if e["name"] != "SECRET_STORE_KUBERNETES_ROLE"]
        secret_refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env}
        assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"} <= set(secret_refs)
        assert not any("value" in e for e in env), "a literal value among secrets"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_from_stage_5_every_pod_and_the_set_up_read_one_config_store(stage: Stage) -> None:
    """The set-up Job's ``config sync`` writes where every process's agent watches: etcd's
    address from the Secret (a pod on its own file store would never see a change)."""
    resources = committed(stage)
    reads = stage.settings_env.get("CONFIG_STORE") == "on"
    pods = [d["spec"]["template"]["spec"] for d in by_kind(resources, "Deployment").values()]
    pods.append(by_kind(resources, "Job")["setup"]["spec"]["template"]["spec"])
    for pod in pods:
        for container in [*pod["containers"], *pod.get("initContainers", [])]:
            refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in secret_refs(container)}
            expected = {"name": kubernetes.SECRET, "key": "config-store-url"} if reads else None
            assert refs.get("CONFIG_STORE_URL") == expected, container["name"]


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_each_extracted_service_reads_a_database_of_its_own(stage: Stage) -> None:
    """A process running ``extracted.<service>...`` finds ``<SERVICE>_DATABASE_URL`` in its
    own Secret key, apart from the monolith's ``DATABASE_URL``."""
    deployments = by_kind(committed(stage), "Deployment")
    for spec in stage.processes:
        modules = [part for part in spec.argv if part.startswith("extracted.")]
        if not modules:
            continue
        service = modules[0].split(".")[1]
        container = deployments[spec.name]["spec"]["template"]["spec"]["containers"][0]
        keys = {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in secret_refs(container)}
        assert keys[f"{service.upper()}_DATABASE_URL"] == f"{service}-database-url", spec.name
        assert keys["DATABASE_URL"] == "database-url"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_only_the_set_up_job_holds_the_openbao_operators_token(stage: Stage) -> None:
    """From stage 5 each service's pods run as its own service account and log in to OpenBao
    with its token, to the role ``shop-<service>``: no Secret holds a service's credential. The
    gateway reads no secret."""
    resources = committed(stage)
    reads = stage.settings_env.get("SECRET_STORE") == "on"

    def credentials(pod: dict[str, Any]) -> set[tuple[str | None, str | None, str | None]]:
        found = set()
        for container in [*pod["containers"], *pod.get("initContainers", [])]:
            refs = {
                e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in secret_refs(container)
            }
            values = {e["name"]: e["value"] for e in container["env"] if "value" in e}
            role = values.get("SECRET_STORE_KUBERNETES_ROLE")
            found.add((refs.get("SECRET_STORE_TOKEN"), role, pod.get("serviceAccountName")))
            assert not any("APPROLE" in name for name in [*refs, *values]), container["name"]
        return found

    job = by_kind(resources, "Job")["setup"]["spec"]["template"]["spec"]
    assert credentials(job) == {("secret-store-token" if reads else None, None, None)}
    deployments = by_kind(resources, "Deployment")
    for spec in stage.processes:
        owner = {"gateway": None, "flower": "monolith"}.get(spec.service, spec.service)
        login = (f"shop-{owner}", owner) if reads and owner else (None, None)
        pod = deployments[spec.name]["spec"]["template"]["spec"]
        assert credentials(pod) == {(None, *login)}, spec.name


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_from_stage_5_each_service_account_may_have_its_own_token_reviewed(stage: Stage) -> None:
    """OpenBao reviews a pod's token with that token (no long-lived reviewer token), so each
    service account is bound to ``system:auth-delegator``; the set-up's ``secrets init`` is
    told the cluster's API and the namespace, and writes each service's role there."""
    resources = committed(stage)
    accounts = by_kind(resources, "ServiceAccount")
    bindings = by_kind(resources, "ClusterRoleBinding")
    job = by_kind(resources, "Job")["setup"]["spec"]["template"]["spec"]["containers"][0]
    told = {e["name"]: e["value"] for e in job["env"] if "value" in e}
    if stage.settings_env.get("SECRET_STORE") != "on":
        assert (accounts, bindings, told) == ({}, {}, {})
        return
    ns = kubernetes.namespace(stage)
    used = {
        d["spec"]["template"]["spec"]["serviceAccountName"]
        for d in by_kind(resources, "Deployment").values()
        if "serviceAccountName" in d["spec"]["template"]["spec"]
    }
    assert set(accounts) == used and {a["metadata"]["namespace"] for a in accounts.values()} == {ns}
    (binding,) = bindings.values()
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    assert {(s["name"], s["namespace"]) for s in binding["subjects"]} == {(a, ns) for a in used}
    assert told == {
        "SECRET_STORE_KUBERNETES_HOST": "https://kubernetes.default.svc",
        "SECRET_STORE_KUBERNETES_NAMESPACE": ns,
    }
    assert "python -m strangler secrets init" in " ".join(job["command"])


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_from_stage_5_only_the_set_up_job_mounts_the_jwt_key_pair(stage: Stage) -> None:
    """Up to stage 4 every process reads the PEM pair (the monolith signs); from stage 5 the
    secret store holds the keys, and the Job alone mounts the pair to import it."""
    resources = committed(stage)
    everyone = stage.settings_env.get("SECRET_STORE") != "on"

    def mounts_the_pair(pod: dict[str, Any]) -> bool:
        volumes = {v["name"] for v in pod["volumes"]}
        containers = [*pod["containers"], *pod.get("initContainers", [])]
        mounted = {m["name"] for c in containers for m in c["volumeMounts"]}
        assert ("jwt" in volumes) == ("jwt" in mounted)
        return "jwt" in mounted

    assert mounts_the_pair(by_kind(resources, "Job")["setup"]["spec"]["template"]["spec"])
    for name, deployment in by_kind(resources, "Deployment").items():
        assert mounts_the_pair(deployment["spec"]["template"]["spec"]) is everyone, name
