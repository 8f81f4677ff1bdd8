"""Structured logs: one event name plus key=value fields, with secrets redacted on the way out.

Call sites log ``logger.info("order_placed", extra={"order": ref, "iccid": iccid})``; the
formatters render the message as the event name and every extra field beside it.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

REDACTED = "[redacted]"

# Field names whose values are secrets wherever they appear.
SECRET_FIELDS = frozenset(
    {
        "activation_code",
        "matching_id",
        "matchingid",
        "confirmation_code",
        "confirmationcode",
        "api_key",
        "authorization",
        "password",
        "secret",
        "pin1",
        "puk1",
        "pin2",
        "puk2",
        "private_key",
        "token",
    }
)

# Secrets recognisable by their shape inside free text.
SECRET_PATTERNS = [
    re.compile(r"LPA:1\$[^\s\"']+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bcesk_[A-Za-z0-9]+\.[A-Za-z0-9_-]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]+"),
    # The traveler's page link is the key to their eSIM: /esim/<token>/ (not /esim/find/).
    re.compile(r"(/esim/)[A-Za-z0-9_-]{20,}"),
    re.compile(
        r"(?i)(\"?(?:matchingId|confirmationCode|activation_code|password|secret)\"?\s*[:=]\s*\"?)"
        r"[^\s\",}]+"
    ),
]

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def redact_text(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    if key.lower().replace("-", "_") in SECRET_FIELDS:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    # Anything else (Django attaches the request itself to its records) is logged as text,
    # so it is redacted as text: a request's repr holds its path, e.g. a traveler page link.
    return redact_text(str(value))


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The extra fields a call site attached to the record."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class RedactSecretsFilter(logging.Filter):
    """Scrubs secrets from the message, its arguments and every extra field."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(str(record.msg))
        if isinstance(record.args, dict):  # logger.info("%(name)s", {"name": ...})
            record.args = redact_value("", record.args)
        elif record.args:
            record.args = tuple(redact_value("", a) for a in record.args)
        for key, value in record_fields(record).items():
            setattr(record, key, redact_value(key, value))
        return True


class KeyValueFormatter(logging.Formatter):
    """``2026-11-25T10:00:00 INFO orders order_placed order=42 iccid=8901…`` for humans."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in record_fields(record).items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **record_fields(record),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
