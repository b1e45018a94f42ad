"""``python -m strangler stage tag``: one git tag per stage, cut from main.

main holds every stage at once; a stage's tag is a commit whose tree is main's tree as it was
when that stage was the last one:

1. Paths a later stage introduces (``Stage.introduces``: files, ``folder/``, globs) are left
   out. The manifest is a package with one module per stage, so leaving out ``stage_2.py``
   is what makes stage 1 the manifest's last stage on its tag; nothing is rewritten.
   Paths a stage retires (``Stage.retires``: the code it decommissions) are left out of its
   own tag and every later one; main keeps them, since it still runs every stage.
2. Files shared by every stage carry stage markers where discovery cannot do (a test counts
   them: tests/architecture/test_stage_markers.py), kept on main and stripped on every tag:

   - a block: a line ``# >>> stage 2`` (or ``// >>> stage 2``, ``<!-- >>> stage 2 -->``)
     up to ``# <<< stage 2``: the lines in between exist from stage 2 on (the blank lines
     right after the closing marker go with the block, so spacing stays as the file had it);
   - one line ending in ``# stage>=2`` (or ``<!-- stage>=2 -->``): that line exists from
     stage 2 on (for table rows, where a block would break the table).

3. Files generated from the manifest (``strangler.stages.generated``: docker-compose.yml,
   deploy/k8s/stage-N.yaml, ...) are rendered again from the stages up to N, and the generated
   files of later stages are left out: a tag commits what its own generator gives.

Each tag's commit has the previous stage's tag as its parent, so
``git diff stage-0-monolith stage-1-gateway`` shows exactly the step. The commits take the
author, committer and date of the main commit they are cut from: the same main commit
always gives the same tags. Tags are made in the clone the command runs in (on a fresh
clone: main never carries them). A tag that exists and points elsewhere is an error unless
``--force``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, Stage

BLOCK = re.compile(r"^\s*(?:#|//|<!--)\s*(>>>|<<<) stage (\d+)\s*(?:-->)?\s*$")
LINE = re.compile(r"\s*(?:#|<!--)\s*stage>=(\d+)\s*(?:-->)?\s*$")
ANY_MARKER = r"(>>>|<<<) stage [0-9]|stage>=[0-9]"

Log = Callable[[str], None]
# The generated files for the stages given (stage 0 up to one stage): path -> content,
# given how to read a path's text before generation (None: not in the tree).
Read = Callable[[str], "str | None"]
Generate = Callable[[Sequence[Stage], Read], dict[str, str]]


def _no_generated_files(stages: Sequence[Stage], read: Read) -> dict[str, str]:
    return {}


class TagError(RuntimeError):
    pass


def cut_text(text: str, number: int, *, source: str = "") -> str:
    """``text`` as stage ``number`` has it: later stages' blocks and lines out, markers gone."""
    out: list[str] = []
    open_block: int | None = None
    after_block = False
    for lineno, line in enumerate(text.splitlines(keepends=True), start=1):
        # The blank lines after a block's end go with the block: with or without it, the
        # spacing is what the file had around it (two blank lines between Python functions).
        if after_block and not line.strip():
            continue
        after_block = False
        block = BLOCK.match(line)
        if block:
            kind, stage = block.group(1), int(block.group(2))
            if kind == ">>>":
                if open_block is not None:
                    raise TagError(f"{source}:{lineno}: nested stage block")
                open_block = stage
            else:
                if open_block != stage:
                    raise TagError(f"{source}:{lineno}: '<<< stage {stage}' closes nothing")
                open_block, after_block = None, True
            continue
        if open_block is not None and open_block > number:
            continue
        only = LINE.search(line)
        if only:
            if int(only.group(1)) > number:
                continue
            ending = line[len(line.rstrip("\r\n")) :]
            line = line[: only.start()] + ending
        out.append(line)
    if open_block is not None:
        raise TagError(f"{source}: 'stage {open_block}' block never closed")
    return "".join(out)


