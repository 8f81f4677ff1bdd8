"""The partner API's orders and eSIMs, and the webhooks their domain events cause."""
