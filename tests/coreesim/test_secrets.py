"""Secrets read from encrypted columns never show up in reprs, strings or logs."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection

from coreesim.logging import JsonFormatter, KeyValueFormatter, RedactSecretsFilter
from coreesim.secrets import MASK, Secret, reveal
from smdp_client.models import SmdpServer

# Generated at run time: no key material is ever committed.
PRIVATE_KEY = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)


def smdp_server(**overrides) -> SmdpServer:
    fields = {
        "name": "sim",
        "base_url": "https://smdp.example.com",
        "smdp_address": "smdp.example.com",
        "requester_id": "coreesim",
        "client_private_key": PRIVATE_KEY,
        "inbound_secret": "inbound-shared-secret",
    }
    fields.update(overrides)
    return SmdpServer.objects.create(**fields)


def test_a_secret_shows_only_a_mask_in_str_repr_and_format():
    secret = Secret("LPA:1$smdp.example.com$MATCH-1")

    assert str(secret) == MASK
    assert "MATCH-1" not in repr(secret)
    assert f"{secret}" == MASK
    assert "MATCH-1" not in repr({"code": secret})
    assert secret.reveal() == "LPA:1$smdp.example.com$MATCH-1"


def test_reveal_accepts_secrets_plain_strings_and_none():
    assert reveal(Secret("a")) == "a"
    assert reveal("b") == "b"
    assert reveal(None) is None


@pytest.mark.parametrize("formatter", [KeyValueFormatter(), JsonFormatter()], ids=["kv", "json"])
def test_a_secret_logged_by_mistake_shows_only_the_mask(formatter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logging.getLogger("tests.secrets")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        secret = Secret("inbound-shared-secret")
        log.warning("smdp_auth_failed %s", secret, extra={"expected": secret})
    finally:
        log.removeHandler(handler)

    assert "inbound-shared-secret" not in stream.getvalue()
    assert MASK in stream.getvalue()


@pytest.mark.django_db
def test_encrypted_columns_hold_ciphertext_and_read_back_as_secrets():
    server = smdp_server()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_private_key, inbound_secret FROM smdp_client_smdpserver WHERE id = %s",
            [server.pk],
        )
        raw_key, raw_secret = cursor.fetchone()
    loaded = SmdpServer.objects.get(pk=server.pk)

    assert raw_key.startswith("enc1:")
    assert "PRIVATE KEY" not in raw_key
    assert raw_secret.startswith("enc1:")
    assert "inbound-shared-secret" not in raw_secret
    assert isinstance(loaded.client_private_key, Secret)
    assert loaded.client_private_key.reveal() == PRIVATE_KEY
    assert loaded.inbound_secret.reveal() == "inbound-shared-secret"


@pytest.mark.django_db
def test_an_empty_encrypted_column_stays_null():
    server = smdp_server(client_private_key=None)

    assert SmdpServer.objects.get(pk=server.pk).client_private_key is None


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_column_is_refused_on_read():
    from coreesim.crypto import DecryptionError

    server = smdp_server()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE smdp_client_smdpserver SET inbound_secret = client_private_key WHERE id = %s",
            [server.pk],
        )

    with pytest.raises(DecryptionError):
        SmdpServer.objects.get(pk=server.pk)


@pytest.mark.django_db
def test_serialisation_keeps_the_ciphertext_not_the_plain_value():
    from django.core import serializers

    server = smdp_server()

    dumped = serializers.serialize("json", SmdpServer.objects.filter(pk=server.pk))

    assert "inbound-shared-secret" not in dumped
    assert "PRIVATE KEY" not in dumped
    assert '"inbound_secret": "enc1:' in dumped


@pytest.mark.django_db
def test_a_model_repr_does_not_reveal_its_secrets():
    server = SmdpServer.objects.get(pk=smdp_server().pk)

    assert "inbound-shared-secret" not in repr(vars(server))
    assert "PRIVATE KEY" not in repr(vars(server))


def test_the_configured_console_handler_redacts():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]

    assert "redact" in handler["filters"]
    assert settings.LOGGING["filters"]["redact"]["()"] == (
        f"{RedactSecretsFilter.__module__}.{RedactSecretsFilter.__name__}"
    )
