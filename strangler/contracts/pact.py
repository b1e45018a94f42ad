"""Consumer-driven contracts (Pact): where the pact files live and how a provider verifies them.

A consumer's tests state the calls it makes and the answers it needs, against Pact's mock
server, and write one pact file per provider into :data:`PACTS` (a folder neither side owns).
Each provider's suite replays those calls against a running instance of itself, after setting
up the data each interaction's provider state names. The consumer's tests also check that the
committed files are what they generate, so a provider always verifies the consumer's current
needs: ``PACT_WRITE=1`` rewrites them (review the diff and commit it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from strangler.config import REPO_ROOT

PACTS = REPO_ROOT / "strangler" / "contracts" / "pacts"
# A customer and a token subject both sides agree on: the provider states create its data.
CUSTOMER_ID = 1001


def pact_file(consumer: str, provider: str) -> Path:
    return PACTS / f"{consumer}-{provider}.json"


def without_metadata(pact: Mapping[str, Any]) -> dict[str, Any]:
    """A pact without what changes with the tool's version (its ``metadata``), for comparing.
    Interactions are sorted by description, as the file's order is the test run's."""
    kept = {key: value for key, value in pact.items() if key != "metadata"}
    kept["interactions"] = sorted(
        (
            {key: value for key, value in interaction.items() if key != "key"}
            for interaction in pact.get("interactions", [])
        ),
        key=lambda interaction: str(interaction.get("description")),
    )
    return kept


def assert_committed(generated: Path, consumer: str, provider: str) -> None:
    """The committed pact file is the one the consumer's tests just wrote to ``generated``
    (or, with ``PACT_WRITE=1``, becomes it)."""
    written = json.loads((generated / f"{consumer}-{provider}.json").read_text())
    committed = pact_file(consumer, provider)
    if os.environ.get("PACT_WRITE") == "1":
        committed.write_text(json.dumps(written, indent=2, sort_keys=True) + "\n")
    assert committed.exists(), f"{committed} is missing: run the consumer tests with PACT_WRITE=1"
    assert without_metadata(json.loads(committed.read_text())) == without_metadata(written), (
        f"{committed.relative_to(REPO_ROOT)} is not what {consumer}'s tests state: rerun them "
        "with PACT_WRITE=1, review the diff and commit it"
    )


def _closing_connections(setup: Callable[..., None]) -> Callable[..., None]:
    """``setup`` run in Pact's state-handler thread, whose database connection is closed after
    (left open, it would keep the test database from being dropped)."""

    def run(**kwargs: Any) -> None:
        from django.db import connections

        try:
            setup(**kwargs)
        finally:
            connections.close_all()

    return run


def verify_provider(
    provider: str,
    base_url: str,
    states: Mapping[str, Callable[..., None]],
    *,
    headers: Mapping[str, str] = {},
    consumers: Sequence[str] = (),
) -> None:
    """Replay every committed pact whose provider is ``provider`` against ``base_url``, or
    only the ``consumers``' pacts with it (a process that serves another's part of the API,
    as the monolith serves payments' until payments is extracted).

    ``states`` sets up each provider state by name (Pact calls them before each interaction);
    ``headers`` replace the consumer's example values (a real token for ``Authorization``).
    Fails with Pact's report of every mismatch.
    """
    from pact import Verifier

    if consumers:
        sources = [pact_file(consumer, provider) for consumer in consumers]
        sources = [source for source in sources if source.exists()]
    else:
        sources = sorted(PACTS.glob(f"*-{provider}.json"))
    assert sources, f"no pact names {provider} as its provider in {PACTS}"
    handlers = {name: _closing_connections(setup) for name, setup in states.items()}
    verifier = Verifier(provider).add_transport(url=base_url).state_handler(handlers)
    for name, value in headers.items():
        verifier.add_custom_header(name, value)
    for source in sources:
        verifier.add_source(source)
    try:
        verifier.verify()
    except RuntimeError as exc:
        report = verifier.output(strip_ansi=True)
        raise AssertionError(f"{provider} breaks a consumer's pact:\n{report}") from exc
