from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # Subscribing here keeps the profiles app unaware of orders (DESIGN.md: domain events).
        from orders import receivers  # noqa: F401
