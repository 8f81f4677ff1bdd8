from django.urls import path

from partners.api import balance, catalogue, webhooks

urlpatterns = [
    path("plans", catalogue.PlanListView.as_view(), name="api-plans"),
    path("plans/<slug:code>", catalogue.PlanDetailView.as_view(), name="api-plan"),
    path("balance", balance.BalanceView.as_view(), name="api-balance"),
    path(
        "balance/transactions",
        balance.TransactionListView.as_view(),
        name="api-balance-transactions",
    ),
    path(
        "webhook-endpoints",
        webhooks.WebhookEndpointListView.as_view(),
        name="api-webhook-endpoints",
    ),
    path(
        "webhook-endpoints/<int:pk>",
        webhooks.WebhookEndpointDetailView.as_view(),
        name="api-webhook-endpoint",
    ),
    path(
        "webhook-endpoints/<int:pk>/rotate-secret",
        webhooks.WebhookEndpointRotateSecretView.as_view(),
        name="api-webhook-endpoint-rotate",
    ),
    path(
        "webhook-endpoints/<int:pk>/test",
        webhooks.WebhookEndpointTestView.as_view(),
        name="api-webhook-endpoint-test",
    ),
    path(
        "webhook-deliveries",
        webhooks.WebhookDeliveryListView.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhook-deliveries/<int:pk>",
        webhooks.WebhookDeliveryDetailView.as_view(),
        name="api-webhook-delivery",
    ),
    path(
        "webhook-deliveries/<int:pk>/redeliver",
        webhooks.WebhookDeliveryRedeliverView.as_view(),
        name="api-webhook-delivery-redeliver",
    ),
]
