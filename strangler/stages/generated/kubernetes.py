"""Kubernetes manifests of one stage, from the stage manifest: ``deploy/k8s/stage-N.yaml``.

Each stage is a namespace of its own (``shop-stage-N``), so every object keeps its process's
name and the gateway reaches ``monolith:8001`` at every stage. In it: a ConfigMap with the
stage's settings, a Job running the set-up steps, a Deployment per process and a Service per
process that listens on a port. Credentials (the database, broker and Redis URLs, Django's
secret key, the JWT key pair: every process's up to stage 4, the set-up Job's alone from
stage 5, where the secret store holds the keys) are read from two Secrets by reference; the
Secrets themselves are not in the repository (docs/operations.md says how to create them).
From stage 5 a service's pods run as a service account of its own and log in to OpenBao with
its token (the Kubernetes auth method), so no Secret holds a service's OpenBao credential.
The engines (PostgreSQL, RabbitMQ, Redis) are not part of the stage: they are the cluster's
or a provider's, named in those Secrets.

Probes: an HTTP process has a startup and a liveness probe on its ``/health/live`` and a
readiness probe on its ``/health/ready`` (so a monolith whose database is down leaves the
Service's endpoints but is not restarted); a TCP process (the gRPC server) has TCP probes. A
process that is ready when its log says so (Celery workers, the outbox relay) has no probe:
no Service sends it traffic, so readiness gates nothing, and the only question it can answer
is whether the broker answers, which must not restart it (the broker being down is not the
worker being stuck). Kubernetes restarts its container when it exits.
"""

from __future__ import annotations

from typing import Any

from strangler.config import secret_store_role
from strangler.stages.generated import yamltext
from strangler.stages.generated.containers import (
    IMAGE,
    STATE_DIR,
    Container,
    collectstatic_script,
    containers,
    databases,
    host_of,
    secret_store_reader,
    setup_script,
)
from strangler.stages.generated.containers import settings as container_settings
from strangler.stages.manifest import Stage

SECRET = "shop"  # created by hand per namespace: the engines' URLs and SECRET_KEY
JWT_SECRET = "shop-jwt"  # created by hand: jwt.pem (the issuer's private key), jwt.pub.pem
JWT_DIR = "/run/secrets/jwt"
# An OpenBao credential: the variable a container reads it from, and the Secret's key it is in.
Credential = tuple[str, str]
OPERATOR_TOKEN: Credential = ("SECRET_STORE_TOKEN", "secret-store-token")  # the set-up Job's
API_SERVER = "https://kubernetes.default.svc"  # the cluster's API, as a pod reaches it
RBAC = "rbac.authorization.k8s.io"
CONFIG = "shop-settings"
PART_OF = "shop"


def namespace(stage: Stage) -> str:
    return f"shop-stage-{stage.number}"


def service_login(service: str | None) -> list[dict[str, Any]]:
    """A service's OpenBao login: the role of the Kubernetes auth method that admits its
    service account's token, which the pod holds (none: the process reads no secret)."""
    if service is None:
        return []
    return [{"name": "SECRET_STORE_KUBERNETES_ROLE", "value": secret_store_role(service)}]


def cluster_env(stage: Stage) -> list[dict[str, Any]]:
    """For the set-up Job's ``secrets init`` from stage 5: the cluster whose service accounts
    log in (its API, as the Job reaches it; the CA is the Job's pod's own)."""
    if stage.settings_env.get("SECRET_STORE") != "on":
        return []
    return [
        {"name": "SECRET_STORE_KUBERNETES_HOST", "value": API_SERVER},
        {"name": "SECRET_STORE_KUBERNETES_NAMESPACE", "value": namespace(stage)},
    ]


def readers(stage: Stage) -> list[str]:
    """The services whose processes read secrets (each gets a service account)."""
    found = {secret_store_reader(stage, spec) for spec in stage.processes}
    return sorted(name for name in found if name)


def secret_env(
    stage: Stage, credential: Credential | None = OPERATOR_TOKEN
) -> list[dict[str, Any]]:
    """The environment read from the Secret ``shop``, one key per variable. From stage 5 also
    etcd's address (the config store every process and the set-up's ``config sync`` share),
    OpenBao's, and an OpenBao ``credential``: the operator's token for the set-up Job, none
    for a service's processes (they log in as their service account: :func:`service_login`)."""
    names = [*databases(stage), "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY"]
    keys = {name: name.lower().replace("_", "-") for name in names}
    if stage.settings_env.get("CONFIG_STORE") == "on":
        keys["CONFIG_STORE_URL"] = "config-store-url"
    if stage.settings_env.get("SECRET_STORE") == "on":
        keys["SECRET_STORE_URL"] = "secret-store-url"
        if credential is not None:
            variable, key = credential
            keys[variable] = key
    return [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": key}}}
        for name, key in keys.items()
    ]


def settings(stage: Stage) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "monolith.shop.settings",  # as the runner gives it
        "ALLOWED_HOSTS": ",".join(["localhost", "127.0.0.1", *host_of(stage).values()]),
        "JWT_PRIVATE_KEY_FILE": f"{JWT_DIR}/jwt.pem",
        "JWT_PUBLIC_KEY_FILE": f"{JWT_DIR}/jwt.pub.pem",
        "PYTHONUNBUFFERED": "1",
        **container_settings(stage),
    }


def _labels(stage: Stage, name: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": namespace(stage),
        "app.kubernetes.io/part-of": PART_OF,
    }


def _meta(stage: Stage, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace(stage), "labels": _labels(stage, name)}


