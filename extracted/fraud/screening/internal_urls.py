"""The API other services call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from extracted.fraud.screening.apis import AssessmentCreateApi

urlpatterns = [
    path("assessments", AssessmentCreateApi.as_view(), name="assessments"),
]
