"""Compatibility checks between a contract and its next version, or its consumer's copy.

- :mod:`~strangler.contracts.compat.openapi`: which changes between two OpenAPI documents break
  a client (a removed endpoint, field or enum value, a changed type, a new required input, a
  narrowed response) and which are only additive.
- :mod:`~strangler.contracts.compat.events`: whether a consumer's copy of an event schema
  accepts every event the producer's schema allows.

Both rest on :mod:`~strangler.contracts.compat.schemas`, which asks jsoncompat whether one JSON
Schema accepts everything another accepts, and names the changes for the message.
"""
