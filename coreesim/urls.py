from django.contrib import admin
from django.urls import include, path

from coreesim import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("orders.urls")),
    path("", include("orders.portal.urls")),
    path("staff/", include("coreesim.staff.urls")),
    path("staff/inventory/", include("profiles.staff.urls")),
    path("staff/orders/", include("orders.staff.urls")),
    path("staff/smdp/", include("smdp_client.staff.urls")),
    path("staff/partners/", include("partners.staff.urls")),
    path("", include("smdp_client.urls")),
    path("api/v1/", include("coreesim.api.urls")),
]

# Under /api/ Django's own errors are problem documents too; elsewhere, the usual pages.
handler400 = "coreesim.problems.bad_request"
handler403 = "coreesim.problems.permission_denied"
handler404 = "coreesim.problems.page_not_found"
handler500 = "coreesim.problems.server_error"
