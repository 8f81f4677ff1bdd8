"""The OpenAPI schema and its two readers, served from local files under a strict CSP.

Swagger UI uses drf-spectacular's split view (its init script is a separate file, so no inline
script is needed); Redoc is loaded with its ``<redoc>`` element and no inline script either.
Both inject styles at run time and Redoc starts a blob: worker, which the page-level CSP allows
on these two pages only.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

DOCS_CSP = {
    "style-src": ["'unsafe-inline'"],
    "worker-src": ["blob:"],
    "img-src": ["data:"],
}

REDOC_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="{{ schema_url }}"></redoc><script src="{{ bundle }}"></script></body>
</html>"""


class SchemaView(SpectacularAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []


@method_decorator(csp_update(DOCS_CSP), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    url_name = "api-schema"


@method_decorator(csp_update(DOCS_CSP), name="dispatch")
class RedocView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest) -> HttpResponse:
        page = engines["django"].from_string(REDOC_PAGE)
        html = page.render(
            {
                "title": "CoreESIM Partner API",
                "schema_url": reverse("api-schema"),
                "bundle": static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
            }
        )
        return HttpResponse(html, content_type="text/html; charset=utf-8")
