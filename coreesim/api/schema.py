"""OpenAPI pieces every operation shares: the problem document, its codes, common headers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from coreesim.api.idempotency import HEADER, REPLAYED_HEADER
from coreesim.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, ErrorCode


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details; branch on ``code``, show ``detail`` to humans."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=ErrorCode.choices)
    instance = serializers.CharField(required=False)
    errors = FieldErrorSerializer(many=True, required=False)


def _example(code: ErrorCode, status: int, detail: str) -> OpenApiExample:
    return OpenApiExample(
        code.value,
        value={
            "type": f"{PROBLEM_TYPE_BASE}{code.value}",
            "title": code.label,
            "status": status,
            "detail": detail,
            "code": code.value,
        },
        response_only=True,
        status_codes=[str(status)],
    )


def problem(description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description, examples=list(examples))


PROBLEM_RESPONSES: dict[int, Any] = {
    400: problem(
        "The request is not valid.",
        _example(ErrorCode.VALIDATION_ERROR, 400, "One or more fields are invalid."),
    ),
    401: problem(
        "No API key, or an unknown, revoked or expired one.",
        _example(
            ErrorCode.AUTHENTICATION_FAILED, 401, "The API key is unknown, revoked or expired."
        ),
    ),
    403: problem(
        "The key lacks the scope, or the partner is suspended.",
        _example(ErrorCode.PERMISSION_DENIED, 403, "This API key lacks the 'orders:write' scope."),
    ),
    404: problem(
        "No such object for this partner.", _example(ErrorCode.NOT_FOUND, 404, "Not found.")
    ),
    429: problem(
        "Rate limit reached; wait the seconds given in Retry-After.",
        _example(ErrorCode.THROTTLED, 429, "Request was throttled."),
    ),
}

IDEMPOTENCY_RESPONSES: dict[int, Any] = {
    409: problem(
        "A request with this Idempotency-Key is still running.",
        _example(ErrorCode.IDEMPOTENCY_IN_PROGRESS, 409, "Retry in a moment."),
    ),
    422: problem(
        "The Idempotency-Key was used with a different request.",
        _example(ErrorCode.IDEMPOTENCY_CONFLICT, 422, "Use a new key."),
    ),
}


def idempotency_header() -> OpenApiParameter:
    return OpenApiParameter(
        HEADER,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=True,
        description=(
            "A unique key per operation (a UUID is ideal), 1-255 printable characters. "
            "Retrying with the same key and body within 24 h returns the first answer with "
            "`Idempotent-Replayed: true` and never runs the operation twice."
        ),
    )


class PartnerAutoSchema(AutoSchema):
    """Adds to every partner operation what the base view does for it.

    Each operation gets the problem responses it can produce (401/403/404/429, 400 when it takes
    input) as ``application/problem+json``; every POST gets the required ``Idempotency-Key``
    header, its 409/422 answers and the ``Idempotent-Replayed`` response header.
    """

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(idempotency_header())
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        extra = dict(PROBLEM_RESPONSES)
        if self.method == "POST":
            extra.update(IDEMPOTENCY_RESPONSES)
        for status_code, response in extra.items():
            if str(status_code) not in bodies:
                bodies[str(status_code)] = self._get_response_for_code(
                    response, str(status_code), [PROBLEM_CONTENT_TYPE], direction
                )
        if self.method == "POST":
            for code, body in bodies.items():
                if code.startswith("2"):
                    body.setdefault("headers", {})[REPLAYED_HEADER] = {
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": "Present when this is the stored answer of a retry.",
                    }
        return bodies
