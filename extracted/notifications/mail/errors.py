from __future__ import annotations

from strangler.errors import NotFound


class NotificationNotFound(NotFound):
    code = "notification_not_found"
