"""The request pipeline: one :class:`Exchange` per request, answered by one of two paths.

``fast`` answers a plain proxied request from the parser's callback (no task); ``full``
(match -> auth -> rate limit -> proxy or handler, and the ``reserved`` endpoints) runs in a
task. Both settle a relayed reply with ``proxying.settle`` and end in
:meth:`Exchange.complete`, which tells every sink. :class:`Pipeline` holds what they need,
:class:`Dispatch` is the server's way in. Import from here: these names are the interface.
"""

from __future__ import annotations

from gateway.pipeline.context import FastPlan, Loaded, Pipeline
from gateway.pipeline.dispatch import Dispatch
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.fast import fast_plans

__all__ = ["Dispatch", "Exchange", "FastPlan", "Loaded", "Pipeline", "fast_plans"]
