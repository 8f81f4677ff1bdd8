"""handleDownloadProgressInfo intake: authenticate, validate, store durably, answer 204."""

from __future__ import annotations

import pytest
from django.test import override_settings

from smdp_client.models import Es2Notification
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence
from tests.smdp_client.certs import issue, make_ca
from tests.smdp_client.notifications import body, post

ICCID = iccid_sequence(31)
PROXY = "10.0.0.1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def smdp():
    return SmdpServerFactory(name="acme")


def test_a_valid_notification_is_stored_and_answered_204_with_the_admin_protocol(client, smdp):
    response = post(client, smdp, body(ICCID, 3))

    assert response.status_code == 204
    assert response.content == b""
    assert response["X-Admin-Protocol"] == "gsma/rsp/v2.5.0"
    stored = Es2Notification.objects.get()
    assert stored.server == smdp
    assert stored.iccid == ICCID
    assert stored.notification_point_id == 3
    assert stored.point_status == "Executed-Success"
    assert stored.eid == "89049032000000000000000000000999"
    assert stored.payload["profileType"] == "SIM-DATA"
    assert stored.state == "received"


def test_an_f_padded_iccid_is_stored_as_its_digits(client, smdp):
    nineteen = ICCID[:19]

    post(client, smdp, body(nineteen + "F"))

    assert Es2Notification.objects.get().iccid == nineteen


def test_a_duplicate_is_acknowledged_and_not_stored_twice(client, smdp):
    first = body(ICCID, call_id="call-1")

    responses = [post(client, smdp, first), post(client, smdp, body(ICCID, 4, call_id="call-1"))]

    assert [r.status_code for r in responses] == [204, 204]
    assert Es2Notification.objects.count() == 1
    assert Es2Notification.objects.get().notification_point_id == 3


def test_the_same_call_identifier_from_two_servers_is_two_notifications(client, smdp):
    other = SmdpServerFactory(name="other")

    post(client, smdp, body(ICCID, call_id="same"))
    post(client, other, body(ICCID, call_id="same"))

    assert Es2Notification.objects.count() == 2


def test_an_unknown_iccid_is_stored_and_answered_204(client, smdp):
    response = post(client, smdp, body("89000000000000000001"))

    assert response.status_code == 204
    assert Es2Notification.objects.get().iccid == "89000000000000000001"


@pytest.mark.parametrize("point", [1, 2, 5, 7, 99])
def test_other_notification_points_are_stored_and_never_refused(client, smdp, point):
    assert post(client, smdp, body(ICCID, point)).status_code == 204
    assert Es2Notification.objects.get().notification_point_id == point


def test_without_any_credential_the_caller_gets_401_and_nothing_is_stored(client, smdp):
    response = post(client, None, body(ICCID))

    assert response.status_code == 401
    assert Es2Notification.objects.count() == 0


def test_a_wrong_secret_gets_403_and_nothing_is_stored(client, smdp):
    response = post(client, smdp, body(ICCID), secret="guess")

    assert response.status_code == 403
    assert Es2Notification.objects.count() == 0


def test_a_disabled_server_is_not_accepted(client, smdp):
    smdp.enabled = False
    smdp.save()

    assert post(client, smdp, body(ICCID)).status_code == 403


def test_a_server_with_an_address_allowlist_accepts_only_those_addresses(client):
    smdp = SmdpServerFactory(inbound_allowed_ips=["10.1.2.0/24"])

    refused = post(client, smdp, body(ICCID), REMOTE_ADDR="10.9.9.9")
    accepted = post(client, smdp, body(ICCID), REMOTE_ADDR="10.1.2.3")

    assert refused.status_code == 403
    assert accepted.status_code == 204


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_server_identified_by_the_certificate_fingerprint_our_proxy_passes(client):
    cert = issue(make_ca("SM-DP+ CA"), "smdp", client=True)
    smdp = SmdpServerFactory(inbound_secret=None, inbound_cert_fingerprint=cert.fingerprint())

    accepted = post(
        client,
        None,
        body(ICCID),
        REMOTE_ADDR=PROXY,
        HTTP_X_CLIENT_CERT_FINGERPRINT=cert.fingerprint().lower(),
    )
    refused = post(
        client, None, body(ICCID), REMOTE_ADDR=PROXY, HTTP_X_CLIENT_CERT_FINGERPRINT="AB:CD"
    )

    assert accepted.status_code == 204
    assert refused.status_code == 403
    assert Es2Notification.objects.get().server == smdp


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_certificate_fingerprint_sent_by_anyone_but_our_proxy_is_ignored(client):
    cert = issue(make_ca("SM-DP+ CA"), "smdp", client=True)
    SmdpServerFactory(inbound_secret=None, inbound_cert_fingerprint=cert.fingerprint())

    response = post(
        client,
        None,
        body(ICCID),
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_CLIENT_CERT_FINGERPRINT=cert.fingerprint(),
    )

    assert response.status_code == 401
    assert Es2Notification.objects.count() == 0


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_our_proxy_the_allowlist_judges_the_address_the_proxy_saw_not_a_forged_one(client):
    smdp = SmdpServerFactory(inbound_allowed_ips=["10.1.2.3"])

    forged = post(
        client, smdp, body(ICCID), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.1.2.3, 198.51.100.7"
    )
    genuine = post(
        client, smdp, body(ICCID), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 10.1.2.3"
    )

    assert forged.status_code == 403
    assert genuine.status_code == 204
    assert Es2Notification.objects.get().remote_addr == "10.1.2.3"


