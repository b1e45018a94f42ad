"""The end of an answer that needed a task: whatever happened, the exchange completes once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from gateway.pipeline.exchange import Exchange
from gateway.pipeline.replies import error
from gateway.policy.record import ClientGone

logger = logging.getLogger("gateway")


async def answer_then_complete(ex: Exchange, answer: Awaitable[None]) -> None:
    """Await ``answer``, then :meth:`Exchange.complete`: a client gone closes the connection,
    anything unexpected is a 500 (or a closed connection if a reply had begun) and a bug."""
    close = False
    try:
        await answer
    except ClientGone:
        close = True
    except Exception:
        request = ex.request
        logger.exception("unhandled error on %s %s", request.method, request.path)
        if ex.record.status == 0:
            error(ex, 500, "internal_error", "Internal gateway error.")
        else:
            close = True
    ex.complete(close)
