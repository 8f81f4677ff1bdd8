"""Factories for SM-DP+ servers, ES2+ calls and notifications."""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone

from smdp_client.choices import CallOutcome, Es2Function, NotificationState
from smdp_client.models import Es2Call, Es2Notification, SmdpServer


def luhn_complete(body: str) -> str:
    """``body`` plus its Luhn check digit (ICCIDs the simulator knows on first sight)."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def iccid_sequence(n: int) -> str:
    return luhn_complete(f"894400000{n:09d}")


class SmdpServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmdpServer
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"smdp-{n}")
    base_url = "http://127.0.0.1:8701"
    smdp_address = "smdp.example.test"
    requester_id = "coreesim-test"
    allow_plain_http = True
    connect_timeout = 2.0
    read_timeout = 2.0
    inbound_secret = factory.LazyFunction(lambda: f"secret-{uuid.uuid4().hex}")


class Es2CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Es2Call

    server = factory.SubFactory(SmdpServerFactory)
    function = Es2Function.DOWNLOAD_ORDER
    function_call_identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    iccid = factory.Sequence(iccid_sequence)
    outcome = CallOutcome.SUCCEEDED
    request_body = factory.LazyAttribute(lambda o: {"iccid": o.iccid})


class Es2NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Es2Notification

    server = factory.SubFactory(SmdpServerFactory)
    function_call_identifier = factory.LazyFunction(lambda: str(uuid.uuid4()))
    requester_identifier = "smdp"
    iccid = factory.Sequence(iccid_sequence)
    profile_type = "SIM-DATA"
    notification_point_id = 3
    point_status = "Executed-Success"
    timestamp = factory.LazyFunction(timezone.now)
    payload = factory.LazyAttribute(lambda o: {"iccid": o.iccid})
    state = NotificationState.RECEIVED
