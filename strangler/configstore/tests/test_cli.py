"""``python -m strangler config diff|sync|history``, end to end through the kit's entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from strangler import __main__ as kit
from strangler.configstore import cli
from strangler.configstore.connect import open_store
from strangler.configstore.folder import Change
from strangler.configstore.store import Snapshot
from strangler.configstore.tests.conftest import EtcdServer

MONOLITH = "FRAUD_TIMEOUT: 2.0\nFRAUD_BREAKER_FAILURES: 5\n"


@pytest.fixture(autouse=True)
def _no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the repository a test makes names an author: not the machine's git config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("USER", "operator")
    monkeypatch.delenv("CONFIG_STORE_URL", raising=False)
    monkeypatch.delenv("CONFIG_ENVIRONMENT", raising=False)
    monkeypatch.setenv("STRANGLER_VAR_DIR", str(tmp_path / "var"))  # the default store's


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.mkdir()
    (path / "monolith.yaml").write_text(MONOLITH)
    (path / "inventory.yaml").write_text("RESERVE_TIMEOUT: 1.5\n")
    return path


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'store'}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = kit.main(["config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _rows(out: str) -> list[list[str]]:
    lines = out.strip().splitlines()
    assert set(lines[1]) <= {"-", " "}, out  # the table's rule
    return [line.split() for line in lines[2:] if line.strip()]


def test_diff_shows_what_sync_would_do_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    open_store(store).apply("monolith", {"FRAUD_TIMEOUT": 3.0, "OLD": "x"}, author="a", source="s")
    code, out, err = _run(capsys, "diff", "--store", store, "--folder", str(folder))
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["service", "setting", "in", "the", "store", "in",
                                           "Git", "change"]  # fmt: skip
    assert _rows(out) == [
        ["inventory", "RESERVE_TIMEOUT", "-", "1.5", "added"],
        ["monolith", "FRAUD_BREAKER_FAILURES", "-", "5", "added"],
        ["monolith", "FRAUD_TIMEOUT", "3.0", "2.0", "changed"],
        ["monolith", "OLD", '"x"', "-", "removed"],
    ]
    assert open_store(store).read("inventory") == Snapshot(0, {})


def test_sync_applies_each_service_once_then_a_second_sync_is_in_sync(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    code, out, err = _run(capsys, "sync", "--store", store, "--folder", str(folder))
    assert (code, err) == (0, ""), err
    assert "inventory: 1 settings written, revision 1" in out
    assert "monolith: 2 settings written, revision 1" in out
    assert open_store(store).read("monolith") == Snapshot(
        1, {"FRAUD_TIMEOUT": 2.0, "FRAUD_BREAKER_FAILURES": 5}
    )
    [entry] = open_store(store).history("monolith")
    assert (entry.author, entry.source) == ("operator", f"folder:{folder}")

    assert _run(capsys, "sync", "--store", store, "--folder", str(folder)) == (0, "in sync\n", "")
    assert _run(capsys, "diff", "--store", store, "--folder", str(folder)) == (0, "in sync\n", "")


def test_sync_for_an_environment_writes_its_values_and_the_history_names_it(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    production = folder / "environments" / "production"
    production.mkdir(parents=True)
    (production / "monolith.yaml").write_text("FRAUD_TIMEOUT: 4.0\n")

    code, _, err = _run(
        capsys, "sync", "--store", store, "--folder", str(folder), "--environment", "production"
    )
    assert (code, err) == (0, ""), err
    assert open_store(store).read("monolith").values == {
        "FRAUD_TIMEOUT": 4.0,
        "FRAUD_BREAKER_FAILURES": 5,
    }
    [entry] = open_store(store).history("monolith")
    assert entry.source == f"folder:{folder} (production)"

    code, _, err = _run(capsys, "diff", "--store", store, "--folder", str(folder),
                        "--environment", "staging")  # fmt: skip
    assert code == 1 and "environments/staging: no such folder" in err


def test_sync_records_the_git_author_and_commit_and_a_dirty_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: str
) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is not installed")
    repo = tmp_path / "repo"
    folder = repo / "deploy" / "config"
    folder.mkdir(parents=True)
    (folder / "monolith.yaml").write_text(MONOLITH)

    def git(*argv: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    git("init", "-q")
    git("config", "user.name", "Ada Lovelace")
    git("config", "user.email", "ada@example.com")
    git("add", ".")
    git("commit", "-q", "-m", "config")
    head = git("rev-parse", "--short", "HEAD")

    assert _run(capsys, "sync", "--store", store, "--folder", str(folder))[0] == 0
    (folder / "monolith.yaml").write_text(MONOLITH.replace("5", "3"))
    assert _run(capsys, "sync", "--store", store, "--folder", str(folder))[0] == 0
    dirty, clean = open_store(store).history("monolith")
    assert (clean.author, clean.source) == ("Ada Lovelace", f"git:{head}")
    assert (dirty.author, dirty.source) == ("Ada Lovelace", f"git:{head}+dirty")


def test_sync_dry_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    code, out, _ = _run(capsys, "sync", "--dry-run", "--store", store, "--folder", str(folder))
    assert code == 0 and "dry run: nothing written" in out and "added" in out
    assert open_store(store).read("monolith").revision == 0


def test_sync_of_one_service_leaves_the_others(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    code, out, _ = _run(
        capsys, "sync", "--service", "inventory", "--store", store, "--folder", str(folder)
    )
    assert code == 0 and "monolith" not in out
    assert open_store(store).read("monolith").revision == 0
    assert open_store(store).read("inventory").values == {"RESERVE_TIMEOUT": 1.5}


def test_a_sync_that_someone_else_s_change_overtook_is_refused_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    store: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another person's sync lands between this one's read of the store and its write."""
    real_diff = cli.diff

    def overtaken(*args: object) -> list[Change]:
        open_store(store).apply("monolith", {"FRAUD_TIMEOUT": 9.0}, author="bob", source="s")
        return real_diff(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "diff", overtaken)
    code, out, err = _run(capsys, "sync", "--service", "monolith", "--store", store,
                          "--folder", str(folder))  # fmt: skip
    assert code == 1 and "FRAUD_TIMEOUT" in out  # the table, then the refusal
    assert err.count("\n") == 1 and err.startswith("config sync: monolith: the config changed")
    assert "nothing written for monolith" in err
    assert open_store(store).read("monolith").values == {"FRAUD_TIMEOUT": 9.0}


