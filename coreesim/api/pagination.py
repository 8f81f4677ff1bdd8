"""Cursor pagination: stable under inserts, and O(1) however deep a partner pages."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

ID_COLUMNS = frozenset({"id", "pk"})
MAX_ID = 2**63 - 1  # PostgreSQL bigint


def _an_id(position: str) -> bool:
    digits = position.isascii() and position.isdigit() and len(position) <= len(str(MAX_ID))
    return digits and int(position) <= MAX_ID


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

    def decode_cursor(self, request: Any) -> Cursor | None:
        """DRF checks a cursor's offset but passes its position to the query as it comes; a
        cursor is only base64, so a client can write any position, and one the column cannot
        hold (not a number for an id, past bigint, a NUL byte) would fail in the database.
        Such a cursor is as unknown as any other we did not issue: 404 "Invalid cursor".
        """
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        position: str = cursor.position
        by_id = self.ordering[0].lstrip("-") in ID_COLUMNS
        if "\x00" in position or (by_id and not _an_id(position)):
            raise NotFound(self.invalid_cursor_message)
        return cursor
