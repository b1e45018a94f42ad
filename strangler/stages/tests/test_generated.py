"""``stage generate``: the committed files derived from the manifest are what it gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages import cli, generated
from strangler.stages.manifest import STAGES


def test_every_committed_generated_file_is_what_the_generator_gives() -> None:
    stale = generated.stale(STAGES)
    assert not stale, f"stale generated files {stale}: python -m strangler stage generate"


def test_each_stage_has_its_kubernetes_manifests_and_prometheus_configuration() -> None:
    paths = {f.path for f in generated.files(STAGES)}
    for stage in STAGES:
        assert f"deploy/k8s/stage-{stage.number}.yaml" in paths
        assert f"docs/prometheus/stage-{stage.number}.yml" in paths
    assert "docker-compose.yml" in paths


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The generated files of the checkout, in a folder the CLI takes for the repository."""
    for path in generated.rendered(STAGES, generated.reader(REPO_ROOT)):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / path, tmp_path / path)
    monkeypatch.setattr(cli, "REPO_ROOT", tmp_path)
    return tmp_path


def test_check_names_each_hand_edited_or_missing_file_and_fails(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = copy / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("pg_isready", "pg_ready", 1))
    (copy / "deploy" / "k8s" / f"stage-{STAGES[-1].number}.yaml").unlink()

    assert cli.main(["generate", "--check"]) == 1

    err = capsys.readouterr().err
    assert "stale: docker-compose.yml" in err
    assert f"stale: deploy/k8s/stage-{STAGES[-1].number}.yaml" in err
    assert err.count("stale: ") == 2


def test_generate_writes_what_is_stale_and_then_the_check_passes(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = copy / "docker-compose.yml"
    compose.write_text("services: {}\n")

    assert cli.main(["generate"]) == 0
    assert capsys.readouterr().out == "wrote docker-compose.yml\n"
    assert cli.main(["generate", "--check"]) == 0
    assert compose.read_text() == (REPO_ROOT / "docker-compose.yml").read_text()


def test_a_region_is_rendered_between_its_lines_and_the_rest_is_left_as_written() -> None:
    text = "# Title\n<!-- begin generated: t -->\nold\n<!-- end generated: t -->\nafter\n"
    assert generated.replace_region(text, "t", "new\nrows\n") == (
        "# Title\n<!-- begin generated: t -->\nnew\nrows\n<!-- end generated: t -->\nafter\n"
    )


def test_a_page_whose_region_lines_were_removed_is_a_clear_error(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = copy / "docs" / "operations.md"
    page.write_text(page.read_text().replace("end generated: stage-commands", "end"))

    assert cli.main(["generate"]) == 2

    err = capsys.readouterr().err
    assert "docs/operations.md: wants one 'begin generated: stage-commands' line" in err
