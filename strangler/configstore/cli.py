"""``python -m strangler config ...``: push the folder in Git to the config store, audited.

    python -m strangler config diff    [--store URL] [--folder DIR] [--environment NAME]
                                       [--service NAME]
    python -m strangler config sync    [--store URL] [--folder DIR] [--environment NAME]
                                       [--service NAME] [--dry-run]
    python -m strangler config history --service NAME [--setting NAME] [--store URL]

The store is ``--store``, else $CONFIG_STORE_URL, else the files under var/config
(``etcd://HOST:PORT[/prefix]`` or ``file:///abs/dir``); the folder is deploy/config. Each
environment has a store of its own, fed from the folder with its own values laid over it:
``--environment production`` (else $CONFIG_ENVIRONMENT) adds
deploy/config/environments/production/{service}.yaml; without one the folder's files are
synced as they are (the local stages). ``sync``
writes each service's changes in one step, refused when someone changed the service since
its diff was read; the audit entry records who (``git config user.name``, else $USER) and
from what (``git:<commit>``, ``+dirty`` when the folder has uncommitted changes).
Exit status: 0 done, 1 refused or failed (one line on stderr, nothing written), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

from strangler.config import REPO_ROOT, central_store_url
from strangler.configstore.connect import open_store
from strangler.configstore.folder import Change, FolderError, diff, read_environment
from strangler.configstore.store import (
    ConfigConflict,
    ConfigStore,
    ConfigStoreError,
    Scalar,
    Snapshot,
    check_service,
)
from strangler.console import table

DEFAULT_FOLDER = REPO_ROOT / "deploy" / "config"


def default_store() -> str:
    """The store the processes read (:func:`strangler.config.central_store_url`)."""
    return central_store_url()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m strangler config",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("diff", "what sync would change in the store"),
        ("sync", "make the store equal the folder (one audited change per service)"),
        ("history", "a service's audited changes, newest first"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--store",
            help="etcd://HOST:PORT[/prefix] or file:///abs/dir "
            "(default: $CONFIG_STORE_URL, else var/config)",
        )
        command.add_argument(
            "--service",
            required=name == "history",
            help="one service (default: every file of the folder)",
        )
        if name == "history":
            command.add_argument("--setting", help="only the changes to this setting")
        else:
            command.add_argument(
                "--folder",
                type=Path,
                default=DEFAULT_FOLDER,
                help="the folder of the {service}.yaml files (default: deploy/config)",
            )
            command.add_argument(
                "--environment",
                default=os.environ.get("CONFIG_ENVIRONMENT") or None,
                help="lay environments/NAME/ of the folder over it "
                "(default: $CONFIG_ENVIRONMENT, else none)",
            )
        if name == "sync":
            command.add_argument("--dry-run", action="store_true", help="print the diff only")
    return parser


def _show(value: Scalar | None) -> str:
    """A value as in JSON, so that ``5``, ``5.0``, ``true`` and ``"5"`` read differently."""
    return "-" if value is None else json.dumps(value)


def _plan(
    args: argparse.Namespace,
) -> tuple[ConfigStore, dict[str, Snapshot], list[Change]]:
    store = open_store(args.store or default_store())
    folder = read_environment(args.folder, args.environment)
    if args.service:
        check_service(args.service)
        if args.service not in folder:
            raise FolderError(f"{args.folder / (args.service + '.yaml')}: no such file")
        folder = {args.service: folder[args.service]}
    snapshots = {service: store.read(service) for service in folder}
    changes = diff(folder, {service: s.values for service, s in snapshots.items()})
    return store, snapshots, changes


def _print_changes(changes: list[Change]) -> None:
    print(
        table(
            ["service", "setting", "in the store", "in Git", "change"],
            [(c.service, c.name, _show(c.current), _show(c.wanted), c.kind) for c in changes],
        )
    )


def diff_command(args: argparse.Namespace) -> int:
    _, _, changes = _plan(args)
    if not changes:
        print("in sync")
        return 0
    _print_changes(changes)
    return 0


def _git(folder: Path, *argv: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *argv], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def author(folder: Path) -> str:
    """``git config user.name``, else the login name."""
    name = _git(folder, "config", "user.name")
    if name:
        return name
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def source(folder: Path) -> str:
    """``git:<short HEAD>`` (``+dirty`` with uncommitted changes in the folder), or
    ``folder:<path>`` outside a checkout."""
    head = _git(folder, "rev-parse", "--short", "HEAD")
    if head is None:
        return f"folder:{folder.resolve()}"
    dirty = _git(folder, "status", "--porcelain", "--", ".")
    return f"git:{head}" + ("+dirty" if dirty else "")


def sync_command(args: argparse.Namespace) -> int:
    store, snapshots, changes = _plan(args)
    if not changes:
        print("in sync")
        return 0
    _print_changes(changes)
    if args.dry_run:
        print("\ndry run: nothing written")
        return 0
    who, origin = author(args.folder), source(args.folder)
    if args.environment:
        origin = f"{origin} ({args.environment})"
    print()
    for service in sorted({c.service for c in changes}):
        wanted = {c.name: c.wanted for c in changes if c.service == service}
        try:
            revision = store.apply(
                service,
                wanted,
                author=who,
                source=origin,
                expected_revision=snapshots[service].revision,
            )
        except ConfigConflict as exc:
            raise ConfigConflict(f"{exc}; nothing written for {service}: diff again") from exc
        print(f"{service}: {len(wanted)} settings written, revision {revision}")
    return 0


def history_command(args: argparse.Namespace) -> int:
    store = open_store(args.store or default_store())
    entries = store.history(args.service, args.setting)
    if not entries:
        what = f"{args.setting} of {args.service}" if args.setting else args.service
        print(f"no changes recorded for {what}")
        return 0
    rows = [
        (entry.revision, entry.at, entry.author, entry.source, name, _show(old), _show(new))
        for entry in entries
        for name, (old, new) in sorted(entry.changes.items())
        if args.setting is None or name == args.setting
    ]
    print(table(["revision", "when", "author", "source", "setting", "old", "new"], rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"diff": diff_command, "sync": sync_command, "history": history_command}
    try:
        return commands[args.command](args)
    except (ConfigStoreError, FolderError, ValueError) as exc:
        print(f"config {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
