from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "orders.portal"
    label = "portal"
    verbose_name = "Traveler portal"

    def ready(self) -> None:
        # Subscribing here keeps orders' services unaware of emails (DESIGN.md: domain events).
        from orders.portal import receivers  # noqa: F401
