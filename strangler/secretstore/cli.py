"""``python -m strangler secrets ...``: seed, inspect and rotate the secrets of the shop.

    python -m strangler secrets init     [--store URL]
    python -m strangler secrets list     [--store URL]
    python -m strangler secrets versions jwt-signing|django-secret-key [--service NAME]
    python -m strangler secrets rotate   jwt-signing|django-secret-key [--service NAME]

The store is ``--store``, else $SECRET_STORE_URL (``bao://HOST:PORT``, the token in
$SECRET_STORE_TOKEN or the file $SECRET_STORE_TOKEN_FILE names), else the files under
var/secrets. ``init`` writes what is missing, each as version 1 with check-and-set, so it
can run again, or twice at once: the JWT signing key (the existing PEM file's key when there
is one, so tokens issued before keep working), its public half at shop/jwt-verifying, and a
Django ``SECRET_KEY`` per service. On OpenBao it then writes one policy per service (read its
own ``SECRET_KEY`` and the public keys; identity, the issuer, the private keys too) and leaves
each an AppRole whose logins get a token bound to it; each service's login (role id and secret
id) goes to var/secret-store-logins/, which the stage runner gives that service's processes.
With ``--kubernetes-host`` (a Kubernetes set-up Job's) each service gets instead a role of the
Kubernetes auth method, ``shop-<service>``, which admits the pods of the service account named
after it in ``--kubernetes-namespace``; OpenBao asks the cluster's API, whose CA certificate is
``--kubernetes-ca-file``, who a pod's token is.
``rotate`` writes a new version: a new signing key is published in the JWKS at once and signs
new tokens $JWT_KEY_PUBLISH_SECONDS later (six minutes: every verifier has fetched it by then),
the old one verifying for $JWT_REFRESH_TTL_SECONDS more; a new ``SECRET_KEY`` applies at each
process's next restart (``make stage-restart``), the old one staying a fallback for
$SECRET_KEY_GRACE_SECONDS. No command ever prints a secret.
Exit status: 0 done, 1 refused or failed (one line on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from strangler.config import central_secret_store_url, extracted_services, var_root
from strangler.console import table
from strangler.secretstore.access import grant_each_service
from strangler.secretstore.connect import POD_ACCOUNT_DIR, open_secret_store
from strangler.secretstore.django import SECRET_KEY_FIELD, secret_key_path
from strangler.secretstore.keyring import (
    FIELD,
    JWT_SIGNING_PATH,
    JWT_VERIFYING_PATH,
    VersionState,
    new_private_key_pem,
    publish_verifying_keys,
    states,
)
from strangler.secretstore.openbao import KubernetesCluster, OpenBaoStore
from strangler.secretstore.store import SecretConflict, SecretStore, SecretStoreError
from strangler.service.settings import jwt, secret_key_grace

KINDS = ("jwt-signing", "django-secret-key")


def services() -> list[str]:
    return ["monolith", *extracted_services()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m strangler secrets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("init", "write what is missing (idempotent)"),
        ("list", "every path: its current version and the versions still in grace"),
        ("versions", "one secret's versions: current, in grace (until when) or expired"),
        ("rotate", "write a new version of a secret"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--store", help="bao://HOST:PORT or file:///abs/dir (default: $SECRET_STORE_URL)"
        )
        if name == "init":
            _kubernetes_options(command)
        if name in ("versions", "rotate"):
            command.add_argument("kind", choices=KINDS)
            command.add_argument(
                "--service", help="django-secret-key: one service (default: every service)"
            )
    return parser


def _kubernetes_options(command: argparse.ArgumentParser) -> None:
    def default(name: str) -> str | None:
        return os.environ.get(f"SECRET_STORE_KUBERNETES_{name}")

    group = command.add_argument_group("services logging in as Kubernetes service accounts")
    group.add_argument(
        "--kubernetes-host",
        default=default("HOST"),
        help="the cluster API's URL, e.g. https://kubernetes.default.svc "
        "(default: $SECRET_STORE_KUBERNETES_HOST; none: AppRole logins)",
    )
    group.add_argument(
        "--kubernetes-namespace",
        default=default("NAMESPACE"),
        help="the services' namespace (default: $SECRET_STORE_KUBERNETES_NAMESPACE, "
        "else this pod's)",
    )
    group.add_argument(
        "--kubernetes-ca-file",
        default=default("CA_FILE") or str(POD_ACCOUNT_DIR / "ca.crt"),
        help="the API's CA certificate, PEM (default: $SECRET_STORE_KUBERNETES_CA_FILE, "
        "else this pod's)",
    )


def _cluster(args: argparse.Namespace) -> KubernetesCluster | None:
    """The cluster whose service accounts log in, from ``init``'s options (None: AppRoles)."""
    if not args.kubernetes_host:
        return None
    namespace = args.kubernetes_namespace or _pod_file("namespace", "--kubernetes-namespace")
    try:
        ca_pem = Path(args.kubernetes_ca_file).read_text()
    except OSError as exc:
        raise ValueError(
            f"--kubernetes-ca-file is unreadable ({exc.strerror}: {args.kubernetes_ca_file})"
        ) from None
    if "BEGIN CERTIFICATE" not in ca_pem:
        raise ValueError(
            f"--kubernetes-ca-file holds no PEM certificate: {args.kubernetes_ca_file}"
        )
    return KubernetesCluster(args.kubernetes_host, ca_pem, namespace.strip())


