"""Pages of long lists without ``COUNT(*)``.

Counting a million profiles on every list view costs more than the page itself; staff need
"next" and "previous", not a total. A page fetches one row more than it shows to know whether a
next page exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 2000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    has_next: bool
    query: str  # the request's other query parameters, to keep filters across pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_url(self) -> str:
        return self._url(self.number + 1)

    @property
    def previous_url(self) -> str:
        return self._url(self.number - 1)

    def _url(self, number: int) -> str:
        return f"?{self.query}&page={number}" if self.query else f"?page={number}"


def paginate(request: HttpRequest, qs: QuerySet[Any], *, per_page: int = PER_PAGE) -> Page[Any]:
    try:
        number = min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return Page(
        items=rows[:per_page],
        number=number,
        has_next=len(rows) > per_page,
        query=params.urlencode(),
    )
