"""``manage.py run_smdp_simulator`` as its own process, strict about what it is sent."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smdp_client.client import Es2Client
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence

BASE_DIR = Path(__file__).resolve().parents[2]
ICCID = iccid_sequence(41)
GOOD_HEADERS = {
    "Content-Type": "application/json;charset=UTF-8",
    "X-Admin-Protocol": "gsma/rsp/v2.5.0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def process_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_smdp_simulator", "--port", str(port), "--seed", "1"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.django_db
def test_the_command_serves_es2_over_real_http(process_url):
    server = SmdpServerFactory(base_url=process_url)

    assert Es2Client(server).download_order(iccid=ICCID).iccid == ICCID


def post(url: str, function: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{url}/gsma/rsp2/es2plus/{function}", content=content, headers=headers)


def envelope(call_id: str, **fields: object) -> bytes:
    header = {"functionRequesterIdentifier": "x", "functionCallIdentifier": call_id}
    return json.dumps({"header": header, **fields}).encode()


def test_it_refuses_a_request_without_x_admin_protocol(process_url):
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    response = post(process_url, "releaseProfile", envelope("a", iccid=ICCID), headers)

    assert response.status_code == 400


def test_it_refuses_a_body_that_is_not_json(process_url):
    response = post(
        process_url, "releaseProfile", b"iccid=1", {**GOOD_HEADERS, "Content-Type": "text/plain"}
    )

    assert response.status_code == 415


def test_it_answers_404_for_an_unknown_function(process_url):
    assert post(process_url, "getProfileStatus", envelope("b"), GOOD_HEADERS).status_code == 404


def test_a_missing_mandatory_element_is_a_failure_on_http_200(process_url):
    response = post(process_url, "confirmOrder", envelope("c", iccid=ICCID), GOOD_HEADERS)

    assert response.status_code == 200
    assert response.headers["X-Admin-Protocol"].startswith("gsma/rsp/v2.")
    execution = response.json()["header"]["functionExecutionStatus"]
    assert execution["status"] == "Failed"
    assert execution["statusCodeData"]["reasonCode"] == "2.2"


def test_an_unknown_element_is_refused(process_url):
    response = post(
        process_url, "releaseProfile", envelope("d", iccid=ICCID, releaseflag=True), GOOD_HEADERS
    )

    assert (
        response.json()["header"]["functionExecutionStatus"]["statusCodeData"]["reasonCode"]
        == "2.1"
    )


def test_a_reused_function_call_identifier_is_refused(process_url):
    post(process_url, "releaseProfile", envelope("same", iccid=ICCID), GOOD_HEADERS)

    response = post(process_url, "releaseProfile", envelope("same", iccid=ICCID), GOOD_HEADERS)

    assert (
        "already used"
        in response.json()["header"]["functionExecutionStatus"]["statusCodeData"]["message"]
    )


@pytest.mark.parametrize(
    ("function", "fields", "subject"),
    [
        ("releaseProfile", {"iccid": "٨" * 19}, "8.2.1"),
        ("releaseProfile", {"iccid": f"{ICCID}\n"}, "8.2.1"),
        ("downloadOrder", {"iccid": ICCID, "eid": "٨" * 32}, "8.1.1"),
    ],
    ids=["ICCID in non-ASCII digits", "ICCID with a trailing newline", "EID in non-ASCII digits"],
)
def test_an_identifier_that_is_not_ascii_digits_only_is_an_invalid_element(
    process_url, function, fields, subject
):
    response = post(process_url, function, envelope(str(uuid.uuid4()), **fields), GOOD_HEADERS)

    data = response.json()["header"]["functionExecutionStatus"]["statusCodeData"]
    assert (data["subjectCode"], data["reasonCode"]) == (subject, "2.1")
