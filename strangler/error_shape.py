"""The one JSON error shape of every service and of the gateway, free of Django so that the
gateway can use it: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}
