"""``/api/v1/``: the schema, its readers, and every app's API routes."""

from django.urls import include, path

from coreesim.api.docs import RedocView, SchemaView, SwaggerView

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(), name="api-docs"),
    path("docs/redoc/", RedocView.as_view(), name="api-redoc"),
    path("", include("profiles.api.urls")),
    path("", include("partners.api.urls")),
    path("", include("orders.api.urls")),
]
