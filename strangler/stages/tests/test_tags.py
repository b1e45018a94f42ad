"""The tag command: a commit per stage, cut from main, parented on the stage before."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.manifest import ProcessSpec, Stage
from strangler.stages.tags import Read, Repo, TagError, build, cut_text, introduced_by, plan

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def marked(text: str) -> str:
    """Marker lines written as ``@>>>``/``@<<<``/``@ge1``, so this file itself has none: the
    tag command would otherwise cut these very examples out of stage 0's copy of it."""
    return (
        text.replace("@>>>", "# >>>").replace("@<<<", "# <<<").replace("@ge1", "<!-- stage>=1 -->")
    )


MAKEFILE = marked("""all:
\techo base
@>>> stage 1
svc:
\techo svc
@<<< stage 1
| stage-0 | base |
| stage-1 | svc | @ge1
""")


def test_a_later_stage_block_is_left_out_and_markers_are_stripped() -> None:
    assert cut_text(MAKEFILE, 0) == "all:\n\techo base\n| stage-0 | base |\n"
    assert cut_text(MAKEFILE, 1) == (
        "all:\n\techo base\nsvc:\n\techo svc\n| stage-0 | base |\n| stage-1 | svc |\n"
    )


PYTHON = marked("""import x


@>>> stage 1
def one() -> None:
    pass


@<<< stage 1


def zero() -> None:
    pass
""")


def test_python_keeps_two_blank_lines_between_functions_with_or_without_the_block() -> None:
    assert cut_text(PYTHON, 0) == "import x\n\n\ndef zero() -> None:\n    pass\n"
    assert cut_text(PYTHON, 1) == (
        "import x\n\n\ndef one() -> None:\n    pass\n\n\ndef zero() -> None:\n    pass\n"
    )


def test_line_endings_survive_the_cut() -> None:
    assert cut_text(marked("a\r\nb @ge1\r\nc\r\n"), 1) == "a\r\nb\r\nc\r\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (marked("@>>> stage 1\n@>>> stage 2\n"), "nested"),
        (marked("@<<< stage 1\n"), "closes nothing"),
        (marked("@>>> stage 1\nx\n"), "never closed"),
    ],
)
def test_a_broken_marker_is_named_with_its_file(text: str, problem: str) -> None:
    with pytest.raises(TagError, match=problem):
        cut_text(text, 0, source="Makefile")


def test_introduced_paths_are_files_folders_or_globs() -> None:
    patterns = ("gateway/", "docs/stages/1-gateway.md", "monolith/inventory/tests/test_grpc*.py")
    assert introduced_by("gateway/server.py", patterns)
    assert introduced_by("docs/stages/1-gateway.md", patterns)
    assert introduced_by("monolith/inventory/tests/test_grpc_server.py", patterns)
    assert not introduced_by("gateway.py", patterns)
    assert not introduced_by("monolith/inventory/tests/test_services.py", patterns)


