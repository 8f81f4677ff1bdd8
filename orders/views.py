"""The internal usage endpoint the network side posts data usage to.

Authenticated with a shared bearer token (``USAGE_INGEST_TOKEN``); with no token configured the
endpoint refuses everything. Answers are JSON; errors are problem documents.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from coreesim.problems import ErrorCode, problem_response
from orders.management.commands.import_usage import parse_usage_row
from orders.services import usage_ingest

MAX_RECORDS = 10_000


def _authorised(request: HttpRequest) -> bool:
    token = settings.USAGE_INGEST_TOKEN
    supplied = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode())


@csrf_exempt
@require_POST
def usage_ingest_view(request: HttpRequest) -> JsonResponse:
    """``POST {"records": [{record_id, iccid, used_mb, period_start, period_end}, ...]}``."""
    if not _authorised(request):
        return problem_response(
            request, ErrorCode.AUTHENTICATION_FAILED, status_code=401, detail="Bad or no token."
        )
    try:
        body = json.loads(request.body)
        records = body["records"]
        if not isinstance(records, list) or len(records) > MAX_RECORDS:
            raise ValueError(f"records must be a list of at most {MAX_RECORDS}")
        lines = [parse_usage_row(row, f"records[{i}]") for i, row in enumerate(records)]
    except (ValueError, KeyError, TypeError) as exc:
        return problem_response(
            request, ErrorCode.VALIDATION_ERROR, status_code=400, detail=str(exc)
        )
    result = usage_ingest(lines=lines)
    return JsonResponse(
        {
            "imported": result.imported,
            "duplicates": result.duplicates,
            "unknown_iccids": result.unknown_iccids,
            "events": result.events,
        }
    )
