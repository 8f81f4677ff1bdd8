"""The base class of every partner API view: auth, scopes, rate limit, idempotency, headers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from coreesim.api.authentication import ApiClient, ApiKeyAuthentication
from coreesim.api.idempotency import (
    HEADER,
    IdempotentReplay,
    idempotency_claim,
    idempotency_finish,
    validate_key,
)
from coreesim.api.pagination import ApiCursorPagination
from coreesim.api.permissions import HasScope, PartnerIsActive, implements
from coreesim.api.schema import PartnerAutoSchema
from coreesim.api.throttling import ApiKeyRateThrottle, rate_limit_headers
from coreesim.models import IdempotencyRecord


class PartnerAPIView(APIView):
    """Subclasses set ``required_scopes`` per method and stay thin: validate, call, serialize.

    Every ``POST`` needs an ``Idempotency-Key`` (see ``coreesim.api.idempotency``).
    """

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated, PartnerIsActive, HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    idempotent_methods = frozenset({"POST"})
    required_scopes: dict[str, str] = {}
    schema = PartnerAutoSchema()
    _idempotency: IdempotencyRecord | None = None

    @property
    def client(self) -> ApiClient:
        user = self.request.user
        assert isinstance(user, ApiClient)
        return user

    @property
    def partner(self) -> Any:
        return self.client.partner

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A method the view lacks is answered 405 and runs nothing: no key to claim.
        if request.method in self.idempotent_methods and implements(self, request.method):
            key = validate_key(request.headers.get(HEADER))
            self._idempotency = idempotency_claim(
                partner_id=self.client.partner_id,
                key=key,
                method=request.method or "",
                path=request.path,
                data=request.data,
            )

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        if isinstance(exc, IdempotentReplay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency = self._idempotency, None
        if record is not None:
            idempotency_finish(record=record, response=response)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            for name, value in rate_limit_headers(state).items():
                response[name] = value
        return response


class PartnerListAPIView(PartnerAPIView, generics.ListAPIView):
    """A cursor-paginated list; subclasses give ``serializer_class`` and ``get_queryset``."""

    pagination_class = ApiCursorPagination
    filter_backends: list[Any] = []
