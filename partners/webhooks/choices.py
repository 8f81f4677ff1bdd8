"""Webhook event types and states, spelled once."""

from django.db import models


class WebhookEventType(models.TextChoices):
    ORDER_COMPLETED = "order.completed", "Order completed"
    ORDER_FAILED = "order.failed", "Order failed"
    ESIM_DOWNLOADED = "esim.downloaded", "eSIM downloaded"
    ESIM_INSTALLED = "esim.installed", "eSIM installed"
    ESIM_ENABLED = "esim.enabled", "eSIM enabled"
    ESIM_DISABLED = "esim.disabled", "eSIM disabled"
    ESIM_DELETED = "esim.deleted", "eSIM deleted"
    ESIM_SUSPENDED = "esim.suspended", "eSIM suspended"
    ESIM_RESUMED = "esim.resumed", "eSIM resumed"
    ESIM_REISSUED = "esim.reissued", "eSIM reissued"
    ESIM_USAGE_THRESHOLD = "esim.usage_threshold", "eSIM usage threshold reached"
    ESIM_EXPIRING = "esim.expiring", "eSIM expiring soon"
    ESIM_EXPIRED = "esim.expired", "eSIM expired"
    BALANCE_LOW = "balance.low", "Balance low"
    WEBHOOK_TEST = "webhook.test", "Test event"


class EndpointStatus(models.TextChoices):
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
