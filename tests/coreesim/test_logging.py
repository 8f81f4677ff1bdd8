"""Structured logs: event name + fields, secrets redacted, in both output formats."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest
from django.test import RequestFactory

from coreesim.logging import REDACTED, JsonFormatter, KeyValueFormatter, RedactSecretsFilter

ACTIVATION_CODE = "LPA:1$smdp.example.com$QR-G6PJY-NGXZ2-4RWVL$$1"
MATCHING_ID = "QR-G6PJY-NGXZ2-4RWVL"
API_KEY = "cesk_live01.Zk3v9QmB7xYt2LpW"
ICCID = "8901234567890123456"

Emit = Callable[..., str]


@pytest.fixture(params=["keyvalue", "json"])
def emit(request) -> Emit:
    """Log one record through the production handler set-up and return what came out."""
    formatter = KeyValueFormatter() if request.param == "keyvalue" else JsonFormatter()

    def _emit(message: str, *args: object, **fields: object) -> str:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(RedactSecretsFilter())
        log = logging.getLogger(f"tests.logging.{request.param}")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.addHandler(handler)
        try:
            log.info(message, *args, extra=fields)
        finally:
            log.removeHandler(handler)
        return stream.getvalue()

    return _emit


def test_keyvalue_lines_carry_the_event_name_and_fields():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    log = logging.getLogger("tests.logging.kv-shape")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    log.info("order_placed", extra={"order": "ORD-1", "iccid": ICCID})
    log.removeHandler(handler)

    line = stream.getvalue().strip()

    assert line.endswith(f"INFO tests.logging.kv-shape order_placed order=ORD-1 iccid={ICCID}")


def test_json_lines_are_one_object_with_the_event_and_fields():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.logging.json-shape")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    log.info("order_placed", extra={"order": "ORD-1", "quantity": 2})
    log.removeHandler(handler)

    payload = json.loads(stream.getvalue())

    assert payload["event"] == "order_placed"
    assert payload["level"] == "INFO"
    assert payload["order"] == "ORD-1"
    assert payload["quantity"] == 2


def test_an_activation_code_in_the_message_is_redacted(emit):
    out = emit(f"sending code {ACTIVATION_CODE} to traveler")

    assert "smdp.example.com$" not in out
    assert MATCHING_ID not in out
    assert REDACTED in out


def test_an_activation_code_passed_as_an_argument_is_redacted(emit):
    out = emit("sending code %s", ACTIVATION_CODE)

    assert MATCHING_ID not in out
    assert REDACTED in out


def test_secret_fields_are_redacted_whatever_their_value(emit):
    out = emit(
        "order_completed",
        activation_code=ACTIVATION_CODE,
        matching_id=MATCHING_ID,
        confirmation_code="CONF-77QX",
        api_key=API_KEY,
        iccid=ICCID,
    )

    assert MATCHING_ID not in out
    assert "CONF-77QX" not in out
    assert API_KEY not in out
    assert ICCID in out


def test_authorization_headers_are_redacted_in_a_headers_field(emit):
    out = emit(
        "webhook_sent",
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )

    assert API_KEY not in out
    assert "application/json" in out


def test_a_bearer_token_in_free_text_is_redacted(emit):
    out = emit("inbound request authorization: Bearer abc.DEF-123_token")

    assert "abc.DEF-123_token" not in out


def test_an_api_key_in_free_text_is_redacted(emit):
    out = emit(f"rejected key {API_KEY} for partner acme")

    assert API_KEY not in out
    assert "partner acme" in out


def test_a_matching_id_inside_an_es2plus_body_is_redacted(emit):
    body = json.dumps({"iccid": ICCID, "matchingId": MATCHING_ID, "confirmationCode": "CONF-55ZZ"})

    out = emit("es2plus_response", body=body)

    assert MATCHING_ID not in out
    assert "CONF-55ZZ" not in out
    assert ICCID in out


def test_secrets_nested_in_lists_and_dicts_are_redacted(emit):
    out = emit("batch_done", results=[{"iccid": ICCID, "matching_id": MATCHING_ID}])

    assert MATCHING_ID not in out
    assert ICCID in out


def test_a_webhook_signing_secret_is_redacted(emit):
    out = emit("endpoint_created secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")

    assert "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" not in out


def test_mapping_style_arguments_are_redacted_and_still_format(emit):
    out = emit("Task %(name)s got %(code)s", {"name": "orders.provision", "code": ACTIVATION_CODE})

    assert "Task orders.provision got" in out
    assert MATCHING_ID not in out


def test_an_object_attached_to_a_record_is_redacted_as_its_text(emit):
    """Django attaches the request to its records; its repr carries the path."""
    request = RequestFactory().head("/esim/AY7iQzq1Xk3v9QmB7xYt2LpWfD8ILPZIo2LaLaSwDHY/")

    out = emit("Method Not Allowed (HEAD)", request=request, status_code=405)

    assert "AY7iQzq1Xk3v9QmB7xYt2LpW" not in out
    assert "405" in out
