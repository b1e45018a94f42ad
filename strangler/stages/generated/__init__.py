"""Files derived from the stage manifest: ``python -m strangler stage generate [--check]``.

Each generated file is a path and ``render(stages) -> str``, a function of the stages present
(stage 0 up to the last one in the manifest). ``files(stages)`` lists them: some exist once
(``docker-compose.yml``, one profile per stage), some once per stage
(``deploy/k8s/stage-N.yaml``, ``docs/prometheus/stage-N.yml``). A file can also be
hand-written around a generated region: the lines between two lines that say
``begin generated: NAME`` and ``end generated: NAME`` (in any comment syntax) are the
rendered text, the rest is left as written (the command table of ``docs/operations.md``).

The tag of stage N commits what ``files`` and ``render`` give for the stages up to N
(``strangler.stages.tags``), so on every tag the generated files are what that tag's own
generator gives, and the files of later stages are not in its tree.

To derive a new file (or region) from the manifest, add it to ``files``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest import Stage

Render = Callable[[Sequence[Stage]], str]
# The text a path has before generation (None: no such file): the checkout's, or a tag's.
Read = Callable[[str], str | None]


class GenerationError(ValueError):
    pass


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the repository's root, with "/"
    render: Render
    region: str = ""  # the name of a generated region of a hand-written file; "" for all of it

    def apply(self, stages: Sequence[Stage], current: str | None) -> str:
        """The file's text once generated: ``current`` with this region rendered again."""
        text = self.render(stages)
        if not self.region:
            return text
        if current is None:
            raise GenerationError(f"{self.path}: missing; it holds the region {self.region!r}")
        return replace_region(current, self.region, text, source=self.path)


def replace_region(text: str, name: str, body: str, *, source: str = "") -> str:
    lines = text.splitlines(keepends=True)
    begin = [i for i, line in enumerate(lines) if f"begin generated: {name}" in line]
    end = [i for i, line in enumerate(lines) if f"end generated: {name}" in line]
    if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
        raise GenerationError(
            f"{source}: wants one 'begin generated: {name}' line, then one 'end generated: "
            f"{name}' line (found {len(begin)} and {len(end)})"
        )
    return "".join([*lines[: begin[0] + 1], body, *lines[end[0] :]])


def _of_stage(number: int, render: Callable[[Stage], str]) -> Render:
    def of(stages: Sequence[Stage]) -> str:
        (stage,) = [s for s in stages if s.number == number]
        return render(stage)

    return of


def _prometheus(stage: Stage) -> str:
    from strangler.stages import prometheus
    from strangler.stages.runner import ports_for

    return prometheus.render(stage, ports_for(stage, {}, with_optional=True))


def files(stages: Sequence[Stage]) -> tuple[GeneratedFile, ...]:
    """Every file generated for ``stages`` (stage 0 up to the last stage present)."""
    from strangler.stages.generated import compose, kubernetes, tables

    found = [
        GeneratedFile("docker-compose.yml", compose.render),
        GeneratedFile("docs/operations.md", tables.deploy_commands, region="stage-commands"),
    ]
    for stage in stages:
        found.append(
            GeneratedFile(
                f"deploy/k8s/stage-{stage.number}.yaml", _of_stage(stage.number, kubernetes.render)
            )
        )
        found.append(
            GeneratedFile(
                f"docs/prometheus/stage-{stage.number}.yml", _of_stage(stage.number, _prometheus)
            )
        )
    return tuple(found)


def reader(root: Path) -> Read:
    def read(path: str) -> str | None:
        file = root / path
        return file.read_text() if file.is_file() else None

    return read


def rendered(stages: Sequence[Stage], read: Read) -> dict[str, str]:
    """Path -> text of every file generated for ``stages``; ``read`` gives a hand-written
    file's text around its regions."""
    out: dict[str, str] = {}
    for generated in files(stages):
        current = out[generated.path] if generated.path in out else read(generated.path)
        out[generated.path] = generated.apply(stages, current)
    return out


def stale(stages: Sequence[Stage], root: Path = REPO_ROOT) -> list[str]:
    """The generated files that are missing or differ from what the generator gives."""
    read = reader(root)
    return [path for path, text in rendered(stages, read).items() if read(path) != text]


def write(stages: Sequence[Stage], root: Path = REPO_ROOT) -> list[str]:
    """Write every generated file that is missing or stale; returns their paths."""
    written = []
    read = reader(root)
    for path, text in rendered(stages, read).items():
        if read(path) != text:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
            written.append(path)
    return written
