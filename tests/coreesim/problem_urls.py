"""A test-only urlconf: small DRF views that fail in each way the API can fail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from rest_framework import authentication, exceptions, serializers, throttling
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coreesim.problems import ErrorCode, ProblemError
from coreesim.urls import handler400, handler403, handler404, handler500

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

VALID_TOKEN = "good-token"


class PartnerUser:
    is_authenticated = True


class BearerAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[PartnerUser, str] | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        if header != f"Bearer {VALID_TOKEN}":
            raise exceptions.AuthenticationFailed("Unknown API key.")
        return (PartnerUser(), VALID_TOKEN)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TravelerSerializer(serializers.Serializer):
    email = serializers.EmailField()


class OrderInput(serializers.Serializer):
    plan = serializers.SlugField()
    quantity = serializers.IntegerField(min_value=1, max_value=10)
    traveler = TravelerSerializer()


class OrdersView(APIView):
    """POST-only, authenticated: the shape of the real order intake."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["plan"] == "busy":
            raise ProblemError(
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                "A request with this Idempotency-Key is still running.",
                http_status=409,
            )
        if data.validated_data["plan"] == "replayed":
            raise ProblemError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "This Idempotency-Key was used with another body.",
                http_status=422,
            )
        if data.validated_data["plan"] == "sold-out":
            raise ProblemError(
                ErrorCode.OUT_OF_STOCK,
                "No profile left for this plan.",
                http_status=409,
                plan="sold-out",
            )
        return Response({"ok": True}, status=201)


class ForbiddenView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise PermissionDenied("internal reason that must not leak")


class MissingView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise Http404("internal lookup detail")


class AlwaysThrottled(throttling.BaseThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        return False

    def wait(self) -> float:
        return 7


class ThrottledView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AlwaysThrottled]

    def get(self, request: Request) -> Response:
        return Response({})


class BrokenView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError("database password is hunter2")


def broken_plain_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("database password is hunter2")


urlpatterns = [
    path("api/orders", OrdersView.as_view()),
    path("api/forbidden", ForbiddenView.as_view()),
    path("api/missing", MissingView.as_view()),
    path("api/throttled", ThrottledView.as_view()),
    path("api/broken", BrokenView.as_view()),
    path("api/plain-broken", broken_plain_view),
    path("pages/plain-broken", broken_plain_view),
]
