from django.urls import path

from partners.staff import views

app_name = "staff_partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_new, name="new"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/status/", views.partner_status, name="status"),
    path("<int:pk>/edit/", views.partner_edit, name="edit"),
    path("<int:pk>/credit/", views.partner_credit, name="credit"),
    path("<int:pk>/keys/new/", views.api_key_new, name="key_new"),
    path("<int:pk>/keys/<int:key_id>/revoke/", views.api_key_revoke_view, name="key_revoke"),
    path("<int:pk>/top-up/", views.top_up, name="top_up"),
    path("<int:pk>/plans/", views.plan_access, name="plan_access"),
    path("<int:pk>/prices/", views.price_override, name="price_override"),
    path("<int:pk>/webhooks/new/", views.webhook_new, name="webhook_new"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="redeliver",
    ),
    path(
        "<int:pk>/webhooks/<int:endpoint_id>/<slug:action>/",
        views.webhook_endpoint_action,
        name="webhook_action",
    ),
    path("<int:pk>/account-managers/", views.account_manager, name="account_manager"),
]
