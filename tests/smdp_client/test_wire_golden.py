"""Golden wire tests: the exact bytes and headers the SM-DP+ receives from us."""

from __future__ import annotations

import json
import uuid

from smdp_client.client import Es2Client
from tests.factories.smdp_client import iccid_sequence

ICCID = iccid_sequence(2)
EID = "89049032000000000000000000000042"


def received(sim) -> tuple[str, dict[str, str], str, str]:
    """Path, headers, body with the call identifier replaced, and that identifier."""
    request = sim.requests()[-1]
    body = request["body"]
    call_id = json.loads(body)["header"]["functionCallIdentifier"]
    return request["path"], dict(request["headers"]), body.replace(call_id, "<CALL-ID>"), call_id


def test_download_order_wire_format(server, sim):
    sim.set_profile(ICCID, profileType="EU-10GB")

    Es2Client(server).download_order(iccid=ICCID, eid=EID, profile_type="EU-10GB")

    path, headers, body, call_id = received(sim)
    assert path == "/gsma/rsp2/es2plus/downloadOrder"
    assert headers["Content-Type"] == "application/json;charset=UTF-8"
    assert headers["X-Admin-Protocol"] == "gsma/rsp/v2.5.0"
    assert headers["Content-Length"] == str(len(sim.requests()[-1]["body"].encode()))
    assert body == (
        '{"header":{"functionRequesterIdentifier":"coreesim-test",'
        '"functionCallIdentifier":"<CALL-ID>"},'
        f'"iccid":"{ICCID}","eid":"{EID}","profileType":"EU-10GB"}}'
    )
    assert uuid.UUID(call_id).version == 4


def test_download_order_sends_only_the_fields_given(server, sim):
    Es2Client(server).download_order(iccid=ICCID)

    assert received(sim)[2] == (
        '{"header":{"functionRequesterIdentifier":"coreesim-test",'
        f'"functionCallIdentifier":"<CALL-ID>"}},"iccid":"{ICCID}"}}'
    )


def test_confirm_order_wire_format(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    client.confirm_order(
        iccid=ICCID,
        release_flag=True,
        eid=EID,
        matching_id="ABC-123",
        confirmation_code="8521",
        smds_address="lpa.ds.gsma.com",
    )

    path, _headers, body, _ = received(sim)
    assert path == "/gsma/rsp2/es2plus/confirmOrder"
    assert body == (
        '{"header":{"functionRequesterIdentifier":"coreesim-test",'
        '"functionCallIdentifier":"<CALL-ID>"},'
        f'"iccid":"{ICCID}","releaseFlag":true,"eid":"{EID}","matchingId":"ABC-123",'
        '"confirmationCode":"8521","smdsAddress":"lpa.ds.gsma.com"}'
    )


def test_confirm_order_without_options_sends_iccid_and_release_flag_only(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    client.confirm_order(iccid=ICCID, release_flag=False)

    assert received(sim)[2].endswith(f'"iccid":"{ICCID}","releaseFlag":false}}')


def test_cancel_order_wire_format(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID, eid=EID)

    client.cancel_order(iccid=ICCID, final_status="Available", eid=EID)

    path, _headers, body, _ = received(sim)
    assert path == "/gsma/rsp2/es2plus/cancelOrder"
    assert body.endswith(
        f'"iccid":"{ICCID}","finalProfileStatusIndicator":"Available","eid":"{EID}"}}'
    )


def test_release_profile_wire_format(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)
    client.confirm_order(iccid=ICCID, release_flag=False)

    client.release_profile(iccid=ICCID)

    path, _headers, body, _ = received(sim)
    assert path == "/gsma/rsp2/es2plus/releaseProfile"
    assert body == (
        '{"header":{"functionRequesterIdentifier":"coreesim-test",'
        f'"functionCallIdentifier":"<CALL-ID>"}},"iccid":"{ICCID}"}}'
    )


def test_the_admin_protocol_version_is_configurable_per_server(server, sim):
    server.admin_protocol = "gsma/rsp/v2.2.0"
    server.save()

    Es2Client(server).download_order(iccid=ICCID)

    assert received(sim)[1]["X-Admin-Protocol"] == "gsma/rsp/v2.2.0"


def test_every_call_has_a_fresh_function_call_identifier(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)
    client.cancel_order(iccid=ICCID, final_status="Available")
    client.download_order(iccid=ICCID)

    ids = [json.loads(r["body"])["header"]["functionCallIdentifier"] for r in sim.requests()]
    assert len(set(ids)) == 3
