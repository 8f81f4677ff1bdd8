"""The simulated SM-DP+'s profiles and its side of the ES2+ state machine.

States (SGP.22 SM-DP+ side): Available -> Allocated (downloadOrder, no EID) or Linked (with an
EID) -> Confirmed (confirmOrder, releaseFlag false) or Released (releaseFlag true, or
releaseProfile) -> Downloaded -> Installed (the device, via notifications 3 and 4).
cancelOrder returns an Allocated/Linked/Confirmed/Released profile to Available or makes it
Unavailable.

Inventory rule: every Luhn-valid ICCID is a known, Available profile on first sight (so the
ICCIDs in our own pools work without setup); any other ICCID is unknown (8.2.1/3.9) unless it
was registered through the control endpoint, which can also set any state or make a Luhn-valid
ICCID unknown. ICCIDs are keyed by their digits: ``…F`` and the bare 19 digits are one profile.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from smdp_client.simulator.validation import (
    SUBJECT_EID,
    SUBJECT_ICCID,
    SUBJECT_MATCHING_ID,
    SUBJECT_PROFILE_TYPE,
    Es2Refusal,
)

AVAILABLE, ALLOCATED, LINKED, CONFIRMED = "Available", "Allocated", "Linked", "Confirmed"
RELEASED, DOWNLOADED, INSTALLED, UNAVAILABLE = "Released", "Downloaded", "Installed", "Unavailable"
STATES = (AVAILABLE, ALLOCATED, LINKED, CONFIRMED, RELEASED, DOWNLOADED, INSTALLED, UNAVAILABLE)
CANCELLABLE = (ALLOCATED, LINKED, CONFIRMED, RELEASED)
UNKNOWN_STATE = "Unknown"

ALREADY_IN_USE, INVALID_STATE, UNKNOWN, UNAVAILABLE_REASON = "3.3", "3.5", "3.9", "3.7"
REFUSED, INVALID_ASSOCIATION, NOT_ALLOWED = "3.8", "3.10", "1.2"
DEFAULT_PROFILE_TYPE = "SIM-DATA"
MATCHING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def digits_of(iccid: str) -> str:
    return iccid[:-1] if iccid.endswith("F") else iccid


@dataclass
class SimProfile:
    iccid: str
    profile_type: str = DEFAULT_PROFILE_TYPE
    state: str = AVAILABLE
    eid: str = ""
    matching_id: str = ""
    confirmation_code: str = ""
    requester: str = ""
    history: list[str] = field(default_factory=list)

    def move(self, state: str, why: str) -> None:
        self.history.append(f"{self.state}->{state} ({why})")
        self.state = state

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Inventory:
    """Thread-safe profile store; every public method is one atomic ES2+ step."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lock = threading.RLock()
        self.profiles: dict[str, SimProfile] = {}
        self.forgotten: set[str] = set()
        self.refused_eids: set[str] = set()

    # -- control ------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.profiles.clear()
            self.forgotten.clear()
            self.refused_eids.clear()

    def register(self, iccid: str, *, profile_type: str | None, state: str | None) -> SimProfile:
        key = digits_of(iccid)
        with self.lock:
            if state == UNKNOWN_STATE:
                self.profiles.pop(key, None)
                self.forgotten.add(key)
                return SimProfile(iccid=key, state=UNKNOWN_STATE)
            self.forgotten.discard(key)
            profile = self.profiles.get(key) or SimProfile(iccid=key)
            if profile_type:
                profile.profile_type = profile_type
            if state:
                if state not in STATES:
                    raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
                profile.state = state
            self.profiles[key] = profile
            return profile

    def snapshot(self, iccid: str) -> dict[str, Any] | None:
        with self.lock:
            profile = self._find(digits_of(iccid))
            return None if profile is None else profile.as_dict()

    def _find(self, key: str) -> SimProfile | None:
        profile = self.profiles.get(key)
        if profile is None and key not in self.forgotten and luhn_valid(key):
            profile = self.profiles[key] = SimProfile(iccid=key)
        return profile

    def _get(self, iccid: str) -> SimProfile:
        profile = self._find(digits_of(iccid))
        if profile is None:
            raise Es2Refusal(SUBJECT_ICCID, UNKNOWN, "ICCID unknown", iccid)
        return profile

    def _check_owner(self, profile: SimProfile, requester: str) -> None:
        if profile.requester and profile.requester != requester:
            raise Es2Refusal(
                SUBJECT_ICCID, NOT_ALLOWED, "profile reserved by another operator", profile.iccid
            )

    def _check_eid(self, eid: str | None) -> None:
        if eid and eid in self.refused_eids:
            raise Es2Refusal(SUBJECT_EID, REFUSED, "EID refused", eid)

    def _new_matching_id(self) -> str:
        in_use = {p.matching_id for p in self.profiles.values()}
        while True:
            groups = ("".join(self.rng.choices(MATCHING_ALPHABET, k=5)) for _ in range(4))
            candidate = "-".join(groups)
            if candidate not in in_use:
                return candidate

    # -- ES2+ functions -------------------------------------------------------------------------

    def download_order(self, requester: str, values: dict[str, Any]) -> SimProfile:
        eid, profile_type = values.get("eid"), values.get("profileType")
        with self.lock:
            self._check_eid(eid)
            if "iccid" in values:
                profile = self._get(values["iccid"])
                if profile.state != AVAILABLE:
                    raise Es2Refusal(
                        SUBJECT_ICCID, ALREADY_IN_USE, "ICCID already in use", values["iccid"]
                    )
                if profile_type and profile.profile_type != profile_type:
                    raise Es2Refusal(
                        SUBJECT_PROFILE_TYPE,
                        INVALID_ASSOCIATION,
                        "the ICCID is not of this profile type",
                        profile_type,
                    )
            else:
                typed = [p for p in self.profiles.values() if p.profile_type == profile_type]
                if not typed:
                    raise Es2Refusal(
                        SUBJECT_PROFILE_TYPE, UNKNOWN, "profile type unknown", str(profile_type)
                    )
                free = sorted((p for p in typed if p.state == AVAILABLE), key=lambda p: p.iccid)
                if not free:
                    raise Es2Refusal(
                        SUBJECT_PROFILE_TYPE,
                        UNAVAILABLE_REASON,
                        "no profile of this type is available",
                        str(profile_type),
                    )
                profile = free[0]
            profile.requester = requester
            profile.eid = eid or ""
            profile.move(LINKED if eid else ALLOCATED, "downloadOrder")
            return profile

    def confirm_order(self, requester: str, values: dict[str, Any]) -> SimProfile:
        eid, matching_id = values.get("eid"), values.get("matchingId")
        with self.lock:
            profile = self._get(values["iccid"])
            self._check_owner(profile, requester)
            if profile.state not in (ALLOCATED, LINKED):
                raise Es2Refusal(
                    SUBJECT_ICCID,
                    INVALID_STATE,
                    f"confirmOrder is not allowed in state {profile.state}",
                    values["iccid"],
                )
            self._check_eid(eid)
            if eid and profile.eid and eid != profile.eid:
                raise Es2Refusal(
                    SUBJECT_EID, INVALID_ASSOCIATION, "EID differs from the linked EID", eid
                )
            if matching_id and any(
                p.matching_id == matching_id for p in self.profiles.values() if p is not profile
            ):
                raise Es2Refusal(
                    SUBJECT_MATCHING_ID, ALREADY_IN_USE, "matching ID already in use", matching_id
                )
            profile.eid = eid or profile.eid
            profile.matching_id = matching_id or self._new_matching_id()
            profile.confirmation_code = values.get("confirmationCode", "")
            released = values["releaseFlag"]
            profile.move(RELEASED if released else CONFIRMED, "confirmOrder")
            return profile

    def cancel_order(self, requester: str, values: dict[str, Any]) -> SimProfile:
        with self.lock:
            profile = self._get(values["iccid"])
            self._check_owner(profile, requester)
            if profile.state not in CANCELLABLE:
                raise Es2Refusal(
                    SUBJECT_ICCID,
                    INVALID_STATE,
                    f"cancelOrder is not allowed in state {profile.state}",
                    values["iccid"],
                )
            eid, matching_id = values.get("eid"), values.get("matchingId")
            if eid and eid != profile.eid:
                raise Es2Refusal(SUBJECT_EID, INVALID_ASSOCIATION, "EID does not match", eid)
            if matching_id and matching_id != profile.matching_id:
                raise Es2Refusal(
                    SUBJECT_MATCHING_ID, INVALID_ASSOCIATION, "matching ID does not match", ""
                )
            final = values["finalProfileStatusIndicator"]
            profile.eid = profile.matching_id = profile.confirmation_code = profile.requester = ""
            profile.move(AVAILABLE if final == "Available" else UNAVAILABLE, "cancelOrder")
            return profile

    def release_profile(self, requester: str, values: dict[str, Any]) -> SimProfile:
        with self.lock:
            profile = self._get(values["iccid"])
            self._check_owner(profile, requester)
            if profile.state != CONFIRMED:
                raise Es2Refusal(
                    SUBJECT_ICCID,
                    INVALID_STATE,
                    f"releaseProfile is not allowed in state {profile.state}",
                    values["iccid"],
                )
            profile.move(RELEASED, "releaseProfile")
            return profile

    # -- the device -----------------------------------------------------------------------------

    def device_progress(self, iccid: str, point: int, eid: str) -> SimProfile | None:
        """Record download (3) or installation (4) by the device; None if unknown."""
        with self.lock:
            profile = self._find(digits_of(iccid))
            if profile is None:
                return None
            profile.eid = profile.eid or eid
            if point == 3 and profile.state == RELEASED:
                profile.move(DOWNLOADED, "device downloaded the BPP")
            elif point == 4 and profile.state in (RELEASED, DOWNLOADED):
                profile.move(INSTALLED, "device installed the profile")
            return profile
