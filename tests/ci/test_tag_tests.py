"""`.ci/tag-tests`: which tests a stage tag's change calls for, on a throwaway repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from strangler.config import REPO_ROOT

SCRIPT = REPO_ROOT / ".ci" / "tag-tests"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def write(repo: Path, *paths: str) -> None:
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(f"# {path}\n")


def tag(repo: Path, name: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", name)
    git(repo, "tag", name)


def selection(repo: Path, previous: str, current: str) -> tuple[list[str], list[str]]:
    out = subprocess.run(
        ["python3", str(SCRIPT), previous, current],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return out[0].split(), out[1].split()


def base(repo: Path) -> None:
    git(repo, "init", "-q")
    write(
        repo,
        "monolith/orders/services.py",
        "monolith/orders/tests/test_services.py",
        "monolith/catalog/tests/test_catalog.py",
        "strangler/config.py",
        "strangler/tests/test_config.py",
        "extracted/fraud/manage.py",
        "docs/concepts.md",
        "gateway/app.py",
        "gateway/tests/test_app.py",
    )
    tag(repo, "stage-0")


def test_a_change_selects_its_packages_tests_the_services_it_touches_and_the_checks_of_the_tree(
    tmp_path: Path,
) -> None:
    base(tmp_path)
    write(
        tmp_path,
        "monolith/orders/http_fraud.py",
        "extracted/fraud/screening/rules.py",
        "docs/stages/4.md",
        "gateway/routes/stage-1.yaml",  # the stage's data: the manifest's tests load it
    )
    tag(tmp_path, "stage-1")
    paths, services = selection(tmp_path, "stage-0", "stage-1")
    assert paths == ["monolith/orders/tests", "strangler/stages/tests", "tests/architecture"]
    assert services == ["fraud"]


def test_an_edited_kit_file_runs_every_service_and_an_added_app_runs_every_test(
    tmp_path: Path,
) -> None:
    base(tmp_path)
    (tmp_path / "strangler/config.py").write_text("# edited\n")
    write(tmp_path, "monolith/outbox/apps.py")
    tag(tmp_path, "stage-1")
    paths, services = selection(tmp_path, "stage-0", "stage-1")
    assert paths == ["bench", "gateway", "monolith", "strangler", "tests"]
    assert services == ["fraud"]


def test_a_retired_file_runs_the_tests_left_in_its_package_and_a_new_test_runs_itself(
    tmp_path: Path,
) -> None:
    base(tmp_path)
    (tmp_path / "monolith/orders/services.py").unlink()
    write(tmp_path, "strangler/http/client.py", "strangler/http/tests/test_client.py")
    tag(tmp_path, "stage-1")
    paths, services = selection(tmp_path, "stage-0", "stage-1")
    assert paths == [
        "monolith/orders/tests",
        "strangler/http/tests",
        "strangler/stages/tests",
        "tests/architecture",
    ]
    assert services == []
