"""A consumer's copies of event schemas against the producers' schemas they were copied from.

A copy is compatible when it accepts every event the producer's schema allows: the consumer may
read less (an optional field, a looser limit, fields it ignores) but never demand what the
producer does not guarantee (a field the producer may leave out or does not send, a narrower
type, enum or limit). Equality is not required: that is what lets a producer add an optional
field without every consumer changing in the same commit.
"""

from __future__ import annotations

import json
from pathlib import Path

from strangler.contracts import EVENT_SCHEMAS
from strangler.contracts.compat.schemas import accepts_everything, differences


def incompatible_copies(copies: Path, published: Path = EVENT_SCHEMAS) -> list[str]:
    """Each copy in the folder ``copies`` (``<type>.v<version>.json``) that refuses an event
    its producer's schema in ``published`` allows, or that no producer publishes, with why."""
    found = []
    for copy in sorted(copies.glob("*.json")):
        producer = published / copy.name
        if not producer.is_file():
            found.append(f"{copy.name}: no producer publishes this event type and version")
            continue
        theirs, ours = (json.loads(path.read_text()) for path in (producer, copy))
        if not accepts_everything(theirs, ours):
            changes = "; ".join(differences(theirs, ours)) or "a constraint the producer lacks"
            found.append(f"{copy.name}: refuses events the producer may publish ({changes})")
    return found
