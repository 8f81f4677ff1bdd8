"""The operator actions on one eSIM: which capability each needs and which service runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coreesim.staff.choices import Capability
from orders.models import Esim
from orders.portal.services import traveler_email_resend_failed
from orders.services import (
    ResyncResult,
    esim_cancel,
    esim_reissue,
    esim_resume,
    esim_resync,
    esim_retire,
    esim_suspend,
)


@dataclass(frozen=True)
class EsimAction:
    name: str
    label: str
    capability: Capability
    # Returns the eSIM, or for resync a result that says what changed.
    run: Callable[..., Esim | ResyncResult]
    question: str
    consequence: str
    # Actions that call the SM-DP+ run outside a database transaction (no lock held over the
    # network); their audit entry is written right after the service returns.
    calls_smdp: bool


ACTIONS: dict[str, EsimAction] = {
    a.name: a
    for a in (
        EsimAction(
            "suspend",
            "Suspend",
            Capability.OPERATE_ESIMS,
            esim_suspend,
            "Suspend this eSIM?",
            "The traveler loses service until it is resumed.",
            False,
        ),
        EsimAction(
            "resume",
            "Resume",
            Capability.OPERATE_ESIMS,
            esim_resume,
            "Resume this eSIM?",
            "Service comes back in the state it had before.",
            False,
        ),
        EsimAction(
            "reissue",
            "Reissue",
            Capability.OPERATE_ESIMS,
            esim_reissue,
            "Reissue this eSIM with a new activation code?",
            "The current activation code stops working; the traveler gets a new one, free.",
            True,
        ),
        EsimAction(
            "resync",
            "Resync from SM-DP+",
            Capability.OPERATE_ESIMS,
            esim_resync,
            "Resync this eSIM from what the SM-DP+ reported?",
            "Stored notifications are replayed and our call log is settled where the facts "
            "allow; a quarantined profile leaves quarantine when they say where it is. "
            "Nothing is sent to the SM-DP+.",
            False,
        ),
        EsimAction(
            "resend_emails",
            "Resend failed emails",
            Capability.OPERATE_ESIMS,
            traveler_email_resend_failed,
            "Send this eSIM's failed traveler emails again?",
            "Each failed email goes back to the outbox with a fresh day of retries; it is "
            "written afresh, so an 'eSIM ready' email carries the current activation code.",
            False,
        ),
        EsimAction(
            "cancel",
            "Cancel",
            Capability.END_ESIMS,
            esim_cancel,
            "Cancel this unused eSIM?",
            "The profile goes back to stock and the partner is refunded.",
            True,
        ),
        EsimAction(
            "retire",
            "Retire",
            Capability.END_ESIMS,
            esim_retire,
            "Retire this eSIM for good?",
            "The profile can never be used again. This cannot be undone.",
            True,
        ),
    )
}
