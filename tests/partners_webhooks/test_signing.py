"""Our signatures verify with the independent ``standardwebhooks`` package."""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from partners.webhooks.signing import SECRET_PREFIX, secret_generate, webhook_headers

BODY = b'{"type":"order.completed","timestamp":"2026-11-25T10:00:00+00:00","data":{"id":1}}'


def _headers(*secrets: str) -> dict[str, str]:
    return webhook_headers(
        secrets=secrets, message_id="msg_1", timestamp=int(time.time()), body=BODY
    )


def test_generated_secrets_have_the_whsec_prefix_and_differ() -> None:
    first, second = secret_generate(), secret_generate()
    assert first.startswith(SECRET_PREFIX)
    assert first != second


def test_signature_verifies_with_the_standardwebhooks_package() -> None:
    secret = secret_generate()
    assert Webhook(secret).verify(BODY, _headers(secret))["data"] == {"id": 1}


def test_signature_with_another_secret_is_rejected() -> None:
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_generate()).verify(BODY, _headers(secret_generate()))


def test_during_rotation_both_old_and_new_secret_verify() -> None:
    old, new = secret_generate(), secret_generate()
    headers = _headers(new, old)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)


def test_a_tampered_body_is_rejected() -> None:
    secret = secret_generate()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"1}", b"2}"), _headers(secret))
