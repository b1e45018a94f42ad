"""``python -m strangler.contracts.proto.generate [--out DIR]``: the stubs from the ``.proto``.

Writes ``<name>_pb2.py``, ``<name>_pb2.pyi`` and ``<name>_pb2_grpc.py`` for every ``.proto`` in
this folder, beside it by default (``make contracts``), or under ``DIR`` in the same package
layout (the test compares those with the committed ones). protoc sees the files by their path
from the folder that holds ``strangler``, so the stubs import each other by their package path.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parent
IMPORT_ROOT = PROTO_DIR.parents[2]
PACKAGE_PATH = PROTO_DIR.relative_to(IMPORT_ROOT)
STUB_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


class GenerationFailed(RuntimeError):
    """protoc refused a ``.proto`` (its own message is on stderr)."""


def proto_files(root: Path = IMPORT_ROOT) -> list[Path]:
    """The ``.proto`` files of the package, in the tree that starts at ``root``."""
    return sorted((root / PACKAGE_PATH).glob("*.proto"))


def generate(out: Path = IMPORT_ROOT, *, root: Path = IMPORT_ROOT) -> list[Path]:
    """Generate the stubs of the ``.proto`` files under ``root`` into the tree at ``out``.

    Returns the files written, as paths from ``out`` (``strangler/contracts/proto/x_pb2.py``).
    """
    from grpc_tools import protoc  # a dev dependency: only regenerating needs it

    well_known_types = resources.files("grpc_tools") / "_proto"
    protos = proto_files(root)
    out.mkdir(parents=True, exist_ok=True)
    arguments = [
        "protoc",
        f"--proto_path={root}",
        f"--proto_path={well_known_types}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(str(proto) for proto in protos),
    ]
    if protoc.main(arguments) != 0:
        raise GenerationFailed(f"protoc failed on {', '.join(p.name for p in protos)}")
    return [PACKAGE_PATH / (proto.stem + suffix) for proto in protos for suffix in STUB_SUFFIXES]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m strangler.contracts.proto.generate")
    parser.add_argument(
        "--out",
        type=Path,
        default=IMPORT_ROOT,
        help="where the stubs' package path starts (default: beside the .proto files)",
    )
    for path in generate(parser.parse_args(argv).out):
        print(path)


if __name__ == "__main__":
    main()