def test_history_lists_each_change_newest_first(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    _run(capsys, "sync", "--store", store, "--folder", str(folder))
    (folder / "monolith.yaml").write_text("FRAUD_TIMEOUT: 0.5\n")
    _run(capsys, "sync", "--store", store, "--folder", str(folder))

    code, out, err = _run(capsys, "history", "--service", "monolith", "--store", store)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["revision", "when", "author", "source", "setting",
                                           "old", "new"]  # fmt: skip
    rows = _rows(out)
    assert [(r[0], r[2], r[4], r[5], r[6]) for r in rows] == [
        ("2", "operator", "FRAUD_BREAKER_FAILURES", "5", "-"),
        ("2", "operator", "FRAUD_TIMEOUT", "2.0", "0.5"),
        ("1", "operator", "FRAUD_BREAKER_FAILURES", "-", "5"),
        ("1", "operator", "FRAUD_TIMEOUT", "-", "2.0"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[1]) for r in rows)

    code, out, _ = _run(capsys, "history", "--service", "monolith", "--setting",
                        "FRAUD_TIMEOUT", "--store", store)  # fmt: skip
    assert [r[6] for r in _rows(out)] == ["0.5", "2.0"]
    assert _run(capsys, "history", "--service", "billing", "--store", store)[1] == (
        "no changes recorded for billing\n"
    )


def test_the_store_defaults_to_config_store_url(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    store: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONFIG_STORE_URL", store)
    assert _run(capsys, "sync", "--folder", str(folder))[0] == 0
    assert open_store(store).read("monolith").revision == 1


def test_without_config_store_url_the_store_is_the_embedded_one_under_the_var_dir(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    tmp_path: Path,
) -> None:
    assert _run(capsys, "sync", "--folder", str(folder))[0] == 0
    assert open_store(f"file://{tmp_path / 'var' / 'config'}").read("monolith").revision == 1


def test_sync_to_etcd_then_history(
    capsys: pytest.CaptureFixture[str], folder: Path, etcd_server: EtcdServer
) -> None:
    url = f"{etcd_server.url}/cli-{folder.parent.name}"
    code, out, err = _run(capsys, "sync", "--store", url, "--folder", str(folder))
    assert code == 0, err
    [revision] = re.findall(r"monolith: 2 settings written, revision (\d+)", out)
    assert open_store(url).read("monolith").revision == int(revision)
    code, out, _ = _run(capsys, "history", "--service", "monolith", "--store", url)
    assert {r[0] for r in _rows(out)} == {revision}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diff", "--store", "redis://localhost:6379"], "config diff: config store "
         "'redis://localhost:6379': unknown scheme"),
        (["history", "--service", "monolith", "--store", "file://relative"],
         "file:///absolute/dir"),
        (["diff", "--service", "billing"], "billing.yaml: no such file"),
        (["history", "--service", "Bad/Name", "--store", "file:///tmp"], "bad service name"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_on_stderr_and_exit_1(
    capsys: pytest.CaptureFixture[str], folder: Path, argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *argv, *(["--folder", str(folder)] if argv[0] != "history"
                                            else []))  # fmt: skip
    assert (code, out) == (1, "")
    assert message in err and err.count("\n") == 1, err


def test_an_unreachable_etcd_is_exit_1_naming_it(
    capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path
) -> None:
    url = EtcdServer(tmp_path / "never-started").url
    code, out, err = _run(capsys, "sync", "--store", url, "--folder", str(folder))
    assert (code, out) == (1, "")
    assert (
        err == f"config sync: config store {url}/strangler is out of reach (connection refused)\n"
    )


def test_a_bad_folder_file_is_exit_1_naming_it(
    capsys: pytest.CaptureFixture[str], folder: Path, store: str
) -> None:
    (folder / "monolith.yaml").write_text("LIMITS:\n  FAILURES: 5\n")
    code, out, err = _run(capsys, "diff", "--store", store, "--folder", str(folder))
    assert (code, out) == (1, "")
    assert err == (
        f"config diff: {folder / 'monolith.yaml'}: LIMITS is a nested mapping; "
        "a value is an int, a float, a bool or a str\n"
    )


def test_a_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        kit.main(["config", "history"])  # --service is required
    assert exited.value.code == 2
    assert "--service" in capsys.readouterr().err
