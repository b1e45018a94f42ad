"""``Idempotency-Key`` for unsafe HTTP requests (POST checkout, POST payments).

A repeat with the same key and body replays the first response and does nothing again; the
same key with another body is a 422; a repeat while the first is still running is a 409.
"""
