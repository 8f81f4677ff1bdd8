"""Which ES2+ business failures are worth retrying: the staff-editable table, read fast.

The table (``FailureRule``) is seeded from ES2PLUS.md by a data migration. Lookups go
exact code first, then the ``*`` wildcard subject; a code with no row is not retryable
(ES2PLUS.md: "Anything not in the table: not retryable"). The rules are cached per process for
``CACHE_SECONDS``, so an edit in the admin takes effect within that time everywhere.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from smdp_client.choices import FailureAction
from smdp_client.models import FailureRule

CACHE_SECONDS = 30.0
ANY_SUBJECT = "*"


@dataclass(frozen=True)
class Classification:
    retryable: bool
    action: FailureAction
    meaning: str


NOT_IN_TABLE = Classification(False, FailureAction.NONE, "not in the classification table")

_cache: tuple[float, dict[tuple[str, str], Classification]] | None = None
_lock = threading.Lock()


def _rules() -> dict[tuple[str, str], Classification]:
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        rules = {
            (rule.subject_code, rule.reason_code): Classification(
                rule.retryable, FailureAction(rule.action), rule.meaning
            )
            for rule in FailureRule.objects.all()
        }
        _cache = (now, rules)
        return rules


def forget_cached_rules() -> None:
    """Make the next lookup read the table again (after an edit in this process)."""
    global _cache
    _cache = None


def classify(subject_code: str, reason_code: str) -> Classification:
    rules = _rules()
    return (
        rules.get((subject_code, reason_code))
        or rules.get((ANY_SUBJECT, reason_code))
        or NOT_IN_TABLE
    )
