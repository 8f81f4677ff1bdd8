"""Cursor pagination: stable under inserts, and O(1) however deep a partner pages."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """``?limit=`` (1-200, default 50) and an opaque ``cursor``; newest first by default.

    Views whose natural order is not ``-id`` set ``pagination_ordering``; it must end in a
    unique column so that no row is skipped or repeated between pages.
    """

    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"
    ordering = "-id"

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "pagination_ordering", None)
        if ordering:
            return tuple(ordering)
        return tuple(super().get_ordering(request, queryset, view))