def introduced_by(path: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/") and path.startswith(pattern):
            return True
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(path, pattern):
            return True
        if path == pattern:
            return True
    return False


@dataclass(frozen=True)
class Entry:
    mode: str
    sha: str
    path: str


@dataclass(frozen=True)
class Cut:
    stage: Stage
    removed: tuple[str, ...]
    rewritten: tuple[str, ...]


class Repo:
    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.env = {**os.environ, **(env or {})}

    def git(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise TagError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def entries(self, rev: str) -> list[Entry]:
        out = self.git("ls-tree", "-r", "-z", "--full-tree", rev)
        entries = []
        for record in filter(None, out.split("\0")):
            meta, path = record.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                entries.append(Entry(mode, sha, path))
        return entries

    def blob(self, rev: str, path: str) -> bytes:
        return subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=self.root, env=self.env, capture_output=True,
            check=True,
        ).stdout  # fmt: skip

    def store(self, content: bytes) -> str:
        return subprocess.run(
            ["git", "hash-object", "-w", "--stdin"], cwd=self.root, env=self.env, input=content,
            capture_output=True, check=True,
        ).stdout.decode().strip()  # fmt: skip

    def marked_files(self, rev: str) -> list[str]:
        """Text files holding a stage marker (``git grep`` exits 1 when none does)."""
        result = subprocess.run(
            ["git", "grep", "-l", "-I", "-E", "-z", ANY_MARKER, rev],
            cwd=self.root, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode not in (0, 1):
            raise TagError(f"git grep failed: {result.stderr.strip()}")
        return [name.split(":", 1)[1] for name in filter(None, result.stdout.split("\0"))]

    def tag_target(self, name: str) -> str | None:
        try:
            ref = f"refs/tags/{name}^{{commit}}"
            return self.git("rev-parse", "--verify", "--quiet", ref).strip()
        except TagError:
            return None


def plan(repo: Repo, stages: Sequence[Stage], rev: str = "HEAD") -> list[Cut]:
    entries = repo.entries(rev)
    marked = set(repo.marked_files(rev))
    cuts = []
    for stage in stages:
        later = [p for s in stages if s.number > stage.number for p in s.introduces]
        retired = [p for s in stages if s.number <= stage.number for p in s.retires]
        removed = tuple(e.path for e in entries if introduced_by(e.path, [*later, *retired]))
        rewritten = tuple(sorted(marked - set(removed)))
        cuts.append(Cut(stage=stage, removed=removed, rewritten=rewritten))
    return cuts


def build(
    repo: Repo,
    stages: Sequence[Stage],
    *,
    rev: str = "HEAD",
    dry_run: bool = False,
    force: bool = False,
    log: Log = print,
    generate: Generate = _no_generated_files,
) -> dict[str, str]:
    """Make (or, with ``dry_run``, describe) every stage's tag; returns tag -> commit.

    ``generate`` gives the generated files of the stages up to each tag's stage."""
    source = repo.git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    name, email, date = repo.git("log", "-1", "--format=%cn%x00%ce%x00%cI", source).split("\0")
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date.strip(),
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date.strip(),
    }
    made: dict[str, str] = {}
    parent: str | None = None
    every_generated = set(generate(stages, _reader(repo, source, stages[-1].number, ())))
    for cut in plan(repo, stages, source):
        tag = cut.stage.tag
        read = _reader(repo, source, cut.stage.number, cut.removed)
        files = generate([s for s in stages if s.number <= cut.stage.number], read)
        later = sorted(every_generated - set(files))
        summary = (
            f"{tag}: {len(cut.removed)} files of later stages left out, "
            f"{len(cut.rewritten)} files cut at stage {cut.stage.number}"
        )
        if dry_run:
            log(f"would tag {summary}")
            for path in cut.rewritten:
                log(f"    cut {path}")
            for path in files:
                log(f"    generate {path}")
            continue
        tree = _write_tree(repo, source, cut, files, later)
        message = (
            f"{tag}: {cut.stage.title}\n\nCut from {source[:12]} by "
            "`python -m strangler stage tag`: main's tree without the paths of later stages, "
            "stage markers applied.\n"
        )
        parents = ["-p", parent] if parent else []
        commit = repo.git("commit-tree", tree, *parents, "-F", "-", input=message, env=identity)
        commit = commit.strip()
        existing = repo.tag_target(tag)
        if existing == commit:
            log(f"up to date {tag} ({commit[:12]})")
        elif existing and not force:
            raise TagError(
                f"tag {tag} exists and points to {existing[:12]}, not {commit[:12]}: "
                "tag on a fresh clone, or pass --force to move it"
            )
        else:
            repo.git("tag", "-f", tag, commit)
            log(f"tagged {summary} ({commit[:12]})")
        made[tag] = commit
        parent = commit
    return made


def _reader(repo: Repo, source: str, number: int, removed: Sequence[str]) -> Read:
    """A path's text on the tag of stage ``number``, before generation."""
    present = {e.path for e in repo.entries(source)} - set(removed)

    def read(path: str) -> str | None:
        if path not in present:
            return None
        text = repo.blob(source, path).decode("utf-8", errors="surrogateescape")
        return cut_text(text, number, source=path)

    return read


def _write_tree(
    repo: Repo, source: str, cut: Cut, generated: dict[str, str], later: Sequence[str]
) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        repo.git("read-tree", source, env=index)
        removed = [*cut.removed, *later]
        if removed:
            repo.git(
                "update-index", "--force-remove", "-z", "--stdin",
                input="\0".join(removed) + "\0", env=index,
            )  # fmt: skip
        modes = {e.path: e.mode for e in repo.entries(source)}
        for path in cut.rewritten:
            text = repo.blob(source, path).decode("utf-8", errors="surrogateescape")
            content = cut_text(text, cut.stage.number, source=path)
            sha = repo.store(content.encode("utf-8", errors="surrogateescape"))
            repo.git("update-index", "--cacheinfo", f"{modes[path]},{sha},{path}", env=index)
        for path, text in generated.items():
            sha = repo.store(text.encode("utf-8", errors="surrogateescape"))
            mode = modes.get(path, "100644")
            repo.git("update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}", env=index)
        return repo.git("write-tree", env=index).strip()


def main(*, dry_run: bool, force: bool, rev: str = "HEAD") -> int:
    repo = Repo(REPO_ROOT)
    dirty = repo.git("status", "--porcelain", "--", "strangler/stages/manifest").strip()
    if dirty:
        print(f"stage tag: the manifest has uncommitted changes:\n{dirty}")
        return 1
    from strangler.stages import generated

    try:
        build(repo, STAGES, rev=rev, dry_run=dry_run, force=force, generate=generated.rendered)
    except (TagError, generated.GenerationError) as exc:
        print(f"stage tag: {exc}")
        return 1
    return 0
