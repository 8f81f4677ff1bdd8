from django.apps import AppConfig


class OrdersApiConfig(AppConfig):
    """The partner API's orders part; an app only so that, at start, in the web process and in
    the worker (where most domain events happen), the webhook receivers are subscribed and the
    webhook and idempotency tasks registered."""

    name = "orders.api"
    label = "orders_api"
    verbose_name = "Partner API: orders"

    def ready(self) -> None:
        from coreesim.api import tasks as api_tasks  # noqa: F401
        from orders.api import webhook_events  # noqa: F401
        from partners.webhooks import tasks as webhook_tasks  # noqa: F401
