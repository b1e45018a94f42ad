from django.urls import path

from extracted.notifications.mail import apis

urlpatterns = [
    path("notifications", apis.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/<int:notification_id>",
        apis.NotificationDetailApi.as_view(),
        name="notification-detail",
    ),
]
