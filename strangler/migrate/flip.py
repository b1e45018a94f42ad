"""``migrate flip`` and ``migrate rollback``: hand a context's data to its service, and back.

flip, once every check has passed (nothing is written before):
  1. the monolith's copy becomes read-only (:mod:`strangler.migrate.ownership`);
  2. the writes it recorded before that are applied to the service (the sync's last batch);
  3. verify: on NO-GO the monolith is made writable again and nothing else changes;
  4. the service's writes start being recorded (the sync's capture, installed in the service);
  5. the route table sends the route to the service, and the gateway reloads (SIGHUP).

A flip that fails after step 1 makes the monolith writable again and can be run again.

rollback: the service's copy becomes read-only, the writes it took are applied to the monolith
(the same sync, the other way), the route goes back to the upstream it was on before the flip
(kept by the flip in the monolith's ownership table), the monolith is writable again, and the
capture in the service is removed. Until the monolith is writable its ownership row stays, so
a rollback that failed on the way can be run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from strangler.migrate import ownership, routetable
from strangler.migrate import sync as capture
from strangler.migrate.backfill import exclusive
from strangler.migrate.endpoints import Endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.plan import TablePlan, opened
from strangler.migrate.verify import TableVerdict, prepare, verify_table

Say = Callable[[str], None]


@dataclass(frozen=True)
class Move:
    """What a flip or a rollback is asked to do, as given on the command line."""

    source: str  # the monolith's database URL
    target: str  # the service's
    context: str
    route: str  # the route prefix
    table: Path  # the route table file the gateway serves
    pid: int | None  # the gateway's; None: from the stage runner's state file
    batch_size: int = 50_000
    # the context's tables to move (default: every source table named <context>_*); a context
    # whose service keeps tables of its own under the same prefix names its shared ones
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlipResult:
    routes: tuple[str, ...]
    previous: str
    upstream: str
    applied: int  # recorded changes applied on the way
    verdicts: tuple[TableVerdict, ...] = ()

    @property
    def go(self) -> bool:
        return all(v.go for v in self.verdicts)


def _drain(source: Endpoint, target: Endpoint, plans: Sequence[TablePlan], move: Move) -> int:
    result = capture.apply_changes(
        source, target, plans, batch_size=move.batch_size, backfilled=True
    )
    return result.changes


def _opened(move: Move) -> AbstractContextManager[tuple[Endpoint, Endpoint, list[TablePlan]]]:
    return opened(move.source, move.target, context=move.context, tables=move.tables)


def flip(move: Move, upstream: str, say: Say) -> FlipResult:
    change = routetable.retarget(move.table, move.route, upstream)
    if change.previous == upstream:
        raise MigrateError(f"the route {move.route} is already on {upstream}")
    pid = routetable.gateway_pid(move.pid)
    with (
        opened(move.source, move.target, context=move.context, tables=move.tables) as (
            source,
            target,
            plans,
        ),
        exclusive(target),
    ):
        capture.check_ready(source, target, plans)
        owner = ownership.owner_of(source, plans)
        if owner is not None:
            raise MigrateError(f"the {move.context} context is already flipped to {owner.owner}")
        names = ", ".join(p.name for p in plans)
        ownership.make_read_only(
            source, plans, ownership.Owner(move.context, upstream, move.route, change.previous)
        )
        say(f"the monolith's {names} read-only: owned by {upstream}")
        try:
            result = _hand_over(source, target, plans, move, change, upstream, say)
        except BaseException:
            ownership.make_writable(source, plans)  # run the flip again from the start
            raise
        if not result.go:
            ownership.make_writable(source, plans)
            say("verify: NO-GO, the monolith is writable again and the route was not moved")
            return result
        routetable.reload(pid)
        say(f"route {', '.join(change.routes)} now on {upstream}; gateway {pid} reloading")
    return result


def _hand_over(
    source: Endpoint,
    target: Endpoint,
    plans: Sequence[TablePlan],
    move: Move,
    change: routetable.Retarget,
    upstream: str,
    say: Say,
) -> FlipResult:
    """Flip's steps 2 to 5 but the reload, with the monolith already read-only."""
    applied = _drain(source, target, plans, move)
    say(f"applied the last {applied} recorded changes to the service")
    prepare(source)
    prepare(target)
    verdicts = tuple(verify_table(source, target, p, chunk_size=move.batch_size) for p in plans)
    result = FlipResult(change.routes, change.previous, upstream, applied, verdicts)
    if result.go:
        ownership.make_writable(target, plans)  # a service made read-only by a rollback
        capture.install(target, plans)
        say("recording the service's writes (for a rollback)")
        routetable.write(change)
    return result


def rollback(move: Move, say: Say) -> FlipResult:
    pid = routetable.gateway_pid(move.pid)
    with (
        opened(move.source, move.target, context=move.context, tables=move.tables) as (
            source,
            target,
            plans,
        ),
        exclusive(source),
    ):
        owner = ownership.owner_of(source, plans)
        if owner is None:
            raise MigrateError(
                f"the {move.context} context is not flipped (the monolith owns it): "
                "nothing to roll back"
            )
        if owner.route != move.route:
            raise MigrateError(f"the {move.context} context was flipped on route {owner.route}")
        change = routetable.retarget(move.table, move.route, owner.previous)
        if not capture.installed(target):
            raise MigrateError("the service records no writes (no change table): flip again?")
        ownership.make_read_only(
            target, plans, ownership.Owner(move.context, owner.previous, move.route, owner.owner)
        )
        say(f"the service's {', '.join(p.name for p in plans)} read-only")
        applied = _drain(target, source, plans, move)
        say(f"applied the {applied} writes the service took to the monolith")
        routetable.write(change)
        routetable.reload(pid)
        say(f"route {', '.join(change.routes)} back on {owner.previous}; gateway {pid} reloading")
        # last: until here the ownership row stays, so a rollback that failed can run again
        ownership.make_writable(source, plans)
        say("the monolith is writable again")
        capture.remove(target, plans)
    return FlipResult(change.routes, owner.owner, owner.previous, applied)
