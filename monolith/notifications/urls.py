from django.urls import path

from monolith.notifications import apis

urlpatterns = [
    path("notifications", apis.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/<int:notification_id>",
        apis.NotificationDetailApi.as_view(),
        name="notification-detail",
    ),
]
