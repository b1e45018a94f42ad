"""The stage manifest: what runs at each stage and how to start it.

One module per stage, ``stage_N.py``, each with ``build(previous) -> Stage`` that returns the
stage before it plus its own change (``previous.extend(...)``). The stages are the modules that
exist, numbered from 0 with gaps allowed: ``previous`` is the highest-numbered stage below N,
so adding ``stage_3.py`` slots stage 3 in before the stages after it, and the tag of stage N is
cut by leaving out the modules after N (see ``strangler.stages.tags``).
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest.model import PLACEHOLDER, ProcessSpec, Stage, Subscription
from strangler.stages.manifest.stage_0 import FLOWER, MANAGE, MONOLITH_WEB, MONOLITH_WORKER

__all__ = [
    "DEFAULT_PORTS",
    "FLOWER",
    "MANAGE",
    "MONOLITH_WEB",
    "MONOLITH_WORKER",
    "PLACEHOLDER",
    "STAGES",
    "ProcessSpec",
    "Stage",
    "Subscription",
    "first_stage_here",
    "get_stage",
    "latest_stage",
    "missing_paths",
    "retired_here",
    "runnable_stages",
]

# The default ports (docs/design.md, "Runtime"). Every stage's processes take their port from
# here unless told otherwise.
DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8000,
    "monolith": 8001,
    "monolith-2": 8011,  # the monolith's second replica behind the gateway (stage 1 on)
    "inventory": 8002,
    "payments": 8003,
    "notifications": 8004,
    "identity": 8005,
    "analytics": 8006,
    "fraud": 8007,
    "inventory-v2": 8008,  # release 2 of the inventory service, for admins (stage 5 on)
    "flower": 5555,
    "control-room": 8009,  # the page of a running stage (`make demo`, `stage up`), no process
    "monolith-grpc": 9001,
    "inventory-grpc": 9002,
}

_MODULE = re.compile(r"stage_(\d+)$")


def _numbered(names: Iterable[str]) -> list[tuple[int, str]]:
    """The stage modules by number. Numbers may have gaps (stages 3 to 5 are specified after
    stage 6 exists), but the first is 0 and no number is taken twice (``stage_6``, ``stage_06``).
    """
    numbered = sorted((int(m.group(1)), name) for name in names if (m := _MODULE.match(name)))
    if numbered and numbered[0][0] != 0:
        raise ImportError(f"the first stage module must be stage_0, not {numbered[0][1]}")
    for (before, first), (after, second) in itertools.pairwise(numbered):
        if before == after:
            raise ImportError(f"two stage modules for stage {after}: {first}, {second}")
    return numbered


def _load() -> tuple[Stage, ...]:
    """Each stage built on the highest-numbered stage below it: a stage added later in a gap
    (stage 3 between 2 and 6) becomes the one stage 6 extends, with no edit to stage 6."""
    names = [info.name for info in pkgutil.iter_modules(__path__)]
    stages: list[Stage] = []
    for number, name in _numbered(names):
        module = importlib.import_module(f"{__name__}.{name}")
        stage: Stage = module.build(stages[-1] if stages else None)
        if stage.number != number:
            raise ImportError(f"{name}.build() returned stage {stage.number}")
        if number > 0:
            stage = replace(stage, introduces=(*stage.introduces, *_own_files(module, number)))
        stages.append(stage)
    return tuple(stages)


def _own_files(module: object, number: int) -> tuple[str, ...]:
    """A stage's manifest module and its test module (strangler/stages/tests/test_stage_N.py):
    a stage brings both, so no shared file lists them."""
    module_file = Path(getattr(module, "__file__", "") or "").resolve()
    tests = REPO_ROOT / "strangler" / "stages" / "tests" / f"test_stage_{number}.py"
    return tuple(path.relative_to(REPO_ROOT).as_posix() for path in (module_file, tests))


STAGES: tuple[Stage, ...] = _load()


def get_stage(number: int) -> Stage:
    for stage in STAGES:
        if stage.number == number:
            return stage
    known = ", ".join(str(s.number) for s in STAGES)
    raise KeyError(f"no stage {number}; known stages: {known}")


def retired_here(stage: Stage, root: Path = REPO_ROOT) -> list[str]:
    """The code of ``stage`` that a later stage retired and this checkout lacks: on a later
    stage's tag, whose tree left it out (main keeps it, since it runs every stage)."""
    return [
        f"{path} (retired by stage {later.number})"
        for later in STAGES
        if later.number > stage.number
        for path in later.retires
        if not (root / path.rstrip("/")).exists()
    ]


def missing_paths(stage: Stage, root: Path = REPO_ROOT) -> list[str]:
    """What this stage runs that is not in the checkout: program files and route table, and
    the code a later stage retired (on that stage's tag).

    On ``main`` a stage may be declared before its code has landed (the manifest of stage 1
    before the gateway runs); on a stage tag nothing of its own stage is missing.
    """
    missing: list[str] = retired_here(stage, root)
    for argv in (*stage.setup, *(p.argv for p in stage.processes)):
        for path in _program_files(argv):
            label = " or ".join(path)
            if label not in missing and not any((root / c).is_file() for c in path):
                missing.append(label)
    if stage.routes and not (root / stage.routes).is_file():
        missing.append(stage.routes)
    return missing


def _program_files(argv: tuple[str, ...]) -> list[tuple[str, ...]]:
    """For ``-m pkg.mod`` of this repository: the files that could hold it; scripts as is."""
    found: list[tuple[str, ...]] = []
    for i, part in enumerate(argv):
        if part == "-m" and i + 1 < len(argv):
            module = argv[i + 1]
            if module.split(".")[0] in _FIRST_PARTY:
                base = module.replace(".", "/")
                found.append((f"{base}.py", f"{base}/__main__.py"))
        elif part.endswith(".py") and "{" not in part:
            found.append((part,))
    return found


_FIRST_PARTY = ("gateway", "monolith", "extracted", "strangler")


def runnable_stages() -> tuple[Stage, ...]:
    """The stages whose code is all in the checkout."""
    return tuple(stage for stage in STAGES if not missing_paths(stage))


def first_stage_here(number: int, root: Path = REPO_ROOT) -> Stage:
    """The first stage from ``number`` on whose code this checkout holds: ``number`` itself on
    main, on a tag the tag's own stage where a stage up to it retired what ``number`` runs (an
    e2e module of stage 3's behaviour runs on stage 4's tag at stage 4)."""
    return next(
        (stage for stage in STAGES if stage.number >= number and not retired_here(stage, root)),
        latest_stage(),
    )


def latest_stage() -> Stage:
    """The last stage that can run here: the default of ``make demo`` and ``stage up``."""
    runnable = runnable_stages()
    return runnable[-1] if runnable else STAGES[0]
