"""Contracts: what processes agree on over the wire, owned by neither side of a call.

A contract here is a file that a producer and its consumers are both written against. It lives
in the kit library, so that no process imports another one's code to speak to it:

- ``events/``: the JSON Schema of every integration event a producer in this repository
  publishes, one file per type and version (``order.paid.v1.json``), read through
  :data:`strangler.events.schemas.published`. A consuming service keeps its own copy of the
  schemas it consumes, and its tests check that the copy accepts every event these allow.
- ``proto/`` (from stage 1, where the monolith starts answering gRPC): the ``.proto`` files and
  the Python stubs generated from them, committed. The monolith serves them and the gateway
  calls them; see :mod:`strangler.contracts.proto` for how to regenerate the stubs, and
  :mod:`strangler.contracts.proto.breaking` for the ``buf breaking`` guard.
- ``compat/``: the checks that tell a breaking change to a contract from an additive one
  (OpenAPI documents, consumers' event schema copies).
"""

from __future__ import annotations

from pathlib import Path

EVENT_SCHEMAS = Path(__file__).resolve().parent / "events"
"""The folder of the producers' event schemas (``<type>.v<version>.json``)."""
