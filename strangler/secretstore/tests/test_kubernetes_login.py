"""On a real OpenBao, with a stand-in for the cluster's API: ``secrets init`` told a Kubernetes
cluster gives each service a role of the Kubernetes auth method, which admits the token of the
service account named after the service in the namespace, and nothing else; the token is
reviewed with itself, read again from its file at each login, and refused once the cluster
says it is no longer valid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler.config import secret_store_role
from strangler.secretstore.access import ISSUER
from strangler.secretstore.cli import main, services
from strangler.secretstore.connect import open_secret_store
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import KubernetesLogin, OpenBaoStore
from strangler.secretstore.store import SecretStore, SecretStoreError
from strangler.secretstore.testing import FakeKubernetesApi, OpenBaoServer, readable

NAMESPACE = "shop-stage-5"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[FakeKubernetesApi]:
    with FakeKubernetesApi() as api:
        (tmp_path / "ca.crt").write_text(api.ca_pem)
        yield api


def init_for(cluster: FakeKubernetesApi, store: SecretStore, tmp_path: Path) -> list[str]:
    return [
        "init", "--store", store.url,
        "--kubernetes-host", cluster.host,
        "--kubernetes-namespace", NAMESPACE,
        "--kubernetes-ca-file", str(tmp_path / "ca.crt"),
    ]  # fmt: skip


@pytest.fixture
def initialised(
    cluster: FakeKubernetesApi,
    bao_store: SecretStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> SecretStore:
    assert main(init_for(cluster, bao_store, tmp_path)) == 0
    out = capsys.readouterr().out
    for service in services():
        assert f"service account {NAMESPACE}/{service}" in out
    return bao_store


def as_account(
    openbao: OpenBaoServer, store: SecretStore, role_of: str, token: str
) -> OpenBaoStore:
    """The store as a pod sees it: logging in to the role of ``role_of`` with ``token``."""
    assert isinstance(store, OpenBaoStore)
    login = KubernetesLogin(secret_store_role(role_of, store.mount), token)
    return OpenBaoStore(openbao.address, mount=store.mount, login=lambda: login)


def test_each_service_account_reads_its_own_secret_key_and_the_public_keys_only(
    openbao: OpenBaoServer, cluster: FakeKubernetesApi, initialised: SecretStore
) -> None:
    for service in services():
        own = as_account(openbao, initialised, service, cluster.token_for(NAMESPACE, service))
        assert readable(own, secret_key_path(service)) and readable(own, JWT_VERIFYING_PATH)
        assert readable(own, JWT_SIGNING_PATH) is (service == ISSUER)
        others = [name for name in services() if name != service]
        assert not any(readable(own, secret_key_path(name)) for name in others)


@pytest.mark.parametrize(
    ("namespace", "account"),
    [(NAMESPACE, "gateway"), (NAMESPACE, "payments"), ("default", "monolith")],
    ids=["a service account with no role", "another service's", "another namespace's"],
)
def test_a_token_the_role_is_not_bound_to_is_refused(
    openbao: OpenBaoServer,
    cluster: FakeKubernetesApi,
    initialised: SecretStore,
    namespace: str,
    account: str,
) -> None:
    pod = as_account(openbao, initialised, "monolith", cluster.token_for(namespace, account))
    with pytest.raises(SecretStoreError, match="permission denied"):
        pod.read(secret_key_path("monolith"))


def test_a_pod_logs_in_with_the_token_its_file_holds_at_each_login(
    openbao: OpenBaoServer,
    cluster: FakeKubernetesApi,
    initialised: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a pod's process does (``SECRET_STORE_KUBERNETES_ROLE``): the kubelet renews the
    token in the file, and a token the cluster no longer vouches for logs in no more. OpenBao
    asks the cluster with the token itself, so no reviewer token is stored anywhere."""
    assert isinstance(initialised, OpenBaoStore)
    token_file = tmp_path / "token"
    first = cluster.token_for(NAMESPACE, "inventory")
    token_file.write_text(first)
    monkeypatch.delenv("SECRET_STORE_TOKEN")
    monkeypatch.setenv(
        "SECRET_STORE_KUBERNETES_ROLE", secret_store_role("inventory", initialised.mount)
    )
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_TOKEN_FILE", str(token_file))
    pod = open_secret_store(initialised.url)
    assert isinstance(pod, OpenBaoStore)

    assert readable(pod, secret_key_path("inventory"))
    assert cluster.reviews[-1] == (first, first)

    renewed = cluster.token_for(NAMESPACE, "inventory")
    token_file.write_text(renewed + "\n")
    cluster.revoke(first)
    pod._client.auth.token.revoke_self()  # as when its OpenBao token expires
    assert readable(pod, secret_key_path("inventory"))
    assert cluster.reviews[-1] == (renewed, renewed)

    cluster.revoke(renewed)  # the pod is gone: a copy of its token logs in no more
    pod._client.auth.token.revoke_self()
    with pytest.raises(SecretStoreError, match="permission denied"):
        pod.read(secret_key_path("inventory"))


