"""Small DRF building blocks shared by every service's API."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``; the body is ``{count, next, previous, results}``."""

    page_size_query_param = "page_size"
    max_page_size = 100