def pem_keys_mounted(stage: Stage) -> bool:
    """Whether the processes get the JWT key pair of the Secret ``shop-jwt``: up to stage 4.
    From stage 5 the keys are the secret store's, which gives the private ones to identity
    alone; only the set-up Job mounts the pair then (``secrets init`` imports it)."""
    return stage.settings_env.get("SECRET_STORE") != "on"


def _container(
    stage: Stage,
    name: str,
    command: list[str],
    credential: Credential | None = OPERATOR_TOKEN,
    *,
    pem_keys: bool = True,
    env: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    mounts: list[dict[str, Any]] = [{"name": "state", "mountPath": STATE_DIR}]
    if pem_keys:
        mounts.append({"name": "jwt", "mountPath": JWT_DIR, "readOnly": True})
    return {
        "name": name,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "envFrom": [{"configMapRef": {"name": CONFIG}}],
        "env": [*secret_env(stage, credential), *(env or [])],
        "volumeMounts": mounts,
    }


def _volumes(*, pem_keys: bool = True) -> list[dict[str, Any]]:
    volumes: list[dict[str, Any]] = [{"name": "state", "emptyDir": {}}]
    if pem_keys:
        volumes.append({"name": "jwt", "secret": {"secretName": JWT_SECRET}})
    return volumes


def probes(container: Container) -> dict[str, Any]:
    spec = container.spec
    if spec.ready == "http":
        live = {"httpGet": {"path": spec.live_path, "port": container.port}}
        ready = {"httpGet": {"path": spec.ready_path, "port": container.port}}
    elif spec.ready == "tcp":
        live = ready = {"tcpSocket": {"port": container.port}}
    else:
        return {}
    return {
        # up to a minute to answer the first time, as the runner's supervisor allows
        "startupProbe": {**live, "periodSeconds": 2, "failureThreshold": 30},
        "livenessProbe": {**live, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 3},
        "readinessProbe": {
            **ready,
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 2,
        },
    }


def deployment(stage: Stage, container: Container) -> dict[str, Any]:
    spec = container.spec
    reader, keys = secret_store_reader(stage, spec), pem_keys_mounted(stage)
    login = service_login(reader)
    command = list(container.command)
    main = _container(stage, spec.name, command, None, pem_keys=keys, env=login)
    main |= probes(container)
    if container.port:
        main["ports"] = [{"name": "main", "containerPort": container.port}]
    pod: dict[str, Any] = {"containers": [main], "volumes": _volumes(pem_keys=keys)}
    if reader:
        pod["serviceAccountName"] = reader  # the service account named after the service
    if "gunicorn" in container.command and stage.setup:
        # A Django web process serves its static files itself (WhiteNoise) from the pod's
        # state folder, which starts empty: collect them there first.
        static = ["sh", "-ec", collectstatic_script(stage)]
        init = _container(stage, "collectstatic", static, None, pem_keys=keys, env=login)
        pod["initContainers"] = [init]
    template_meta: dict[str, Any] = {"labels": _labels(stage, spec.name)}
    if spec.metrics_path:
        template_meta["annotations"] = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(container.port),
            "prometheus.io/path": spec.metrics_path,
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(stage, spec.name),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": spec.name}},
            "template": {"metadata": template_meta, "spec": pod},
        },
    }


def service(stage: Stage, container: Container) -> dict[str, Any]:
    assert container.port is not None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(stage, container.name),
        "spec": {
            "selector": {"app.kubernetes.io/name": container.name},
            "ports": [{"name": "main", "port": container.port, "targetPort": container.port}],
        },
    }


def service_accounts(stage: Stage) -> list[dict[str, Any]]:
    """From stage 5: a service account per service that reads secrets, and the binding that
    lets each ask the cluster's TokenReview API about its own token, as OpenBao does with it
    when a pod logs in (the ClusterRole ``system:auth-delegator``)."""
    names = readers(stage)  # each service's account is named after it
    if not names:
        return []
    accounts = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(stage, name)}
        for name in names
    ]
    review = f"{namespace(stage)}-token-review"
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": review, "labels": _labels(stage, review)},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "system:auth-delegator"},
        "subjects": [
            {"kind": "ServiceAccount", "name": name, "namespace": namespace(stage)}
            for name in names
        ],
    }
    return [*accounts, binding]


def resources(stage: Stage) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace(stage),
                "labels": {"app.kubernetes.io/part-of": PART_OF},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(stage, CONFIG),
            "data": settings(stage),
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _meta(stage, "setup"),
            "spec": {
                "backoffLimit": 6,
                # A Job's template cannot change once applied; gone an hour after it finished,
                # the next `kubectl apply` runs the (idempotent) set-up again instead of failing.
                "ttlSecondsAfterFinished": 3600,
                "template": {
                    "metadata": {"labels": _labels(stage, "setup")},
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [
                            _container(
                                stage,
                                "setup",
                                ["sh", "-ec", setup_script(stage)],
                                env=cluster_env(stage),
                            )
                        ],
                        "volumes": _volumes(),
                    },
                },
            },
        },
    ]
    found += service_accounts(stage)
    for container in containers(stage):
        found.append(deployment(stage, container))
        if container.port:
            found.append(service(stage, container))
    return found


HEADER = """\
# Kubernetes manifests of {tag}, written from the stage manifest by
# `python -m strangler stage generate`: do not edit, regenerate.
# Needs the image {image} where the cluster finds it, and the Secrets {secret} and
# {jwt} in namespace {namespace} (docs/operations.md, "Kubernetes").
"""


def render(stage: Stage) -> str:
    header = HEADER.format(
        tag=stage.tag, image=IMAGE, secret=SECRET, jwt=JWT_SECRET, namespace=namespace(stage)
    )
    return header + yamltext.dump(resources(stage))
