"""Files derived from the stage manifest: ``python -m strangler stage generate [--check]``.

Each generated file is a path and ``render(stages) -> str``, a function of the stages present
(stage 0 up to the last one in the manifest). ``files(stages)`` lists them: some exist once
(``docker-compose.yml``, one profile per stage), some once per stage
(``deploy/k8s/stage-N.yaml``, ``docs/prometheus/stage-N.yml``). The tag of stage N commits
what ``files`` and ``render`` give for the stages up to N (``strangler.stages.tags``), so on
every tag the committed files are what that tag's own generator gives, and the files of later
stages are not in its tree.

To derive a new file from the manifest, add it to ``files``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest import Stage

Render = Callable[[Sequence[Stage]], str]


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the repository's root, with "/"
    render: Render


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
    from strangler.stages.generated import compose, kubernetes

    found = [GeneratedFile("docker-compose.yml", compose.render)]
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


def rendered(stages: Sequence[Stage]) -> dict[str, str]:
    """Path -> content of every file generated for ``stages``."""
    return {generated.path: generated.render(stages) for generated in files(stages)}


def stale(stages: Sequence[Stage], root: Path = REPO_ROOT) -> list[str]:
    """The generated files that are missing or differ from what the generator gives."""
    out = []
    for generated in files(stages):
        path = root / generated.path
        if not path.is_file() or path.read_text() != generated.render(stages):
            out.append(generated.path)
    return out


def write(stages: Sequence[Stage], root: Path = REPO_ROOT) -> list[str]:
    """Write every generated file that is missing or stale; returns their paths."""
    written = []
    for generated in files(stages):
        path = root / generated.path
        text = generated.render(stages)
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(generated.path)
    return written