def test_a_server_with_no_inbound_check_configured_accepts_nobody(client):
    SmdpServerFactory(inbound_secret=None)

    assert post(client, None, body(ICCID), REMOTE_ADDR="127.0.0.1").status_code == 401


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        ({"iccid": ICCID}, "header is missing"),
        (body(ICCID, header={"functionRequesterIdentifier": "x"}), "functionCallIdentifier"),
        ({k: v for k, v in body(ICCID).items() if k != "iccid"}, "iccid is missing"),
        (body("1234"), "not an ICCID"),
        ({k: v for k, v in body(ICCID).items() if k != "profileType"}, "profileType is missing"),
        ({k: v for k, v in body(ICCID).items() if k != "timestamp"}, "timestamp is missing"),
        (body(ICCID, timestamp="yesterday"), "ISO 8601"),
        (
            {k: v for k, v in body(ICCID).items() if k != "notificationPointId"},
            "notificationPointId is missing",
        ),
        (body(ICCID, notificationPointId="three"), "must be an integer"),
        (body(ICCID, notificationPointStatus="ok"), "notificationPointStatus"),
        (body(ICCID, notificationPointStatus={}), "notificationPointStatus.status is missing"),
        (body(ICCID, eid="123"), "not an EID"),
        (body(ICCID, resultData=5), "resultData"),
    ],
)
def test_malformed_input_is_400_with_a_clear_message_and_nothing_stored(
    client, smdp, payload, message
):
    response = post(client, smdp, payload)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Es2Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body(ICCID, notificationPointId="\u00b2"), "must be an integer"),
        (body(ICCID, notificationPointId="9" * 5000), "must be an integer"),
        (body(ICCID, notificationPointId=2**40), "from -2147483648 to 2147483647"),
        (body(ICCID, notificationPointId=-(2**31) - 1), "from -2147483648 to 2147483647"),
        (body(ICCID[:19] + "\n"), "not an ICCID"),
        (body(ICCID[:19] + "0\n"), "not an ICCID"),
        (body("\u0668" * 20), "not an ICCID"),
        (body(ICCID, eid="8" * 32 + "\n"), "not an EID"),
        (body(ICCID, eid="\u0660" * 32), "not an EID"),
        (body(ICCID, profileType="SIM\u0000DATA"), "'profileType' contains a NUL character"),
        (
            body(
                ICCID,
                notificationPointStatus={"status": "Failed", "statusCodeData": {"m": "a\u0000"}},
            ),
            "'notificationPointStatus.statusCodeData.m' contains a NUL character",
        ),
        (body(ICCID, vendor={"a\u0000b": 1}), "contains a NUL character"),
        (body(ICCID, resultData="\ud800"), "'resultData' contains a NUL character or an unpaired"),
        (b'{"iccid": ' + b"1" * 5000 + b"}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_input_the_database_cannot_hold_is_400_naming_the_field_and_nothing_stored(
    client, smdp, payload, message
):
    response = post(client, smdp, payload)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Es2Notification.objects.count() == 0


def test_a_timestamp_with_an_offset_is_accepted(client, smdp):
    post(client, smdp, body(ICCID, timestamp="2026-11-24T10:00:00+00:00"))

    assert Es2Notification.objects.get().timestamp.isoformat() == "2026-11-24T10:00:00+00:00"


def test_only_post_is_allowed(client, smdp):
    assert client.get("/gsma/rsp2/es2plus/handleDownloadProgressInfo").status_code == 405