def test_a_missing_token_file_is_a_clear_error(
    openbao: OpenBaoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_ROLE", "shop-monolith")
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_TOKEN_FILE", str(tmp_path / "absent"))
    pod = open_secret_store(openbao.url)
    with pytest.raises(SecretStoreError) as raised:
        pod.read(JWT_VERIFYING_PATH)
    assert "SECRET_STORE_KUBERNETES_TOKEN_FILE is unreadable (No such file" in str(raised.value)


def test_init_for_a_cluster_needs_its_ca_certificate_and_an_openbao_store(
    cluster: FakeKubernetesApi,
    bao_store: SecretStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = init_for(cluster, bao_store, tmp_path)
    (tmp_path / "ca.crt").write_text("not a certificate")
    assert main(argv) == 1
    assert "--kubernetes-ca-file holds no PEM certificate" in capsys.readouterr().err
    (tmp_path / "ca.crt").unlink()
    assert main(argv) == 1
    assert "--kubernetes-ca-file is unreadable (No such file" in capsys.readouterr().err

    files = f"file://{tmp_path / 'secrets'}"
    (tmp_path / "ca.crt").write_text(cluster.ca_pem)
    assert main([*argv[:2], files, *argv[3:]]) == 1
    assert "--kubernetes-host needs OpenBao" in capsys.readouterr().err
    assert not (tmp_path / "secrets").exists()


def test_the_set_up_job_tells_init_the_cluster_through_its_environment(
    openbao: OpenBaoServer,
    cluster: FakeKubernetesApi,
    bao_store: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As ``deploy/k8s/stage-5.yaml``'s Job runs it: no option, the cluster in the environment;
    no AppRole login is left behind."""
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_HOST", cluster.host)
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("SECRET_STORE_KUBERNETES_CA_FILE", str(tmp_path / "ca.crt"))
    assert main(["init", "--store", bao_store.url]) == 0
    assert f"service account {NAMESPACE}/identity" in capsys.readouterr().out
    assert not (tmp_path / "var" / "secret-store-logins").exists()

    issuer = as_account(openbao, bao_store, ISSUER, cluster.token_for(NAMESPACE, ISSUER))
    assert readable(issuer, JWT_SIGNING_PATH)


def test_init_run_in_a_pod_takes_the_namespace_and_the_ca_from_the_pod_s_own_files(
    openbao: OpenBaoServer,
    cluster: FakeKubernetesApi,
    bao_store: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only the cluster's address given, as an operator runs it by hand in a pod; outside a pod
    (no such files) the namespace is a clear error and nothing is written."""
    pod_files = tmp_path / "serviceaccount"
    pod_files.mkdir()
    monkeypatch.setattr("strangler.secretstore.cli.POD_ACCOUNT_DIR", pod_files)
    argv = ["init", "--store", bao_store.url, "--kubernetes-host", cluster.host]
    assert main(argv) == 1
    assert "--kubernetes-namespace is needed outside a pod" in capsys.readouterr().err
    with pytest.raises(SecretStoreError):  # not seeded
        bao_store.read(JWT_VERIFYING_PATH)

    (pod_files / "namespace").write_text(NAMESPACE)  # the kubelet writes it with no newline
    (pod_files / "ca.crt").write_text(cluster.ca_pem)
    assert main(argv) == 0
    assert f"service account {NAMESPACE}/monolith" in capsys.readouterr().out
    pod = as_account(openbao, bao_store, "monolith", cluster.token_for(NAMESPACE, "monolith"))
    assert readable(pod, secret_key_path("monolith"))
