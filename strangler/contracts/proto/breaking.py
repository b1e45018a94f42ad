"""``python -m strangler.contracts.proto.breaking [--accept]``: the ``.proto`` files against
the contract they last published.

``baseline.json`` beside them is a buf image (the compiled descriptors, as JSON) of the files as
they were last published. ``buf breaking`` (PyPI ``buf-bin``) compares the files with it under
the rules of ``buf.yaml``: a field number reused or removed, a changed type, a removed method or
message fail. ``--accept`` rewrites the baseline from the files as they are now: run it after an
additive change (a new field, a new method), never to get past a breaking one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path

from strangler.contracts.proto.generate import PROTO_DIR

BASELINE = PROTO_DIR / "baseline.json"


def buf() -> Path:
    """The ``buf`` binary the ``buf-bin`` dev dependency installed beside this Python."""
    return Path(sysconfig.get_path("scripts")) / "buf"


def _run(protos: Path, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
    """``buf`` run in the folder ``protos`` (its messages name the files from there)."""
    return subprocess.run(
        [str(buf()), *map(str, arguments)], cwd=protos, capture_output=True, text=True, check=False
    )


def breaking_changes(protos: Path = PROTO_DIR, *, against: Path = BASELINE) -> list[str]:
    """What ``buf breaking`` finds in the ``.proto`` files of ``protos`` against the image
    ``against``, one line each (``inventory.proto:25:3:Field "4" ... changed type ...``)."""
    result = _run(protos, "breaking", ".", "--against", against.resolve())
    if result.returncode not in (0, 100):  # 100: buf found breaking changes
        raise RuntimeError(f"buf breaking failed: {result.stderr.strip()}")
    return result.stdout.splitlines()


def write_baseline(protos: Path = PROTO_DIR, *, out: Path = BASELINE) -> None:
    """The image of the ``.proto`` files of ``protos``, indented so a diff reads per field."""
    with tempfile.TemporaryDirectory() as folder:
        image = Path(folder) / "image.json"
        result = _run(protos, "build", ".", "--exclude-source-info", "-o", image)
        if result.returncode != 0:
            raise RuntimeError(f"buf build failed: {result.stderr.strip()}")
        out.write_text(json.dumps(json.loads(image.read_text()), indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m strangler.contracts.proto.breaking")
    parser.add_argument(
        "--accept", action="store_true", help="rewrite the baseline from the files as they are"
    )
    if parser.parse_args(argv).accept:
        write_baseline()
        print(BASELINE)
        return
    found = breaking_changes()
    print("\n".join(found) or "no breaking change against the baseline")
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
