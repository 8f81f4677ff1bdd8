"""The inbound ES2+ endpoint: handleDownloadProgressInfo (ES2PLUS.md "Notifications")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from coreesim.client_address import client_address, proxy_header
from coreesim.problems import PROBLEM_CONTENT_TYPE, ErrorCode, problem_body
from smdp_client.choices import ADMIN_PROTOCOL, CERT_FINGERPRINT_HEADER, SECRET_HEADER
from smdp_client.notifications.auth import CallerUnknown, notification_caller
from smdp_client.notifications.intake import notification_store
from smdp_client.notifications.parsing import NotificationInvalid, notification_parse


def _problem(code: ErrorCode, status: int, detail: str) -> JsonResponse:
    response = JsonResponse(problem_body(code, status_code=status, detail=detail), status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    response["X-Admin-Protocol"] = ADMIN_PROTOCOL
    return response


@csrf_exempt
@require_POST
def handle_download_progress_info(request: HttpRequest) -> HttpResponse:
    """Authenticate, validate, store, answer 204; a worker applies it to the profile."""
    remote_addr = client_address(request)
    try:
        server_id = notification_caller(
            secret=request.headers.get(SECRET_HEADER),
            fingerprint=proxy_header(request, CERT_FINGERPRINT_HEADER),
            remote_addr=remote_addr,
        )
    except CallerUnknown as exc:
        code = ErrorCode.NOT_AUTHENTICATED if exc.status == 401 else ErrorCode.PERMISSION_DENIED
        return _problem(code, exc.status, str(exc))
    try:
        parsed = notification_parse(request.body)
    except NotificationInvalid as exc:
        return _problem(ErrorCode.VALIDATION_ERROR, 400, str(exc))
    notification_store(server_id=server_id, parsed=parsed, remote_addr=remote_addr)
    response = HttpResponse(status=204)
    response["X-Admin-Protocol"] = ADMIN_PROTOCOL
    return response