def _pod_file(name: str, option: str) -> str:
    try:
        return (POD_ACCOUNT_DIR / name).read_text()
    except OSError:
        raise ValueError(
            f"{option} is needed outside a pod (no {POD_ACCOUNT_DIR / name})"
        ) from None


def _paths(kind: str, service: str | None) -> list[str]:
    if kind == "jwt-signing":
        if service:
            raise ValueError("--service goes with django-secret-key only")
        return [JWT_SIGNING_PATH]
    if service and service not in services():
        raise ValueError(f"unknown service {service!r} (one of {', '.join(services())})")
    return [secret_key_path(name) for name in ([service] if service else services())]


def _new_value(path: str) -> dict[str, str]:
    if path == JWT_SIGNING_PATH:
        return {FIELD: new_private_key_pem()}
    return {SECRET_KEY_FIELD: secrets.token_urlsafe(50)}


def _first_value(path: str) -> tuple[dict[str, str], str]:
    """Version 1: the key of the PEM file the processes signed with before, if any."""
    if path == JWT_SIGNING_PATH:
        pem = Path(jwt()["JWT_PRIVATE_KEY_FILE"])
        if pem.exists():
            return {FIELD: pem.read_text()}, f"imported from {pem}"
    return _new_value(path), "created"


JWT_PATHS = (JWT_SIGNING_PATH, JWT_VERIFYING_PATH)


def _grace_of(path: str) -> timedelta:
    return jwt()["JWT_REFRESH_TTL"] if path in JWT_PATHS else secret_key_grace()


def _publish_of(path: str) -> timedelta:
    """How long a new version is published before it signs: the JWT keys only."""
    seconds = jwt()["JWT_KEY_PUBLISH_SECONDS"] if path in JWT_PATHS else 0
    return timedelta(seconds=seconds)


def _states(store: SecretStore, path: str, now: datetime) -> list[VersionState]:
    return states(store.versions(path), now, _grace_of(path), _publish_of(path))


def _store(args: argparse.Namespace) -> SecretStore:
    return open_secret_store(args.store or central_secret_store_url())


def init_command(args: argparse.Namespace) -> int:
    store, cluster = _store(args), _cluster(args)
    if cluster is not None and not isinstance(store, OpenBaoStore):
        raise ValueError(f"--kubernetes-host needs OpenBao; {store.url} is not (it has no logins)")
    rows = []
    for path in [JWT_SIGNING_PATH, *_paths("django-secret-key", None)]:
        if store.versions(path):
            rows.append((path, "kept"))
            continue
        data, action = _first_value(path)
        try:
            store.write(path, data, expected_version=0)
        except SecretConflict:
            action = "kept (written meanwhile by another init)"
        rows.append((path, action))
    published = ", ".join(map(str, publish_verifying_keys(store)))
    done = f"public keys of versions {published}" if published else "kept"
    rows.append((JWT_VERIFYING_PATH, done))
    print(table(["path", "written"], rows))
    if isinstance(store, OpenBaoStore):
        granted = grant_each_service(store, services(), var_root(), cluster)
        print(table(["service", "policy and role", "logs in with"], granted))
    return 0


def list_command(args: argparse.Namespace) -> int:
    store = _store(args)
    now = datetime.now(UTC)
    rows: list[tuple[object, ...]] = []
    for path in [*JWT_PATHS, *_paths("django-secret-key", None)]:
        found = _states(store, path, now)
        if not found:
            rows.append((path, "-", "-", "-", "-"))
            continue
        current = next(v for v in found if v.state == "current")
        others = {
            state: ",".join(str(v.version) for v in found if v.state == state) or "-"
            for state in ("next", "grace")
        }
        row = (path, current.version, _when(current.created), others["next"], others["grace"])
        rows.append(row)
    print(table(["path", "current", "created", "next", "in grace"], rows))
    return 0


def versions_command(args: argparse.Namespace) -> int:
    store = _store(args)
    now = datetime.now(UTC)
    rows = []
    for path in _paths(args.kind, args.service):
        for v in reversed(_states(store, path, now)):
            until = _when(v.until) if v.until else "-"
            rows.append((path, v.version, _when(v.created), v.state, until))
    print(table(["path", "version", "created", "state", "verifies until"], rows))
    return 0


def rotate_command(args: argparse.Namespace) -> int:
    store = _store(args)
    for path in _paths(args.kind, args.service):
        current = store.versions(path)
        if not current:
            raise SecretStoreError(f"{path}: nothing to rotate, run `secrets init` first")
        try:
            version = store.write(path, _new_value(path), expected_version=current[-1].version)
        except SecretConflict as exc:
            raise SecretConflict(f"{exc}; nothing written, rotate again") from None
        if path == JWT_SIGNING_PATH:  # its public half, for the services that verify
            try:
                publish_verifying_keys(store)
            except SecretStoreError as exc:
                raise SecretStoreError(
                    f"{exc}; version {version} is written: `secrets init` publishes it"
                ) from None
        publish = _publish_of(path)
        if publish:
            signs_from = _when(datetime.now(UTC) + publish)
            print(f"{path}: version {version} is published, and signs from {signs_from}")
        else:
            print(f"{path}: version {version} is current")
    if args.kind == "django-secret-key":
        print("each process reads it at its next restart (make stage-restart)")
    return 0


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "init": init_command,
        "list": list_command,
        "versions": versions_command,
        "rotate": rotate_command,
    }
    try:
        return commands[args.command](args)
    except (SecretStoreError, ValueError) as exc:
        print(f"secrets {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
