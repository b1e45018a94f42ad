"""The committed gRPC stubs are exactly what grpcio-tools generates from the ``.proto`` files."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.contracts.proto.generate import (
    IMPORT_ROOT,
    PACKAGE_PATH,
    PROTO_DIR,
    STUB_SUFFIXES,
    GenerationFailed,
    generate,
    proto_files,
)


def differing(written: list[Path], out: Path) -> list[str]:
    """The stubs written under ``out`` whose committed copy is missing or not the same."""
    committed = {path: IMPORT_ROOT / path for path in written}
    return [
        str(path)
        for path, copy in committed.items()
        if not copy.is_file() or copy.read_bytes() != (out / path).read_bytes()
    ]


def test_the_committed_stubs_are_what_the_proto_files_generate(tmp_path: Path) -> None:
    assert proto_files(), f"no .proto in {PROTO_DIR}"

    stale = differing(generate(tmp_path), tmp_path)

    assert not stale, (
        f"{', '.join(stale)}: not what grpcio-tools generates from the .proto; "
        "run `make contracts`, review the diff and commit it"
    )


def test_every_committed_stub_has_its_proto(tmp_path: Path) -> None:
    generated = {path.name for path in generate(tmp_path)}
    committed = {p.name for p in PROTO_DIR.iterdir() if p.name.endswith(STUB_SUFFIXES)}

    orphans = sorted(committed - generated)

    assert not orphans, f"stubs without a .proto in {PROTO_DIR}: {orphans}"


def test_a_changed_proto_is_reported_by_the_stubs_it_changes(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / PACKAGE_PATH).mkdir(parents=True)
    for proto in proto_files():
        (source / PACKAGE_PATH / proto.name).write_text(proto.read_text())
    inventory = source / PACKAGE_PATH / "inventory.proto"
    inventory.write_text(inventory.read_text().replace("int64 available = 4;", "int64 free = 4;"))

    stale = differing(generate(tmp_path / "out", root=source), tmp_path / "out")

    assert stale == [
        str(PACKAGE_PATH / "inventory_pb2.py"),
        str(PACKAGE_PATH / "inventory_pb2.pyi"),
    ]


def test_a_proto_protoc_refuses_fails_the_generation(tmp_path: Path) -> None:
    (tmp_path / PACKAGE_PATH).mkdir(parents=True)
    (tmp_path / PACKAGE_PATH / "broken.proto").write_text('syntax = "proto3";\nmessage {\n')

    with pytest.raises(GenerationFailed, match=r"broken\.proto"):
        generate(tmp_path / "out", root=tmp_path)
