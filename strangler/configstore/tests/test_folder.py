"""The folder in Git: flat files of setting names and scalars, and their diff with the store."""

from __future__ import annotations

import importlib
import runpy
from pathlib import Path
from typing import Any

import pytest

from strangler.config import REPO_ROOT
from strangler.configstore.folder import (
    ENVIRONMENTS,
    Change,
    FolderError,
    diff,
    read_environment,
    read_folder,
)


def _folder(tmp_path: Path, **files: str) -> Path:
    for service, text in files.items():
        (tmp_path / f"{service}.yaml").write_text(text)
    return tmp_path


def test_each_file_is_a_service_s_settings_with_their_types(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        monolith="# comment\nTIMEOUT: 2.0\nFAILURES: 5\nCHECKS: true\nMODE: strict\nCODE: '5'\n",
        inventory="",
    )
    (tmp_path / "README.md").write_text("not a service")
    assert read_folder(folder) == {
        "inventory": {},
        "monolith": {"TIMEOUT": 2.0, "FAILURES": 5, "CHECKS": True, "MODE": "strict", "CODE": "5"},
    }


def _settings_of(service: str) -> dict[str, Any]:
    """The service's settings module's names, run from its file: importing an extracted
    service's ``service`` package would create its Celery app in this test process."""
    if service == "monolith":
        return vars(importlib.import_module("monolith.shop.settings"))
    return runpy.run_path(str(REPO_ROOT / "extracted" / service / "service" / "settings.py"))


@pytest.mark.parametrize("service", ["monolith", "payments"])
def test_the_repository_s_folder_holds_each_service_s_dynamic_settings_at_their_defaults(
    service: str,
) -> None:
    """A name the process does not read live would change nothing; a value other than the
    settings' default would make the store and the environment disagree before stage 5."""
    own = _settings_of(service)
    assert read_folder(REPO_ROOT / "deploy" / "config")[service] == {
        name: own[name] for name in own["DYNAMIC_SETTINGS"]
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LIMITS:\n  FAILURES: 5\n", "LIMITS is a nested mapping"),
        ("HOSTS: [a, b]\n", "HOSTS is a list"),
        ("EMPTY:\n", "EMPTY is empty"),
        ("SINCE: 2024-01-01\n", "SINCE is a date"),
        ("RATE: .nan\n", "RATE is nan"),
        ("timeout: 2\n", "'timeout' is not a setting name"),
        ("1ST: 2\n", "'1ST' is not a setting name"),
        ("A: 1\nA: 2\n", "A is given twice"),
        ("A: [1\n", "not valid YAML"),
        ("- A\n- B\n", "not a mapping"),
    ],
)
def test_a_bad_file_is_an_error_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    _folder(tmp_path, monolith=text)
    with pytest.raises(FolderError, match=message) as raised:
        read_folder(tmp_path)
    assert str(raised.value).startswith(str(tmp_path / "monolith.yaml"))


def test_a_file_not_named_after_a_service_and_a_missing_folder_are_errors(tmp_path: Path) -> None:
    _folder(tmp_path, Monolith="A: 1\n")
    with pytest.raises(FolderError, match="'Monolith' is not a service name"):
        read_folder(tmp_path)
    with pytest.raises(FolderError, match="no such folder"):
        read_folder(tmp_path / "absent")


def test_an_environment_changes_the_values_its_files_name_and_leaves_the_rest(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, monolith="TIMEOUT: 2.0\nFAILURES: 5\n", inventory="WAIT: 1.0\n")
    _folder(_environment(folder, "production"), monolith="TIMEOUT: 4.0\n")

    assert read_environment(folder, "production") == {
        "monolith": {"TIMEOUT": 4.0, "FAILURES": 5},
        "inventory": {"WAIT": 1.0},
    }
    assert read_environment(folder, None) == read_folder(folder)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"monolith": "TIMEOUTS: 4.0\n"}, "TIMEOUTS not in monolith.yaml"),
        ({"monolith": "TIMEOUT: 4\n"}, "TIMEOUT is 4 here, of another type than 2.0"),
        ({"payments": "TIMEOUT: 4.0\n"}, "no payments.yaml for it to change"),
    ],
    ids=["a-setting-the-service-lacks", "another-type", "a-service-the-folder-lacks"],
)
def test_an_environment_that_adds_a_setting_or_changes_a_type_is_refused(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    folder = _folder(tmp_path, monolith="TIMEOUT: 2.0\n")
    _folder(_environment(folder, "production"), **files)
    with pytest.raises(FolderError, match=message):
        read_environment(folder, "production")
    with pytest.raises(FolderError, match="no such folder"):
        read_environment(folder, "staging")
    with pytest.raises(FolderError, match="not an environment name"):
        read_environment(folder, "../production")


def test_the_repository_s_environments_lay_over_its_folder_cleanly() -> None:
    folder = REPO_ROOT / "deploy" / "config"
    environments = sorted(path.name for path in (folder / ENVIRONMENTS).iterdir())
    assert environments, "deploy/config/environments/ holds no environment"
    for environment in environments:
        assert read_environment(folder, environment) != read_folder(folder), environment


def _environment(folder: Path, name: str) -> Path:
    path = folder / ENVIRONMENTS / name
    path.mkdir(parents=True)
    return path


def test_diff_lists_what_is_added_changed_and_removed() -> None:
    changes = diff(
        {"monolith": {"A": 1, "B": 2.0, "C": "x", "D": True}, "inventory": {"E": 1}},
        {"monolith": {"A": 1, "B": 3.0, "C": "x", "F": 9}, "other": {"G": 1}},
    )
    assert changes == [
        Change("inventory", "E", None, 1),
        Change("monolith", "B", 3.0, 2.0),
        Change("monolith", "D", None, True),
        Change("monolith", "F", 9, None),
    ]
    assert [c.kind for c in changes] == ["added", "changed", "added", "removed"]


def test_diff_counts_a_change_of_type_as_a_change() -> None:
    assert diff({"m": {"A": 5, "B": 1, "C": "1"}}, {"m": {"A": 5.0, "B": True, "C": 1}}) == [
        Change("m", "A", 5.0, 5),
        Change("m", "B", True, 1),
        Change("m", "C", 1, "1"),
    ]


def test_diff_of_equal_values_is_empty() -> None:
    assert diff({"m": {"A": 1}, "n": {}}, {"m": {"A": 1}}) == []
