"""ES2+ actions the rest of CoreESIM calls, safe against lost responses.

ES2+ calls are not idempotent on the SM-DP+ side, and after a timeout we do not know whether a
call took effect. Each function here makes the call through ``Es2Client`` (which logs it) and,
when the SM-DP+ refuses a retry in the way a lost earlier answer explains, uses the Es2Call log
to decide whether that earlier call of ours took effect:

- downloadOrder answered 8.2.1/3.3 "already in use" while our own earlier downloadOrder for the
  ICCID may have acted (succeeded, unknown outcome, or in flight when a worker died) and nothing
  of ours cancelled it since: the earlier call reserved it for us, so this is a success.
- confirmOrder answered 8.2.1/3.5 "invalid state" after our earlier confirmOrder may have acted:
  its matching ID is lost, so we resync: cancelOrder (back to Available), downloadOrder and
  confirmOrder again, which yields a fresh matching ID. Only call it for an order whose
  activation code was never handed out: the resync invalidates an earlier matching ID.
- cancelOrder and releaseProfile answered 8.2.1/3.5 after our earlier identical call may have
  acted: the profile is already where we wanted it.

Calls for one ICCID on one server are serialised with a Redis lock, so two workers never
interleave them. Call these functions outside ``transaction.atomic`` (see ``calllog``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import LockError, RedisError

from coreesim.runtime import SMDP_SIM_PORT
from smdp_client import selectors, wire
from smdp_client.calllog import es2call_resolve
from smdp_client.choices import Es2Function, FinalProfileStatus, TransportFailure
from smdp_client.client import ConfirmOrderResult, DownloadOrderResult, Es2Client
from smdp_client.errors import Es2FunctionError, Es2ProtocolError, Es2TransportError
from smdp_client.models import Es2Call, Es2Notification, SmdpServer
from smdp_client.simulator.device import DEV_SIMULATOR_SECRET
from smdp_client.transport import TransportConfigError, build_ssl_context

logger = logging.getLogger(__name__)

ALREADY_IN_USE = ("8.2.1", "3.3")
INVALID_STATE = ("8.2.1", "3.5")


@contextlib.contextmanager
def _one_call_per_iccid(server: SmdpServer, iccid: str) -> Iterator[None]:
    """Serialise our calls about one ICCID across processes; busy means "try again later"."""
    hold = server.connect_timeout + server.read_timeout
    try:
        lock = get_redis_connection("default").lock(
            f"coreesim:es2lock:{server.pk}:{iccid}",
            timeout=hold * 4 + 10,
            blocking_timeout=hold + 1,
        )
        acquired = lock.acquire()
    except RedisError as exc:
        logger.warning("es2_iccid_lock_unavailable", extra={"iccid": iccid, "error": str(exc)})
        yield
        return
    if not acquired:
        raise Es2TransportError(
            TransportFailure.BUSY,
            f"another ES2+ call about {iccid} is still running; not sent",
            sent=False,
        )
    try:
        yield
    finally:
        with contextlib.suppress(LockError, RedisError):
            lock.release()


def _this_call(exc: Es2FunctionError) -> Es2Call | None:
    return Es2Call.objects.filter(pk=exc.call_id).first() if exc.call_id else None


def _note(calls: list[Es2Call | None], resolution: str) -> None:
    for call in calls:
        if call is not None:
            es2call_resolve(call, resolution=resolution)


def es2_download_order(
    *, server: SmdpServer, iccid: str, eid: str | None = None, profile_type: str | None = None
) -> DownloadOrderResult:
    """Reserve ``iccid`` at the SM-DP+; a retry after a lost answer ends in the same success."""
    canonical = wire.canonical_iccid(iccid)
    with _one_call_per_iccid(server, canonical):
        try:
            return Es2Client(server).download_order(
                iccid=canonical, eid=eid, profile_type=profile_type
            )
        except Es2FunctionError as exc:
            if exc.code != ALREADY_IN_USE:
                raise
            this = _this_call(exc)
            earlier = selectors.standing_reservation(server=server, iccid=canonical, before=this)
            if earlier is None:
                raise
            _note(
                [this],
                f"treated as success: our earlier downloadOrder (call #{earlier.pk}) "
                "had reserved this ICCID",
            )
            _note([earlier], f"took effect (a retry, call #{exc.call_id}, got 'already in use')")
            logger.info(
                "es2_lost_response_recovered",
                extra={"function": "downloadOrder", "iccid": canonical, "earlier": earlier.pk},
            )
            return DownloadOrderResult(iccid=canonical)


def es2_confirm_order(
    *,
    server: SmdpServer,
    iccid: str,
    release_flag: bool = True,
    eid: str | None = None,
    matching_id: str | None = None,
    confirmation_code: str | None = None,
    smds_address: str | None = None,
) -> ConfirmOrderResult:
    """Confirm the reservation; after a lost earlier confirm, resync and confirm afresh."""
    canonical = wire.canonical_iccid(iccid)
    client = Es2Client(server)

    def confirm() -> ConfirmOrderResult:
        return client.confirm_order(
            iccid=canonical,
            release_flag=release_flag,
            eid=eid,
            matching_id=matching_id,
            confirmation_code=confirmation_code,
            smds_address=smds_address,
        )

    with _one_call_per_iccid(server, canonical):
        try:
            return confirm()
        except Es2FunctionError as exc:
            if exc.code != INVALID_STATE:
                raise
            this = _this_call(exc)
            earlier = selectors.latest_attempt(
                server=server, iccid=canonical, function=Es2Function.CONFIRM_ORDER, before=this
            )
            reserved = selectors.latest_attempt(
                server=server, iccid=canonical, function=Es2Function.DOWNLOAD_ORDER, before=this
            )
            if earlier is None or (reserved is not None and reserved.pk > earlier.pk):
                raise
            logger.warning(
                "es2_confirm_resync",
                extra={"iccid": canonical, "earlier": earlier.pk, "refused": exc.call_id},
            )
            client.cancel_order(iccid=canonical, final_status=FinalProfileStatus.AVAILABLE)
            client.download_order(iccid=canonical, eid=eid)
            result = confirm()
            _note(
                [earlier, this],
                "resynced: the earlier confirmOrder's answer was lost; cancelled, "
                "reserved and confirmed again with a new matching ID",
            )
            return result


def es2_cancel_order(
    *,
    server: SmdpServer,
    iccid: str,
    final_status: str,
    eid: str | None = None,
    matching_id: str | None = None,
) -> None:
    """Cancel the reservation ("Available" back to stock, "Unavailable" retires it)."""
    canonical = wire.canonical_iccid(iccid)
    with _one_call_per_iccid(server, canonical):
        try:
            Es2Client(server).cancel_order(
                iccid=canonical, final_status=final_status, eid=eid, matching_id=matching_id
            )
        except Es2FunctionError as exc:
            _settled_by_earlier(server, canonical, Es2Function.CANCEL_ORDER, exc)


def es2_release_profile(*, server: SmdpServer, iccid: str) -> None:
    """Release a profile confirmed with ``release_flag=False``."""
    canonical = wire.canonical_iccid(iccid)
    with _one_call_per_iccid(server, canonical):
        try:
            Es2Client(server).release_profile(iccid=canonical)
        except Es2FunctionError as exc:
            _settled_by_earlier(server, canonical, Es2Function.RELEASE_PROFILE, exc)


def _settled_by_earlier(
    server: SmdpServer, iccid: str, function: Es2Function, exc: Es2FunctionError
) -> None:
    """Swallow "invalid state" when our own earlier identical call may have done the job."""
    if exc.code != INVALID_STATE:
        raise exc
    this = _this_call(exc)
    earlier = selectors.latest_attempt(server=server, iccid=iccid, function=function, before=this)
    if earlier is None:
        raise exc
    later_reservation = selectors.attempted_since(
        server=server, iccid=iccid, function=Es2Function.DOWNLOAD_ORDER, after=earlier
    )
    if later_reservation is not None:
        raise exc
    _note([this], f"treated as success: our earlier {function} (call #{earlier.pk}) took effect")
    _note([earlier], f"took effect (a retry, call #{exc.call_id}, got 'invalid state')")


@dataclass
class ConnectionReport:
    """What ``server_test_connection`` found, in plain words for staff."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, line: str) -> None:
        self.lines.append(f"OK: {line}")

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append(f"PROBLEM: {line}")

    def note(self, line: str) -> None:
        self.lines.append(f"NOTE: {line}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


# An ICCID no SM-DP+ holds (it fails the Luhn check): releaseProfile on it changes nothing and
# a healthy SM-DP+ answers 8.2.1/3.9, which proves TLS, HTTP, the envelope and our identity.
PROBE_ICCID = "89000000000000000001"
CERT_EXPIRY_WARNING_DAYS = 30


def _describe_certificate(server: SmdpServer, report: ConnectionReport) -> None:
    if not server.uses_tls:
        report.note("plain http:// (allowed on this record): only for local simulators")
        return
    if server.ca_bundle.strip():
        report.good("the SM-DP+'s CA bundle is pinned")
    else:
        report.note("no CA bundle pinned: the system trust store is used")
    if not server.client_certificate.strip():
        report.note("no client certificate: most SM-DP+ servers require mutual TLS")
        return
    try:
        cert = x509.load_pem_x509_certificate(server.client_certificate.encode())
    except ValueError:
        report.bad("the client certificate is not valid PEM")
        return
    left = cert.not_valid_after_utc - timezone.now()
    subject = cert.subject.rfc4514_string()
    if left.total_seconds() <= 0:
        report.bad(f"our client certificate ({subject}) has expired")
    elif left.days < CERT_EXPIRY_WARNING_DAYS:
        report.note(f"our client certificate ({subject}) expires in {left.days} days")
    else:
        report.good(f"our client certificate ({subject}) is valid for {left.days} more days")


def server_test_connection(*, server: SmdpServer) -> ConnectionReport:
    """Make one harmless ES2+ call and explain what worked and what did not, in plain words."""
    report = ConnectionReport()
    _describe_certificate(server, report)
    try:
        Es2Client(server).release_profile(iccid=PROBE_ICCID)
    except Es2FunctionError as exc:
        if exc.reason_code in ("1.1", "1.2"):
            report.bad(
                f"the SM-DP+ answered but refuses our functionRequesterIdentifier "
                f"{server.requester_id!r} ({exc.subject_code}/{exc.reason_code} {exc.message})"
            )
        else:
            report.good(
                f"TLS, HTTP and the ES2+ envelope work; the probe got the expected refusal "
                f"{exc.subject_code}/{exc.reason_code} {exc.message}".rstrip()
            )
    except Es2TransportError as exc:
        hint = {
            TransportFailure.TLS: "check the pinned CA bundle, the hostname in the base URL and "
            "that the SM-DP+ accepts our client certificate",
            TransportFailure.CONNECTION: "check the base URL, DNS and the firewall",
            TransportFailure.TIMEOUT: f"nothing answered within the timeouts "
            f"({server.connect_timeout}s connect, {server.read_timeout}s read)",
            TransportFailure.HTTP_STATUS: "the SM-DP+ (or a proxy) is failing",
            TransportFailure.CIRCUIT_OPEN: "reset the circuit breaker once the cause is fixed",
            TransportFailure.BUSY: "all call slots are busy; try again",
        }[exc.kind]
        report.bad(f"{exc.kind.label}: {exc.detail}; {hint}")
    except Es2ProtocolError as exc:
        report.bad(f"the answer is not ES2+: {exc.detail} (is the base URL right?)")
    else:
        report.note("the probe release succeeded, which no SM-DP+ should allow; check the URL")
    return report


@transaction.atomic
def smdp_server_add(
    *,
    name: str,
    base_url: str,
    smdp_address: str,
    requester_id: str,
    client_certificate: str = "",
    client_private_key: str = "",
    ca_bundle: str = "",
    allow_plain_http: bool = False,
    inbound_secret: str = "",
    admin_protocol: str = "gsma/rsp/v2.5.0",
) -> SmdpServer:
    """Register an SM-DP+; refuses plain http (unless allowed) and a key that does not load."""
    secrets: dict[str, Any] = {}
    if client_private_key:
        secrets["client_private_key"] = client_private_key
    if inbound_secret:
        secrets["inbound_secret"] = inbound_secret
    server = SmdpServer(
        name=name,
        base_url=base_url.rstrip("/"),
        smdp_address=smdp_address,
        requester_id=requester_id,
        client_certificate=client_certificate,
        ca_bundle=ca_bundle,
        allow_plain_http=allow_plain_http,
        admin_protocol=admin_protocol,
        **secrets,
    )
    server.full_clean()
    if server.uses_tls:
        try:
            build_ssl_context(server)
        except TransportConfigError as exc:
            raise ValueError(str(exc)) from exc
    server.save()
    return server


SIMULATOR_NAME = "simulator"
SIMULATOR_BASE_URL = f"http://127.0.0.1:{SMDP_SIM_PORT}"


def smdp_server_ensure_simulator(*, base_url: str = SIMULATOR_BASE_URL) -> SmdpServer:
    """The record for the built-in simulator that `make run` starts (demo data calls this).

    Its inbound secret is the simulator's publicly known development secret
    (``$SMDP_SIMULATOR_SECRET`` overrides it on both sides). Only the address follows
    ``SMDP_SIM_PORT`` on later runs; whatever staff changed on the record is kept.
    """
    secret = os.environ.get("SMDP_SIMULATOR_SECRET", DEV_SIMULATOR_SECRET)
    server, _created = SmdpServer.objects.update_or_create(
        name=SIMULATOR_NAME,
        defaults={"base_url": base_url},
        create_defaults={
            "base_url": base_url,
            "smdp_address": "smdp.simulator.coreesim.test",
            "requester_id": "coreesim",
            "allow_plain_http": True,
            "inbound_secret": secret,
        },
    )
    return server


@transaction.atomic
def notifications_acknowledge(*, notifications: QuerySet[Es2Notification]) -> list[Es2Notification]:
    """Clear the attention flag of these notifications; the ones that had it are returned,
    locked until the caller's transaction ends, so the caller can audit each change once."""
    flagged = list(notifications.filter(needs_attention=True).select_for_update())
    Es2Notification.objects.filter(pk__in=[n.pk for n in flagged]).update(needs_attention=False)
    return flagged
