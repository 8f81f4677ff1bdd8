"""Helpers to take a sent email apart the way a mail client would."""

from __future__ import annotations

import email
import io
from email.message import Message

import zxingcpp
from PIL import Image


def parse(message) -> Message:
    """The message as it goes over the wire, parsed back."""
    return email.message_from_bytes(message.message().as_bytes())


def part(parsed: Message, content_type: str) -> Message:
    for p in parsed.walk():
        if p.get_content_type() == content_type:
            return p
    raise AssertionError(f"no {content_type} part")


def text_of(parsed: Message, content_type: str) -> str:
    payload = part(parsed, content_type).get_payload(decode=True)
    return payload.decode("utf-8")


def decode_cid_qr(parsed: Message, content_id: str) -> str:
    for p in parsed.walk():
        if p.get_content_maintype() == "image" and p.get("Content-ID") == f"<{content_id}>":
            image = Image.open(io.BytesIO(p.get_payload(decode=True)))
            results = zxingcpp.read_barcodes(image)
            assert results, "the QR image does not scan"
            return results[0].text
    raise AssertionError(f"no image with Content-ID {content_id}")
