"""The one table of allowed profile state transitions (DESIGN.md, "Profile lifecycle").

Every service that changes a profile's state asks ``check_transition`` first, so an illegal
move is a clear ``IllegalTransition`` and never a silent change.
"""

from __future__ import annotations

from profiles.choices import ProfileState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.AVAILABLE: frozenset({S.RESERVED, S.RETIRED, S.ERROR}),
    S.RESERVED: frozenset({S.RELEASED, S.AVAILABLE, S.CANCELLED, S.RETIRED, S.ERROR}),
    S.RELEASED: frozenset(
        {S.DOWNLOADED, S.INSTALLED, S.SUSPENDED, S.CANCELLED, S.RETIRED, S.ERROR, S.DELETED}
    ),
    S.DOWNLOADED: frozenset({S.INSTALLED, S.SUSPENDED, S.RETIRED, S.ERROR, S.DELETED}),
    S.INSTALLED: frozenset({S.ENABLED, S.DISABLED, S.SUSPENDED, S.DELETED, S.RETIRED, S.ERROR}),
    S.ENABLED: frozenset({S.DISABLED, S.SUSPENDED, S.DELETED, S.RETIRED, S.ERROR}),
    S.DISABLED: frozenset({S.ENABLED, S.SUSPENDED, S.DELETED, S.RETIRED, S.ERROR}),
    S.SUSPENDED: frozenset(
        {S.RELEASED, S.DOWNLOADED, S.INSTALLED, S.ENABLED, S.DISABLED, S.DELETED, S.RETIRED}
    ),
    S.CANCELLED: frozenset({S.AVAILABLE, S.RETIRED}),
    S.DELETED: frozenset({S.RETIRED}),
    S.RETIRED: frozenset(),
    S.ERROR: frozenset({S.AVAILABLE, S.RETIRED, S.RELEASED}),
}

# Forward order of the download/install path: notifications may arrive late or out of order,
# and a late one must never move a profile backwards along it.
PROGRESS_RANK: dict[S, int] = {
    S.RESERVED: 0,
    S.RELEASED: 1,
    S.DOWNLOADED: 2,
    S.INSTALLED: 3,
    S.ENABLED: 4,
    S.DISABLED: 4,
    S.DELETED: 5,
}


class IllegalTransition(ValueError):
    def __init__(self, source: S | str, target: S | str) -> None:
        self.source, self.target = S(source), S(target)
        super().__init__(
            f"a profile in state '{self.source.label}' cannot become '{self.target.label}'"
        )


def can_transition(source: S | str, target: S | str) -> bool:
    return S(target) in TRANSITIONS[S(source)]


def check_transition(source: S | str, target: S | str) -> None:
    if not can_transition(source, target):
        raise IllegalTransition(source, target)


def is_forward(source: S | str, target: S | str) -> bool:
    """True when ``target`` lies ahead of ``source`` on the download/install path."""
    src, dst = PROGRESS_RANK.get(S(source)), PROGRESS_RANK.get(S(target))
    return src is not None and dst is not None and dst > src
