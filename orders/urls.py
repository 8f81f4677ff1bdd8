from django.urls import path

from orders.views import usage_ingest_view

app_name = "orders"

urlpatterns = [path("internal/usage", usage_ingest_view, name="usage-ingest")]