def _stages() -> list[Stage]:
    web = ProcessSpec(name="web", argv=("x", "{port}"), ready="http", port_name="web")
    zero = Stage(
        number=0, tag="stage-0-base", title="base", setup=(), processes=(web,), entrypoint="web"
    )
    one = zero.extend(number=1, tag="stage-1-svc", title="svc", introduces=("svc/",))
    return [zero, one]


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **IDENTITY}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "Makefile").write_text(MAKEFILE)
    (root / "base.txt").write_text("base\n")
    (root / "svc").mkdir()
    (root / "svc" / "app.py").write_text("print('svc')\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "main with every stage")
    return Repo(root, env=IDENTITY)


def test_each_stage_gets_a_commit_parented_on_the_stage_before(repo: Repo) -> None:
    made = build(repo, _stages(), log=lambda message: None)

    assert set(made) == {"stage-0-base", "stage-1-svc"}
    assert _git(repo.root, "ls-tree", "-r", "--name-only", "stage-0-base").split() == [
        "Makefile",
        "base.txt",
    ]
    assert _git(repo.root, "show", "stage-0-base:Makefile") == cut_text(MAKEFILE, 0)
    assert _git(repo.root, "rev-parse", "stage-1-svc^") == made["stage-0-base"] + "\n"
    assert _git(repo.root, "rev-list", "--count", "stage-0-base").strip() == "1"
    diff = _git(repo.root, "diff", "--name-only", "stage-0-base", "stage-1-svc").split()
    assert diff == ["Makefile", "svc/app.py"]


def test_tagging_again_changes_nothing_and_a_moved_tag_needs_force(repo: Repo) -> None:
    first = build(repo, _stages(), log=lambda message: None)
    messages: list[str] = []
    assert build(repo, _stages(), log=messages.append) == first
    assert all(m.startswith("up to date") for m in messages)

    (repo.root / "base.txt").write_text("changed\n")
    _git(repo.root, "commit", "-q", "-am", "change")
    with pytest.raises(TagError, match="stage-0-base exists"):
        build(repo, _stages(), log=lambda message: None)
    moved = build(repo, _stages(), force=True, log=lambda message: None)
    assert moved["stage-0-base"] != first["stage-0-base"]


def _deployed(stages: Sequence[Stage], read: Read) -> dict[str, str]:
    """A generated file per stage, one listing them all, and a line appended to base.txt (a
    generated region of a hand-written file), as strangler.stages.generated has them."""
    files = {f"deploy/{s.number}.txt": f"{s.tag}\n" for s in stages}
    files["all.txt"] = "".join(f"{s.number}\n" for s in stages)
    base = read("base.txt")
    assert base is not None
    files["base.txt"] = base.split("generated:")[0] + f"generated: {stages[-1].tag}\n"
    return files


def test_each_tag_commits_the_generated_files_of_the_stages_up_to_its_own(repo: Repo) -> None:
    build(repo, _stages(), log=lambda message: None, generate=_deployed)

    assert _git(repo.root, "show", "stage-0-base:all.txt") == "0\n"
    assert _git(repo.root, "show", "stage-1-svc:all.txt") == "0\n1\n"
    assert _git(repo.root, "show", "stage-1-svc:deploy/1.txt") == "stage-1-svc\n"
    assert _git(repo.root, "show", "stage-0-base:base.txt") == "base\ngenerated: stage-0-base\n"
    stage_0 = _git(repo.root, "ls-tree", "-r", "--name-only", "stage-0-base").split()
    assert stage_0 == ["Makefile", "all.txt", "base.txt", "deploy/0.txt"]


def test_a_generated_file_of_a_later_stage_committed_on_main_is_left_out(repo: Repo) -> None:
    for path, text in _deployed(_stages(), lambda path: (repo.root / path).read_text()).items():
        (repo.root / path).parent.mkdir(exist_ok=True)
        (repo.root / path).write_text(text)
    _git(repo.root, "add", ".")
    _git(repo.root, "commit", "-q", "-m", "generated files")

    build(repo, _stages(), log=lambda message: None, generate=_deployed)

    stage_0 = _git(repo.root, "ls-tree", "-r", "--name-only", "stage-0-base").split()
    assert "deploy/1.txt" not in stage_0
    assert _git(repo.root, "show", "stage-0-base:all.txt") == "0\n"
    assert _git(repo.root, "show", "stage-0-base:base.txt") == "base\ngenerated: stage-0-base\n"


def test_dry_run_makes_no_tag(repo: Repo) -> None:
    messages: list[str] = []
    assert build(repo, _stages(), dry_run=True, log=messages.append) == {}
    assert _git(repo.root, "tag", "--list") == ""
    assert messages[0].startswith("would tag stage-0-base: 1 files of later stages left out")
    assert plan(repo, _stages())[0].removed == ("svc/app.py",)


def test_a_retired_path_leaves_its_stage_and_every_later_one(repo: Repo) -> None:
    zero, one = _stages()
    two = one.extend(number=2, tag="stage-2-new", title="new", retires=("base.txt",))
    three = two.extend(number=3, tag="stage-3-more", title="more")

    cuts = {cut.stage.number: cut for cut in plan(repo, [zero, one, two, three])}

    assert cuts[0].removed == ("svc/app.py",)
    assert cuts[1].removed == ()
    assert cuts[2].removed == ("base.txt",)
    assert cuts[3].removed == ("base.txt",)
    assert three.retires == ()  # retires belongs to the stage that declares it


def test_a_retired_folder_is_gone_from_the_tag_and_kept_on_main(repo: Repo) -> None:
    zero, one = _stages()
    two = one.extend(number=2, tag="stage-2-new", title="new", retires=("svc/",))

    build(repo, [zero, one, two], log=lambda message: None)

    assert "svc/app.py" in _git(repo.root, "ls-tree", "-r", "--name-only", "stage-1-svc").split()
    assert _git(repo.root, "ls-tree", "-r", "--name-only", "stage-2-new").split() == [
        "Makefile",
        "base.txt",
    ]
    diff = _git(repo.root, "diff", "--name-status", "stage-1-svc", "stage-2-new").split()
    assert diff == ["D", "svc/app.py"]
    assert (repo.root / "svc" / "app.py").is_file()


def ruff_problems(tree: Path) -> set[str]:
    """``check:<file>`` and ``format:<file>`` for every file ruff finds fault with."""
    ruff = str(Path(sys.executable).parent / "ruff")
    check = subprocess.run(
        [ruff, "check", "--no-cache", "--output-format", "concise", "--quiet", "."],
        cwd=tree, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    fmt = subprocess.run(
        [ruff, "format", "--no-cache", "--check", "."],
        cwd=tree, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    problems = {f"check:{line.split(':', 1)[0]}" for line in check.splitlines() if ":" in line}
    for line in fmt.splitlines():  # "Would reformat: f" (older ruff) or "  --> f:1:1"
        if line.startswith("Would reformat: "):
            problems.add(f"format:{line.removeprefix('Would reformat: ')}")
        elif line.strip().startswith("--> "):
            problems.add(f"format:{line.strip().removeprefix('--> ').split(':', 1)[0]}")
    return problems


@pytest.mark.skipif(
    not (REPO_ROOT / ".git").exists(), reason="the kit is not a git checkout here (an archive)"
)
def test_a_fresh_clone_gets_a_tag_per_stage_whose_tree_runs_that_stage(tmp_path: Path) -> None:
    """The kit itself, from its last commit: every tag imports, and its last stage is its own."""
    clone = tmp_path / "clone"
    # --no-tags: run inside a checked-out stage tag (CI's .ci/tags), the clone starts clean.
    _git(tmp_path, "clone", "-q", "--no-tags", str(REPO_ROOT), str(clone))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env["PYTHONPATH"] = str(clone)
    result = subprocess.run(
        [sys.executable, "-m", "strangler", "stage", "tag"],
        cwd=clone, env={**env, **IDENTITY}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    tags = _git(clone, "tag", "--list", "stage-*").split()
    assert tags, result.stdout

    from strangler.stages import generated
    from strangler.stages.manifest import STAGES

    tags.sort(key=lambda t: int(t.split("-")[1]))
    assert tags == [s.tag for s in STAGES]  # numbers may have gaps (stages added later)
    main_problems = ruff_problems(clone)
    for tag in tags:
        tree = tmp_path / tag
        archive = subprocess.run(
            ["git", "archive", tag], cwd=clone, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        probe = subprocess.run(
            [
                sys.executable, "-c",
                "from strangler.stages.manifest import STAGES; print(STAGES[-1].tag)",
            ],
            cwd=tree, env={**env, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        assert probe.returncode == 0, f"{tag}: the manifest does not import\n{probe.stderr}"
        assert probe.stdout.strip() == tag
        # A tag adds no lint problem of its own: whatever fails there fails on main too.
        new_problems = ruff_problems(tree) - main_problems
        assert not new_problems, f"{tag}: ruff fails only on the tag: {sorted(new_problems)}"

    repo = Repo(clone)
    cuts = {cut.stage.tag: cut for cut in plan(repo, STAGES)}
    generated_paths = set(generated.rendered(STAGES, generated.reader(clone)))
    for before, after in itertools.pairwise(tags):
        allowed = set(cuts[after].rewritten) | generated_paths
        changed = _git(clone, "diff", "--name-only", before, after).split()
        stray = [
            p
            for p in changed
            if p not in allowed
            and not introduced_by(p, (*cuts[after].stage.introduces, *cuts[after].stage.retires))
        ]
        assert not stray, f"{before} -> {after} touches paths of no step: {stray}"
